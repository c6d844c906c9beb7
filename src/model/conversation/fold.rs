//! The one function that turns stored events into conversation items: [`Fold::apply`]. The
//! agent's live conversation, [`super::Conversation::from_events`] and the store's conversation
//! projection (`store::conversation`) all call it, so they cannot disagree.
//!
//! Its state is **turn-local**: calls waiting for an output, the outputs of calls still running,
//! and which calls were answered. A turn boundary (`user.message`, `turn.ended`) closes every
//! call still waiting with [`CALL_ABORTED`] and then forgets all three, so the state at any seq
//! is rebuilt by folding the events since the last boundary — what makes the projection cheap to
//! resume after a restart, a fork or another process's appends.

use std::collections::{HashMap, HashSet};

use crate::event::EventKind;
use crate::model::request::InputItem;
use crate::model::tool_output::{OutputForModel, denial_text, finished_text, tool_error_text};

/// The text sent back for a call that never produced output (denied, interrupted, or cut off
/// by a crash). The API rejects a conversation with a call but no output, so one is always sent.
pub const CALL_ABORTED: &str = "aborted: the command did not run to completion";

/// What the fold remembers between events of one turn.
#[derive(Debug, Default)]
pub struct Fold {
    /// Call ids of function calls without an output yet, in order (a repeated id twice).
    pending: Vec<String>,
    /// Call ids that got an output since the last boundary: a call whose id was already
    /// answered is not waiting for one.
    answered: HashSet<String>,
    /// Output of calls still running, cleaned and bounded as it arrives.
    running: HashMap<String, OutputForModel>,
}

impl Fold {
    /// Appends to `out` the items `event` adds to the conversation, in order. Everything that
    /// is not conversation (deltas, retries, PTY output…) adds nothing.
    ///
    /// A call's output is stored as `tool.output` bytes; they are gathered per call and become
    /// one `function_call_output` at `tool.finished` (`error: …` when the call could not run),
    /// or a denial at `tool.denied`. A boundary first closes the calls still waiting.
    pub fn apply(&mut self, event: &EventKind, out: &mut Vec<InputItem>) {
        match event {
            EventKind::UserMessage(message) => {
                self.close(out);
                self.reset();
                out.push(InputItem::user(message.text.clone()));
            }
            EventKind::TurnEnded(_) => {
                self.close(out);
                self.reset();
            }
            EventKind::ResponseItemDone(done) => {
                if let Some(item) = InputItem::from_output(&done.item) {
                    self.note(&item);
                    out.push(item);
                }
            }
            EventKind::ToolOutput(output) => {
                // Looked up first: `entry` takes an owned key, which would copy the call id
                // for every chunk of a call's output rather than once per call.
                if let Some(running) = self.running.get_mut(&output.call_id) {
                    running.feed(&output.bytes.0);
                } else {
                    let mut running = OutputForModel::default();
                    running.feed(&output.bytes.0);
                    self.running.insert(output.call_id.clone(), running);
                }
            }
            EventKind::ToolFinished(finished) => {
                let output = self.running.remove(&finished.call_id).unwrap_or_default();
                let text = match &finished.error {
                    Some(error) => tool_error_text(error),
                    None => finished_text(output, finished.exit_code, finished.killed.as_deref()),
                };
                self.push(out, InputItem::tool_output(finished.call_id.clone(), text));
            }
            EventKind::ToolDenied(denied) => {
                let text = denial_text(denied.reason.as_deref());
                self.push(out, InputItem::tool_output(denied.call_id.clone(), text));
            }
            _ => {}
        }
    }

    /// Whether `event` can change the conversation or this state (the rest is skipped cheaply).
    pub fn concerns(event: &EventKind) -> bool {
        matches!(
            event,
            EventKind::UserMessage(_)
                | EventKind::TurnEnded(_)
                | EventKind::ResponseItemDone(_)
                | EventKind::ToolOutput(_)
                | EventKind::ToolFinished(_)
                | EventKind::ToolDenied(_)
        )
    }

    /// Keeps track of calls and answers as an item is added.
    pub fn note(&mut self, item: &InputItem) {
        match item {
            InputItem::FunctionCall { call_id, .. } => {
                if !self.answered.contains(call_id) {
                    self.pending.push(call_id.clone());
                }
            }
            InputItem::FunctionCallOutput { call_id, .. } => {
                self.pending.retain(|id| id != call_id);
                self.answered.insert(call_id.clone());
            }
            InputItem::Message { .. } | InputItem::Reasoning { .. } => {}
        }
    }

    fn push(&mut self, out: &mut Vec<InputItem>, item: InputItem) {
        self.note(&item);
        out.push(item);
    }

    /// Call ids still waiting for an output, in order.
    pub fn pending(&self) -> &[String] {
        &self.pending
    }

    /// Answers every waiting call with [`CALL_ABORTED`] (in call order), so the conversation is
    /// valid input.
    pub fn close(&mut self, out: &mut Vec<InputItem>) {
        for call_id in std::mem::take(&mut self.pending) {
            out.push(InputItem::tool_output(call_id.clone(), CALL_ABORTED));
            self.answered.insert(call_id);
        }
    }

    /// A copy without the partial outputs of running calls (their parser state cannot be
    /// copied).
    pub fn clone_without_running(&self) -> Self {
        Self {
            pending: self.pending.clone(),
            answered: self.answered.clone(),
            running: Default::default(),
        }
    }

    /// Forgets everything (a turn boundary, or a resume: calls of a process that is gone cannot
    /// finish).
    pub fn reset(&mut self) {
        self.pending.clear();
        self.answered.clear();
        self.running.clear();
    }
}
