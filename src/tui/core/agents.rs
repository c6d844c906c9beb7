//! Native agent slots: each has an agent (created with its first prompt, or resumed from the
//! store) running on the workstation's runtime; its updates come back as messages.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;

use super::super::app::Msg;
use super::super::slots::SlotId;
use crate::agent::{Agent, AgentConfig, AgentHandle, AgentUpdate, ApprovalDecision};
use crate::ids::SessionId;
use crate::store::Store;

/// What the workstation's agents talk to, as shown in the status line.
#[derive(Debug, Clone)]
pub struct ModelSetup {
    pub config: AgentConfig,
    /// e.g. "gpt-5" or "demo provider (no OPENAI_API_KEY)".
    pub label: String,
}

#[derive(Debug)]
pub struct Agents {
    running: Mutex<HashMap<SlotId, AgentHandle>>,
    setup: Option<ModelSetup>,
    worktrees: Arc<super::WorktreeSpot>,
}

/// A prompt for a slot's agent.
#[derive(Debug, Clone)]
pub struct Start {
    pub slot: SlotId,
    /// The session to resume; `None` creates one.
    pub session: Option<SessionId>,
    pub cwd: String,
    pub text: String,
    /// A new session works in its own worktree.
    pub worktree: bool,
}

impl Agents {
    pub fn new(setup: Option<ModelSetup>, worktrees: Arc<super::WorktreeSpot>) -> Self {
        Self {
            running: Mutex::new(HashMap::new()),
            setup,
            worktrees,
        }
    }

    pub fn label(&self) -> Option<String> {
        self.setup.as_ref().map(|s| s.label.clone())
    }

    fn handles(&self) -> std::sync::MutexGuard<'_, HashMap<SlotId, AgentHandle>> {
        self.running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn handle(&self, slot: SlotId) -> Option<AgentHandle> {
        self.handles().get(&slot).cloned()
    }

    /// Sends `text` to the slot's agent, creating or resuming it first.
    pub fn submit(self: &Arc<Self>, store: Store, start: Start, tx: mpsc::Sender<Msg>) {
        let Start {
            slot,
            session,
            cwd,
            text,
            worktree,
        } = start;
        if let Some(handle) = self.handle(slot)
            && handle.submit(text.clone()).is_ok()
        {
            return;
        }
        let Some(setup) = self.setup.clone() else {
            let _ = tx.try_send(Msg::AgentFailed {
                slot,
                error: "no model is configured".into(),
                text: Some(text),
            });
            return;
        };
        let agents = Arc::clone(self);
        tokio::spawn(async move {
            let mut note = None;
            let made = match (session, worktree) {
                (None, true) => {
                    let spot = Arc::clone(&agents.worktrees);
                    let name = format!("agent-{}", slot.0);
                    match tokio::task::spawn_blocking(move || spot.create(&name)).await {
                        Ok(Ok(made)) => Some(made),
                        Ok(Err(why)) => {
                            note = Some(format!("no worktree: {why}"));
                            None
                        }
                        Err(_) => None,
                    }
                }
                _ => None,
            };
            let opened = match session {
                Some(session) => Agent::resume(store, session, setup.config).await,
                None => {
                    let dir = made
                        .as_ref()
                        .map_or_else(|| PathBuf::from(&cwd), |w| w.path.clone());
                    Agent::create(store, setup.config, &dir, made.as_ref(), None).await
                }
            };
            let agent = match opened {
                Ok(agent) => agent,
                Err(err) => {
                    let _ = tx
                        .send(Msg::AgentFailed {
                            slot,
                            error: err.to_string(),
                            text: Some(text),
                        })
                        .await;
                    return;
                }
            };
            let session = agent.session();
            let worktree = agent.state().worktree.clone();
            let running = agent.spawn();
            let handle = running.handle.clone();
            agents.handles().insert(slot, running.handle);
            let _ = tx
                .send(Msg::AgentStarted {
                    slot,
                    session,
                    label: setup.label,
                    worktree,
                    note,
                })
                .await;
            if handle.submit(text).is_err() {
                return;
            }
            forward(slot, running.updates, tx).await;
        });
    }

    pub fn decide(&self, slot: SlotId, call_id: String, decision: ApprovalDecision) {
        if let Some(handle) = self.handle(slot) {
            let _ = handle.decide(call_id, decision);
        }
    }

    pub fn interrupt(&self, slot: SlotId) {
        if let Some(handle) = self.handle(slot) {
            let _ = handle.interrupt();
        }
    }

    /// Forgets a closed slot's agent (it stops once its handle is gone).
    pub fn close(&self, slot: SlotId) {
        if let Some(handle) = self.handles().remove(&slot) {
            let _ = handle.interrupt();
        }
    }

    /// Interrupts every running turn (the workstation is closing).
    pub fn shutdown(&self) {
        for (_, handle) in self.handles().drain() {
            let _ = handle.interrupt();
        }
    }
}

/// Turns an agent's updates into messages until it stops.
async fn forward(slot: SlotId, mut updates: mpsc::Receiver<AgentUpdate>, tx: mpsc::Sender<Msg>) {
    while let Some(update) = updates.recv().await {
        let msg = match update {
            AgentUpdate::Event(event) => Msg::AgentEvent { slot, event },
            AgentUpdate::ApprovalNeeded {
                call_id,
                command,
                cwd,
                reason,
            } => Msg::ApprovalNeeded {
                slot,
                approval: super::super::slots::PendingApproval {
                    call_id,
                    command,
                    cwd,
                    reason,
                },
            },
            AgentUpdate::TurnFinished { outcome, error, .. } => Msg::TurnFinished {
                slot,
                outcome,
                error,
            },
        };
        if tx.send(msg).await.is_err() {
            return;
        }
    }
}
