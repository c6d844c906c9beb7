//! What the tools take: one struct per tool, whose doc comments become the JSON schema a model
//! reads (schemars, through rmcp), and the checks that turn them into requests. Everything
//! here is pure, so every refusal is a plain table test; a refusal is one line naming the
//! argument, and reaches the client as an `invalid_params` error.

use std::path::{Path, PathBuf};

use rmcp::schemars::{self, JsonSchema};
use serde::Deserialize;

use crate::event::TaskState;
use crate::ids::IdPrefix;
use crate::protocol::tasks::{PlanSource, SubmitRequest};
use crate::session::SessionStatus;
use crate::tasks::TaskDraft;

/// Sessions `session_list` returns unless asked for fewer: a screenful for a model, which can
/// narrow the search instead of paging through hundreds.
pub const DEFAULT_LIST: u32 = 20;
/// The most `session_list` returns at once: past this a result stops being something a model
/// reads and becomes a dump (`switchboard sessions list --json` is there for that).
pub const MAX_LIST: u32 = 200;

/// Session states a `status` filter may name.
const SESSION_STATES: [SessionStatus; 7] = [
    SessionStatus::New,
    SessionStatus::Running,
    SessionStatus::Idle,
    SessionStatus::Exited,
    SessionStatus::Interrupted,
    SessionStatus::Failed,
    SessionStatus::Closed,
];

/// Why a tool's arguments were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

