//! The end of an attempt: its changes become the result commit (patch and file hashes as
//! evidence), its validations run, and the task moves on — completed, to its gate, to the
//! next attempt, or to a failure. Then the scheduler runs.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{ExecOutcome, Phase, Runner, TaskInput};
use crate::event::{
    AttemptOutcome, EventKind, TaskAttemptEnded, TaskPatch, TaskState, TaskValidation,
};
use crate::ids::{SessionId, TaskId};
use crate::store::Store;
use crate::tasks::evidence::sha256_hex;
use crate::tasks::process::{self, Cancel};
use crate::tasks::schedule::{self, Decision};

impl Runner {
    /// Runs the scheduler until it has nothing more to decide.
    pub(super) fn schedule(&mut self) {
        if self.lost.is_some() {
            // The board in memory is ahead of the store: nothing starts on it.
            return;
        }
        loop {
            let decisions = schedule::decide(&self.board, self.settings.caps);
            if decisions.is_empty() {
                return;
            }
            for decision in decisions {
                match decision {
                    Decision::Start(id) => self.start(id),
                    Decision::Block { task, because } => {
                        self.set_state(task, TaskState::Blocked, Some(because), "scheduler")
                    }
                }
            }
        }
    }

    /// An executor ended: record the result commit and patch (off the core).
    pub(super) fn executed(&mut self, id: TaskId, attempt: u32, mut outcome: ExecOutcome) {
        let Some(live) = self.live.get_mut(&id).filter(|l| l.attempt == attempt) else {
            return;
        };
        if live.cancelled {
            outcome.outcome = AttemptOutcome::Cancelled;
            outcome.error = Some("cancelled".into());
        } else if live.timed_out {
            outcome.outcome = AttemptOutcome::Timeout;
            outcome.error = Some("the task's timeout passed; the agent was interrupted".into());
        }
        live.phase = Phase::Recording;
        live.slot = None;
        live.approval = None;
        live.deadline = None;
        let Some(record) = self.board.get(id).and_then(|t| t.attempt(attempt)) else {
            return;
        };
        let worktree = PathBuf::from(&record.worktree);
        let start = record.start_commit.clone();
        let session = record.session;
        let label = self
            .board
            .get(id)
            .map(|t| t.label().to_owned())
            .unwrap_or_default();
        let store = self.store.clone();
        let inputs = self.inputs.clone();
        tokio::task::spawn_blocking(move || {
            let ended = record_result(
                &store, &worktree, &start, session, id, attempt, &label, outcome,
            );
            let _ = inputs.blocking_send(crate::server::core::Input::Task(TaskInput::Recorded {
                task: id,
                attempt,
                ended: Box::new(ended),
            }));
        });
    }

    pub(super) fn recorded(&mut self, id: TaskId, attempt: u32, ended: TaskAttemptEnded) {
        if self.live.get(&id).is_none_or(|l| l.attempt != attempt) {
            return;
        }
        let outcome = ended.outcome;
        let error = ended.error.clone();
        self.emit(EventKind::TaskAttemptEnded(Box::new(ended)));
        let (state, by) = match outcome {
            AttemptOutcome::Succeeded => {
                return self.validate(id, attempt);
            }
            AttemptOutcome::Cancelled => (TaskState::Cancelled, "user"),
            AttemptOutcome::Timeout => (TaskState::Timeout, "timeout"),
            AttemptOutcome::Failed | AttemptOutcome::Other => (TaskState::FailedAgent, "executor"),
        };
        self.live.remove(&id);
        self.set_state(id, state, error, by);
        self.schedule();
    }

    fn validate(&mut self, id: TaskId, attempt: u32) {
        let Some(task) = self.board.get(id) else {
            return;
        };
        let validations = task.spec.validations.clone();
        if validations.is_empty() {
            return self.validated(id, attempt, Vec::new());
        }
        let Some(record) = task.attempt(attempt) else {
            return;
        };
        let dir = PathBuf::from(&record.worktree);
        let session = record.session;
        let Some(live) = self.live.get_mut(&id) else {
            return;
        };
        live.phase = Phase::Validating;
        let cancel = live.cancel.clone();
        self.set_state(
            id,
            TaskState::Validating,
            Some(format!("{} validation(s)", validations.len())),
            "executor",
        );
        let store = self.store.clone();
        let inputs = self.inputs.clone();
        let timeout = self.settings.validation_timeout;
        let login = self.settings.login_shell;
        tokio::task::spawn_blocking(move || {
            let results = run_validations(
                &store,
                &dir,
                session,
                id,
                attempt,
                &validations,
                timeout,
                login,
                &cancel,
            );
            let _ = inputs.blocking_send(crate::server::core::Input::Task(TaskInput::Validated {
                task: id,
                attempt,
                results,
            }));
        });
    }

