//! Starting an attempt: its worktree (the base plus every dependency's result), its session
//! (kind agent, so it opens in a slot like any other), the prompt, then the executor.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{Effect, Held, Live, Phase, PrepareFailure, Runner, TaskInput};
use crate::event::{
    EventKind, SessionCreated, SessionKind, SessionWorktree, TaskAttemptStarted, TaskSpec,
    TaskState, UserMessage,
};
use crate::ids::{SessionId, TaskId};
use crate::store::Store;
use crate::tasks::draft::Executor;
use crate::tasks::git::{self, DependencyResult, PrepareError};
use crate::tasks::process::Cancel;

/// Longest part of a failed validation's log an agent gets as context: the end of a test
/// run says what failed; 4 KiB is ~1k tokens.
const FAILURE_CONTEXT: usize = 4 * 1024;

/// An attempt ready to run.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub path: PathBuf,
    pub branch: String,
    pub start_commit: String,
    pub merged: Vec<crate::event::MergedDependency>,
    pub session: SessionId,
    pub prompt: String,
    pub resumed: bool,
}

impl Runner {
    /// Starts the next attempt of a queued task.
    pub(super) fn start(&mut self, id: TaskId) {
        let Some(task) = self.board.get(id) else {
            return;
        };
        let number = task.attempts.len() as u32 + 1;
        let spec = task.spec.clone();
        let previous = task.last_attempt().map(|a| a.session);
        let dependencies: Vec<DependencyResult> = spec
            .depends
            .iter()
            .filter_map(|dep| {
                let d = self.board.get(*dep)?;
                let commit = d.last_attempt()?.result.as_ref()?.commit.clone()?;
                Some(DependencyResult {
                    task: d.id,
                    label: d.label().to_owned(),
                    commit,
                })
            })
            .collect();
        self.live.insert(
            id,
            Live {
                attempt: number,
                phase: Phase::Preparing,
                cancel: Cancel::default(),
                cancelled: false,
                slot: None,
                approval: None,
                deadline: None,
                timed_out: false,
                started: Instant::now(),
            },
        );
        self.set_state(
            id,
            TaskState::Running,
            Some(format!(
                "attempt {number} of {}",
                spec.max_attempts.max(number)
            )),
            "scheduler",
        );
        let store = self.store.clone();
        let inputs = self.inputs.clone();
        let worktrees = self.settings.worktrees_dir.clone();
        tokio::task::spawn_blocking(move || {
            let result = prepare(
                &store,
                &worktrees,
                id,
                number,
                &spec,
                &dependencies,
                previous,
            );
            let _ = inputs.blocking_send(crate::server::core::Input::Task(TaskInput::Prepared {
                task: id,
                attempt: number,
                result: result.map(Box::new),
            }));
        });
    }

    pub(super) fn prepared(
        &mut self,
        id: TaskId,
        attempt: u32,
        result: Result<Box<Prepared>, PrepareFailure>,
    ) {
        let cancelled = match self.live.get(&id) {
            Some(live) if live.attempt == attempt => live.cancelled,
            _ => return,
        };
        let prepared = match result {
            Err(PrepareFailure::Conflict(why)) => {
                self.live.remove(&id);
                self.set_state(id, TaskState::Blocked, Some(why), "git");
                self.schedule();
                return;
            }
            Err(PrepareFailure::Failed(why)) => {
                self.live.remove(&id);
                self.set_state(id, TaskState::FailedAgent, Some(why), "runner");
                self.schedule();
                return;
            }
            Ok(prepared) => *prepared,
        };
        let Some(task) = self.board.get(id) else {
            return;
        };
        self.emit(EventKind::TaskAttemptStarted(Box::new(
            TaskAttemptStarted {
                task: id,
                attempt,
                session: prepared.session,
                worktree: prepared.path.display().to_string(),
                branch: prepared.branch.clone(),
                start_commit: prepared.start_commit.clone(),
                merged: prepared.merged.clone(),
                prompt: prepared.prompt.clone(),
                executor: task.spec.executor.clone(),
                resumed: prepared.resumed,
            },
        )));
        self.changed(id);
        if cancelled {
            self.live.remove(&id);
            self.set_state(id, TaskState::Cancelled, Some("cancelled".into()), "user");
            self.schedule();
            return;
        }
        self.launch(id, attempt, &prepared);
    }

    /// Runs the executor of a prepared (or resumed) attempt.
    pub(super) fn launch(&mut self, id: TaskId, attempt: u32, prepared: &Prepared) {
        let Some(task) = self.board.get(id) else {
            return;
        };
        let spec = task.spec.clone();
        let thread = task.attempt(attempt).and_then(|a| a.thread.clone());
        let timeout = spec.timeout_ms.map(Duration::from_millis);
        let executor = Executor::parse(&spec.executor).unwrap_or(Executor::Native);
        let Some(live) = self.live.get_mut(&id) else {
            return;
        };
        live.phase = Phase::Executing;
        live.started = Instant::now();
        if executor == Executor::Native {
            live.slot = Some(prepared.session);
            live.deadline = timeout.map(|t| Instant::now() + t);
            let mut options = self.agents.get(&id).cloned().unwrap_or_default();
            if let Ok(policy) = spec.approval.parse() {
                options.approval = policy;
            }
            let path = prepared.path.display().to_string();
            self.push(Effect::StartAgent {
                slot: prepared.session,
                cwd: path.clone(),
                worktree: SessionWorktree {
                    path,
                    branch: prepared.branch.clone(),
                    base: prepared.start_commit.clone(),
                    repo: spec.repo.clone(),
                },
                options,
                prompt: prepared.prompt.clone(),
            });
            return;
        }
        let job = super::executors::Job {
            task: id,
            attempt,
            executor,
            spec,
            session: prepared.session,
            dir: prepared.path.clone(),
            prompt: prepared.prompt.clone(),
            thread,
            timeout,
            cancel: live.cancel.clone(),
            login_shell: self.settings.login_shell,
            codex: self.settings.codex.clone(),
            presets: self.settings.presets.clone(),
            resumed: prepared.resumed,
        };
        // Like a native attempt's agent, the process starts once its start is on record.
        self.outbox.push(Held::Run(Box::new(job)));
    }

