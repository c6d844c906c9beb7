//! Slots as the UI sees them: identity, kind, status badge, unread marker and content.

use super::transcript::Transcript;
use crate::ids::SessionId;

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
}

/// Events a resumed transcript starts with: a few hundred turns of a busy session, read in a
/// few milliseconds, whatever the session's length.
pub const TRANSCRIPT_TAIL: u64 = 3000;

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
        }
    }
}
