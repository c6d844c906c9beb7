//! `exec --json`: Codex's exec event schema (what `codex exec --json` prints and the Codex SDK
//! reads), one object per line, derived from the stored events of the turn.
//!
//! | stored event | line |
//! |---|---|
//! | (session known) | `thread.started {thread_id}` — the session id |
//! | `turn.started` | `turn.started` |
//! | `response.item_done` message | `item.completed` `agent_message {text}` |
//! | `response.item_done` reasoning | `item.completed` `reasoning {text}` (summary; none when empty) |
//! | `tool.started` | `item.started` `command_execution {status: in_progress}` |
//! | `tool.finished` | `item.completed` `command_execution {aggregated_output, exit_code, status}` |
//! | `tool.denied` | `item.completed` `command_execution {status: declined}` |
//! | `response.retrying` | `item.completed` `error {message}` (non-fatal) |
//! | `response.failed` | `error {message}` |
//! | `turn.ended` | `turn.completed {usage}` or `turn.failed {error}` |
//!
//! Item ids are `item_0`, `item_1`, … in the order items appear, as Codex numbers them. A
//! command's `aggregated_output` is its output as the model reads it: terminal escapes
//! stripped, line ends normalised, at most 8 KiB of head and of tail.

use std::collections::HashMap;

use serde::Serialize;

use crate::event::{EventKind, OutputItem, TurnEnded, TurnOutcome, Usage};
use crate::ids::SessionId;
use crate::model::tool_output::OutputForModel;

/// One line of Codex's exec stream.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type")]
pub enum ThreadEvent {
    #[serde(rename = "thread.started")]
    ThreadStarted { thread_id: String },
    #[serde(rename = "turn.started")]
    TurnStarted {},
    #[serde(rename = "turn.completed")]
    TurnCompleted { usage: CodexUsage },
    #[serde(rename = "turn.failed")]
    TurnFailed { error: ThreadError },
    #[serde(rename = "item.started")]
    ItemStarted { item: ThreadItem },
    #[serde(rename = "item.completed")]
    ItemCompleted { item: ThreadItem },
    /// A fatal error of the stream.
    #[serde(rename = "error")]
    Error { message: String },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThreadError {
    pub message: String,
}

/// Tokens of the whole turn (every response in it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CodexUsage {
    pub input_tokens: u64,
    pub cached_input_tokens: u64,
    pub output_tokens: u64,
    pub reasoning_output_tokens: u64,
}