fn invalid(text: impl Into<String>) -> Invalid {
    Invalid(text.into())
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionStart {
    /// What the agent should do: the first user message of the new session.
    pub prompt: String,
    /// The directory the session works in: absolute, or relative to where `switchboard mcp`
    /// runs (the default).
    #[serde(default)]
    pub cwd: Option<String>,
    /// Work in a new git worktree and branch of the repository holding `cwd`, so the
    /// session's changes stay apart until merged.
    #[serde(default)]
    pub worktree: bool,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionReply {
    /// The session to continue: its id or a unique prefix of it.
    pub session: String,
    /// The next user message.
    pub prompt: String,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionList {
    /// Only sessions whose title or id contains this text (case-insensitive).
    #[serde(default)]
    pub query: Option<String>,
    /// Only sessions whose working directory contains this text.
    #[serde(default)]
    pub cwd: Option<String>,
    /// Only sessions in this state: new, running, idle, exited, interrupted, failed or closed.
    #[serde(default)]
    pub status: Option<String>,
    /// How many to return, newest first (default 20, at most 200).
    #[serde(default)]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionShow {
    /// The session: its id or a unique prefix of it.
    pub session: String,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionFork {
    /// The session to fork: its id or a unique prefix of it.
    pub session: String,
    /// Fork after this turn ended (1 is the first); default: after the session's last event.
    #[serde(default)]
    pub turn: Option<u32>,
    /// Fork after this event (its seq, as `sessions export` shows it); not with `turn`.
    #[serde(default)]
    pub at: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskSubmit {
    /// One task: the prompt for an agent executor, or the command line for `shell`. Give
    /// this or `plan`.
    #[serde(default)]
    pub goal: Option<String>,
    /// Several tasks at once: a plan in TOML (`[[task]]` tables with `name`, `goal`,
    /// `depends`, `validations`, …; see docs/TASKS.md). Admitted all or nothing.
    #[serde(default)]
    pub plan: Option<String>,
    /// A short title (default: the goal's first line).
    #[serde(default)]
    pub title: Option<String>,
    /// What runs the attempts: native (switchboard's agent, the default), codex, shell, or a
    /// `[tasks.commands]` preset of the config.
    #[serde(default)]
    pub executor: Option<String>,
    /// Shell commands that must exit 0 in the attempt's worktree for the task to complete.
    #[serde(default)]
    pub validations: Vec<String>,
    /// Tasks this one needs completed first: ids, unique prefixes or names.
    #[serde(default)]
    pub depends: Vec<String>,
    /// A directory inside the git repository to work on (default: where `switchboard mcp`
    /// runs); a plan's relative `repo` is read from here too.
    #[serde(default)]
    pub repo: Option<String>,
    /// The ref attempts start from (default HEAD).
    #[serde(default)]
    pub base: Option<String>,
    /// The executor's time limit per attempt: 90s, 30m, 2h.
    #[serde(default)]
    pub timeout: Option<String>,
    /// Attempts in all; a failed validation starts the next one with the failure as context.
    #[serde(default)]
    pub attempts: Option<u32>,
    /// A person must approve (`task_approve`) before the task counts as completed.
    #[serde(default)]
    pub gate: bool,
    /// When agent executors ask before running a command: untrusted, on-request or never.
    #[serde(default)]
    pub approval: Option<String>,
    /// What done means, told to agent executors.
    #[serde(default)]
    pub acceptance: Option<String>,
    /// Labels to find the task by (shown in lists).
    #[serde(default)]
    pub labels: Vec<String>,
    /// Higher runs first among tasks ready at once.
    #[serde(default)]
    pub priority: i32,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskList {
    /// Only tasks in this state: queued, running, validating, awaiting_approval, interrupted,
    /// blocked, completed, failed_validation, failed_agent, timeout, cancelled or rejected.
    #[serde(default)]
    pub state: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskRef {
    /// The task: its id, a unique prefix of it, or its name.
    pub id: String,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskReject {
    /// The task: its id, a unique prefix of it, or its name.
    pub id: String,
    /// Why it is rejected (recorded, and shown to whoever retries it).
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskEvidence {
    /// The task: its id, a unique prefix of it, or its name.
    pub id: String,
    /// The attempt (default: the latest).
    #[serde(default)]
    pub attempt: Option<u32>,
    /// Also return this file's text (a name from the list, e.g. `patch.diff`).
    #[serde(default)]
    pub file: Option<String>,
}

/// A prompt with something in it.
pub fn prompt(text: &str) -> Result<String, Invalid> {
    if text.trim().is_empty() {
        return Err(invalid("`prompt` is empty: say what the agent should do"));
    }
    Ok(text.to_owned())
}

/// A session id or prefix as the store resolves it.
pub fn session_id(text: &str) -> Result<String, Invalid> {
    match IdPrefix::parse(text) {
        Some(_) => Ok(text.trim().to_owned()),
        None => Err(invalid(format!(
            "`session` {text:?} is not a session id (hex digits of a UUID, or a unique prefix)"
        ))),
    }
}

/// A task reference: anything non-empty (the board resolves ids, prefixes and names).
pub fn task_id(text: &str) -> Result<String, Invalid> {
    let text = text.trim();
    if text.is_empty() {
        return Err(invalid("`id` is empty: name a task by id, prefix or name"));
    }
    Ok(text.to_owned())
}

/// A directory argument: relative to `base`, and it must exist.
pub fn directory(name: &str, text: Option<&str>, base: &Path) -> Result<PathBuf, Invalid> {
    let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
        return Ok(base.to_owned());
    };
    let path = base.join(text.trim());
    if !path.is_dir() {
        return Err(invalid(format!(
            "`{name}` {} is not a directory",
            path.display()
        )));
    }
    Ok(path)
}

/// The filters of `session_list`, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListFilter {
    pub query: Option<String>,
    pub cwd: Option<String>,
    pub status: Option<SessionStatus>,
    pub limit: usize,
}

impl SessionList {
    pub fn filter(&self) -> Result<ListFilter, Invalid> {
        let status = match self.status.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(
                SESSION_STATES
                    .into_iter()
                    .find(|s| s.label() == text.to_ascii_lowercase())
                    .ok_or_else(|| {
                        invalid(format!(
                            "unknown `status` {text:?}: use {}",
                            SESSION_STATES.map(|s| s.label()).join(", ")
                        ))
                    })?,
            ),
        };
        let limit = match self.limit {
            None => DEFAULT_LIST,
            Some(n) if (1..=MAX_LIST).contains(&n) => n,
            Some(n) => {
                return Err(invalid(format!(
                    "`limit` {n} is out of range: 1 to {MAX_LIST}"
                )));
            }
        };
        let text = |t: &Option<String>| {
            t.as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_lowercase)
        };
        Ok(ListFilter {
            query: text(&self.query),
            cwd: self
                .cwd
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned),
            status,
            limit: limit as usize,
        })
    }
}

impl ListFilter {
    /// Whether a session passes every filter.
    pub fn accepts(&self, meta: &crate::store::SessionMeta) -> bool {
        let query = self.query.as_deref().is_none_or(|q| {
            meta.title.to_lowercase().contains(q) || meta.id.to_string().contains(q)
        });
        let cwd = self.cwd.as_deref().is_none_or(|c| meta.cwd.contains(c));
        let status = self.status.is_none_or(|s| meta.status == s);
        query && cwd && status
    }
}

impl SessionFork {
    /// The lookup naming the session and its cut.
    pub fn lookup(&self) -> Result<crate::protocol::Lookup, Invalid> {
        let id = session_id(&self.session)?;
        if self.turn.is_some() && self.at.is_some() {
            return Err(invalid("give `turn` or `at`, not both"));
        }
        if self.turn == Some(0) {
            return Err(invalid("`turn` counts from 1"));
        }
        if self.at == Some(0) {
            return Err(invalid("`at` counts from 1 (the session's first event)"));
        }
        Ok(crate::protocol::Lookup {
            id: Some(id),
            turn: self.turn,
            at: self.at,
            ..Default::default()
        })
    }
}

impl TaskList {
    pub fn state(&self) -> Result<Option<TaskState>, Invalid> {
        match self.state.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(text) => TaskState::parse(text).map(Some).ok_or_else(|| {
                invalid(format!(
                    "unknown `state` {text:?}: use {}",
                    TaskState::ALL.map(|s| s.label()).join(", ")
                ))
            }),
        }
    }
}

impl TaskReject {
    pub fn reason(&self) -> Result<String, Invalid> {
        let reason = self.reason.trim();
        if reason.is_empty() {
            return Err(invalid("`reason` is empty: say why the task is rejected"));
        }
        Ok(reason.to_owned())
    }
}

impl TaskEvidence {
    /// The file asked for, when it is a plain file name.
    pub fn file(&self) -> Result<Option<String>, Invalid> {
        match self.file.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(name) if name.contains('/') || name == ".." || name == "." => Err(invalid(
                format!("`file` {name:?} must be a file name from the evidence list"),
            )),
            Some(name) => Ok(Some(name.to_owned())),
        }
    }
}

impl TaskSubmit {
    /// The submission these arguments make; `base` is where `switchboard mcp` runs.
    pub fn request(&self, base: &Path) -> Result<SubmitRequest, Invalid> {
        let repo = directory("repo", self.repo.as_deref(), base)?;
        let goal = self.goal.as_deref().filter(|g| !g.trim().is_empty());
        let plan = self.plan.as_deref().filter(|p| !p.trim().is_empty());
        match (goal, plan) {
            (Some(_), Some(_)) => Err(invalid("give `goal` (one task) or `plan`, not both")),
            (None, None) => Err(invalid(
                "give `goal` (one task) or `plan` (TOML with [[task]] tables)",
            )),
            (None, Some(text)) => {
                if self.has_task_fields() {
                    return Err(invalid(
                        "a `plan` carries its own task fields: give only `plan` and `repo`",
                    ));
                }
                let plan =
                    crate::tasks::plan::parse(text, &repo).map_err(|e| invalid(e.to_string()))?;
                Ok(SubmitRequest {
                    tasks: plan.tasks,
                    plan: Some(PlanSource {
                        name: plan.name,
                        path: None,
                        text: text.to_owned(),
                    }),
                    input: None,
                    wait: false,
                    agents: Default::default(),
                })
            }
            (Some(goal), None) => {
                let draft = self.draft(goal, &repo)?;
                Ok(SubmitRequest {
                    tasks: vec![draft],
                    plan: None,
                    input: None,
                    wait: false,
                    agents: Default::default(),
                })
            }
        }
    }

    fn has_task_fields(&self) -> bool {
        self.title.is_some()
            || self.executor.is_some()
            || !self.validations.is_empty()
            || !self.depends.is_empty()
            || self.base.is_some()
            || self.timeout.is_some()
            || self.attempts.is_some()
            || self.gate
            || self.approval.is_some()
            || self.acceptance.is_some()
            || !self.labels.is_empty()
            || self.priority != 0
    }

    fn draft(&self, goal: &str, repo: &Path) -> Result<TaskDraft, Invalid> {
        let problem = |e: crate::tasks::draft::DraftError| invalid(e.to_string());
        if let Some(executor) = &self.executor {
            crate::tasks::draft::Executor::parse(executor).map_err(problem)?;
        }
        if let Some(approval) = &self.approval {
            crate::tasks::draft::parse_approval(approval).map_err(problem)?;
        }
        let timeout = self
            .timeout
            .as_deref()
            .map(crate::tasks::draft::parse_duration)
            .transpose()
            .map_err(problem)?;
        if self.attempts == Some(0) {
            return Err(invalid("`attempts` must be at least 1"));
        }
        Ok(TaskDraft {
            name: None,
            title: self.title.clone(),
            goal: goal.to_owned(),
            executor: self.executor.clone(),
            validations: self.validations.clone(),
            depends: self.depends.clone(),
            repo: Some(repo.display().to_string()),
            base: self.base.clone(),
            timeout_ms: timeout.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            attempts: self.attempts,
            gate: self.gate,
            approval: self.approval.clone(),
            priority: self.priority,
            labels: self.labels.clone(),
            acceptance: self.acceptance.clone(),
            max_running: None,
        })
    }
}

#[cfg(test)]
#[path = "args_tests.rs"]
mod tests;
