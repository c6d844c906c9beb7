//! The reader, writer-lane and exit-waiter threads of a slot.

use std::io::{Read, Write};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use nix::sys::signal::Signal;
use nix::unistd::Pid;

use crate::event::SlotExited;
use crate::pty::lock;
use crate::pty::record::{Record, RecordQueue};

use super::{DRAIN_AFTER_EXIT, ProgramExit, Shared, SlotStatus, launch};

/// Largest read from the PTY. Linux hands out at most a few KiB per read anyway; the cap
/// bounds how long one chunk holds the screen lock (64 KiB parse in well under a millisecond)
/// and how much one chunk holds in memory.
const READ_CHUNK_BYTES: usize = 64 * 1024;

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

    /// Reads and parses output until end of file. Replies go into the writer lane without
    /// waiting: if the lane is full the program is not reading its input, and a reply it
    /// would not read anyway is dropped rather than stalling output (which could deadlock a
    /// program blocked on writing).
    pub fn spawn_reader(
        &self,
        mut reader: Box<dyn Read + Send>,
        lane: flume::Sender<Vec<u8>>,
        done: flume::Sender<()>,
    ) {
        let shared = Arc::clone(&self.shared);
        let record = self.record.clone();
        let checkpoint_every = self.checkpoint_every;
        spawn_named("pty-reader", move || {
            let mut buf = vec![0u8; READ_CHUNK_BYTES];
            let mut replies = Vec::new();
            let mut since_checkpoint = 0usize;
            loop {
                if let Some(queue) = &record {
                    queue.wait_for_room();
                }
                let n = match reader.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(_) => break,
                };
                let chunk = &buf[..n];
                {
                    let mut screen = lock(&shared.screen);
                    screen.feed_into(chunk, &mut replies);
                    if let Some(queue) = &record {
                        queue.push(Record::Output(chunk.to_vec()));
                        since_checkpoint += n;
                        if since_checkpoint >= checkpoint_every
                            && let Some(checkpoint) = screen.checkpoint()
                        {
                            queue.push(Record::Screen(checkpoint));
                            since_checkpoint = 0;
                        }
                    }
                    shared
                        .generation
                        .store(screen.generation().0, Ordering::Release);
                }
                let elapsed = Instant::now().duration_since(shared.started);
                let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX - 1);
                shared.last_output.store(nanos + 1, Ordering::Release);
                shared.output_bytes.fetch_add(n as u64, Ordering::AcqRel);
                if !replies.is_empty() && lane.try_send(std::mem::take(&mut replies)).is_err() {
                    tracing::debug!("dropped a terminal reply: the program is not reading");
                }
                shared.mark_changed();
            }
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
            let text = lock(&shared.screen).text();
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
