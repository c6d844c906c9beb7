#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `switchboard exec` through the real binary against the scripted provider running in the
//! test: answers, JSON lines, continuing sessions, exit codes, denials, the demo.

mod support;

use support::Home;
use support::agent::scenario;
use support::exec::{
    KEY, assert_failed, assert_ok, assert_refused, exec, exec_in, stderr, stdout, user_texts,
};
use switchboard::model::scripted::ScriptedProvider;

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
        &["--events", "--approval", "never", "go"],
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
        &["--events", "try"],
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
    let line = assert_refused(&output);
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
        .args(["exec", "--skip-git-repo-check", "hello"]);
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_demo_needs_no_key_and_no_network() {
    let home = Home::new();
    // The demo's command (`uname … && ls`) needs approval; exec cannot ask, so it runs only
    // with `--approval never` and is denied otherwise.
    let output = exec(
        &home,
        None,
        &["--demo", "--approval", "never", "what is here?"],
    )
    .await;
    assert_ok(&output);
    let answer = stdout(&output);
    assert!(answer.contains("The command ran."), "{answer}");
    assert!(answer.contains("exit code: 0"), "{answer}");
    let output = exec(&home, None, &["--demo", "what is here?"]).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("uname"), "{stderr}");
}
