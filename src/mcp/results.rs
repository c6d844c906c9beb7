//! What the tools answer: `structuredContent` (the whole answer, as JSON a program reads) plus
//! a short text (what a person or a model reads first: the outcome, the final message, one line
//! per row). Pure functions from the server's answers, so every shape is tested without one.
//! A failure is a tool result with `isError` and the reason in both forms.

use rmcp::model::{CallToolResult, ContentBlock};
use serde_json::{Value, json};

use super::args::ListFilter;
use super::backend::{BackendError, Forked, TurnReport};
use crate::event::TaskState;
use crate::protocol::{ServerStatus, SessionDetail, SessionSummary, SlotKind};
use crate::tasks::Task;
use crate::tasks::evidence::EvidenceFile;
use crate::tasks::view::{self, TaskSummary};

/// Characters of a final message the text part carries; the whole message is in the
/// structured part.
const TEXT_MESSAGE_CHARS: usize = 4000;
/// Bytes of an evidence file `task_evidence` returns as text: a patch or a log a model can
/// read in one go; the rest is one `task evidence --export` away.
pub const EVIDENCE_FILE_BYTES: usize = 64 * 1024;

/// A successful answer.
pub fn ok(text: String, value: Value) -> CallToolResult {
    let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
    result.structured_content = Some(value);
    result
}

/// A failed call: what went wrong, for the caller to read.
pub fn failed(error: &impl std::fmt::Display) -> CallToolResult {
    let text = error.to_string();
    let mut result = CallToolResult::error(vec![ContentBlock::text(text.clone())]);
    result.structured_content = Some(json!({ "error": text }));
    result
}

fn plural(count: usize, noun: &str) -> String {
    match count {
        1 => format!("1 {noun}"),
        n => format!("{n} {noun}s"),
    }
}

fn cut(text: &str, keep: usize) -> String {
    let count = text.chars().count();
    if count <= keep {
        return text.to_owned();
    }
    let head: String = text.chars().take(keep).collect();
    format!(
        "{head}\n… ({} more characters in structuredContent)",
        count - keep
    )
}

pub fn turn(report: &TurnReport) -> CallToolResult {
    let outcome = outcome_label(report.outcome);
    let commands: Vec<Value> = report
        .commands
        .iter()
        .map(|c| json!({"command": c.command, "exit_code": c.exit_code, "denied": c.denied}))
        .collect();
    let value = json!({
        "session": report.session.to_string(),
        "outcome": outcome,
        "final_message": report.final_message,
        "error": report.error,
        "cwd": report.cwd,
        "worktree": report.worktree.as_ref().map(|w| json!({"path": w.path, "branch": w.branch})),
        "resumed": report.resumed,
        "commands": commands,
        "usage": {
            "input_tokens": report.usage.input_tokens,
            "cached_input_tokens": report.usage.cached_tokens,
            "output_tokens": report.usage.output_tokens,
            "reasoning_tokens": report.usage.reasoning_tokens,
        },
    });
    let mut text = format!("session {}: turn {outcome}", report.session);
    if let Some(error) = &report.error {
        text.push_str(&format!(" ({error})"));
    }
    for c in &report.commands {
        match (&c.denied, c.exit_code) {
            (Some(why), _) => text.push_str(&format!("\n$ {} — not run: {why}", c.command)),
            (None, Some(code)) => text.push_str(&format!("\n$ {} — exit {code}", c.command)),
            (None, None) => text.push_str(&format!("\n$ {}", c.command)),
        }
    }
    if let Some(message) = &report.final_message {
        text.push_str("\n\n");
        text.push_str(&cut(message, TEXT_MESSAGE_CHARS));
    }
    ok(text, value)
}

fn outcome_label(outcome: crate::event::TurnOutcome) -> &'static str {
    use crate::event::TurnOutcome;
    match outcome {
        TurnOutcome::Completed => "completed",
        TurnOutcome::Interrupted => "interrupted",
        TurnOutcome::Failed => "failed",
        TurnOutcome::Other => "other",
    }
}

fn summary_json(summary: &SessionSummary) -> Value {
    let mut value = crate::cli::sessions::meta_json(&summary.meta);
    if let Some(map) = value.as_object_mut() {
        map.insert("live".into(), json!(summary.live));
    }
    value
}

