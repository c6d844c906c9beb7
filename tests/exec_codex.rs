#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `switchboard exec` speaking Codex's exec interface, through the real binary against the
//! scripted provider: the `--json` event lines, the human output, `resume`, the repository
//! check, `--output-schema`, and the Codex SDK's key and endpoint (`CODEX_API_KEY`,
//! `-c openai_base_url`).

mod support;

use serde_json::{Value, json};
use support::Home;
use support::agent::scenario;
use support::exec::{
    KEY, assert_failed, assert_ok, assert_refused, exec, exec_in, files, project_repo, stderr,
    stdout,
};
use switchboard::model::scripted::{Scenario, ScriptedProvider};

fn json_lines(output: &std::process::Output) -> Vec<Value> {
    stdout(output)
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON object per line"))
        .collect()
}

fn show(home: &Home, id: &str) -> Value {
    serde_json::from_str(&home.ok(&["sessions", "show", id, "--json"])).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_prints_codex_exec_events() {
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
    assert_eq!(stderr(&output), "", "stderr stays quiet with --json");
    let lines = json_lines(&output);
    let session = lines[0]["thread_id"].as_str().unwrap();
    let shown = show(&home, session);
    let started = json!({"id": "item_2", "type": "command_execution",
        "command": "printf 'hello from the shell\\n'; exit 3",
        "aggregated_output": "", "exit_code": null, "status": "in_progress"});
    let finished = json!({"id": "item_2", "type": "command_execution",
        "command": "printf 'hello from the shell\\n'; exit 3",
        "aggregated_output": "hello from the shell\n", "exit_code": 3, "status": "failed"});
    let expected = [
        json!({"type": "thread.started", "thread_id": session}),
        json!({"type": "turn.started"}),
        json!({"type": "item.completed", "item": {"id": "item_0", "type": "reasoning", "text": "Running the command."}}),
        json!({"type": "item.completed", "item": {"id": "item_1", "type": "agent_message", "text": "Let me run it."}}),
        json!({"type": "item.started", "item": started}),
        json!({"type": "item.completed", "item": finished}),
        json!({"type": "item.completed", "item": {"id": "item_3", "type": "agent_message",
            "text": "It said: exit code: 3\nhello from the shell"}}),
        json!({"type": "turn.completed", "usage": {
            "input_tokens": shown["usage"]["input_tokens"],
            "cached_input_tokens": shown["usage"]["cached_tokens"],
            "output_tokens": shown["usage"]["output_tokens"],
            "reasoning_output_tokens": shown["usage"]["reasoning_tokens"]}}),
    ];
    assert_eq!(lines, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn denials_and_failures_in_codex_lines() {
    let home = Home::new();
    let provider = ScriptedProvider::start(scenario("agent_deny"))
        .await
        .unwrap();
    let output = exec(&home, Some(&provider), &["--json", "clean up"]).await;
    assert_ok(&output);
    let declined = json_lines(&output)
        .into_iter()
        .find(|l| l["item"]["type"] == "command_execution")
        .unwrap();
    assert_eq!(declined["type"], "item.completed");
    assert_eq!(declined["item"]["status"], "declined");
    assert_eq!(declined["item"]["command"], "rm -rf build");
    assert!(stderr(&output).contains("denied `rm -rf build`"));

    let provider = ScriptedProvider::start(scenario("failed")).await.unwrap();
    let output = exec(&home, Some(&provider), &["--json", "try"]).await;
    let line = assert_failed(&output);
    assert!(
        line.contains("The model crashed while answering."),
        "{line}"
    );
    let lines = json_lines(&output);
    let tail: Vec<&str> = lines[lines.len() - 2..]
        .iter()
        .map(|l| l["type"].as_str().unwrap())
        .collect();
    assert_eq!(tail, ["error", "turn.failed"]);
    let failed = &lines[lines.len() - 1]["error"]["message"];
    assert!(
        failed.as_str().unwrap().contains("The model crashed"),
        "{failed}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_json_the_answer_alone_goes_to_stdout() {
    let home = Home::new();
    let provider = ScriptedProvider::start(scenario("agent_round_trip"))
        .await
        .unwrap();
    let output = exec(&home, Some(&provider), &["--approval", "never", "go"]).await;
    assert_ok(&output);
    assert_eq!(
        stdout(&output),
        "It said: exit code: 3\nhello from the shell\n"
    );
    let err = stderr(&output);
    let first = err.lines().next().unwrap();
    let listed: Value = serde_json::from_str(&home.ok(&["sessions", "list", "--json"])).unwrap();
    let id = listed[0]["id"].as_str().unwrap();
    assert!(
        first.starts_with(&format!("switchboard: session {id} (new, in ")),
        "{err}"
    );
    assert!(
        err.contains("running `printf 'hello from the shell\\n'; exit 3`"),
        "{err}"
    );
    assert!(err.contains("exit code 3"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_continues_by_id_or_last_with_the_prompt_from_stdin() {
    let home = Home::new();
    let provider = ScriptedProvider::start(scenario("agent_echo"))
        .await
        .unwrap();
    let first = exec(&home, Some(&provider), &["--json", "one"]).await;
    assert_ok(&first);
    let thread = json_lines(&first)[0]["thread_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = exec(
        &home,
        Some(&provider),
        &["--json", "resume", "--last", "two"],
    )
    .await;
    assert_ok(&second);
    assert_eq!(json_lines(&second)[0]["thread_id"], thread.as_str());
    let third = exec_in(
        &home,
        Some(&provider),
        home.path(),
        &["resume", &thread[..13]],
        Some("three\n"),
    )
    .await;
    assert_ok(&third);
    assert_eq!(stdout(&third), "You said: three\n");
    assert!(stderr(&third).contains("(continued, in "));
    assert_eq!(show(&home, &thread)["turns"], 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_a_repository_exec_refuses_unless_told() {
    let home = Home::new();
    let provider = ScriptedProvider::start(scenario("agent_echo"))
        .await
        .unwrap();
    let run = |args: &[&str]| {
        let mut command = home.command();
        command
            .env("OPENAI_API_KEY", KEY)
            .env("OPENAI_BASE_URL", provider.base_url())
            .env("HOME", home.path())
            .arg("exec")
            .args(args)
            .stdin(std::process::Stdio::null());
        command.output().unwrap()
    };
    let refused = run(&["hello"]);
    let line = assert_refused(&refused);
    assert!(line.contains("is not inside a git repository"), "{line}");
    assert!(line.contains("--skip-git-repo-check"), "{line}");
    assert!(home.ok(&["sessions", "list"]).contains("no sessions yet"));

    // -C moves into a repository (and the session works there).
    let (_dir, repo) = project_repo();
    let output = run(&["--json", "-C", repo.to_str().unwrap(), "hello"]);
    assert_ok(&output);
    let thread = json_lines(&output)[0]["thread_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(show(&home, &thread)["cwd"], repo.to_str().unwrap());
    let line = assert_refused(&run(&["-C", "/no/such/dir", "hello"]));
    assert!(
        line.starts_with("switchboard: --cd /no/such/dir: "),
        "{line}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_schema_is_sent_strict_and_checked() {
    let home = Home::new();
    let provider = ScriptedProvider::start(scenario("codex_sdk"))
        .await
        .unwrap();
    let schema = home.path().join("schema.json");
    let schema_json = json!({"type": "object", "additionalProperties": false,
        "properties": {"summary": {"type": "string"}, "files": {"type": "integer"}},
        "required": ["summary", "files"]});
    std::fs::write(&schema, schema_json.to_string()).unwrap();
    let answer = home.path().join("answer.json");
    let args = |prompt: &'static str| {
        vec![
            "--output-schema".to_owned(),
            schema.display().to_string(),
            "-o".to_owned(),
            answer.display().to_string(),
            prompt.to_owned(),
        ]
    };
    let good = args("the summary as json");
    let good: Vec<&str> = good.iter().map(String::as_str).collect();
    let output = exec(&home, Some(&provider), &good).await;
    assert_ok(&output);
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&answer).unwrap()).unwrap();
    assert_eq!(written, json!({"summary": "all good", "files": 2}));
    assert_eq!(
        provider.requests()[0].body["text"],
        json!({"format": {"type": "json_schema", "name": "output_schema", "schema": schema_json, "strict": true}})
    );

    std::fs::remove_file(&answer).unwrap();
    let bad = args("a broken summary as json");
    let bad: Vec<&str> = bad.iter().map(String::as_str).collect();
    let output = exec(&home, Some(&provider), &bad).await;
    let line = assert_failed(&output);
    assert!(line.contains("does not match --output-schema"), "{line}");
    assert!(
        line.contains("$: missing required property \"files\""),
        "{line}"
    );
    assert!(
        !answer.exists(),
        "-o is written only for a turn that completed"
    );
    assert_eq!(stdout(&output), "", "no answer on stdout for a failed turn");

    std::fs::write(&schema, "[]").unwrap();
    let line = assert_refused(&exec(&home, Some(&provider), &good).await);
    assert!(line.contains("a schema is a JSON object"), "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_codex_sdk_key_and_endpoint_are_enough_and_stay_secret() {
    let home = Home::new();
    let scenario = Scenario::from_json(
        r#"{"rules": [
            {"when": {"last_item": "function_call_output"}, "reply": {"output": [{"type": "message", "text": "Saw: {{tool_output}}"}]}},
            {"when": {"last_item": "user_message"}, "reply": {"output": [{"type": "function_call", "arguments": {"command": "printenv CODEX_API_KEY; printenv OPENAI_API_KEY; echo done"}}]}}
        ]}"#,
    )
    .unwrap();
    let provider = ScriptedProvider::start(scenario).await.unwrap();
    let mut command = home.command();
    command
        .env_remove("OPENAI_BASE_URL")
        .env("HOME", home.path())
        .env("CODEX_API_KEY", KEY)
        .args([
            "exec",
            "--skip-git-repo-check",
            "--json",
            "--approval",
            "never",
        ])
        .arg("--config")
        .arg(format!("openai_base_url=\"{}\"", provider.base_url()))
        .arg("show me");
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    assert_ok(&output);
    assert!(provider.requests().iter().all(|r| r.authorized));
    let lines = json_lines(&output);
    let command = lines
        .iter()
        .find(|l| l["type"] == "item.completed" && l["item"]["type"] == "command_execution")
        .unwrap();
    // Hidden from the command, not merely redacted from what it printed.
    assert_eq!(command["item"]["aggregated_output"], "done\n");
    for file in files(home.path()) {
        let bytes = std::fs::read(&file).unwrap_or_default();
        let found = bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes());
        assert!(!found, "the key is in {}", file.display());
    }
}

#[test]
fn a_schema_for_a_session_a_window_shows_is_refused() {
    use support::e2e::{TIMEOUT, Tui};
    let home = Home::new();
    let env = [("SHELL", "/bin/bash"), ("HISTFILE", "/dev/null")];
    let tui = Tui::start_with(home.path(), &["--demo"], 120, 40, &env);
    tui.wait_for("demo provider");
    tui.type_text("help\r");
    tui.wait_until("the first turn ends", TIMEOUT, |s| {
        s.contains("agent 1 · idle")
    });
    let listed: Value = serde_json::from_str(&home.ok(&["sessions", "list", "--json"])).unwrap();
    let id = listed[0]["id"].as_str().unwrap().to_owned();
    let schema = home.path().join("schema.json");
    std::fs::write(&schema, r#"{"type":"object"}"#).unwrap();
    let line = home.fails(&[
        "exec",
        "--skip-git-repo-check",
        "--demo",
        "--output-schema",
        schema.to_str().unwrap(),
        "--session",
        &id,
        "more",
    ]);
    assert!(
        line.contains(&format!("--output-schema cannot apply to session {id}")),
        "{line}"
    );
    assert_eq!(listed[0]["turns"], 1);
}
