//! Recording a slot into the store: output coalesced into `pty.output` chunks, input, resizes,
//! start, exit, and periodic `pty.screen` checkpoints.
//!
//! The reader thread and the UI thread push records into a [`RecordQueue`] while they hold the
//! screen lock, so the log holds output and resizes in exactly the order the screen saw them,
//! and replay rebuilds the same screen. Pushing never blocks (it happens under the lock);
//! back-pressure comes from [`RecordQueue::wait_for_room`], which the reader calls before each
//! read, outside the lock: store writer ← recorder ← reader ← PTY ← program.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::event::{EventKind, PtyInput, PtyScreen, SlotExited, SlotResized, SlotSpawned};
use crate::ids::{Seq, SessionId, Timestamp};
use crate::store::{Pending, Prepared, Store};

use super::geometry::PaneSize;
use super::lock;
use super::screen::ScreenCheckpoint;

mod chunker;

use chunker::Chunker;
pub use chunker::{MAX_CHUNK_RAW, VALUE_BUDGET};

/// Longest time output waits in the recorder (after it arrived, or after the previous chunk
/// was cut) before it is appended anyway. A few milliseconds is invisible to a person and
/// bounds what a crash can lose, while a flood still fills whole chunks long before it
/// expires. Output is cut into chunks sized to redb's pages (see `chunker`).
pub const OUTPUT_LINGER: Duration = Duration::from_millis(5);

/// Output bytes that may wait in the queue before the reader stops reading (back-pressure):
/// about a second of a fast disk's appends, and bounded memory per slot.
const MAX_QUEUED_OUTPUT: usize = 1024 * 1024;

/// Appends in flight before the recorder waits for the oldest to be durable. Enough pipelining
/// for the store to group-commit them; few enough that a failing store is noticed within a
/// handful of chunks and memory stays bounded.
const MAX_IN_FLIGHT: usize = 16;

/// Output between two screen checkpoints. Replay from the latest checkpoint parses at most
/// this much (a few tens of milliseconds), and a checkpoint (a screenful of escape sequences,
/// typically under 20 KB) adds well under 1 % to the log.
pub const SCREEN_CHECKPOINT_BYTES: usize = 4 * 1024 * 1024;

/// Rows scrolled into history between two screen checkpoints when output is plentiful: a page
/// of history rebuilt from the store replays at most this many rows from the checkpoint before
/// it (vt100 resets a whole row per line scrolled, so rows, not bytes, set the replay's cost).
pub const HISTORY_MARK_ROWS: u64 = 2_048;

/// A checkpoint taken for history marks costs at most 1/this of the output between it and
/// the one before (a screenful of escape sequences against the lines that scrolled by).
pub const CHECKPOINT_COST_RATIO: usize = 16;

/// Where a slot records: the store and the session its events belong to (created by the
/// caller, usually with `SessionKind::Pty`).
#[derive(Debug, Clone)]
pub struct Recorder {
    pub store: Store,
    pub session: SessionId,
}

pub(crate) enum Record {
    Spawned(SlotSpawned),
    Output(Vec<u8>),
    Input(Vec<u8>),
    Resized(PaneSize),
    Screen(ScreenCheckpoint),
    Exited(SlotExited),
    /// Flush, wait until everything before is durable, then answer.
    Sync(flume::Sender<Result<(), String>>),
}

#[derive(Default)]
struct QueueState {
    items: VecDeque<Record>,
    output_bytes: usize,
    /// No more records but syncs; the recorder drains what is queued.
    closed: bool,
    /// The recorder thread has stopped; everything it took is durable.
    finished: bool,
    failed: Option<String>,
}

/// Where a replay of the recorded output can start numbering history rows: the slot's spawn
/// (row 0) or a screen checkpoint (the rows scrolled off before it), at its seq.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryMark {
    pub scrolled: u64,
    pub seq: Seq,
}

/// The queue between a slot's threads and its recorder thread.
#[derive(Default)]
pub(crate) struct RecordQueue {
    state: Mutex<QueueState>,
    changed: Condvar,
    /// Durable history marks, oldest first (one per checkpoint: about a hundred for 100 MB).
    marks: Mutex<Vec<HistoryMark>>,
}

enum Popped {
    Item(Record),
    TimedOut,
    Closed,
}

impl RecordQueue {
    fn add_mark(&self, mark: HistoryMark) {
        lock(&self.marks).push(mark);
    }

    /// The marks a replay of history rows can start from, oldest first.
    pub fn marks(&self) -> Vec<HistoryMark> {
        lock(&self.marks).clone()
    }

