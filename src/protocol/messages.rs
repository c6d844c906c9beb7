//! Every message between a client and the server. Commands go up, events come down; both are
//! keyed by the slot's session id, never by a per-process index, so any client can name any
//! slot. The hello exchange has its own small, stable types: they are decoded before either
//! side knows whether the other speaks the same version.

use serde::{Deserialize, Serialize};

use super::screen::{ScreenPatch, TextRow};
use crate::agent::{ApprovalDecision, ApprovalPolicy};
use crate::event::{Event, McpCall, SessionWorktree, TurnOutcome, Usage};
use crate::ids::{Seq, SessionId};
use crate::pty::PaneSize;
use crate::store::{SessionMeta, TurnRecord};
use crate::workspace::{FileDiff, RemoveCheck};

/// The client's first frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    pub version: u32,
    /// The client's build (crate version), named in mismatch messages.
    pub build: String,
    pub client: ClientInfo,
}

/// The server's answer to a hello: whether it accepts the client, and who it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelloReply {
    pub version: u32,
    pub build: String,
    pub pid: u32,
    /// Why the client is refused (a version mismatch); `None` when accepted.
    pub refused: Option<String>,
}

/// Who the client is and what it wants by default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientInfo {
    /// Identifies the client across attaches (its terminal), so it gets its last layout back.
    pub key: String,
    pub pid: u32,
    /// The client's terminal size.
    pub cols: u16,
    pub rows: u16,
    /// The directory the client runs in: new slots start there.
    pub cwd: String,
    /// How agents this client opens talk to the model.
    pub agents: AgentOptions,
    /// A workstation (gets pane frames) or a headless command (only what it asks for).
    pub kind: ClientKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum ClientKind {
    #[default]
    Workstation,
    Headless,
}

/// What a client asks of the agents it opens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct AgentOptions {
    /// The built-in scripted provider instead of the configured endpoint.
    pub demo: bool,
    pub model: Option<String>,
    pub approval: ApprovalPolicy,
    /// The endpoint the client resolved from its own environment (`OPENAI_BASE_URL`, the
    /// config); `None`: the server's.
    pub base_url: Option<String>,
    /// The key the client resolved from its own environment, so an agent it opens uses the
    /// key the user has where they typed the command. Only sent over the local socket.
    pub api_key: Option<WireKey>,
    /// A JSON schema (as JSON text) the final message must match (`exec --output-schema`).
    #[serde(default)]
    pub output_schema: Option<String>,
    /// The requests' `reasoning.effort` (`exec -c model_reasoning_effort=…`).
    #[serde(default)]
    pub reasoning_effort: Option<String>,
}

/// An API key crossing the private socket from a local client to its server: held in
/// memory only (never stored, never logged: `Debug` prints `[redacted]`).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireKey(String);

impl WireKey {
    pub fn new(key: &crate::model::ApiKey) -> Self {
        Self(key.expose().to_owned())
    }

    pub fn key(&self) -> crate::model::ApiKey {
        crate::model::ApiKey::new(self.0.clone())
    }
}