    pub(super) fn validated(&mut self, id: TaskId, attempt: u32, results: Vec<TaskValidation>) {
        let Some(live) = self.live.remove(&id).filter(|l| l.attempt == attempt) else {
            return;
        };
        let mut kinds = Vec::with_capacity(results.len());
        for result in &results {
            let mut summary = result.clone();
            summary.log = Default::default();
            kinds.push(EventKind::TaskValidation(Box::new(summary)));
        }
        self.emit_all(kinds);
        let Some(task) = self.board.get(id) else {
            return;
        };
        let (max, gate, done) = (
            task.spec.max_attempts,
            task.spec.gate,
            task.attempts.len() as u32,
        );
        if live.cancelled {
            self.set_state(id, TaskState::Cancelled, Some("cancelled".into()), "user");
        } else if let Some(failed) = results.iter().find(|r| !r.passed) {
            let what = format!(
                "`{}` {}",
                failed.command,
                if failed.timed_out {
                    "timed out".to_owned()
                } else {
                    format!(
                        "exited with {}",
                        failed.exit_code.map_or("no code".into(), |c| c.to_string())
                    )
                }
            );
            if done < max {
                self.set_state(
                    id,
                    TaskState::Queued,
                    Some(format!(
                        "attempt {attempt} failed validation {what}; attempt {} of {max} follows",
                        done + 1
                    )),
                    "validation",
                );
            } else {
                self.set_state(
                    id,
                    TaskState::FailedValidation,
                    Some(format!("attempt {attempt} failed validation {what}")),
                    "validation",
                );
            }
        } else if gate {
            self.set_state(
                id,
                TaskState::AwaitingApproval,
                Some(format!(
                    "gate: {} validation(s) passed; approve to complete, or reject",
                    results.len()
                )),
                "gate",
            );
        } else {
            self.set_state(
                id,
                TaskState::Completed,
                Some(format!("{} validation(s) passed", results.len())),
                "validation",
            );
        }
        self.schedule();
    }
}

/// The result commit, its patch and file hashes; the patch goes into the attempt's session.
#[allow(clippy::too_many_arguments)]
fn record_result(
    store: &Store,
    worktree: &Path,
    start: &str,
    session: SessionId,
    task: TaskId,
    attempt: u32,
    label: &str,
    outcome: ExecOutcome,
) -> TaskAttemptEnded {
    let mut ended = TaskAttemptEnded {
        task,
        attempt,
        outcome: outcome.outcome,
        error: outcome.error,
        exit_code: outcome.exit_code,
        commit: None,
        patch_sha256: None,
        patch_bytes: 0,
        files: Vec::new(),
        usage: outcome.usage,
        duration_ms: outcome.duration_ms,
    };
    if !worktree.is_dir() {
        ended.outcome = AttemptOutcome::Failed;
        ended.error = Some(format!(
            "the attempt's worktree {} is gone (deleted by hand?); `task retry` starts a fresh attempt",
            worktree.display()
        ));
        return ended;
    }
    let message = format!(
        "switchboard: result of task {label} ({}), attempt {attempt}",
        task.short()
    );
    let result = crate::tasks::git::commit_result(worktree, &message).and_then(|commit| {
        crate::tasks::git::patch_and_files(worktree, start, &commit).map(|p| (commit, p))
    });
    match result {
        Ok((commit, (patch, files))) => {
            ended.commit = Some(commit);
            ended.patch_sha256 = Some(sha256_hex(&patch));
            ended.patch_bytes = patch.len() as u64;
            ended.files = files;
            let event = EventKind::TaskPatch(TaskPatch {
                task,
                attempt,
                patch: patch.into(),
            });
            if let Err(error) = store.append(session, vec![event]).and_then(|p| p.wait()) {
                tracing::warn!(%error, "cannot record an attempt's patch");
            }
        }
        Err(error) => {
            if ended.outcome == AttemptOutcome::Succeeded {
                ended.outcome = AttemptOutcome::Failed;
            }
            ended.error = Some(format!("cannot record the result: {error}"));
        }
    }
    ended
}

/// Runs every validation in the worktree; each is recorded (with its log) in the session.
#[allow(clippy::too_many_arguments)]
fn run_validations(
    store: &Store,
    dir: &Path,
    session: SessionId,
    task: TaskId,
    attempt: u32,
    commands: &[String],
    timeout: Duration,
    login: bool,
    cancel: &Cancel,
) -> Vec<TaskValidation> {
    let mut results = Vec::with_capacity(commands.len());
    for (index, command) in commands.iter().enumerate() {
        let finished = if dir.is_dir() {
            process::run(
                process::shell(command, dir, login),
                Some(timeout),
                cancel,
                |_| {},
            )
        } else {
            process::Finished {
                ended: process::Ended::NotStarted(format!("{} is gone", dir.display())),
                duration: Duration::ZERO,
                log: format!("the worktree {} is gone\n", dir.display()).into_bytes(),
            }
        };
        let result = TaskValidation {
            task,
            attempt,
            index: index as u32,
            command: command.clone(),
            exit_code: finished.ended.code(),
            duration_ms: finished.duration.as_millis() as u64,
            passed: finished.ended.success(),
            timed_out: finished.ended == process::Ended::TimedOut,
            log_sha256: sha256_hex(&finished.log),
            log_bytes: finished.log.len() as u64,
            log: finished.log.into(),
        };
        if let Err(error) = store
            .append(
                session,
                vec![EventKind::TaskValidation(Box::new(result.clone()))],
            )
            .and_then(|p| p.wait())
        {
            tracing::warn!(%error, "cannot record a validation");
        }
        results.push(result);
        if cancel.is_cancelled() {
            break;
        }
    }
    results
}
