//! The single writer: owns every write to the store and group-commits them.
//!
//! Callers encode their events on their own thread and queue them; the writer thread takes
//! whatever is queued (up to a batch limit, lingering briefly for stragglers), writes it all in
//! one durable transaction, and then acknowledges every request in the batch. One fsync covers
//! the whole batch, so throughput grows with load instead of being capped by disk latency.
//!
//! The writer also folds each appended event into the session's state (the same reducer every
//! view uses) and writes a checkpoint every `checkpoint_every` events and at turn ends.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use redb::Database;

use super::codec::{encode_event, encode_record};
use super::conversation::{self, Projection};
use super::error::StoreError;
use super::indexes::WriteTables;
use super::meta::SessionMeta;
use crate::event::{Event, EventKind, SessionForked, SessionInterrupted};
use crate::ids::{Seq, SessionId, Timestamp};
use crate::process::ProcessOwner;
use crate::session::{SessionState, reduce};

/// What a successful append or fork committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Committed {
    pub session: SessionId,
    pub first: Seq,
    pub last: Seq,
}

/// One-slot channel: the writer sends exactly one outcome and never waits on it.
pub(crate) type Ack = flume::Sender<Result<Committed, StoreError>>;

/// An event encoded (and compressed, when it pays) by the caller, ready to insert. A caller
/// that cares about the stored size, like the PTY recorder sizing its chunks to redb's pages,
/// encodes first, looks at [`Prepared::stored_len`] and appends with `Store::append_prepared`.
#[derive(Debug)]
pub struct Prepared {
    pub(crate) at: Timestamp,
    pub(crate) kind: EventKind,
    pub(crate) bytes: Vec<u8>,
}

impl Prepared {
    pub fn new(at: Timestamp, kind: EventKind) -> Result<Self, StoreError> {
        let bytes = encode_event(at, &kind)?;
        Ok(Self { at, kind, bytes })
    }

    /// Bytes the value takes in the events table.
    pub fn stored_len(&self) -> usize {
        self.bytes.len()
    }
}

/// One queued write and where its outcome goes.
pub(crate) struct Request {
    pub op: Op,
    pub ack: Ack,
}

pub(crate) enum Op {
    Append {
        session: SessionId,
        events: Vec<Prepared>,
    },
    Fork {
        child: SessionId,
        parent: SessionId,
        at: Option<Seq>,
        time: Timestamp,
    },
    /// Marks `session` interrupted if it still runs under `owner` (checked inside the write
    /// transaction, so two processes reconciling at once write one event, not two).
    Interrupt {
        session: SessionId,
        owner: ProcessOwner,
        reason: String,
    },
    /// Folds the next events of a session whose conversation projection is behind (see
    /// `conversation::backfill_step`).
    Backfill { session: SessionId },
}

impl Request {
    fn weight(&self) -> usize {
        match &self.op {
            Op::Append { events, .. } => events.len().max(1),
            Op::Fork { .. } | Op::Interrupt { .. } => 1,
            Op::Backfill { .. } => super::conversation::BACKFILL_WEIGHT,
        }
    }
}

/// Tuning of the writer; see `StoreOptions` for the reasons behind the defaults.
#[derive(Debug, Clone)]
pub(crate) struct WriterConfig {
    pub checkpoint_every: u64,
    pub linger: Duration,
    pub max_batch_events: usize,
    pub max_cached_sessions: usize,
    /// Output a PTY session keeps before its oldest chunks are dropped (`None`: all).
    pub pane_history: Option<u64>,
}

struct Cached {
    state: SessionState,
    since_checkpoint: u64,
    /// The conversation projection's running state; `None` for sessions that are not an
    /// agent's or whose rows are not complete (a reader has them backfilled).
    projection: Option<Projection>,
}

pub(crate) struct Writer {
    db: Arc<Database>,
    /// Shared with the store handle: set when a batch finds the file damaged.
    damaged: Arc<AtomicBool>,
    /// Shared with the store handle: set after the first successful commit.
    committed: Arc<AtomicBool>,
    path: PathBuf,
    config: WriterConfig,
    cache: HashMap<SessionId, Cached>,
}

