//! Payload structs of every event kind. Fields may be added (with `#[serde(default)]` or as
//! `Option`), never renamed or removed: records are stored as MessagePack maps keyed by field
//! name, so old records decode under new code and new records under old code.

use serde::{Deserialize, Serialize};

mod mcp;
mod tasks;

pub use mcp::*;
pub use tasks::*;

use super::Bytes;
use crate::ids::{Seq, SessionId};

/// What runs in a session's slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SessionKind {
    /// switchboard's own model client and tool loop.
    #[default]
    Agent,
    /// Any program in a pseudo-terminal.
    Pty,
    /// The task board's own log (one per store; see `crate::tasks`).
    Tasks,
    /// The log of MCP tool calls (one per store; see `crate::mcp`).
    Mcp,
    /// A kind from a newer schema.
    #[serde(other)]
    Other,
}

impl SessionKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Agent => "agent",
            Self::Pty => "pty",
            Self::Tasks => "tasks",
            Self::Mcp => "mcp",
            Self::Other => "other",
        }
    }

    /// A store's own log (the task board's, the MCP calls'): kept like a session, exported
    /// like one, but not one to open, resume, list with the others or remove.
    pub fn is_log(self) -> bool {
        matches!(self, Self::Tasks | Self::Mcp)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SessionCreated {
    pub kind: SessionKind,
    pub title: Option<String>,
    /// Directory the session works in.
    pub cwd: String,
    /// For PTY sessions: the command line, as the user gave it.
    pub command: Option<String>,
    /// For agent sessions: the model asked for.
    pub model: Option<String>,
    /// The process that created the session and runs it (added after the first schema).
    #[serde(default)]
    pub owner: Option<crate::process::ProcessOwner>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SessionRenamed {
    pub title: String,
}

/// New settings for the session's next turns; `None` fields are unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SessionSettings {
    #[serde(default)]
    pub model: Option<String>,
    /// `untrusted`, `on-request` or `never`.
    #[serde(default)]
    pub approval: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SessionForked {
    pub parent: SessionId,
    /// The last inherited seq; this event's own seq is `at + 1`.
    pub at: Seq,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SessionClosed {
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SessionInterrupted {
    /// Why the session was found interrupted (e.g. "owner process 4242 is gone").
    pub reason: String,
}

/// A session got a git worktree and branch of its own (added after the first schema). A
/// separate kind rather than fields of `session.created`, because a fork gets its worktree after
/// its `session.forked` and a slot may get one after it was created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SessionWorktree {
    /// The worktree's directory: where the session's commands run.
    pub path: String,
    pub branch: String,
    /// The commit the branch started from.
    #[serde(default)]
    pub base: String,
    /// The repository's main working tree.
    #[serde(default)]
    pub repo: String,
}

/// A process took over a session (a resume, or a slot reopened after a restart).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SessionOwned {
    pub pid: u32,
    pub host: String,
    /// Start time of the owner (see `ProcessOwner`; added after the first schema).
    #[serde(default)]
    pub started: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SlotSpawned {
    pub command: String,
    pub cwd: String,
    pub cols: u16,
    pub rows: u16,
    pub pid: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SlotExited {
    /// Exit status when the program ran and ended.
    pub code: Option<i32>,
    /// Signal name when the program was killed by one.
    pub signal: Option<String>,
    /// Why the program never started (e.g. "command not found: foo").
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SlotResized {
    pub cols: u16,
    pub rows: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct UserMessage {
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TurnStarted {
    /// 1-based turn number within the session (inherited turns count).
    pub turn: u32,
}

/// How a turn ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TurnOutcome {
    #[default]
    Completed,
    Interrupted,
    Failed,
    #[serde(other)]
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TurnEnded {
    pub turn: u32,
    pub outcome: TurnOutcome,
    pub error: Option<String>,
    /// Commit recording the worktree's state at the end of the turn, when it has one.
    pub commit: Option<String>,
}

/// The conversation the model is sent was compacted: from here on a request carries `summary`
/// (a handoff the model wrote) in place of every conversation item of the events up to
/// `through`, then the items after it. The events themselves stay in the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ConversationCompacted {
    /// The handoff text, as the model wrote it.
    pub summary: String,
    /// The last seq whose conversation items the summary replaces.
    pub through: Seq,
    /// Estimated tokens of the conversation before it was compacted (for display).
    #[serde(default)]
    pub tokens_before: u64,
    /// Tokens the summarisation request used.
    #[serde(default)]
    pub usage: Usage,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ResponseStarted {
    pub model: String,
    /// 1 for the first try, 2+ for retries.
    pub attempt: u32,
}

/// Which stream a delta belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DeltaChannel {
    #[default]
    Text,
    Reasoning,
    ReasoningSummary,
    Refusal,
    Arguments,
    #[serde(other)]
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ResponseDelta {
    pub channel: DeltaChannel,
    pub item_id: Option<String>,
    pub delta: String,
}

/// A finished output item, in the shape the next request sends back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OutputItem {
    Message {
        id: Option<String>,
        text: String,
        #[serde(default)]
        refusal: Option<String>,
    },
    FunctionCall {
        id: Option<String>,
        call_id: String,
        name: String,
        arguments: String,
    },
    Reasoning {
        id: Option<String>,
        #[serde(default)]
        summary: Vec<String>,
        #[serde(default)]
        encrypted_content: Option<String>,
    },
    /// An item type this build does not model, kept as JSON text.
    Other { raw: String },
}

impl Default for OutputItem {
    fn default() -> Self {
        Self::Other { raw: String::new() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ResponseItemDone {
    pub item: OutputItem,
}

/// Token use of one response, or summed over many.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Usage {
    #[serde(default)]
    pub input_tokens: u64,
    #[serde(default)]
    pub cached_tokens: u64,
    #[serde(default)]
    pub output_tokens: u64,
    #[serde(default)]
    pub reasoning_tokens: u64,
}

impl Usage {
    pub fn add(&mut self, other: &Usage) {
        self.input_tokens += other.input_tokens;
        self.cached_tokens += other.cached_tokens;
        self.output_tokens += other.output_tokens;
        self.reasoning_tokens += other.reasoning_tokens;
    }

    pub fn total(&self) -> u64 {
        self.input_tokens + self.output_tokens
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ResponseCompleted {
    pub response_id: Option<String>,
    pub usage: Usage,
    /// Set when the response ended `incomplete` (e.g. `max_output_tokens`).
    pub incomplete_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ResponseFailed {
    pub code: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ResponseRetrying {
    /// The attempt about to start (2 = first retry).
    pub attempt: u32,
    pub max_attempts: u32,
    pub delay_ms: u64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ToolRequested {
    pub call_id: String,
    pub name: String,
    /// The arguments exactly as the model sent them (a JSON string).
    pub arguments: String,
}

/// Who made an approval decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Decider {
    /// A person at the approval prompt.
    #[default]
    User,
    /// The approval policy, without asking.
    Policy,
    /// An earlier "approve for this session" decision.
    SessionRule,
    #[serde(other)]
    Other,
}

/// How far an approval reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalScope {
    #[default]
    Once,
    Session,
    #[serde(other)]
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ToolApproved {
    pub call_id: String,
    pub by: Decider,
    pub scope: ApprovalScope,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ToolDenied {
    pub call_id: String,
    pub by: Decider,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ToolStarted {
    pub call_id: String,
    pub command: String,
    pub cwd: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ToolOutput {
    pub call_id: String,
    pub bytes: Bytes,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ToolFinished {
    pub call_id: String,
    pub exit_code: Option<i32>,
    pub duration_ms: u64,
    /// Set when the call was killed (interrupt or timeout).
    pub killed: Option<String>,
    /// Set when the call could not run at all: bad arguments, an unknown tool, a `workdir`
    /// outside the session's directory, a spawn failure (added after the first schema).
    #[serde(default)]
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PtyOutput {
    pub bytes: Bytes,
}

/// A dropped `pty.output` chunk: how many bytes it held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PtyDropped {
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PtyInput {
    pub bytes: Bytes,
}

/// A checkpoint of a PTY slot's screen, so replay starts here instead of at the first byte.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PtyScreen {
    pub rows: u16,
    pub cols: u16,
    /// Escape sequences that redraw the screen (contents, cursor, input modes) on a fresh
    /// terminal of `rows`×`cols`. Scrollback is not included.
    pub screen: Bytes,
    /// The window title the program had set, if any.
    #[serde(default)]
    pub title: Option<String>,
    /// Rows that had scrolled off the top of the screen into history before this point: the
    /// number the next row to scroll off gets, so a replay from here pages in history rows
    /// by number (`pty::history_page`). Absent in checkpoints written before it existed.
    #[serde(default)]
    pub scrolled: Option<u64>,
}
