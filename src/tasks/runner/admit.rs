//! Submissions: every draft is checked (executor, policy, goal, dependencies, cycles) on the
//! core, then against git and the machine off it (repository, base, executor binary), then
//! the whole submission is admitted in one append — all or nothing.

use std::path::Path;

use super::{ClientId, Runner, TaskInput};
use crate::event::{EventKind, TaskPlan, TaskSpec, TaskSubmitted};
use crate::ids::TaskId;
use crate::protocol::Notification;
use crate::protocol::tasks::{SubmitRequest, TaskNotification};
use crate::tasks::dag::{self, Dependency};
use crate::tasks::draft::{DraftError, Executor, TaskDraft, parse_approval};

/// What the off-core checks found for one draft.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub repo: String,
    pub base_commit: String,
}

impl Runner {
    pub(super) fn submit(&mut self, client: ClientId, request: SubmitRequest) {
        if let Err(error) = self.check_drafts(&request.tasks) {
            self.refuse(client, error.to_string());
            return;
        }
        let presets = self.settings.presets.clone();
        let codex = self.settings.codex.clone();
        let inputs = self.inputs.clone();
        tokio::task::spawn_blocking(move || {
            let mut checked = Checked::default();
            let result = request
                .tasks
                .iter()
                .map(|draft| check_machine(draft, &presets, &codex, &mut checked))
                .collect::<Result<Vec<_>, AdmitError>>();
            let _ = inputs.blocking_send(crate::server::core::Input::Task(TaskInput::Checked {
                client,
                request: Box::new(request),
                result,
            }));
        });
    }

    /// The checks that need no I/O: a refusal names the task and what is wrong.
    fn check_drafts(&self, drafts: &[TaskDraft]) -> Result<(), DraftError> {
        for draft in drafts {
            let label = draft.name.clone().unwrap_or_else(|| draft.title());
            if draft.goal.trim().is_empty() {
                return Err(DraftError::EmptyGoal(label));
            }
            let executor = Executor::parse(draft.executor.as_deref().unwrap_or("native"))?;
            if let Executor::Preset(name) = &executor
                && !self.settings.presets.contains_key(name)
            {
                return Err(DraftError::Executor(name.clone()));
            }
            if let Some(policy) = &draft.approval {
                parse_approval(policy)?;
            }
            if draft.attempts == Some(0) {
                return Err(DraftError::Attempts(label));
            }
            if draft.max_running == Some(0) {
                return Err(DraftError::Plan("--max-running must be at least 1".into()));
            }
        }
        dag::resolve(drafts, &self.board).map(|_| ())
    }

    pub(super) fn checked(
        &mut self,
        client: ClientId,
        request: SubmitRequest,
        result: Result<Vec<Resolved>, AdmitError>,
    ) {
        let resolved = match result {
            Ok(resolved) => resolved,
            Err(error) => return self.refuse(client, error.to_string()),
        };
        let deps = match dag::resolve(&request.tasks, &self.board) {
            Ok(deps) => deps,
            Err(error) => return self.refuse(client, error.to_string()),
        };
        let ids: Vec<TaskId> = request.tasks.iter().map(|_| TaskId::new()).collect();
        let plan = request.plan.as_ref().map(|source| TaskPlan {
            plan: TaskId::new(),
            name: source.name.clone(),
            source: source.path.clone(),
            text: source.text.clone(),
        });
        let mut kinds = Vec::with_capacity(ids.len() + 1);
        if let Some(plan) = &plan {
            kinds.push(EventKind::TaskPlan(Box::new(plan.clone())));
        }
        for (i, draft) in request.tasks.iter().enumerate() {
            let depends = deps[i]
                .iter()
                .map(|d| match d {
                    Dependency::New(j) => ids[*j],
                    Dependency::Existing(id) => *id,
                })
                .collect();
            let spec = TaskSpec {
                title: draft.title(),
                goal: draft.goal.clone(),
                executor: draft.executor.clone().unwrap_or_else(|| "native".into()),
                repo: resolved[i].repo.clone(),
                base: draft.base.clone().unwrap_or_else(|| "HEAD".into()),
                base_commit: resolved[i].base_commit.clone(),
                depends,
                validations: draft.validations.clone(),
                acceptance: draft.acceptance.clone(),
                timeout_ms: draft.timeout_ms,
                max_attempts: draft
                    .attempts
                    .unwrap_or(crate::tasks::DEFAULT_ATTEMPTS)
                    .max(1),
                priority: draft.priority,
                labels: draft.labels.clone(),
                gate: draft.gate,
                approval: draft
                    .approval
                    .clone()
                    .unwrap_or_else(|| self.settings.approval.clone()),
                name: draft.name.clone(),
                max_running: draft.max_running,
            };
            kinds.push(EventKind::TaskSubmitted(Box::new(TaskSubmitted {
                task: ids[i],
                spec,
                plan: plan.as_ref().map(|p| p.plan),
                input: request.input.clone(),
            })));
        }
        self.emit_all(kinds);
        for id in &ids {
            self.agents.insert(*id, request.agents.clone());
        }
        if request.wait {
            self.watchers.push((client, ids.clone()));
        }
        self.push(Effect::Reply(
            client,
            Notification::Task(TaskNotification::Admitted { ids: ids.clone() }),
        ));
        for id in ids {
            self.changed(id);
        }
        self.schedule();
    }
}