type Tables<'t> = WriteTables<'t>;

impl Writer {
    pub fn new(
        db: Arc<Database>,
        damaged: Arc<AtomicBool>,
        committed: Arc<AtomicBool>,
        path: PathBuf,
        config: WriterConfig,
    ) -> Self {
        Self {
            db,
            damaged,
            committed,
            path,
            config,
            cache: HashMap::new(),
        }
    }

    /// Runs until every sender is gone, committing batch after batch.
    ///
    /// The writer lingers for stragglers only when the previous batch had company (several
    /// requests): a lone interactive append commits at once, while under concurrent load each
    /// fsync is shared by everything that arrives within the linger.
    pub fn run(mut self, queue: flume::Receiver<Request>) {
        let mut busy = false;
        while let Ok(first) = queue.recv() {
            let mut weight = first.weight();
            let mut batch = vec![first];
            let linger = if busy {
                self.config.linger
            } else {
                Duration::ZERO
            };
            let deadline = Instant::now() + linger;
            while weight < self.config.max_batch_events {
                let next = match queue.try_recv() {
                    Ok(request) => request,
                    Err(flume::TryRecvError::Empty) => match queue.recv_deadline(deadline) {
                        Ok(request) => request,
                        Err(_) => break,
                    },
                    Err(flume::TryRecvError::Disconnected) => break,
                };
                weight += next.weight();
                batch.push(next);
            }
            busy = batch.len() > 1;
            self.commit(batch);
        }
    }

    fn commit(&mut self, batch: Vec<Request>) {
        let (ops, acks): (Vec<Op>, Vec<Ack>) = batch.into_iter().map(|r| (r.op, r.ack)).unzip();
        let mut touched = HashSet::new();
        // A damaged file can make redb panic mid-transaction; the transaction is then dropped
        // (nothing of the batch lands) and every request of the batch gets the error.
        let path = self.path.clone();
        let written = super::guard::guarded(&path, || Ok(self.write_batch(ops, &mut touched)))
            .and_then(|result| result);
        if written.as_ref().is_err_and(StoreError::is_damaged) {
            self.damaged.store(true, Ordering::Relaxed);
        }
        match written {
            Ok(results) => {
                self.committed.store(true, Ordering::Relaxed);
                for (ack, result) in acks.into_iter().zip(results) {
                    let _ = ack.send(result);
                }
            }
            Err(err) => {
                tracing::error!(error = %err, "store batch failed");
                for session in &touched {
                    self.cache.remove(session);
                }
                for ack in acks {
                    let _ = ack.send(Err(err.clone()));
                }
            }
        }
        if self.cache.len() > self.config.max_cached_sessions {
            self.cache.retain(|id, _| touched.contains(id));
        }
    }

    /// Writes every op in one transaction. An op that is wrong on its own (unknown session, seq
    /// out of range) fails alone; a storage failure fails the whole batch and nothing of it lands.
    fn write_batch(
        &mut self,
        ops: Vec<Op>,
        touched: &mut HashSet<SessionId>,
    ) -> Result<Vec<Result<Committed, StoreError>>, StoreError> {
        let path = self.path.clone();
        let fail = |e: redb::Error| StoreError::storage(&path, e);
        let mut results = Vec::with_capacity(ops.len());
        let txn = self.db.begin_write().map_err(|e| fail(e.into()))?;
        {
            let mut tables = WriteTables::open(&txn).map_err(|e| fail(e.into()))?;
            for op in ops {
                let result = match op {
                    Op::Append { session, events } => {
                        let in_batch = touched.contains(&session);
                        self.append(&mut tables, session, events, in_batch)
                    }
                    Op::Fork {
                        child,
                        parent,
                        at,
                        time,
                    } => self.fork(&mut tables, child, parent, at, time),
                    Op::Interrupt {
                        session,
                        owner,
                        reason,
                    } => self.interrupt(&mut tables, session, owner, reason),
                    Op::Backfill { session } => {
                        conversation::backfill_step(&mut tables, &path, session)
                    }
                };
                match result {
                    Ok(committed) => {
                        touched.insert(committed.session);
                        results.push(Ok(committed));
                    }
                    Err(err) if err.is_request_error() => results.push(Err(err)),
                    Err(err) => return Err(err),
                }
            }
            for session in touched.iter() {
                if let Some(cached) = self.cache.get(session) {
                    tables
                        .index_session(*session, &cached.state)
                        .map_err(|e| e.into_store(&path))?;
                    if cached.projection.is_some() {
                        conversation::mark(&mut tables, &path, *session, cached.state.last_seq)?;
                    }
                    if let Some(limit) = self.config.pane_history {
                        super::retention::trim(
                            &mut tables.events,
                            &mut tables.pane_history,
                            &path,
                            *session,
                            &cached.state,
                            limit,
                        )?;
                    }
                }
            }
        }
        txn.commit().map_err(|e| fail(e.into()))?;
        Ok(results)
    }

