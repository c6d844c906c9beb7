#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `[model] compact_at` reaches the agent on both paths `exec` takes: a turn run in the exec
//! process, and one run by the server (real binary, real socket, scripted provider on loopback).

mod support;

use std::time::Duration;

use serde_json::Value;
use support::agent::{COMPACT_AT, compact_first_prompt, scenario};
use support::exec::{assert_ok, exec, stdout};
use support::{Home, wait_for};
use switchboard::model::conversation::compact::{COMPACT_PROMPT, SUMMARY_PREFIX};
use switchboard::model::scripted::ScriptedProvider;

fn lines(output: &std::process::Output) -> Vec<Value> {
    stdout(output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// The first input item of request `index` and whether it is the summary.
fn starts_with_summary(provider: &ScriptedProvider, index: usize) -> bool {
    let body = &provider.requests()[index].body;
    body["input"][0]["content"][0]["text"]
        .as_str()
        .is_some_and(|text| text.starts_with(SUMMARY_PREFIX))
}

/// A home whose config sets `compact_at` for the `agent_compact` scenario, that scenario's
/// provider, and the session of a first turn run in this process (not compacted yet).
async fn first_turn() -> (Home, ScriptedProvider, String) {
    let home = Home::new();
    let config = format!("[model]\ncompact_at = {COMPACT_AT}\n");
    std::fs::write(home.path().join("config.toml"), config).unwrap();
    let provider = ScriptedProvider::start(scenario("agent_compact"))
        .await
        .unwrap();
    let first = exec(
        &home,
        Some(&provider),
        &["--events", &compact_first_prompt()],
    )
    .await;
    assert_ok(&first);
    let lines = lines(&first);
    assert!(!lines.iter().any(|l| l["type"] == "conversation.compacted"));
    let id = lines[0]["session"].as_str().unwrap().to_owned();
    (home, provider, id)
}

fn assert_compacted(output: &std::process::Output, provider: &ScriptedProvider) {
    assert_ok(output);
    let lines = lines(output);
    let compacted = lines
        .iter()
        .find(|l| l["type"] == "conversation.compacted")
        .unwrap_or_else(|| panic!("no compaction line in {lines:#?}"));
    assert!(compacted["tokens_before"].as_u64().unwrap() > COMPACT_AT);
    let requests = provider.requests();
    let n = requests.len();
    let asked = &requests[n - 2].body["input"];
    let last = asked.as_array().unwrap().last().unwrap();
    assert_eq!(last["content"][0]["text"], COMPACT_PROMPT);
    assert!(starts_with_summary(provider, n - 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_compacts_past_compact_at_from_the_config() {
    let (home, provider, id) = first_turn().await;
    let second = exec(
        &home,
        Some(&provider),
        &["--events", "--session", &id, "second question"],
    )
    .await;
    assert_compacted(&second, &provider);
    assert_eq!(provider.requests().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_through_the_server_compacts_too() {
    let (home, provider, id) = first_turn().await;
    let mut server = home
        .command()
        .arg("server")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    assert!(
        wait_for(Duration::from_secs(60), || home
            .run(&["server", "status"])
            .status
            .success()),
        "the server answers"
    );
    let second = exec(
        &home,
        Some(&provider),
        &["--events", "--session", &id, "second question"],
    )
    .await;
    assert_compacted(&second, &provider);
    home.ok(&["server", "stop"]);
    assert!(server.wait().unwrap().success());
    // The turn ran in the server: the session says so, and the compaction is stored.
    let events = home.ok(&["sessions", "export", &id]);
    assert!(events.contains("conversation.compacted"), "{events}");
}
