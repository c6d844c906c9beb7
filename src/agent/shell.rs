//! The `shell` tool's process: `bash -lc COMMAND` (or `bash -c`) in a PTY of its own, in the session's
//! directory or a `workdir` inside it, its output streamed as it arrives, killable as a whole
//! process group (interrupt, timeout).
//!
//! One reader thread per call feeds a bounded channel (a command that prints faster than the
//! agent stores blocks on its PTY instead of growing memory); one waiter thread reaps the child.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::sys::wait::{Id, WaitPidFlag, waitid};
use nix::unistd::Pid;

use portable_pty::{CommandBuilder, MasterPty, PtySize, native_pty_system};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

/// Why this value: long enough for a test suite or a build step, short enough that a command
/// that hangs (waiting for input, a server that never exits) gives the turn back in two minutes.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);
/// Why this value: a clean build of a large project fits in half an hour; anything longer
/// belongs in a PTY pane the user watches, not in a tool call the model waits on.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// Why this value: after the command exits (and its process group is killed), output still in
/// the PTY is read for at most this long; only a process that escaped into its own session
/// can keep the PTY open longer.
const DRAIN_GRACE: Duration = Duration::from_secs(2);
/// Why this value: the width programs format for (`ls` columns, progress bars); wide enough
/// that little wraps, like a typical terminal window.
const PTY_COLS: u16 = 120;
const PTY_ROWS: u16 = 40;
/// Why this value: one read takes what a fast command produced since the last one; 16 KiB
/// keeps each chunk small next to the 64 KiB a stored event holds at most.
const READ_CHUNK: usize = 16 * 1024;
/// Why this value: chunks queued between the reader thread and the agent (1 MiB at most)
/// before the command blocks on its PTY.
const OUTPUT_QUEUE: usize = 64;

/// The effective timeout for a call: the requested one clamped to [`MAX_TIMEOUT`], or
/// [`DEFAULT_TIMEOUT`] when none (or zero) was asked for.
pub fn timeout_for(requested_ms: Option<u64>) -> Duration {
    match requested_ms {
        Some(ms) if ms > 0 => Duration::from_millis(ms).min(MAX_TIMEOUT),
        _ => DEFAULT_TIMEOUT,
    }
}

/// Where a call runs: the slot's directory, or `workdir` (relative to it, or absolute) when
/// that resolves inside it. The error text goes back to the model.
pub fn resolve_workdir(slot: &Path, workdir: Option<&str>) -> Result<PathBuf, String> {
    let root = slot.canonicalize().map_err(|e| {
        format!(
            "the session's directory {} is not usable: {e}",
            slot.display()
        )
    })?;
    let Some(workdir) = workdir.filter(|w| !w.trim().is_empty()) else {
        return Ok(root);
    };
    let wanted = root.join(workdir);
    let resolved = wanted
        .canonicalize()
        .map_err(|_| format!("workdir `{workdir}` does not exist"))?;
    if !resolved.starts_with(&root) {
        return Err(format!(
            "workdir `{workdir}` is outside the session's directory {}; use a path inside it",
            root.display()
        ));
    }
    if !resolved.is_dir() {
        return Err(format!("workdir `{workdir}` is not a directory"));
    }
    Ok(resolved)
}

/// How a command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellExit {
    /// The exit status when the process ended by itself with one.
    pub code: Option<i32>,
    /// The signal's name when a signal ended it.
    pub signal: Option<String>,
}

/// What a running command reports.
#[derive(Debug)]
pub enum ShellEvent {
    Output(Vec<u8>),
    /// The last event: the process ended and its output was read.
    Exited(ShellExit),
}

/// A command running in its own PTY.
pub struct RunningShell {
    output: mpsc::Receiver<Vec<u8>>,
    output_closed: bool,
    exit: oneshot::Receiver<ShellExit>,
    exited: Option<ShellExit>,
    drain_until: Option<Instant>,
    group: ProcessGroup,
    /// Held so the PTY stays open until the call is over.
    _master: Box<dyn MasterPty + Send>,
    _writer: Option<Box<dyn Write + Send>>,
    done: bool,
}