fn session_line(summary: &SessionSummary) -> String {
    let meta = &summary.meta;
    format!(
        "{}  {:<11}  {:<5}  {}  ({})",
        meta.id,
        meta.status.label(),
        meta.kind.label(),
        crate::text::truncate(&meta.title, 60),
        meta.cwd
    )
}

/// The sessions that pass `filter`, newest first, at most its limit.
pub fn sessions(all: &[SessionSummary], filter: &ListFilter) -> CallToolResult {
    let matched: Vec<&SessionSummary> = all.iter().filter(|s| filter.accepts(&s.meta)).collect();
    let shown: Vec<&SessionSummary> = matched.iter().take(filter.limit).copied().collect();
    let value = json!({
        "sessions": shown.iter().map(|s| summary_json(s)).collect::<Vec<_>>(),
        "matched": matched.len(),
        "total": all.len(),
    });
    let mut text = match (matched.len(), shown.len()) {
        (0, _) => "no session matches".to_owned(),
        (m, s) if m == s => plural(m, "session"),
        (m, s) => format!("{} match; the newest {s}:", plural(m, "session")),
    };
    for s in &shown {
        text.push('\n');
        text.push_str(&session_line(s));
    }
    ok(text, value)
}

pub fn session(detail: &SessionDetail) -> CallToolResult {
    let meta = &detail.summary.meta;
    let mut value = summary_json(&detail.summary);
    let turns: Vec<Value> = detail
        .turns
        .iter()
        .enumerate()
        .map(|(i, t)| {
            json!({
                "turn": i + 1,
                "prompt": t.prompt,
                "outcome": t.outcome.map(outcome_label),
                "commit": t.commit,
                "user_seq": t.user_seq.0,
                "ended_seq": t.ended_seq.map(|s| s.0),
            })
        })
        .collect();
    if let Some(map) = value.as_object_mut() {
        map.insert("session".into(), json!(meta.id.to_string()));
        map.insert("turn_list".into(), Value::Array(turns));
        map.insert("user_messages".into(), json!(detail.user_messages));
        map.insert("tool_calls".into(), json!(detail.tool_calls));
        map.insert(
            "usage".into(),
            json!({
                "input_tokens": detail.usage.input_tokens,
                "cached_input_tokens": detail.usage.cached_tokens,
                "output_tokens": detail.usage.output_tokens,
                "reasoning_tokens": detail.usage.reasoning_tokens,
            }),
        );
        map.insert("last_message".into(), json!(detail.last_message));
        map.insert("preview".into(), json!(detail.preview));
    }
    let mut text = format!(
        "session {} · {} · {}\ncwd {}\n{}, {}",
        meta.id,
        meta.status.label(),
        meta.title,
        meta.cwd,
        plural(detail.turns.len(), "turn"),
        plural(
            usize::try_from(detail.tool_calls).unwrap_or(usize::MAX),
            "tool call"
        )
    );
    if let Some(message) = &detail.last_message {
        text.push_str("\n\nlast message:\n");
        text.push_str(&cut(message, TEXT_MESSAGE_CHARS));
    }
    ok(text, value)
}

pub fn forked(fork: &Forked) -> CallToolResult {
    let value = json!({
        "session": fork.child.to_string(),
        "parent": {"id": fork.parent.session.to_string(), "at": fork.parent.at.map(|s| s.0)},
        "title": fork.title,
        "worktree": fork.worktree,
    });
    let mut text = format!("forked {} into {}", fork.parent.session, fork.child);
    if let Some(at) = fork.parent.at {
        text.push_str(&format!(" after event {at}"));
    }
    if let Some(path) = &fork.worktree {
        text.push_str(&format!("; its code is in {path}"));
    }
    ok(text, value)
}

/// Tasks as a list (`task_submit`, `task_list`); one task is also named as `task`.
pub fn tasks(tasks: &[TaskSummary], empty: &str) -> CallToolResult {
    let mut value = json!({ "tasks": tasks.iter().map(view::summary_json).collect::<Vec<_>>() });
    if let ([one], Some(map)) = (tasks, value.as_object_mut()) {
        map.insert("task".into(), json!(one.id.to_string()));
    }
    let text = if tasks.is_empty() {
        empty.to_owned()
    } else {
        tasks
            .iter()
            .map(crate::cli::task::list_line)
            .collect::<Vec<_>>()
            .join("\n")
    };
    ok(text, value)
}

pub fn task(task: &Task, text: &str) -> CallToolResult {
    let mut value = view::task_json(task);
    if let Some(map) = value.as_object_mut() {
        map.insert("task".into(), json!(task.id.to_string()));
    }
    ok(text.to_owned(), value)
}

