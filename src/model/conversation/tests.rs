use super::*;
use crate::event::{
    ConversationCompacted, ResponseItemDone, ToolDenied, ToolFinished, ToolOutput, UserMessage,
};
use crate::fixture::conversation::{RandomTurns, Shape};
use crate::ids::{Seq, SessionId, Timestamp};

fn events(kinds: Vec<EventKind>) -> Vec<Event> {
    kinds
        .into_iter()
        .enumerate()
        .map(|(i, kind)| Event {
            session: SessionId(1),
            seq: Seq(i as u64 + 1),
            at: Timestamp(0),
            kind,
        })
        .collect()
}

fn call(id: &str) -> EventKind {
    EventKind::ResponseItemDone(ResponseItemDone {
        item: OutputItem::FunctionCall {
            id: None,
            call_id: id.into(),
            name: "shell".into(),
            arguments: "{}".into(),
        },
    })
}

fn user(text: &str) -> EventKind {
    EventKind::UserMessage(UserMessage { text: text.into() })
}

fn outputs(conversation: &Conversation) -> Vec<(String, String)> {
    conversation
        .input()
        .into_iter()
        .filter_map(|item| match item {
            InputItem::FunctionCallOutput { call_id, output } => Some((call_id, output)),
            _ => None,
        })
        .collect()
}

