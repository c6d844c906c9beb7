//! Native agent slots in the server. A slot's agent starts with its first prompt (its
//! session created with the slot's id) or when a stored session gets a prompt (resumed);
//! prompts that arrive while it starts wait in order, so two quick prompts never start two
//! agents. Its updates are streamed to every workstation and kept briefly (`recent`) to fill
//! the gap between a transcript read and the live stream.

use std::path::PathBuf;

use super::core::{ClientId, Core, Input, StartedAgent};
use super::slots::{AgentState, Queued, Runtime, SlotEntry};
use crate::agent::{Agent, AgentUpdate, ApprovalDecision};
use crate::event::{EventKind, TurnOutcome};
use crate::ids::SessionId;
use crate::protocol::{Notification, PendingApproval, Scope, SlotKind, SlotStatus};

impl Core {
    /// The directory a client runs in (new slots start there).
    pub fn client_cwd(&self, client: ClientId) -> String {
        self.clients
            .get(&client)
            .map(|c| c.info.cwd.clone())
            .unwrap_or_default()
    }

    pub fn open_agent(
        &mut self,
        client: ClientId,
        slot: SessionId,
        name: Option<String>,
        worktree: bool,
    ) {
        if self.slot(slot).is_some() {
            return;
        }
        let number = self
            .slots
            .iter()
            .filter(|s| s.info.kind == SlotKind::Agent)
            .count()
            + 1;
        let name = name.unwrap_or_else(|| format!("agent {number}"));
        let cwd = self.client_cwd(client);
        let mut info = SlotEntry::info(slot, SlotKind::Agent, name, cwd);
        info.status = SlotStatus::Idle;
        let options = self
            .clients
            .get(&client)
            .map(|c| c.info.agents.clone())
            .unwrap_or_default();
        info.model = Some(self.models.label(&options));
        let mut entry = SlotEntry::new(info, Runtime::Agent(AgentState::Idle));
        entry.agents = options;
        entry.wants_worktree = worktree;
        self.slots.push(entry);
        self.publish(slot);
    }

    /// A prompt for a slot's agent: it starts a turn, or waits for the running one.
    pub fn submit(&mut self, client: ClientId, slot: SessionId, text: String) {
        self.enqueue(
            slot,
            Queued {
                client,
                text,
                follow: false,
            },
        );
    }

    /// Queues a prompt behind the running turn (and any earlier prompts), or starts it.
    pub fn enqueue(&mut self, slot: SessionId, queued: Queued) {
        let Some(entry) = self.slot_mut(slot) else {
            self.send(
                queued.client,
                Notification::AgentFailed {
                    slot,
                    error: "no such slot".into(),
                    text: Some(queued.text),
                },
            );
            return;
        };
        if entry.info.kind != SlotKind::Agent {
            return;
        }
        let busy = match &entry.runtime {
            Runtime::Agent(AgentState::Starting { .. }) => true,
            Runtime::Agent(AgentState::Running { .. }) => {
                matches!(entry.info.status, SlotStatus::Running | SlotStatus::Waiting)
            }
            Runtime::Agent(AgentState::Idle) | Runtime::Pane(_) => false,
        } || !entry.waiting.is_empty();
        if busy {
            entry.waiting.push_back(queued);
            entry.sync_queue();
            self.publish(slot);
            return;
        }
        self.begin_turn(slot, queued);
    }

    /// Starts a turn with `queued` (its agent first, when none runs).
    fn begin_turn(&mut self, slot: SessionId, queued: Queued) {
        if queued.follow {
            self.subscribers
                .entry(slot)
                .or_default()
                .push(queued.client);
        }
        let Some(entry) = self.slot_mut(slot) else {
            return;
        };
        entry.info.status = SlotStatus::Running;
        if let Runtime::Agent(AgentState::Running { handle, .. }) = &entry.runtime
            && handle.submit(queued.text.clone()).is_ok()
        {
            let follow = queued.follow.then_some(queued.client);
            self.publish(slot);
            if let Some(client) = follow {
                self.announce_to(slot, client);
            }
            return;
        }
        entry.runtime = Runtime::Agent(AgentState::Starting { first: queued });
        self.publish(slot);
        self.start_agent(slot);
    }