    /// Whether more output can be queued now without waiting (see [`Self::wait_for_room`]).
    pub fn has_room(&self) -> bool {
        let state = lock(&self.state);
        state.output_bytes < MAX_QUEUED_OUTPUT || state.failed.is_some() || state.closed
    }

    /// Blocks while too much output waits to be recorded (never while recording has failed or
    /// ended, so a broken store cannot stall a pane).
    pub fn wait_for_room(&self) {
        let mut state = lock(&self.state);
        while state.output_bytes >= MAX_QUEUED_OUTPUT && state.failed.is_none() && !state.closed {
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
    }

    /// Queues a record; never blocks. Dropped once recording failed or ended.
    pub fn push(&self, record: Record) {
        let mut state = lock(&self.state);
        if let Some(error) = &state.failed {
            if let Record::Sync(reply) = record {
                let _ = reply.send(Err(error.clone()));
            }
            return;
        }
        match record {
            Record::Sync(reply) if state.finished => {
                let _ = reply.send(Ok(()));
                return;
            }
            // A sync after close still waits for the records before it.
            Record::Sync(_) => {}
            _ if state.closed => return,
            _ => {}
        }
        if let Record::Output(bytes) = &record {
            state.output_bytes += bytes.len();
        }
        state.items.push_back(record);
        self.changed.notify_all();
    }

    /// Runs `deliver` (which must not block) and queues `record` only if it succeeded, both
    /// under the queue's lock: a close cannot slip in between, so input the program received
    /// just before exiting is still recorded before its exit.
    pub fn push_with<E>(
        &self,
        record: Record,
        deliver: impl FnOnce() -> Result<(), E>,
    ) -> Result<(), E> {
        let mut state = lock(&self.state);
        deliver()?;
        if state.failed.is_none() && !state.closed {
            if let Record::Output(bytes) = &record {
                state.output_bytes += bytes.len();
            }
            state.items.push_back(record);
            self.changed.notify_all();
        }
        Ok(())
    }

    /// No more records will come; the recorder finishes what is queued and stops.
    pub fn close(&self) {
        lock(&self.state).closed = true;
        self.changed.notify_all();
    }

    /// The recorder thread stopped with everything durable: answer syncs that raced in.
    fn finish(&self) {
        let mut state = lock(&self.state);
        state.finished = true;
        for record in state.items.drain(..) {
            if let Record::Sync(reply) = record {
                let _ = reply.send(Ok(()));
            }
        }
        self.changed.notify_all();
    }

    /// Why recording stopped, if it failed.
    pub fn failure(&self) -> Option<String> {
        lock(&self.state).failed.clone()
    }

    fn fail(&self, error: String) {
        let mut state = lock(&self.state);
        for record in state.items.drain(..) {
            if let Record::Sync(reply) = record {
                let _ = reply.send(Err(error.clone()));
            }
        }
        state.output_bytes = 0;
        state.failed = Some(error);
        self.changed.notify_all();
    }

    fn pop(&self, deadline: Option<Instant>) -> Popped {
        let mut state = lock(&self.state);
        loop {
            if let Some(record) = state.items.pop_front() {
                if let Record::Output(bytes) = &record {
                    state.output_bytes -= bytes.len();
                    self.changed.notify_all();
                }
                return Popped::Item(record);
            }
            if state.closed || state.failed.is_some() {
                return Popped::Closed;
            }
            state = match deadline {
                None => self
                    .changed
                    .wait(state)
                    .unwrap_or_else(std::sync::PoisonError::into_inner),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return Popped::TimedOut;
                    }
                    self.changed
                        .wait_timeout(state, deadline - now)
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .0
                }
            };
        }
    }
}

/// Starts the recorder thread; returns its queue.
pub(crate) fn start(recorder: Recorder) -> std::io::Result<Arc<RecordQueue>> {
    let queue = Arc::new(RecordQueue::default());
    let worker = Arc::clone(&queue);
    std::thread::Builder::new()
        .name("pty-recorder".into())
        .spawn(move || RecorderThread::new(recorder, worker).run())?;
    Ok(queue)
}

struct RecorderThread {
    recorder: Recorder,
    queue: Arc<RecordQueue>,
    output: Vec<u8>,
    chunker: Chunker,
    flush_at: Option<Instant>,
    in_flight: VecDeque<(Pending, Option<u64>)>,
}

impl RecorderThread {
    fn new(recorder: Recorder, queue: Arc<RecordQueue>) -> Self {
        Self {
            recorder,
            queue,
            output: Vec::new(),
            chunker: Chunker::default(),
            flush_at: None,
            in_flight: VecDeque::new(),
        }
    }

