//! [`PtySlot`]: one program in a pseudo-terminal, with its screen parsed off the UI thread.
//!
//! Threads per slot (see `docs/PTY.md`):
//! - **reader**: blocking reads of up to 64 KiB from the PTY into a bounded inbox (a small
//!   read of a full-speed pane is parsed right there when the parser is idle);
//! - **parser**: takes the inbox's bytes and feeds the shared [`PaneScreen`] (the mutex is
//!   held per slice of at most 64 KiB), sends replies to the writer lane, signals the change
//!   through the coalescing [`PaneWaker`], and queues output for the recorder;
//! - **writer lane**: owns the PTY writer and writes what a bounded channel brings (the UI's
//!   input and the reader's replies), so a program that stops reading input never blocks the
//!   UI or the reader;
//! - **exit waiter**: waits for the program, lets the reader drain its last output, and sets
//!   the final status;
//! - **recorder** (when recording): see `pty::record`.

mod inbox;
mod launch;
mod search;
mod threads;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{MasterPty, PtySize, native_pty_system};

use crate::event::{SlotExited, SlotSpawned};

use super::activity::{self, Activity, ActivityPolicy};
use super::geometry::{Generation, PaneSize};
use super::lock;
use super::notify::PaneWaker;
use super::record::{self, Record, RecordQueue, Recorder, SCREEN_CHECKPOINT_BYTES};
use super::replay::history_page;
use super::replies::ReplyColors;
use super::screen::{DEFAULT_SCROLLBACK_LINES, PaneScreen};
use super::snapshot::LiveView;

pub use launch::FALLBACK_SHELL;

/// Writes (keystrokes, pastes, replies) that may wait for the program before further input
/// is refused. Far more than a person types or pastes between two reads of a live program;
/// a program that stops reading fills it, and then [`PtySlot::write`] says so instead of
/// blocking the UI or growing memory.
const INPUT_QUEUE_WRITES: usize = 1024;

/// After the program exits, how long reader and parser may take to drain what it wrote
/// before the final status is set. The drain normally ends within microseconds (end of
/// file); a process the program left running in the background can hold the terminal open
/// forever, so the wait is bounded.
const DRAIN_AFTER_EXIT: Duration = Duration::from_secs(2);

/// How long [`PtySlot::kill`] lets a program handle SIGHUP before sending SIGKILL: enough to
/// save state and exit cleanly, short enough that closing a pane feels immediate.
const KILL_GRACE: Duration = Duration::from_secs(3);

/// What to run in a slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpawnSpec {
    /// `None`: the user's shell (`$SHELL`, else `/bin/sh`). `Some(cmd)`: `$SHELL -c cmd`, so
    /// quoting, pipes and aliases work as typed.
    pub command: Option<String>,
    /// Working directory; a missing one is a failure to start, not a silent fallback.
    pub cwd: PathBuf,
    /// Initial terminal size (clamped like every pane size).
    pub size: PaneSize,
    /// Extra environment, applied after `TERM=xterm-256color` and `COLORTERM=truecolor`.
    pub env: Vec<(String, String)>,
    pub scrollback_lines: usize,
    /// Bytes fed to the screen before the program's first output, never recorded: a restarted
    /// slot shows its recorded history above the new run.
    pub preamble: Vec<u8>,
}

impl SpawnSpec {
    /// The user's shell in `cwd`, 24×80, default scrollback.
    pub fn shell(cwd: impl Into<PathBuf>) -> Self {
        Self {
            command: None,
            cwd: cwd.into(),
            size: PaneSize::default(),
            env: Vec::new(),
            scrollback_lines: DEFAULT_SCROLLBACK_LINES,
            preamble: Vec::new(),
        }
    }

    /// `command` through the user's shell in `cwd`.
    pub fn command(command: impl Into<String>, cwd: impl Into<PathBuf>) -> Self {
        Self {
            command: Some(command.into()),
            ..Self::shell(cwd)
        }
    }
}

