//! Reads and writes of the derived tables (prompts, live owners, turns, open slots) and
//! startup reconciliation. Every call runs guarded: a damaged file gives an error, not a panic.

use redb::{ReadableDatabase, ReadableTable};

use super::Store;
use super::codec;
use super::error::StoreError;
use super::indexes::TurnRecord;
use super::retention::Dropped;
use super::tables::{LIVE, PANE_HISTORY, PROMPTS, TURNS, WORKSTATION};
use super::writer::Op;
use crate::ids::{Seq, SessionId};
use crate::process::ProcessOwner;

impl Store {
    /// The newest `limit` user messages across all sessions, oldest first (composer history).
    pub fn recent_prompts(&self, limit: usize) -> Result<Vec<String>, StoreError> {
        self.guarded(|| {
            let path = &self.inner.path;
            let fail = |e: redb::Error| StoreError::storage(path, e);
            let txn = self.inner.db.begin_read().map_err(|e| fail(e.into()))?;
            let table = match txn.open_table(PROMPTS) {
                Ok(table) => table,
                Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
                Err(e) => return Err(fail(e.into())),
            };
            let mut out = Vec::with_capacity(limit);
            for entry in table.iter().map_err(|e| fail(e.into()))?.rev().take(limit) {
                let (_, text) = entry.map_err(|e| fail(e.into()))?;
                out.push(text.value().to_owned());
            }
            out.reverse();
            Ok(out)
        })
    }

    /// Startup reconciliation: every session that claims to be running under a process that is
    /// gone is marked interrupted (one `session.interrupted` event). Sessions owned by a live
    /// process, this one included, are left alone. Returns the sessions marked.
    pub fn reconcile(&self) -> Result<Vec<SessionId>, StoreError> {
        self.reconcile_with(|owner| {
            format!(
                "owner process {} ended while the session was running",
                owner.pid
            )
        })
    }

    /// [`Self::reconcile`] with the reason recorded for each dead owner (the server names
    /// its own previous run "server ended").
    pub fn reconcile_with(
        &self,
        reason: impl Fn(ProcessOwner) -> String,
    ) -> Result<Vec<SessionId>, StoreError> {
        self.guarded(|| {
            let path = &self.inner.path;
            let fail = |e: redb::Error| StoreError::storage(path, e);
            let claimed: Vec<(SessionId, ProcessOwner)> = {
                let txn = self.inner.db.begin_read().map_err(|e| fail(e.into()))?;
                let table = match txn.open_table(LIVE) {
                    Ok(table) => table,
                    Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
                    Err(e) => return Err(fail(e.into())),
                };
                let mut out = Vec::new();
                for entry in table.iter().map_err(|e| fail(e.into()))? {
                    let (key, value) = entry.map_err(|e| fail(e.into()))?;
                    let (pid, started) = value.value();
                    out.push((SessionId(key.value()), ProcessOwner { pid, started }));
                }
                out
            };
            let me = ProcessOwner::current();
            let mut marked = Vec::new();
            for (session, owner) in claimed {
                if owner == me || owner.is_alive() {
                    continue;
                }
                let reason = reason(owner);
                let committed = self
                    .request(Op::Interrupt {
                        session,
                        owner,
                        reason,
                    })?
                    .wait()?;
                if committed.first <= committed.last {
                    marked.push(session);
                }
            }
            Ok(marked)
        })
    }

    /// The session's turns (one per user message, inherited ones included), oldest first.
    /// An inherited turn that ended after the fork's cut reads as unfinished.
    pub fn turns(&self, id: SessionId) -> Result<Vec<TurnRecord>, StoreError> {
        self.guarded(|| {
            let path = &self.inner.path;
            let fail = |e: redb::Error| StoreError::storage(path, e);
            let segments = self.read(|reader| {
                let last = reader.require_meta(id)?.last_seq;
                reader.segments(id, last)
            })?;
            let txn = self.inner.db.begin_read().map_err(|e| fail(e.into()))?;
            let table = match txn.open_table(TURNS) {
                Ok(table) => table,
                Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
                Err(e) => return Err(fail(e.into())),
            };
            let mut out = Vec::new();
            for segment in segments {
                let range = table
                    .range((segment.session.0, segment.from.0)..=(segment.session.0, segment.to.0))
                    .map_err(|e| fail(e.into()))?;
                for entry in range {
                    let (key, value) = entry.map_err(|e| fail(e.into()))?;
                    let (session, seq) = key.value();
                    let mut record: TurnRecord =
                        codec::decode_record(value.value()).map_err(|source| {
                            StoreError::Corrupt {
                                session: SessionId(session),
                                seq: Seq(seq),
                                source,
                            }
                        })?;
                    if record.ended_seq.is_some_and(|end| end > segment.to) {
                        record.ended_seq = None;
                        record.outcome = None;
                        record.commit = None;
                    }
                    out.push(record);
                }
            }
            Ok(out)
        })
    }

