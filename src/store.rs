//! The durable event store: one redb file, one writer thread that group-commits, and readers
//! that resume sessions from a checkpoint plus the events after it.
//!
//! Several switchboard processes may open one store at once (redb's multi-writer mode: write
//! transactions are serialised across processes by file locks), so a headless command works
//! while the workstation is open.
//!
//! | module | owns |
//! |---|---|
//! | `tables.rs` | the table definitions and the schema marker |
//! | `codec.rs` | version byte + MessagePack, zstd for large values |
//! | `open.rs`, `guard.rs`, `holders.rs` | opening, redb panics on damage → one-line errors, who holds the file |
//! | `writer.rs`, `indexes.rs` | the group-commit writer and the indexes it keeps beside the events |
//! | `read.rs`, `meta.rs` | fork-chained reads, resume, the session index entry |
//! | `derived.rs` | prompts, turns, live owners, open slots, reconciliation |
//! | `retention.rs` | `[store] pane_history`: dropping a pane's oldest output |
//! | `remove.rs` | removing sessions (`sessions rm`/`prune`): what may go, every row keyed by it |
//! | `maintenance.rs`, `salvage.rs`, `rawscan.rs`, `repair_writer.rs` | `store check/repair/compact` |

mod codec;
mod conversation;
mod derived;
mod error;
mod guard;
mod holders;
mod indexes;
mod maintenance;
mod meta;
mod open;
mod rawscan;
mod read;
mod remove;
mod repair_writer;
mod retention;
mod salvage;
mod tables;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use redb::{ConcurrencyMode, Database, ReadableDatabase};

pub use codec::{DecodeError, EVENT_CODEC, EncodeError, decode_event, encode_event};
pub use conversation::StoredConversation;
pub use error::StoreError;
pub use guard::{in_guarded_call, install_quiet_hook};
pub use indexes::TurnRecord;
pub use maintenance::{
    CheckReport, CompactReport, EngineVerdict, RepairReport, check, compact, repair,
};
pub use meta::{ParentRef, SessionMeta};
pub use read::Resumed;
pub use remove::{Kept, Removal, RemoveOptions};
pub use retention::Dropped;
pub use salvage::{Salvage, TableCount};
pub use tables::SCHEMA;
pub use writer::{Committed, Prepared};

use crate::event::{Event, EventKind, SessionCreated};
use crate::ids::{IdPrefix, Seq, SessionId, ShortIds, Timestamp};
use crate::paths::private::{self, Tightened};
use crate::process::ProcessOwner;
use crate::session::SessionState;
use open::{init_schema, open_error};
use read::Reader;
use tables::{CHECKPOINTS, EVENTS, SESSIONS};
use writer::{Op, Request, Writer, WriterConfig};

/// Tuning of the store. The defaults are what the workstation uses.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Events between checkpoints. Bounds the tail a resume replays: 2,048 events decode and
    /// fold in about a millisecond, while a checkpoint is a few hundred bytes.
    pub checkpoint_every: u64,
    /// How long the writer waits for more requests once a batch has begun. A millisecond adds
    /// nothing a person can see and lets concurrent appenders share one fsync.
    pub linger: Duration,
    /// Events per transaction at most, so one huge burst cannot delay every ack behind it.
    pub max_batch_events: usize,
    /// Requests that may wait for the writer before appenders block (back-pressure).
    pub queue_requests: usize,
    /// Output bytes a PTY session keeps; older chunks are dropped whole (see `retention`).
    /// `None` keeps everything.
    pub pane_history: Option<u64>,
}

/// Default of `[store] pane_history`: 256 MiB of output per pane is hours of a busy build log
/// (and ~100k screens of a full-screen program), while a pane flooding at 30 MB/s stops growing
/// after ten seconds instead of filling the disk.
pub const DEFAULT_PANE_HISTORY: u64 = 256 * 1024 * 1024;

/// The smallest `[store] pane_history` the config accepts: screen checkpoints come every
/// 4 MiB of output and only output before the latest one is ever dropped, so a smaller limit
/// would drop nothing sooner.
pub const MIN_PANE_HISTORY: u64 = 16 * 1024 * 1024;

/// redb's page cache. Its default (1 GiB) let a process recording a flood grow to 0.7–1.1 GB
/// RSS. What must stay cached is the B-trees' branch pages and the tail leaves being appended
/// to or resumed from: a 270 MB store with a million events has about 2 MB of branch pages,
/// so 64 MiB holds every branch page of stores up to several GB, while a flooding pane and
/// its 10,000-line scrollback stay well inside a 300 MB budget. Colder leaves come from the
/// operating system's page cache, which gives memory back under pressure.
pub const CACHE_BYTES: usize = 64 * 1024 * 1024;

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            checkpoint_every: 2048,
            linger: Duration::from_millis(1),
            max_batch_events: 16_384,
            queue_requests: 4096,
            pane_history: Some(DEFAULT_PANE_HISTORY),
        }
    }
}