/// Optional wiring for a slot.
#[derive(Debug, Clone, Default)]
pub struct SlotOptions {
    /// Woken (coalesced) whenever the pane's screen or status changes.
    pub waker: Option<PaneWaker>,
    /// Record the slot into the store.
    pub recorder: Option<Recorder>,
    /// Colours reported to OSC 10/11 queries.
    pub reply_colors: ReplyColors,
    /// Output between two `pty.screen` checkpoints when recording; `None` for
    /// [`SCREEN_CHECKPOINT_BYTES`]. Tests lower it to exercise checkpoints cheaply.
    pub screen_checkpoint_bytes: Option<usize>,
}

/// How a program ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProgramExit {
    Code(i32),
    /// Killed by a signal, named like `SIGHUP`.
    Signal(String),
}

/// Where a slot's program is in its life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotStatus {
    Running,
    Exited(ProgramExit),
    /// The program never ran: a missing command, working directory or shell. `reason` is one
    /// line for the user (e.g. `command not found: foo`).
    FailedToStart {
        reason: String,
    },
}

impl SlotStatus {
    pub fn is_running(&self) -> bool {
        matches!(self, Self::Running)
    }
}

/// Why a slot refused a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlotError {
    #[error("the program is not running")]
    NotRunning,
    #[error("the program is not reading its input")]
    InputBacklog,
    #[error("cannot resize the terminal: {0}")]
    Resize(String),
    #[error("recording failed: {0}")]
    Recording(String),
    #[error("timed out")]
    TimedOut,
}

/// State shared by a slot's handle and its threads.
struct Shared {
    /// A fair-unlocking mutex: the parser hands it over between slices, so a frame waiting
    /// to draw gets it next instead of the parser taking it straight back.
    screen: parking_lot::Mutex<PaneScreen>,
    status: Mutex<SlotStatus>,
    changed: AtomicBool,
    generation: AtomicU64,
    started: Instant,
    /// Nanoseconds after `started` of the last output, plus one; 0 = none yet.
    last_output: AtomicU64,
    output_bytes: AtomicU64,
    /// Most bytes per second the parser takes in; 0 = no limit (see `set_parse_rate`).
    parse_rate: AtomicU64,
    /// A history page is being read from the store.
    paging: AtomicBool,
    /// A reader of the live view found the screen locked: the parser builds the view after
    /// its current slice (see [`PtySlot::live_view`]).
    view_wanted: AtomicBool,
    /// The live view the parser built on request, until it is taken.
    published: parking_lot::Mutex<Option<LiveView>>,
    waker: Option<PaneWaker>,
}

impl Shared {
    fn new(screen: PaneScreen, waker: Option<PaneWaker>) -> Self {
        Self {
            generation: AtomicU64::new(screen.generation().0),
            screen: parking_lot::Mutex::new(screen),
            status: Mutex::new(SlotStatus::Running),
            // Clear until the first change: a flag that starts set would never wake the UI
            // (wakes go out only when the flag goes from clear to set).
            changed: AtomicBool::new(false),
            started: Instant::now(),
            last_output: AtomicU64::new(0),
            output_bytes: AtomicU64::new(0),
            parse_rate: AtomicU64::new(0),
            paging: AtomicBool::new(false),
            view_wanted: AtomicBool::new(false),
            published: parking_lot::Mutex::new(None),
            waker,
        }
    }

    /// Marks the pane changed and wakes the UI if this is the first change it has not seen.
    fn mark_changed(&self) {
        if !self.changed.swap(true, Ordering::AcqRel)
            && let Some(waker) = &self.waker
        {
            waker.wake();
        }
    }
}

