//! Snapshots of the task board view at 80×24 and 160×48 (the settings of
//! `tui_snapshots.rs`): tasks in every group with dependency and gate markers, the detail
//! pane, the reject prompt, the submit form, and the status line's counts.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use switchboard::event::TaskState;
use switchboard::ids::{SessionId, TaskId, Timestamp};
use switchboard::protocol::Notification;
use switchboard::protocol::tasks::TaskNotification;
use switchboard::tasks::view::TaskSummary;
use switchboard::tui::app::{AppState, Msg, Size};
use switchboard::tui::headless::render_text;
use switchboard::tui::theme::Theme;
use switchboard::tui::update::update;

const NOW: Timestamp = Timestamp(1_790_000_000_000_000);
const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

fn snapshot(name: &str, build: impl Fn(Size) -> AppState) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for (cols, rows) in SIZES {
            let state = build(Size { cols, rows });
            insta::assert_snapshot!(format!("{name}_{cols}x{rows}"), render_text(&state));
        }
    });
}

fn key(state: &mut AppState, code: KeyCode) {
    update(state, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn task(n: u128, name: &str, state: TaskState, note: Option<&str>) -> TaskSummary {
    TaskSummary {
        id: TaskId(0x1000_0000_0000_4000_8000_0000_0000_0000 + (n << 100)),
        name: Some(name.into()),
        title: name.into(),
        state,
        note: note.map(str::to_owned),
        executor: ["native", "shell", "codex"][n as usize % 3].into(),
        priority: 0,
        repo: "/home/dev/project".into(),
        depends: Vec::new(),
        gate: false,
        attempts: u32::from(state != TaskState::Queued),
        max_attempts: 2,
        labels: Vec::new(),
        submitted_at: Timestamp(NOW.0 - 3_600_000_000),
        updated_at: NOW,
        session: (state != TaskState::Queued)
            .then_some(SessionId(0x0193_0000_0000_7000_8000_0000_0000_0000 + n)),
        worktree: None,
        order: n as u64,
    }
}

/// A workstation whose board holds tasks in most states.
fn with_tasks(size: Size) -> AppState {
    let mut state = AppState::new(size, Theme { no_color: true });
    state.now = NOW;
    let mut tasks = vec![
        task(
            0,
            "schema",
            TaskState::Completed,
            Some("2 validation(s) passed"),
        ),
        task(
            1,
            "migrate-store",
            TaskState::Running,
            Some("attempt 1 of 2"),
        ),
        task(
            2,
            "docs",
            TaskState::AwaitingApproval,
            Some("gate: 1 validation(s) passed; approve to complete, or reject"),
        ),
        task(3, "bench", TaskState::Queued, None),
        task(
            4,
            "lint",
            TaskState::FailedValidation,
            Some("attempt 2 failed validation `cargo clippy` exited with 101"),
        ),
        task(
            5,
            "release-notes",
            TaskState::Blocked,
            Some("dependency lint (4000000…) is failed_validation"),
        ),
        task(
            6,
            "flaky-test",
            TaskState::Validating,
            Some("1 validation(s)"),
        ),
        task(
            7,
            "port-parser",
            TaskState::Interrupted,
            Some("the server ended while attempt 1 ran"),
        ),
    ];
    let schema = tasks[0].id;
    let lint = tasks[4].id;
    tasks[1].depends = vec![schema];
    tasks[2].gate = true;
    tasks[3].depends = vec![schema, tasks[1].id];
    tasks[5].depends = vec![lint];
    update(
        &mut state,
        Msg::Server(Notification::Task(TaskNotification::Board(tasks))),
    );
    state.dirty = false;
    state
}

fn board(size: Size) -> AppState {
    let mut state = with_tasks(size);
    update(
        &mut state,
        Msg::Key(KeyEvent::new(KeyCode::Char('t'), KeyModifiers::ALT)),
    );
    state
}

#[test]
fn status_line_counts_tasks_and_who_waits() {
    snapshot("board_status_line", with_tasks);
}

#[test]
fn board_grouped_by_state() {
    snapshot("board", |size| {
        let mut state = board(size);
        key(&mut state, KeyCode::Down);
        state
    });
}

#[test]
fn board_empty() {
    snapshot("board_empty", |size| {
        let mut state = AppState::new(size, Theme { no_color: true });
        state.now = NOW;
        update(
            &mut state,
            Msg::Key(KeyEvent::new(KeyCode::Char('t'), KeyModifiers::ALT)),
        );
        state
    });
}

#[test]
fn board_filtered_with_detail() {
    snapshot("board_detail", |size| {
        let mut state = board(size);
        key(&mut state, KeyCode::Tab);
        key(&mut state, KeyCode::Enter);
        let id = state.tasks.tasks[2].id;
        let record = switchboard::tasks::board::Task {
            id,
            spec: Default::default(),
            plan: None,
            input: None,
            order: 2,
            submitted_at: NOW,
            state: TaskState::AwaitingApproval,
            note: None,
            updated_at: NOW,
            history: Vec::new(),
            attempts: Vec::new(),
        };
        let news = [
            TaskNotification::Record {
                task: Box::new(record),
                text: "1000… docs  [awaiting_approval]\n  gate: 1 validation(s) passed\nattempt 1 · native · session 0193…\n  ✓ `test -f docs/TASKS.md` exit 0 · 12 ms\n".into(),
                graph: String::new(),
            },
            TaskNotification::Evidence {
                task: id,
                attempt: 1,
                files: vec![switchboard::tasks::evidence::EvidenceFile {
                    name: "patch.diff".into(),
                    bytes: b"diff --git a/docs/TASKS.md b/docs/TASKS.md\n@@ -1 +1,2 @@\n # Tasks\n+A plan file holds several tasks.\n".to_vec(),
                }],
            },
            TaskNotification::Logs {
                task: id,
                attempt: 1,
                text: "$ ls docs\nTASKS.md\n[exit 0]\n".into(),
            },
        ];
        for n in news {
            update(&mut state, Msg::Server(Notification::Task(n)));
        }
        state
    });
}

#[test]
fn board_reject_prompt_and_form() {
    snapshot("board_reject", |size| {
        let mut state = board(size);
        key(&mut state, KeyCode::Char('x'));
        for c in "not yet".chars() {
            key(&mut state, KeyCode::Char(c));
        }
        state
    });
    snapshot("board_form", |size| {
        let mut state = board(size);
        key(&mut state, KeyCode::Char('n'));
        for c in "write the docs".chars() {
            key(&mut state, KeyCode::Char(c));
        }
        key(&mut state, KeyCode::Tab);
        key(&mut state, KeyCode::Tab);
        state
    });
}