/// Waits for an append to become durable.
///
/// The acknowledgement travels over a one-slot flume channel rather than tokio's oneshot:
/// tokio's `blocking_recv` panics when the calling thread happens to drive a runtime (the
/// crash-recovery path of `exec` did exactly that), while flume's blocking receive is an
/// ordinary condition-variable wait. Async code should still use [`Pending::durable`].
#[derive(Debug)]
#[must_use = "an append is only known durable once its Pending resolves"]
pub struct Pending {
    rx: flume::Receiver<Result<Committed, StoreError>>,
}

impl Pending {
    /// Blocks until the batch holding the append has committed. Meant for plain threads; it
    /// does not panic inside a runtime, but it does hold the thread, so async code awaits
    /// [`Self::durable`] instead.
    pub fn wait(self) -> Result<Committed, StoreError> {
        self.rx.recv().unwrap_or(Err(StoreError::WriterGone))
    }

    /// Resolves once the batch holding the append has committed.
    pub async fn durable(self) -> Result<Committed, StoreError> {
        self.rx
            .recv_async()
            .await
            .unwrap_or(Err(StoreError::WriterGone))
    }
}

struct Inner {
    db: Arc<Database>,
    /// Set once any call found the file damaged; see `Drop`.
    damaged: Arc<AtomicBool>,
    /// Set once this process committed anything to the file.
    committed: Arc<AtomicBool>,
    /// The file's first page as it was before this process opened it (see `Drop`).
    header: Option<guard::HeaderCopy>,
    path: PathBuf,
    queue: Option<flume::Sender<Request>>,
    writer: Option<JoinHandle<()>>,
    tightened: Vec<Tightened>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Closing the queue lets the writer drain what is queued and stop.
        self.queue.take();
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
        // Opening and closing a redb database rewrite its header. A damaged file must be left
        // exactly as it was found (for `store repair` and for whoever inspects it): its handle
        // is never closed (the process lets go of the descriptor and its locks on exit), and
        // unless this process committed something, the header it found is put back.
        if self.damaged.load(Ordering::Relaxed) {
            std::mem::forget(Arc::clone(&self.db));
            if !self.committed.load(Ordering::Relaxed)
                && let Some(header) = &self.header
            {
                header.restore(&self.path);
            }
        }
    }
}

/// A handle to the store; cheap to clone, shared by every part of the program.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.inner.path)
            .finish()
    }
}

