//! Reading the log: index entries, fork-chained event ranges, checkpoints and resume.
//!
//! Works over any readable redb tables, so the writer (inside its write transaction) and
//! readers (inside a read transaction) share one implementation.

use std::path::Path;

use redb::ReadableTable;

use super::codec::{decode_event, decode_record};
use super::error::StoreError;
use super::meta::SessionMeta;
use crate::event::Event;
use crate::ids::{IdPrefix, Seq, SessionId};
use crate::session::{SessionState, reduce};

/// A fork chain deeper than this is treated as corrupt rather than followed forever.
const MAX_FORK_DEPTH: usize = 4096;

/// A run of seqs `from..=to` stored under `session`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Segment {
    pub session: SessionId,
    pub from: Seq,
    pub to: Seq,
}

/// A resumed state and the checkpoint it was rebuilt from (`Seq::ZERO`: none, full replay).
#[derive(Debug, Clone, PartialEq)]
pub struct Resumed {
    pub state: SessionState,
    pub checkpoint: Seq,
}

pub(crate) struct Reader<'a, E, S, C> {
    pub path: &'a Path,
    pub events: &'a E,
    pub sessions: &'a S,
    pub checkpoints: &'a C,
}

impl<E, S, C> Reader<'_, E, S, C>
where
    E: ReadableTable<(u128, u64), &'static [u8]>,
    S: ReadableTable<u128, &'static [u8]>,
    C: ReadableTable<(u128, u64), &'static [u8]>,
{
    fn fail(&self, err: impl Into<redb::Error>) -> StoreError {
        StoreError::storage(self.path, err)
    }

    pub fn meta(&self, id: SessionId) -> Result<Option<SessionMeta>, StoreError> {
        let Some(guard) = self.sessions.get(id.0).map_err(|e| self.fail(e))? else {
            return Ok(None);
        };
        decode_record(guard.value())
            .map(Some)
            .map_err(|source| StoreError::CorruptIndex {
                session: id,
                source,
            })
    }

    pub fn require_meta(&self, id: SessionId) -> Result<SessionMeta, StoreError> {
        self.meta(id)?.ok_or(StoreError::MissingSession(id))
    }

    /// Where the events `1..=upto` of `id` physically live, oldest first.
    pub fn segments(&self, id: SessionId, upto: Seq) -> Result<Vec<Segment>, StoreError> {
        let mut chain = Vec::new();
        let mut current = id;
        let mut limit = upto;
        for _ in 0..MAX_FORK_DEPTH {
            let meta = self.require_meta(current)?;
            let first_own = meta.first_own_seq();
            if limit >= first_own {
                chain.push(Segment {
                    session: current,
                    from: first_own,
                    to: limit.min(meta.last_seq),
                });
            }
            match meta.parent {
                Some(parent) => {
                    limit = limit.min(parent.seq);
                    current = parent.id;
                }
                None => {
                    chain.reverse();
                    return Ok(chain);
                }
            }
        }
        Err(StoreError::Io(format!(
            "fork chain of {id} is deeper than {MAX_FORK_DEPTH}"
        )))
    }

    /// Calls `visit(event, inherited)` for every event of `id` with `after < seq <= upto`, in
    /// order, following the fork chain. `inherited` is true for events stored under an ancestor.
    pub fn for_each_event(
        &self,
        id: SessionId,
        after: Seq,
        upto: Seq,
        mut visit: impl FnMut(Event, bool) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        for segment in self.segments(id, upto)? {
            let from = segment.from.max(after.next());
            if from > segment.to {
                continue;
            }
            let range = self
                .events
                .range((segment.session.0, from.0)..=(segment.session.0, segment.to.0))
                .map_err(|e| self.fail(e))?;
            for entry in range {
                let (key, value) = entry.map_err(|e| self.fail(e))?;
                let (session, seq) = key.value();
                let (session, seq) = (SessionId(session), Seq(seq));
                let event = decode_event(session, seq, value.value()).map_err(|source| {
                    StoreError::Corrupt {
                        session,
                        seq,
                        source,
                    }
                })?;
                visit(event, segment.session != id)?;
            }
        }
        Ok(())
    }

    /// The newest checkpoint of `id` at or before `upto`, searching ancestors past a fork cut.
    pub fn latest_checkpoint(
        &self,
        id: SessionId,
        upto: Seq,
    ) -> Result<Option<SessionState>, StoreError> {
        for segment in self.segments(id, upto)?.iter().rev() {
            let mut range = self
                .checkpoints
                .range((segment.session.0, segment.from.0)..=(segment.session.0, segment.to.0))
                .map_err(|e| self.fail(e))?;
            if let Some(entry) = range.next_back() {
                let (key, value) = entry.map_err(|e| self.fail(e))?;
                let (session, seq) = key.value();
                let state: SessionState =
                    decode_record(value.value()).map_err(|source| StoreError::Corrupt {
                        session: SessionId(session),
                        seq: Seq(seq),
                        source,
                    })?;
                return Ok(Some(state));
            }
        }
        Ok(None)
    }

    /// The session's state after `upto`: newest checkpoint, then the events after it (O(tail)).
    pub fn state_at(&self, id: SessionId, upto: Seq) -> Result<SessionState, StoreError> {
        self.resume(id, upto).map(|resumed| resumed.state)
    }

    /// Like [`Self::state_at`], also saying which checkpoint it started from.
    pub fn resume(&self, id: SessionId, upto: Seq) -> Result<Resumed, StoreError> {
        let mut state = self.latest_checkpoint(id, upto)?.unwrap_or_default();
        let checkpoint = state.last_seq;
        self.for_each_event(id, checkpoint, upto, |event, _| {
            reduce(&mut state, &event);
            Ok(())
        })?;
        Ok(Resumed { state, checkpoint })
    }

    /// The session's state from a full replay of every event (the reference resume must equal).
    pub fn replay(&self, id: SessionId, upto: Seq) -> Result<SessionState, StoreError> {
        let mut state = SessionState::default();
        self.for_each_event(id, Seq::ZERO, upto, |event, _| {
            reduce(&mut state, &event);
            Ok(())
        })?;
        Ok(state)
    }
}