impl std::fmt::Debug for WireKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// What a client asks the server to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Command {
    /// A new agent slot with this (fresh) id; its session is stored with the first prompt.
    OpenAgent {
        slot: SessionId,
        name: Option<String>,
        /// Run in a new git worktree of the server's repository.
        worktree: bool,
    },
    /// A prompt for an agent slot: starts its agent (or resumes its session) first; prompts
    /// that arrive while it starts wait in order.
    Submit {
        slot: SessionId,
        text: String,
    },
    Decide {
        slot: SessionId,
        call_id: String,
        decision: ApprovalDecision,
    },
    Interrupt {
        slot: SessionId,
    },
    /// A new PTY slot with this (fresh) id.
    OpenPane {
        slot: SessionId,
        /// `None`: the user's shell.
        command: Option<String>,
        size: PaneSize,
        worktree: bool,
    },
    /// Runs an ended pane's program again, recording into the same session.
    RestartPane {
        slot: SessionId,
        size: PaneSize,
    },
    /// Opens a stored session in a slot (a pane's last screen, or an agent's transcript).
    OpenSession {
        session: SessionId,
    },
    /// Closes a slot: its program is stopped and the session records a clean close.
    CloseSlot {
        slot: SessionId,
    },
    /// Bytes for a pane's program.
    WritePane {
        slot: SessionId,
        #[serde(with = "serde_bytes")]
        bytes: Vec<u8>,
    },
    /// The panes this client shows, at what size, and which one has its focus.
    Viewport(Viewport),
    /// This client's view of a pane scrolled to `offset` lines above the live screen, counted
    /// from a history `history` lines long (the `ScrollState::history` the client saw, or a
    /// search answer's): the server turns the pair into the line at the view's top and keeps
    /// that line there while output scrolls underneath (tmux's copy mode); 0 follows the
    /// output.
    ScrollPane {
        slot: SessionId,
        offset: usize,
        history: usize,
    },
    /// Content rows `start..start + count` of a pane (oldest history line = 0), as text.
    LoadPaneText {
        slot: SessionId,
        start: usize,
        count: usize,
    },
    /// Search a pane's history for text, on the server (it holds every row); answered by
    /// [`Notification::PaneSearched`]. A newer search of the same pane by the same client
    /// replaces a running one.
    SearchPane(super::search::PaneSearch),
    /// Stop this client's running search of a pane (no answer comes for it).
    CancelPaneSearch {
        slot: SessionId,
    },
    /// About `tail` events from the end of a session (turn-aligned).
    LoadTranscript {
        slot: SessionId,
        tail: u64,
    },
    /// Recent agent sessions (palette).
    LoadSessions,
    /// Every session (pickers).
    LoadPicker,
    LoadPreview {
        session: SessionId,
    },
    LoadTurns {
        session: SessionId,
    },
    /// Fork `session` after `at` (its end when `None`), code included; `open` shows the fork
    /// in a slot (the workstation), otherwise only [`Notification::Forked`] answers
    /// (`sessions fork`).
    Fork {
        session: SessionId,
        at: Option<Seq>,
        open: bool,
    },
    /// One turn for a headless client (`switchboard exec`): in the slot showing the session
    /// when one does (the turn streams live there), otherwise in an agent only this client
    /// sees. Events, then [`Notification::TurnFinished`], come to this client.
    RunTurn(Box<TurnRequest>),
    /// A diff of a slot's worktree: `source` 0 is the whole branch, n is turn n.
    LoadDiff {
        slot: SessionId,
        source: usize,
    },
    /// What removing a slot's worktree would lose.
    CheckWorktree {
        slot: SessionId,
    },
    RemoveWorktree {
        worktree: SessionWorktree,
        force: bool,
    },
    /// Remember this client's layout (for its next attach).
    SaveLayout(ViewLayout),
    /// The model or approval policy of an agent slot's next turns (`/model`, `/approvals`).
    Configure {
        slot: SessionId,
        model: Option<String>,
        approval: Option<ApprovalPolicy>,
    },
    /// A slot's new name (its session's title).
    RenameSlot {
        slot: SessionId,
        title: String,
    },
    /// Takes a queued prompt back (to edit it, or drop it): [`Notification::Unqueued`].
    Unqueue {
        slot: SessionId,
        index: usize,
    },
    /// Detach every workstation showing `slot` with the keys (`switchboard detach` in a pane).
    DetachViewers {
        slot: SessionId,
    },
    /// Stop every slot (recorded as closed) and the server.
    StopServer,
    /// The server's state, for `switchboard server status`.
    Status,
    /// Finds a session (and a cut in it) as the command line names them.
    Resolve(Lookup),
    /// The task board (`switchboard task …`, the board view).
    Task(super::tasks::TaskCommand),
    /// One stored session in full: [`Notification::SessionLoaded`] (`switchboard mcp`).
    LoadSession(Lookup),
    /// An MCP tool call to record in the store's MCP log (no answer: the server is the log's
    /// only writer, and the call is over by the time it is recorded).
    RecordCall(Box<McpCall>),
}

/// What `switchboard exec` asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TurnRequest {
    /// The session to continue; `None` starts a new one.
    pub session: Option<Lookup>,
    pub prompt: String,
    /// A new session works in its own worktree.
    pub worktree: bool,
    pub agents: AgentOptions,
    /// Nobody can approve: commands that need approval are denied with this reason.
    pub unattended: Option<String>,
}

/// A session as the command line names it: an id prefix or the latest, and a cut.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Lookup {
    /// An id or a unique prefix of one; `None` with `last` for the latest session.
    pub id: Option<String>,
    pub last: bool,
    /// Cut after this turn ends.
    pub turn: Option<u32>,
    /// Cut after this event.
    pub at: Option<u64>,
    /// `last` means the latest native agent session (not any session).
    pub agents_only: bool,
}

/// What a [`Lookup`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolved {
    pub session: SessionId,
    pub at: Option<Seq>,
}

