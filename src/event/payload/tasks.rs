//! Payloads of the task board's events (`task.*`). The board's own events live in one session
//! of kind `tasks` (see `crate::tasks::BOARD`); the bulky evidence of an attempt (its patch,
//! each validation's log) lives in the attempt's session, so rebuilding the board reads only
//! summaries. Same growth rules as every payload: add fields with defaults, never rename.

use serde::{Deserialize, Serialize};

use super::{Bytes, Usage};
use crate::ids::{SessionId, TaskId};

/// A task's place in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    /// Admitted; waits for its dependencies and a free place under the caps.
    #[default]
    Queued,
    /// An attempt's executor runs.
    Running,
    /// The attempt's validations run.
    Validating,
    /// A person is needed: a command waits for approval, or a gate before completion.
    AwaitingApproval,
    /// The server ended while an attempt ran; its worktree is kept (`task resume`).
    Interrupted,
    /// A dependency failed, was cancelled or rejected; the note names it.
    Blocked,
    /// Done: every validation passed (and the gate, if any, was approved).
    Completed,
    /// The last attempt's validations failed and no attempt is left.
    FailedValidation,
    /// The executor failed (exited non-zero, could not start, the model failed).
    FailedAgent,
    /// The executor ran past the task's timeout and was stopped.
    Timeout,
    /// A person cancelled it.
    Cancelled,
    /// A person rejected it at its gate.
    Rejected,
    /// The first schema's single failure state; read as `failed_agent`.
    Failed,
    /// A state from a newer schema.
    #[serde(other)]
    Other,
}

impl TaskState {
    /// Every state this build writes, in board order.
    pub const ALL: [TaskState; 12] = [
        Self::AwaitingApproval,
        Self::Running,
        Self::Validating,
        Self::Queued,
        Self::Blocked,
        Self::Interrupted,
        Self::FailedValidation,
        Self::FailedAgent,
        Self::Timeout,
        Self::Rejected,
        Self::Cancelled,
        Self::Completed,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Validating => "validating",
            Self::AwaitingApproval => "awaiting_approval",
            Self::Interrupted => "interrupted",
            Self::Blocked => "blocked",
            Self::Completed => "completed",
            Self::FailedValidation => "failed_validation",
            Self::FailedAgent | Self::Failed => "failed_agent",
            Self::Timeout => "timeout",
            Self::Cancelled => "cancelled",
            Self::Rejected => "rejected",
            Self::Other => "other",
        }
    }

    /// Parses a label as `--state` takes it.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim().replace('-', "_");
        Self::ALL.into_iter().find(|s| s.label() == text)
    }

    /// Nothing more happens without a person: completed, a failure, blocked, cancelled.
    /// (Interrupted and awaiting approval wait for a person too, but are not over.)
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Self::Completed
                | Self::FailedValidation
                | Self::FailedAgent
                | Self::Failed
                | Self::Timeout
                | Self::Cancelled
                | Self::Rejected
                | Self::Blocked
        )
    }

    /// A terminal state that is not success: dependents of such a task are blocked.
    pub fn is_failure(self) -> bool {
        self.is_terminal() && self != Self::Completed
    }
}

/// What a task is: everything `task submit` or a plan file says about it, normalized (paths
/// absolute, the base resolved to a commit, dependencies as ids).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TaskSpec {
    pub title: String,
    /// The prompt (agent executors) or the command line (`shell`).
    pub goal: String,
    /// `native`, `codex`, `shell`, or the name of a `[tasks.commands]` preset.
    pub executor: String,
    /// The repository's main working tree (absolute).
    pub repo: String,
    /// The base as given (`HEAD`, a branch, a commit).
    pub base: String,
    /// The commit `base` named at submission: every attempt starts here.
    pub base_commit: String,
    #[serde(default)]
    pub depends: Vec<TaskId>,
    /// Commands run with `bash -lc` in the attempt's worktree; all must exit 0.
    #[serde(default)]
    pub validations: Vec<String>,
    /// What done means, in words (sent to agent executors with the goal).
    #[serde(default)]
    pub acceptance: Option<String>,
    /// The executor's time limit per attempt.
    #[serde(default)]
    pub timeout_ms: Option<u64>,
    /// Attempts in all, the first included; failed validations start the next one.
    pub max_attempts: u32,
    /// Higher starts first; equal priorities start in submission order.
    #[serde(default)]
    pub priority: i32,
    #[serde(default)]
    pub labels: Vec<String>,
    /// A person must approve before the task counts as completed.
    #[serde(default)]
    pub gate: bool,
    /// Approval policy of agent executors (`untrusted`, `on-request`, `never`).
    #[serde(default)]
    pub approval: String,
    /// The task's name in its plan (dependencies name it there).
    #[serde(default)]
    pub name: Option<String>,
    /// Tasks of this repository running at once at most (`--max-running`), when given.
    #[serde(default)]
    pub max_running: Option<u32>,
}

