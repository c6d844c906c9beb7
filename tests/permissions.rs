#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The store and the logs are private to their user: directories 0700, files 0600, created so
//! and tightened when an older install left them wider; worktrees keep the repository's modes.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::exec::{git, project_repo};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o7777
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// switchboard with the XDG layout under a fresh `HOME` (no `SWITCHBOARD_HOME`).
struct XdgHome {
    dir: tempfile::TempDir,
}

impl XdgHome {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn run(&self, args: &[&str], cwd: &Path) -> Output {
        Command::new(support::bin())
            .env_remove("SWITCHBOARD_HOME")
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("XDG_DATA_HOME")
            .env_remove("XDG_STATE_HOME")
            .env_remove("OPENAI_API_KEY")
            .env("HOME", self.dir.path())
            .current_dir(cwd)
            .args(args)
            .output()
            .unwrap()
    }
}

#[test]
fn a_new_install_is_private_and_an_old_one_is_tightened_with_a_notice() {
    let home = XdgHome::new();
    let output = home.run(&["sessions", "list"], home.dir.path());
    assert!(output.status.success(), "{output:?}");
    assert!(output.stderr.is_empty(), "{output:?}");

    let dirs = [
        ".config/switchboard",
        ".local/share/switchboard",
        ".local/state/switchboard",
        ".local/state/switchboard/logs",
    ];
    let files = [
        ".local/share/switchboard/store.redb",
        ".local/state/switchboard/logs/switchboard.log",
    ];
    for dir in dirs {
        assert_eq!(mode(&home.path(dir)), 0o700, "{dir}");
    }
    for file in files {
        assert_eq!(mode(&home.path(file)), 0o600, "{file}");
    }
    // Directories that are not ours keep the usual permissions.
    assert_ne!(mode(&home.path(".local/share")), 0o700);

    // An older install created everything with the umask's modes.
    for dir in dirs {
        set_mode(&home.path(dir), 0o755);
    }
    for file in files {
        set_mode(&home.path(file), 0o644);
    }
    let output = home.run(&["sessions", "list"], home.dir.path());
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    let notes: Vec<&str> = stderr.lines().collect();
    assert_eq!(notes.len(), dirs.len() + files.len(), "{stderr}");
    for note in &notes {
        assert!(note.starts_with("switchboard: note: "), "{note}");
        assert!(note.contains("readable by other users"), "{note}");
    }
    for path in dirs.iter().chain(files.iter()) {
        let named = format!("{} was", home.path(path).display());
        assert!(
            notes.iter().any(|note| note.contains(&named)),
            "no note names {path}: {stderr}"
        );
    }
    for dir in dirs {
        assert_eq!(mode(&home.path(dir)), 0o700, "{dir}");
    }
    for file in files {
        assert_eq!(mode(&home.path(file)), 0o600, "{file}");
    }

    // Once tightened, nothing more to say.
    let output = home.run(&["sessions", "list"], home.dir.path());
    assert!(output.stderr.is_empty(), "{output:?}");
}

#[test]
fn worktrees_keep_the_repositorys_own_permissions() {
    let home = XdgHome::new();
    let (_repo_dir, repo) = project_repo();
    std::fs::write(repo.join("run.sh"), "#!/bin/sh\necho hi\n").unwrap();
    set_mode(&repo.join("run.sh"), 0o755);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "script"]);

    let output = home.run(&["exec", "--demo", "--worktree", "--events", "hi"], &repo);
    assert!(output.status.success(), "{output:?}");
    let first: serde_json::Value = serde_json::from_slice(
        output
            .stdout
            .split(|b| *b == b'\n')
            .next()
            .expect("a first line"),
    )
    .unwrap();
    let worktree = PathBuf::from(first["worktree"].as_str().expect("a worktree"));
    assert_eq!(mode(&worktree.join("run.sh")), mode(&repo.join("run.sh")));
    assert_eq!(
        mode(&worktree.join("README.md")),
        mode(&repo.join("README.md"))
    );
    assert_eq!(mode(&worktree), mode(&repo));
}
