#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic
//! Compaction (issue 14 §4) through a real store and the scripted provider on loopback: past
//! `compact_at` the model is asked for a handoff summary, `conversation.compacted` records it,
//! the next request carries the summary instead of the raw history (which stays in the store),
//! the transcript says so, and resume and fork continue from it.

mod support;

use serde_json::Value;
use support::agent::{Bench, COMPACT_AT, compact_first_prompt, stop, turn};
use switchboard::agent::{Agent, AgentConfig, ApprovalPolicy};
use switchboard::event::{Event, EventKind, TurnOutcome};
use switchboard::ids::{Seq, SessionId};
use switchboard::model::Conversation;
use switchboard::model::conversation::compact::{COMPACT_PROMPT, SUMMARY_PREFIX};
use switchboard::tui::transcript::{Body, EntryKind, Transcript, compacted_notice};

fn config(bench: &Bench) -> AgentConfig {
    let mut config = bench.config(ApprovalPolicy::Never);
    config.compact_at = Some(COMPACT_AT);
    config
}

/// The texts of the request's input items, with their role or type.
fn texts(bench: &Bench, request: usize) -> Vec<(String, String)> {
    bench
        .input(request)
        .iter()
        .map(|item| {
            let kind = item["role"]
                .as_str()
                .or(item["type"].as_str())
                .unwrap_or("?")
                .to_owned();
            let text = match &item["content"] {
                Value::Array(parts) => parts
                    .iter()
                    .filter_map(|p| p["text"].as_str())
                    .collect::<Vec<_>>()
                    .join(""),
                _ => item["output"].as_str().unwrap_or_default().to_owned(),
            };
            (kind, text)
        })
        .collect()
}

fn compaction(events: &[Event]) -> (Seq, switchboard::event::ConversationCompacted) {
    events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::ConversationCompacted(c) => Some((e.seq, c.clone())),
            _ => None,
        })
        .expect("a conversation.compacted event")
}

fn user_seq(events: &[Event], text: &str) -> Seq {
    events
        .iter()
        .find(|e| matches!(&e.kind, EventKind::UserMessage(m) if m.text == text))
        .expect("the user message")
        .seq
}

/// Two turns in a fresh session: the second one compacts the first. Returns the session.
async fn two_turns(bench: &Bench) -> (SessionId, Agent) {
    let agent = bench.agent_with(config(bench)).await;
    let session = agent.session();
    let mut running = agent.spawn();
    let first = turn(&mut running, &compact_first_prompt()).await;
    assert_eq!(first.finished().0, TurnOutcome::Completed);
    assert!(!first.tags().contains(&"conversation.compacted".to_owned()));
    let second = turn(&mut running, "second question").await;
    assert_eq!(second.finished().0, TurnOutcome::Completed);
    assert!(
        second.tags().contains(&"conversation.compacted".to_owned()),
        "{:?}",
        second.tags()
    );
    (session, stop(running).await)
}

#[tokio::test]
async fn past_compact_at_the_next_request_carries_a_summary_instead_of_the_history() {
    let bench = Bench::start("agent_compact").await;
    let (session, agent) = two_turns(&bench).await;
    // Turn 1, the summarisation request, turn 2.
    assert_eq!(bench.provider.requests().len(), 3);
    let summarise = texts(&bench, 1);
    assert_eq!(summarise[0], ("user".to_owned(), compact_first_prompt()));
    assert_eq!(
        summarise.last().unwrap(),
        &("user".to_owned(), COMPACT_PROMPT.to_owned())
    );
    assert!(
        !summarise.iter().any(|(_, t)| t == "second question"),
        "the new prompt is kept word for word, not summarised"
    );
    assert_eq!(bench.provider.requests()[1].body["tool_choice"], "none");

    let events = bench.events(session);
    let (seq, compacted) = compaction(&events);
    let second = user_seq(&events, "second question");
    assert_eq!(
        compacted.through,
        Seq(second.0 - 1),
        "cut before the new prompt"
    );
    assert!(seq > second);
    assert!(compacted.tokens_before > COMPACT_AT, "{compacted:?}");
    assert!(
        compacted
            .summary
            .starts_with("HANDOFF: the conversation began with: first alpha")
    );

    // The next request: the summary, then the new prompt; nothing of turn 1 itself.
    let next = texts(&bench, 2);
    assert_eq!(next.len(), 2, "{next:?}");
    assert_eq!(next[0].0, "user");
    assert!(next[0].1.starts_with(SUMMARY_PREFIX), "{:?}", next[0]);
    assert!(next[0].1.ends_with(&compacted.summary));
    assert_eq!(next[1], ("user".to_owned(), "second question".to_owned()));

    // The raw history stays in the store; the live conversation is what the store gives.
    assert!(
        events.iter().any(
            |e| matches!(&e.kind, EventKind::UserMessage(m) if m.text == compact_first_prompt())
        )
    );
    assert_eq!(agent.conversation(), &Conversation::from_events(&events));
    let stored = bench.store.conversation(session, None).unwrap();
    assert!(stored.from_projection);
    assert_eq!(
        serde_json::to_string(&stored.conversation.input()).unwrap(),
        serde_json::to_string(&agent.conversation().input()).unwrap()
    );

    // The transcript says so, where it happened; the history above it is still shown.
    let mut transcript = Transcript::default();
    for event in &events {
        transcript.apply(event, false);
    }
    let notices: Vec<(usize, String)> = transcript
        .entries()
        .iter()
        .enumerate()
        .filter(|(_, e)| e.kind == EntryKind::Notice)
        .filter_map(|(i, e)| match e.body() {
            Body::Text(text) => Some((i, text.clone())),
            Body::Tool(_) => None,
        })
        .collect();
    let line = compacted_notice(compacted.tokens_before);
    let at = notices
        .iter()
        .find(|(_, text)| *text == line)
        .map(|(i, _)| *i)
        .unwrap_or_else(|| panic!("no compaction notice in {notices:?}"));
    let first_user = transcript
        .entries()
        .iter()
        .position(|e| e.kind == EntryKind::User)
        .unwrap();
    assert!(first_user < at, "turn 1 stays above the notice");
}

