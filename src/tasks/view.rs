//! What clients get of the board: a summary per task for lists and the board view, the whole
//! record for `task show`, and their JSON (ids as strings: JSON numbers cannot hold them).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::board::{Attempt, Board, Task};
use crate::event::TaskState;
use crate::ids::{SessionId, TaskId, Timestamp};

/// One task as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskSummary {
    pub id: TaskId,
    pub name: Option<String>,
    pub title: String,
    pub state: TaskState,
    pub note: Option<String>,
    pub executor: String,
    pub priority: i32,
    pub repo: String,
    pub depends: Vec<TaskId>,
    pub gate: bool,
    pub attempts: u32,
    pub max_attempts: u32,
    pub labels: Vec<String>,
    pub submitted_at: Timestamp,
    pub updated_at: Timestamp,
    /// The latest attempt's session (to open it in a slot).
    pub session: Option<SessionId>,
    /// The latest attempt's worktree.
    pub worktree: Option<String>,
    pub order: u64,
}

impl TaskSummary {
    pub fn of(task: &Task) -> Self {
        let last = task.last_attempt();
        Self {
            id: task.id,
            name: task.spec.name.clone(),
            title: task.spec.title.clone(),
            state: task.state,
            note: task.note.clone(),
            executor: task.spec.executor.clone(),
            priority: task.spec.priority,
            repo: task.spec.repo.clone(),
            depends: task.spec.depends.clone(),
            gate: task.spec.gate,
            attempts: task.attempts.len() as u32,
            max_attempts: task.spec.max_attempts,
            labels: task.spec.labels.clone(),
            submitted_at: task.submitted_at,
            updated_at: task.updated_at,
            session: last.map(|a| a.session),
            worktree: last.map(|a| a.worktree.clone()),
            order: task.order,
        }
    }

    /// The name a person knows it by.
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.title)
    }
}

/// Every task's summary, in submission order.
pub fn summaries(board: &Board) -> Vec<TaskSummary> {
    board.tasks().iter().map(TaskSummary::of).collect()
}

pub fn summary_json(summary: &TaskSummary) -> Value {
    json!({
        "id": summary.id.to_string(),
        "name": summary.name,
        "title": summary.title,
        "state": summary.state.label(),
        "note": summary.note,
        "executor": summary.executor,
        "priority": summary.priority,
        "repo": summary.repo,
        "depends": summary.depends.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
        "gate": summary.gate,
        "attempts": summary.attempts,
        "max_attempts": summary.max_attempts,
        "labels": summary.labels,
        "submitted_at": summary.submitted_at.rfc3339(),
        "updated_at": summary.updated_at.rfc3339(),
        "session": summary.session.map(|s| s.to_string()),
        "worktree": summary.worktree,
    })
}

fn attempt_json(attempt: &Attempt) -> Value {
    json!({
        "attempt": attempt.number,
        "session": attempt.session.to_string(),
        "worktree": attempt.worktree,
        "branch": attempt.branch,
        "start_commit": attempt.start_commit,
        "merged": attempt.merged.iter().map(|m| json!({
            "task": m.task.to_string(), "commit": m.commit,
        })).collect::<Vec<_>>(),
        "executor": attempt.executor,
        "started_at": attempt.started_at.rfc3339(),
        "resumes": attempt.resumes,
        "thread": attempt.thread,
        "result": attempt.result.as_ref().map(|r| json!({
            "outcome": format!("{:?}", r.outcome).to_lowercase(),
            "error": r.error,
            "exit_code": r.exit_code,
            "commit": r.commit,
            "patch_sha256": r.patch_sha256,
            "patch_bytes": r.patch_bytes,
            "files": r.files.iter().map(|f| json!({"path": f.path, "sha256": f.sha256})).collect::<Vec<_>>(),
            "usage": {
                "input_tokens": r.usage.input_tokens,
                "cached_tokens": r.usage.cached_tokens,
                "output_tokens": r.usage.output_tokens,
                "reasoning_tokens": r.usage.reasoning_tokens,
            },
            "duration_ms": r.duration_ms,
            "ended_at": r.at.rfc3339(),
        })),
        "validations": attempt.validations.iter().map(|v| json!({
            "index": v.index,
            "command": v.command,
            "exit_code": v.exit_code,
            "duration_ms": v.duration_ms,
            "passed": v.passed,
            "timed_out": v.timed_out,
            "log_sha256": v.log_sha256,
            "log_bytes": v.log_bytes,
        })).collect::<Vec<_>>(),
    })
}