    /// Runs a process executor off the core; its end comes back as `TaskInput::Executed`.
    pub(super) fn run_job(&mut self, job: super::executors::Job) {
        let store = self.store.clone();
        let inputs = self.inputs.clone();
        tokio::task::spawn_blocking(move || {
            let outcome = super::executors::run(&store, &job, &inputs);
            let _ = inputs.blocking_send(crate::server::core::Input::Task(TaskInput::Executed {
                task: job.task,
                attempt: job.attempt,
                outcome,
            }));
        });
    }
}

/// The worktree, the session and the prompt of a new attempt (blocking).
fn prepare(
    store: &Store,
    worktrees: &Path,
    id: TaskId,
    attempt: u32,
    spec: &TaskSpec,
    dependencies: &[DependencyResult],
    previous: Option<SessionId>,
) -> Result<Prepared, PrepareFailure> {
    let tree = git::prepare(
        Path::new(&spec.repo),
        worktrees,
        id,
        attempt,
        &spec.base_commit,
        dependencies,
    )
    .map_err(|e| match e {
        PrepareError::Conflict { .. } => PrepareFailure::Conflict(e.to_string()),
        other => PrepareFailure::Failed(format!("cannot prepare attempt {attempt}: {other}")),
    })?;
    let executor = Executor::parse(&spec.executor).unwrap_or(Executor::Native);
    let failure = previous.and_then(|s| failed_validation(store, s));
    let prompt = prompt(spec, &executor, failure.as_deref());
    let session = SessionId::new();
    let path = tree.path.display().to_string();
    let mut kinds = vec![EventKind::SessionCreated(SessionCreated {
        kind: SessionKind::Agent,
        title: Some(crate::text::truncate(
            &format!(
                "task {} · attempt {attempt}",
                spec.name.as_deref().unwrap_or(&spec.title)
            ),
            60,
        )),
        cwd: path.clone(),
        command: None,
        model: None,
        owner: Some(crate::process::ProcessOwner::current()),
    })];
    kinds.push(EventKind::SessionWorktree(SessionWorktree {
        path,
        branch: tree.branch.clone(),
        base: tree.start_commit.clone(),
        repo: spec.repo.clone(),
    }));
    if executor != Executor::Native && executor != Executor::Shell {
        // A native agent records its own prompt as the first event of its turn.
        kinds.push(EventKind::UserMessage(UserMessage {
            text: prompt.clone(),
        }));
    }
    store
        .append(session, kinds)
        .and_then(|p| p.wait())
        .map_err(|e| PrepareFailure::Failed(format!("cannot record the attempt: {e}")))?;
    Ok(Prepared {
        path: tree.path,
        branch: tree.branch,
        start_commit: tree.start_commit,
        merged: tree.merged,
        session,
        prompt,
        resumed: false,
    })
}

/// What an executor is given: a command as is; an agent the goal, what done means, the
/// checks, and the previous attempt's failing check.
pub fn prompt(spec: &TaskSpec, executor: &Executor, failure: Option<&str>) -> String {
    if !executor.is_agent() && !matches!(executor, Executor::Preset(_)) {
        return spec.goal.clone();
    }
    let mut out = spec.goal.trim().to_owned();
    if let Some(acceptance) = &spec.acceptance {
        out.push_str(&format!("\n\nDone means: {}", acceptance.trim()));
    }
    if !spec.validations.is_empty() {
        out.push_str("\n\nThese checks must pass afterwards (run in the repository's root):");
        for v in &spec.validations {
            out.push_str(&format!("\n- `{v}`"));
        }
    }
    if let Some(failure) = failure {
        out.push_str(&format!(
            "\n\nThe previous attempt did not pass: {failure}\nFix that this time."
        ));
    }
    out
}

/// The first failed validation of an earlier attempt, with the end of its log.
fn failed_validation(store: &Store, session: SessionId) -> Option<String> {
    let events = store.events(session).ok()?;
    events.iter().find_map(|e| match &e.kind {
        EventKind::TaskValidation(v) if !v.passed => {
            let log = String::from_utf8_lossy(&v.log.0);
            let tail: String = {
                let start = log.len().saturating_sub(FAILURE_CONTEXT);
                let start = (start..log.len())
                    .find(|i| log.is_char_boundary(*i))
                    .unwrap_or(0);
                log[start..].to_owned()
            };
            Some(format!(
                "`{}` exited with {}. Its output ended with:\n```\n{}\n```",
                v.command,
                v.exit_code.map_or("no code".to_owned(), |c| c.to_string()),
                tail.trim_end()
            ))
        }
        _ => None,
    })
}
