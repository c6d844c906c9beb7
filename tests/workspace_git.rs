//! Worktrees, snapshots, forks, diffs and removal against real git repositories.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use std::path::Path;
use std::process::Command;

use switchboard::ids::{Seq, SessionId};
use switchboard::workspace::{self, DiffFile, parse_unified};

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    std::fs::write(dir.path().join("README.md"), "hello\n").unwrap();
    std::fs::write(dir.path().join(".gitignore"), "target/\n").unwrap();
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "init"]);
    dir
}

#[test]
fn snapshot_per_turn_and_fork_restores_the_code() {
    let repo = repo();
    let worktrees = tempfile::tempdir().unwrap();
    let wt = workspace::create(repo.path(), worktrees.path(), "agent 1").unwrap();
    assert_eq!(wt.branch, "switchboard/agent-1");
    assert_eq!(
        std::fs::read_to_string(wt.path.join("README.md")).unwrap(),
        "hello\n"
    );

    // Turn 1: a tracked edit, a new untracked file, and an ignored file.
    std::fs::write(wt.path.join("README.md"), "hello turn 1\n").unwrap();
    std::fs::write(wt.path.join("one.txt"), "1\n").unwrap();
    std::fs::create_dir_all(wt.path.join("target")).unwrap();
    std::fs::write(wt.path.join("target/big.bin"), "ignored").unwrap();
    let session = SessionId::new();
    let turn1 = workspace::checkpoint(&wt.path, session, Seq(10)).unwrap();
    // The user's index and branch are untouched.
    assert_eq!(git(&wt.path, &["diff", "--cached", "--name-only"]), "");
    assert_eq!(git(&wt.path, &["rev-parse", "HEAD"]), wt.base);
    assert!(git(&wt.path, &["status", "--porcelain"]).contains("?? one.txt"));
    assert_eq!(
        git(
            repo.path(),
            &["rev-parse", &workspace::checkpoint_ref(session, Seq(10))]
        ),
        turn1
    );

    // Turn 2 changes more.
    std::fs::write(wt.path.join("README.md"), "hello turn 2\n").unwrap();
    std::fs::remove_file(wt.path.join("one.txt")).unwrap();
    std::fs::write(wt.path.join("two.txt"), "2\n").unwrap();
    let turn2 = workspace::checkpoint(&wt.path, session, Seq(20)).unwrap();
    assert_ne!(turn1, turn2);

    // Forking at turn 1 restores exactly turn 1's files.
    let fork = workspace::create_at(repo.path(), worktrees.path(), "agent 1 fork", &turn1).unwrap();
    assert_eq!(
        std::fs::read_to_string(fork.path.join("README.md")).unwrap(),
        "hello turn 1\n"
    );
    assert!(fork.path.join("one.txt").exists());
    assert!(!fork.path.join("two.txt").exists());
    assert!(
        !fork.path.join("target/big.bin").exists(),
        "ignored files are not snapshotted"
    );

    // Diffs: against the base (untracked included) and between turns.
    let files = parse_unified(&workspace::diff_against_base(&wt.path, "main").unwrap());
    let names: Vec<_> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(names, ["README.md", "two.txt"]);
    assert_eq!(files[1].status, DiffFile::Added);
    let between = parse_unified(&workspace::diff_between(repo.path(), &turn1, &turn2).unwrap());
    let names: Vec<_> = between
        .iter()
        .map(|f| (f.path.as_str(), f.status))
        .collect();
    assert_eq!(
        names,
        [
            ("README.md", DiffFile::Modified),
            ("one.txt", DiffFile::Deleted),
            ("two.txt", DiffFile::Added)
        ]
    );
}

#[test]
fn removal_refuses_to_lose_work_unless_forced() {
    let repo = repo();
    let worktrees = tempfile::tempdir().unwrap();
    let wt = workspace::create(repo.path(), worktrees.path(), "worker").unwrap();
    std::fs::write(wt.path.join("wip.txt"), "unsaved").unwrap();
    let err = workspace::remove(&wt, false).unwrap_err().to_string();
    assert!(err.contains("has 1 uncommitted file; confirm"), "{err}");
    assert!(wt.path.exists());
    // Committed on the branch but not merged: still refused.
    git(&wt.path, &["add", "."]);
    git(&wt.path, &["commit", "-qm", "wip"]);
    let err = workspace::remove(&wt, false).unwrap_err().to_string();
    assert!(err.contains("1 unmerged commit"), "{err}");
    workspace::remove(&wt, true).unwrap();
    assert!(!wt.path.exists());
    assert_eq!(
        git(repo.path(), &["branch", "--list", "switchboard/worker"]),
        ""
    );

    // A clean, merged worktree goes without asking.
    let clean = workspace::create(repo.path(), worktrees.path(), "clean").unwrap();
    workspace::remove(&clean, false).unwrap();
}

#[test]
fn bad_input_gets_clear_errors() {
    let plain = tempfile::tempdir().unwrap();
    assert_eq!(workspace::repo_root(plain.path()).unwrap(), None);

    let empty = tempfile::tempdir().unwrap();
    git(empty.path(), &["init", "-q"]);
    let worktrees = tempfile::tempdir().unwrap();
    let err = workspace::create(empty.path(), worktrees.path(), "x")
        .unwrap_err()
        .to_string();
    assert!(err.contains("has no commits yet"), "{err}");

    let repo = repo();
    workspace::create(repo.path(), worktrees.path(), "taken").unwrap();
    let err = workspace::create(repo.path(), worktrees.path(), "taken")
        .unwrap_err()
        .to_string();
    assert!(err.contains("branch switchboard/taken is taken"), "{err}");

    // A worktree directory deleted by hand: the stale registration is pruned and removal works.
    let gone = workspace::create(repo.path(), worktrees.path(), "gone").unwrap();
    std::fs::remove_dir_all(&gone.path).unwrap();
    workspace::remove(&gone, false).unwrap();
    assert!(!git(repo.path(), &["worktree", "list"]).contains("gone"));

    let err = workspace::diff_between(repo.path(), "nope", "HEAD")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("git diff"), "{err}");
}