/// What a client shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Viewport {
    /// Panes drawn, with the size of their cell.
    pub panes: Vec<(SessionId, PaneSize)>,
    /// The slot with this client's focus.
    pub focused: Option<SessionId>,
    /// Keys go to the focused pane (its frames are sent at once after input).
    pub typing: bool,
}

/// A client's arrangement, kept by the server between attaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ViewLayout {
    pub focused: Option<SessionId>,
    /// Most recently focused first.
    pub mru: Vec<SessionId>,
    /// "zoom", "split" or "grid".
    pub arrangement: String,
}

/// A slot's badge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SlotStatus {
    /// Opened; its agent or program is starting.
    Starting,
    /// Working: a turn is streaming or a program is producing output.
    Running,
    /// Output settled and the program (or agent) waits for the user.
    Waiting,
    /// Nothing happened for a while.
    Idle,
    /// The program ended.
    Exited(Option<i32>),
    /// Failed to start, or the last turn failed (labelled "failed", as the store says).
    Error(String),
}

impl SlotStatus {
    pub fn label(&self) -> String {
        match self {
            Self::Starting => "starting".into(),
            Self::Running => "running".into(),
            Self::Waiting => "waiting".into(),
            Self::Idle => "idle".into(),
            Self::Exited(Some(code)) => format!("exited {code}"),
            Self::Exited(None) => "exited".into(),
            Self::Error(_) => "failed".into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SlotKind {
    Agent,
    Pty,
}

impl SlotKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Agent => "agent",
            Self::Pty => "pty",
        }
    }
}

/// A command an agent waits to run until someone decides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingApproval {
    pub call_id: String,
    pub command: String,
    pub cwd: String,
    /// Why it is not known-safe.
    pub reason: String,
}

/// A slot as every client sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotInfo {
    pub slot: SessionId,
    pub kind: SlotKind,
    pub name: String,
    pub status: SlotStatus,
    /// The session exists in the store (an agent slot's is created with its first prompt).
    pub stored: bool,
    /// A pane's command line (`None`: the user's shell).
    pub command: Option<String>,
    pub cwd: String,
    pub worktree: Option<SessionWorktree>,
    pub approval: Option<PendingApproval>,
    pub usage: Usage,
    /// What the slot's agent talks to (e.g. "gpt-5", "demo provider (scripted, --demo)").
    pub model: Option<String>,
    /// A pane whose program ended and can be restarted (a restored or exited pane).
    pub restartable: bool,
    /// Why the pane's recording stopped (a failed store write): shown on the pane.
    pub recording_error: Option<String>,
    /// Prompts waiting for the running turn to end, oldest first.
    #[serde(default)]
    pub queued: Vec<String>,
}

/// A stored session, as lists and pickers show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionSummary {
    pub meta: SessionMeta,
    /// A live process (this server or another) drives it now.
    pub live: bool,
}

/// Where a failure belongs, so it is shown there and cleared when its cause is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    Store,
    Git,
    Pty,
    Model,
    Config,
    Server,
}

impl Scope {
    pub fn label(self) -> &'static str {
        match self {
            Self::Store => "store",
            Self::Git => "git",
            Self::Pty => "pty",
            Self::Model => "model",
            Self::Config => "config",
            Self::Server => "server",
        }
    }
}

/// The workstation's state at attach.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Welcome {
    pub slots: Vec<SlotInfo>,
    /// This client's last layout (or the last one any client saved).
    pub layout: Option<ViewLayout>,
    /// Prompts, oldest first (composer history).
    pub history: Vec<String>,
    pub recent: Vec<SessionSummary>,
    /// What this client's agents talk to.
    pub model: String,
    /// The server runs inside a git repository: slots can get worktrees.
    pub in_repo: bool,
    /// Notes for the user (e.g. sessions found interrupted at the server's start).
    pub notes: Vec<String>,
}