#[test]
fn conversation_rebuilds_from_events_and_closes_dangling_calls() {
    let events = events(vec![
        user("hi"),
        call("a"),
        call("b"),
        call("c"),
        EventKind::ToolOutput(ToolOutput {
            call_id: "a".into(),
            bytes: b"out".to_vec().into(),
        }),
        EventKind::ToolFinished(ToolFinished {
            call_id: "a".into(),
            exit_code: Some(0),
            ..Default::default()
        }),
        EventKind::ToolDenied(ToolDenied {
            call_id: "b".into(),
            ..Default::default()
        }),
    ]);
    let conversation = Conversation::from_events(&events);
    let expected = [
        ("a", "exit code: 0\nout"),
        ("b", "denied by the user"),
        ("c", CALL_ABORTED),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(outputs(&conversation), expected);
    assert!(conversation.pending_calls().is_empty());
}

/// The conversation rebuild as it was before the projection (issue 14): pending calls found by
/// scanning every item, running outputs kept across turns. The reference for sessions whose
/// call ids are unique — every real session, the API's ids are.
fn legacy(events: &[Event]) -> Vec<InputItem> {
    use crate::model::tool_output::{OutputForModel, denial_text, finished_text, tool_error_text};
    let mut items: Vec<InputItem> = Vec::new();
    let mut running: std::collections::HashMap<String, OutputForModel> = Default::default();
    let close = |items: &mut Vec<InputItem>| {
        let answered: HashSet<String> = items
            .iter()
            .filter_map(|item| match item {
                InputItem::FunctionCallOutput { call_id, .. } => Some(call_id.clone()),
                _ => None,
            })
            .collect();
        let pending: Vec<String> = items
            .iter()
            .filter_map(|item| match item {
                InputItem::FunctionCall { call_id, .. } if !answered.contains(call_id) => {
                    Some(call_id.clone())
                }
                _ => None,
            })
            .collect();
        for call_id in pending {
            items.push(InputItem::tool_output(call_id, CALL_ABORTED));
        }
    };
    for event in events {
        match &event.kind {
            EventKind::UserMessage(message) => {
                close(&mut items);
                items.push(InputItem::user(message.text.clone()));
            }
            EventKind::TurnEnded(_) => close(&mut items),
            EventKind::ResponseItemDone(done) => items.extend(InputItem::from_output(&done.item)),
            EventKind::ToolOutput(output) => running
                .entry(output.call_id.clone())
                .or_default()
                .feed(&output.bytes.0),
            EventKind::ToolFinished(finished) => {
                let output = running.remove(&finished.call_id).unwrap_or_default();
                let text = match &finished.error {
                    Some(error) => tool_error_text(error),
                    None => finished_text(output, finished.exit_code, finished.killed.as_deref()),
                };
                items.push(InputItem::tool_output(finished.call_id.clone(), text));
            }
            EventKind::ToolDenied(denied) => items.push(InputItem::tool_output(
                denied.call_id.clone(),
                denial_text(denied.reason.as_deref()),
            )),
            _ => {}
        }
    }
    close(&mut items);
    items
}

#[test]
fn with_unique_call_ids_the_rebuild_is_byte_identical_to_the_old_one() {
    for seed in 0..300 {
        let kinds = RandomTurns::new(seed, Shape::default(), 1).turns(8);
        let events = events(kinds);
        let new = Conversation::from_events(&events);
        let body = |input: Vec<InputItem>| serde_json::to_string(&input).unwrap();
        assert_eq!(body(new.input()), body(legacy(&events)), "seed {seed}");
    }
}

#[test]
fn a_repeated_call_id_is_closed_in_its_own_turn() {
    // Turn 1 answers call_1; turn 2 calls call_1 again and is interrupted before it ran. The old
    // rebuild took the id as answered and left the second call without an output, which the
    // API refuses; calls are now tracked per turn.
    let events = events(vec![
        user("one"),
        call("call_1"),
        EventKind::ToolFinished(ToolFinished {
            call_id: "call_1".into(),
            exit_code: Some(0),
            ..Default::default()
        }),
        EventKind::TurnEnded(Default::default()),
        user("two"),
        call("call_1"),
        EventKind::TurnEnded(Default::default()),
    ]);
    let conversation = Conversation::from_events(&events);
    let closed = outputs(&conversation);
    assert_eq!(closed.len(), 2);
    assert_eq!(closed[1], ("call_1".to_owned(), CALL_ABORTED.to_owned()));
}

fn compacted(through: u64, summary: &str) -> EventKind {
    EventKind::ConversationCompacted(ConversationCompacted {
        summary: summary.into(),
        through: Seq(through),
        ..Default::default()
    })
}

#[test]
fn a_compaction_replaces_the_items_up_to_its_cut_by_the_summary() {
    let events = events(vec![
        user("one"),                                // 1
        call("a"),                                  // 2
        EventKind::TurnEnded(Default::default()),   // 3: closes a
        user("two"),                                // 4
        EventKind::TurnStarted(Default::default()), // 5
        compacted(3, "did one"),                    // 6
    ]);
    let conversation = Conversation::from_events(&events);
    let input = conversation.input();
    assert_eq!(input.len(), 2);
    assert_eq!(input[0], compact::summary_item("did one"));
    assert_eq!(input[1], InputItem::user("two"));
    // A later compaction never brings back what an earlier one replaced.
    let mut again = Conversation::from_events(&events);
    again.apply(7, &compacted(1, "again"));
    assert_eq!(
        again.input(),
        vec![compact::summary_item("again"), InputItem::user("two")]
    );
}

#[test]
fn outputs_of_summarised_calls_are_left_out() {
    // A crash left call `a` open; the next user message closes it, and a compaction at the
    // turn's start summarises the call but not the closing output (it belongs to the message).
    let events = events(vec![user("one"), call("a"), user("two"), compacted(2, "s")]);
    let conversation = Conversation::from_events(&events);
    assert_eq!(
        conversation.input(),
        vec![compact::summary_item("s"), InputItem::user("two")]
    );
}

#[test]
fn the_summary_request_keeps_the_previous_summary_and_the_newest_items() {
    let mut kinds = vec![user("zero"), compacted(1, "old")];
    for i in 0..20 {
        kinds.push(user(&format!("message {i} {}", "x".repeat(400))));
    }
    let conversation = Conversation::from_events(&events(kinds));
    let all = conversation.summary_input(u64::MAX, u64::MAX).unwrap();
    assert_eq!(all.len(), 1 + 20 + 1);
    let budget = conversation.summary().unwrap().tokens + 3 * 110;
    let some = conversation.summary_input(u64::MAX, budget).unwrap();
    assert_eq!(*some[0], compact::summary_item("old"));
    assert_eq!(some.len(), 1 + 3 + 1, "{some:?}");
    assert!(matches!(&*some[1], InputItem::Message { content, .. }
        if matches!(&content[0], crate::model::request::InputContent::InputText { text } if text.starts_with("message 17"))));
    assert_eq!(
        some.last().map(|item| &**item),
        Some(&InputItem::user(compact::COMPACT_PROMPT))
    );
    assert_eq!(conversation.summary_input(1, u64::MAX), None);
}

#[test]
fn restoring_the_items_after_a_boundary_gives_the_same_conversation() {
    for seed in 0..100 {
        let shape = Shape {
            reuse_call_ids: true,
            compactions: true,
        };
        let events = events(RandomTurns::new(seed, shape, 1).turns(6));
        let mut reference = Conversation::new();
        let mut boundary = 0;
        for event in &events {
            reference.apply(event.seq.0, &event.kind);
            if matches!(
                event.kind,
                EventKind::UserMessage(_) | EventKind::TurnEnded(_)
            ) {
                boundary = event.seq.0;
            }
        }
        let items: Vec<(u64, InputItem)> = reference
            .seqs
            .iter()
            .copied()
            .zip(reference.items.iter().cloned())
            .collect();
        let last = events.last().map_or(0, |e| e.seq.0);
        let mut restored = Conversation::restore(Restored {
            summary: reference.summary.clone(),
            items,
            earlier_in_turn: Vec::new(),
            omitted_tokens: 0,
            reported_tokens: reference.reported_tokens,
            last_seq: last,
            boundary,
        });
        assert_eq!(restored.estimated_tokens(), reference.estimated_tokens());
        assert_eq!(
            restored.pending_calls(),
            reference.pending_calls(),
            "seed {seed}"
        );
        restored.close_pending_calls();
        reference.close_pending_calls();
        assert_eq!(restored.input(), reference.input(), "seed {seed}");
    }
}
