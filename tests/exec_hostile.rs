#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `switchboard exec` through the real binary on a hostile network: every fault of the
//! scripted provider in one run, distinct request bodies per session, and the message when
//! a rate limit outlasts the attempts.

mod support;

use support::Home;
use support::agent::scenario;
use support::exec::{assert_failed, assert_ok, exec, stdout};
use switchboard::model::scripted::ScriptedProvider;

/// Retries as fast as the server allows: the test waits only for a server's `retry-after`.
fn fast_retries(home: &Home) {
    std::fs::write(
        home.path().join("config.toml"),
        "[model]\nmax_attempts = 5\nretry_base_ms = 1\n",
    )
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_survives_every_fault_and_prints_the_answer_once() {
    let home = Home::new();
    fast_retries(&home);
    let provider = ScriptedProvider::start(scenario("hostile_network"))
        .await
        .unwrap();
    let output = exec(&home, Some(&provider), &["--events", "check the repo"]).await;
    assert_ok(&output);
    let lines: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let reasons: Vec<&str> = lines
        .iter()
        .filter(|l| l["type"] == "response.retrying")
        .map(|l| l["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons.len(), 4, "{reasons:?}");
    assert!(reasons[0].contains("HTTP 503"), "{reasons:?}");
    assert!(reasons[1].contains("malformed"), "{reasons:?}");
    assert!(reasons[2].contains("EOF while parsing"), "{reasons:?}");
    assert!(reasons[3].contains("connection"), "{reasons:?}");
    let delays: Vec<u64> = lines
        .iter()
        .filter(|l| l["type"] == "response.retrying")
        .map(|l| l["delay_ms"].as_u64().unwrap())
        .collect();
    assert_eq!(delays[0], 1000, "the 503's retry-after");
    let text: String = lines
        .iter()
        .filter(|l| l["type"] == "text.delta")
        .map(|l| l["delta"].as_str().unwrap())
        .collect();
    assert_eq!(
        text,
        "Checking the repository before I answer: one command will tell."
    );
    let messages = lines.iter().filter(|l| l["type"] == "message").count();
    assert_eq!(messages, 1, "the finished message is stored once");
    assert_eq!(lines.last().unwrap()["type"], "turn.completed");
    assert_eq!(provider.requests().len(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn separate_runs_of_one_prompt_send_their_own_cache_key() {
    let home = Home::new();
    let provider = ScriptedProvider::start(scenario("agent_echo"))
        .await
        .unwrap();
    for args in [&["same prompt"][..], &["same prompt"], &["--last", "again"]] {
        assert_ok(&exec(&home, Some(&provider), args).await);
    }
    let requests = provider.requests();
    let keys: Vec<&str> = requests
        .iter()
        .map(|r| r.body["prompt_cache_key"].as_str().unwrap())
        .collect();
    assert_ne!(
        requests[0].body, requests[1].body,
        "a new run is told apart from a retry"
    );
    assert_ne!(keys[0], keys[1]);
    assert_eq!(keys[1], keys[2], "a continued session keeps its key");
    let listed: serde_json::Value =
        serde_json::from_str(&home.ok(&["sessions", "list", "--json"])).unwrap();
    let ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&keys[0]) && ids.contains(&keys[1]),
        "{ids:?} {keys:?}"
    );
    // Apart from the key, the two runs sent the same request.
    let without_key = |index: usize| {
        let mut body = requests[index].body.clone();
        body.as_object_mut().unwrap().remove("prompt_cache_key");
        body
    };
    assert_eq!(without_key(0), without_key(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_says_when_the_server_asked_to_be_retried() {
    let home = Home::new();
    std::fs::write(
        home.path().join("config.toml"),
        "[model]\nmax_attempts = 2\nretry_base_ms = 1\n",
    )
    .unwrap();
    let provider = ScriptedProvider::start(scenario("rate_limited"))
        .await
        .unwrap();
    let output = exec(&home, Some(&provider), &["hello"]).await;
    let line = assert_failed(&output);
    assert!(line.contains("gave up after 2 attempts"), "{line}");
    assert!(line.contains("HTTP 503 (server_overloaded)"), "{line}");
    assert!(
        line.contains("the server asked to be retried in 20s (at "),
        "{line}"
    );
}