    /// The running turn ended: the next queued prompt, if any, starts.
    pub fn next_turn(&mut self, slot: SessionId) {
        let Some(entry) = self.slot_mut(slot) else {
            return;
        };
        let Some(next) = entry.waiting.pop_front() else {
            return;
        };
        entry.sync_queue();
        self.begin_turn(slot, next);
    }

    /// A client takes a queued prompt back.
    pub fn unqueue(&mut self, client: ClientId, slot: SessionId, index: usize) {
        let Some(entry) = self.slot_mut(slot) else {
            return;
        };
        let Some(taken) = entry.waiting.remove(index) else {
            return;
        };
        entry.sync_queue();
        self.publish(slot);
        self.send(
            client,
            Notification::Unqueued {
                slot,
                text: taken.text,
            },
        );
    }

    /// Creates or resumes the slot's agent off the task; [`Input::AgentReady`] follows.
    fn start_agent(&mut self, slot: SessionId) {
        let Some(entry) = self.slot(slot) else {
            return;
        };
        let stored = entry.info.stored;
        let options = entry.agents.clone();
        let unattended = entry.unattended.clone();
        let title = entry.title.clone();
        let wants_worktree = entry.wants_worktree && !stored;
        let cwd = entry.info.cwd.clone();
        let store = self.store.clone();
        let models = self.models.clone();
        let inputs = self.inputs.clone();
        let worktrees = self.settings.worktrees_dir.clone();
        tokio::spawn(async move {
            let mut note = None;
            let result = async {
                let (mut config, label) = models.agent_config(&options).await?;
                config.unattended = unattended;
                let made = if wants_worktree {
                    let dir = cwd.clone();
                    match tokio::task::spawn_blocking(move || {
                        super::worktree::create(&dir, &worktrees, "agent")
                    })
                    .await
                    {
                        Ok(Ok(made)) => Some(made),
                        Ok(Err(why)) => {
                            note = Some(format!("no worktree: {why}"));
                            None
                        }
                        Err(_) => None,
                    }
                } else {
                    None
                };
                let agent = if stored {
                    Agent::resume(store, slot, config).await
                } else {
                    let dir = made
                        .as_ref()
                        .map_or_else(|| PathBuf::from(&cwd), |w| w.path.clone());
                    Agent::create_as(store, slot, config, &dir, made.as_ref(), title).await
                }
                .map_err(|e| e.to_string())?;
                let worktree = agent.state().worktree.clone();
                Ok(StartedAgent {
                    running: agent.spawn(),
                    label,
                    worktree,
                })
            }
            .await;
            let _ = inputs.send(Input::AgentReady { slot, result, note }).await;
        });
    }

