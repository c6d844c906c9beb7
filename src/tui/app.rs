//! The workstation's state and its message vocabulary: `AppState`, `Msg` (everything that can
//! happen to the UI) and `Effect` (everything the UI asks the outside world to do). The update
//! function (`update.rs`) maps one to the other without I/O.

use std::time::Instant;

use crossterm::event::{KeyEvent, MouseEvent};

use super::composer::Composer;
use super::history::{History, HistorySearch};
use super::palette::Palette;
use super::picker::{Picker, PickerRow, TurnChoice};
use super::selection::{ClickTracker, CopyCursor, Selection};
use super::slots::{PaneHandle, Slot, SlotId};
use super::theme::Theme;
use crate::event::SessionKind;
use crate::ids::{SessionId, Timestamp};

/// Terminal size in cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub cols: u16,
    pub rows: u16,
}

/// Where keys go: the workstation (composer, commands) or the focused pane's program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Focus {
    #[default]
    Workstation,
    Pane,
}

/// How many slots the main area shows at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LayoutMode {
    /// The focused slot alone.
    #[default]
    Zoom,
    /// Two side by side.
    Split,
    /// Up to four, 2×2.
    Grid,
}

impl LayoutMode {
    pub fn cells(self) -> usize {
        match self {
            Self::Zoom => 1,
            Self::Split => 2,
            Self::Grid => 4,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Zoom => "zoom",
            Self::Split => "split",
            Self::Grid => "grid",
        }
    }
}

/// What the keyboard is talking to right now.
#[derive(Debug, Default)]
pub enum Mode {
    #[default]
    Normal,
    Palette(Palette),
    Help {
        scroll: u16,
    },
    ConfirmQuit,
    HistorySearch(HistorySearch),
    CopyMode(CopyCursor),
    /// The focused agent slot waits for an approval decision.
    Approval,
    /// Denying with a reason: the reason being typed.
    DenyReason(String),
    /// The new-slot dialog (agent, or a command to run in a pane).
    NewSlot(NewSlotDialog),
    /// A slot's worktree diff (full screen).
    Diff(Box<super::diff_view::DiffView>),
    /// Closing a slot that has a worktree: keep or remove it.
    CloseSlot(super::diff_view::CloseDialog),
    /// The resume or fork picker (full screen).
    Picker(Box<Picker>),
}

/// The new-slot dialog: what kind of slot, the command a pane runs, and whether the slot gets
/// its own git worktree (on by default for agents inside a repository, opt-in for panes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSlotDialog {
    pub kind: super::slots::SlotKind,
    pub command: String,
    pub worktree: bool,
}

/// A session the palette offers to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentSession {
    pub id: SessionId,
    pub title: String,
    pub kind: SessionKind,
    pub status: String,
    pub updated_at: Timestamp,
}

/// Whether the store accepted the last write.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum StoreHealth {
    #[default]
    Ok,
    Failed(String),
}

/// A one-line message in the status line until the next key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub error: bool,
}

#[derive(Debug)]
pub struct AppState {
    pub size: Size,
    pub theme: Theme,
    pub slots: Vec<Slot>,
    pub focused: Option<SlotId>,
    /// Slots by most recent focus, newest first: which ones a split or grid shows.
    pub mru: Vec<SlotId>,
    pub focus: Focus,
    pub layout: LayoutMode,
    /// The chord that takes keys back from a pane (configurable, `Ctrl+G` by default).
    pub leader: super::commands::Chord,
    /// When a pane counts as waiting or idle.
    pub activity: crate::pty::ActivityPolicy,
    /// What agents talk to, for the status line (e.g. "gpt-5", "demo provider (no key)").
    pub model: Option<String>,
    /// The workstation runs inside a git repository, so slots can get worktrees.
    pub in_repo: bool,
    pub next_slot: u32,
    pub mode: Mode,
    pub composer: Composer,
    pub history: History,
    pub recent: Vec<RecentSession>,
    pub store: StoreHealth,
    pub notice: Option<Notice>,
    pub selection: Option<Selection>,
    pub clicks: ClickTracker,
    /// "Now" for ages shown on screen; set by the driver, fixed in tests.
    pub now: Timestamp,
    /// The directory the workstation was started in (the picker's "this directory" filter).
    pub cwd: String,
    /// Set when the workstation should exit.
    pub quit: bool,
    /// Something visible changed since the last frame.
    pub dirty: bool,
    /// The focused slot's content changed (drawn at full frame rate; background changes wait
    /// longer).
    pub focus_dirty: bool,
}

