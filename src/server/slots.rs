//! The server's slots: what every client sees of one ([`SlotInfo`]) plus what runs it — an
//! agent (idle, starting with prompts waiting, or running) or a pane (starting, a live
//! program, or a screen rebuilt from the store after the program ended).

use std::collections::VecDeque;
use std::sync::Arc;

use crate::agent::AgentHandle;
use crate::event::Event;
use crate::protocol::{AgentOptions, SlotInfo, SlotKind, SlotStatus};
use crate::pty::{PaneScreen, PaneSize, PtySlot};

/// Recent agent events a slot keeps: they fill the gap between what a transcript read found
/// durable and what was already streamed to clients (group commit lags the stream by a few
/// milliseconds, a few dozen events at most; 1,024 is ample).
pub const RECENT_EVENTS: usize = 1024;

pub enum AgentState {
    /// No agent runs: a new slot before its first prompt, or a stored session.
    Idle,
    /// Its agent is being created or resumed; prompts wait here in order.
    Starting {
        /// The prompt that starts it.
        first: Queued,
    },
    Running {
        handle: AgentHandle,
        /// The task forwarding its updates (ends with the agent).
        forward: tokio::task::JoinHandle<()>,
    },
}

pub enum PaneState {
    Starting,
    Live(Arc<PtySlot>),
    /// The last screen of a program that ended (or of a pane restored after a restart).
    Recorded(Box<PaneScreen>),
}

pub enum Runtime {
    Agent(AgentState),
    Pane(PaneState),
}

/// A prompt waiting for its turn.
#[derive(Debug, Clone)]
pub struct Queued {
    pub client: super::core::ClientId,
    pub text: String,
    /// The client follows this turn (a headless `exec`): it gets the turn's events and end.
    pub follow: bool,
}

/// One slot.
pub struct SlotEntry {
    pub info: SlotInfo,
    pub runtime: Runtime,
    /// What the client that opened it asked of its agent.
    pub agents: AgentOptions,
    /// A new agent slot asks for a worktree with its first prompt.
    pub wants_worktree: bool,
    /// The last agent events streamed (see [`RECENT_EVENTS`]).
    pub recent: VecDeque<Event>,
    /// A pane's program's terminal size.
    pub size: Option<PaneSize>,
    /// A headless client's run (`switchboard exec`): not shown to workstations, not restored,
    /// gone when its turn ends.
    pub hidden: bool,
    /// Nobody can approve: commands needing approval are denied with this reason.
    pub unattended: Option<String>,
    /// Prompts sent while a turn runs, in order (shown in every window, editable there).
    pub waiting: VecDeque<Queued>,
    /// Events for the session that wait for its agent to be up (it is the one writer).
    pub pending_record: Vec<crate::event::EventKind>,
    /// The title a not-yet-stored session is created with (a rename before the first prompt).
    pub title: Option<String>,
}

impl std::fmt::Debug for SlotEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlotEntry")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

impl SlotEntry {
    pub fn new(info: SlotInfo, runtime: Runtime) -> Self {
        Self {
            info,
            runtime,
            agents: AgentOptions::default(),
            wants_worktree: false,
            recent: VecDeque::new(),
            size: None,
            hidden: false,
            unattended: None,
            waiting: VecDeque::new(),
            pending_record: Vec::new(),
            title: None,
        }
    }

    /// A fresh slot's visible facts.
    pub fn info(
        slot: crate::ids::SessionId,
        kind: SlotKind,
        name: String,
        cwd: String,
    ) -> SlotInfo {
        SlotInfo {
            slot,
            kind,
            name,
            status: SlotStatus::Starting,
            stored: false,
            command: None,
            cwd,
            worktree: None,
            approval: None,
            usage: Default::default(),
            model: None,
            restartable: false,
            recording_error: None,
            queued: Vec::new(),
        }
    }

    /// The queued prompts as every window shows them.
    pub fn sync_queue(&mut self) {
        self.info.queued = self.waiting.iter().map(|q| q.text.clone()).collect();
    }

    /// Whether stopping would end something (see `Core::anything_live`).
    pub fn is_live(&self) -> bool {
        match &self.runtime {
            Runtime::Agent(AgentState::Starting { .. }) => true,
            Runtime::Agent(AgentState::Running { .. }) => {
                self.info.approval.is_some()
                    || matches!(
                        self.info.status,
                        SlotStatus::Running | SlotStatus::Waiting | SlotStatus::Starting
                    )
            }
            Runtime::Agent(AgentState::Idle) => false,
            Runtime::Pane(PaneState::Starting) => true,
            Runtime::Pane(PaneState::Live(pane)) => pane.is_running(),
            Runtime::Pane(PaneState::Recorded(_)) => false,
        }
    }

    pub fn live_pane(&self) -> Option<&Arc<PtySlot>> {
        match &self.runtime {
            Runtime::Pane(PaneState::Live(pane)) => Some(pane),
            _ => None,
        }
    }

    /// Remembers a streamed agent event, keeping the last [`RECENT_EVENTS`].
    pub fn remember(&mut self, event: &Event) {
        if self.recent.len() == RECENT_EVENTS {
            self.recent.pop_front();
        }
        self.recent.push_back(event.clone());
    }
}

/// Ends a slot: a pane's program is hung up (SIGKILL after a grace), an agent's turn is
/// interrupted; once it has ended (or [`super::STOP_WAIT`] passed) the session records a clean
/// close with `reason`, after its last event. The returned task finishes then.
pub fn stop_entry(
    entry: SlotEntry,
    store: crate::store::Store,
    reason: &'static str,
) -> tokio::task::JoinHandle<()> {
    let slot = entry.info.slot;
    let stored = entry.info.stored;
    match entry.runtime {
        Runtime::Pane(state) => {
            let pane = match state {
                PaneState::Live(pane) => Some(pane),
                PaneState::Starting | PaneState::Recorded(_) => None,
            };
            tokio::task::spawn_blocking(move || {
                if let Some(pane) = &pane {
                    pane.kill();
                    pane.wait_exit(super::STOP_WAIT);
                    let _ = pane.sync_recording(super::STOP_WAIT);
                }
                if stored {
                    super::panes::record_closed(&store, slot, reason);
                }
            })
        }
        Runtime::Agent(state) => {
            let forward = match state {
                AgentState::Running { handle, forward } => {
                    let _ = handle.interrupt();
                    drop(handle);
                    Some(forward)
                }
                AgentState::Idle | AgentState::Starting { .. } => None,
            };
            tokio::spawn(async move {
                if let Some(forward) = forward {
                    let _ = tokio::time::timeout(super::STOP_WAIT, forward).await;
                }
                if stored {
                    let _ = tokio::task::spawn_blocking(move || {
                        super::panes::record_closed(&store, slot, reason)
                    })
                    .await;
                }
            })
        }
    }
}
