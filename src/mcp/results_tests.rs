//! The shapes the tools answer with: what the structured part holds and what the text says.

use serde_json::Value;

use super::*;
use crate::event::{SessionWorktree, TurnOutcome, Usage};
use crate::ids::{Seq, SessionId, TaskId, Timestamp};
use crate::mcp::backend::CommandRun;
use crate::protocol::{PendingApproval, Resolved, SlotSummary};
use crate::session::{SessionState, SessionStatus};
use crate::store::SessionMeta;

fn structured(result: &CallToolResult) -> &Value {
    result.structured_content.as_ref().unwrap()
}

fn text(result: &CallToolResult) -> String {
    result.content[0].as_text().unwrap().text.clone()
}

fn summary(title: &str, status: SessionStatus) -> SessionSummary {
    let state = SessionState {
        title: Some(title.into()),
        cwd: "/work/p".into(),
        status,
        ..Default::default()
    };
    SessionSummary {
        meta: SessionMeta::project(SessionId::new(), &state),
        live: false,
    }
}

fn task(title: &str, state: TaskState) -> TaskSummary {
    TaskSummary {
        id: TaskId::new(),
        name: None,
        title: title.into(),
        state,
        note: None,
        executor: "shell".into(),
        priority: 0,
        repo: "/work/p".into(),
        depends: Vec::new(),
        gate: false,
        attempts: 1,
        max_attempts: 2,
        labels: Vec::new(),
        submitted_at: Timestamp(0),
        updated_at: Timestamp(0),
        session: None,
        worktree: None,
        order: 0,
    }
}

#[test]
fn a_turn_answers_with_its_final_message_and_session() {
    let session = SessionId::new();
    let report = TurnReport {
        session,
        cwd: "/work/p".into(),
        worktree: Some(SessionWorktree {
            path: "/w/p-agent".into(),
            branch: "switchboard/agent".into(),
            ..Default::default()
        }),
        resumed: false,
        outcome: TurnOutcome::Completed,
        error: None,
        final_message: Some("All done.".into()),
        usage: Usage {
            input_tokens: 10,
            output_tokens: 4,
            ..Default::default()
        },
        commands: vec![
            CommandRun {
                command: "ls".into(),
                exit_code: Some(0),
                denied: None,
            },
            CommandRun {
                command: "uname".into(),
                exit_code: None,
                denied: Some("nobody can approve".into()),
            },
        ],
    };
    let result = turn(&report);
    assert_eq!(result.is_error, Some(false));
    let value = structured(&result);
    assert_eq!(value["session"], session.to_string());
    assert_eq!(value["outcome"], "completed");
    assert_eq!(value["final_message"], "All done.");
    assert_eq!(value["worktree"]["branch"], "switchboard/agent");
    assert_eq!(value["usage"]["input_tokens"], 10);
    assert_eq!(value["commands"][1]["denied"], "nobody can approve");
    let text = text(&result);
    assert!(
        text.starts_with(&format!("session {session}: turn completed")),
        "{text}"
    );
    assert!(
        text.contains("$ ls — exit 0") && text.contains("$ uname — not run"),
        "{text}"
    );
    assert!(text.ends_with("All done."), "{text}");
}

#[test]
fn long_final_messages_are_cut_in_the_text_only() {
    let report = TurnReport {
        session: SessionId::new(),
        cwd: String::new(),
        worktree: None,
        resumed: true,
        outcome: TurnOutcome::Failed,
        error: Some("the model failed".into()),
        final_message: Some("y".repeat(TEXT_MESSAGE_CHARS + 10)),
        usage: Usage::default(),
        commands: Vec::new(),
    };
    let result = turn(&report);
    let value = structured(&result);
    assert_eq!(value["outcome"], "failed");
    assert_eq!(
        value["final_message"].as_str().unwrap().len(),
        TEXT_MESSAGE_CHARS + 10
    );
    let text = text(&result);
    assert!(text.contains("turn failed (the model failed)"), "{text}");
    assert!(
        text.ends_with("(10 more characters in structuredContent)"),
        "{text}"
    );
}

#[test]
fn session_lists_are_filtered_and_bounded() {
    let all = vec![
        summary("fix parser", SessionStatus::Idle),
        summary("fix lexer", SessionStatus::Failed),
        summary("write docs", SessionStatus::Idle),
    ];
    let filter = crate::mcp::args::SessionList {
        query: Some("fix".into()),
        limit: Some(1),
        ..Default::default()
    }
    .filter()
    .unwrap();
    let result = sessions(&all, &filter);
    let value = structured(&result);
    assert_eq!(value["matched"], 2);
    assert_eq!(value["total"], 3);
    assert_eq!(value["sessions"].as_array().unwrap().len(), 1);
    assert_eq!(value["sessions"][0]["title"], "fix parser");
    assert_eq!(value["sessions"][0]["live"], false);
    assert!(text(&result).starts_with("2 sessions match; the newest 1:"));
    let none = crate::mcp::args::SessionList {
        query: Some("nothing".into()),
        ..Default::default()
    }
    .filter()
    .unwrap();
    assert_eq!(text(&sessions(&all, &none)), "no session matches");
}

