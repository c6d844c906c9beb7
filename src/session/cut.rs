//! Where a fork is cut, as the command line and the pickers name it: after the session's last
//! event, after a given event, or after a turn ends.

use crate::ids::{Seq, SessionId};
use crate::store::{Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// After the parent's last event.
    End,
    At(Seq),
    /// After turn N ends.
    Turn(u32),
}

/// Why a cut does not fit a session.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CutError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("session {session} has no turn {turn} (it has {count} turn{})", if *count == 1 { "" } else { "s" })]
    NoTurn {
        session: SessionId,
        turn: u32,
        count: usize,
    },
    #[error("turn {turn} of session {session} has not ended; fork with --at {prompt} instead")]
    TurnRunning {
        session: SessionId,
        turn: u32,
        prompt: Seq,
    },
    #[error("session {session} has no event {at} (its last is {last})")]
    OutOfRange {
        session: SessionId,
        at: Seq,
        last: Seq,
    },
}

impl Cut {
    pub fn from_args(at: Option<u64>, turn: Option<u32>) -> Self {
        match (at, turn) {
            (Some(at), _) => Self::At(Seq(at)),
            (None, Some(turn)) => Self::Turn(turn),
            (None, None) => Self::End,
        }
    }

    /// The seq to cut after (`None`: the end), checked against the session.
    pub fn resolve(self, store: &Store, session: SessionId) -> Result<Option<Seq>, CutError> {
        match self {
            Self::End => Ok(None),
            Self::At(at) => {
                let last = store.meta(session)?.last_seq;
                if at.0 == 0 || at > last {
                    return Err(CutError::OutOfRange { session, at, last });
                }
                Ok(Some(at))
            }
            Self::Turn(turn) => {
                let turns = store.turns(session)?;
                let Some(record) = (turn as usize).checked_sub(1).and_then(|i| turns.get(i)) else {
                    return Err(CutError::NoTurn {
                        session,
                        turn,
                        count: turns.len(),
                    });
                };
                match record.ended_seq {
                    Some(end) => Ok(Some(end)),
                    None => Err(CutError::TurnRunning {
                        session,
                        turn,
                        prompt: record.user_seq,
                    }),
                }
            }
        }
    }
}
