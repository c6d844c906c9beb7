//! The task board on the wire: what `switchboard task …` and the board view ask the server,
//! and what it answers. Replies to one client's request carry no `Result<_, String>`: a
//! refusal is its own variant with the one-line reason.

use serde::{Deserialize, Serialize};

use super::AgentOptions;
use crate::ids::TaskId;
use crate::tasks::TaskDraft;
use crate::tasks::board::Task;
use crate::tasks::evidence::EvidenceFile;
use crate::tasks::view::TaskSummary;

/// A submission: one task or a whole plan, admitted all or nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitRequest {
    pub tasks: Vec<TaskDraft>,
    /// The plan file, when the tasks came from one.
    pub plan: Option<PlanSource>,
    /// The original input of a task submitted alone (its command line).
    pub input: Option<String>,
    /// Follow the tasks: every change of them comes to this client.
    pub wait: bool,
    /// How native attempts of these tasks reach the model (held in memory only).
    pub agents: AgentOptions,
}

/// A plan file's text and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanSource {
    pub name: Option<String>,
    pub path: Option<String>,
    pub text: String,
}

/// What a person does to a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TaskAction {
    Retry,
    Cancel,
    Resume,
    Approve,
    Reject { reason: String },
}

impl TaskAction {
    pub fn label(&self) -> &'static str {
        match self {
            Self::Retry => "retry",
            Self::Cancel => "cancel",
            Self::Resume => "resume",
            Self::Approve => "approve",
            Self::Reject { .. } => "reject",
        }
    }
}

/// A client's request about tasks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TaskCommand {
    Submit(Box<SubmitRequest>),
    /// Every task's summary ([`TaskNotification::Board`]).
    List,
    /// One task's whole record (`id`: a unique prefix, a whole id, or a name).
    Show {
        id: String,
    },
    /// An attempt's logs (the latest when `attempt` is `None`).
    Logs {
        id: String,
        attempt: Option<u32>,
    },
    /// An attempt's evidence files (the latest when `attempt` is `None`).
    Evidence {
        id: String,
        attempt: Option<u32>,
    },
    Act {
        id: String,
        action: TaskAction,
    },
}

/// The server's answers and news about tasks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TaskNotification {
    /// A submission was admitted: the ids, in the order submitted.
    Admitted { ids: Vec<TaskId> },
    /// A request was refused (nothing changed).
    Refused { error: String },
    /// Every task (the answer to `List`, and to a workstation at attach).
    Board(Vec<TaskSummary>),
    /// A task changed (to every workstation, and to clients following it).
    Changed(Box<TaskSummary>),
    /// A task's whole record (with the board's other tasks for names of dependencies).
    Record {
        task: Box<Task>,
        text: String,
        graph: String,
    },
    Logs {
        task: TaskId,
        attempt: u32,
        text: String,
    },
    Evidence {
        task: TaskId,
        attempt: u32,
        files: Vec<EvidenceFile>,
    },
    /// An action was done.
    Done { task: TaskId, text: String },
}
