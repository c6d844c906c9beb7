//! The board: every task, its state, its attempts and their evidence summaries, as the fold
//! of the board session's events. The only code that turns `task.*` events into board state:
//! the server's live board, its rebuild at start and the tests all go through [`Board::apply`].

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::event::{
    AttemptOutcome, Event, EventKind, FileHash, MergedDependency, TaskSpec, TaskState,
    TaskValidation, Usage,
};
use crate::ids::{SessionId, TaskId, Timestamp};

/// One state change, and who or what caused it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    pub at: Timestamp,
    pub state: TaskState,
    pub note: Option<String>,
    pub by: Option<String>,
    pub attempt: Option<u32>,
}

/// How an attempt's executor ended, as the board keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptResult {
    pub at: Timestamp,
    pub outcome: AttemptOutcome,
    pub error: Option<String>,
    pub exit_code: Option<i32>,
    pub commit: Option<String>,
    pub patch_sha256: Option<String>,
    pub patch_bytes: u64,
    pub files: Vec<FileHash>,
    pub usage: Usage,
    pub duration_ms: u64,
}

/// One validation's summary (its log is in the attempt's session).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationResult {
    pub index: u32,
    pub command: String,
    pub exit_code: Option<i32>,
    pub duration_ms: u64,
    pub passed: bool,
    pub timed_out: bool,
    pub log_sha256: String,
    pub log_bytes: u64,
}

impl ValidationResult {
    pub fn from_event(v: &TaskValidation) -> Self {
        Self {
            index: v.index,
            command: v.command.clone(),
            exit_code: v.exit_code,
            duration_ms: v.duration_ms,
            passed: v.passed,
            timed_out: v.timed_out,
            log_sha256: v.log_sha256.clone(),
            log_bytes: v.log_bytes,
        }
    }
}

/// One attempt: its own worktree, branch and session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    pub number: u32,
    pub session: SessionId,
    pub worktree: String,
    pub branch: String,
    pub start_commit: String,
    pub merged: Vec<MergedDependency>,
    pub prompt: String,
    pub executor: String,
    pub started_at: Timestamp,
    /// Times it was continued in place after an interruption.
    pub resumes: u32,
    /// The Codex CLI's thread, for `codex exec resume`.
    pub thread: Option<String>,
    pub result: Option<AttemptResult>,
    pub validations: Vec<ValidationResult>,
}

/// A task and everything that happened to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    pub id: TaskId,
    pub spec: TaskSpec,
    pub plan: Option<TaskId>,
    /// The original input of a task submitted alone.
    pub input: Option<String>,
    /// Position in submission order (ties of priority start in this order).
    pub order: u64,
    pub submitted_at: Timestamp,
    pub state: TaskState,
    pub note: Option<String>,
    pub updated_at: Timestamp,
    pub history: Vec<Transition>,
    pub attempts: Vec<Attempt>,
}

impl Task {
    pub fn attempt(&self, number: u32) -> Option<&Attempt> {
        self.attempts.iter().find(|a| a.number == number)
    }

    pub fn last_attempt(&self) -> Option<&Attempt> {
        self.attempts.last()
    }

    fn attempt_mut(&mut self, number: u32) -> Option<&mut Attempt> {
        self.attempts.iter_mut().find(|a| a.number == number)
    }

    /// An attempt's process runs (or waits on a command approval) and holds a place under
    /// the caps: running, validating, or awaiting approval before the executor ended. A gate
    /// waits after everything ran, holding nothing.
    pub fn is_active(&self) -> bool {
        match self.state {
            TaskState::Running | TaskState::Validating => true,
            TaskState::AwaitingApproval => self.last_attempt().is_some_and(|a| a.result.is_none()),
            _ => false,
        }
    }

    /// The name dependencies and lists use: the plan name, else the title.
    pub fn label(&self) -> &str {
        self.spec.name.as_deref().unwrap_or(&self.spec.title)
    }
}

/// A plan file as submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanRecord {
    pub id: TaskId,
    pub name: Option<String>,
    pub source: Option<String>,
    pub text: String,
    pub tasks: Vec<TaskId>,
}