#[tokio::test]
async fn a_resumed_session_continues_from_the_summary() {
    let bench = Bench::start("agent_compact").await;
    let (session, live) = two_turns(&bench).await;
    let before = live.conversation().clone();
    drop(live);
    let agent = Agent::resume(bench.store.clone(), session, config(&bench))
        .await
        .unwrap();
    assert_eq!(agent.conversation(), &before);
    assert_eq!(agent.conversation().summary().map(|s| s.text.clone()), {
        let events = bench.events(session);
        Some(compaction(&events).1.summary)
    });
    let mut running = agent.spawn();
    let third = turn(&mut running, "third question").await;
    assert_eq!(third.finished().0, TurnOutcome::Completed);
    stop(running).await;
    // No second compaction: the summary and two short turns fit.
    assert_eq!(bench.provider.requests().len(), 4);
    let next = texts(&bench, 3);
    assert!(next[0].1.starts_with(SUMMARY_PREFIX));
    let users: Vec<&str> = next
        .iter()
        .filter(|(kind, _)| kind == "user")
        .map(|(_, t)| t.as_str())
        .skip(1)
        .collect();
    assert_eq!(users, ["second question", "third question"]);
}

#[tokio::test]
async fn forks_after_a_compaction_keep_the_summary_and_forks_before_it_the_history() {
    let bench = Bench::start("agent_compact").await;
    let (session, live) = two_turns(&bench).await;
    drop(live);
    let events = bench.events(session);
    let (compacted_at, compacted) = compaction(&events);
    let last = events.last().unwrap().seq;

    // After: the fork reads its parent's projection up to the cut, summary included.
    let after = bench.store.fork(session, Some(last)).unwrap();
    let agent = Agent::resume(bench.store.clone(), after, config(&bench))
        .await
        .unwrap();
    assert!(agent.conversation().summary().is_some());
    let mut running = agent.spawn();
    assert_eq!(
        turn(&mut running, "on the fork").await.finished().0,
        TurnOutcome::Completed
    );
    stop(running).await;
    let sent = texts(&bench, bench.provider.requests().len() - 1);
    assert!(sent[0].1.ends_with(&compacted.summary), "{sent:?}");
    assert_eq!(sent.last().unwrap().1, "on the fork");
    let fork_events = bench.events(after);
    assert_eq!(
        serde_json::to_string(&Conversation::from_events(&fork_events).input()).unwrap(),
        serde_json::to_string(
            &bench
                .store
                .conversation(after, None)
                .unwrap()
                .conversation
                .input()
        )
        .unwrap()
    );

    // Before: the same session cut before the compaction has the raw history and no summary.
    let before = bench
        .store
        .fork(session, Some(Seq(compacted_at.0 - 1)))
        .unwrap();
    let agent = Agent::resume(bench.store.clone(), before, config(&bench))
        .await
        .unwrap();
    assert!(agent.conversation().summary().is_none());
    let input = agent.conversation().input();
    assert!(
        input
            .iter()
            .any(|item| serde_json::to_string(item).unwrap().contains("first alpha")),
        "{input:?}"
    );
}

#[tokio::test]
async fn a_response_reporting_more_than_compact_at_compacts_the_next_turn() {
    // Short texts, but the first response says the conversation already takes 5,000 tokens
    // (instructions, tools, a tokenizer that counts differently): the usage decides.
    let scenario = switchboard::model::scripted::Scenario::from_json(
        r#"{"sequence": [
            {"output": [{"type": "message", "text": "one"}], "usage": {"input_tokens": 5000, "output_tokens": 10}},
            {"output": [{"type": "message", "text": "HANDOFF: short"}]},
            {"output": [{"type": "message", "text": "two"}]}
        ]}"#,
    )
    .unwrap();
    let bench = Bench::with_scenario(scenario).await;
    let agent = bench.agent_with(config(&bench)).await;
    let session = agent.session();
    let mut running = agent.spawn();
    turn(&mut running, "hi").await;
    let live = stop(running).await;
    assert_eq!(live.conversation().estimated_tokens(), 5010);
    drop(live);
    // A resumed agent knows it too (the projection keeps the latest usage).
    let agent = Agent::resume(bench.store.clone(), session, config(&bench))
        .await
        .unwrap();
    assert_eq!(agent.conversation().estimated_tokens(), 5010);
    let mut running = agent.spawn();
    let second = turn(&mut running, "again").await;
    assert!(second.tags().contains(&"conversation.compacted".to_owned()));
    stop(running).await;
    let sent = texts(&bench, 2);
    assert!(sent[0].1.ends_with("HANDOFF: short"), "{sent:?}");
    assert_eq!(sent.last().unwrap().1, "again");
}
