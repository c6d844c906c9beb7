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
use crate::tasks::draft::{Executor, TaskDraft, parse_approval};

/// What the off-core checks found for one draft.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub repo: String,
    pub base_commit: String,
}

impl Runner {
    pub(super) fn submit(&mut self, client: ClientId, request: SubmitRequest) {
        if let Err(error) = self.check_drafts(&request.tasks) {
            self.refuse(client, error);
            return;
        }
        let presets = self.settings.presets.clone();
        let codex = self.settings.codex.clone();
        let inputs = self.inputs.clone();
        tokio::task::spawn_blocking(move || {
            let result = request
                .tasks
                .iter()
                .map(|draft| check_machine(draft, &presets, &codex))
                .collect::<Result<Vec<_>, String>>();
            let _ = inputs.blocking_send(crate::server::core::Input::Task(TaskInput::Checked {
                client,
                request: Box::new(request),
                result,
            }));
        });
    }

    /// The checks that need no I/O: a refusal names the task and what is wrong.
    fn check_drafts(&self, drafts: &[TaskDraft]) -> Result<(), String> {
        for draft in drafts {
            let label = draft.name.clone().unwrap_or_else(|| draft.title());
            if draft.goal.trim().is_empty() {
                return Err(format!("task {label}: the goal is empty"));
            }
            let executor = Executor::parse(draft.executor.as_deref().unwrap_or("native"))
                .map_err(|e| e.to_string())?;
            if let Executor::Preset(name) = &executor
                && !self.settings.presets.contains_key(name)
            {
                return Err(format!(
                    "unknown executor {name:?}: use native, codex, shell or a [tasks.commands] preset{}",
                    if self.settings.presets.is_empty() {
                        " (none is configured)".to_owned()
                    } else {
                        format!(
                            " ({})",
                            self.settings
                                .presets
                                .keys()
                                .cloned()
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    }
                ));
            }
            if let Some(policy) = &draft.approval {
                parse_approval(policy).map_err(|e| e.to_string())?;
            }
            if draft.attempts == Some(0) {
                return Err(format!("task {label}: attempts must be at least 1"));
            }
            if draft.max_running == Some(0) {
                return Err("--max-running must be at least 1".into());
            }
        }
        dag::resolve(drafts, &self.board)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    pub(super) fn checked(
        &mut self,
        client: ClientId,
        request: SubmitRequest,
        result: Result<Vec<Resolved>, String>,
    ) {
        let resolved = match result {
            Ok(resolved) => resolved,
            Err(error) => return self.refuse(client, error),
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
        self.effects.push(Effect::Reply(
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

/// The checks that need git or the filesystem.
fn check_machine(
    draft: &TaskDraft,
    presets: &std::collections::BTreeMap<String, String>,
    codex: &[String],
) -> Result<Resolved, String> {
    let label = draft.name.clone().unwrap_or_else(|| draft.title());
    let dir = draft.repo.clone().unwrap_or_else(|| ".".into());
    let base = draft.base.clone().unwrap_or_else(|| "HEAD".into());
    let (repo, base_commit) =
        crate::tasks::git::resolve(&dir, &base).map_err(|e| format!("task {label}: {e}"))?;
    let executor = Executor::parse(draft.executor.as_deref().unwrap_or("native"))
        .map_err(|e| e.to_string())?;
    let program = match &executor {
        Executor::Codex => codex.first().cloned(),
        Executor::Preset(name) => presets
            .get(name)
            .and_then(|line| line.split_whitespace().next().map(str::to_owned)),
        Executor::Native | Executor::Shell => None,
    };
    if let Some(program) = program
        && !on_path(&program)
    {
        return Err(format!(
            "task {label}: executor {executor} needs `{program}`, which is not installed or not on PATH"
        ));
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
