//! The reader, writer-lane and exit-waiter threads of a slot.

use std::io::{Read, Write};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;
use nix::unistd::Pid;

use crate::event::SlotExited;
use crate::pty::lock;
use crate::pty::record::{CHECKPOINT_COST_RATIO, HISTORY_MARK_ROWS, Record, RecordQueue};
use crate::pty::snapshot::LiveView;

use super::inbox::{INBOX_BYTES, Inbox};
use super::{DRAIN_AFTER_EXIT, ProgramExit, Shared, SlotStatus, launch};

/// Largest read from the PTY. Linux hands out at most a few KiB per read anyway; the cap
/// bounds what one read holds in memory.
const READ_CHUNK_BYTES: usize = 64 * 1024;

/// Largest read the reader thread parses itself when the parser is idle: a key's echo, a
/// prompt, a screen of output (Linux hands out about 4 KiB per read). Handing those to the
/// parser thread costs a thread wake-up on the path from a key to the screen (on a busy
/// machine, a wait for a CPU). Larger reads go through the inbox, and once anything waits
/// there, everything does until the parser thread caught up. Measured: a 50 MB `cat` in a
/// focused pane took as long either way (docs/PTY.md).
const DIRECT_PARSE_BYTES: usize = 4 * 1024;

/// Most bytes parsed per hold of the screen lock: about half a millisecond of parsing, so a
/// frame that wants the screen waits at most that long (the lock is handed over fairly between
/// slices), while a flood still parses in slices large enough to cost nothing in locking.
const PARSE_SLICE_BYTES: usize = 16 * 1024;

pub(super) struct Threads {
    pub shared: Arc<Shared>,
    pub record: Option<Arc<RecordQueue>>,
    pub command: Option<String>,
    /// Output bytes between two screen checkpoints.
    pub checkpoint_every: usize,
}

fn spawn_named(name: &str, body: impl FnOnce() + Send + 'static) {
    if let Err(e) = std::thread::Builder::new().name(name.into()).spawn(body) {
        tracing::error!("cannot start the {name} thread: {e}");
    }
}

impl Threads {
    /// Writes queued input and replies in order; ends when every sender is gone or the
    /// terminal is closed.
    pub fn spawn_writer(&self, mut writer: Box<dyn Write + Send>, lane: flume::Receiver<Vec<u8>>) {
        spawn_named("pty-writer", move || {
            for bytes in lane.iter() {
                if writer
                    .write_all(&bytes)
                    .and_then(|()| writer.flush())
                    .is_err()
                {
                    break;
                }
            }
        });
    }

    /// Reads output until end of file into the inbox (the reader), and parses it from there
    /// (the parser). Replies go into the writer lane without waiting: if the lane is full the
    /// program is not reading its input, and a reply it would not read anyway is dropped
    /// rather than stalling output (which could deadlock a program blocked on writing).
    pub fn spawn_reader(
        &self,
        mut reader: Box<dyn Read + Send>,
        lane: flume::Sender<Vec<u8>>,
        done: flume::Sender<()>,
    ) {
        let inbox = Arc::new(Inbox::default());
        let parser_inbox = Arc::clone(&inbox);
        let parser = Arc::new(parking_lot::Mutex::new(Parser {
            shared: Arc::clone(&self.shared),
            record: self.record.clone(),
            checkpoint_every: self.checkpoint_every,
            since_checkpoint: 0,
            scrolled_at_checkpoint: 0,
            checkpoint_len: 0,
            replies: Vec::new(),
        }));
        let reader_parser = Arc::clone(&parser);
        let reader_lane = lane.clone();
        let shared = Arc::clone(&self.shared);
        spawn_named("pty-reader", move || {
            let mut buf = vec![0u8; READ_CHUNK_BYTES];
            loop {
                let n = match reader.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(_) => break,
                };
                let chunk = &buf[..n];
                if n <= DIRECT_PARSE_BYTES
                    && parse_here(&shared, &reader_parser, &inbox, chunk, &reader_lane)
                {
                    continue;
                }
                if !inbox.push(chunk) {
                    break;
                }
            }
            inbox.close();
        });
        spawn_named("pty-parser", move || {
            Parser::run(&parser, &parser_inbox, &lane);
            // Unblocks the reader if the parser stopped early.
            parser_inbox.close();
            drop(done);
        });
    }

    /// Waits for the program, then for the reader to drain (bounded), then settles the final
    /// status, records it and closes the recording.
    pub fn spawn_exit_waiter(
        &self,
        child: Box<dyn portable_pty::Child + Send + Sync>,
        reader_done: flume::Receiver<()>,
        finished: flume::Sender<()>,
    ) {
        let shared = Arc::clone(&self.shared);
        let record = self.record.clone();
        let command = self.command.clone();
        spawn_named("pty-exit", move || {
            let exit = wait(child);
            let _ = reader_done.recv_timeout(DRAIN_AFTER_EXIT);
            let text = shared.screen.lock().text();
            let status = launch::classify(command.as_deref(), exit, &text);
            if let Some(queue) = &record {
                queue.push(Record::Exited(exited_payload(&status)));
                queue.close();
            }
            *lock(&shared.status) = status;
            shared.mark_changed();
            drop(finished);
        });
    }
}

