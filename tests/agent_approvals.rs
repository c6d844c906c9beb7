#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Approvals end to end: the owner is asked, answers once / for the session / with a denial,
//! and every decision (and who made it) is an event; session rules survive a resume.

mod support;

use support::agent::{Bench, Step, assert_live_equals_store, drive, path_str, stop};
use switchboard::agent::{Agent, AgentUpdate, ApprovalDecision, ApprovalPolicy};
use switchboard::event::{
    ApprovalScope, Decider, EventKind, ToolApproved, ToolDenied, TurnOutcome,
};

fn approvals(events: &[switchboard::event::Event]) -> Vec<ToolApproved> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ToolApproved(approved) => Some(approved.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn approve_once_asks_again_for_the_same_command() {
    let bench = Bench::start("agent_approval").await;
    let agent = bench.agent(ApprovalPolicy::OnRequest).await;
    let session = agent.session();
    let mut running = agent.spawn();
    let workdir = path_str(&bench.workdir());
    let log = drive(&mut running, "make the file", |update| match update {
        AgentUpdate::ApprovalNeeded {
            command,
            cwd,
            reason,
            ..
        } => {
            assert_eq!(command, "touch approved.txt");
            assert_eq!(cwd, &workdir);
            assert_eq!(reason, "`touch` is not on the known-safe list");
            Step::Decide(ApprovalDecision::ApproveOnce)
        }
        _ => Step::Continue,
    })
    .await;
    assert_eq!(log.approvals_asked(), ["call_first", "call_second"]);
    assert_eq!(
        approvals(&log.events()),
        ["call_first", "call_second"].map(|id| ToolApproved {
            call_id: id.into(),
            by: Decider::User,
            scope: ApprovalScope::Once,
        })
    );
    assert!(bench.workdir().join("approved.txt").exists());
    assert_eq!(log.finished().0, TurnOutcome::Completed);
    let agent = stop(running).await;
    assert!(agent.rules().commands().is_empty());
    assert_live_equals_store(&bench, session, &log.events());
}

#[tokio::test]
async fn approve_for_session_covers_identical_commands_and_survives_resume() {
    let bench = Bench::start("agent_approval").await;
    let agent = bench.agent(ApprovalPolicy::OnRequest).await;
    let session = agent.session();
    let mut running = agent.spawn();
    let log = drive(&mut running, "make the file", |update| match update {
        AgentUpdate::ApprovalNeeded { .. } => Step::Decide(ApprovalDecision::ApproveForSession),
        _ => Step::Continue,
    })
    .await;
    assert_eq!(log.approvals_asked(), ["call_first"], "asked once");
    assert_eq!(
        approvals(&log.events()),
        [
            ToolApproved {
                call_id: "call_first".into(),
                by: Decider::User,
                scope: ApprovalScope::Session,
            },
            ToolApproved {
                call_id: "call_second".into(),
                by: Decider::SessionRule,
                scope: ApprovalScope::Session,
            },
        ]
    );
    assert_eq!(log.finished().0, TurnOutcome::Completed);
    let agent = stop(running).await;
    assert_eq!(agent.rules().commands(), ["touch approved.txt"]);
    assert_live_equals_store(&bench, session, &log.events());
    drop(agent);

    let resumed = Agent::resume(
        bench.store.clone(),
        session,
        bench.config(ApprovalPolicy::OnRequest),
    )
    .await
    .unwrap();
    assert_eq!(resumed.rules().commands(), ["touch approved.txt"]);
}

#[tokio::test]
async fn a_denial_with_a_reason_reaches_the_model_and_nothing_runs() {
    let bench = Bench::start("agent_deny").await;
    std::fs::create_dir(bench.workdir().join("build")).unwrap();
    let agent = bench.agent(ApprovalPolicy::Untrusted).await;
    let session = agent.session();
    let mut running = agent.spawn();
    let log = drive(&mut running, "clean up", |update| match update {
        AgentUpdate::ApprovalNeeded { .. } => Step::Decide(ApprovalDecision::Deny {
            reason: Some("keep the build directory".into()),
        }),
        _ => Step::Continue,
    })
    .await;
    assert!(bench.workdir().join("build").exists(), "nothing ran");
    assert!(!log.tags().iter().any(|t| t == "tool.started"));
    let denied: Vec<ToolDenied> = log
        .events()
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ToolDenied(denied) => Some(denied.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        denied,
        [ToolDenied {
            call_id: "call_rm".into(),
            by: Decider::User,
            reason: Some("keep the build directory".into()),
        }]
    );
    assert_eq!(
        bench.outputs(1),
        [(
            "call_rm".to_owned(),
            "denied: keep the build directory".to_owned()
        )]
    );
    let (outcome, _, _, final_message) = log.finished();
    assert_eq!(outcome, TurnOutcome::Completed);
    assert_eq!(
        final_message.as_deref(),
        Some("Understood: denied: keep the build directory")
    );
    stop(running).await;
    assert_live_equals_store(&bench, session, &log.events());
}

#[tokio::test]
async fn an_unattended_agent_denies_by_policy_and_tells_the_model_why() {
    let bench = Bench::start("agent_deny").await;
    let mut config = bench.config(ApprovalPolicy::OnRequest);
    config.unattended = Some("nobody is here to approve".into());
    let agent = Agent::create(bench.store.clone(), config, &bench.workdir(), None, None)
        .await
        .unwrap();
    let mut running = agent.spawn();
    let log = support::agent::turn(&mut running, "clean up").await;
    let reason = "`rm` is not on the known-safe list; nobody is here to approve";
    assert_eq!(
        bench.outputs(1),
        [("call_rm".to_owned(), format!("denied: {reason}"))]
    );
    let denied = log
        .events()
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::ToolDenied(denied) => Some(denied.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(denied.by, Decider::Policy);
    assert_eq!(denied.reason.as_deref(), Some(reason));
    stop(running).await;
}