use super::Effect;

/// Why a submission is refused by the checks that need git or the machine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdmitError {
    #[error("task {task}: {source}")]
    Repo {
        task: String,
        source: crate::tasks::git::RepoError,
    },
    #[error(transparent)]
    Draft(#[from] crate::tasks::draft::DraftError),
    #[error(
        "task {task}: executor {executor} needs `{program}`, which is not installed or not on PATH"
    )]
    Missing {
        task: String,
        executor: String,
        program: String,
    },
}

/// What one submission's checks already found: a plan's tasks mostly share a repository, a
/// base and an executor, and asking git once per task would make a big plan slow to admit.
#[derive(Debug, Default)]
pub(super) struct Checked {
    repos: std::collections::HashMap<(String, String), (String, String)>,
    programs: std::collections::HashSet<String>,
}

/// The checks that need git or the filesystem.
fn check_machine(
    draft: &TaskDraft,
    presets: &std::collections::BTreeMap<String, String>,
    codex: &[String],
    checked: &mut Checked,
) -> Result<Resolved, AdmitError> {
    let label = draft.name.clone().unwrap_or_else(|| draft.title());
    let dir = draft.repo.clone().unwrap_or_else(|| ".".into());
    let base = draft.base.clone().unwrap_or_else(|| "HEAD".into());
    let key = (dir, base);
    let (repo, base_commit) = match checked.repos.get(&key) {
        Some(found) => found.clone(),
        None => {
            let found =
                crate::tasks::git::resolve(&key.0, &key.1).map_err(|source| AdmitError::Repo {
                    task: label.clone(),
                    source,
                })?;
            checked.repos.insert(key, found.clone());
            found
        }
    };
    let executor = Executor::parse(draft.executor.as_deref().unwrap_or("native"))?;
    let program = match &executor {
        Executor::Codex => codex.first().cloned(),
        Executor::Preset(name) => presets
            .get(name)
            .and_then(|line| line.split_whitespace().next().map(str::to_owned)),
        Executor::Native | Executor::Shell => None,
    };
    if let Some(program) = program
        && !checked.programs.contains(&program)
    {
        if !on_path(&program) {
            return Err(AdmitError::Missing {
                task: label,
                executor: executor.to_string(),
                program,
            });
        }
        checked.programs.insert(program);
    }
    Ok(Resolved { repo, base_commit })
}

/// Whether `program` can be run: a path to an executable file, or a name found on `PATH`.
pub fn on_path(program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let runnable = |path: &Path| {
        path.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if program.contains('/') {
        return runnable(Path::new(program));
    }
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| runnable(&dir.join(program))))
        .unwrap_or(false)
}