impl AppState {
    pub fn new(size: Size, theme: Theme) -> Self {
        Self {
            size,
            theme,
            slots: Vec::new(),
            focused: None,
            mru: Vec::new(),
            focus: Focus::Workstation,
            layout: LayoutMode::Zoom,
            leader: super::commands::DEFAULT_LEADER,
            activity: crate::pty::ActivityPolicy::default(),
            model: None,
            in_repo: false,
            next_slot: 1,
            mode: Mode::Normal,
            composer: Composer::default(),
            history: History::default(),
            recent: Vec::new(),
            store: StoreHealth::Ok,
            notice: None,
            selection: None,
            clicks: ClickTracker::default(),
            now: Timestamp::now(),
            cwd: String::new(),
            quit: false,
            dirty: true,
            focus_dirty: true,
        }
    }

    pub fn slot(&self, id: SlotId) -> Option<&Slot> {
        self.slots.iter().find(|s| s.id == id)
    }

    pub fn slot_mut(&mut self, id: SlotId) -> Option<&mut Slot> {
        self.slots.iter_mut().find(|s| s.id == id)
    }

    pub fn focused_slot(&self) -> Option<&Slot> {
        self.focused.and_then(|id| self.slot(id))
    }

    pub fn focused_slot_mut(&mut self) -> Option<&mut Slot> {
        let id = self.focused?;
        self.slot_mut(id)
    }

    /// Slots whose work quitting would stop.
    pub fn live_slots(&self) -> usize {
        self.slots.iter().filter(|s| s.is_live()).count()
    }

    pub fn notify(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            text: text.into(),
            error: false,
        });
    }

    pub fn notify_error(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            text: text.into(),
            error: true,
        });
    }
}

/// Everything that can happen to the workstation.
#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    Mouse(MouseEvent, Instant),
    Resize(Size),
    FocusGained,
    FocusLost,
    /// Prompts from the store, oldest first.
    HistoryLoaded(Vec<String>),
    /// Recent sessions from the store, newest first.
    SessionsLoaded(Vec<RecentSession>),
    /// A session's stored messages, for a slot that opened it.
    TranscriptLoaded {
        slot: SlotId,
        session: SessionId,
        title: String,
        /// First seq loaded; earlier history is loaded when scrolled to.
        from: crate::ids::Seq,
        /// `(event, inherited)` in order.
        events: Vec<(crate::event::Event, bool)>,
    },
    /// A store write failed; `text` is the message that was not stored.
    StoreFailed {
        slot: Option<SlotId>,
        text: Option<String>,
        error: String,
    },
    /// Every session, for the open picker.
    PickerLoaded(Vec<PickerRow>),
    /// Preview lines of one session.
    PreviewLoaded {
        session: SessionId,
        lines: Vec<String>,
    },
    /// The turns of a session chosen in the fork picker.
    TurnsLoaded(TurnChoice),
    /// A fork was made; open it.
    Forked {
        child: SessionId,
        title: String,
        /// The fork's own worktree, at the code of the cut.
        worktree: Option<String>,
    },
    /// A PTY slot's program started (or failed to) and recording began.
    PaneSpawned {
        slot: SlotId,
        session: SessionId,
        pane: PaneHandle,
        /// Where the program runs (its worktree, when it got one).
        cwd: String,
        worktree: Option<crate::event::SessionWorktree>,
        /// Why a requested worktree was not made.
        note: Option<String>,
    },
    /// A PTY slot's screen rebuilt from the store (restored slot, exited program).
    PaneRestored {
        slot: SlotId,
        restored: super::slots::RestoredPane,
    },
    /// An agent is ready in `slot` (created or resumed) and records into `session`.
    AgentStarted {
        slot: SlotId,
        session: SessionId,
        label: String,
        worktree: Option<crate::event::SessionWorktree>,
        /// Why a requested worktree was not made.
        note: Option<String>,
    },
    /// An agent's event, exactly as stored.
    AgentEvent {
        slot: SlotId,
        event: crate::event::Event,
    },
    ApprovalNeeded {
        slot: SlotId,
        approval: super::slots::PendingApproval,
    },
    TurnFinished {
        slot: SlotId,
        outcome: crate::event::TurnOutcome,
        error: Option<String>,
    },
    /// An agent could not be started; `text` is the prompt that was not sent.
    AgentFailed {
        slot: SlotId,
        error: String,
        text: Option<String>,
    },
    /// A diff for the open diff view.
    DiffLoaded {
        source: usize,
        sources: Vec<String>,
        files: Result<Vec<crate::workspace::FileDiff>, String>,
    },
    /// What removing a slot's worktree would lose.
    WorktreeChecked {
        slot: SlotId,
        check: Result<crate::workspace::RemoveCheck, String>,
    },
    /// A line for the status line (errors in red).
    Notice {
        text: String,
        error: bool,
    },
    /// Some pane's screen or status changed (coalesced).
    PanesChanged,
    /// Periodic while PTY slots exist: idle / waiting detection.
    Tick(Instant),
    /// SIGTERM, SIGHUP or SIGINT: leave now, restoring the terminal.
    Terminate,
}

