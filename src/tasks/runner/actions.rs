//! What a person does to a task — approve, reject, retry, cancel, resume — and what the
//! native agent of an attempt tells the runner (an approval it waits for, the end of its
//! turn).

use std::path::Path;

use super::{ClientId, Effect, ExecOutcome, Runner};
use crate::agent::{AgentUpdate, ApprovalDecision};
use crate::event::{AttemptOutcome, TaskState, TurnOutcome};
use crate::ids::{SessionId, TaskId};
use crate::protocol::Notification;
use crate::protocol::tasks::{TaskAction, TaskNotification};

/// Why an action on a task is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    #[error("task {task} is not awaiting approval (it is {})", state.label())]
    NotAwaiting { task: String, state: TaskState },
    #[error(
        "task {task} is {}; only a failed, blocked, cancelled, rejected or interrupted task can be retried",
        state.label()
    )]
    NotRetryable { task: String, state: TaskState },
    #[error("task {task} is already {}", state.label())]
    Over { task: String, state: TaskState },
    #[error("task {task} is {}; only an interrupted task resumes", state.label())]
    NotInterrupted { task: String, state: TaskState },
    #[error(
        "the worktree {worktree} of task {task}'s attempt {attempt} is gone (deleted by hand?); `task retry` starts a fresh attempt"
    )]
    WorktreeGone {
        task: String,
        attempt: u32,
        worktree: String,
    },
}

impl Runner {
    pub(super) fn act(&mut self, client: ClientId, text: &str, action: TaskAction) {
        let id = match self.board.find(text) {
            Ok(id) => id,
            Err(error) => return self.refuse(client, error.to_string()),
        };
        let result = match &action {
            TaskAction::Approve => self.approve(id),
            TaskAction::Reject { reason } => self.reject(id, reason),
            TaskAction::Retry => self.retry(id),
            TaskAction::Cancel => self.cancel(id),
            TaskAction::Resume => self.resume(id),
        };
        match result {
            Ok(text) => {
                self.push(Effect::Reply(
                    client,
                    Notification::Task(TaskNotification::Done { task: id, text }),
                ));
                self.schedule();
            }
            Err(error) => self.refuse(client, error.to_string()),
        }
    }

    fn state_of(&self, id: TaskId) -> (TaskState, String) {
        self.board
            .get(id)
            .map(|t| (t.state, t.label().to_owned()))
            .unwrap_or((TaskState::Other, id.short()))
    }

    fn approve(&mut self, id: TaskId) -> Result<String, ActionError> {
        let (state, label) = self.state_of(id);
        if state != TaskState::AwaitingApproval {
            return Err(ActionError::NotAwaiting { task: label, state });
        }
        if let Some(live) = self.live.get_mut(&id)
            && let (Some(slot), Some((call_id, command))) = (live.slot, live.approval.take())
        {
            self.push(Effect::Decide {
                slot,
                call_id,
                decision: ApprovalDecision::ApproveOnce,
            });
            self.set_state(
                id,
                TaskState::Running,
                Some(format!("approved `{command}`")),
                "user",
            );
            return Ok(format!("approved `{command}`; task {label} runs on"));
        }
        self.set_state(
            id,
            TaskState::Completed,
            Some("approved at its gate".into()),
            "user",
        );
        Ok(format!("task {label} approved: completed"))
    }

    fn reject(&mut self, id: TaskId, reason: &str) -> Result<String, ActionError> {
        let (state, label) = self.state_of(id);
        if state != TaskState::AwaitingApproval {
            return Err(ActionError::NotAwaiting { task: label, state });
        }
        if let Some(live) = self.live.get_mut(&id)
            && let (Some(slot), Some((call_id, command))) = (live.slot, live.approval.take())
        {
            self.push(Effect::Decide {
                slot,
                call_id,
                decision: ApprovalDecision::Deny {
                    reason: Some(reason.to_owned()),
                },
            });
            self.set_state(
                id,
                TaskState::Running,
                Some(format!("denied `{command}`: {reason}")),
                "user",
            );
            return Ok(format!("denied `{command}`; the agent is told why"));
        }
        self.set_state(
            id,
            TaskState::Rejected,
            Some(format!("rejected at its gate: {reason}")),
            "user",
        );
        Ok(format!("task {label} rejected"))
    }