    pub fn agent_ready(
        &mut self,
        slot: SessionId,
        result: Result<StartedAgent, String>,
        note: Option<String>,
    ) {
        if let Some(note) = note {
            self.broadcast(Notification::Notice {
                text: note,
                failure: Some(Scope::Git),
            });
        }
        let inputs = self.inputs.clone();
        let Some(entry) = self.slot_mut(slot) else {
            // Closed while it started: dropping the handle stops the agent.
            return;
        };
        let first = match std::mem::replace(&mut entry.runtime, Runtime::Agent(AgentState::Idle)) {
            Runtime::Agent(AgentState::Starting { first }) => Some(first),
            other => {
                entry.runtime = other;
                None
            }
        };
        match result {
            Ok(started) => {
                let StartedAgent {
                    running,
                    label,
                    worktree,
                } = started;
                entry.info.stored = true;
                entry.info.model = Some(label);
                if let Some(worktree) = worktree {
                    entry.info.cwd = worktree.path.clone();
                    entry.info.worktree = Some(worktree);
                }
                let mut updates = running.updates;
                let forward = tokio::spawn(async move {
                    while let Some(update) = updates.recv().await {
                        if inputs.send(Input::Agent { slot, update }).await.is_err() {
                            return;
                        }
                    }
                    let _ = inputs.send(Input::AgentStopped { slot }).await;
                });
                let pending = std::mem::take(&mut entry.pending_record);
                if !pending.is_empty() {
                    let _ = running.handle.reconfigure(None, pending);
                }
                if let Some(first) = &first {
                    let _ = running.handle.submit(first.text.clone());
                }
                entry.runtime = Runtime::Agent(AgentState::Running {
                    handle: running.handle,
                    forward,
                });
                self.publish(slot);
                self.save_open_slots();
                self.announce_turn(slot);
            }
            Err(error) => {
                entry.info.status = SlotStatus::Error(error.clone());
                let hidden = entry.hidden;
                self.publish(slot);
                if hidden {
                    self.end_run(slot, &format!("the agent could not start: {error}"));
                    return;
                }
                if let Some(first) = first {
                    self.send(
                        first.client,
                        Notification::AgentFailed {
                            slot,
                            error: error.clone(),
                            text: Some(first.text),
                        },
                    );
                }
                self.broadcast_failure(Scope::Model, format!("agent: {error}"));
            }
        }
    }

    pub fn agent_update(&mut self, slot: SessionId, update: AgentUpdate) {
        let Some(entry) = self.slot_mut(slot) else {
            return;
        };
        match update {
            AgentUpdate::Event(event) => {
                entry.remember(&event);
                let mut changed = false;
                match &event.kind {
                    EventKind::TurnStarted(_) | EventKind::ResponseStarted(_) => {
                        changed = entry.info.status != SlotStatus::Running;
                        entry.info.status = SlotStatus::Running;
                    }
                    EventKind::ResponseCompleted(completed) => {
                        entry.info.usage.add(&completed.usage);
                        changed = true;
                    }
                    _ => {}
                }
                self.emit(slot, Notification::AgentEvent { slot, event });
                if changed {
                    self.publish(slot);
                }
            }
            AgentUpdate::ApprovalNeeded {
                call_id,
                command,
                cwd,
                reason,
            } => {
                entry.info.approval = Some(PendingApproval {
                    call_id,
                    command,
                    cwd,
                    reason,
                });
                entry.info.status = SlotStatus::Waiting;
                self.publish(slot);
            }
            AgentUpdate::TurnFinished {
                outcome,
                error,
                final_message,
                usage,
                ..
            } => {
                entry.info.approval = None;
                entry.info.status = match outcome {
                    TurnOutcome::Completed | TurnOutcome::Other | TurnOutcome::Interrupted => {
                        SlotStatus::Idle
                    }
                    TurnOutcome::Failed => {
                        SlotStatus::Error(error.clone().unwrap_or_else(|| "the turn failed".into()))
                    }
                };
                self.publish(slot);
                self.emit(
                    slot,
                    Notification::TurnFinished {
                        slot,
                        outcome,
                        error,
                        final_message,
                        usage,
                    },
                );
                self.turn_done(slot);
                self.next_turn(slot);
            }
        }
    }

    pub fn agent_stopped(&mut self, slot: SessionId) {
        if let Some(entry) = self.slot_mut(slot)
            && matches!(entry.runtime, Runtime::Agent(AgentState::Running { .. }))
        {
            entry.runtime = Runtime::Agent(AgentState::Idle);
            if entry.info.status == SlotStatus::Running {
                entry.info.status = SlotStatus::Idle;
            }
            entry.info.approval = None;
            self.publish(slot);
        }
    }

