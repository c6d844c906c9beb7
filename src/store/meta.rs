//! The session index entry: what lists and pickers show without reading any events.

use serde::{Deserialize, Serialize};

use crate::event::SessionKind;
use crate::ids::{Seq, SessionId, Timestamp};
use crate::session::{SessionState, SessionStatus};

/// Where a fork was cut from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParentRef {
    pub id: SessionId,
    pub seq: Seq,
}

/// One row of the sessions index, rewritten after every batch that touches the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionMeta {
    pub id: SessionId,
    pub title: String,
    pub kind: SessionKind,
    pub cwd: String,
    pub command: Option<String>,
    pub model: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Highest seq; also the number of events the session reads as (inherited ones included).
    pub last_seq: Seq,
    pub status: SessionStatus,
    pub parent: Option<ParentRef>,
    /// Process that owns the session while it runs.
    pub owner: Option<crate::process::ProcessOwner>,
    pub turns: u32,
    pub last_prompt: Option<String>,
    pub exit_code: Option<i32>,
    pub last_error: Option<String>,
    /// The session's worktree directory and branch (added after the first index format).
    #[serde(default)]
    pub worktree: Option<String>,
    #[serde(default)]
    pub branch: Option<String>,
}

impl SessionMeta {
    /// The index entry for a session whose state is `state`.
    pub fn project(id: SessionId, state: &SessionState) -> Self {
        Self {
            id,
            title: state.display_title(),
            kind: state.kind,
            cwd: state.cwd.clone(),
            command: state.command.clone(),
            model: state.model.clone(),
            created_at: state.created_at,
            updated_at: state.updated_at,
            last_seq: state.last_seq,
            status: state.status,
            parent: state.parent.map(|(id, seq)| ParentRef { id, seq }),
            owner: state.owner,
            turns: state.turns,
            last_prompt: state.last_prompt.clone(),
            exit_code: state.exit_code,
            last_error: state.last_error.clone(),
            worktree: state.worktree.as_ref().map(|w| w.path.clone()),
            branch: state.worktree.as_ref().map(|w| w.branch.clone()),
        }
    }

    /// Number of events the session reads as, inherited ones included.
    pub fn events(&self) -> u64 {
        self.last_seq.0
    }

    /// The first seq that belongs to this session itself (after a fork's cut).
    pub fn first_own_seq(&self) -> Seq {
        self.parent.map_or(Seq(1), |p| p.seq.next())
    }
}
