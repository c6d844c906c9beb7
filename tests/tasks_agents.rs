//! Tasks whose executors are agents — the native agent against the scripted provider, the
//! real Codex CLI (npm `@openai/codex`) pointed at it — and a task interrupted by a killed
//! server, then resumed in place.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};

use support::tasks::{home, ok, record, refused, repo, wait_state};
use switchboard::model::scripted::{Scenario, ScriptedProvider};

const KEY: &str = "sk-task-test-1234";

/// A scripted provider on a runtime of its own, so the (blocking) test body can run the CLI.
fn provider(name: &str) -> (tokio::runtime::Runtime, ScriptedProvider) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let scenario = Scenario::load(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("fixtures/scenarios/{name}.json")),
    )
    .unwrap();
    let provider = runtime.block_on(ScriptedProvider::start(scenario)).unwrap();
    (runtime, provider)
}

#[test]
fn a_native_task_waits_for_approval_then_completes() {
    let home = home();
    let (_dir, repo) = repo();
    let (_runtime, provider) = provider("agent_touch");
    let output = home
        .command()
        .env("HOME", home.path())
        .env("OPENAI_API_KEY", KEY)
        .env("OPENAI_BASE_URL", provider.base_url())
        .current_dir(&repo)
        .args([
            "task",
            "submit",
            "--goal",
            "make the file",
            "--executor",
            "native",
        ])
        .args([
            "--approval",
            "on-request",
            "--validation",
            "test -f made-by-agent.txt",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let id = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    let waiting = wait_state(&home, &repo, &id, "awaiting_approval");
    assert!(
        waiting["note"]
            .as_str()
            .unwrap()
            .contains("touch made-by-agent.txt"),
        "{waiting:#}"
    );
    ok(&home, &repo, &["approve", &id]);
    let done = wait_state(&home, &repo, &id, "completed");
    let attempt = &done["attempt_records"][0];
    assert!(
        attempt["result"]["usage"]["output_tokens"]
            .as_u64()
            .unwrap()
            > 0,
        "{done:#}"
    );
    assert_eq!(attempt["result"]["files"][0]["path"], "made-by-agent.txt");
    // The attempt's session is a native session like any other.
    let session = attempt["session"].as_str().unwrap();
    let shown = home.ok(&["sessions", "show", session]);
    assert!(shown.contains("agent"), "{shown}");
    let logs = ok(&home, &repo, &["logs", &id]);
    assert!(logs.contains("$ touch made-by-agent.txt"), "{logs}");
    assert!(!logs.contains(KEY), "the key leaked into the logs");
}

#[test]
fn a_task_interrupted_by_a_killed_server_resumes_in_place() {
    let home = home();
    let (_dir, repo) = repo();
    // The first run waits (until the resumed run writes done.txt); a resumed run finishes.
    // (A run whose worktree is deleted ends too: its directory is gone.)
    let goal = "if [ -f started ]; then echo resumed > done.txt; else touch started; \
                while [ ! -f done.txt ] && [ -d \"$PWD\" ]; do sleep 0.05; done; fi";
    let id = support::tasks::submit(&home, &repo, &["--goal", goal, "--executor", "shell"]);
    let other = support::tasks::submit(&home, &repo, &["--goal", goal, "--executor", "shell"]);
    let worktree = started(&home, &repo, &id);
    started(&home, &repo, &other);
    attempts_on_disk(&home, 2);
    support::kill_servers(home.path());

    // The next server finds them interrupted, their worktrees kept.
    let interrupted = wait_state(&home, &repo, &id, "interrupted");
    assert!(
        interrupted["note"]
            .as_str()
            .unwrap()
            .contains("task resume"),
        "{interrupted:#}"
    );
    assert!(worktree.join("started").exists());

    ok(&home, &repo, &["resume", &id]);
    let done = wait_state(&home, &repo, &id, "completed");
    assert_eq!(done["attempts"], 1);
    assert_eq!(
        done["worktree"].as_str().unwrap(),
        worktree.to_str().unwrap()
    );
    assert_eq!(done["attempt_records"][0]["resumes"], 1);
    assert_eq!(
        done["attempt_records"][0]["result"]["files"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // A worktree deleted by hand is reported, not crashed on.
    let gone = PathBuf::from(record(&home, &repo, &other)["worktree"].as_str().unwrap());
    std::fs::remove_dir_all(&gone).unwrap();
    let line = refused(&home, &repo, &["resume", &other]);
    assert!(
        line.contains("is gone") && line.contains("task retry"),
        "{line}"
    );
    ok(&home, &repo, &["retry", &other]);
    let fresh = support::tasks::wait_for_worktree(&home, &repo, &other, 2);
    std::fs::write(fresh.join("done.txt"), "").unwrap();
    let retried = wait_state(&home, &repo, &other, "completed");
    assert_eq!(retried["attempts"], 2);
}

/// Waits until the board's log on disk holds `count` attempts. What `task show` says comes
/// from the server's memory, which runs one commit ahead of the disk while the executor is
/// already running: a SIGKILL in that window loses the attempt (the task then reads "the
/// server ended while the task started"), which is not what this test is about.
fn attempts_on_disk(home: &support::Home, count: usize) {
    let board = "00000000-0000-7000-8000-7461736b7321";
    let ok = support::wait_for(support::tasks::WAIT, || {
        let export = home.run(&["sessions", "export", board]);
        let text = String::from_utf8_lossy(&export.stdout);
        let attempts = text
            .lines()
            .filter(|line| line.contains("\"kind\":\"task.attempt\""))
            .count();
        attempts >= count
    });
    assert!(ok, "{count} attempts never reached the disk");
}

/// Waits until the task's first run has begun in its worktree; the worktree.
fn started(home: &support::Home, repo: &Path, id: &str) -> PathBuf {
    support::tasks::wait_for_worktree(home, repo, id, 1)
}

#[test]
fn the_codex_executor_runs_the_real_codex_cli() {
    let codex = support::codex::cli();
    let home = home();
    let (dir, repo) = repo();
    let (_runtime, provider) = provider("task_codex");
    std::fs::write(
        home.path().join("config.toml"),
        format!("[tasks]\ncodex = [\"{}\"]\n", codex.display()),
    )
    .unwrap();
    let codex_home = support::codex::home(dir.path(), &provider.base_url(), "");
    let output = task_in_env(
        &home,
        &repo,
        &codex_home,
        &[
            "submit",
            "--goal",
            "make codex.txt",
            "--executor",
            "codex",
            "--approval",
            "never",
            "--validation",
            "grep -q from-codex codex.txt",
            "--wait",
            "--json",
        ],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let done: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(done["state"], "completed", "{done:#}");
    let attempt = &done["attempt_records"][0];
    assert!(
        attempt["thread"].as_str().is_some_and(|t| !t.is_empty()),
        "{done:#}"
    );
    assert!(attempt["result"]["usage"]["input_tokens"].as_u64().unwrap() > 0);
    // Codex's items became the session's events: its command and its answer.
    let logs = ok(&home, &repo, &["logs", done["id"].as_str().unwrap()]);
    assert!(
        logs.contains("echo from-codex > codex.txt") && logs.contains("Wrote codex.txt."),
        "{logs}"
    );
    assert!(provider.requests().len() >= 2);
}

fn task_in_env(
    home: &support::Home,
    cwd: &Path,
    codex_home: &Path,
    args: &[&str],
) -> std::process::Output {
    home.command()
        .env("HOME", home.path())
        .env("CODEX_HOME", codex_home)
        .env("SCRIPTED_KEY", "any")
        .current_dir(cwd)
        .arg("task")
        .args(args)
        .output()
        .unwrap()
}
