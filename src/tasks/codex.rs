//! The Codex CLI's `exec --json` output (one JSON object per line) as our session events, so
//! a Codex attempt's transcript, commands and token usage show like a native session's.
//! Pure: a line in, events out; anything it does not know is skipped, never an error.
//!
//! | Codex line | events |
//! |---|---|
//! | `thread.started {thread_id}` | none (the runner records `task.thread`) |
//! | `turn.started` | `turn.started` |
//! | `item.started` of a `command_execution` | `tool.requested`, `tool.approved` (policy), `tool.started` |
//! | `item.completed` of a `command_execution` | `tool.output`, `tool.finished` |
//! | `item.completed` of an `agent_message` / `reasoning` | `response.item_done` |
//! | `item.completed` of a `file_change` | `tool.requested` + `tool.finished` (`apply_patch`) |
//! | `turn.completed {usage}` | `response.completed`, `turn.ended` (completed) |
//! | `turn.failed {error}` / `error` | `response.failed` (+ `turn.ended` failed) |

use std::collections::HashSet;

use serde_json::Value;

use crate::event::{
    ApprovalScope, Decider, EventKind, OutputItem, ResponseCompleted, ResponseFailed,
    ResponseItemDone, ToolApproved, ToolFinished, ToolOutput, ToolRequested, ToolStarted,
    TurnEnded, TurnOutcome, TurnStarted, Usage,
};

/// What one line meant.
#[derive(Debug, Default, PartialEq)]
pub struct Parsed {
    pub events: Vec<EventKind>,
    /// The thread id (`thread.started`).
    pub thread: Option<String>,
    /// Usage of a completed turn.
    pub usage: Option<Usage>,
    /// Why the turn failed.
    pub failed: Option<String>,
}

/// The state of one Codex run's transcript.
#[derive(Debug, Default)]
pub struct Transcript {
    turn: u32,
    /// Command items whose start was already recorded.
    started: HashSet<String>,
    /// The directory commands run in (for `tool.started`).
    cwd: String,
}

impl Transcript {
    /// A transcript continuing after `turns` earlier turns (a resumed thread).
    pub fn new(cwd: &str, turns: u32) -> Self {
        Self {
            turn: turns,
            started: HashSet::new(),
            cwd: cwd.to_owned(),
        }
    }

    pub fn line(&mut self, line: &str) -> Parsed {
        let mut out = Parsed::default();
        let Ok(value) = serde_json::from_str::<Value>(line.trim()) else {
            return out;
        };
        let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
        match value.get("type").and_then(Value::as_str).unwrap_or("") {
            "thread.started" => out.thread = text(&value, "thread_id"),
            "turn.started" => {
                self.turn += 1;
                out.events
                    .push(EventKind::TurnStarted(TurnStarted { turn: self.turn }));
            }
            "item.started" | "item.updated" => {
                if let Some(item) = value.get("item") {
                    self.item_started(item, &mut out.events);
                }
            }
            "item.completed" => {
                if let Some(item) = value.get("item") {
                    self.item_completed(item, &mut out.events);
                }
            }
            "turn.completed" => {
                let usage = value.get("usage").map(|u| {
                    let n = |k: &str| u.get(k).and_then(Value::as_u64).unwrap_or(0);
                    Usage {
                        input_tokens: n("input_tokens"),
                        cached_tokens: n("cached_input_tokens"),
                        output_tokens: n("output_tokens"),
                        reasoning_tokens: n("reasoning_output_tokens"),
                    }
                });
                out.events
                    .push(EventKind::ResponseCompleted(ResponseCompleted {
                        response_id: None,
                        usage: usage.unwrap_or_default(),
                        incomplete_reason: None,
                    }));
                out.events.push(EventKind::TurnEnded(TurnEnded {
                    turn: self.turn.max(1),
                    outcome: TurnOutcome::Completed,
                    error: None,
                    commit: None,
                }));
                out.usage = usage;
            }
            "turn.failed" | "error" => {
                let message = value
                    .get("error")
                    .and_then(|e| text(e, "message"))
                    .or_else(|| text(&value, "message"))
                    .unwrap_or_else(|| "the Codex turn failed".into());
                out.events.push(EventKind::ResponseFailed(ResponseFailed {
                    code: None,
                    message: message.clone(),
                }));
                if value.get("type").and_then(Value::as_str) == Some("turn.failed") {
                    out.events.push(EventKind::TurnEnded(TurnEnded {
                        turn: self.turn.max(1),
                        outcome: TurnOutcome::Failed,
                        error: Some(message.clone()),
                        commit: None,
                    }));
                }
                out.failed = Some(message);
            }
            _ => {}
        }
        out
    }

    fn item_started(&mut self, item: &Value, events: &mut Vec<EventKind>) {
        if item.get("type").and_then(Value::as_str) != Some("command_execution") {
            return;
        }
        let id = item_id(item);
        if !self.started.insert(id.clone()) {
            return;
        }
        let command = item
            .get("command")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        events.push(EventKind::ToolRequested(ToolRequested {
            call_id: id.clone(),
            name: "shell".into(),
            arguments: serde_json::json!({ "command": command }).to_string(),
        }));
        events.push(EventKind::ToolApproved(ToolApproved {
            call_id: id.clone(),
            by: Decider::Policy,
            scope: ApprovalScope::Once,
        }));
        events.push(EventKind::ToolStarted(ToolStarted {
            call_id: id,
            command,
            cwd: self.cwd.clone(),
        }));
    }