impl Store {
    /// Opens (or creates) the store at `path`.
    pub fn open(path: &Path, options: StoreOptions) -> Result<Self, StoreError> {
        let cannot = |e: &dyn std::fmt::Display| StoreError::Open {
            path: path.to_owned(),
            reason: e.to_string(),
        };
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
            && !dir.exists()
        {
            private::private_dir(dir).map_err(|e| cannot(&e))?;
        }
        let existing = std::fs::metadata(path)
            .map(|m| m.len() > 0)
            .unwrap_or(false);
        if !existing {
            // redb creates files with the umask's mode (usually 0644); the store is private.
            private::create_private_file(path).map_err(|e| cannot(&e))?;
        }
        let header = existing.then(|| guard::HeaderCopy::read(path)).flatten();
        let mut builder = Database::builder();
        builder.set_concurrency_mode(ConcurrencyMode::MultiWriter);
        builder.set_cache_size(CACHE_BYTES);
        let db = guard::guarded(path, || {
            let db = if existing {
                builder.open(path)
            } else {
                builder.create(path)
            }
            .map_err(|e| open_error(path, e))?;
            match init_schema(&db, path) {
                Ok(()) => Ok(db),
                Err(err) => {
                    if err.is_damaged() {
                        // As in `Inner::drop`: leave the damaged file as it was found.
                        std::mem::forget(db);
                        if let Some(header) = &header {
                            header.restore(path);
                        }
                    }
                    Err(err)
                }
            }
        })?;
        let db = Arc::new(db);
        let damaged = Arc::new(AtomicBool::new(false));
        let committed = Arc::new(AtomicBool::new(false));
        // Only once the file is known to be our store: a foreign file is left exactly as it was.
        // Best effort: a store shared on purpose (another owner, a group) still opens.
        let tightened = match private::tighten(path, private::PRIVATE_FILE_MODE) {
            Ok(tightened) => tightened.into_iter().collect(),
            Err(err) => {
                tracing::warn!(%err, "store permissions left as they are");
                Vec::new()
            }
        };

        let (queue, requests) = flume::bounded(options.queue_requests.max(1));
        let writer = Writer::new(
            Arc::clone(&db),
            Arc::clone(&damaged),
            Arc::clone(&committed),
            path.to_owned(),
            WriterConfig {
                checkpoint_every: options.checkpoint_every.max(1),
                linger: options.linger,
                max_batch_events: options.max_batch_events.max(1),
                max_cached_sessions: 1024,
                pane_history: options.pane_history,
            },
        );
        let writer = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || writer.run(requests))
            .map_err(|e| StoreError::Open {
                path: path.to_owned(),
                reason: format!("cannot start the writer thread: {e}"),
            })?;
        Ok(Self {
            inner: Arc::new(Inner {
                db,
                damaged,
                committed,
                header,
                path: path.to_owned(),
                queue: Some(queue),
                writer: Some(writer),
                tightened,
            }),
        })
    }

    /// The store file's permissions, if opening it had to tighten them (an older install
    /// created it readable by others).
    pub fn tightened(&self) -> &[Tightened] {
        &self.inner.tightened
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    fn queue(&self) -> Result<&flume::Sender<Request>, StoreError> {
        self.inner.queue.as_ref().ok_or(StoreError::WriterGone)
    }

    fn request(&self, op: Op) -> Result<Pending, StoreError> {
        let (ack, rx) = flume::bounded(1);
        self.queue()?
            .send(Request { op, ack })
            .map_err(|_| StoreError::WriterGone)?;
        Ok(Pending { rx })
    }

    async fn request_async(&self, op: Op) -> Result<Pending, StoreError> {
        let (ack, rx) = flume::bounded(1);
        self.queue()?
            .send_async(Request { op, ack })
            .await
            .map_err(|_| StoreError::WriterGone)?;
        Ok(Pending { rx })
    }

    fn prepare(kinds: Vec<EventKind>) -> Result<Vec<Prepared>, StoreError> {
        Self::prepare_at(Timestamp::now(), kinds)
    }

    fn prepare_at(at: Timestamp, kinds: Vec<EventKind>) -> Result<Vec<Prepared>, StoreError> {
        kinds
            .into_iter()
            .map(|kind| Prepared::new(at, kind))
            .collect()
    }

    /// Creates a session owned by this process (unless `created` names another owner) and
    /// waits until it is durable.
    pub fn create_session(&self, created: SessionCreated) -> Result<SessionId, StoreError> {
        let id = SessionId::new();
        self.create_session_as(id, created)?;
        Ok(id)
    }

    /// [`Self::create_session`] with an id chosen by the caller (a slot named before its
    /// session is stored).
    pub fn create_session_as(
        &self,
        id: SessionId,
        mut created: SessionCreated,
    ) -> Result<(), StoreError> {
        created.owner.get_or_insert_with(ProcessOwner::current);
        self.append(id, vec![EventKind::SessionCreated(created)])?
            .wait()?;
        Ok(())
    }

    /// Queues events for `session` (blocking only while the queue is full). The returned
    /// [`Pending`] resolves when they are durable.
    pub fn append(&self, session: SessionId, kinds: Vec<EventKind>) -> Result<Pending, StoreError> {
        let events = Self::prepare(kinds)?;
        self.request(Op::Append { session, events })
    }

    /// [`Self::append`] of events the caller already encoded (see [`Prepared`]).
    pub fn append_prepared(
        &self,
        session: SessionId,
        events: Vec<Prepared>,
    ) -> Result<Pending, StoreError> {
        self.request(Op::Append { session, events })
    }

    /// [`Self::append`] for async callers: waits for queue space without blocking the runtime.
    pub async fn append_async(
        &self,
        session: SessionId,
        kinds: Vec<EventKind>,
    ) -> Result<Pending, StoreError> {
        let events = Self::prepare(kinds)?;
        self.request_async(Op::Append { session, events }).await
    }

    /// [`Self::append_async`] with the events' timestamp chosen by the caller, so a caller that
    /// shows an event before it is durable (the agent's live updates) shows exactly the
    /// envelope the store keeps.
    pub async fn append_at_async(
        &self,
        session: SessionId,
        at: Timestamp,
        kinds: Vec<EventKind>,
    ) -> Result<Pending, StoreError> {
        let events = Self::prepare_at(at, kinds)?;
        self.request_async(Op::Append { session, events }).await
    }

    /// Appends and waits for durability.
    pub fn append_durable(
        &self,
        session: SessionId,
        kinds: Vec<EventKind>,
    ) -> Result<Committed, StoreError> {
        self.append(session, kinds)?.wait()
    }

    /// Forks `parent` after `at` (default: its last event) into a new session. O(1): the fork
    /// reads its parent's prefix through the chain, nothing is copied.
    pub fn fork(&self, parent: SessionId, at: Option<Seq>) -> Result<SessionId, StoreError> {
        let child = SessionId::new();
        self.request(Op::Fork {
            child,
            parent,
            at,
            time: Timestamp::now(),
        })?
        .wait()?;
        Ok(child)
    }

    fn read<T>(
        &self,
        f: impl FnOnce(
            &Reader<
                '_,
                redb::ReadOnlyTable<(u128, u64), &'static [u8]>,
                redb::ReadOnlyTable<u128, &'static [u8]>,
                redb::ReadOnlyTable<(u128, u64), &'static [u8]>,
            >,
        ) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let path = &self.inner.path;
        self.guarded(|| {
            let fail = |e: redb::Error| StoreError::storage(path, e);
            let txn = self.inner.db.begin_read().map_err(|e| fail(e.into()))?;
            let events = txn.open_table(EVENTS).map_err(|e| fail(e.into()))?;
            let sessions = txn.open_table(SESSIONS).map_err(|e| fail(e.into()))?;
            let checkpoints = txn.open_table(CHECKPOINTS).map_err(|e| fail(e.into()))?;
            f(&Reader {
                path,
                events: &events,
                sessions: &sessions,
                checkpoints: &checkpoints,
            })
        })
    }

    /// Runs redb work so that a damaged file gives [`StoreError::Damaged`], never a panic.
    fn guarded<T>(&self, work: impl FnOnce() -> Result<T, StoreError>) -> Result<T, StoreError> {
        let result = guard::guarded(&self.inner.path, work);
        if result.as_ref().is_err_and(StoreError::is_damaged) {
            self.inner.damaged.store(true, Ordering::Relaxed);
        }
        result
    }

    /// Every session's index entry, newest first.
    pub fn sessions(&self) -> Result<Vec<SessionMeta>, StoreError> {
        self.read(|reader| {
            let mut out = Vec::new();
            reader.for_each_meta(|meta| {
                out.push(meta);
                Ok(())
            })?;
            Ok(out)
        })
    }

    /// The shortest unique prefix of every session id in the store (see [`ShortIds`]), for
    /// any view that shows short ids.
    pub fn short_ids(&self) -> Result<ShortIds, StoreError> {
        self.read(|reader| reader.session_ids().map(ShortIds::new))
    }

    /// One session's index entry.
    pub fn meta(&self, id: SessionId) -> Result<SessionMeta, StoreError> {
        self.read(|reader| reader.require_meta(id))
    }

    /// Resolves a unique id prefix as a user typed it.
    pub fn resolve(&self, text: &str) -> Result<SessionId, StoreError> {
        let prefix = IdPrefix::parse(text).ok_or_else(|| StoreError::InvalidId(text.to_owned()))?;
        self.read(|reader| reader.resolve(&prefix, text))
    }

    /// The session's current state: latest checkpoint plus the events after it.
    pub fn resume(&self, id: SessionId) -> Result<Resumed, StoreError> {
        self.read(|reader| {
            let meta = reader.require_meta(id)?;
            reader.resume(id, meta.last_seq)
        })
    }

    /// The session's state after `upto`, resumed the same way.
    pub fn state_at(&self, id: SessionId, upto: Seq) -> Result<SessionState, StoreError> {
        self.read(|reader| reader.state_at(id, upto))
    }

    /// The session's state from replaying every event: the reference a resume must equal.
    pub fn replay(&self, id: SessionId) -> Result<SessionState, StoreError> {
        self.read(|reader| {
            let meta = reader.require_meta(id)?;
            reader.replay(id, meta.last_seq)
        })
    }

    /// Visits the events `after < seq <= upto` of a session in order, inherited ones included
    /// (`visit(event, inherited)`). The visit runs inside one read snapshot.
    pub fn for_each_event(
        &self,
        id: SessionId,
        after: Seq,
        upto: Seq,
        visit: impl FnMut(Event, bool) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.read(|reader| reader.for_each_event(id, after, upto, visit))
    }

    /// All events of a session (inherited ones included), for tests and small sessions.
    pub fn events(&self, id: SessionId) -> Result<Vec<Event>, StoreError> {
        let last = self.meta(id)?.last_seq;
        let mut out = Vec::with_capacity(last.0 as usize);
        self.for_each_event(id, Seq::ZERO, last, |event, _| {
            out.push(event);
            Ok(())
        })?;
        Ok(out)
    }

    /// Seqs at which a session has checkpoints of its own.
    pub fn checkpoints(&self, id: SessionId) -> Result<Vec<Seq>, StoreError> {
        self.read(|reader| reader.checkpoint_seqs(id))
    }
}
