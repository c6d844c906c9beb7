//! Forking restores the code: a session with two turns that each change files, forked at
//! turn 1, gets a worktree holding exactly turn 1's files.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

mod support;

use std::path::Path;

use support::Home;
use support::agent::scenario;
use support::exec::{assert_ok, exec_in, git, project_repo, stdout};
use switchboard::model::scripted::ScriptedProvider;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fork_at_turn_one_checks_out_turn_ones_files() {
    let home = Home::new();
    let (_repo_dir, repo) = project_repo();
    let provider = ScriptedProvider::start(scenario("agent_two_turns_files"))
        .await
        .unwrap();

    let first = exec_in(
        &home,
        Some(&provider),
        &repo,
        &[
            "--worktree",
            "--approval",
            "never",
            "--events",
            "first change",
        ],
        None,
    )
    .await;
    assert_ok(&first);
    let session = serde_json::from_str::<serde_json::Value>(stdout(&first).lines().next().unwrap())
        .unwrap()["session"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = exec_in(
        &home,
        Some(&provider),
        &repo,
        &[
            "--session",
            &session,
            "--approval",
            "never",
            "second change",
        ],
        None,
    )
    .await;
    assert_ok(&second);

    // The parent's worktree has both turns' changes.
    let shown: serde_json::Value =
        serde_json::from_str(&home.ok(&["sessions", "show", &session, "--json"])).unwrap();
    let parent_tree = shown["worktree"].as_str().unwrap().to_owned();
    assert!(Path::new(&parent_tree).join("two.txt").exists());

    // Fork at turn 1: a new worktree at turn 1's snapshot.
    let fork: serde_json::Value =
        serde_json::from_str(&home.ok(&["sessions", "fork", &session, "--turn", "1", "--json"]))
            .unwrap();
    let tree = fork["worktree"]
        .as_str()
        .expect("the fork has a worktree")
        .to_owned();
    assert_ne!(tree, parent_tree);
    let tree = Path::new(&tree);
    assert_eq!(
        std::fs::read_to_string(tree.join("one.txt")).unwrap(),
        "one\n"
    );
    assert!(!tree.join("two.txt").exists(), "turn 2's file is not there");
    assert_eq!(
        std::fs::read_to_string(tree.join("README.md")).unwrap(),
        "hello\n"
    );
    // Its own branch, and the fork session records it.
    let branch = git(tree, &["rev-parse", "--abbrev-ref", "HEAD"]);
    assert!(branch.starts_with("switchboard/fork-"), "{branch}");
    let fork_id = fork["id"].as_str().unwrap();
    let fork_shown: serde_json::Value =
        serde_json::from_str(&home.ok(&["sessions", "show", fork_id, "--json"])).unwrap();
    assert_eq!(fork_shown["worktree"], tree.display().to_string());

    // Bad input leaves the store unchanged: an unknown turn forks nothing.
    let before = home.ok(&["sessions", "list", "--json"]);
    let message = home.fails(&["sessions", "fork", &session, "--turn", "7"]);
    assert!(message.contains("has no turn 7"), "{message}");
    assert_eq!(home.ok(&["sessions", "list", "--json"]), before);
}