    /// Loads (or takes from the cache) the state a new event of `session` folds into; `None`
    /// when the session does not exist. The cache is trusted when this batch already wrote the
    /// session (its index entry is only rewritten at the end of the batch) or when it matches
    /// the index; anything else means another process appended meanwhile, so the state is
    /// rebuilt from the store.
    fn load(
        &mut self,
        tables: &Tables<'_>,
        session: SessionId,
        in_batch: bool,
    ) -> Result<Option<Cached>, StoreError> {
        if in_batch && let Some(cached) = self.cache.remove(&session) {
            return Ok(Some(cached));
        }
        let Some(meta) = self.meta(tables, session)? else {
            return Ok(None);
        };
        let mut cached = match self.cache.remove(&session) {
            Some(cached) if cached.state.last_seq == meta.last_seq => cached,
            _ => {
                let resumed = tables.reader(&self.path).resume(session, meta.last_seq)?;
                Cached {
                    since_checkpoint: meta.last_seq.0.saturating_sub(resumed.checkpoint.0),
                    state: resumed.state,
                    projection: None,
                }
            }
        };
        // A session without a projection may have been backfilled since (by a reader).
        if cached.projection.is_none() {
            cached.projection = conversation::resume(tables, &self.path, session, &cached.state)?;
        }
        Ok(Some(cached))
    }

    fn meta(
        &self,
        tables: &Tables<'_>,
        session: SessionId,
    ) -> Result<Option<SessionMeta>, StoreError> {
        tables.reader(&self.path).meta(session)
    }

    fn append(
        &mut self,
        tables: &mut Tables<'_>,
        session: SessionId,
        events: Vec<Prepared>,
        in_batch: bool,
    ) -> Result<Committed, StoreError> {
        let creates = matches!(
            events.first().map(|e| &e.kind),
            Some(EventKind::SessionCreated(_))
        );
        let mut cached = match (self.load(tables, session, in_batch)?, creates) {
            (None, true) => Cached {
                state: SessionState::default(),
                since_checkpoint: 0,
                projection: creates_agent(&events).then(Projection::new),
            },
            (None, false) => return Err(StoreError::MissingSession(session)),
            (Some(_), true) => return Err(StoreError::SessionExists(session)),
            (Some(cached), false) => cached,
        };
        let first = cached.state.last_seq.next();
        for prepared in events {
            self.insert(tables, session, &mut cached, prepared)?;
        }
        let last = cached.state.last_seq;
        self.cache.insert(session, cached);
        Ok(Committed {
            session,
            first,
            last,
        })
    }

    fn insert(
        &self,
        tables: &mut Tables<'_>,
        session: SessionId,
        cached: &mut Cached,
        prepared: Prepared,
    ) -> Result<(), StoreError> {
        let seq = cached.state.last_seq.next();
        tables
            .events
            .insert((session.0, seq.0), prepared.bytes.as_slice())
            .map_err(|e| StoreError::storage(&self.path, e))?;
        let event = Event {
            session,
            seq,
            at: prepared.at,
            kind: prepared.kind,
        };
        reduce(&mut cached.state, &event);
        tables
            .index_event(&event, &cached.state)
            .map_err(|e| e.into_store(&self.path))?;
        if let Some(projection) = &mut cached.projection {
            projection.apply(tables, &self.path, session, seq.0, &event.kind)?;
        }
        cached.since_checkpoint += 1;
        if cached.since_checkpoint >= self.config.checkpoint_every || event.kind.ends_turn() {
            self.checkpoint(tables, session, cached)?;
        }
        Ok(())
    }