/// Everything the workstation asks the outside world to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Send a prompt to the slot's agent (creating it, or resuming `session`).
    StartTurn {
        slot: SlotId,
        session: Option<SessionId>,
        text: String,
        /// A new session works in its own git worktree.
        worktree: bool,
    },
    /// Answer the slot's pending approval.
    Decide {
        slot: SlotId,
        call_id: String,
        decision: crate::agent::ApprovalDecision,
    },
    /// Esc: stop the slot's running turn.
    Interrupt(SlotId),
    /// Read a stored session's messages into `slot`.
    LoadTranscript {
        slot: SlotId,
        session: SessionId,
        /// Events wanted from the end of the session (resume reads the tail, not the log).
        tail: u64,
    },
    /// Reload recent sessions (for the palette).
    LoadSessions,
    /// Read every session for the picker.
    LoadPicker,
    /// Read a session's preview.
    LoadPreview(SessionId),
    /// Read a session's turns for the fork picker.
    LoadTurns(SessionId),
    /// Fork `session` after `at` (its end when `None`) and open the fork.
    Fork {
        session: SessionId,
        at: Option<crate::ids::Seq>,
    },
    /// Start a PTY slot: `command` through the user's shell (`None`: the shell itself).
    SpawnPane {
        slot: SlotId,
        /// Record into this session (a restart); `None` creates one.
        session: Option<SessionId>,
        command: Option<String>,
        cwd: String,
        size: crate::pty::PaneSize,
        /// Shown above the new run (a restarted slot's recorded screen).
        preamble: Vec<u8>,
        /// Give a new slot its own git worktree.
        worktree: bool,
    },
    /// Bytes to a PTY slot's program.
    WritePane { slot: SlotId, bytes: Vec<u8> },
    /// Rebuild a PTY session's last screen for `slot` from the store.
    RestorePane { slot: SlotId, session: SessionId },
    /// Stop a PTY slot's program.
    KillPane(SlotId),
    /// The user closed a slot: record `session.closed`.
    CloseSession(SessionId),
    /// Read a diff of a slot's worktree: `source` 0 is the whole branch, n is turn n.
    LoadDiff {
        slot: SlotId,
        session: SessionId,
        worktree: crate::event::SessionWorktree,
        source: usize,
    },
    /// Find out what removing a worktree would lose.
    CheckWorktree {
        slot: SlotId,
        worktree: crate::event::SessionWorktree,
    },
    /// Remove a closed slot's worktree and branch (`force`: even if work would be lost).
    RemoveWorktree {
        worktree: crate::event::SessionWorktree,
        force: bool,
    },
    /// Remember which sessions are open in slots, for the next start.
    SaveOpenSlots(Vec<SessionId>),
    /// Put text on the clipboard (OSC 52).
    Copy(String),
    /// Stop the process (Ctrl+Z) and redraw fully on resume.
    Suspend,
    /// Leave the workstation.
    Quit,
}
