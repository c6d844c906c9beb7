//! Slots as this workstation sees them: what the server says of each ([`SlotInfo`]) plus this
//! window's view data — the transcript folded from the agent's events, the copy of a pane's
//! screen, scrolling and the unread marker. No live program or agent lives here.

use super::transcript::Transcript;
use crate::event::Event;
use crate::ids::{Seq, SessionId};
pub use crate::protocol::{PendingApproval, SlotKind, SlotStatus};
use crate::protocol::{ScreenCopy, SlotInfo};

/// A slot is named by its session's id, the same in every client and across restarts.
pub type SlotId = SessionId;

#[derive(Debug, Clone)]
pub struct Slot {
    pub id: SlotId,
    pub name: String,
    pub kind: SlotKind,
    pub status: SlotStatus,
    /// New output arrived while the slot was not focused.
    pub unread: bool,
    /// The session exists in the store (an agent slot's is created with its first prompt).
    pub stored: bool,
    pub transcript: Transcript,
    /// Rows scrolled up from the bottom; 0 follows new output.
    pub scroll: usize,
    /// First seq of the session the transcript holds (earlier history loads on scroll).
    pub loaded_from: Seq,
    /// Events asked for when the transcript was last loaded.
    pub tail: u64,
    /// The transcript is being loaded: live events wait here, applied after the load.
    pub loading: Option<Vec<Event>>,
    /// Seq of the last event folded into the transcript (live events at or below it are
    /// already there).
    pub last_seq: Seq,
    /// This window's copy of a pane's screen, once the server sent one.
    pub pane: Option<ScreenCopy>,
    /// A PTY slot's command line (`None`: the user's shell).
    pub command: Option<String>,
    /// Directory the slot works in.
    pub cwd: String,
    /// An agent's command waiting for approval.
    pub approval: Option<PendingApproval>,
    /// The slot's own git worktree, once it has one.
    pub worktree: Option<crate::event::SessionWorktree>,
    /// Tokens used by the agent in this slot's session.
    pub usage: crate::event::Usage,
    /// What the slot's agent talks to.
    pub model: Option<String>,
    /// A pane whose program ended and can be started again.
    pub restartable: bool,
    /// Why a pane's recording stopped.
    pub recording_error: Option<String>,
    /// Prompts waiting for the running turn (shown under the transcript).
    pub queued: Vec<String>,
}

/// Events a resumed transcript starts with: several screens of recent turns, read in about a
/// millisecond whatever the session's length; scrolling to the top loads four times more.
pub const TRANSCRIPT_TAIL: u64 = 1000;

impl Slot {
    /// Whether detaching would leave something running: a pane's program, or an agent turn.
    pub fn is_live(&self) -> bool {
        match self.kind {
            SlotKind::Pty => matches!(
                self.status,
                SlotStatus::Running | SlotStatus::Waiting | SlotStatus::Idle | SlotStatus::Starting
            ),
            SlotKind::Agent => matches!(self.status, SlotStatus::Running | SlotStatus::Waiting),
        }
    }

    /// A pane whose program runs (keys can go to it).
    pub fn pane_running(&self) -> bool {
        self.kind == SlotKind::Pty
            && self.pane.is_some()
            && matches!(
                self.status,
                SlotStatus::Running | SlotStatus::Waiting | SlotStatus::Idle
            )
    }

    pub fn new(id: SlotId, name: String, kind: SlotKind) -> Self {
        Self {
            id,
            name,
            kind,
            status: SlotStatus::Idle,
            unread: false,
            stored: false,
            transcript: Transcript::default(),
            scroll: 0,
            loaded_from: Seq(1),
            tail: TRANSCRIPT_TAIL,
            loading: None,
            last_seq: Seq::ZERO,
            pane: None,
            command: None,
            cwd: String::new(),
            approval: None,
            worktree: None,
            usage: crate::event::Usage::default(),
            model: None,
            restartable: false,
            recording_error: None,
            queued: Vec::new(),
        }
    }

    /// A slot the server told us about.
    pub fn from_info(info: &SlotInfo) -> Self {
        let mut slot = Self::new(info.slot, info.name.clone(), info.kind);
        slot.apply_info(info);
        slot
    }

    /// Takes the server's facts; view data stays.
    pub fn apply_info(&mut self, info: &SlotInfo) {
        self.name = info.name.clone();
        self.kind = info.kind;
        self.status = info.status.clone();
        self.stored = info.stored;
        self.command = info.command.clone();
        self.cwd = info.cwd.clone();
        self.worktree = info.worktree.clone();
        self.approval = info.approval.clone();
        self.usage = info.usage;
        self.model = info.model.clone();
        self.restartable = info.restartable;
        self.recording_error = info.recording_error.clone();
        self.queued = info.queued.clone();
    }
}
