//! Helpers for the task tests: `switchboard task …` against a private home and a real git
//! repository, JSON records, and waiting on a task's state.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use serde_json::Value;

use super::Home;

/// Generous: a task's attempt is a worktree, a process and a few git commands; CI machines
/// are slow and shared.
pub const WAIT: Duration = Duration::from_secs(60);

/// A home whose login shells read nothing of the machine user's profile.
pub fn home() -> Home {
    let home = Home::new();
    std::fs::write(home.path().join(".bash_profile"), "").unwrap();
    home
}

/// `switchboard task ARGS` run in `cwd`.
pub fn task_in(home: &Home, cwd: &Path, args: &[&str]) -> Output {
    home.command()
        .env("HOME", home.path())
        .current_dir(cwd)
        .arg("task")
        .args(args)
        .output()
        .unwrap()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// What a failed command said: stderr, then stdout (a `--json` record tells why a task ended).
pub fn stderr(output: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout)
    )
}

/// Runs and insists on success; stdout.
pub fn ok(home: &Home, cwd: &Path, args: &[&str]) -> String {
    let output = task_in(home, cwd, args);
    assert!(
        output.status.success(),
        "task {args:?} failed ({:?}): {}",
        output.status,
        stderr(&output)
    );
    stdout(&output)
}

/// Runs and insists on a one-line failure with exit code 1 (2: the arguments themselves were
/// refused); the line.
pub fn refused(home: &Home, cwd: &Path, args: &[&str]) -> String {
    let output = task_in(home, cwd, args);
    assert!(
        matches!(output.status.code(), Some(1 | 2)),
        "task {args:?}: {}{}",
        stdout(&output),
        stderr(&output)
    );
    let text = stderr(&output);
    assert_eq!(text.trim_end().lines().count(), 1, "not one line: {text:?}");
    assert!(!text.contains("panicked"), "{text}");
    text.trim_end().to_owned()
}

/// `task show ID --json`.
pub fn record(home: &Home, cwd: &Path, id: &str) -> Value {
    serde_json::from_str(&ok(home, cwd, &["show", id, "--json"])).unwrap()
}

/// `task list --json`.
pub fn list(home: &Home, cwd: &Path) -> Vec<Value> {
    serde_json::from_str(&ok(home, cwd, &["list", "--json"])).unwrap()
}

/// Waits until the task's state is `state`; its record.
pub fn wait_state(home: &Home, cwd: &Path, id: &str, state: &str) -> Value {
    let mut last = Value::Null;
    let reached = super::wait_for(WAIT, || {
        last = record(home, cwd, id);
        last["state"] == state
    });
    assert!(reached, "task {id} never became {state}: {last:#}");
    last
}

/// Submits one task (no wait); its id.
pub fn submit(home: &Home, cwd: &Path, args: &[&str]) -> String {
    let mut all = vec!["submit"];
    all.extend_from_slice(args);
    ok(home, cwd, &all).trim().to_owned()
}

/// A git repository with one commit, in a temp dir (keep the dir alive).
pub fn repo() -> (tempfile::TempDir, PathBuf) {
    super::exec::project_repo()
}

/// Writes `text` as `name` in `dir`; the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The states of a task's history, in order.
pub fn history(record: &Value) -> Vec<String> {
    record["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["state"].as_str().unwrap().to_owned())
        .collect()
}

/// Waits until attempt `attempt` of the task has begun its run (a `started` file in its
/// worktree, which the test's goal writes); the worktree.
pub fn wait_for_worktree(home: &Home, cwd: &Path, id: &str, attempt: u64) -> PathBuf {
    let mut worktree = None;
    let ok = super::wait_for(WAIT, || {
        let record = record(home, cwd, id);
        worktree = record["worktree"].as_str().map(PathBuf::from);
        record["attempts"] == attempt
            && worktree
                .as_ref()
                .is_some_and(|w| w.join("started").exists())
    });
    assert!(ok, "attempt {attempt} of task {id} never started");
    worktree.unwrap()
}