/// The server's state for `switchboard server status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerStatus {
    pub pid: u32,
    pub version: u32,
    pub build: String,
    pub uptime_secs: u64,
    pub store: String,
    pub socket: String,
    pub clients: Vec<ClientSummary>,
    pub slots: Vec<SlotSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientSummary {
    pub pid: u32,
    pub key: String,
    pub kind: ClientKind,
    pub cols: u16,
    pub rows: u16,
    pub focused: Option<SessionId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotSummary {
    pub slot: SessionId,
    pub kind: SlotKind,
    pub name: String,
    pub status: String,
    /// A pane program's process id.
    pub pid: Option<u32>,
    pub size: Option<PaneSize>,
    /// Where its commands run.
    #[serde(default)]
    pub cwd: String,
    /// The command its agent waits to run until someone decides.
    #[serde(default)]
    pub approval: Option<PendingApproval>,
    /// No window shows it: a headless turn (`exec`, MCP) or a task's native attempt.
    #[serde(default)]
    pub hidden: bool,
}

/// A stored session in full (the answer to [`Command::LoadSession`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionDetail {
    pub summary: SessionSummary,
    /// Every turn: its prompt, how it ended, its snapshot commit.
    pub turns: Vec<TurnRecord>,
    pub usage: Usage,
    pub user_messages: u64,
    pub tool_calls: u64,
    /// The assistant's last message in the latest turn.
    pub last_message: Option<String>,
    /// The tail of what happened, as the pickers' preview shows it.
    pub preview: Vec<String>,
}

/// What the server tells a client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Notification {
    Welcome(Box<Welcome>),
    /// A slot was opened or changed (upsert by id).
    Slot(Box<SlotInfo>),
    /// A slot was closed (by any client).
    SlotClosed {
        slot: SessionId,
    },
    /// An agent's event, exactly as stored.
    AgentEvent {
        slot: SessionId,
        #[serde(with = "super::wire::event")]
        event: Event,
    },
    TurnFinished {
        slot: SessionId,
        outcome: TurnOutcome,
        error: Option<String>,
        /// The turn's last assistant message.
        final_message: Option<String>,
        /// Tokens of every response in the turn.
        usage: Usage,
    },
    /// A headless client's turn began (see [`Command::RunTurn`]).
    TurnStarted {
        slot: SessionId,
        /// Where its commands run.
        cwd: String,
        worktree: Option<SessionWorktree>,
        /// It continues a stored session.
        resumed: bool,
    },
    /// A queued prompt taken back by this client.
    Unqueued {
        slot: SessionId,
        text: String,
    },
    /// A headless client's turn could not start.
    TurnRefused {
        error: String,
    },
    /// An agent could not start; `text` is the prompt that was not sent.
    AgentFailed {
        slot: SessionId,
        error: String,
        text: Option<String>,
    },
    /// A change to this client's copy of a pane's screen.
    Screen {
        slot: SessionId,
        patch: ScreenPatch,
    },
    PaneText {
        slot: SessionId,
        start: usize,
        rows: Vec<TextRow>,
    },
    /// The answer to [`Command::SearchPane`].
    PaneSearched {
        slot: SessionId,
        search: u64,
        outcome: super::search::PaneSearchOutcome,
    },
    TranscriptLoaded {
        slot: SessionId,
        title: String,
        /// First seq loaded; earlier history is loaded when scrolled to.
        from: Seq,
        /// `(event, inherited)` in order.
        #[serde(with = "super::wire::events")]
        events: Vec<(Event, bool)>,
    },
    SessionsLoaded(Vec<SessionSummary>),
    PickerLoaded(Vec<SessionSummary>),
    PreviewLoaded {
        session: SessionId,
        lines: Vec<String>,
    },
    TurnsLoaded {
        session: SessionId,
        title: String,
        turns: Vec<TurnRecord>,
    },
    /// A fork was made (at this client's request) and opened in a slot.
    Forked {
        child: SessionId,
        title: String,
        worktree: Option<String>,
    },
    DiffLoaded {
        slot: SessionId,
        source: usize,
        sources: Vec<String>,
        files: Result<Vec<FileDiff>, String>,
    },
    WorktreeChecked {
        slot: SessionId,
        check: Result<RemoveCheck, String>,
    },
    /// Something to tell the user; `scope` names the part that failed, when it is an error.
    Notice {
        text: String,
        failure: Option<Scope>,
    },
    /// The part named works again (its error mark can go).
    Recovered(Scope),
    /// The server asks this client to leave: detached, or the server is stopping.
    Detached {
        reason: String,
    },
    Status(ServerStatus),
    /// The answer to [`Command::Resolve`].
    Resolved(Result<Resolved, String>),
    /// The answer to [`Command::LoadSession`].
    SessionLoaded(Result<Box<SessionDetail>, String>),
    /// The task board's answers and news.
    Task(super::tasks::TaskNotification),
    /// A task or a slot waits for a person (an approval, a gate, a failure): the workstation
    /// rings the bell and raises a desktop notification.
    NeedsYou {
        text: String,
    },
}