#[test]
fn forks_name_the_child_and_where_its_code_is() {
    let parent = SessionId::new();
    let child = SessionId::new();
    let result = forked(&Forked {
        child,
        parent: Resolved {
            session: parent,
            at: Some(Seq(12)),
        },
        title: "fix parser".into(),
        worktree: Some("/w/fork".into()),
    });
    let value = structured(&result);
    assert_eq!(value["session"], child.to_string());
    assert_eq!(value["parent"]["id"], parent.to_string());
    assert_eq!(value["parent"]["at"], 12);
    assert_eq!(
        text(&result),
        format!("forked {parent} into {child} after event 12; its code is in /w/fork")
    );
}

#[test]
fn one_submitted_task_is_named_as_the_task() {
    let one = task("build", TaskState::Queued);
    let result = tasks(std::slice::from_ref(&one), "none");
    assert_eq!(structured(&result)["task"], one.id.to_string());
    assert_eq!(structured(&result)["tasks"][0]["state"], "queued");
    let two = tasks(&[one.clone(), task("test", TaskState::Queued)], "none");
    assert!(structured(&two).get("task").is_none());
    assert_eq!(text(&tasks(&[], "no tasks")), "no tasks");
}

#[test]
fn evidence_lists_files_and_returns_one_when_asked() {
    let files = vec![
        EvidenceFile {
            name: "patch.diff".into(),
            bytes: b"+hello\n".to_vec(),
        },
        EvidenceFile {
            name: "big.log".into(),
            bytes: vec![b'x'; EVIDENCE_FILE_BYTES + 1],
        },
    ];
    let listed = evidence("t1", 2, &files, None).unwrap();
    let value = structured(&listed);
    assert_eq!(value["attempt"], 2);
    assert_eq!(value["files"][0]["bytes"], 7);
    assert_eq!(value["files"][0]["sha256"].as_str().unwrap().len(), 64);
    assert!(value.get("file").is_none());
    let one = evidence("t1", 2, &files, Some("patch.diff")).unwrap();
    assert_eq!(structured(&one)["file"]["text"], "+hello\n");
    assert_eq!(structured(&one)["file"]["truncated"], false);
    let big = evidence("t1", 2, &files, Some("big.log")).unwrap();
    assert_eq!(structured(&big)["file"]["truncated"], true);
    let missing = evidence("t1", 2, &files, Some("nope"))
        .unwrap_err()
        .to_string();
    assert!(
        missing.contains("has no evidence file \"nope\"; it has patch.diff, big.log"),
        "{missing}"
    );
}

#[test]
fn status_says_what_waits_for_a_person() {
    let slot = SessionId::new();
    let status = ServerStatus {
        pid: 1,
        version: crate::protocol::VERSION,
        build: "t".into(),
        uptime_secs: 5,
        store: String::new(),
        socket: String::new(),
        clients: Vec::new(),
        slots: vec![SlotSummary {
            slot,
            kind: SlotKind::Agent,
            name: "fixer".into(),
            status: "waiting".into(),
            pid: None,
            size: None,
            cwd: "/work/p".into(),
            approval: Some(PendingApproval {
                call_id: "c1".into(),
                command: "rm -rf build".into(),
                cwd: "/work/p".into(),
                reason: "not known-safe".into(),
            }),
            hidden: false,
        }],
    };
    let board = vec![
        task("gate", TaskState::AwaitingApproval),
        task("broken", TaskState::FailedValidation),
        task("busy", TaskState::Running),
        task("done", TaskState::Completed),
    ];
    let result = status_of(&status, &board);
    let value = structured(&result);
    let waiting = value["waiting"].as_array().unwrap();
    assert_eq!(waiting.len(), 3, "{value:#}");
    assert_eq!(waiting[0]["what"], "approval");
    assert_eq!(waiting[0]["command"], "rm -rf build");
    assert_eq!(waiting[1]["title"], "gate");
    assert_eq!(waiting[2]["title"], "broken");
    assert_eq!(value["running_tasks"][0]["title"], "busy");
    assert_eq!(value["slots"][0]["slot"], slot.to_string());
    let text = text(&result);
    assert!(
        text.starts_with("1 slot, 3 waiting for a person, 1 task running"),
        "{text}"
    );
    assert!(text.contains("approve? rm -rf build in fixer"), "{text}");
}

fn status_of(status: &ServerStatus, board: &[TaskSummary]) -> CallToolResult {
    super::status(status, board)
}

#[test]
fn failures_are_tool_errors_with_the_reason() {
    let result = failed(&BackendError::Refused("no session matches 'abc'".into()));
    assert_eq!(result.is_error, Some(true));
    assert_eq!(text(&result), "no session matches 'abc'");
    assert_eq!(structured(&result)["error"], "no session matches 'abc'");
}