impl std::fmt::Debug for RunningShell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningShell")
            .field("group", &self.group.leader)
            .finish_non_exhaustive()
    }
}

impl RunningShell {
    /// Starts `bash -lc command` (`bash -c` when not `login`) in `cwd`. `hidden_env` names
    /// variables the command must not see (the API key's). The error text goes back to the
    /// model.
    pub fn spawn(
        command: &str,
        cwd: &Path,
        hidden_env: &[&str],
        login: bool,
    ) -> Result<Self, String> {
        let fail = |what: &str, e: &dyn std::fmt::Display| format!("cannot {what}: {e}");
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: PTY_ROWS,
                cols: PTY_COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .map_err(|e| fail("open a pseudo-terminal", &e))?;
        let mut builder = CommandBuilder::new("bash");
        builder.args([if login { "-lc" } else { "-c" }, command]);
        builder.cwd(cwd);
        // A PTY makes programs think a person is there: no pagers, no password prompts.
        builder.env("PAGER", "cat");
        builder.env("GIT_PAGER", "cat");
        builder.env("GIT_TERMINAL_PROMPT", "0");
        builder.env("TERM", "xterm-256color");
        for name in hidden_env {
            builder.env_remove(name);
        }
        let mut child = pair
            .slave
            .spawn_command(builder)
            .map_err(|e| fail("start bash", &e))?;
        // The reader only sees end-of-file once every slave handle is closed, ours included.
        drop(pair.slave);
        let group = child.process_id().and_then(|pid| i32::try_from(pid).ok());

        let mut reader = pair
            .master
            .try_clone_reader()
            .map_err(|e| fail("read the pseudo-terminal", &e))?;
        // Commands get no input: an end-of-file is waiting for anything that reads the
        // terminal, so `cat` or a password prompt ends at once instead of at the timeout. The
        // writer is kept until the call ends: dropping it would type a newline first.
        let writer = pair.master.take_writer().ok().map(|mut writer| {
            let _ = writer.write_all(b"\x04");
            writer
        });
        let (output_tx, output) = mpsc::channel(OUTPUT_QUEUE);
        std::thread::Builder::new()
            .name("shell-output".into())
            .spawn(move || {
                let mut buffer = vec![0u8; READ_CHUNK];
                loop {
                    match reader.read(&mut buffer) {
                        // EIO once the last process holding the PTY is gone: the end.
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            if output_tx.blocking_send(buffer[..n].to_vec()).is_err() {
                                break;
                            }
                        }
                    }
                }
            })
            .map_err(|e| fail("start the output reader", &e))?;
        let (exit_tx, exit) = oneshot::channel();
        let group_handle = ProcessGroup {
            leader: group,
            reaped: Arc::new(Mutex::new(false)),
        };
        let waiter_group = group_handle.clone();
        std::thread::Builder::new()
            .name("shell-wait".into())
            .spawn(move || {
                let exit = waiter_group.wait_and_reap(child.as_mut());
                let _ = exit_tx.send(exit);
            })
            .map_err(|e| fail("start the exit waiter", &e))?;
        Ok(Self {
            output,
            output_closed: false,
            exit,
            exited: None,
            drain_until: None,
            group: group_handle,
            _master: pair.master,
            _writer: writer,
            done: false,
        })
    }

    /// Kills the command's whole process group (bash, what it started, background jobs).
    pub fn kill(&self) {
        self.group.kill();
    }

    /// The next output chunk, then [`ShellEvent::Exited`] once the process has ended and its
    /// output is read, then `None`. Cancel-safe: dropping the future loses nothing.
    pub async fn next(&mut self) -> Option<ShellEvent> {
        loop {
            if self.done {
                return None;
            }
            if self.output_closed
                && let Some(exit) = &self.exited
            {
                self.done = true;
                return Some(ShellEvent::Exited(exit.clone()));
            }
            let drain_deadline = self.drain_until;
            tokio::select! {
                chunk = self.output.recv(), if !self.output_closed => match chunk {
                    Some(chunk) => return Some(ShellEvent::Output(chunk)),
                    None => self.output_closed = true,
                },
                exit = &mut self.exit, if self.exited.is_none() => {
                    // The waiter already killed what the command left running in its group.
                    let exit = exit.unwrap_or(ShellExit { code: None, signal: None });
                    self.exited = Some(exit);
                    self.drain_until = Some(Instant::now() + DRAIN_GRACE);
                }
                () = sleep_until(drain_deadline), if drain_deadline.is_some() && !self.output_closed => {
                    tracing::warn!("a process outside the command's group kept its PTY open");
                    self.output_closed = true;
                }
            }
        }
    }
}