    pub fn decide(&mut self, slot: SessionId, call_id: String, decision: ApprovalDecision) {
        let Some(entry) = self.slot_mut(slot) else {
            return;
        };
        let Runtime::Agent(AgentState::Running { handle, .. }) = &entry.runtime else {
            return;
        };
        if entry
            .info
            .approval
            .as_ref()
            .is_none_or(|a| a.call_id != call_id)
        {
            // Someone else answered first.
            return;
        }
        let _ = handle.decide(call_id, decision);
        entry.info.approval = None;
        entry.info.status = SlotStatus::Running;
        self.publish(slot);
    }

    pub fn interrupt(&mut self, slot: SessionId) {
        if let Some(entry) = self.slot(slot)
            && let Runtime::Agent(AgentState::Running { handle, .. }) = &entry.runtime
        {
            let _ = handle.interrupt();
        }
    }

    /// Records events for a slot's session through its one writer: the running agent (after
    /// its turn), or the store directly when nothing else writes to the session.
    pub fn record(&mut self, slot: SessionId, events: Vec<EventKind>) {
        let Some(entry) = self.slot_mut(slot) else {
            return;
        };
        match &entry.runtime {
            Runtime::Agent(AgentState::Running { handle, .. }) => {
                if handle.reconfigure(None, events.clone()).is_ok() {
                    return;
                }
                entry.pending_record.extend(events);
            }
            Runtime::Agent(AgentState::Starting { .. }) => entry.pending_record.extend(events),
            Runtime::Agent(AgentState::Idle) | Runtime::Pane(_) if entry.info.stored => {
                let store = self.store.clone();
                tokio::task::spawn_blocking(move || {
                    if let Err(err) = store.append_durable(slot, events) {
                        tracing::warn!(error = %err, %slot, "cannot record a session change");
                    }
                });
            }
            Runtime::Agent(AgentState::Idle) | Runtime::Pane(_) => {}
        }
    }

    /// A new name for a slot, kept as its session's title.
    pub fn rename(&mut self, slot: SessionId, title: String) {
        let title = title.trim().to_owned();
        let Some(entry) = self.slot_mut(slot) else {
            return;
        };
        if title.is_empty() {
            return;
        }
        entry.info.name = crate::text::truncate(&title, 24);
        entry.title = Some(title.clone());
        self.publish(slot);
        self.record(
            slot,
            vec![EventKind::SessionRenamed(crate::event::SessionRenamed {
                title,
            })],
        );
    }

    /// The model or approval policy for an agent slot's next turns: recorded as an event,
    /// and the running agent takes a new configuration after its turn.
    pub fn configure(
        &mut self,
        slot: SessionId,
        model: Option<String>,
        approval: Option<crate::agent::ApprovalPolicy>,
    ) {
        let Some(entry) = self.slot_mut(slot) else {
            return;
        };
        if entry.info.kind != SlotKind::Agent {
            return;
        }
        if let Some(model) = &model {
            entry.agents.model = Some(model.clone());
        }
        if let Some(approval) = approval {
            entry.agents.approval = approval;
        }
        let options = entry.agents.clone();
        let unattended = entry.unattended.clone();
        let label = self.models.label(&options);
        if let Some(entry) = self.slot_mut(slot) {
            entry.info.model = Some(label);
        }
        let settings = EventKind::SessionSettings(crate::event::SessionSettings {
            model: model.clone(),
            approval: approval.map(|a| a.to_string()),
        });
        let handle = match &self.slot(slot).map(|e| &e.runtime) {
            Some(Runtime::Agent(AgentState::Running { handle, .. })) => Some(handle.clone()),
            _ => None,
        };
        self.publish(slot);
        match handle {
            Some(handle) => {
                let models = self.models.clone();
                tokio::spawn(async move {
                    let config = match models.agent_config(&options).await {
                        Ok((mut config, _)) => {
                            config.unattended = unattended;
                            Some(config)
                        }
                        Err(error) => {
                            tracing::warn!(%error, "cannot build the new agent settings");
                            None
                        }
                    };
                    let _ = handle.reconfigure(config, vec![settings]);
                });
            }
            None => self.record(slot, vec![settings]),
        }
    }
}
