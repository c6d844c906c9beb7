//! The task runner inside the server: the core hands it task commands, its own finished work,
//! native attempts' agent updates and deadlines, and carries out what it asks — replies, news
//! for every workstation, the hidden agent slot of a native attempt, approvals — plus the
//! "needs you" news (a bell, a desktop notification, the `notify` command).

use super::core::{ClientId, Core};
use super::slots::{AgentState, Runtime, SlotEntry};
use crate::protocol::{Notification, SlotKind, SlotStatus};
use crate::tasks::runner::Effect;

impl Core {
    /// Carries out what the runner asked.
    pub fn task_effects(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Reply(client, notification) => self.send(client, notification),
                Effect::Broadcast(notification) => self.broadcast(notification),
                Effect::NeedsYou(text) => self.needs_you(text),
                Effect::StartAgent {
                    slot,
                    cwd,
                    worktree,
                    options,
                    prompt,
                } => {
                    if self.slot(slot).is_none() {
                        let name = crate::text::truncate(&format!("task {}", slot.short()), 24);
                        let mut info = SlotEntry::info(slot, SlotKind::Agent, name, cwd);
                        info.status = SlotStatus::Idle;
                        info.stored = true;
                        info.worktree = Some(worktree);
                        info.model = Some(self.models.label(&options));
                        let mut entry = SlotEntry::new(info, Runtime::Agent(AgentState::Idle));
                        // Nobody's window shows it until someone opens its session.
                        entry.hidden = true;
                        entry.agents = options;
                        self.slots.push(entry);
                    }
                    self.submit(0, slot, prompt);
                }
                Effect::Decide {
                    slot,
                    call_id,
                    decision,
                } => self.decide(slot, call_id, decision),
                Effect::Interrupt { slot } => self.interrupt(slot),
                Effect::SessionEvent(event) => {
                    let slot = event.session;
                    if let Some(entry) = self.slot_mut(slot) {
                        // Kept for a transcript load that races the live stream.
                        entry.remember(&event);
                        self.emit(
                            slot,
                            Notification::AgentEvent {
                                slot,
                                event: *event,
                            },
                        );
                    }
                }
                Effect::DropAgent { slot } => {
                    if let Some(index) = self
                        .slots
                        .iter()
                        .position(|s| s.info.slot == slot && s.hidden)
                    {
                        // Dropping the handle interrupts and ends the agent.
                        self.slots.remove(index);
                    }
                }
            }
        }
    }

    /// An agent's update: a native attempt's also goes to the runner; a visible slot's
    /// approval request means someone is needed.
    pub fn agent_input(&mut self, slot: crate::ids::SessionId, update: crate::agent::AgentUpdate) {
        let effects = self.tasks.agent_update(slot, &update);
        if matches!(update, crate::agent::AgentUpdate::ApprovalNeeded { .. })
            && self.slot(slot).is_some_and(|s| !s.hidden)
        {
            let name = self
                .slot(slot)
                .map(|s| s.info.name.clone())
                .unwrap_or_default();
            self.needs_you(format!("{name} asks to run a command"));
        }
        self.agent_update(slot, update);
        self.task_effects(effects);
    }

    /// An agent started (or could not): a native attempt's failure ends its attempt.
    pub fn agent_ready_input(
        &mut self,
        slot: crate::ids::SessionId,
        result: Result<super::core::StartedAgent, String>,
        note: Option<String>,
    ) {
        let effects = match &result {
            Err(error) => self.tasks.agent_failed(slot, error),
            Ok(_) => Vec::new(),
        };
        self.agent_ready(slot, result, note);
        self.task_effects(effects);
    }

    pub fn task_command(
        &mut self,
        client: ClientId,
        mut command: crate::protocol::tasks::TaskCommand,
    ) {
        // A task given no repository works in the one its client runs in (the board's form).
        if let crate::protocol::tasks::TaskCommand::Submit(request) = &mut command {
            let cwd = self.client_cwd(client);
            for draft in &mut request.tasks {
                draft.repo.get_or_insert_with(|| cwd.clone());
            }
        }
        let effects = self.tasks.command(client, command);
        self.task_effects(effects);
    }

    /// Someone is needed: every workstation rings and notifies; the configured `notify`
    /// command gets a JSON payload.
    pub fn needs_you(&mut self, text: String) {
        self.broadcast(Notification::NeedsYou { text: text.clone() });
        let Some((program, args)) = self.settings.notify.split_first() else {
            return;
        };
        let payload = serde_json::json!({
            "type": "needs-you",
            "message": text,
        })
        .to_string();
        let mut command = std::process::Command::new(program);
        command
            .args(args)
            .arg(payload)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        match command.spawn() {
            // Reaped off the core so it never lingers as a zombie.
            Ok(mut child) => drop(tokio::task::spawn_blocking(move || child.wait())),
            Err(error) => tracing::warn!(%error, program, "cannot run the notify command"),
        }
    }
}