/// A paced pane takes its rate in this many slices a second, one a frame: parsing a whole
/// inbox (256 KiB, ~9 ms of CPU) every quarter second in one go took a core from the
/// focused pane's echo at once, three flooding panes three times over.
const PACED_SLICES_PER_SECOND: u64 = 60;

/// Smallest slice a paced pane takes (a very low rate still moves in useful steps).
const MIN_PACED_SLICE: usize = 4 * 1024;

/// Keeps a capped pane's intake at its rate. The window restarts after a pause, so a quiet
/// pane is never penalised.
#[derive(Debug, Default)]
struct Pace {
    since: Option<Instant>,
    bytes: u64,
}

impl Pace {
    /// Before taking `bytes` at `now`: how long to wait until the output taken so far in this
    /// window is due at `rate` bytes a second (0 = no limit). The first batch of a window is
    /// free; a flood is held to the rate from the second on.
    fn delay(&mut self, now: Instant, bytes: usize, rate: u64) -> Option<Duration> {
        if rate == 0 {
            self.since = None;
            return None;
        }
        let since = *self.since.get_or_insert(now);
        let due = Duration::from_secs_f64(self.bytes as f64 / rate as f64);
        let elapsed = now.duration_since(since);
        if elapsed > due + Duration::from_secs(1) {
            // Below the rate for a while: this batch opens a new window.
            self.since = Some(now);
            self.bytes = bytes as u64;
            return None;
        }
        self.bytes += bytes as u64;
        due.checked_sub(elapsed).filter(|wait| !wait.is_zero())
    }
}

/// The parser thread's state: feeds the screen, queues recording, signals the UI.
struct Parser {
    shared: Arc<Shared>,
    record: Option<Arc<RecordQueue>>,
    checkpoint_every: usize,
    since_checkpoint: usize,
    /// `PaneScreen::scrolled` and the checkpoint's size at the last checkpoint.
    scrolled_at_checkpoint: u64,
    checkpoint_len: usize,
    replies: Vec<u8>,
}

/// The reader parses `chunk` itself when that keeps the output's order and costs no wait: the
/// pane parses at full speed, the parser thread is idle (its lock is free) with nothing in the
/// inbox, and the recording has room. `false`: the chunk goes to the inbox instead.
fn parse_here(
    shared: &Shared,
    parser: &parking_lot::Mutex<Parser>,
    inbox: &Inbox,
    chunk: &[u8],
    lane: &flume::Sender<Vec<u8>>,
) -> bool {
    if shared.parse_rate.load(Ordering::Acquire) != 0 {
        return false;
    }
    let Some(mut parser) = parser.try_lock() else {
        return false;
    };
    // Only a holder of the parser's lock takes from the inbox and only this thread fills it,
    // so an empty inbox stays empty while this chunk is parsed: nothing read earlier is left
    // behind it.
    if !inbox.is_empty() || parser.record.as_ref().is_some_and(|q| !q.has_room()) {
        return false;
    }
    parser.ingest(chunk, lane);
    true
}