/// One program in a pseudo-terminal. Cheap to query from the UI thread; never blocks it
/// except for the brief screen lock in [`Self::with_screen`] and [`Self::resize`].
pub struct PtySlot {
    shared: Arc<Shared>,
    input: Option<flume::Sender<Vec<u8>>>,
    master: Option<Mutex<Box<dyn MasterPty + Send>>>,
    pid: Option<u32>,
    record: Option<Arc<RecordQueue>>,
    /// Where history older than the memory holds is paged in from (a recording slot).
    source: Option<Recorder>,
    /// Disconnects when the exit waiter has set the final status.
    finished: flume::Receiver<()>,
    kill_sent: AtomicBool,
}

impl std::fmt::Debug for PtySlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PtySlot")
            .field("pid", &self.pid)
            .field("status", &self.status())
            .finish_non_exhaustive()
    }
}

impl PtySlot {
    /// Starts `spec` in a new pseudo-terminal. Never fails: a program that cannot start gives
    /// a slot whose status is [`SlotStatus::FailedToStart`] (recorded as `slot.exited` with
    /// an `error`), so the UI shows every pane the same way.
    pub fn spawn(spec: SpawnSpec, options: SlotOptions) -> PtySlot {
        let size = if spec.size.is_empty() {
            PaneSize::default()
        } else {
            spec.size.clamped()
        };
        let mut screen = PaneScreen::new(size, spec.scrollback_lines);
        screen.set_reply_colors(options.reply_colors);
        // Replies to queries in old output must not reach the new program.
        let _ = screen.feed(&spec.preamble);
        let shared = Arc::new(Shared::new(screen, options.waker));
        let source = options.recorder.clone();
        let record = options.recorder.and_then(|recorder| {
            let session = recorder.session;
            record::start(recorder)
                .inspect_err(|e| tracing::warn!(%session, "cannot start the PTY recorder: {e}"))
                .ok()
        });
        let source = source.filter(|_| record.is_some());
        // Older history than the memory holds can be read back from the recording.
        shared.screen.lock().set_deep_history(source.is_some());
        let (finished_tx, finished) = flume::bounded(1);
        let mut slot = PtySlot {
            shared,
            input: None,
            master: None,
            pid: None,
            record,
            source,
            finished,
            kill_sent: AtomicBool::new(false),
        };
        let checkpoint_every = options
            .screen_checkpoint_bytes
            .unwrap_or(SCREEN_CHECKPOINT_BYTES)
            .max(1);
        if let Err(reason) = slot.start(&spec, size, checkpoint_every, finished_tx) {
            slot.fail_to_start(reason);
        }
        slot
    }

    fn start(
        &mut self,
        spec: &SpawnSpec,
        size: PaneSize,
        checkpoint_every: usize,
        finished: flume::Sender<()>,
    ) -> Result<(), String> {
        let builder = launch::command(spec)?;
        let label = launch::label_of(spec);
        let pair = native_pty_system()
            .openpty(pty_size(size))
            .map_err(|e| format!("cannot open a pseudo-terminal: {e:#}"))?;
        let child = pair
            .slave
            .spawn_command(builder)
            .map_err(|e| format!("cannot start {label}: {e:#}"))?;
        // The child has its own copy; ours would keep the terminal open after it exits and
        // the reader would never see end of file.
        drop(pair.slave);
        let pid = child.process_id();
        let reader = pair.master.try_clone_reader();
        let writer = pair.master.take_writer();
        let (reader, writer) = match (reader, writer) {
            (Ok(reader), Ok(writer)) => (reader, writer),
            (Err(e), _) | (_, Err(e)) => {
                let mut child = child;
                let _ = child.kill();
                return Err(format!("cannot attach to the pseudo-terminal: {e:#}"));
            }
        };
        self.pid = pid;
        if let Some(queue) = &self.record {
            queue.push(Record::Spawned(SlotSpawned {
                command: label,
                cwd: spec.cwd.display().to_string(),
                cols: size.cols,
                rows: size.rows,
                pid,
            }));
        }
        let (input, lane) = flume::bounded(INPUT_QUEUE_WRITES);
        let (reader_done_tx, reader_done) = flume::bounded::<()>(1);
        let threads = threads::Threads {
            shared: Arc::clone(&self.shared),
            record: self.record.clone(),
            command: spec.command.clone(),
            checkpoint_every,
        };
        threads.spawn_writer(writer, lane);
        threads.spawn_reader(reader, input.clone(), reader_done_tx);
        threads.spawn_exit_waiter(child, reader_done, finished);
        self.input = Some(input);
        self.master = Some(Mutex::new(pair.master));
        Ok(())
    }