    fn retry(&mut self, id: TaskId) -> Result<String, ActionError> {
        let (state, label) = self.state_of(id);
        if !(state.is_failure() || state == TaskState::Interrupted) {
            return Err(ActionError::NotRetryable { task: label, state });
        }
        let next = self.board.get(id).map_or(1, |t| t.attempts.len() + 1);
        self.set_state(
            id,
            TaskState::Queued,
            Some(format!("retry: attempt {next} follows")),
            "user",
        );
        // Dependents blocked because of it wait for it again.
        let mut frontier = vec![id];
        while let Some(parent) = frontier.pop() {
            let blocked: Vec<TaskId> = self
                .board
                .dependents(parent)
                .filter(|t| t.state == TaskState::Blocked)
                .map(|t| t.id)
                .collect();
            for child in blocked {
                self.set_state(
                    child,
                    TaskState::Queued,
                    Some(format!("dependency {label} is retried")),
                    "user",
                );
                frontier.push(child);
            }
        }
        Ok(format!("task {label} queued for attempt {next}"))
    }

    fn cancel(&mut self, id: TaskId) -> Result<String, ActionError> {
        let (state, label) = self.state_of(id);
        if state.is_terminal() {
            return Err(ActionError::Over { task: label, state });
        }
        if let Some(live) = self.live.get_mut(&id) {
            live.cancelled = true;
            live.cancel.cancel();
            let (slot, approval) = (live.slot, live.approval.take());
            if let Some(slot) = slot {
                self.push(Effect::Interrupt { slot });
                if let Some((call_id, _)) = approval {
                    self.push(Effect::Decide {
                        slot,
                        call_id,
                        decision: ApprovalDecision::Deny {
                            reason: Some("the task was cancelled".into()),
                        },
                    });
                }
            }
            return Ok(format!("cancelling task {label}"));
        }
        self.set_state(id, TaskState::Cancelled, Some("cancelled".into()), "user");
        Ok(format!("task {label} cancelled"))
    }

    fn resume(&mut self, id: TaskId) -> Result<String, ActionError> {
        let (state, label) = self.state_of(id);
        if state != TaskState::Interrupted {
            return Err(ActionError::NotInterrupted { task: label, state });
        }
        let Some(attempt) = self.board.get(id).and_then(|t| t.last_attempt()).cloned() else {
            self.set_state(
                id,
                TaskState::Queued,
                Some("resumed: it had not started".into()),
                "user",
            );
            return Ok(format!("task {label} queued"));
        };
        if !Path::new(&attempt.worktree).is_dir() {
            return Err(ActionError::WorktreeGone {
                task: label,
                attempt: attempt.number,
                worktree: attempt.worktree.clone(),
            });
        }
        let executor = self
            .board
            .get(id)
            .map(|t| t.spec.executor.clone())
            .unwrap_or_default();
        let prompt = if executor == "shell" {
            attempt.prompt.clone()
        } else {
            "You were interrupted (the switchboard server stopped). Continue the task where you \
             left off; the worktree holds what you did so far."
                .to_owned()
        };
        self.live.insert(
            id,
            super::Live {
                attempt: attempt.number,
                phase: super::Phase::Executing,
                cancel: Default::default(),
                cancelled: false,
                slot: None,
                approval: None,
                deadline: None,
                timed_out: false,
                started: std::time::Instant::now(),
            },
        );
        self.emit(crate::event::EventKind::TaskAttemptStarted(Box::new(
            crate::event::TaskAttemptStarted {
                task: id,
                attempt: attempt.number,
                session: attempt.session,
                worktree: attempt.worktree.clone(),
                branch: attempt.branch.clone(),
                start_commit: attempt.start_commit.clone(),
                merged: attempt.merged.clone(),
                prompt: prompt.clone(),
                executor,
                resumed: true,
            },
        )));
        self.set_state(
            id,
            TaskState::Running,
            Some(format!("attempt {} resumed in place", attempt.number)),
            "user",
        );
        let prepared = super::Prepared {
            path: attempt.worktree.clone().into(),
            branch: attempt.branch.clone(),
            start_commit: attempt.start_commit.clone(),
            merged: attempt.merged.clone(),
            session: attempt.session,
            prompt,
            resumed: true,
        };
        self.launch(id, attempt.number, &prepared);
        Ok(format!(
            "task {label} resumed in place (attempt {}, {})",
            attempt.number, attempt.worktree
        ))
    }

