//! The event schema: the envelope every stored record carries and every kind of thing that can
//! happen in a session. The store's codec (`store::codec`) turns these into bytes; the session
//! reducer (`session::reduce`) folds them into state. `docs/EVENT_SCHEMA.md` is the prose form.
//!
//! Each kind has a stable dotted tag (`user.message`, `pty.output`, …) written next to its
//! payload. A tag this build does not know decodes to [`EventKind::Unknown`], which keeps the
//! raw payload so a record written by a newer switchboard survives a round trip unchanged.

mod bytes;
mod payload;

use serde::Serialize;

pub use bytes::Bytes;
pub use payload::*;

use crate::ids::{Seq, SessionId, Timestamp};

/// One stored event: where it belongs, when it happened, what it was.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub session: SessionId,
    pub seq: Seq,
    pub at: Timestamp,
    pub kind: EventKind,
}

/// An event kind whose tag this build does not know, kept byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownKind {
    /// The tag the newer writer used.
    pub tag: String,
    /// The payload exactly as stored (one MessagePack value).
    pub body: Vec<u8>,
}

/// Declares every event kind once: variant, payload type and stored tag. Generates the enum,
/// the tag table and the per-kind encode/decode dispatch so the three can never disagree.
macro_rules! event_kinds {
    ($( $(#[$doc:meta])* $variant:ident($payload:ty) = $tag:literal, )*) => {
        /// Everything that can happen in a session.
        #[derive(Debug, Clone, PartialEq)]
        pub enum EventKind {
            $( $(#[$doc])* $variant($payload), )*
            /// A kind from a newer schema; kept, never dropped.
            Unknown(UnknownKind),
        }

        impl EventKind {
            /// Every tag this build knows, in declaration order.
            pub const KNOWN_TAGS: &'static [&'static str] = &[$($tag),*];

            /// The stored tag of this kind.
            pub fn tag(&self) -> &str {
                match self {
                    $( Self::$variant(_) => $tag, )*
                    Self::Unknown(unknown) => &unknown.tag,
                }
            }

            /// Appends the payload as one MessagePack value (structs as maps, so fields can be
            /// added later without breaking old readers or old records).
            pub(crate) fn encode_body(&self, out: &mut Vec<u8>) -> Result<(), rmp_serde::encode::Error> {
                match self {
                    $( Self::$variant(payload) => {
                        payload.serialize(&mut rmp_serde::Serializer::new(out).with_struct_map())
                    } )*
                    Self::Unknown(unknown) => {
                        out.extend_from_slice(&unknown.body);
                        Ok(())
                    }
                }
            }

            /// Decodes a payload stored under `tag`; unknown tags become [`EventKind::Unknown`].
            pub(crate) fn decode_body(tag: &str, body: &[u8]) -> Result<Self, rmp_serde::decode::Error> {
                match tag {
                    $( $tag => rmp_serde::from_slice(body).map(Self::$variant), )*
                    _ => Ok(Self::Unknown(UnknownKind { tag: tag.to_owned(), body: body.to_vec() })),
                }
            }

            /// The payload as JSON, for exports and `--json` output.
            pub fn body_json(&self) -> serde_json::Value {
                match self {
                    $( Self::$variant(payload) => serde_json::to_value(payload)
                        .unwrap_or_else(|err| serde_json::json!({ "encode_error": err.to_string() })), )*
                    Self::Unknown(unknown) => bytes::msgpack_to_json(&unknown.body),
                }
            }
        }
    };
}

event_kinds! {
    /// A session came into being (first event of every non-forked session).
    SessionCreated(SessionCreated) = "session.created",
    /// The session got a new title.
    SessionRenamed(SessionRenamed) = "session.renamed",
    /// First event of a fork: the session continues `parent`'s history after `at`.
    SessionForked(SessionForked) = "session.forked",
    /// The user closed the session's slot.
    SessionClosed(SessionClosed) = "session.closed",
    /// Startup reconciliation found the session's owner process gone.
    SessionInterrupted(SessionInterrupted) = "session.interrupted",
    /// A process took ownership of a live session.
    SessionOwned(SessionOwned) = "session.owned",
    /// The session got a git worktree and branch of its own.
    SessionWorktree(SessionWorktree) = "session.worktree",
    /// The model or approval policy for the next turns changed.
    SessionSettings(SessionSettings) = "session.settings",
    /// A slot's program started.
    SlotSpawned(SlotSpawned) = "slot.spawned",
    /// A slot's program ended, or never started.
    SlotExited(SlotExited) = "slot.exited",
    /// A slot's terminal size changed.
    SlotResized(SlotResized) = "slot.resized",
    /// Text the user submitted from the composer.
    UserMessage(UserMessage) = "user.message",
    /// A native agent turn began (a user message is being answered).
    TurnStarted(TurnStarted) = "turn.started",
    /// A native agent turn ended: completed, interrupted or failed.
    TurnEnded(TurnEnded) = "turn.ended",
    /// A model request began streaming (one per attempt).
    ResponseStarted(ResponseStarted) = "response.started",
    /// A streamed fragment of model output.
    ResponseDelta(ResponseDelta) = "response.delta",
    /// A finished output item; the authoritative copy of what the model produced.
    ResponseItemDone(ResponseItemDone) = "response.item_done",
    /// A model response finished (completed or incomplete), with usage.
    ResponseCompleted(ResponseCompleted) = "response.completed",
    /// A model response failed (after retries, or with a terminal error).
    ResponseFailed(ResponseFailed) = "response.failed",
    /// A stream attempt failed and will be retried.
    ResponseRetrying(ResponseRetrying) = "response.retrying",
    /// The model asked for a tool call.
    ToolRequested(ToolRequested) = "tool.requested",
    /// A tool call was approved, and by whom.
    ToolApproved(ToolApproved) = "tool.approved",
    /// A tool call was denied, and by whom.
    ToolDenied(ToolDenied) = "tool.denied",
    /// A tool call's process started.
    ToolStarted(ToolStarted) = "tool.started",
    /// Output of a running tool call.
    ToolOutput(ToolOutput) = "tool.output",
    /// A tool call finished.
    ToolFinished(ToolFinished) = "tool.finished",
    /// Bytes a PTY slot's program wrote (coalesced).
    PtyOutput(PtyOutput) = "pty.output",
    /// Bytes sent to a PTY slot's program.
    PtyInput(PtyInput) = "pty.input",
    /// A checkpoint of a PTY slot's screen; replay starts from the latest one.
    PtyScreen(PtyScreen) = "pty.screen",
    /// What is left of a `pty.output` chunk that the pane's history limit dropped: written
    /// in its place (same seq), so seqs stay unbroken and the fold counts the same bytes.
    PtyDropped(PtyDropped) = "pty.dropped",
    /// A task on the board changed state.
    TaskState(TaskStateChanged) = "task.state",
    /// A plan file was submitted (the original input of its tasks).
    TaskPlan(Box<TaskPlan>) = "task.plan",
    /// A task was admitted to the board.
    TaskSubmitted(Box<TaskSubmitted>) = "task.submitted",
    /// An attempt of a task began, in its own worktree and session.
    TaskAttemptStarted(Box<TaskAttemptStarted>) = "task.attempt",
    /// The Codex CLI named the thread of an attempt.
    TaskThread(TaskThread) = "task.thread",
    /// An attempt's executor ended; its result commit and the hashes of what it changed.
    TaskAttemptEnded(Box<TaskAttemptEnded>) = "task.result",
    /// One validation of an attempt ran.
    TaskValidation(Box<TaskValidation>) = "task.validation",
    /// An attempt's patch against its start commit.
    TaskPatch(TaskPatch) = "task.patch",
    /// The model's conversation was replaced by a summary up to a seq (the events stay).
    ConversationCompacted(ConversationCompacted) = "conversation.compacted",
    /// An MCP client called a tool of `switchboard mcp` (in the store's MCP log).
    McpCall(Box<McpCall>) = "mcp.call",
}

impl EventKind {
    /// Whether this event closes a unit of work after which a checkpoint is worth writing.
    pub fn ends_turn(&self) -> bool {
        matches!(
            self,
            Self::TurnEnded(_) | Self::SlotExited(_) | Self::SessionClosed(_)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_unique_and_dotted() {
        let mut tags = EventKind::KNOWN_TAGS.to_vec();
        tags.sort_unstable();
        tags.dedup();
        assert_eq!(tags.len(), EventKind::KNOWN_TAGS.len());
        assert!(tags.iter().all(|t| t.contains('.')));
    }
}