impl Parser {
    /// The parser thread: takes what the reader queued and parses it, a paced pane a frame's
    /// share at a time. It holds the parser's lock from taking a batch to parsing its end, so
    /// the reader never parses a later read before it.
    fn run(parser: &parking_lot::Mutex<Self>, inbox: &Inbox, lane: &flume::Sender<Vec<u8>>) {
        let mut batch = Vec::with_capacity(INBOX_BYTES);
        let mut pace = Pace::default();
        while inbox.wait_for_bytes() {
            let mut this = parser.lock();
            if let Some(queue) = &this.record {
                queue.wait_for_room();
            }
            let rate = this.shared.parse_rate.load(Ordering::Acquire);
            let most = if rate == 0 {
                usize::MAX
            } else {
                usize::try_from(rate / PACED_SLICES_PER_SECOND)
                    .unwrap_or(usize::MAX)
                    .max(MIN_PACED_SLICE)
            };
            if !inbox.take_up_to(&mut batch, most) {
                break;
            }
            if let Some(wait) = pace.delay(Instant::now(), batch.len(), rate) {
                std::thread::sleep(wait);
            }
            this.ingest(&batch, lane);
        }
    }

    /// Parses output in slices, then answers its queries and signals the change.
    fn ingest(&mut self, bytes: &[u8], lane: &flume::Sender<Vec<u8>>) {
        for piece in bytes.chunks(PARSE_SLICE_BYTES) {
            self.parse(piece);
        }
        let elapsed = Instant::now().duration_since(self.shared.started);
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX - 1);
        self.shared.last_output.store(nanos + 1, Ordering::Release);
        if !self.replies.is_empty() && lane.try_send(std::mem::take(&mut self.replies)).is_err() {
            tracing::debug!("dropped a terminal reply: the program is not reading");
        }
        self.shared.mark_changed();
    }

    /// Parses one slice under the screen lock, queueing it (and maybe a checkpoint) for the
    /// recorder in the same critical section so the log keeps the screen's order.
    fn parse(&mut self, piece: &[u8]) {
        let mut screen = self.shared.screen.lock();
        screen.feed_into(piece, &mut self.replies);
        if let Some(queue) = &self.record {
            queue.push(Record::Output(piece.to_vec()));
            self.since_checkpoint += piece.len();
            let history_due = screen
                .scrolled()
                .saturating_sub(self.scrolled_at_checkpoint)
                >= HISTORY_MARK_ROWS
                && self.since_checkpoint >= CHECKPOINT_COST_RATIO * self.checkpoint_len.max(1024);
            if (self.since_checkpoint >= self.checkpoint_every || history_due)
                && let Some(checkpoint) = screen.checkpoint()
            {
                self.scrolled_at_checkpoint = checkpoint.scrolled;
                self.checkpoint_len = checkpoint.state.len();
                queue.push(Record::Screen(checkpoint));
                self.since_checkpoint = 0;
            }
        }
        self.shared
            .generation
            .store(screen.generation().0, Ordering::Release);
        // A frame found the screen locked: build its view here, between slices.
        let published = self.shared.view_wanted.swap(false, Ordering::AcqRel);
        if published {
            *self.shared.published.lock() = Some(LiveView::of(&mut screen));
        }
        // Straight to a waiting frame, if any: an ordinary unlock lets this thread take the
        // lock back for the next slice before the woken frame runs, starving the UI.
        parking_lot::MutexGuard::unlock_fair(screen);
        self.shared
            .output_bytes
            .fetch_add(piece.len() as u64, Ordering::AcqRel);
        if published {
            self.shared.mark_changed();
        }
    }
}

/// Waits for the child and reads its exit code or signal.
fn wait(child: Box<dyn portable_pty::Child + Send + Sync>) -> ProgramExit {
    let child: Box<dyn portable_pty::Child> = child;
    match child.downcast::<std::process::Child>() {
        Ok(mut child) => match child.wait() {
            Ok(status) => {
                use std::os::unix::process::ExitStatusExt as _;
                match (status.code(), status.signal()) {
                    (Some(code), _) => ProgramExit::Code(code),
                    (None, Some(signal)) => ProgramExit::Signal(launch::signal_name(signal)),
                    (None, None) => ProgramExit::Code(-1),
                }
            }
            Err(e) => {
                tracing::warn!("cannot wait for a PTY program: {e}");
                ProgramExit::Code(-1)
            }
        },
        Err(mut child) => match child.wait() {
            Ok(status) => match status.signal() {
                Some(signal) => ProgramExit::Signal(signal.to_owned()),
                None => ProgramExit::Code(i32::try_from(status.exit_code()).unwrap_or(-1)),
            },
            Err(e) => {
                tracing::warn!("cannot wait for a PTY program: {e}");
                ProgramExit::Code(-1)
            }
        },
    }
}

