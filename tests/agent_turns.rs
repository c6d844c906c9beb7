#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The turn loop against the scripted provider over real HTTP, with real PTYs and a real redb
//! store: text turns, tool round trips, several calls, failures, bounded output, bad calls.
//! Every test also checks that what the owner saw live is exactly what the store holds.

mod support;

use support::agent::{Bench, assert_live_equals_store, path_str, turn};
use switchboard::agent::ApprovalPolicy;
use switchboard::event::{ApprovalScope, Decider, EventKind, ToolApproved, TurnOutcome};
use switchboard::session::SessionStatus;

/// Tags with runs of `response.delta` / `tool.output` folded to one, for sequence checks.
fn shape(tags: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for tag in tags {
        let repeated = (tag == "response.delta" || tag == "tool.output")
            && out.last().is_some_and(|last| last == tag);
        if !repeated {
            out.push(tag.clone());
        }
    }
    out
}

#[tokio::test]
async fn a_text_turn_streams_records_and_sums_usage() {
    let bench = Bench::start("text").await;
    let agent = bench.agent(ApprovalPolicy::OnRequest).await;
    let session = agent.session();
    let mut running = agent.spawn();
    let log = turn(&mut running, "hi").await;

    assert_eq!(
        shape(&log.tags()),
        [
            "user.message",
            "turn.started",
            "response.started",
            "response.delta",
            "response.item_done",
            "response.completed",
            "turn.ended"
        ]
    );
    let expected = "Hello from the scripted provider. It streams one word at a time.";
    assert_eq!(log.text(), expected);
    let (outcome, error, usage, final_message) = log.finished();
    assert_eq!(outcome, TurnOutcome::Completed);
    assert_eq!(error, None);
    assert_eq!(final_message.as_deref(), Some(expected));
    assert!(
        usage.input_tokens > 0 && usage.output_tokens > 0,
        "{usage:?}"
    );

    let requests = bench.provider.requests();
    assert_eq!(requests.len(), 1);
    let body = &requests[0].body;
    assert_eq!(body["model"], "test-model");
    assert_eq!(body["tools"][0]["name"], "shell");
    assert!(body["instructions"].as_str().unwrap().contains("shell"));
    assert_eq!(
        body["input"],
        serde_json::json!([{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}])
    );

    let agent = support::agent::stop(running).await;
    assert_eq!(agent.state().usage, usage, "usage is summed per session");
    assert_eq!(agent.state().status, SessionStatus::Idle);
    assert_live_equals_store(&bench, session, &log.events());
}

