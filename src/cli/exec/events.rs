//! `exec --events`: switchboard's own fine-grained stream, one JSON object per line for each
//! stored event a script cares about (every delta, with its stored seq), derived from the event
//! itself (the same `Event` the store keeps). Shapes are documented in `docs/EXEC.md`; Codex's
//! coarser schema is `--json` ([`super::codex`]).

use serde_json::{Value, json};

use crate::event::{DeltaChannel, Event, EventKind, OutputItem, TurnOutcome, Usage};

/// Turns events into lines; keeps the turn's usage so the turn's last line can carry it.
#[derive(Debug, Default)]
pub struct EventLines {
    turn_usage: Usage,
}

fn label<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn usage_json(usage: &Usage) -> Value {
    json!({
        "input_tokens": usage.input_tokens,
        "cached_tokens": usage.cached_tokens,
        "output_tokens": usage.output_tokens,
        "reasoning_tokens": usage.reasoning_tokens,
    })
}

impl EventLines {
    /// The line for `event`, or `None` for events a script has no use for (ownership,
    /// lifecycle) — `sessions export` has every event.
    pub fn line(&mut self, event: &Event) -> Option<Value> {
        let mut line = self.body(&event.kind)?;
        if let Some(map) = line.as_object_mut() {
            map.insert("seq".into(), json!(event.seq.0));
        }
        Some(line)
    }

    fn body(&mut self, kind: &EventKind) -> Option<Value> {
        Some(match kind {
            EventKind::UserMessage(message) => {
                json!({"type": "user.message", "text": message.text})
            }
            EventKind::TurnStarted(started) => {
                self.turn_usage = Usage::default();
                json!({"type": "turn.started", "turn": started.turn})
            }
            EventKind::ResponseStarted(started) => json!({
                "type": "response.started", "model": started.model, "attempt": started.attempt,
            }),
            EventKind::ResponseRetrying(retrying) => json!({
                "type": "response.retrying",
                "attempt": retrying.attempt,
                "max_attempts": retrying.max_attempts,
                "delay_ms": retrying.delay_ms,
                "reason": retrying.reason,
            }),
            EventKind::ResponseDelta(delta) => {
                let kind = match delta.channel {
                    DeltaChannel::Text => "text.delta",
                    DeltaChannel::Reasoning | DeltaChannel::ReasoningSummary => "reasoning.delta",
                    DeltaChannel::Refusal => "refusal.delta",
                    DeltaChannel::Arguments => "tool_call.arguments.delta",
                    DeltaChannel::Other => return None,
                };
                json!({"type": kind, "delta": delta.delta})
            }
            EventKind::ResponseItemDone(done) => match &done.item {
                OutputItem::Message { text, refusal, .. } => {
                    json!({"type": "message", "text": text, "refusal": refusal})
                }
                OutputItem::Reasoning { summary, .. } => {
                    json!({"type": "reasoning", "summary": summary})
                }
                // Calls are reported once, as `tool.call` from `tool.requested`.
                OutputItem::FunctionCall { .. } | OutputItem::Other { .. } => return None,
            },
            EventKind::ResponseCompleted(completed) => {
                self.turn_usage.add(&completed.usage);
                let mut line = usage_json(&completed.usage);
                if let Some(map) = line.as_object_mut() {
                    map.insert("type".into(), json!("usage"));
                    map.insert("response_id".into(), json!(completed.response_id));
                    map.insert(
                        "incomplete_reason".into(),
                        json!(completed.incomplete_reason),
                    );
                }
                line
            }
            EventKind::ResponseFailed(failed) => json!({
                "type": "response.failed", "code": failed.code, "message": failed.message,
            }),
            EventKind::ToolRequested(requested) => {
                let command = crate::model::ShellArgs::parse(&requested.arguments)
                    .ok()
                    .map(|args| args.command);
                json!({
                    "type": "tool.call",
                    "call_id": requested.call_id,
                    "name": requested.name,
                    "arguments": requested.arguments,
                    "command": command,
                })
            }
            EventKind::ToolApproved(approved) => json!({
                "type": "approval",
                "call_id": approved.call_id,
                "decision": "approved",
                "by": label(&approved.by),
                "scope": label(&approved.scope),
            }),
            EventKind::ToolDenied(denied) => json!({
                "type": "approval",
                "call_id": denied.call_id,
                "decision": "denied",
                "by": label(&denied.by),
                "reason": denied.reason,
            }),
            EventKind::ToolStarted(started) => json!({
                "type": "tool.started",
                "call_id": started.call_id,
                "command": started.command,
                "cwd": started.cwd,
            }),
            EventKind::ToolOutput(output) => json!({
                "type": "tool.output",
                "call_id": output.call_id,
                "output": String::from_utf8_lossy(&output.bytes.0),
            }),
            EventKind::ToolFinished(finished) => json!({
                "type": "tool.finished",
                "call_id": finished.call_id,
                "exit_code": finished.exit_code,
                "duration_ms": finished.duration_ms,
                "killed": finished.killed,
                "error": finished.error,
            }),
            EventKind::ConversationCompacted(compacted) => {
                self.turn_usage.add(&compacted.usage);
                json!({
                    "type": "conversation.compacted",
                    "through": compacted.through,
                    "tokens_before": compacted.tokens_before,
                    "summary": compacted.summary,
                })
            }
            EventKind::TurnEnded(ended) => {
                let kind = match ended.outcome {
                    TurnOutcome::Completed | TurnOutcome::Other => "turn.completed",
                    TurnOutcome::Interrupted => "turn.interrupted",
                    TurnOutcome::Failed => "turn.failed",
                };
                json!({
                    "type": kind,
                    "turn": ended.turn,
                    "error": ended.error,
                    "commit": ended.commit,
                    "usage": usage_json(&self.turn_usage),
                })
            }
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{ResponseCompleted, TurnEnded, TurnStarted};
    use crate::ids::{Seq, SessionId, Timestamp};

    fn event(seq: u64, kind: EventKind) -> Event {
        Event {
            session: SessionId(1),
            seq: Seq(seq),
            at: Timestamp(0),
            kind,
        }
    }

    #[test]
    fn turn_lines_carry_the_turns_usage() {
        let mut lines = EventLines::default();
        let usage = Usage {
            input_tokens: 10,
            output_tokens: 3,
            ..Usage::default()
        };
        let started = lines.line(&event(1, EventKind::TurnStarted(TurnStarted { turn: 1 })));
        assert_eq!(
            started,
            Some(json!({"type": "turn.started", "turn": 1, "seq": 1}))
        );
        for seq in [2, 3] {
            let completed = EventKind::ResponseCompleted(ResponseCompleted {
                usage,
                ..Default::default()
            });
            assert_eq!(lines.line(&event(seq, completed)).unwrap()["type"], "usage");
        }
        let ended = lines
            .line(&event(
                4,
                EventKind::TurnEnded(TurnEnded {
                    turn: 1,
                    ..Default::default()
                }),
            ))
            .unwrap();
        assert_eq!(ended["type"], "turn.completed");
        assert_eq!(ended["usage"]["input_tokens"], 20);
        assert_eq!(ended["usage"]["output_tokens"], 6);
    }
}
