use serde_json::{Value, json};

use super::*;
use crate::event::{
    Bytes, Decider, ResponseCompleted, ResponseFailed, ResponseItemDone, ResponseRetrying,
    ToolDenied, ToolFinished, ToolOutput, ToolRequested, ToolStarted, TurnStarted,
};

fn lines(mapper: &mut CodexLines, kind: EventKind) -> Vec<Value> {
    mapper
        .lines(&kind, None)
        .iter()
        .map(|event| serde_json::to_value(event).unwrap())
        .collect()
}

fn request(call_id: &str, command: &str) -> EventKind {
    EventKind::ToolRequested(ToolRequested {
        call_id: call_id.into(),
        name: "shell".into(),
        arguments: json!({ "command": command }).to_string(),
    })
}

fn message(text: &str) -> EventKind {
    EventKind::ResponseItemDone(ResponseItemDone {
        item: OutputItem::Message {
            id: None,
            text: text.into(),
            refusal: None,
        },
    })
}

fn ended(outcome: TurnOutcome, error: Option<&str>) -> EventKind {
    EventKind::TurnEnded(TurnEnded {
        turn: 1,
        outcome,
        error: error.map(str::to_owned),
        commit: None,
    })
}

#[test]
fn a_turn_with_a_command_maps_to_codex_lines() {
    let mut m = CodexLines::default();
    assert_eq!(
        serde_json::to_value(CodexLines::thread_started(SessionId(7))).unwrap(),
        json!({"type": "thread.started", "thread_id": SessionId(7).to_string()})
    );
    assert_eq!(
        lines(&mut m, EventKind::TurnStarted(TurnStarted { turn: 1 })),
        [json!({"type": "turn.started"})]
    );
    let reasoning = EventKind::ResponseItemDone(ResponseItemDone {
        item: OutputItem::Reasoning {
            id: None,
            summary: vec!["Looking.".into(), "Then acting.".into()],
            encrypted_content: None,
        },
    });
    assert_eq!(
        lines(&mut m, reasoning),
        [
            json!({"type": "item.completed", "item": {"id": "item_0", "type": "reasoning", "text": "Looking.\nThen acting."}})
        ]
    );
    assert_eq!(
        lines(&mut m, message("Let me look.")),
        [
            json!({"type": "item.completed", "item": {"id": "item_1", "type": "agent_message", "text": "Let me look."}})
        ]
    );
    assert!(lines(&mut m, request("c1", "ls")).is_empty());
    let started = EventKind::ToolStarted(ToolStarted {
        call_id: "c1".into(),
        command: "ls".into(),
        cwd: "/w".into(),
    });
    assert_eq!(
        lines(&mut m, started),
        [
            json!({"type": "item.started", "item": {"id": "item_2", "type": "command_execution",
            "command": "ls", "aggregated_output": "", "exit_code": null, "status": "in_progress"}})
        ]
    );
    for chunk in ["a\r\n\x1b[1mb", "\x1b[0m\r\n"] {
        let output = EventKind::ToolOutput(ToolOutput {
            call_id: "c1".into(),
            bytes: Bytes(chunk.as_bytes().to_vec()),
        });
        assert!(lines(&mut m, output).is_empty());
    }
    let finished = EventKind::ToolFinished(ToolFinished {
        call_id: "c1".into(),
        exit_code: Some(0),
        duration_ms: 3,
        killed: None,
        error: None,
    });
    assert_eq!(
        lines(&mut m, finished),
        [
            json!({"type": "item.completed", "item": {"id": "item_2", "type": "command_execution",
            "command": "ls", "aggregated_output": "a\nb\n", "exit_code": 0, "status": "completed"}})
        ]
    );
    for usage in [(10, 4, 2, 1), (20, 0, 3, 0)] {
        let completed = EventKind::ResponseCompleted(ResponseCompleted {
            usage: Usage {
                input_tokens: usage.0,
                cached_tokens: usage.1,
                output_tokens: usage.2,
                reasoning_tokens: usage.3,
            },
            ..ResponseCompleted::default()
        });
        assert!(lines(&mut m, completed).is_empty());
    }
    assert_eq!(
        lines(&mut m, ended(TurnOutcome::Completed, None)),
        [
            json!({"type": "turn.completed", "usage": {"input_tokens": 30, "cached_input_tokens": 4,
            "output_tokens": 5, "reasoning_output_tokens": 1}})
        ]
    );
}

#[test]
fn denials_failures_and_retries() {
    let mut m = CodexLines::default();
    lines(&mut m, request("c1", "rm -rf build"));
    let denied = EventKind::ToolDenied(ToolDenied {
        call_id: "c1".into(),
        by: Decider::Policy,
        reason: Some("not known-safe".into()),
    });
    assert_eq!(
        lines(&mut m, denied)[0]["item"],
        json!({"id": "item_0", "type": "command_execution", "command": "rm -rf build",
            "aggregated_output": "", "exit_code": null, "status": "declined"})
    );
    // A call that never became a command is an error item; a failing command is `failed`.
    lines(
        &mut m,
        EventKind::ToolRequested(ToolRequested {
            call_id: "c2".into(),
            name: "python".into(),
            arguments: "{}".into(),
        }),
    );
    let unknown = EventKind::ToolFinished(ToolFinished {
        call_id: "c2".into(),
        error: Some("unknown tool `python`".into()),
        ..ToolFinished::default()
    });
    assert_eq!(
        lines(&mut m, unknown)[0]["item"],
        json!({"id": "item_1", "type": "error", "message": "unknown tool `python`"})
    );
    lines(&mut m, request("c3", "sleep 9"));
    let killed = EventKind::ToolFinished(ToolFinished {
        call_id: "c3".into(),
        exit_code: None,
        killed: Some("timed out after 1 s".into()),
        ..ToolFinished::default()
    });
    let item = &lines(&mut m, killed)[0]["item"];
    assert_eq!(item["status"], "failed");
    assert_eq!(item["aggregated_output"], "timed out after 1 s");
    let retrying = EventKind::ResponseRetrying(ResponseRetrying {
        attempt: 2,
        max_attempts: 5,
        delay_ms: 500,
        reason: "HTTP 503".into(),
    });
    assert_eq!(
        lines(&mut m, retrying)[0]["item"],
        json!({"id": "item_3", "type": "error", "message": "retrying (attempt 2 of 5 in 500 ms): HTTP 503"})
    );
    let failed = EventKind::ResponseFailed(ResponseFailed {
        code: Some("server_error".into()),
        message: "boom".into(),
    });
    assert_eq!(
        lines(&mut m, failed),
        [json!({"type": "error", "message": "boom"})]
    );
    assert_eq!(
        lines(&mut m, ended(TurnOutcome::Failed, Some("boom"))),
        [json!({"type": "turn.failed", "error": {"message": "boom"}})]
    );
    assert_eq!(
        lines(&mut m, ended(TurnOutcome::Interrupted, None)),
        [json!({"type": "turn.failed", "error": {"message": "the turn was interrupted"}})]
    );
    let schema = m.lines(&ended(TurnOutcome::Completed, None), Some("does not match"));
    assert_eq!(
        serde_json::to_value(&schema[0]).unwrap(),
        json!({"type": "turn.failed", "error": {"message": "does not match"}})
    );
    // Empty messages and summaries make no items.
    assert!(lines(&mut m, message("")).is_empty());
}
