//! The PTY slots the workstation runs: spawned, written to, resized and killed here (the UI
//! only reads their screens), each recorded into a session of its own.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;

use super::super::app::Msg;
use super::super::slots::{PaneHandle, RestoredPane, SlotId, SlotStatus};
use crate::event::{SessionCreated, SessionKind};
use crate::ids::SessionId;
use crate::pty::{
    PaneSize, PaneWaker, ProgramExit, PtySlot, Recorder, SlotOptions, SpawnSpec, replay_screen,
};
use crate::store::{Store, StoreError};

/// How fast a pane without the keys takes in output: 1 MiB/s is ~14,000 lines of 75 columns a
/// second — far more than anyone reads — while parsing and recording it costs a few percent
/// of a core, which leaves the CPU to the pane being typed into. (With three flooding panes on
/// two cores, 4 MiB/s each made the focused pane's echo 4× slower at p99; see
/// docs/BENCHMARKS.md.) A flooding program is slowed by back-pressure; nothing is dropped.
pub const BACKGROUND_PARSE_RATE: u64 = 1024 * 1024;

/// What to start in a PTY slot.
#[derive(Debug, Clone)]
pub struct SpawnRequest {
    pub session: Option<SessionId>,
    pub command: Option<String>,
    pub cwd: String,
    pub size: PaneSize,
    pub preamble: Vec<u8>,
    /// Run in a new git worktree of the workstation's repository.
    pub worktree: bool,
}

/// A started pane.
pub struct Spawned {
    pub session: SessionId,
    pub pane: Arc<PtySlot>,
    /// Where it runs (its worktree, when it got one).
    pub cwd: String,
    pub worktree: Option<crate::event::SessionWorktree>,
    /// Why it did not get the worktree it asked for.
    pub note: Option<String>,
}

/// The running panes, by slot.
#[derive(Debug)]
pub struct Panes {
    running: Mutex<HashMap<SlotId, Arc<PtySlot>>>,
    waker: PaneWaker,
    scrollback_lines: usize,
    worktrees: Arc<super::WorktreeSpot>,
}

impl Panes {
    pub fn new(
        waker: PaneWaker,
        scrollback_lines: usize,
        worktrees: Arc<super::WorktreeSpot>,
    ) -> Self {
        Self {
            running: Mutex::new(HashMap::new()),
            waker,
            scrollback_lines,
            worktrees,
        }
    }

    fn running(&self) -> std::sync::MutexGuard<'_, HashMap<SlotId, Arc<PtySlot>>> {
        self.running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Starts a program in a new PTY, recording into `request.session` (created when
    /// `None`, in a worktree of its own when asked and possible).
    pub fn spawn(
        &self,
        store: &Store,
        slot: SlotId,
        request: SpawnRequest,
    ) -> Result<Spawned, StoreError> {
        let SpawnRequest {
            session,
            command,
            mut cwd,
            size,
            preamble,
            worktree,
        } = request;
        let mut note = None;
        let mut recorded = None;
        let session = match session {
            Some(session) => session,
            None => {
                let made = if worktree {
                    match self.worktrees.create(&format!("pane-{}", slot.0)) {
                        Ok(made) => Some(made),
                        Err(why) => {
                            note = Some(format!("no worktree: {why}"));
                            None
                        }
                    }
                } else {
                    None
                };
                if let Some(made) = &made {
                    cwd = made.path.display().to_string();
                }
                let session = store.create_session(SessionCreated {
                    kind: SessionKind::Pty,
                    title: None,
                    cwd: cwd.clone(),
                    command: Some(command.clone().unwrap_or_else(shell_name)),
                    model: None,
                    owner: None,
                })?;
                if let Some(made) = &made {
                    let event = super::worktree_event(made);
                    store.append_durable(
                        session,
                        vec![crate::event::EventKind::SessionWorktree(event.clone())],
                    )?;
                    recorded = Some(event);
                }
                session
            }
        };
        let spec = SpawnSpec {
            command,
            cwd: PathBuf::from(&cwd),
            size,
            env: Vec::new(),
            scrollback_lines: self.scrollback_lines,
            preamble,
        };
        let options = SlotOptions {
            waker: Some(self.waker.clone()),
            recorder: Some(Recorder {
                store: store.clone(),
                session,
            }),
            ..SlotOptions::default()
        };
        let pane = Arc::new(PtySlot::spawn(spec, options));
        if let Some(old) = self.running().insert(slot, Arc::clone(&pane)) {
            old.kill();
        }
        Ok(Spawned {
            session,
            pane,
            cwd,
            worktree: recorded,
            note,
        })
    }

    pub fn write(&self, slot: SlotId, bytes: &[u8]) -> Option<String> {
        let pane = self.running().get(&slot).cloned()?;
        pane.write(bytes).err().map(|e| e.to_string())
    }

    pub fn resize(&self, slot: SlotId, size: PaneSize) {
        if let Some(pane) = self.running().get(&slot).cloned() {
            let _ = pane.resize(size);
        }
    }

    /// Gives the focused pane all the CPU it wants and caps the others.
    pub fn focus(&self, focused: Option<SlotId>) {
        for (slot, pane) in self.running().iter() {
            let rate = (Some(*slot) != focused).then_some(BACKGROUND_PARSE_RATE);
            pane.set_parse_rate(rate);
        }
    }

    pub fn kill(&self, slot: SlotId) {
        if let Some(pane) = self.running().remove(&slot) {
            pane.kill();
        }
    }

    /// Stops every program (quitting).
    pub fn kill_all(&self) {
        for (_, pane) in self.running().drain() {
            pane.kill();
        }
    }
}

/// The user's shell, as a command line for titles.
pub fn shell_name() -> String {
    std::env::var("SHELL").unwrap_or_else(|_| crate::pty::FALLBACK_SHELL.to_owned())
}

/// A slot's badge for a program's state.
pub fn status_of(status: &crate::pty::SlotStatus) -> SlotStatus {
    match status {
        crate::pty::SlotStatus::Running => SlotStatus::Running,
        crate::pty::SlotStatus::Exited(ProgramExit::Code(code)) => SlotStatus::Exited(Some(*code)),
        crate::pty::SlotStatus::Exited(ProgramExit::Signal(_)) => SlotStatus::Exited(None),
        crate::pty::SlotStatus::FailedToStart { reason } => SlotStatus::Error(reason.clone()),
    }
}

/// The last screen of a PTY session, for a restored slot.
pub fn restore(store: &Store, slot: SlotId, session: SessionId) -> Msg {
    let result = store
        .meta(session)
        .and_then(|meta| replay_screen(store, session).map(|screen| (meta, screen)));
    match result {
        Ok((meta, screen)) => {
            let status = match (meta.status, meta.exit_code, &meta.last_error) {
                (crate::session::SessionStatus::Failed, _, Some(error)) => {
                    SlotStatus::Error(error.clone())
                }
                (_, code, _) => SlotStatus::Exited(code),
            };
            Msg::PaneRestored {
                slot,
                restored: RestoredPane {
                    session,
                    title: meta.title,
                    command: meta.command,
                    cwd: meta.cwd,
                    pane: PaneHandle::Recorded(Arc::new(Mutex::new(screen))),
                    status,
                },
            }
        }
        Err(err) => Msg::StoreFailed {
            slot: Some(slot),
            text: None,
            error: err.to_string(),
        },
    }
}

/// Sends a message from a blocking task.
pub fn send(tx: &mpsc::Sender<Msg>, msg: Msg) {
    let _ = tx.blocking_send(msg);
}