/// `task show --json`: the whole record.
pub fn task_json(task: &Task) -> Value {
    let mut value = summary_json(&TaskSummary::of(task));
    if let Value::Object(map) = &mut value {
        map.insert("goal".into(), json!(task.spec.goal));
        map.insert("base".into(), json!(task.spec.base));
        map.insert("base_commit".into(), json!(task.spec.base_commit));
        map.insert("validations".into(), json!(task.spec.validations));
        map.insert("acceptance".into(), json!(task.spec.acceptance));
        map.insert("timeout_ms".into(), json!(task.spec.timeout_ms));
        map.insert("approval".into(), json!(task.spec.approval));
        map.insert("plan".into(), json!(task.plan.map(|p| p.to_string())));
        map.insert(
            "history".into(),
            json!(
                task.history
                    .iter()
                    .map(|t| json!({
                        "at": t.at.rfc3339(),
                        "state": t.state.label(),
                        "note": t.note,
                        "by": t.by,
                        "attempt": t.attempt,
                    }))
                    .collect::<Vec<_>>()
            ),
        );
        map.insert(
            "attempt_records".into(),
            json!(task.attempts.iter().map(attempt_json).collect::<Vec<_>>()),
        );
    }
    value
}

/// `task show` as text.
pub fn describe(task: &Task, board: &Board) -> String {
    let mut out = format!("{} {}  [{}]\n", task.id, task.label(), task.state.label());
    if let Some(note) = &task.note {
        out.push_str(&format!("  {note}\n"));
    }
    out.push_str(&format!(
        "executor {} · priority {} · attempts {}/{}{}\nrepo {} @ {} ({})\n",
        task.spec.executor,
        task.spec.priority,
        task.attempts.len(),
        task.spec.max_attempts,
        if task.spec.gate { " · gate" } else { "" },
        task.spec.repo,
        task.spec.base,
        short(&task.spec.base_commit),
    ));
    out.push_str(&format!("goal: {}\n", task.spec.goal));
    for dep in &task.spec.depends {
        let (name, state) = board
            .get(*dep)
            .map(|d| (d.label().to_owned(), d.state.label()))
            .unwrap_or_else(|| ("?".into(), "unknown"));
        out.push_str(&format!("depends on {} {name} [{state}]\n", dep.short()));
    }
    for v in &task.spec.validations {
        out.push_str(&format!("validation: {v}\n"));
    }
    for attempt in &task.attempts {
        out.push_str(&format!(
            "attempt {} · {} · session {} · {}\n",
            attempt.number,
            attempt.executor,
            attempt.session.short(),
            attempt.worktree
        ));
        if let Some(result) = &attempt.result {
            out.push_str(&format!(
                "  executor {:?}{} · {} ms · {} file(s) · patch {} bytes sha256 {}\n",
                result.outcome,
                result
                    .error
                    .as_ref()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default(),
                result.duration_ms,
                result.files.len(),
                result.patch_bytes,
                result.patch_sha256.as_deref().map(short).unwrap_or("-"),
            ));
        }
        for v in &attempt.validations {
            out.push_str(&format!(
                "  {} `{}` exit {} · {} ms\n",
                if v.passed { "✓" } else { "✗" },
                v.command,
                v.exit_code.map_or("-".to_owned(), |c| c.to_string()),
                v.duration_ms
            ));
        }
    }
    out.push_str("history:\n");
    for t in &task.history {
        out.push_str(&format!(
            "  {} {}{}{}\n",
            t.at.rfc3339(),
            t.state.label(),
            t.by.as_ref()
                .map(|b| format!(" by {b}"))
                .unwrap_or_default(),
            t.note
                .as_ref()
                .map(|n| format!(": {n}"))
                .unwrap_or_default()
        ));
    }
    out
}

/// `task graph`: the task, what it depends on (above) and what depends on it (below).
pub fn graph(task: &Task, board: &Board) -> String {
    let mut out = String::new();
    let line = |t: &Task| format!("{} {} [{}]", t.id.short(), t.label(), t.state.label());
    fn ancestors(
        board: &Board,
        task: &Task,
        depth: usize,
        out: &mut String,
        seen: &mut Vec<TaskId>,
    ) {
        for dep in &task.spec.depends {
            if let Some(d) = board.get(*dep) {
                let repeat = seen.contains(&d.id);
                out.push_str(&format!(
                    "{}└─ {} {} [{}]{}\n",
                    "   ".repeat(depth),
                    d.id.short(),
                    d.label(),
                    d.state.label(),
                    if repeat { " …" } else { "" }
                ));
                if !repeat {
                    seen.push(d.id);
                    ancestors(board, d, depth + 1, out, seen);
                }
            }
        }
    }
    out.push_str(&format!("{}\n", line(task)));
    out.push_str("depends on:\n");
    ancestors(board, task, 0, &mut out, &mut Vec::new());
    out.push_str("needed by:\n");
    let mut frontier = vec![(task.id, 0usize)];
    let mut seen = vec![task.id];
    while let Some((id, depth)) = frontier.pop() {
        for d in board.dependents(id) {
            out.push_str(&format!("{}└─ {}\n", "   ".repeat(depth), line(d)));
            if !seen.contains(&d.id) {
                seen.push(d.id);
                frontier.push((d.id, depth + 1));
            }
        }
    }
    out
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(10)]
}