pub fn evidence(
    task: &str,
    attempt: u32,
    files: &[EvidenceFile],
    wanted: Option<&str>,
) -> Result<CallToolResult, BackendError> {
    let listed: Vec<Value> = files
        .iter()
        .map(|f| {
            json!({
                "name": f.name,
                "bytes": f.bytes.len(),
                "sha256": crate::tasks::evidence::sha256_hex(&f.bytes),
            })
        })
        .collect();
    let mut value = json!({"task": task, "attempt": attempt, "files": listed});
    let mut text = format!(
        "task {task} attempt {attempt}: {}",
        plural(files.len(), "file")
    );
    for f in files {
        text.push_str(&format!("\n{:>9}  {}", f.bytes.len(), f.name));
    }
    if let Some(name) = wanted {
        let file = files.iter().find(|f| f.name == name).ok_or_else(|| {
            let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
            BackendError::Refused(format!(
                "attempt {attempt} has no evidence file {name:?}; it has {}",
                names.join(", ")
            ))
        })?;
        let shown = &file.bytes[..file.bytes.len().min(EVIDENCE_FILE_BYTES)];
        let body = String::from_utf8_lossy(shown).into_owned();
        let truncated = file.bytes.len() > EVIDENCE_FILE_BYTES;
        if let Some(map) = value.as_object_mut() {
            map.insert(
                "file".into(),
                json!({"name": name, "text": body, "truncated": truncated}),
            );
        }
        text.push_str(&format!("\n\n--- {name}\n{body}"));
        if truncated {
            text.push_str(&format!("\n… (cut at {EVIDENCE_FILE_BYTES} bytes)"));
        }
    }
    Ok(ok(text, value))
}

pub fn acted(task: &str, action: &str, result: &str) -> CallToolResult {
    ok(
        result.to_owned(),
        json!({"task": task, "action": action, "result": result}),
    )
}

/// Live slots, what waits for a person, running tasks.
pub fn status(status: &ServerStatus, board: &[TaskSummary]) -> CallToolResult {
    let slots: Vec<Value> = status
        .slots
        .iter()
        .map(|s| {
            json!({
                "slot": s.slot.to_string(),
                "kind": s.kind.label(),
                "name": s.name,
                "status": s.status,
                "cwd": s.cwd,
                "hidden": s.hidden,
                "pid": s.pid,
            })
        })
        .collect();
    let mut waiting: Vec<Value> = Vec::new();
    let mut lines: Vec<String> = Vec::new();
    for s in &status.slots {
        if let Some(approval) = &s.approval {
            lines.push(format!(
                "approve? {} in {}: {} ({})",
                approval.command, s.name, approval.reason, s.slot
            ));
            waiting.push(json!({
                "what": "approval",
                "slot": s.slot.to_string(),
                "name": s.name,
                "agent": s.kind == SlotKind::Agent,
                "command": approval.command,
                "cwd": approval.cwd,
                "reason": approval.reason,
            }));
        }
    }
    for t in board.iter().filter(|t| needs_person(t.state)) {
        lines.push(format!("task {} is {}", t.label(), t.state.label()));
        let mut entry = view::summary_json(t);
        if let Some(map) = entry.as_object_mut() {
            map.insert("what".into(), json!("task"));
        }
        waiting.push(entry);
    }
    let running: Vec<Value> = board
        .iter()
        .filter(|t| matches!(t.state, TaskState::Running | TaskState::Validating))
        .map(view::summary_json)
        .collect();
    let value = json!({
        "server": {
            "pid": status.pid,
            "build": status.build,
            "uptime_secs": status.uptime_secs,
            "clients": status.clients.len(),
        },
        "slots": slots,
        "waiting": waiting,
        "running_tasks": running,
    });
    let mut text = format!(
        "{}, {} waiting for a person, {} running",
        plural(status.slots.len(), "slot"),
        waiting.len(),
        plural(running.len(), "task")
    );
    for line in lines {
        text.push('\n');
        text.push_str(&line);
    }
    ok(text, value)
}

/// A task that waits for a person: a gate or an approval, an interruption, a failure.
fn needs_person(state: TaskState) -> bool {
    matches!(state, TaskState::AwaitingApproval | TaskState::Interrupted) || state.is_failure()
}

#[cfg(test)]
#[path = "results_tests.rs"]
mod tests;