impl<E, S, C> Reader<'_, E, S, C>
where
    E: ReadableTable<(u128, u64), &'static [u8]>,
    S: ReadableTable<u128, &'static [u8]>,
    C: ReadableTable<(u128, u64), &'static [u8]>,
{
    /// Visits every index entry, newest first.
    pub fn for_each_meta(
        &self,
        mut visit: impl FnMut(SessionMeta) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        for entry in self.sessions.iter().map_err(|e| self.fail(e))?.rev() {
            let (key, value) = entry.map_err(|e| self.fail(e))?;
            let id = SessionId(key.value());
            let meta = decode_record(value.value()).map_err(|source| StoreError::CorruptIndex {
                session: id,
                source,
            })?;
            visit(meta)?;
        }
        Ok(())
    }

    /// Every session id in the index, oldest first (no entry is decoded).
    pub fn session_ids(&self) -> Result<Vec<SessionId>, StoreError> {
        let mut out = Vec::new();
        for entry in self.sessions.iter().map_err(|e| self.fail(e))? {
            let (key, _) = entry.map_err(|e| self.fail(e))?;
            out.push(SessionId(key.value()));
        }
        Ok(out)
    }

    /// The one session whose id starts with `prefix`.
    pub fn resolve(&self, prefix: &IdPrefix, typed: &str) -> Result<SessionId, StoreError> {
        let (low, high) = prefix.key_range();
        let mut found = Vec::new();
        for entry in self
            .sessions
            .range(low..=high)
            .map_err(|e| self.fail(e))?
            .take(3)
        {
            let (key, _) = entry.map_err(|e| self.fail(e))?;
            found.push(SessionId(key.value()));
        }
        match found.as_slice() {
            [] => Err(StoreError::UnknownSession(typed.to_owned())),
            [one] => Ok(*one),
            many => {
                let mut candidates: Vec<String> =
                    many.iter().take(2).map(|id| id.to_string()).collect();
                if many.len() > 2 {
                    candidates.push("…".to_owned());
                }
                Err(StoreError::AmbiguousSession {
                    prefix: typed.to_owned(),
                    candidates: candidates.join(", "),
                })
            }
        }
    }

    /// Seqs of the session's own checkpoints.
    pub fn checkpoint_seqs(&self, id: SessionId) -> Result<Vec<Seq>, StoreError> {
        let mut out = Vec::new();
        for entry in self
            .checkpoints
            .range((id.0, 0)..=(id.0, u64::MAX))
            .map_err(|e| self.fail(e))?
        {
            let (key, _) = entry.map_err(|e| self.fail(e))?;
            out.push(Seq(key.value().1));
        }
        Ok(out)
    }
}
