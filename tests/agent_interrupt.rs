#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Esc: an interrupt during a command kills it, during a stream drops the connection, during an
//! approval wait stops asking; the turn ends `interrupted`, open calls are closed, and the next
//! turn works.

mod support;

use support::agent::{Bench, Step, assert_live_equals_store, drive, stop, turn};
use switchboard::agent::{AgentUpdate, ApprovalPolicy};
use switchboard::event::{EventKind, TurnOutcome};
use switchboard::model::request::CALL_ABORTED;
use switchboard::session::SessionStatus;

#[tokio::test]
async fn an_interrupt_kills_a_long_command_and_the_next_turn_works() {
    let bench = Bench::start("agent_sleep").await;
    let agent = bench.agent(ApprovalPolicy::Never).await;
    let session = agent.session();
    let mut running = agent.spawn();
    let mut seen = String::new();
    let mut pid: Option<u32> = None;
    let first = drive(&mut running, "wait a while", |update| {
        if let AgentUpdate::Event(event) = update
            && let EventKind::ToolOutput(output) = &event.kind
            && pid.is_none()
        {
            seen.push_str(&String::from_utf8_lossy(&output.bytes.0));
            if let Some(line) = seen.split("pid=").nth(1)
                && let Some((digits, _)) = line.split_once('\n')
            {
                pid = Some(digits.trim().parse().unwrap());
                return Step::Interrupt;
            }
        }
        Step::Continue
    })
    .await;
    let pid = pid.expect("the command printed its pid");
    assert_eq!(first.finished().0, TurnOutcome::Interrupted);
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "the command (pid {pid}) was killed and reaped"
    );
    let finished = first
        .events()
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::ToolFinished(finished) => Some(finished.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(finished.killed.as_deref(), Some("interrupted by the user"));
    let ended = first.events().last().unwrap().kind.clone();
    assert!(
        matches!(&ended, EventKind::TurnEnded(e) if e.outcome == TurnOutcome::Interrupted),
        "{ended:?}"
    );

    let second = turn(&mut running, "go on").await;
    assert_eq!(second.finished().0, TurnOutcome::Completed);
    assert_eq!(
        bench.outputs(1),
        [(
            "call_sleep".to_owned(),
            format!("killed: interrupted by the user\npid={pid}\n")
        )]
    );
    let agent = stop(running).await;
    assert_eq!(agent.state().status, SessionStatus::Idle);
    assert_eq!(agent.state().turns, 2);
    let mut live = first.events();
    live.extend(second.events());
    assert_live_equals_store(&bench, session, &live);
}

#[tokio::test]
async fn an_interrupt_mid_stream_drops_the_request_and_closes_the_open_call() {
    let bench = Bench::start("agent_stall").await;
    let agent = bench.agent(ApprovalPolicy::Never).await;
    let session = agent.session();
    let mut running = agent.spawn();
    let first = drive(&mut running, "start", |update| match update {
        AgentUpdate::Event(event)
            if matches!(&event.kind, EventKind::ResponseItemDone(done)
                if matches!(done.item, switchboard::event::OutputItem::FunctionCall { .. })) =>
        {
            Step::Interrupt
        }
        _ => Step::Continue,
    })
    .await;
    assert_eq!(first.finished().0, TurnOutcome::Interrupted);
    assert!(!first.tags().iter().any(|t| t == "tool.requested"));
    // The client closed the stalled connection when the stream was dropped.
    tokio::time::timeout(support::agent::WAIT, bench.provider.wait_for_disconnects(1))
        .await
        .expect("the stream was dropped");

    let second = turn(&mut running, "again").await;
    assert_eq!(second.finished().3.as_deref(), Some("Back again."));
    assert_eq!(
        bench.outputs(1),
        [("call_stalled".to_owned(), CALL_ABORTED.to_owned())]
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
            "message",
            "function_call",
            "function_call_output",
            "message"
        ],
        "the aborted call is answered right after it, before the next user message"
    );
    stop(running).await;
    let mut live = first.events();
    live.extend(second.events());
    assert_live_equals_store(&bench, session, &live);
}

#[tokio::test]
async fn an_interrupt_while_waiting_for_approval_ends_the_turn() {
    let bench = Bench::start("agent_deny").await;
    let agent = bench.agent(ApprovalPolicy::OnRequest).await;
    let session = agent.session();
    let mut running = agent.spawn();
    let first = drive(&mut running, "clean up", |update| match update {
        AgentUpdate::ApprovalNeeded { .. } => Step::Interrupt,
        _ => Step::Continue,
    })
    .await;
    assert_eq!(first.finished().0, TurnOutcome::Interrupted);
    assert!(!first.tags().iter().any(|t| t == "tool.started"));

    let second = turn(&mut running, "never mind").await;
    assert_eq!(
        second.finished().3.as_deref(),
        Some(format!("Understood: {CALL_ABORTED}").as_str())
    );
    // A late answer to the old request is ignored.
    running
        .handle
        .decide("call_rm", switchboard::agent::ApprovalDecision::ApproveOnce)
        .unwrap();
    stop(running).await;
    let mut live = first.events();
    live.extend(second.events());
    assert_live_equals_store(&bench, session, &live);
}
