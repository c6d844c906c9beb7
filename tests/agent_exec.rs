#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `switchboard exec` through the real binary against the scripted provider running in the
//! test: answers, JSON lines, continuing sessions, exit codes, denials, worktrees, and the key
//! never reaching the disk.

mod support;

use std::path::Path;
use std::process::{Output, Stdio};

use support::Home;
use support::agent::{WAIT, scenario};
use switchboard::model::scripted::ScriptedProvider;
use tokio::io::AsyncWriteExt;

const KEY: &str = "sk-test-SECRET-1234";

/// `switchboard exec ARGS` with the provider as endpoint, in `cwd`, with `stdin`.
async fn exec_in(
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

async fn exec(home: &Home, provider: Option<&ScriptedProvider>, args: &[&str]) -> Output {
    exec_in(home, provider, home.path(), args, None).await
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

fn assert_ok(output: &Output) {
    assert!(
        output.status.success(),
        "exec failed ({:?}): {}",
        output.status,
        stderr(output)
    );
}

/// Fails with exit code 1 and exactly one line on stderr; returns it.
fn assert_failed(output: &Output) -> String {
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(output));
    let text = stderr(output);
    assert_eq!(text.trim_end().lines().count(), 1, "not one line: {text:?}");
    assert!(!text.contains("panicked"), "{text}");
    text.trim_end().to_owned()
}

fn user_texts(provider: &ScriptedProvider, request: usize) -> Vec<String> {
    provider.requests()[request].body["input"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["role"] == "user")
        .map(|i| i["content"][0]["text"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_answers_and_continues_sessions_by_last_id_and_stdin() {
    let home = Home::new();
    let provider = ScriptedProvider::start(scenario("agent_echo"))
        .await
        .unwrap();
    let answer_file = home.path().join("answer.txt");
    let first = exec(
        &home,
        Some(&provider),
        &[
            "--output-last-message",
            answer_file.to_str().unwrap(),
            "first question",
        ],
    )
    .await;
    assert_ok(&first);
    assert_eq!(stdout(&first), "You said: first question\n");
    assert_eq!(
        std::fs::read_to_string(&answer_file).unwrap(),
        "You said: first question\n"
    );

    let second = exec(&home, Some(&provider), &["--last", "second one"]).await;
    assert_ok(&second);
    assert_eq!(stdout(&second), "You said: second one\n");
    assert_eq!(user_texts(&provider, 1), ["first question", "second one"]);

    let listed: serde_json::Value =
        serde_json::from_str(&home.ok(&["sessions", "list", "--json"])).unwrap();
    let sessions = listed.as_array().unwrap();
    assert_eq!(sessions.len(), 1, "--last continued the same session");
    let id = sessions[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(sessions[0]["turns"], 2);
    assert_eq!(sessions[0]["status"], "idle");

    let third = exec_in(
        &home,
        Some(&provider),
        home.path(),
        &["--session", &id[..13], "-"],
        Some("  third, from stdin\n"),
    )
    .await;
    assert_ok(&third);
    assert_eq!(stdout(&third), "You said: third, from stdin\n");
    assert_eq!(
        user_texts(&provider, 2),
        ["first question", "second one", "third, from stdin"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_json_prints_one_object_per_event() {
    let home = Home::new();
    let provider = ScriptedProvider::start(scenario("agent_round_trip"))
        .await
        .unwrap();
    let output = exec(
        &home,
        Some(&provider),
        &["--json", "--approval", "never", "go"],
    )
    .await;
    assert_ok(&output);
    let lines: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON object per line"))
        .collect();
    assert_eq!(lines[0]["type"], "session");
    let session = lines[0]["session"].as_str().unwrap().to_owned();
    let types: Vec<&str> = lines.iter().map(|l| l["type"].as_str().unwrap()).collect();
    for expected in [
        "user.message",
        "turn.started",
        "response.started",
        "reasoning.delta",
        "text.delta",
        "message",
        "usage",
        "tool.call",
        "approval",
        "tool.started",
        "tool.output",
        "tool.finished",
        "turn.completed",
    ] {
        assert!(types.contains(&expected), "no {expected} in {types:?}");
    }
    let call = lines.iter().find(|l| l["type"] == "tool.call").unwrap();
    assert_eq!(call["command"], "printf 'hello from the shell\\n'; exit 3");
    let finished = lines.iter().find(|l| l["type"] == "tool.finished").unwrap();
    assert_eq!(finished["exit_code"], 3);
    let approval = lines.iter().find(|l| l["type"] == "approval").unwrap();
    assert_eq!(approval["decision"], "approved");
    assert_eq!(approval["by"], "policy");
    let end = lines.last().unwrap();
    assert_eq!(end["type"], "turn.completed");
    let usage_lines: Vec<&serde_json::Value> =
        lines.iter().filter(|l| l["type"] == "usage").collect();
    assert_eq!(usage_lines.len(), 2);
    let summed: u64 = usage_lines
        .iter()
        .map(|l| l["input_tokens"].as_u64().unwrap())
        .sum();
    assert_eq!(end["usage"]["input_tokens"], summed);

    // Seqs are the stored ones: every line's seq names an export line of the same kind.
    let export: Vec<serde_json::Value> = home
        .ok(&["sessions", "export", &session])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for line in &lines[1..] {
        let seq = line["seq"].as_u64().unwrap() as usize;
        let stored = &export[seq - 1];
        let kind = stored["kind"].as_str().unwrap();
        let matches = match line["type"].as_str().unwrap() {
            "text.delta" | "reasoning.delta" | "tool_call.arguments.delta" => {
                kind == "response.delta"
            }
            "message" | "reasoning" => kind == "response.item_done",
            "usage" => kind == "response.completed",
            "tool.call" => kind == "tool.requested",
            "approval" => kind == "tool.approved",
            "turn.completed" => kind == "turn.ended",
            other => kind == other,
        };
        assert!(matches, "line {line} vs stored {stored}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_exit_codes_say_what_failed() {
    let home = Home::new();
    // A failed response.
    let provider = ScriptedProvider::start(scenario("failed")).await.unwrap();
    let output = exec(&home, Some(&provider), &["try"]).await;
    let line = assert_failed(&output);
    assert!(line.contains("server_error"), "{line}");
    assert!(
        line.contains("The model crashed while answering."),
        "{line}"
    );
    let json = exec(
        &home,
        Some(&ScriptedProvider::start(scenario("failed")).await.unwrap()),
        &["--json", "try"],
    )
    .await;
    assert_failed(&json);
    assert!(
        stdout(&json)
            .lines()
            .last()
            .unwrap()
            .contains("\"turn.failed\"")
    );

    // No key: a helpful message and no session created.
    let fresh = Home::new();
    let output = exec(&fresh, None, &["hello"]).await;
    let line = assert_failed(&output);
    assert!(line.contains("OPENAI_API_KEY"), "{line}");
    assert!(line.contains("--demo"), "{line}");
    assert!(fresh.ok(&["sessions", "list"]).contains("no sessions yet"));

    // An endpoint nobody listens on, with a fast retry policy.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    std::fs::write(
        fresh.path().join("config.toml"),
        "[model]\nmax_attempts = 2\nretry_base_ms = 1\n",
    )
    .unwrap();
    let mut command = fresh.command();
    command
        .env("OPENAI_API_KEY", KEY)
        .env("OPENAI_BASE_URL", format!("http://127.0.0.1:{port}/v1"))
        .args(["exec", "hello"]);
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    let line = assert_failed(&output);
    assert!(line.contains("gave up after 2 attempts"), "{line}");
    assert!(line.contains("connection"), "{line}");
    assert!(!line.contains(KEY));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_denies_commands_that_need_approval_unless_told_never() {
    let home = Home::new();
    std::fs::create_dir(home.path().join("build")).unwrap();
    let provider = ScriptedProvider::start(scenario("agent_deny"))
        .await
        .unwrap();
    let output = exec(&home, Some(&provider), &["clean up"]).await;
    assert_ok(&output);
    assert!(
        home.path().join("build").exists(),
        "the command did not run"
    );
    let err = stderr(&output);
    assert!(err.contains("denied `rm -rf build`"), "{err}");
    assert!(err.contains("--approval never"), "{err}");
    let answer = stdout(&output);
    assert!(
        answer.starts_with("Understood: denied: `rm` is not on the known-safe list;"),
        "{answer}"
    );

    let provider = ScriptedProvider::start(scenario("agent_deny"))
        .await
        .unwrap();
    let output = exec(&home, Some(&provider), &["--approval", "never", "clean up"]).await;
    assert_ok(&output);
    assert!(!home.path().join("build").exists(), "the command ran");
    assert_eq!(stdout(&output), "Understood: exit code: 0\n");
}

fn git(dir: &Path, args: &[&str]) -> String {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_in_a_worktree_records_a_snapshot_at_the_end_of_the_turn() {
    let home = Home::new();
    let repo_dir = tempfile::tempdir().unwrap();
    let repo = repo_dir.path().join("project");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    std::fs::write(repo.join("README.md"), "hello\n").unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "first"]);

    let provider = ScriptedProvider::start(scenario("agent_touch"))
        .await
        .unwrap();
    let output = exec_in(
        &home,
        Some(&provider),
        &repo,
        &["--worktree", "--approval", "never", "--json", "make a file"],
        None,
    )
    .await;
    assert_ok(&output);
    let lines: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let session = lines[0]["session"].as_str().unwrap().to_owned();
    let worktree = lines[0]["worktree"].as_str().unwrap().to_owned();
    let branch = lines[0]["branch"].as_str().unwrap().to_owned();
    assert!(worktree.starts_with(home.path().join("worktrees").to_str().unwrap()));
    assert!(branch.starts_with("switchboard/exec-"), "{branch}");
    assert!(Path::new(&worktree).join("made-by-agent.txt").exists());
    assert!(
        !repo.join("made-by-agent.txt").exists(),
        "the main tree is untouched"
    );

    let end = lines.last().unwrap();
    assert_eq!(end["type"], "turn.completed");
    let commit = end["commit"]
        .as_str()
        .expect("a snapshot commit")
        .to_owned();
    assert_eq!(git(&repo, &["cat-file", "-t", &commit]), "commit");
    git(
        &repo,
        &["cat-file", "-e", &format!("{commit}:made-by-agent.txt")],
    );
    let seq = end["seq"].as_u64().unwrap();
    let snapshot_ref = format!("refs/switchboard/{session}/{seq}");
    assert_eq!(git(&repo, &["rev-parse", &snapshot_ref]), commit);
    assert_eq!(
        git(&repo, &["rev-parse", "main"]),
        git(&repo, &["rev-parse", &branch])
    );

    let shown: serde_json::Value =
        serde_json::from_str(&home.ok(&["sessions", "show", &session, "--json"])).unwrap();
    assert_eq!(shown["worktree"], worktree);
    assert_eq!(shown["branch"], branch);
    let text = home.ok(&["sessions", "show", &session]);
    assert!(
        text.contains(&format!("worktree  {worktree} (branch {branch})")),
        "{text}"
    );

    // Outside a repository, --worktree is refused with one line.
    let outside = tempfile::tempdir().unwrap();
    let provider = ScriptedProvider::start(scenario("agent_touch"))
        .await
        .unwrap();
    let output = exec_in(
        &home,
        Some(&provider),
        outside.path(),
        &["--worktree", "x"],
        None,
    )
    .await;
    let line = assert_failed(&output);
    assert!(line.contains("--worktree needs a git repository"), "{line}");
}

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> Vec<std::path::PathBuf> {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_key_never_reaches_the_disk() {
    let home = Home::new();
    // A project file holding the key: the model reads it, the store must not keep it.
    let project = tempfile::tempdir().unwrap();
    std::fs::write(project.path().join("key.txt"), format!("token={KEY}\n")).unwrap();
    let scenario = switchboard::model::scripted::Scenario::from_json(
        r#"{"rules": [
            {"when": {"last_item": "function_call_output"}, "reply": {"output": [{"type": "message", "text": "Saw: {{tool_output}}"}]}},
            {"when": {"last_item": "user_message"}, "reply": {"output": [{"type": "function_call", "arguments": {"command": "printenv OPENAI_API_KEY; cat key.txt; echo done"}}]}}
        ]}"#,
    )
    .unwrap();
    let provider = ScriptedProvider::start(scenario).await.unwrap();
    let output = exec_in(
        &home,
        Some(&provider),
        project.path(),
        &["--approval", "never", "--json", "show me"],
        None,
    )
    .await;
    assert_ok(&output);
    let out = stdout(&output);
    assert!(out.contains("token=[redacted]"), "{out}");
    assert!(!out.contains(KEY) && !stderr(&output).contains(KEY));
    let session = home.ok(&["sessions", "list", "--json"]);
    let id = serde_json::from_str::<serde_json::Value>(&session).unwrap()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!home.ok(&["sessions", "export", &id]).contains(KEY));
    let all = files(home.path());
    assert!(all.iter().any(|f| f.ends_with("store.redb")));
    assert!(all.iter().any(|f| f.starts_with(home.path().join("logs"))));
    for file in all {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            memchr::memmem::find(&bytes, KEY.as_bytes()).is_none(),
            "the key is in {}",
            file.display()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_demo_needs_no_key_and_no_network() {
    let home = Home::new();
    let output = exec(&home, None, &["--demo", "what is here?"]).await;
    assert_ok(&output);
    let answer = stdout(&output);
    assert!(answer.contains("The command ran."), "{answer}");
    assert!(answer.contains("exit code: 0"), "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_interrupts_exec_and_kills_the_command() {
    use tokio::io::AsyncBufReadExt;
    let home = Home::new();
    let provider = ScriptedProvider::start(scenario("agent_sleep"))
        .await
        .unwrap();
    let mut command = home.command();
    command
        .env("OPENAI_API_KEY", KEY)
        .env("OPENAI_BASE_URL", provider.base_url())
        .env("HOME", home.path())
        .args(["exec", "--json", "--approval", "never", "wait"]);
    let mut command = tokio::process::Command::from(command);
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = command.spawn().unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    let pid: u32 = tokio::time::timeout(WAIT, async {
        loop {
            let line = lines.next_line().await.unwrap().expect("exec still runs");
            let value: serde_json::Value = serde_json::from_str(&line).unwrap();
            seen.push(value.clone());
            if value["type"] == "tool.output"
                && let Some(rest) = value["output"].as_str().unwrap().split("pid=").nth(1)
                && let Some((digits, _)) = rest.split_once('\r')
            {
                return digits.parse().unwrap();
            }
        }
    })
    .await
    .expect("the command started");
    let exec_pid = nix::unistd::Pid::from_raw(child.id().unwrap() as i32);
    nix::sys::signal::kill(exec_pid, nix::sys::signal::Signal::SIGINT).unwrap();
    let rest = tokio::time::timeout(WAIT, async {
        let mut rest = Vec::new();
        while let Some(line) = lines.next_line().await.unwrap() {
            rest.push(serde_json::from_str::<serde_json::Value>(&line).unwrap());
        }
        rest
    })
    .await
    .expect("exec ended");
    let status = tokio::time::timeout(WAIT, child.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.code(), Some(130));
    assert_eq!(rest.last().unwrap()["type"], "turn.interrupted");
    let finished = rest.iter().find(|l| l["type"] == "tool.finished").unwrap();
    assert_eq!(finished["killed"], "interrupted by the user");
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "sleep was killed"
    );
    let mut stderr = String::new();
    tokio::io::AsyncReadExt::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr)
        .await
        .unwrap();
    assert!(stderr.contains("interrupted"), "{stderr}");
}