#[tokio::test]
async fn a_tool_round_trip_runs_the_command_and_sends_its_output_back() {
    let bench = Bench::start("agent_round_trip").await;
    let agent = bench.agent(ApprovalPolicy::Never).await;
    let session = agent.session();
    let mut running = agent.spawn();
    let log = turn(&mut running, "run it").await;

    assert_eq!(
        shape(&log.tags()),
        [
            "user.message",
            "turn.started",
            "response.started",
            "response.delta",
            "response.item_done",
            "response.delta",
            "response.item_done",
            "response.delta",
            "response.item_done",
            "response.completed",
            "tool.requested",
            "tool.approved",
            "tool.started",
            "tool.output",
            "tool.finished",
            "response.started",
            "response.delta",
            "response.item_done",
            "response.completed",
            "turn.ended"
        ]
    );
    let events = log.events();
    let started = events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::ToolStarted(started) => Some(started.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(started.cwd, path_str(&bench.workdir()));
    let finished = events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::ToolFinished(finished) => Some(finished.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(finished.exit_code, Some(3));
    assert_eq!(finished.killed, None);

    // The second request carries the whole conversation, the call's output last.
    let input = bench.input(1);
    let types: Vec<&str> = input.iter().map(|i| i["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "message",
            "reasoning",
            "message",
            "function_call",
            "function_call_output"
        ]
    );
    assert_eq!(
        bench.outputs(1),
        [(
            "call_print".to_owned(),
            "exit code: 3\nhello from the shell\n".to_owned()
        )]
    );
    let (outcome, _, usage, final_message) = log.finished();
    assert_eq!(outcome, TurnOutcome::Completed);
    assert_eq!(
        final_message.as_deref(),
        Some("It said: exit code: 3\nhello from the shell")
    );
    let agent = support::agent::stop(running).await;
    assert_eq!(
        agent.state().usage,
        usage,
        "both responses' usage is summed"
    );
    assert_eq!(agent.state().tool_calls, 1);
    assert_live_equals_store(&bench, session, &events);
}

#[tokio::test]
async fn several_calls_in_one_response_all_run_in_order_and_all_go_back() {
    let bench = Bench::start("agent_two_calls").await;
    let agent = bench.agent(ApprovalPolicy::OnRequest).await;
    let session = agent.session();
    let mut running = agent.spawn();
    let log = turn(&mut running, "two things").await;

    let events = log.events();
    let approvals: Vec<ToolApproved> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ToolApproved(approved) => Some(approved.clone()),
            _ => None,
        })
        .collect();
    // `echo` is known-safe: the policy approves both without asking.
    assert_eq!(
        approvals,
        ["call_one", "call_two"].map(|id| ToolApproved {
            call_id: id.into(),
            by: Decider::Policy,
            scope: ApprovalScope::Once,
        })
    );
    let started: Vec<String> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ToolStarted(started) => Some(started.command.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(started, ["echo one", "echo two"]);
    assert_eq!(
        bench.outputs(1),
        [
            ("call_one".to_owned(), "exit code: 0\none\n".to_owned()),
            ("call_two".to_owned(), "exit code: 0\ntwo\n".to_owned()),
        ]
    );
    let types: Vec<String> = bench
        .input(1)
        .iter()
        .map(|i| i["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        types,
        [
            "message",
            "function_call",
            "function_call",
            "function_call_output",
            "function_call_output"
        ]
    );
    assert_eq!(log.finished().0, TurnOutcome::Completed);
    support::agent::stop(running).await;
    assert_live_equals_store(&bench, session, &events);
}

#[tokio::test]
async fn a_failed_response_ends_the_turn_failed_with_code_and_message() {
    let bench = Bench::start("failed").await;
    let agent = bench.agent(ApprovalPolicy::OnRequest).await;
    let session = agent.session();
    let mut running = agent.spawn();
    let log = turn(&mut running, "try").await;

    let (outcome, error, _, _) = log.finished();
    assert_eq!(outcome, TurnOutcome::Failed);
    let error = error.unwrap();
    assert!(error.contains("server_error"), "{error}");
    assert!(
        error.contains("The model crashed while answering."),
        "{error}"
    );
    let events = log.events();
    let failed = events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::ResponseFailed(failed) => Some(failed.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(failed.code.as_deref(), Some("server_error"));
    let ended = events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::TurnEnded(ended) => Some(ended.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(ended.outcome, TurnOutcome::Failed);
    assert_eq!(ended.error.as_deref(), Some(error.as_str()));
    // The text streamed before the failure is kept.
    assert_eq!(log.text(), "Partial answer");
    let agent = support::agent::stop(running).await;
    assert_eq!(agent.state().status, SessionStatus::Failed);
    assert_live_equals_store(&bench, session, &events);
}

#[tokio::test]
async fn long_output_reaches_the_model_as_head_and_tail_and_the_store_in_full() {
    let bench = Bench::start("agent_big_output").await;
    let agent = bench.agent(ApprovalPolicy::Never).await;
    let session = agent.session();
    let mut running = agent.spawn();
    let log = turn(&mut running, "count").await;
    assert_eq!(log.finished().0, TurnOutcome::Completed);

    let outputs = bench.outputs(1);
    let text = &outputs[0].1;
    assert!(
        text.starts_with("exit code: 0\n1\n2\n3\n"),
        "{}",
        &text[..40]
    );
    assert!(text.ends_with("199999\n200000\n"));
    assert!(text.contains(" bytes cut …]\n"), "says what was cut");
    assert!(
        !text.contains('\r'),
        "line ends are normalised for the model"
    );
    assert!(text.len() < 17 * 1024, "bounded: {} bytes", text.len());

    // The store keeps every byte the PTY produced (CRLF line ends), in bounded events.
    let events = log.events();
    let chunks: Vec<&[u8]> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ToolOutput(output) => Some(output.bytes.0.as_slice()),
            _ => None,
        })
        .collect();
    let stored: usize = chunks.iter().map(|c| c.len()).sum();
    let expected: usize = (1..=200_000).map(|i: u32| i.to_string().len() + 2).sum();
    assert_eq!(stored, expected);
    assert!(chunks.iter().all(|c| c.len() <= 64 * 1024 + 16 * 1024));
    support::agent::stop(running).await;
    assert_live_equals_store(&bench, session, &events);
}

#[tokio::test]
async fn calls_that_cannot_run_get_tool_errors_and_the_turn_goes_on() {
    let bench = Bench::start("agent_bad_calls").await;
    let agent = bench.agent(ApprovalPolicy::OnRequest).await;
    let session = agent.session();
    let mut running = agent.spawn();
    let log = turn(&mut running, "try these").await;

    let root = path_str(&bench.workdir());
    let outputs = bench.outputs(1);
    let expected = [
        (
            "call_outside",
            format!(
                "error: workdir `/etc` is outside the session's directory {root}; use a path inside it"
            ),
        ),
        (
            "call_parent",
            format!(
                "error: workdir `../..` is outside the session's directory {root}; use a path inside it"
            ),
        ),
        (
            "call_missing",
            "error: workdir `missing` does not exist".to_owned(),
        ),
        (
            "call_garbage",
            "error: invalid shell arguments: expected ident at line 1 column 2".to_owned(),
        ),
        (
            "call_no_command",
            "error: invalid shell arguments: missing field `command` at line 1 column 15"
                .to_owned(),
        ),
        (
            "call_unknown",
            "error: unknown tool `python`; the only tool is `shell`".to_owned(),
        ),
    ];
    let expected: Vec<(String, String)> = expected
        .into_iter()
        .map(|(id, text)| (id.to_owned(), text))
        .collect();
    assert_eq!(outputs, expected);
    assert!(
        !log.tags()
            .iter()
            .any(|t| t == "tool.started" || t == "tool.approved")
    );
    let (outcome, _, _, final_message) = log.finished();
    assert_eq!(outcome, TurnOutcome::Completed);
    assert_eq!(final_message.as_deref(), Some("Noted."));
    support::agent::stop(running).await;
    assert_live_equals_store(&bench, session, &log.events());
}

#[tokio::test]
async fn a_command_past_its_timeout_is_killed_and_the_model_is_told() {
    let bench = Bench::start("agent_timeout").await;
    let agent = bench.agent(ApprovalPolicy::Never).await;
    let session = agent.session();
    let mut running = agent.spawn();
    let log = turn(&mut running, "wait").await;
    assert_eq!(log.finished().0, TurnOutcome::Completed);
    let finished = log
        .events()
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::ToolFinished(finished) => Some(finished.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(finished.killed.as_deref(), Some("timed out after 300 ms"));
    assert_eq!(
        bench.outputs(1),
        [(
            "call_slow".to_owned(),
            "killed: timed out after 300 ms\n".to_owned()
        )]
    );
    support::agent::stop(running).await;
    assert_live_equals_store(&bench, session, &log.events());
}

#[tokio::test]
async fn retried_attempts_are_recorded_and_text_is_never_repeated() {
    let bench = Bench::start("cut_then_success").await;
    let agent = bench.agent(ApprovalPolicy::OnRequest).await;
    let session = agent.session();
    let mut running = agent.spawn();
    let log = turn(&mut running, "tell me").await;
    let expected =
        "The quick brown fox jumps over the lazy dog, then naps in the warm afternoon sun.";
    assert_eq!(log.text(), expected, "every character once, in order");
    let events = log.events();
    let attempts: Vec<u32> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ResponseStarted(started) => Some(started.attempt),
            _ => None,
        })
        .collect();
    assert_eq!(attempts, [1, 2, 3]);
    let retries: Vec<(u32, u32)> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ResponseRetrying(retrying) => {
                Some((retrying.attempt, retrying.max_attempts))
            }
            _ => None,
        })
        .collect();
    assert_eq!(retries, [(2, 5), (3, 5)]);
    let (outcome, _, _, final_message) = log.finished();
    assert_eq!(outcome, TurnOutcome::Completed);
    assert_eq!(final_message.as_deref(), Some(expected));
    support::agent::stop(running).await;
    assert_live_equals_store(&bench, session, &events);
}