    /// The task whose native attempt runs in `slot`.
    pub(super) fn task_of_slot(&self, slot: SessionId) -> Option<TaskId> {
        self.live
            .iter()
            .find(|(_, l)| l.slot == Some(slot))
            .map(|(id, _)| *id)
    }

    /// A native attempt's agent said something.
    pub fn agent_update(&mut self, slot: SessionId, update: &AgentUpdate) -> Vec<Effect> {
        let Some(id) = self.task_of_slot(slot) else {
            return Vec::new();
        };
        match update {
            // Decided in the attempt's slot (a window showing it): the task runs on.
            AgentUpdate::Event(event) => {
                let decided = match &event.kind {
                    crate::event::EventKind::ToolApproved(a) => Some((&a.call_id, "approved")),
                    crate::event::EventKind::ToolDenied(d) => Some((&d.call_id, "denied")),
                    _ => None,
                };
                let pending = self.live.get(&id).and_then(|l| l.approval.clone());
                if let (Some((call_id, verb)), Some((waiting, command))) = (decided, pending)
                    && *call_id == waiting
                {
                    if let Some(live) = self.live.get_mut(&id) {
                        live.approval = None;
                    }
                    self.set_state(
                        id,
                        TaskState::Running,
                        Some(format!("{verb} `{command}` in the attempt's slot")),
                        "user",
                    );
                }
            }
            AgentUpdate::ApprovalNeeded {
                call_id, command, ..
            } => {
                if let Some(live) = self.live.get_mut(&id) {
                    live.approval = Some((call_id.clone(), command.clone()));
                }
                self.set_state(
                    id,
                    TaskState::AwaitingApproval,
                    Some(format!("the agent asks to run `{command}`")),
                    "agent",
                );
            }
            AgentUpdate::TurnFinished {
                outcome,
                error,
                usage,
                ..
            } => {
                let attempt = self.live.get(&id).map_or(0, |l| l.attempt);
                let elapsed = self
                    .live
                    .get(&id)
                    .map_or(0, |l| l.started.elapsed().as_millis() as u64);
                let outcome = ExecOutcome {
                    outcome: match outcome {
                        TurnOutcome::Completed | TurnOutcome::Other => AttemptOutcome::Succeeded,
                        TurnOutcome::Interrupted => AttemptOutcome::Cancelled,
                        TurnOutcome::Failed => AttemptOutcome::Failed,
                    },
                    exit_code: None,
                    error: error.clone(),
                    usage: *usage,
                    duration_ms: elapsed,
                };
                self.executed(id, attempt, outcome);
            }
        }
        self.take()
    }

    /// A native attempt's agent could not start.
    pub fn agent_failed(&mut self, slot: SessionId, error: &str) -> Vec<Effect> {
        if let Some(id) = self.task_of_slot(slot) {
            let attempt = self.live.get(&id).map_or(0, |l| l.attempt);
            self.executed(
                id,
                attempt,
                ExecOutcome::not_run(format!("the agent could not start: {error}")),
            );
        }
        self.take()
    }
}