/// Every task, in submission order, and the index to find them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Board {
    tasks: Vec<Task>,
    index: HashMap<TaskId, usize>,
    plans: HashMap<TaskId, PlanRecord>,
    /// Per repository: the cap the latest submission for it gave (`--max-running`).
    repo_caps: HashMap<String, u32>,
    /// Events folded (the board session's last seq).
    pub events: u64,
    /// Events whose task this board does not know (a damaged log, or another writer's).
    pub orphans: u64,
}

impl Board {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn tasks(&self) -> &[Task] {
        &self.tasks
    }

    pub fn get(&self, id: TaskId) -> Option<&Task> {
        self.index.get(&id).map(|&i| &self.tasks[i])
    }

    fn get_mut(&mut self, id: TaskId) -> Option<&mut Task> {
        match self.index.get(&id) {
            Some(&i) => Some(&mut self.tasks[i]),
            None => {
                self.orphans += 1;
                None
            }
        }
    }

    pub fn plan(&self, id: TaskId) -> Option<&PlanRecord> {
        self.plans.get(&id)
    }

    pub fn repo_cap(&self, repo: &str) -> Option<u32> {
        self.repo_caps.get(repo).copied()
    }

    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Tasks that name `id` among their dependencies.
    pub fn dependents(&self, id: TaskId) -> impl Iterator<Item = &Task> {
        self.tasks
            .iter()
            .filter(move |t| t.spec.depends.contains(&id))
    }

    /// How many tasks are in each state.
    pub fn counts(&self) -> HashMap<TaskState, usize> {
        let mut counts = HashMap::new();
        for task in &self.tasks {
            *counts.entry(task.state).or_insert(0) += 1;
        }
        counts
    }

    /// Applies one board event. Events of other kinds are ignored; task events naming an
    /// unknown task are counted as orphans, never a panic.
    pub fn apply(&mut self, event: &Event) {
        self.events = self.events.max(event.seq.0);
        let at = event.at;
        match &event.kind {
            EventKind::TaskPlan(plan) => {
                self.plans.insert(
                    plan.plan,
                    PlanRecord {
                        id: plan.plan,
                        name: plan.name.clone(),
                        source: plan.source.clone(),
                        text: plan.text.clone(),
                        tasks: Vec::new(),
                    },
                );
            }
            EventKind::TaskSubmitted(submitted) => {
                if self.index.contains_key(&submitted.task) {
                    return;
                }
                if let Some(cap) = submitted.spec.max_running {
                    self.repo_caps.insert(submitted.spec.repo.clone(), cap);
                }
                if let Some(plan) = submitted.plan.and_then(|p| self.plans.get_mut(&p)) {
                    plan.tasks.push(submitted.task);
                }
                self.index.insert(submitted.task, self.tasks.len());
                self.tasks.push(Task {
                    id: submitted.task,
                    spec: submitted.spec.clone(),
                    plan: submitted.plan,
                    input: submitted.input.clone(),
                    order: self.tasks.len() as u64,
                    submitted_at: at,
                    state: TaskState::Queued,
                    note: None,
                    updated_at: at,
                    history: vec![Transition {
                        at,
                        state: TaskState::Queued,
                        note: Some("submitted".into()),
                        by: Some("user".into()),
                        attempt: None,
                    }],
                    attempts: Vec::new(),
                });
            }
            EventKind::TaskState(changed) => {
                let Some(id) = TaskId::parse(&changed.task) else {
                    self.orphans += 1;
                    return;
                };
                let Some(task) = self.get_mut(id) else {
                    return;
                };
                let state = match changed.state {
                    TaskState::Failed => TaskState::FailedAgent,
                    other => other,
                };
                task.state = state;
                task.note = changed.note.clone();
                task.updated_at = at;
                task.history.push(Transition {
                    at,
                    state,
                    note: changed.note.clone(),
                    by: changed.by.clone(),
                    attempt: changed.attempt,
                });
            }
            EventKind::TaskAttemptStarted(started) => {
                let Some(task) = self.get_mut(started.task) else {
                    return;
                };
                task.updated_at = at;
                if let Some(attempt) = task.attempt_mut(started.attempt) {
                    // Continued in place: same worktree and session.
                    attempt.resumes += 1;
                    attempt.prompt = started.prompt.clone();
                    return;
                }
                task.attempts.push(Attempt {
                    number: started.attempt,
                    session: started.session,
                    worktree: started.worktree.clone(),
                    branch: started.branch.clone(),
                    start_commit: started.start_commit.clone(),
                    merged: started.merged.clone(),
                    prompt: started.prompt.clone(),
                    executor: started.executor.clone(),
                    started_at: at,
                    resumes: 0,
                    thread: None,
                    result: None,
                    validations: Vec::new(),
                });
            }
            EventKind::TaskThread(thread) => {
                if let Some(attempt) = self
                    .get_mut(thread.task)
                    .and_then(|t| t.attempt_mut(thread.attempt))
                {
                    attempt.thread = Some(thread.thread.clone());
                }
            }
            EventKind::TaskAttemptEnded(ended) => {
                if let Some(attempt) = self
                    .get_mut(ended.task)
                    .and_then(|t| t.attempt_mut(ended.attempt))
                {
                    attempt.result = Some(AttemptResult {
                        at,
                        outcome: ended.outcome,
                        error: ended.error.clone(),
                        exit_code: ended.exit_code,
                        commit: ended.commit.clone(),
                        patch_sha256: ended.patch_sha256.clone(),
                        patch_bytes: ended.patch_bytes,
                        files: ended.files.clone(),
                        usage: ended.usage,
                        duration_ms: ended.duration_ms,
                    });
                }
            }
            EventKind::TaskValidation(validation) => {
                if let Some(attempt) = self
                    .get_mut(validation.task)
                    .and_then(|t| t.attempt_mut(validation.attempt))
                {
                    attempt.validations.retain(|v| v.index != validation.index);
                    attempt
                        .validations
                        .push(ValidationResult::from_event(validation));
                }
            }
            _ => {}
        }
    }