    /// Remembers the sessions open in the workstation's slots, in slot order.
    pub fn set_open_slots(&self, sessions: &[SessionId]) -> Result<(), StoreError> {
        self.guarded(|| {
            let path = &self.inner.path;
            let fail = |e: redb::Error| StoreError::storage(path, e);
            let ids: Vec<u128> = sessions.iter().map(|s| s.0).collect();
            let bytes = codec::encode_record("open slots", &ids)?;
            let txn = self.inner.db.begin_write().map_err(|e| fail(e.into()))?;
            txn.open_table(WORKSTATION)
                .map_err(|e| fail(e.into()))?
                .insert("open_slots", bytes.as_slice())
                .map_err(|e| fail(e.into()))?;
            txn.commit().map_err(|e| fail(e.into()))?;
            self.inner
                .committed
                .store(true, std::sync::atomic::Ordering::Relaxed);
            Ok(())
        })
    }

    /// The sessions that were open in slots (see [`Self::set_open_slots`]), existing ones only.
    pub fn open_slots(&self) -> Result<Vec<SessionId>, StoreError> {
        self.guarded(|| {
            let path = &self.inner.path;
            let fail = |e: redb::Error| StoreError::storage(path, e);
            let txn = self.inner.db.begin_read().map_err(|e| fail(e.into()))?;
            let table = match txn.open_table(WORKSTATION) {
                Ok(table) => table,
                Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
                Err(e) => return Err(fail(e.into())),
            };
            let Some(value) = table.get("open_slots").map_err(|e| fail(e.into()))? else {
                return Ok(Vec::new());
            };
            let ids: Vec<u128> = codec::decode_record(value.value()).unwrap_or_default();
            drop(value);
            Ok(ids
                .into_iter()
                .map(SessionId)
                .filter(|id| self.meta(*id).is_ok())
                .collect())
        })
    }

    /// Seq of the first user message at or after `seq` (a turn boundary), following the fork
    /// chain: an index lookup per segment, whatever the session's length.
    pub fn turn_start_from(&self, id: SessionId, seq: Seq) -> Result<Option<Seq>, StoreError> {
        self.guarded(|| {
            let path = &self.inner.path;
            let fail = |e: redb::Error| StoreError::storage(path, e);
            let segments = self.read(|reader| {
                let last = reader.require_meta(id)?.last_seq;
                reader.segments(id, last)
            })?;
            let txn = self.inner.db.begin_read().map_err(|e| fail(e.into()))?;
            let table = match txn.open_table(TURNS) {
                Ok(table) => table,
                Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
                Err(e) => return Err(fail(e.into())),
            };
            for segment in segments {
                let from = segment.from.max(seq);
                if from > segment.to {
                    continue;
                }
                let mut range = table
                    .range((segment.session.0, from.0)..=(segment.session.0, segment.to.0))
                    .map_err(|e| fail(e.into()))?;
                if let Some(entry) = range.next() {
                    let (key, _) = entry.map_err(|e| fail(e.into()))?;
                    return Ok(Some(Seq(key.value().1)));
                }
            }
            Ok(None)
        })
    }

    /// What a PTY session's history limit has dropped (nothing for other sessions).
    pub fn dropped_output(&self, id: SessionId) -> Result<Dropped, StoreError> {
        self.guarded(|| {
            let path = &self.inner.path;
            let fail = |e: redb::Error| StoreError::storage(path, e);
            let txn = self.inner.db.begin_read().map_err(|e| fail(e.into()))?;
            let table = match txn.open_table(PANE_HISTORY) {
                Ok(table) => table,
                Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Dropped::default()),
                Err(e) => return Err(fail(e.into())),
            };
            Ok(table
                .get(id.0)
                .map_err(|e| fail(e.into()))?
                .map(|row| Dropped::from_row(row.value()))
                .unwrap_or_default())
        })
    }
}
