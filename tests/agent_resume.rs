#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Resume: a session's conversation rebuilt from the store continues exactly as the live one
//! would have — the next request's input is the same — and the folded state equals a replay.

mod support;

use support::agent::{Bench, assert_live_equals_store, fold, stop, turn};
use switchboard::agent::{Agent, AgentError, ApprovalPolicy};
use switchboard::event::{EventKind, SessionCreated, SessionKind, TurnOutcome};
use switchboard::model::Conversation;

#[tokio::test]
async fn a_resumed_session_sends_what_the_live_one_would_have_sent() {
    // Live: two turns in one agent.
    let live = Bench::start("agent_resume").await;
    let agent = live.agent(ApprovalPolicy::Never).await;
    let mut running = agent.spawn();
    turn(&mut running, "first").await;
    turn(&mut running, "second").await;
    let live_agent = stop(running).await;
    let stored = live.events(live_agent.session());
    assert_eq!(
        live_agent.conversation(),
        &Conversation::from_events(&stored),
        "the live conversation is the one the store rebuilds"
    );

    // Resumed: the first turn, then a new agent from the store for the second.
    let resumed = Bench::start("agent_resume").await;
    let agent = resumed.agent(ApprovalPolicy::Never).await;
    let session = agent.session();
    let mut running = agent.spawn();
    let first = turn(&mut running, "first").await;
    assert_eq!(first.finished().0, TurnOutcome::Completed);
    let before = stop(running).await;
    let conversation_before = before.conversation().clone();
    drop(before);

    let agent = Agent::resume(
        resumed.store.clone(),
        session,
        resumed.config(ApprovalPolicy::Never),
    )
    .await
    .unwrap();
    assert_eq!(agent.conversation(), &conversation_before);
    assert_eq!(agent.state(), &resumed.store.replay(session).unwrap());
    assert_eq!(agent.state().turns, 1);
    let mut running = agent.spawn();
    let second = turn(&mut running, "second").await;
    assert_eq!(second.finished().0, TurnOutcome::Completed);
    let after = stop(running).await;

    assert_eq!(live.provider.requests().len(), 3);
    assert_eq!(resumed.provider.requests().len(), 3);
    assert_eq!(
        resumed.input(2),
        live.input(2),
        "the request after a resume carries exactly the live input"
    );
    assert_eq!(after.state().turns, 2);
    assert_eq!(after.state().owner.map(|o| o.pid), Some(std::process::id()));
    assert_live_equals_store(&resumed, session, &second.events());
    let events = resumed.events(session);
    assert!(
        events
            .iter()
            .any(|e| matches!(e.kind, EventKind::SessionOwned(_))),
        "the resuming process took ownership"
    );
    assert_eq!(fold(&events), after.state().clone());
}

#[tokio::test]
async fn only_native_sessions_can_be_resumed() {
    let bench = Bench::start("text").await;
    let store = bench.store.clone();
    let pty = tokio::task::spawn_blocking(move || {
        store.create_session(SessionCreated {
            kind: SessionKind::Pty,
            cwd: "/tmp".into(),
            command: Some("bash".into()),
            ..Default::default()
        })
    })
    .await
    .unwrap()
    .unwrap();
    let err = Agent::resume(
        bench.store.clone(),
        pty,
        bench.config(ApprovalPolicy::OnRequest),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, AgentError::NotAnAgent { .. }), "{err}");
    assert!(err.to_string().contains("pty session"), "{err}");
}

#[tokio::test]
async fn an_idle_agent_folds_what_another_writer_appended_before_its_next_turn() {
    let bench = Bench::start("agent_echo").await;
    let agent = bench.agent(ApprovalPolicy::OnRequest).await;
    let session = agent.session();
    let mut first = agent.spawn();
    turn(&mut first, "one").await;

    // Another agent on the same session runs a turn while the first one is idle.
    let other = Agent::resume(
        bench.store.clone(),
        session,
        bench.config(ApprovalPolicy::OnRequest),
    )
    .await
    .unwrap();
    let mut second = other.spawn();
    turn(&mut second, "two").await;
    stop(second).await;

    let log = turn(&mut first, "three").await;
    assert_eq!(log.finished().3.as_deref(), Some("You said: three"));
    let users: Vec<String> = bench
        .input(2)
        .iter()
        .filter(|i| i["role"] == "user")
        .map(|i| i["content"][0]["text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(users, ["one", "two", "three"]);
    let agent = stop(first).await;
    assert_eq!(agent.state().turns, 3);
    assert_live_equals_store(&bench, session, &log.events());
}