impl From<Usage> for CodexUsage {
    fn from(usage: Usage) -> Self {
        Self {
            input_tokens: usage.input_tokens,
            cached_input_tokens: usage.cached_tokens,
            output_tokens: usage.output_tokens,
            reasoning_output_tokens: usage.reasoning_tokens,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThreadItem {
    pub id: String,
    #[serde(flatten)]
    pub details: ItemDetails,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ItemDetails {
    AgentMessage {
        text: String,
    },
    Reasoning {
        text: String,
    },
    CommandExecution {
        command: String,
        aggregated_output: String,
        exit_code: Option<i32>,
        status: CommandStatus,
    },
    /// A non-fatal error.
    Error {
        message: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CommandStatus {
    InProgress,
    Completed,
    Failed,
    Declined,
}

/// A call between `tool.requested` and its end.
#[derive(Debug, Default)]
struct Call {
    /// Its item id once `item.started` went out.
    item: Option<String>,
    command: Option<String>,
    /// Cleaned and bounded as the model gets it (escapes stripped, line ends normalised).
    output: OutputForModel,
}

/// Turns stored events into Codex's lines; keeps what an item's last line needs.
#[derive(Debug, Default)]
pub struct CodexLines {
    next_item: u64,
    calls: HashMap<String, Call>,
    usage: Usage,
}

impl CodexLines {
    pub fn thread_started(session: SessionId) -> ThreadEvent {
        ThreadEvent::ThreadStarted {
            thread_id: session.to_string(),
        }
    }

    fn item_id(&mut self) -> String {
        let id = format!("item_{}", self.next_item);
        self.next_item += 1;
        id
    }

    fn completed(&mut self, details: ItemDetails) -> ThreadEvent {
        let id = self.item_id();
        ThreadEvent::ItemCompleted {
            item: ThreadItem { id, details },
        }
    }

    /// The lines for one stored event. `schema_error` is set when the turn's final message
    /// does not match `--output-schema`: a completed turn then reports `turn.failed`.
    pub fn lines(&mut self, kind: &EventKind, schema_error: Option<&str>) -> Vec<ThreadEvent> {
        let line = match kind {
            EventKind::TurnStarted(_) => {
                self.usage = Usage::default();
                ThreadEvent::TurnStarted {}
            }
            EventKind::ResponseItemDone(done) => match &done.item {
                OutputItem::Message { text, refusal, .. } => {
                    let text = match refusal {
                        Some(refusal) if text.is_empty() => refusal.clone(),
                        _ => text.clone(),
                    };
                    if text.is_empty() {
                        return Vec::new();
                    }
                    self.completed(ItemDetails::AgentMessage { text })
                }
                OutputItem::Reasoning { summary, .. } => {
                    let text = summary.join("\n");
                    if text.trim().is_empty() {
                        return Vec::new();
                    }
                    self.completed(ItemDetails::Reasoning { text })
                }
                OutputItem::FunctionCall { .. } | OutputItem::Other { .. } => return Vec::new(),
            },
            EventKind::ResponseCompleted(completed) => {
                self.usage.add(&completed.usage);
                return Vec::new();
            }
            EventKind::ResponseRetrying(retrying) => {
                let message = format!(
                    "retrying (attempt {} of {} in {} ms): {}",
                    retrying.attempt, retrying.max_attempts, retrying.delay_ms, retrying.reason
                );
                self.completed(ItemDetails::Error { message })
            }
            EventKind::ResponseFailed(failed) => ThreadEvent::Error {
                message: failed.message.clone(),
            },
            EventKind::ToolRequested(requested) => {
                // Only a well-formed shell call is a command; anything else that fails is
                // reported as an error item when it finishes.
                let command = (requested.name == crate::model::request::SHELL_TOOL)
                    .then(|| crate::model::ShellArgs::parse(&requested.arguments).ok())
                    .flatten()
                    .map(|args| args.command)
                    .filter(|command| !command.trim().is_empty());
                let call = Call {
                    command,
                    ..Call::default()
                };
                self.calls.insert(requested.call_id.clone(), call);
                return Vec::new();
            }
            EventKind::ToolDenied(denied) => {
                let call = self.calls.remove(&denied.call_id).unwrap_or_default();
                self.completed(ItemDetails::CommandExecution {
                    command: call.command.unwrap_or_default(),
                    aggregated_output: String::new(),
                    exit_code: None,
                    status: CommandStatus::Declined,
                })
            }
            EventKind::ToolStarted(started) => {
                let id = self.item_id();
                let call = self.calls.entry(started.call_id.clone()).or_default();
                call.item = Some(id.clone());
                call.command = Some(started.command.clone());
                ThreadEvent::ItemStarted {
                    item: ThreadItem {
                        id,
                        details: ItemDetails::CommandExecution {
                            command: started.command.clone(),
                            aggregated_output: String::new(),
                            exit_code: None,
                            status: CommandStatus::InProgress,
                        },
                    },
                }
            }
            EventKind::ToolOutput(output) => {
                if let Some(call) = self.calls.get_mut(&output.call_id) {
                    call.output.feed(&output.bytes.0);
                }
                return Vec::new();
            }
            EventKind::ToolFinished(finished) => {
                let call = self.calls.remove(&finished.call_id).unwrap_or_default();
                let mut output = call.output.finish();
                let details = match (call.command, &finished.error) {
                    // The call never became a command (bad arguments, an unknown tool).
                    (None, Some(error)) => ItemDetails::Error {
                        message: error.clone(),
                    },
                    (command, error) => {
                        if let Some(error) = error.as_ref().or(finished.killed.as_ref()) {
                            if !output.is_empty() && !output.ends_with('\n') {
                                output.push('\n');
                            }
                            output.push_str(error);
                        }
                        let ok = finished.exit_code == Some(0)
                            && finished.killed.is_none()
                            && error.is_none();
                        ItemDetails::CommandExecution {
                            command: command.unwrap_or_default(),
                            aggregated_output: output,
                            exit_code: finished.exit_code,
                            status: if ok {
                                CommandStatus::Completed
                            } else {
                                CommandStatus::Failed
                            },
                        }
                    }
                };
                let item = ThreadItem {
                    id: call.item.unwrap_or_else(|| self.item_id()),
                    details,
                };
                ThreadEvent::ItemCompleted { item }
            }
            EventKind::TurnEnded(ended) => self.turn_ended(ended, schema_error),
            _ => return Vec::new(),
        };
        vec![line]
    }

    fn turn_ended(&mut self, ended: &TurnEnded, schema_error: Option<&str>) -> ThreadEvent {
        let failed = |message: String| ThreadEvent::TurnFailed {
            error: ThreadError { message },
        };
        match (ended.outcome, schema_error) {
            (TurnOutcome::Completed | TurnOutcome::Other, None) => ThreadEvent::TurnCompleted {
                usage: self.usage.into(),
            },
            (TurnOutcome::Completed | TurnOutcome::Other, Some(error)) => failed(error.to_owned()),
            (TurnOutcome::Interrupted, _) => failed("the turn was interrupted".into()),
            (TurnOutcome::Failed, _) => failed(
                ended
                    .error
                    .clone()
                    .unwrap_or_else(|| "the turn failed".into()),
            ),
        }
    }
}

#[cfg(test)]
#[path = "codex_tests.rs"]
mod tests;
