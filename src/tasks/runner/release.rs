//! What the runner says goes through its outbox: held behind the board events emitted before
//! it, then carried out once they are durable — or, if they were lost, turned into what is
//! true instead (a refusal, a denial, an attempt that did not start).

use super::outbox::{Batch, Released};
use super::{ClientId, Effect, ExecOutcome, Held, Runner, WriteError};
use crate::agent::ApprovalDecision;
use crate::ids::TaskId;
use crate::protocol::tasks::TaskNotification;
use crate::protocol::{Notification, Scope};

impl Runner {
    /// Says `effect`: it waits for the board events emitted so far unless it reports nothing
    /// of the board.
    pub(super) fn push(&mut self, effect: Effect) {
        let waits = match &effect {
            // Answers, news and "needs you" report the board: nobody may hear of a change a
            // crash could still lose. Refusals and reads wait too, so a client's answers keep
            // the order of its commands (a `show` never overtakes the `submit` before it).
            Effect::Reply(..) | Effect::Broadcast(_) | Effect::NeedsYou(_) => true,
            // An attempt runs only once its start is on record: a crash never leaves work
            // in a worktree the board does not know of.
            Effect::StartAgent { .. } => true,
            // The command runs only once the person's decision that lets it is on record.
            Effect::Decide { .. } => true,
            // Stopping sooner would be safe, but it must not overtake a held `StartAgent` of
            // its slot (a cancel right after a start would interrupt nothing).
            Effect::Interrupt { .. } => true,
            // Only at server stop, after the runner forgot the attempt: a held `StartAgent`
            // of the slot is then dropped on release (see `carry_out`), and the core's stop
            // must have it before it closes the slots.
            Effect::DropAgent { .. } => false,
            // An event of an attempt's own session, queued to the store by its executor: it
            // says nothing of the board, and a window showing the session follows it live.
            Effect::SessionEvent(_) => false,
        };
        if waits {
            self.outbox.push(Held::Effect(effect));
        } else {
            self.outbox.pass(Held::Effect(effect));
        }
    }

    /// Effects the core may carry out now, in order.
    pub fn take(&mut self) -> Vec<Effect> {
        let mut refused = Vec::new();
        loop {
            let released = self.outbox.take();
            if released.is_empty() {
                break;
            }
            for item in released {
                match item {
                    Released::Durable(held) => self.carry_out(held),
                    Released::Failed(held, error) => self.lose(held, &error, &mut refused),
                }
            }
        }
        std::mem::take(&mut self.effects)
    }

    /// The writer settled a batch: on the first loss every workstation hears why, and the
    /// runner stops (see `lost`).
    pub(super) fn written(&mut self, batch: Batch, result: Result<(), WriteError>) {
        if let Err(error) = &result
            && self.lost.is_none()
        {
            self.lost = Some(error.clone());
            self.outbox
                .pass(Held::Effect(Effect::Broadcast(Notification::Notice {
                    text: error.to_string(),
                    failure: Some(Scope::Store),
                })));
        }
        self.outbox.settle(batch, result);
    }

    fn carry_out(&mut self, held: Held) {
        match held {
            Held::Effect(Effect::StartAgent { slot, .. }) if self.task_of_slot(slot).is_none() => {
                // The attempt was forgotten (the server stops) while its start was recorded.
            }
            Held::Effect(effect) => self.effects.push(effect),
            Held::Run(job) => {
                if self
                    .live
                    .get(&job.task)
                    .is_some_and(|l| l.attempt == job.attempt)
                {
                    self.run_job(*job);
                }
            }
        }
    }

    /// What was held behind a lost batch reported a change that is not on record.
    fn lose(&mut self, held: Held, error: &WriteError, refused: &mut Vec<ClientId>) {
        match held {
            Held::Effect(Effect::Reply(client, _)) => {
                // One error per client says it; the rest of its answers would repeat it.
                if !refused.contains(&client) {
                    refused.push(client);
                    self.effects.push(Effect::Reply(
                        client,
                        Notification::Task(TaskNotification::Refused {
                            error: error.to_string(),
                        }),
                    ));
                }
            }
            // News of a change that did not happen on record; the notice says why.
            Held::Effect(Effect::Broadcast(_) | Effect::NeedsYou(_)) => {}
            Held::Effect(Effect::StartAgent { slot, .. }) => {
                if let Some(id) = self.task_of_slot(slot) {
                    self.not_started(id, error);
                }
            }
            Held::Run(job) => {
                if self
                    .live
                    .get(&job.task)
                    .is_some_and(|l| l.attempt == job.attempt)
                {
                    self.not_started(job.task, error);
                }
            }
            // The agent waits for an answer; a command whose approval is not on record
            // does not run.
            Held::Effect(Effect::Decide { slot, call_id, .. }) => {
                self.effects.push(Effect::Decide {
                    slot,
                    call_id,
                    decision: ApprovalDecision::Deny {
                        reason: Some(error.to_string()),
                    },
                })
            }
            // Stopping work is right whatever was recorded.
            Held::Effect(
                effect @ (Effect::Interrupt { .. }
                | Effect::DropAgent { .. }
                | Effect::SessionEvent(_)),
            ) => self.effects.push(effect),
        }
    }

    /// An attempt whose start was lost ends as failed without running, so it does not hold
    /// its place (and the server) forever.
    fn not_started(&mut self, id: TaskId, error: &WriteError) {
        let Some(attempt) = self.live.get(&id).map(|l| l.attempt) else {
            return;
        };
        self.executed(
            id,
            attempt,
            ExecOutcome::not_run(format!("the attempt did not start: {error}")),
        );
    }
}