    fn item_completed(&mut self, item: &Value, events: &mut Vec<EventKind>) {
        let text = |key: &str| {
            item.get(key)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        match item.get("type").and_then(Value::as_str).unwrap_or("") {
            "agent_message" => events.push(EventKind::ResponseItemDone(ResponseItemDone {
                item: OutputItem::Message {
                    id: item.get("id").and_then(Value::as_str).map(str::to_owned),
                    text: text("text"),
                    refusal: None,
                },
            })),
            "reasoning" => events.push(EventKind::ResponseItemDone(ResponseItemDone {
                item: OutputItem::Reasoning {
                    id: item.get("id").and_then(Value::as_str).map(str::to_owned),
                    summary: vec![text("text")],
                    encrypted_content: None,
                },
            })),
            "command_execution" => {
                self.item_started(item, events);
                let id = item_id(item);
                let output = text("aggregated_output");
                if !output.is_empty() {
                    events.push(EventKind::ToolOutput(ToolOutput {
                        call_id: id.clone(),
                        bytes: output.into_bytes().into(),
                    }));
                }
                let exit_code = item
                    .get("exit_code")
                    .and_then(Value::as_i64)
                    .map(|c| c as i32);
                events.push(EventKind::ToolFinished(ToolFinished {
                    call_id: id,
                    exit_code,
                    duration_ms: 0,
                    killed: None,
                    error: (exit_code.is_none() && text("status") == "failed")
                        .then(|| "the command failed to run".to_owned()),
                }));
            }
            "file_change" => {
                let id = item_id(item);
                let changes = item.get("changes").cloned().unwrap_or(Value::Null);
                events.push(EventKind::ToolRequested(ToolRequested {
                    call_id: id.clone(),
                    name: "apply_patch".into(),
                    arguments: changes.to_string(),
                }));
                events.push(EventKind::ToolFinished(ToolFinished {
                    call_id: id,
                    exit_code: Some(if text("status") == "failed" { 1 } else { 0 }),
                    duration_ms: 0,
                    killed: None,
                    error: None,
                }));
            }
            _ => {}
        }
    }
}

fn item_id(item: &Value) -> String {
    item.get("id")
        .and_then(Value::as_str)
        .map(|id| format!("codex_{id}"))
        .unwrap_or_else(|| "codex_item".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_codex_run_becomes_a_transcript() {
        let lines = [
            r#"{"type":"thread.started","thread_id":"0199-t"}"#,
            r#"{"type":"turn.started"}"#,
            r#"{"type":"item.started","item":{"id":"item_1","type":"command_execution","command":"bash -lc ls","aggregated_output":"","exit_code":null,"status":"in_progress"}}"#,
            r#"{"type":"item.completed","item":{"id":"item_1","type":"command_execution","command":"bash -lc ls","aggregated_output":"a.txt\n","exit_code":0,"status":"completed"}}"#,
            r#"{"type":"item.completed","item":{"id":"item_2","type":"agent_message","text":"done"}}"#,
            r#"{"type":"turn.completed","usage":{"input_tokens":10,"cached_input_tokens":2,"output_tokens":5}}"#,
        ];
        let mut transcript = Transcript::new("/w", 0);
        let parsed: Vec<Parsed> = lines.iter().map(|l| transcript.line(l)).collect();
        assert_eq!(parsed[0].thread.as_deref(), Some("0199-t"));
        let tags: Vec<&str> = parsed
            .iter()
            .flat_map(|p| p.events.iter().map(|e| e.tag()))
            .collect();
        assert_eq!(
            tags,
            [
                "turn.started",
                "tool.requested",
                "tool.approved",
                "tool.started",
                "tool.output",
                "tool.finished",
                "response.item_done",
                "response.completed",
                "turn.ended"
            ]
        );
        assert_eq!(parsed[5].usage.unwrap().cached_tokens, 2);
    }

    #[test]
    fn failures_are_reported() {
        let mut transcript = Transcript::new("/w", 0);
        let parsed = transcript.line(r#"{"type":"turn.failed","error":{"message":"boom"}}"#);
        assert_eq!(parsed.failed.as_deref(), Some("boom"));
    }

    proptest! {
        #[test]
        fn never_panics(line in ".{0,200}") {
            let _ = Transcript::new("/", 0).line(&line);
        }

        #[test]
        fn never_panics_on_json_shapes(kind in "[a-z._]{0,20}", item in "[a-z_]{0,20}", n in any::<i64>()) {
            let line = format!(r#"{{"type":"{kind}","item":{{"type":"{item}","id":{n},"exit_code":"x"}},"usage":[1]}}"#);
            let _ = Transcript::new("/", 0).line(&line);
        }
    }
}
