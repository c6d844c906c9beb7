use super::*;
use crate::event::*;
use crate::ids::{Seq, SessionId, Timestamp};

fn ev(kind: EventKind) -> Event {
    Event {
        session: SessionId(1),
        seq: Seq(1),
        at: Timestamp(0),
        kind,
    }
}

#[test]
fn windows_match_the_full_layout() {
    let theme = Theme::default();
    let mut transcript = Transcript::default();
    for i in 0..50 {
        transcript.push(
            EntryKind::User,
            format!("message {i} with some words to wrap around"),
        );
    }
    let height = transcript.height(20, &theme);
    let all = transcript.window(20, &theme, 0, height);
    assert_eq!(all.len(), height);
    for start in [0, 1, 37, height - 3] {
        let part = transcript.window(20, &theme, start, 10);
        assert_eq!(part, all[start..(start + 10).min(height)].to_vec());
    }
    assert!(all[0].continues);
    assert_eq!(all[0].text, "message 0 with ");
}

#[test]
fn a_streamed_turn_becomes_entries() {
    let theme = Theme::default();
    let mut t = Transcript::default();
    t.apply(
        &ev(EventKind::UserMessage(UserMessage {
            text: "list files".into(),
        })),
        false,
    );
    for delta in ["I'll ", "look."] {
        t.apply(
            &ev(EventKind::ResponseDelta(ResponseDelta {
                channel: DeltaChannel::Text,
                item_id: Some("m1".into()),
                delta: delta.into(),
            })),
            false,
        );
    }
    t.apply(
        &ev(EventKind::ResponseItemDone(ResponseItemDone {
            item: OutputItem::Message {
                id: Some("m1".into()),
                text: "I'll look.".into(),
                refusal: None,
            },
        })),
        false,
    );
    t.apply(
        &ev(EventKind::ToolRequested(ToolRequested {
            call_id: "c1".into(),
            name: "shell".into(),
            arguments: r#"{"command":"ls -la"}"#.into(),
        })),
        false,
    );
    t.apply(
        &ev(EventKind::ToolStarted(ToolStarted {
            call_id: "c1".into(),
            command: "ls -la".into(),
            cwd: "/w".into(),
        })),
        false,
    );
    t.apply(
        &ev(EventKind::ToolOutput(ToolOutput {
            call_id: "c1".into(),
            bytes: b"\x1b[34mREADME.md\x1b[0m\r\n".to_vec().into(),
        })),
        false,
    );
    t.apply(
        &ev(EventKind::ToolFinished(ToolFinished {
            call_id: "c1".into(),
            exit_code: Some(0),
            duration_ms: 1200,
            killed: None,
            error: None,
        })),
        false,
    );
    let kinds: Vec<EntryKind> = t.entries().iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [EntryKind::User, EntryKind::Assistant, EntryKind::Tool]
    );
    assert_eq!(t.entries()[1].text(), "I'll look.");
    let rows = t.window(60, &theme, 0, t.height(60, &theme));
    let text: Vec<String> = rows
        .iter()
        .map(|r| r.line.spans.iter().map(|s| s.content.as_ref()).collect())
        .collect();
    assert!(
        text.iter()
            .any(|l| l.contains("$ ls -la") && l.contains("exit 0 · 1.2s")),
        "{text:?}"
    );
    assert!(text.iter().any(|l| l.contains("│ README.md")), "{text:?}");
}

#[test]
fn reasoning_folds_to_one_line() {
    let theme = Theme::default();
    let mut t = Transcript::default();
    t.push(EntryKind::Reasoning, "first thought\nsecond thought\nthird");
    assert_eq!(t.height(40, &theme), 2);
    t.set_reasoning_expanded(true);
    assert_eq!(t.height(40, &theme), 4);
}

#[test]
fn a_failure_is_said_once_and_an_interrupted_call_is_not_left_waiting() {
    let mut t = Transcript::default();
    let gave_up = "gave up after 5 attempts: HTTP 429 (rate_limit_exceeded): slow down";
    t.apply(
        &ev(EventKind::ToolRequested(ToolRequested {
            call_id: "c1".into(),
            name: "shell".into(),
            arguments: r#"{"command":"ls"}"#.into(),
        })),
        false,
    );
    t.apply(
        &ev(EventKind::ResponseFailed(ResponseFailed {
            code: Some("rate_limit_exceeded".into()),
            message: gave_up.into(),
        })),
        false,
    );
    t.apply(
        &ev(EventKind::TurnEnded(TurnEnded {
            turn: 1,
            outcome: TurnOutcome::Failed,
            error: Some(gave_up.into()),
            commit: None,
        })),
        false,
    );
    let errors = t
        .entries()
        .iter()
        .filter(|e| e.kind == EntryKind::Error)
        .count();
    assert_eq!(errors, 1);
    let tool = t
        .entries()
        .iter()
        .find_map(|e| match e.body() {
            entry::Body::Tool(cell) => Some(cell.status.clone()),
            entry::Body::Text(_) => None,
        })
        .unwrap();
    assert_eq!(tool, entry::ToolStatus::NotRun);
}