    /// The board after `events`, folded in order.
    pub fn replay<'a>(events: impl IntoIterator<Item = &'a Event>) -> Self {
        let mut board = Self::new();
        for event in events {
            board.apply(event);
        }
        board
    }

    /// Finds a task by unique id prefix, whole id, or exact plan name / title.
    pub fn find(&self, text: &str) -> Result<TaskId, FindError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(FindError::Empty);
        }
        if let Some(id) = TaskId::parse(text)
            && self.index.contains_key(&id)
        {
            return Ok(id);
        }
        let digits: String = text
            .chars()
            .filter(|c| *c != '-')
            .map(|c| c.to_ascii_lowercase())
            .collect();
        let hex = !digits.is_empty() && digits.chars().all(|c| c.is_ascii_hexdigit());
        if hex {
            let matches: Vec<TaskId> = self
                .tasks
                .iter()
                .filter(|t| format!("{:032x}", t.id.0).starts_with(&digits))
                .map(|t| t.id)
                .collect();
            match matches.len() {
                1 => return Ok(matches[0]),
                0 => {}
                n => return Err(FindError::Ambiguous(text.to_owned(), n)),
            }
        }
        let named: Vec<TaskId> = self
            .tasks
            .iter()
            .filter(|t| t.spec.name.as_deref() == Some(text) || t.spec.title == text)
            .map(|t| t.id)
            .collect();
        match named.len() {
            1 => Ok(named[0]),
            0 => Err(FindError::NotFound(text.to_owned())),
            n => Err(FindError::Ambiguous(text.to_owned(), n)),
        }
    }
}