fn exited_payload(status: &SlotStatus) -> SlotExited {
    match status {
        SlotStatus::Exited(ProgramExit::Code(code)) => SlotExited {
            code: Some(*code),
            ..SlotExited::default()
        },
        SlotStatus::Exited(ProgramExit::Signal(signal)) => SlotExited {
            signal: Some(signal.clone()),
            ..SlotExited::default()
        },
        SlotStatus::FailedToStart { reason } => SlotExited {
            error: Some(reason.clone()),
            ..SlotExited::default()
        },
        SlotStatus::Running => SlotExited::default(),
    }
}

/// Sends `signal` to the program's process group (it leads one: portable-pty starts it in a
/// new session), falling back to the process alone.
pub(super) fn signal_group(pid: u32, signal: Signal) {
    let Ok(raw) = i32::try_from(pid) else { return };
    let pid = Pid::from_raw(raw);
    if nix::sys::signal::killpg(pid, signal).is_err() {
        let _ = nix::sys::signal::kill(pid, signal);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pty::{PaneScreen, PaneSize};

    const MIB: u64 = 1024 * 1024;

    /// A pane's parser with nothing around it: no program, no recording.
    fn idle_parser() -> (Arc<Shared>, parking_lot::Mutex<Parser>) {
        let screen = PaneScreen::new(PaneSize::new(4, 20), 100);
        let shared = Arc::new(Shared::new(screen, None));
        let parser = parking_lot::Mutex::new(Parser {
            shared: Arc::clone(&shared),
            record: None,
            checkpoint_every: usize::MAX,
            since_checkpoint: 0,
            scrolled_at_checkpoint: 0,
            checkpoint_len: 0,
            replies: Vec::new(),
        });
        (shared, parser)
    }

    #[test]
    fn the_reader_parses_a_small_read_itself_only_when_that_keeps_the_order() {
        let (lane, _replies) = flume::bounded(8);
        let inbox = Inbox::default();
        let (shared, parser) = idle_parser();
        // Idle parser, empty inbox, full speed: parsed here.
        assert!(parse_here(&shared, &parser, &inbox, b"typed", &lane));
        assert!(shared.screen.lock().text().starts_with("typed"));
        // Bytes read earlier still wait in the inbox: this one goes behind them.
        assert!(inbox.push(b" earlier"));
        assert!(!parse_here(&shared, &parser, &inbox, b" later", &lane));
        assert!(!shared.screen.lock().text().contains("later"));
        let mut batch = Vec::new();
        assert!(inbox.take_up_to(&mut batch, usize::MAX));
        // The parser thread is busy (holds its lock): queued too.
        let held = parser.lock();
        assert!(!parse_here(&shared, &parser, &inbox, b"x", &lane));
        drop(held);
        // A paced pane's output always goes through the parser thread and its pacing.
        shared.parse_rate.store(MIB, Ordering::Release);
        assert!(!parse_here(&shared, &parser, &inbox, b"y", &lane));
    }

    #[test]
    fn no_rate_never_waits() {
        let mut pace = Pace::default();
        let now = Instant::now();
        assert_eq!(pace.delay(now, 64 * 1024 * 1024, 0), None);
    }

    #[test]
    fn a_flood_is_held_to_the_rate() {
        let mut pace = Pace::default();
        let start = Instant::now();
        assert_eq!(pace.delay(start, MIB as usize, MIB), None);
        // Half a second later the next batch waits until the first MiB is due (1 s).
        let later = start + Duration::from_millis(500);
        assert_eq!(
            pace.delay(later, (MIB / 2) as usize, MIB),
            Some(Duration::from_millis(500))
        );
        // Right after that wait, the next one waits for the half MiB too.
        let after = start + Duration::from_secs(1);
        assert_eq!(
            pace.delay(after, 1024, MIB),
            Some(Duration::from_millis(500))
        );
    }

    #[test]
    fn a_quiet_pane_is_not_delayed_and_a_pause_opens_a_new_window() {
        let mut pace = Pace::default();
        let start = Instant::now();
        assert_eq!(pace.delay(start, 1024, MIB), None);
        // Long after: well below the rate, no wait, and the old bytes are forgotten.
        let later = start + Duration::from_secs(10);
        assert_eq!(pace.delay(later, MIB as usize, MIB), None);
        // The window restarted at `later` with that MiB: a batch right after waits ~1 s.
        let burst = later + Duration::from_millis(1);
        assert_eq!(
            pace.delay(burst, 1024, MIB),
            Some(Duration::from_millis(999))
        );
    }
}