    fn fail_to_start(&mut self, reason: String) {
        tracing::info!(%reason, "PTY slot failed to start");
        if let Some(queue) = &self.record {
            queue.push(Record::Exited(SlotExited {
                code: None,
                signal: None,
                error: Some(reason.clone()),
            }));
            queue.close();
        }
        *lock(&self.shared.status) = SlotStatus::FailedToStart { reason };
        self.shared.mark_changed();
    }

    /// The program's process id while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    pub fn status(&self) -> SlotStatus {
        lock(&self.shared.status).clone()
    }

    pub fn is_running(&self) -> bool {
        self.status().is_running()
    }

    /// Queues bytes for the program (keys, pastes: see `pty::input`). Never blocks: when the
    /// program has stopped reading and the queue is full, the bytes are refused with
    /// [`SlotError::InputBacklog`]. Accepted bytes are recorded as `pty.input`, except at a
    /// password prompt (see [`Self::at_password_prompt`]).
    pub fn write(&self, bytes: &[u8]) -> Result<(), SlotError> {
        if bytes.is_empty() {
            return Ok(());
        }
        let input = self.input.as_ref().ok_or(SlotError::NotRunning)?;
        if !self.is_running() {
            return Err(SlotError::NotRunning);
        }
        let deliver = || {
            input.try_send(bytes.to_vec()).map_err(|e| match e {
                flume::TrySendError::Full(_) => SlotError::InputBacklog,
                flume::TrySendError::Disconnected(_) => SlotError::NotRunning,
            })
        };
        match &self.record {
            Some(queue) if !self.at_password_prompt() => {
                queue.push_with(Record::Input(bytes.to_vec()), deliver)
            }
            _ => deliver(),
        }
    }

    /// Whether the terminal is in canonical mode with echo off: a password prompt (`sudo`,
    /// `ssh`, `read -s`). Input typed there is not recorded, so secrets stay out of the store
    /// (and the UI may show that typing is hidden). Full-screen programs turn echo off too,
    /// but also leave canonical mode, and their keys are recorded.
    pub fn at_password_prompt(&self) -> bool {
        use nix::sys::termios::LocalFlags;
        let Some(master) = &self.master else {
            return false;
        };
        lock(master).get_termios().is_some_and(|termios| {
            let flags = termios.local_flags;
            flags.contains(LocalFlags::ICANON) && !flags.contains(LocalFlags::ECHO)
        })
    }

    /// Resizes the pane and the program's terminal. Sizes are clamped; an empty size (a
    /// hidden pane) and the current size are ignored, so the program gets one SIGWINCH per
    /// real change. Returns whether the size changed.
    pub fn resize(&self, size: PaneSize) -> Result<bool, SlotError> {
        let mut screen = self.shared.screen.lock();
        if !screen.resize(size) {
            return Ok(false);
        }
        let size = screen.size();
        // Recorded under the screen lock, so the log orders it exactly against the output.
        if let Some(queue) = &self.record {
            queue.push(Record::Resized(size));
        }
        self.shared
            .generation
            .store(screen.generation().0, Ordering::Release);
        drop(screen);
        self.shared.mark_changed();
        match &self.master {
            Some(master) if self.is_running() => lock(master)
                .resize(pty_size(size))
                .map(|()| true)
                .map_err(|e| SlotError::Resize(format!("{e:#}"))),
            _ => Ok(true),
        }
    }

    /// Hangs up on the program (SIGHUP to its process group, as closing a terminal window
    /// does), then SIGKILL if it is still running after a grace period. Returns at once.
    pub fn kill(&self) {
        let Some(pid) = self.pid else { return };
        if !self.is_running() || self.kill_sent.swap(true, Ordering::AcqRel) {
            return;
        }
        threads::signal_group(pid, nix::sys::signal::Signal::SIGHUP);
        let finished = self.finished.clone();
        let escalate = move || {
            if let Err(flume::RecvTimeoutError::Timeout) = finished.recv_timeout(KILL_GRACE) {
                threads::signal_group(pid, nix::sys::signal::Signal::SIGKILL);
            }
        };
        if let Err(e) = std::thread::Builder::new()
            .name("pty-kill".into())
            .spawn(escalate)
        {
            tracing::warn!("cannot watch a killed PTY program: {e}");
        }
    }

    /// Waits up to `timeout` for the program to end and its final status to be set; the
    /// status if it did.
    pub fn wait_exit(&self, timeout: Duration) -> Option<SlotStatus> {
        match self.finished.recv_timeout(timeout) {
            Err(flume::RecvTimeoutError::Timeout) => None,
            _ => Some(self.status()),
        }
    }

    /// Reads the screen under its lock. Keep `f` short (a frame's render): the reader thread
    /// waits for the lock before parsing the next chunk.
    pub fn with_screen<R>(&self, f: impl FnOnce(&PaneScreen) -> R) -> R {
        f(&self.shared.screen.lock())
    }

    /// The live view without waiting for the parser. When the screen is free it is read now.
    /// While the parser holds it (the program is printing), the view the parser built on an
    /// earlier call is returned, or `None`: the parser builds one at the end of its current
    /// slice and marks the pane changed, so the next call has it. The server's one core
    /// thread sends every client's frames; waiting on a parser the scheduler preempted
    /// mid-slice held it (and every echo behind it) for tens of milliseconds on a loaded
    /// machine.
    pub fn live_view(&self) -> Option<LiveView> {
        if let Some(mut screen) = self.shared.screen.try_lock() {
            let view = LiveView::of(&mut screen);
            drop(screen);
            self.shared.published.lock().take();
            return Some(view);
        }
        let published = self.shared.published.lock().take();
        if published.is_none() {
            self.shared.view_wanted.store(true, Ordering::Release);
        }
        published
    }

    /// Changes the view (scroll offset, follow policy, reply colours) under the screen lock.
    /// Feeding output or resizing here bypasses the program and the recording: use
    /// [`Self::resize`] for sizes.
    pub fn with_screen_mut<R>(&self, f: impl FnOnce(&mut PaneScreen) -> R) -> R {
        let mut screen = self.shared.screen.lock();
        let before = screen.generation();
        let result = f(&mut screen);
        let after = screen.generation();
        if after != before {
            self.shared.generation.store(after.0, Ordering::Release);
            drop(screen);
            self.shared.mark_changed();
        }
        result
    }

    /// Pages in history row `index`, which a view of this pane wanted and the memory no longer
    /// holds ([`crate::pty::ViewRows::wanted_history`]), by replaying the recorded output on a
    /// thread of its own (one at a time); the pane changes when it arrives. Nothing to do for a
    /// slot that does not record.
    pub fn page_history(&self, index: u64) {
        let (Some(recorder), Some(queue)) = (&self.source, &self.record) else {
            return;
        };
        if self.shared.paging.swap(true, Ordering::AcqRel) {
            return;
        }
        let shared = Arc::clone(&self.shared);
        let recorder = recorder.clone();
        let marks = queue.marks();
        let job = move || {
            let page = history_page(&recorder.store, recorder.session, &marks, index);
            let mut screen = shared.screen.lock();
            match page {
                Ok(Some(page)) => screen.install_page(page),
                Ok(None) => screen.give_up_page(index),
                Err(error) => {
                    tracing::warn!(session = %recorder.session, %error, "cannot page in history");
                    screen.give_up_page(index);
                }
            }
            shared
                .generation
                .store(screen.generation().0, Ordering::Release);
            drop(screen);
            shared.paging.store(false, Ordering::Release);
            shared.mark_changed();
        };
        if let Err(error) = std::thread::Builder::new()
            .name("pty-history".into())
            .spawn(job)
        {
            tracing::warn!(%error, "cannot start a history reader");
            self.shared.paging.store(false, Ordering::Release);
        }
    }

    /// The screen's change counter, read without the lock.
    pub fn generation(&self) -> Generation {
        Generation(self.shared.generation.load(Ordering::Acquire))
    }

    /// Caps how fast the pane takes in output (`None`: as fast as it comes). A pane nobody
    /// types into can be slowed down: its program blocks on a full terminal (back-pressure)
    /// instead of taking the CPU from the pane that has the keys. Nothing is lost, only delayed.
    pub fn set_parse_rate(&self, bytes_per_second: Option<u64>) {
        self.shared
            .parse_rate
            .store(bytes_per_second.unwrap_or(0), Ordering::Release);
    }

    /// Whether the pane changed (screen or status) since the last call; clears the flag. Call
    /// it for every slot after [`super::PaneWakeups`] yields a token.
    pub fn take_changed(&self) -> bool {
        self.shared.changed.swap(false, Ordering::AcqRel)
    }

    /// When the program last wrote output.
    pub fn last_output(&self) -> Option<Instant> {
        match self.shared.last_output.load(Ordering::Acquire) {
            0 => None,
            nanos => Some(self.shared.started + Duration::from_nanos(nanos - 1)),
        }
    }

    /// Total bytes of output parsed so far.
    pub fn output_bytes(&self) -> u64 {
        self.shared.output_bytes.load(Ordering::Acquire)
    }

    /// Busy, waiting for input or idle as of `now` (see `pty::activity`).
    pub fn activity(&self, now: Instant, policy: &ActivityPolicy) -> Activity {
        let quiet_for = self
            .last_output()
            .map(|at| now.saturating_duration_since(at));
        // Output that has not settled is busy whatever the screen shows: no need to take the
        // lock from a parser that is likely holding it.
        if quiet_for.is_some_and(|quiet| quiet < policy.settle_after) {
            return Activity::Busy;
        }
        let at_prompt = {
            let mut screen = self.shared.screen.lock();
            let modes = screen.modes();
            activity::looks_like_prompt(&screen.cursor_line(), &modes)
        };
        activity::classify(quiet_for, at_prompt, policy)
    }

    /// Waits up to `timeout` until everything recorded so far is durable in the store.
    /// `Ok` at once when the slot does not record.
    pub fn sync_recording(&self, timeout: Duration) -> Result<(), SlotError> {
        let Some(queue) = &self.record else {
            return Ok(());
        };
        let (reply, answer) = flume::bounded(1);
        queue.push(Record::Sync(reply));
        match answer.recv_timeout(timeout) {
            Ok(result) => result.map_err(SlotError::Recording),
            Err(flume::RecvTimeoutError::Timeout) => Err(SlotError::TimedOut),
            Err(flume::RecvTimeoutError::Disconnected) => match queue.failure() {
                Some(error) => Err(SlotError::Recording(error)),
                None => Ok(()),
            },
        }
    }

    /// Why recording stopped, when the store refused an append.
    pub fn recording_error(&self) -> Option<String> {
        self.record.as_ref().and_then(|queue| queue.failure())
    }
}

impl Drop for PtySlot {
    /// A dropped slot hangs up on its program; the threads end on their own as the terminal
    /// closes (they are not joined, so dropping never blocks the UI).
    fn drop(&mut self) {
        self.kill();
    }
}

fn pty_size(size: PaneSize) -> PtySize {
    PtySize {
        rows: size.rows,
        cols: size.cols,
        pixel_width: 0,
        pixel_height: 0,
    }
}