    fn run(mut self) {
        match self.drain() {
            Ok(()) => self.queue.finish(),
            Err(error) => {
                tracing::warn!(session = %self.recorder.session, %error, "PTY recording stopped");
                self.queue.fail(error);
            }
        }
    }

    fn drain(&mut self) -> Result<(), String> {
        loop {
            match self.queue.pop(self.flush_at) {
                Popped::Item(Record::Output(bytes)) => {
                    if self.output.is_empty() {
                        self.flush_at = Some(Instant::now() + OUTPUT_LINGER);
                    }
                    self.output.extend_from_slice(&bytes);
                    if self.output.len() >= self.chunker.goal() {
                        while self.output.len() >= self.chunker.goal() {
                            self.cut()?;
                        }
                        // What is left arrived after the chunks just cut: it gets its own wait,
                        // so a flood is recorded in full chunks rather than full chunks and a
                        // fragment every few milliseconds.
                        self.flush_at =
                            (!self.output.is_empty()).then(|| Instant::now() + OUTPUT_LINGER);
                    }
                }
                Popped::Item(Record::Sync(reply)) => {
                    let result = self.flush().and_then(|()| self.settle(0));
                    let _ = reply.send(result.clone());
                    result?;
                }
                Popped::Item(other) => {
                    // Keep the log in the order the screen saw things.
                    self.flush()?;
                    let mut mark = None;
                    let kind = match other {
                        Record::Spawned(spawned) => {
                            mark = Some(0);
                            EventKind::SlotSpawned(spawned)
                        }
                        Record::Input(bytes) => EventKind::PtyInput(PtyInput {
                            bytes: bytes.into(),
                        }),
                        Record::Resized(size) => EventKind::SlotResized(SlotResized {
                            cols: size.cols,
                            rows: size.rows,
                        }),
                        Record::Screen(checkpoint) => {
                            mark = Some(checkpoint.scrolled);
                            EventKind::PtyScreen(PtyScreen {
                                rows: checkpoint.size.rows,
                                cols: checkpoint.size.cols,
                                screen: checkpoint.state.into(),
                                title: Some(checkpoint.title).filter(|t| !t.is_empty()),
                                scrolled: Some(checkpoint.scrolled),
                            })
                        }
                        Record::Exited(exited) => EventKind::SlotExited(exited),
                        Record::Output(_) | Record::Sync(_) => continue,
                    };
                    self.append(kind, mark)?;
                }
                Popped::TimedOut => self.flush()?,
                Popped::Closed => {
                    self.flush()?;
                    return self.settle(0);
                }
            }
        }
    }

    fn flush(&mut self) -> Result<(), String> {
        self.flush_at = None;
        while !self.output.is_empty() {
            self.cut()?;
        }
        Ok(())
    }

    /// Appends one chunk from the front of the pending output.
    fn cut(&mut self) -> Result<(), String> {
        let (chunk, took) = self
            .chunker
            .cut(Timestamp::now(), &self.output)
            .map_err(|e| e.to_string())?;
        self.output.drain(..took);
        self.append_prepared(chunk)
    }

    /// Appends an event; `mark` is the history row number a replay from it starts at (a
    /// spawn or a screen checkpoint), noted once the event has its seq.
    fn append(&mut self, kind: EventKind, mark: Option<u64>) -> Result<(), String> {
        let prepared = Prepared::new(Timestamp::now(), kind).map_err(|e| e.to_string())?;
        self.push_prepared(prepared, mark)
    }

    fn append_prepared(&mut self, event: Prepared) -> Result<(), String> {
        self.push_prepared(event, None)
    }

    fn push_prepared(&mut self, event: Prepared, mark: Option<u64>) -> Result<(), String> {
        let pending = self
            .recorder
            .store
            .append_prepared(self.recorder.session, vec![event])
            .map_err(|e| e.to_string())?;
        self.in_flight.push_back((pending, mark));
        self.settle(MAX_IN_FLIGHT)
    }

    /// Waits until at most `keep` appends are still in flight.
    fn settle(&mut self, keep: usize) -> Result<(), String> {
        while self.in_flight.len() > keep {
            if let Some((pending, mark)) = self.in_flight.pop_front() {
                let committed = pending.wait().map_err(|e| e.to_string())?;
                if let Some(scrolled) = mark {
                    self.queue.add_mark(HistoryMark {
                        scrolled,
                        seq: committed.first,
                    });
                }
            }
        }
        Ok(())
    }
}
