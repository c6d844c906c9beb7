//! Headless turns (`switchboard exec` while a server runs): the turn goes through the server
//! so one process drives each session. A session shown in a slot gets the prompt there — the
//! turn streams live in every window — and a session nobody shows runs in a hidden slot that
//! ends with its turn. The requesting client follows the slot until the turn ends.

use super::core::{ClientId, Core, Input};
use super::slots::{AgentState, Runtime, SlotEntry};
use crate::ids::SessionId;
use crate::protocol::{Notification, SlotKind, SlotStatus, TurnRequest};

/// Where a headless turn runs.
#[derive(Debug)]
pub enum Target {
    /// A stored session.
    Existing(SessionId),
    /// A stored session nobody shows, read for a hidden slot.
    Restored(Box<SlotEntry>),
    /// A new session.
    New,
}

impl Core {
    pub fn run_turn(&mut self, client: ClientId, request: TurnRequest) {
        let store = self.store.clone();
        let inputs = self.inputs.clone();
        let open: Vec<SessionId> = self
            .slots
            .iter()
            .filter(|s| !s.hidden)
            .map(|s| s.info.slot)
            .collect();
        tokio::task::spawn_blocking(move || {
            let target = match &request.session {
                None => Ok(Target::New),
                Some(lookup) => super::reads::lookup_session(&store, lookup)
                    .map_err(|e| e.to_string())
                    .and_then(|found| {
                        if open.contains(&found.session) {
                            return Ok(Target::Existing(found.session));
                        }
                        let entry = super::reads::restore(&store, found.session)
                            .map_err(|e| e.to_string())?;
                        if entry.info.kind != SlotKind::Agent {
                            return Err(format!(
                                "session {} is a pty session, not a native agent session",
                                found.session
                            ));
                        }
                        Ok(Target::Restored(Box::new(entry)))
                    }),
            };
            let _ = inputs.blocking_send(Input::TurnTarget {
                client,
                request: Box::new(request),
                target,
            });
        });
    }

    pub fn turn_target(
        &mut self,
        client: ClientId,
        request: TurnRequest,
        target: Result<Target, String>,
    ) {
        let slot = match target {
            Err(error) => {
                self.send(client, Notification::TurnRefused { error });
                return;
            }
            // The slot's own agent settings hold there, so a schema could not be honoured.
            Ok(Target::Existing(slot)) if request.agents.output_schema.is_some() => {
                let error = format!(
                    "--output-schema cannot apply to session {slot}: a window shows it and its \
                     turns use that slot's settings; close the slot there first"
                );
                self.send(client, Notification::TurnRefused { error });
                return;
            }
            Ok(Target::Existing(slot)) => slot,
            Ok(Target::Restored(entry)) => {
                let mut entry = *entry;
                entry.hidden = true;
                entry.agents = request.agents.clone();
                entry.unattended = request.unattended.clone();
                let slot = entry.info.slot;
                if self.slot(slot).is_none() {
                    self.slots.push(entry);
                }
                slot
            }
            Ok(Target::New) => {
                let slot = SessionId::new();
                let cwd = self.client_cwd(client);
                let mut info = SlotEntry::info(slot, SlotKind::Agent, "exec".into(), cwd);
                info.status = SlotStatus::Idle;
                let mut entry = SlotEntry::new(info, Runtime::Agent(AgentState::Idle));
                entry.hidden = true;
                entry.agents = request.agents.clone();
                entry.unattended = request.unattended.clone();
                entry.wants_worktree = request.worktree;
                self.slots.push(entry);
                slot
            }
        };
        self.enqueue(
            slot,
            super::slots::Queued {
                client,
                text: request.prompt,
                follow: true,
            },
        );
    }

    /// Tells a slot's headless followers that their turn runs (once its agent is up).
    pub fn announce_turn(&mut self, slot: SessionId) {
        for client in self.subscribers.get(&slot).cloned().unwrap_or_default() {
            self.announce_to(slot, client);
        }
    }

    pub fn announce_to(&mut self, slot: SessionId, client: ClientId) {
        let Some(entry) = self.slot(slot) else {
            return;
        };
        let started = Notification::TurnStarted {
            slot,
            cwd: entry.info.cwd.clone(),
            worktree: entry.info.worktree.clone(),
            resumed: entry.info.stored && !entry.wants_worktree,
        };
        self.send(client, started);
    }

    /// A slot's turn ended: its followers are done with it, and a headless run's slot goes
    /// (the session stays in the store, idle and resumable).
    pub fn turn_done(&mut self, slot: SessionId) {
        self.subscribers.remove(&slot);
        if self.slot(slot).is_some_and(|s| s.hidden) {
            self.drop_hidden(slot);
        }
    }

    /// A headless run could not start: tell its followers and drop it.
    pub fn end_run(&mut self, slot: SessionId, error: &str) {
        for client in self.subscribers.remove(&slot).unwrap_or_default() {
            self.send(
                client,
                Notification::TurnRefused {
                    error: error.to_owned(),
                },
            );
        }
        self.drop_hidden(slot);
    }

    fn drop_hidden(&mut self, slot: SessionId) {
        if let Some(index) = self
            .slots
            .iter()
            .position(|s| s.info.slot == slot && s.hidden)
        {
            // Dropping the handle ends the agent; nothing is recorded as closed.
            self.slots.remove(index);
        }
    }

    /// A headless client left: a hidden run it started is interrupted and dropped.
    pub fn unsubscribe(&mut self, client: ClientId) {
        let followed: Vec<SessionId> = self
            .subscribers
            .iter()
            .filter(|(_, clients)| clients.contains(&client))
            .map(|(slot, _)| *slot)
            .collect();
        for slot in followed {
            if let Some(clients) = self.subscribers.get_mut(&slot) {
                clients.retain(|c| *c != client);
            }
            if self.slot(slot).is_some_and(|s| s.hidden) {
                self.interrupt(slot);
                self.subscribers.remove(&slot);
                self.drop_hidden(slot);
            }
        }
    }
}
