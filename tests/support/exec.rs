//! Helpers for the `exec` tests: run the real binary against a scripted provider.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use super::Home;
use super::agent::WAIT;
use switchboard::model::scripted::ScriptedProvider;
use tokio::io::AsyncWriteExt;

pub const KEY: &str = "sk-test-SECRET-1234";

/// `switchboard exec ARGS` with the provider as endpoint, in `cwd`, with `stdin`.
pub async fn exec_in(
    home: &Home,
    provider: Option<&ScriptedProvider>,
    cwd: &Path,
    args: &[&str],
    stdin: Option<&str>,
) -> Output {
    let mut command = home.command();
    command
        .env_remove("OPENAI_BASE_URL")
        // The login shell reads this home's (empty) profile, not the machine user's.
        .env("HOME", home.path())
        .current_dir(cwd)
        .arg("exec")
        // Tests run in temporary directories; the repository check has its own test.
        .arg("--skip-git-repo-check")
        .args(args);
    if let Some(provider) = provider {
        command
            .env("OPENAI_API_KEY", KEY)
            .env("OPENAI_BASE_URL", provider.base_url());
    }
    let mut command = tokio::process::Command::from(command);
    command
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = command.spawn().unwrap();
    if let Some(text) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(text.as_bytes()).await.unwrap();
    }
    tokio::time::timeout(WAIT, child.wait_with_output())
        .await
        .expect("exec finished in time")
        .unwrap()
}

pub async fn exec(home: &Home, provider: Option<&ScriptedProvider>, args: &[&str]) -> Output {
    exec_in(home, provider, home.path(), args, None).await
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

pub fn assert_ok(output: &Output) {
    assert!(
        output.status.success(),
        "exec failed ({:?}): {}",
        output.status,
        stderr(output)
    );
}

/// Fails with exit code 1: stderr holds progress (the session id, commands, retries) and
/// ends with one line saying what failed; returns that line.
pub fn assert_failed(output: &Output) -> String {
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(output));
    let text = stderr(output);
    assert!(!text.contains("panicked"), "{text}");
    assert!(
        text.lines().all(|line| line.starts_with("switchboard: ")),
        "{text}"
    );
    text.trim_end()
        .lines()
        .last()
        .expect("an error line")
        .to_owned()
}

/// Refused before anything started: exit code 1 and exactly one line on stderr; returns it.
pub fn assert_refused(output: &Output) -> String {
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(output));
    let text = stderr(output);
    assert_eq!(text.trim_end().lines().count(), 1, "not one line: {text:?}");
    assert!(!text.contains("panicked"), "{text}");
    text.trim_end().to_owned()
}

pub fn user_texts(provider: &ScriptedProvider, request: usize) -> Vec<String> {
    provider.requests()[request].body["input"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["role"] == "user")
        .map(|i| i["content"][0]["text"].as_str().unwrap().to_owned())
        .collect()
}

/// `switchboard exec --json --approval never PROMPT` started in the background, for tests that
/// signal or kill it mid-turn; stdout is piped, stderr too.
pub fn spawn_exec(home: &Home, provider: &ScriptedProvider, prompt: &str) -> tokio::process::Child {
    let mut command = home.command();
    command
        .env("OPENAI_API_KEY", KEY)
        .env("OPENAI_BASE_URL", provider.base_url())
        .env("HOME", home.path())
        .args([
            "exec",
            "--skip-git-repo-check",
            "--events",
            "--approval",
            "never",
            prompt,
        ]);
    let mut command = tokio::process::Command::from(command);
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command.spawn().unwrap()
}

/// A git repository `project/` in a fresh temp dir with one commit (a README); returns the
/// temp dir (keep it alive) and the repository's path.
pub fn project_repo() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("project");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    std::fs::write(repo.join("README.md"), "hello\n").unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "first"]);
    (dir, repo)
}

pub fn git(dir: &Path, args: &[&str]) -> String {
    let output = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@t")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@t")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// Every file under `dir`, recursively.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push(path);
        }
    }
    out
}