/// The command's process group, signalled only while its leader is not yet reaped: a reaped
/// leader's pid (and so the group id) may already belong to an unrelated process.
#[derive(Debug, Clone)]
struct ProcessGroup {
    /// The child's pid, which is also its process group (the PTY makes it a session leader).
    leader: Option<i32>,
    /// Set, under the lock, when the leader has been reaped.
    reaped: Arc<Mutex<bool>>,
}

impl ProcessGroup {
    fn kill(&self) {
        let Some(leader) = self.leader else {
            return;
        };
        let reaped = self.reaped.lock().unwrap_or_else(PoisonError::into_inner);
        if !*reaped {
            // ESRCH (the group is already empty) is fine.
            let _ = killpg(Pid::from_raw(leader), Signal::SIGKILL);
        }
    }

    /// Waits for the leader to exit without reaping it, kills whatever it left running in its
    /// group, then reaps it. The lock is held only once the leader has exited, so the reap is
    /// immediate and `kill` never waits long.
    fn wait_and_reap(&self, child: &mut (dyn portable_pty::Child + Send + Sync)) -> ShellExit {
        let status = match self.leader {
            Some(leader) => {
                let flags = WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT;
                let pid = Pid::from_raw(leader);
                while let Err(nix::errno::Errno::EINTR) = waitid(Id::Pid(pid), flags) {}
                let mut reaped = self.reaped.lock().unwrap_or_else(PoisonError::into_inner);
                let _ = killpg(pid, Signal::SIGKILL);
                let status = child.wait();
                *reaped = true;
                status
            }
            None => child.wait(),
        };
        match status {
            Ok(status) => match status.signal() {
                Some(signal) => ShellExit {
                    code: None,
                    signal: Some(signal.to_owned()),
                },
                None => ShellExit {
                    code: i32::try_from(status.exit_code()).ok(),
                    signal: None,
                },
            },
            Err(_) => ShellExit {
                code: None,
                signal: None,
            },
        }
    }
}

impl Drop for RunningShell {
    /// A call abandoned mid-way (its turn dropped, the program quitting) takes its processes
    /// with it instead of leaving them running unseen.
    fn drop(&mut self) {
        if !self.done {
            self.kill();
        }
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_default_and_clamp() {
        assert_eq!(timeout_for(None), DEFAULT_TIMEOUT);
        assert_eq!(timeout_for(Some(0)), DEFAULT_TIMEOUT);
        assert_eq!(timeout_for(Some(1500)), Duration::from_millis(1500));
        assert_eq!(timeout_for(Some(u64::MAX)), MAX_TIMEOUT);
    }

    #[test]
    fn workdirs_must_stay_inside_the_slot() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir(root.join("sub")).unwrap();
        std::fs::write(root.join("file"), "").unwrap();
        assert_eq!(resolve_workdir(&root, None).unwrap(), root);
        assert_eq!(resolve_workdir(&root, Some(" ")).unwrap(), root);
        assert_eq!(
            resolve_workdir(&root, Some("sub")).unwrap(),
            root.join("sub")
        );
        let absolute = root.join("sub").display().to_string();
        assert_eq!(
            resolve_workdir(&root, Some(&absolute)).unwrap(),
            root.join("sub")
        );
        assert!(
            resolve_workdir(&root, Some(".."))
                .unwrap_err()
                .contains("outside")
        );
        assert!(
            resolve_workdir(&root, Some("/etc"))
                .unwrap_err()
                .contains("outside")
        );
        assert!(
            resolve_workdir(&root, Some("sub/../../x"))
                .unwrap_err()
                .contains("does not exist")
        );
        assert!(
            resolve_workdir(&root, Some("nope"))
                .unwrap_err()
                .contains("does not exist")
        );
        assert!(
            resolve_workdir(&root, Some("file"))
                .unwrap_err()
                .contains("not a directory")
        );
    }