/// A plan file as submitted: the original input of every task it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TaskPlan {
    pub plan: TaskId,
    pub name: Option<String>,
    /// Where the file was read from.
    pub source: Option<String>,
    pub text: String,
}

/// A task was admitted (a plan's tasks are admitted in one append: all or nothing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TaskSubmitted {
    pub task: TaskId,
    pub spec: TaskSpec,
    /// The plan it came in (its `task.plan` event holds the file).
    pub plan: Option<TaskId>,
    /// The original input of a task submitted alone (the command line, as JSON).
    pub input: Option<String>,
}

/// A task changed state; `by` says who or what caused it ("scheduler", "user", "validation",
/// "server start"…). `task` is the task id's text (the first schema had a free string here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TaskStateChanged {
    pub task: String,
    pub state: TaskState,
    pub note: Option<String>,
    #[serde(default)]
    pub by: Option<String>,
    #[serde(default)]
    pub attempt: Option<u32>,
}

/// A dependency's result merged into an attempt's starting point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct MergedDependency {
    pub task: TaskId,
    pub commit: String,
}

/// An attempt began (or continued in place after an interruption: `resumed`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TaskAttemptStarted {
    pub task: TaskId,
    pub attempt: u32,
    /// The attempt's session: its transcript, patch and validation logs.
    #[serde(with = "crate::ids::session_id_text")]
    pub session: SessionId,
    pub worktree: String,
    pub branch: String,
    /// The commit the attempt started from: the base plus every dependency's result.
    pub start_commit: String,
    #[serde(default)]
    pub merged: Vec<MergedDependency>,
    /// What the executor was given (agent executors: the prompt; shell: the command).
    #[serde(default)]
    pub prompt: String,
    pub executor: String,
    #[serde(default)]
    pub resumed: bool,
}

/// The Codex CLI named its thread (so an interrupted attempt resumes it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TaskThread {
    pub task: TaskId,
    pub attempt: u32,
    pub thread: String,
}

/// How an attempt's executor ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AttemptOutcome {
    #[default]
    Succeeded,
    Failed,
    Timeout,
    Cancelled,
    #[serde(other)]
    Other,
}

/// A file an attempt changed, with the SHA-256 of its content afterwards (`None`: deleted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct FileHash {
    pub path: String,
    pub sha256: Option<String>,
}

/// An attempt's executor ended; its changes are the result commit. The patch itself is a
/// `task.patch` event in the attempt's session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TaskAttemptEnded {
    pub task: TaskId,
    pub attempt: u32,
    pub outcome: AttemptOutcome,
    pub error: Option<String>,
    pub exit_code: Option<i32>,
    /// The attempt's result commit on its branch.
    pub commit: Option<String>,
    pub patch_sha256: Option<String>,
    #[serde(default)]
    pub patch_bytes: u64,
    #[serde(default)]
    pub files: Vec<FileHash>,
    #[serde(default)]
    pub usage: Usage,
    pub duration_ms: u64,
}

/// One validation of an attempt. On the board `log` is empty (its hash and size say what it
/// was); the attempt's session holds the same event with the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TaskValidation {
    pub task: TaskId,
    pub attempt: u32,
    /// 0-based position in the task's validations.
    pub index: u32,
    pub command: String,
    pub exit_code: Option<i32>,
    pub duration_ms: u64,
    pub passed: bool,
    #[serde(default)]
    pub timed_out: bool,
    pub log_sha256: String,
    pub log_bytes: u64,
    #[serde(default)]
    pub log: Bytes,
}

/// An attempt's patch against its start commit (in the attempt's session).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TaskPatch {
    pub task: TaskId,
    pub attempt: u32,
    pub patch: Bytes,
}