    fn checkpoint(
        &self,
        tables: &mut Tables<'_>,
        session: SessionId,
        cached: &mut Cached,
    ) -> Result<(), StoreError> {
        let bytes = encode_record("checkpoint", &cached.state)?;
        tables
            .checkpoints
            .insert((session.0, cached.state.last_seq.0), bytes.as_slice())
            .map_err(|e| StoreError::storage(&self.path, e))?;
        cached.since_checkpoint = 0;
        Ok(())
    }

    /// Creates `child` as a fork of `parent` after `at`: one index entry, one event, one
    /// checkpoint — the same work whatever the parent's length.
    fn fork(
        &mut self,
        tables: &mut Tables<'_>,
        child: SessionId,
        parent: SessionId,
        at: Option<Seq>,
        time: Timestamp,
    ) -> Result<Committed, StoreError> {
        if self.meta(tables, child)?.is_some() {
            return Err(StoreError::SessionExists(child));
        }
        let parent_meta = self
            .meta(tables, parent)?
            .ok_or(StoreError::MissingSession(parent))?;
        let cut = at.unwrap_or(parent_meta.last_seq);
        if cut == Seq::ZERO || cut > parent_meta.last_seq {
            return Err(StoreError::SeqOutOfRange {
                session: parent,
                seq: cut,
                last: parent_meta.last_seq,
            });
        }
        let state = tables.reader(&self.path).state_at(parent, cut)?;
        let projection = conversation::for_fork(tables, &self.path, child, parent, cut, &state)?;
        let mut cached = Cached {
            state,
            since_checkpoint: 0,
            projection,
        };
        let forked = Prepared::new(
            time,
            EventKind::SessionForked(SessionForked { parent, at: cut }),
        )?;
        self.insert(tables, child, &mut cached, forked)?;
        self.checkpoint(tables, child, &mut cached)?;
        let last = cached.state.last_seq;
        self.cache.insert(child, cached);
        Ok(Committed {
            session: child,
            first: last,
            last,
        })
    }
}

impl Writer {
    fn interrupt(
        &mut self,
        tables: &mut Tables<'_>,
        session: SessionId,
        owner: ProcessOwner,
        reason: String,
    ) -> Result<Committed, StoreError> {
        let Some(mut cached) = self.load(tables, session, false)? else {
            return Err(StoreError::MissingSession(session));
        };
        let last = cached.state.last_seq;
        if !cached.state.status.is_active() || cached.state.owner != Some(owner) {
            // Someone else already reconciled it, or its owner moved on: nothing to do.
            self.cache.insert(session, cached);
            return Ok(Committed {
                session,
                first: last.next(),
                last,
            });
        }
        let event = Prepared::new(
            Timestamp::now(),
            EventKind::SessionInterrupted(SessionInterrupted { reason }),
        )?;
        self.insert(tables, session, &mut cached, event)?;
        let last = cached.state.last_seq;
        self.cache.insert(session, cached);
        Ok(Committed {
            session,
            first: last,
            last,
        })
    }
}

/// Whether an append starts an agent session (whose conversation the writer projects).
fn creates_agent(events: &[Prepared]) -> bool {
    matches!(
        events.first().map(|e| &e.kind),
        Some(EventKind::SessionCreated(created)) if created.kind == crate::event::SessionKind::Agent
    )
}

impl StoreError {
    /// Errors that concern one request only; the rest of its batch still commits.
    pub(crate) fn is_request_error(&self) -> bool {
        matches!(
            self,
            Self::MissingSession(_)
                | Self::SessionExists(_)
                | Self::SeqOutOfRange { .. }
                | Self::Encode(_)
        )
    }
}