    async fn run(command: &str, cwd: &Path, login: bool) -> (String, ShellExit) {
        let mut shell = RunningShell::spawn(command, cwd, &[], login).unwrap();
        let mut out = Vec::new();
        loop {
            match shell.next().await {
                Some(ShellEvent::Output(chunk)) => out.extend(chunk),
                Some(ShellEvent::Exited(exit)) => {
                    assert!(shell.next().await.is_none());
                    return (String::from_utf8_lossy(&out).into_owned(), exit);
                }
                None => panic!("ended without an exit"),
            }
        }
    }

    #[tokio::test]
    async fn commands_run_in_a_pty_with_their_exit_code_and_no_input() {
        let dir = tempfile::tempdir().unwrap();
        let (out, exit) = run("test -t 1 && echo tty; pwd; cat; exit 7", dir.path(), false).await;
        let root = dir.path().canonicalize().unwrap();
        assert_eq!(
            out,
            format!("tty\r\n{}\r\n", root.display()),
            "stdin gives end-of-file at once"
        );
        assert_eq!(
            exit,
            ShellExit {
                code: Some(7),
                signal: None
            }
        );
    }

    #[tokio::test]
    async fn login_shells_are_login_shells() {
        let dir = tempfile::tempdir().unwrap();
        // Whatever the machine's profile prints comes first; the command's line comes last.
        let (out, exit) = run("shopt -q login_shell && echo login", dir.path(), true).await;
        assert!(out.ends_with("login\r\n"), "{out:?}");
        assert_eq!(exit.code, Some(0));
        let (out, _) = run("shopt -q login_shell || echo plain", dir.path(), false).await;
        assert_eq!(out, "plain\r\n");
    }

    #[tokio::test]
    async fn hidden_variables_are_not_passed_on() {
        let dir = tempfile::tempdir().unwrap();
        // Cargo sets this for test processes; it stands in for the API key's variable.
        let name = "CARGO_MANIFEST_DIR";
        let command = format!("echo \"[${name}]\"");
        let (seen, _) = run(&command, dir.path(), false).await;
        assert_ne!(seen, "[]\r\n");
        let mut shell = RunningShell::spawn(&command, dir.path(), &[name], false).unwrap();
        let mut out = Vec::new();
        while let Some(event) = shell.next().await {
            if let ShellEvent::Output(chunk) = event {
                out.extend(chunk);
            }
        }
        assert_eq!(String::from_utf8_lossy(&out), "[]\r\n");
    }

    #[tokio::test]
    async fn kill_ends_the_whole_group() {
        let dir = tempfile::tempdir().unwrap();
        let mut shell =
            RunningShell::spawn("sleep 30 & echo started; wait", dir.path(), &[], false).unwrap();
        let mut out = Vec::new();
        while !String::from_utf8_lossy(&out).contains("started") {
            match shell.next().await {
                Some(ShellEvent::Output(chunk)) => out.extend(chunk),
                other => panic!("unexpected {other:?}"),
            }
        }
        shell.kill();
        let exit = loop {
            match shell.next().await {
                Some(ShellEvent::Exited(exit)) => break exit,
                Some(ShellEvent::Output(_)) => {}
                None => panic!("no exit"),
            }
        };
        assert_eq!(exit.code, None);
        assert!(exit.signal.is_some(), "{exit:?}");
    }
}
