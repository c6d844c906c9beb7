//! Task board benchmarks (see docs/BENCHMARKS.md):
//!
//! 1. admitting a plan of 1,000 tasks with 2,000 dependency edges: the TOML parsed, names and
//!    dependencies resolved, the DAG checked, the events folded into the board and appended
//!    durably to a real store (the server's git checks ask git once per repository and base,
//!    so they do not grow with the plan);
//! 2. the same plan with a cycle among its tasks, found and named;
//! 3. one scheduling decision with 1,000 tasks on the board;
//! 4. a board view frame with 1,000 tasks at 200×50.
//!
//! `cargo bench --bench tasks`

#![allow(clippy::unwrap_used, clippy::expect_used)] // benches may panic

mod stats;

use std::path::Path;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use stats::{Rng, Samples};
use switchboard::event::{
    Event, EventKind, TaskAttemptStarted, TaskSpec, TaskState, TaskStateChanged, TaskSubmitted,
};
use switchboard::ids::{Seq, TaskId, Timestamp};
use switchboard::store::{Store, StoreOptions};
use switchboard::tasks::board::Board;
use switchboard::tasks::dag::{self, Dependency};
use switchboard::tasks::schedule::{Caps, decide};
use switchboard::tasks::view::summaries;
use switchboard::tui::app::{AppState, Msg, Size};
use switchboard::tui::theme::Theme;

const TASKS: usize = 1000;
const EDGES: usize = 2000;

/// A plan file of `TASKS` tasks with `EDGES` edges, each to an earlier task (a DAG); with
/// `cycle`, the first task also depends on the last.
fn plan_text(cycle: bool) -> String {
    let mut rng = Rng(0x5eed);
    let mut deps: Vec<Vec<usize>> = vec![Vec::new(); TASKS];
    let mut edges = 0;
    while edges < EDGES {
        let to = 1 + rng.below(TASKS as u64 - 1) as usize;
        let from = rng.below(to as u64) as usize;
        if !deps[to].contains(&from) {
            deps[to].push(from);
            edges += 1;
        }
    }
    if cycle {
        deps[0].push(TASKS - 1);
    }
    let mut text = String::from("executor = \"shell\"\nrepo = \"/r\"\n");
    for (i, d) in deps.iter().enumerate() {
        let list: Vec<String> = d.iter().map(|j| format!("\"t{j}\"")).collect();
        text.push_str(&format!(
            "[[task]]\nname = \"t{i}\"\ngoal = \"make target {i}\"\nvalidations = [\"test -f out{i}\"]\ndepends = [{}]\n",
            list.join(", ")
        ));
    }
    text
}

/// Parse, check and fold a plan; the events a server would append.
fn admit(text: &str) -> Result<(Board, Vec<EventKind>), String> {
    let plan = switchboard::tasks::plan::parse(text, Path::new("/r")).map_err(|e| e.to_string())?;
    let mut board = Board::new();
    let deps = dag::resolve(&plan.tasks, &board).map_err(|e| e.to_string())?;
    let ids: Vec<TaskId> = plan.tasks.iter().map(|_| TaskId::new()).collect();
    let kinds: Vec<EventKind> = plan
        .tasks
        .iter()
        .enumerate()
        .map(|(i, draft)| {
            EventKind::TaskSubmitted(Box::new(TaskSubmitted {
                task: ids[i],
                spec: TaskSpec {
                    title: draft.title(),
                    goal: draft.goal.clone(),
                    executor: "shell".into(),
                    repo: "/r".into(),
                    base: "HEAD".into(),
                    base_commit: "0".repeat(40),
                    depends: deps[i]
                        .iter()
                        .map(|d| match d {
                            Dependency::New(j) => ids[*j],
                            Dependency::Existing(id) => *id,
                        })
                        .collect(),
                    validations: draft.validations.clone(),
                    max_attempts: 2,
                    name: draft.name.clone(),
                    ..Default::default()
                },
                plan: None,
                input: None,
            }))
        })
        .collect();
    for (i, kind) in kinds.iter().enumerate() {
        board.apply(&Event {
            session: switchboard::tasks::BOARD,
            seq: Seq(i as u64 + 1),
            at: Timestamp(i as i64),
            kind: kind.clone(),
        });
    }
    Ok((board, kinds))
}

