//! One command for a task (a shell executor, a preset, a validation, the Codex CLI): in its
//! own process group, stdout and stderr into one pipe, no input, a deadline and a cancel
//! flag. On either, the whole group is killed. Output is handed to the caller as it comes and
//! kept bounded. Blocking: runs on a blocking task.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use super::evidence::BoundedLog;

/// How often a waiting command checks its cancel flag: well under what a person notices.
const CANCEL_POLL: Duration = Duration::from_millis(50);

/// How long output still in flight is read after the command ended (a child that escaped
/// the group could hold the pipe open forever).
const DRAIN_AFTER_EXIT: Duration = Duration::from_secs(2);

/// Set to stop a running command (its group is killed).
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Release);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// How a command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    Exited(i32),
    Signalled(i32),
    TimedOut,
    Cancelled,
    /// It could not start (the error).
    NotStarted(String),
}

impl Ended {
    pub fn code(&self) -> Option<i32> {
        match self {
            Self::Exited(code) => Some(*code),
            _ => None,
        }
    }

    pub fn success(&self) -> bool {
        matches!(self, Self::Exited(0))
    }

    pub fn describe(&self) -> String {
        match self {
            Self::Exited(code) => format!("exited with {code}"),
            Self::Signalled(signal) => format!("killed by signal {signal}"),
            Self::TimedOut => "timed out".into(),
            Self::Cancelled => "cancelled".into(),
            Self::NotStarted(why) => format!("could not start: {why}"),
        }
    }
}

/// What ran.
#[derive(Debug, Clone)]
pub struct Finished {
    pub ended: Ended,
    pub duration: Duration,
    /// The output, bounded (see `evidence::MAX_LOG`).
    pub log: Vec<u8>,
}

/// A command line run with `bash -c` (`-lc` when `login`), in `dir`.
pub fn shell(command_line: &str, dir: &Path, login: bool) -> Command {
    let mut command = Command::new("bash");
    command
        .arg(if login { "-lc" } else { "-c" })
        .arg(command_line)
        .current_dir(dir);
    command
}

/// Runs `command` to its end, the deadline or a cancel; `on_output` gets every chunk.
pub fn run(
    mut command: Command,
    deadline: Option<Duration>,
    cancel: &Cancel,
    mut on_output: impl FnMut(&[u8]),
) -> Finished {
    let started = Instant::now();
    let not_started = |why: String| Finished {
        ended: Ended::NotStarted(why),
        duration: started.elapsed(),
        log: Vec::new(),
    };
    let (mut reader, writer) = match std::io::pipe() {
        Ok(pair) => pair,
        Err(e) => return not_started(format!("no pipe: {e}")),
    };
    let writer2 = match writer.try_clone() {
        Ok(w) => w,
        Err(e) => return not_started(format!("no pipe: {e}")),
    };
    command
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(writer2)
        .env("PAGER", "cat")
        .env("GIT_PAGER", "cat")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env_remove("OPENAI_API_KEY")
        .process_group(0);
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => return not_started(e.to_string()),
    };
    // Our copies of the write end go with the command, so the pipe ends with the group.
    drop(command);
    let group = nix::unistd::Pid::from_raw(child.id() as i32);
    let (tx, rx) = channel::<Vec<u8>>();
    let reader_thread = std::thread::Builder::new()
        .name("task-output".into())
        .spawn(move || {
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => {
                        if tx.send(buf[..n].to_vec()).is_err() {
                            return;
                        }
                    }
                }
            }
        });
    let mut log = BoundedLog::default();
    let mut stopped: Option<Ended> = None;
    let mut status = None;
    loop {
        match rx.recv_timeout(CANCEL_POLL) {
            Ok(chunk) => {
                on_output(&chunk);
                log.push(&chunk);
            }
            // The pipe closed before the command ended: wait for its exit at the poll pace.
            Err(RecvTimeoutError::Disconnected) => std::thread::sleep(CANCEL_POLL),
            Err(RecvTimeoutError::Timeout) => {}
        }
        if status.is_none()
            && let Ok(Some(exit)) = child.try_wait()
        {
            status = Some(exit);
        }
        if stopped.is_none() {
            if cancel.is_cancelled() {
                stopped = Some(Ended::Cancelled);
            } else if deadline.is_some_and(|d| started.elapsed() >= d) {
                stopped = Some(Ended::TimedOut);
            }
            if stopped.is_some() {
                let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
            }
        }
        if status.is_some() {
            break;
        }
    }
    // Whatever the command left running in its group goes with it.
    let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
    let drain_until = Instant::now() + DRAIN_AFTER_EXIT;
    while let Some(left) = drain_until.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(chunk) => {
                on_output(&chunk);
                log.push(&chunk);
            }
            Err(_) => break,
        }
    }
    drop(rx);
    if let Ok(thread) = reader_thread {
        let _ = thread.join();
    }
    let ended = match (stopped, status) {
        (Some(stopped), _) => stopped,
        (None, Some(status)) => {
            use std::os::unix::process::ExitStatusExt;
            match (status.code(), status.signal()) {
                (Some(code), _) => Ended::Exited(code),
                (None, Some(signal)) => Ended::Signalled(signal),
                (None, None) => Ended::Exited(-1),
            }
        }
        (None, None) => Ended::Exited(-1),
    };
    Finished {
        ended,
        duration: started.elapsed(),
        log: log.finish(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_exit_codes_and_deadlines() {
        let dir = std::env::temp_dir();
        let cancel = Cancel::default();
        let mut seen = Vec::new();
        let done = run(
            shell("echo out; echo err >&2; exit 3", &dir, false),
            None,
            &cancel,
            |c| seen.extend_from_slice(c),
        );
        assert_eq!(done.ended, Ended::Exited(3));
        let text = String::from_utf8_lossy(&done.log).into_owned();
        assert!(text.contains("out") && text.contains("err"), "{text}");
        assert_eq!(seen, done.log);

        let slow = run(
            shell("sleep 30 & sleep 30", &dir, false),
            Some(Duration::from_millis(200)),
            &cancel,
            |_| {},
        );
        assert_eq!(slow.ended, Ended::TimedOut);

        let missing = run(
            shell("no-such-command-xyz", &dir, false),
            None,
            &cancel,
            |_| {},
        );
        assert_eq!(missing.ended, Ended::Exited(127));

        cancel.cancel();
        let cancelled = run(shell("sleep 30", &dir, false), None, &cancel, |_| {});
        assert_eq!(cancelled.ended, Ended::Cancelled);
    }
}