/// Why a task lookup found nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FindError {
    #[error("no task id given")]
    Empty,
    #[error("no task matches {0:?}")]
    NotFound(String),
    #[error("{0:?} matches {1} tasks; give more of the id")]
    Ambiguous(String, usize),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{TaskAttemptEnded, TaskAttemptStarted, TaskStateChanged, TaskSubmitted};
    use crate::ids::Seq;

    fn event(seq: u64, kind: EventKind) -> Event {
        Event {
            session: crate::tasks::BOARD,
            seq: Seq(seq),
            at: Timestamp(seq as i64),
            kind,
        }
    }

    fn submitted(id: TaskId, name: &str, depends: Vec<TaskId>) -> EventKind {
        EventKind::TaskSubmitted(Box::new(TaskSubmitted {
            task: id,
            spec: TaskSpec {
                title: name.into(),
                name: Some(name.into()),
                depends,
                max_attempts: 2,
                ..Default::default()
            },
            plan: None,
            input: None,
        }))
    }

    fn state(id: TaskId, state: TaskState) -> EventKind {
        EventKind::TaskState(TaskStateChanged {
            task: id.to_string(),
            state,
            note: None,
            by: Some("test".into()),
            attempt: None,
        })
    }

    #[test]
    fn a_task_goes_through_its_states_and_attempts() {
        let a = TaskId::new();
        let session = SessionId::new();
        let events = vec![
            event(1, submitted(a, "a", vec![])),
            event(2, state(a, TaskState::Running)),
            event(
                3,
                EventKind::TaskAttemptStarted(Box::new(TaskAttemptStarted {
                    task: a,
                    attempt: 1,
                    session,
                    ..Default::default()
                })),
            ),
            event(
                4,
                EventKind::TaskAttemptEnded(Box::new(TaskAttemptEnded {
                    task: a,
                    attempt: 1,
                    commit: Some("abc".into()),
                    ..Default::default()
                })),
            ),
            event(5, state(a, TaskState::Completed)),
        ];
        let board = Board::replay(&events);
        let task = board.get(a).unwrap();
        assert_eq!(task.state, TaskState::Completed);
        assert_eq!(task.history.len(), 3);
        assert_eq!(task.attempts.len(), 1);
        assert_eq!(task.attempts[0].session, session);
        assert_eq!(
            task.attempts[0].result.as_ref().unwrap().commit.as_deref(),
            Some("abc")
        );
        assert_eq!(board.events, 5);
    }

    #[test]
    fn unknown_tasks_and_old_states_never_panic() {
        let mut board = Board::new();
        board.apply(&event(1, state(TaskId::new(), TaskState::Running)));
        board.apply(&event(
            2,
            EventKind::TaskState(TaskStateChanged {
                task: "t1".into(),
                state: TaskState::AwaitingApproval,
                note: None,
                by: None,
                attempt: None,
            }),
        ));
        assert_eq!(board.orphans, 2);
        let a = TaskId::new();
        board.apply(&event(3, submitted(a, "a", vec![])));
        board.apply(&event(4, state(a, TaskState::Failed)));
        assert_eq!(board.get(a).unwrap().state, TaskState::FailedAgent);
    }

    #[test]
    fn find_by_prefix_name_or_refuses() {
        let a = TaskId(0x1111_0000_0000_7000_8000_0000_0000_0001);
        let b = TaskId(0x1112_0000_0000_7000_8000_0000_0000_0002);
        let board = Board::replay(&[
            event(1, submitted(a, "build", vec![])),
            event(2, submitted(b, "test", vec![a])),
        ]);
        assert_eq!(board.find("11110"), Ok(a));
        assert_eq!(board.find(&b.to_string()), Ok(b));
        assert_eq!(board.find("test"), Ok(b));
        assert!(matches!(board.find("111"), Err(FindError::Ambiguous(_, 2))));
        assert!(matches!(board.find("nope"), Err(FindError::NotFound(_))));
        assert_eq!(board.dependents(a).count(), 1);
    }

    #[test]
    fn active_counts_command_approvals_but_not_gates() {
        let a = TaskId::new();
        let mut board = Board::replay(&[
            event(1, submitted(a, "a", vec![])),
            event(
                2,
                EventKind::TaskAttemptStarted(Box::new(TaskAttemptStarted {
                    task: a,
                    attempt: 1,
                    ..Default::default()
                })),
            ),
            event(3, state(a, TaskState::AwaitingApproval)),
        ]);
        assert!(board.get(a).unwrap().is_active());
        board.apply(&event(
            4,
            EventKind::TaskAttemptEnded(Box::new(TaskAttemptEnded {
                task: a,
                attempt: 1,
                ..Default::default()
            })),
        ));
        assert!(!board.get(a).unwrap().is_active());
    }
}
