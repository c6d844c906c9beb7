//! Slots as the UI sees them: identity, kind, status badge, unread marker and content.

use std::sync::{Arc, Mutex};

use super::transcript::Transcript;
use crate::ids::SessionId;
use crate::pty::{PaneScreen, PtySlot};

/// A PTY slot's screen: a running program, or a screen rebuilt from the store after the
/// program ended (or before a restored slot is restarted).
#[derive(Clone)]
pub enum PaneHandle {
    Live(Arc<PtySlot>),
    Recorded(Arc<Mutex<PaneScreen>>),
}

impl std::fmt::Debug for PaneHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Live(slot) => write!(f, "Live(pid {:?})", slot.pid()),
            Self::Recorded(_) => f.write_str("Recorded"),
        }
    }
}

/// A command an agent waits to run until the user decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingApproval {
    pub call_id: String,
    pub command: String,
    pub cwd: String,
    /// Why it is not known-safe.
    pub reason: String,
}

/// A PTY session's last screen and facts, for a restored slot.
#[derive(Debug, Clone)]
pub struct RestoredPane {
    pub session: SessionId,
    pub title: String,
    pub command: Option<String>,
    pub cwd: String,
    pub pane: PaneHandle,
    pub status: SlotStatus,
}

impl PaneHandle {
    /// Reads the screen under its lock (one pane's render at a time).
    pub fn with_screen<R>(&self, f: impl FnOnce(&PaneScreen) -> R) -> R {
        match self {
            Self::Live(slot) => slot.with_screen(f),
            Self::Recorded(screen) => f(&screen
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)),
        }
    }

    /// Changes view state of the screen (scroll offset).
    pub fn with_screen_mut<R>(&self, f: impl FnOnce(&mut PaneScreen) -> R) -> R {
        match self {
            Self::Live(slot) => slot.with_screen_mut(f),
            Self::Recorded(screen) => f(&mut screen
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)),
        }
    }

    pub fn live(&self) -> Option<&Arc<PtySlot>> {
        match self {
            Self::Live(slot) => Some(slot),
            Self::Recorded(_) => None,
        }
    }
}

/// A slot's identity within one workstation run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SlotId(pub u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// The badge a slot shows in the slot list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotStatus {
    /// Working: a turn is streaming or a program is producing output.
    Running,
    /// Output settled and the program (or agent) waits for the user.
    Waiting,
    /// Nothing happened for a while.
    Idle,
    /// The program ended.
    Exited(Option<i32>),
    /// Failed to start, or the last turn failed.
    Error(String),
}

impl SlotStatus {
    pub fn label(&self) -> String {
        match self {
            Self::Running => "running".into(),
            Self::Waiting => "waiting".into(),
            Self::Idle => "idle".into(),
            Self::Exited(Some(code)) => format!("exited {code}"),
            Self::Exited(None) => "exited".into(),
            Self::Error(_) => "error".into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Slot {
    pub id: SlotId,
    pub name: String,
    pub kind: SlotKind,
    pub status: SlotStatus,
    /// New output arrived while the slot was not focused.
    pub unread: bool,
    /// The session recording this slot (an agent slot gets one with its first prompt).
    pub session: Option<SessionId>,
    pub transcript: Transcript,
    /// Rows scrolled up from the bottom; 0 follows new output.
    pub scroll: usize,
    /// First seq of the session the transcript holds (earlier history loads on scroll).
    pub loaded_from: crate::ids::Seq,
    /// Events asked for when the transcript was last loaded.
    pub tail: u64,
    /// A PTY slot's screen, once spawned or restored.
    pub pane: Option<PaneHandle>,
    /// A PTY slot's command line (`None`: the user's shell).
    pub command: Option<String>,
    /// Directory the slot works in.
    pub cwd: String,
    /// An agent's command waiting for approval.
    pub approval: Option<PendingApproval>,
    /// The slot's own git worktree, once it has one.
    pub worktree: Option<crate::event::SessionWorktree>,
    /// A new slot asks for a worktree when its session starts.
    pub wants_worktree: bool,
    /// Tokens used by the agent in this slot's session (all turns seen here).
    pub usage: crate::event::Usage,
}

/// Events a resumed transcript starts with: several screens of recent turns, read in about a
/// millisecond whatever the session's length; scrolling to the top loads four times more.
pub const TRANSCRIPT_TAIL: u64 = 1000;

impl Slot {
    /// Whether quitting would stop something: a PTY slot's program that still runs, or an
    /// agent turn in progress. An idle agent loses nothing (its session is in the store).
    pub fn is_live(&self) -> bool {
        match self.kind {
            SlotKind::Pty => matches!(
                self.status,
                SlotStatus::Running | SlotStatus::Waiting | SlotStatus::Idle
            ),
            SlotKind::Agent => matches!(self.status, SlotStatus::Running | SlotStatus::Waiting),
        }
    }

    pub fn new(id: SlotId, name: String, kind: SlotKind) -> Self {
        Self {
            id,
            name,
            kind,
            status: SlotStatus::Idle,
            unread: false,
            session: None,
            transcript: Transcript::default(),
            scroll: 0,
            loaded_from: crate::ids::Seq(1),
            tail: TRANSCRIPT_TAIL,
            pane: None,
            command: None,
            cwd: String::new(),
            approval: None,
            worktree: None,
            wants_worktree: false,
            usage: crate::event::Usage::default(),
        }
    }
}