/// A board of 1,000 tasks in a realistic mix: a third done, some running, the rest queued.
fn busy_board() -> Board {
    let (mut board, _) = admit(&plan_text(false)).unwrap();
    let ids: Vec<TaskId> = board.tasks().iter().map(|t| t.id).collect();
    let mut seq = TASKS as u64;
    for (i, id) in ids.iter().enumerate() {
        let state = match i % 10 {
            0..=3 => TaskState::Completed,
            4 => TaskState::Running,
            5 => TaskState::FailedValidation,
            _ => continue,
        };
        seq += 1;
        board.apply(&Event {
            session: switchboard::tasks::BOARD,
            seq: Seq(seq),
            at: Timestamp(seq as i64),
            kind: EventKind::TaskAttemptStarted(Box::new(TaskAttemptStarted {
                task: *id,
                attempt: 1,
                ..Default::default()
            })),
        });
        seq += 1;
        board.apply(&Event {
            session: switchboard::tasks::BOARD,
            seq: Seq(seq),
            at: Timestamp(seq as i64),
            kind: EventKind::TaskState(TaskStateChanged {
                task: id.to_string(),
                state,
                ..Default::default()
            }),
        });
    }
    board
}

fn main() {
    println!("| what | median | p99 |\n|---|---|---|");
    let text = plan_text(false);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store.redb"), StoreOptions::default()).unwrap();
    store
        .create_session_as(
            switchboard::tasks::BOARD,
            switchboard::event::SessionCreated {
                kind: switchboard::event::SessionKind::Tasks,
                cwd: "/".into(),
                ..Default::default()
            },
        )
        .unwrap();
    let admitted = Samples::collect(20, || {
        let (_, kinds) = admit(&text).unwrap();
        store
            .append(switchboard::tasks::BOARD, kinds)
            .unwrap()
            .wait()
            .unwrap();
    });
    println!(
        "{}",
        admitted.row("admit a plan: 1,000 tasks, 2,000 edges (parse, check, fold, durable append)")
    );
    let checked = Samples::collect(20, || {
        admit(&text).unwrap();
    });
    println!("{}", checked.row("the same without the store append"));
    let cyclic = plan_text(true);
    let found = Samples::collect(20, || {
        let error = admit(&cyclic).unwrap_err();
        assert!(error.starts_with("dependency cycle: t0 → "), "{error}");
    });
    println!("{}", found.row("a cycle among them found and named"));

    let board = busy_board();
    let caps = Caps {
        global: 4,
        per_repo: 4,
    };
    let decisions = Samples::collect(200, || {
        std::hint::black_box(decide(&board, caps));
    });
    println!(
        "{}",
        decisions.row("one scheduling decision, 1,000 tasks on the board")
    );

    let size = Size {
        cols: 200,
        rows: 50,
    };
    let mut state = AppState::new(size, Theme { no_color: false });
    switchboard::tui::update::update(
        &mut state,
        Msg::Server(switchboard::protocol::Notification::Task(
            switchboard::protocol::tasks::TaskNotification::Board(summaries(&board)),
        )),
    );
    switchboard::tui::update::update(
        &mut state,
        Msg::Key(crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char('t'),
            crossterm::event::KeyModifiers::ALT,
        )),
    );
    let mut terminal = Terminal::new(TestBackend::new(size.cols, size.rows)).unwrap();
    let mut cpu = Vec::with_capacity(1000);
    let frames = Samples::collect(1000, || {
        let before = thread_cpu();
        terminal
            .draw(|frame| switchboard::tui::render::render(&state, frame))
            .unwrap();
        cpu.push(thread_cpu() - before);
    });
    println!(
        "{}",
        frames.row("board view frame, 1,000 tasks at 200×50 (render + buffer diff), wall")
    );
    cpu.sort();
    println!(
        "{}",
        Samples(cpu).row("the same frame, CPU time of the drawing thread (no preemption)")
    );
}

/// This thread's CPU time: what a frame costs, without the time a loaded machine gives to
/// other processes in the middle of it.
fn thread_cpu() -> std::time::Duration {
    nix::time::clock_gettime(nix::time::ClockId::CLOCK_THREAD_CPUTIME_ID)
        .map(std::time::Duration::from)
        .unwrap_or_default()
}
