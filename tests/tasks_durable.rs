//! The board answers only what a `kill -9` cannot take back: a client hears of a change once
//! the events recording it are durable, and hears an error when they could not be recorded.
//! The runner is driven over a real store with the test playing the server core (on one
//! thread, so nothing the test does not await can run behind its back); then the real server
//! is killed the moment it answers, and stopped cleanly while an attempt runs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::time::Duration;

use switchboard::event::{Event, EventKind, SessionCreated, SessionKind};
use switchboard::ids::{Seq, TaskId, Timestamp};
use switchboard::protocol::tasks::{SubmitRequest, TaskCommand, TaskNotification};
use switchboard::protocol::{Notification, Scope};
use switchboard::server::core::Input;
use switchboard::store::{Store, StoreOptions};
use switchboard::tasks::runner::{Effect, Runner, Settings, TaskInput};
use switchboard::tasks::schedule::Caps;
use switchboard::tasks::{BOARD, TaskDraft};
use tokio::sync::mpsc;

/// Generous: the runner's checks run git on a shared, loaded machine.
const WAIT: Duration = Duration::from_secs(60);

const CLIENT: u64 = 7;

fn settings(dir: &Path) -> Settings {
    Settings {
        caps: Caps {
            global: 1,
            per_repo: 1,
        },
        worktrees_dir: dir.join("worktrees"),
        approval: "on-request".into(),
        validation_timeout: Duration::from_secs(60),
        codex: vec!["codex".into()],
        presets: Default::default(),
        login_shell: false,
    }
}

fn submission(repo: &Path) -> TaskCommand {
    TaskCommand::Submit(Box::new(SubmitRequest {
        tasks: vec![TaskDraft {
            goal: "true".into(),
            executor: Some("shell".into()),
            repo: Some(repo.display().to_string()),
            ..Default::default()
        }],
        plan: None,
        input: None,
        wait: false,
        agents: Default::default(),
    }))
}

/// Plays the server core: hands the runner what comes back to it (through `rewrite`) and
/// collects what it says, until `done` holds for what was said so far.
async fn drive(
    runner: &mut Runner,
    rx: &mut mpsc::Receiver<Input>,
    said: &mut Vec<Effect>,
    mut rewrite: impl FnMut(TaskInput) -> TaskInput,
    mut done: impl FnMut(&[Effect]) -> bool,
) {
    while !done(said) {
        let input = tokio::time::timeout(WAIT, rx.recv())
            .await
            .expect("the runner went quiet")
            .expect("inputs closed");
        if let Input::Task(input) = input {
            said.extend(runner.input(rewrite(input)));
        }
    }
}

fn admitted(said: &[Effect]) -> Option<Vec<TaskId>> {
    said.iter().find_map(|e| match e {
        Effect::Reply(CLIENT, Notification::Task(TaskNotification::Admitted { ids })) => {
            Some(ids.clone())
        }
        _ => None,
    })
}

fn refusal(said: &[Effect]) -> Option<String> {
    said.iter().find_map(|e| match e {
        Effect::Reply(CLIENT, Notification::Task(TaskNotification::Refused { error })) => {
            Some(error.clone())
        }
        _ => None,
    })
}

fn submitted(events: &[Event], id: TaskId) -> bool {
    events
        .iter()
        .any(|e| matches!(&e.kind, EventKind::TaskSubmitted(s) if s.task == id))
}

#[tokio::test(flavor = "current_thread")]
async fn a_submission_is_answered_only_once_its_events_are_durable() {
    let dir = tempfile::tempdir().unwrap();
    let (_repo_dir, repo) = support::tasks::repo();
    let store = Store::open(&dir.path().join("store.redb"), StoreOptions::default()).unwrap();
    let (tx, mut rx) = mpsc::channel(1024);
    let mut runner = Runner::new(store.clone(), settings(dir.path()), tx);

    let mut said = runner.command(CLIENT, submission(&repo));
    // Checked at every step, not only at the end: the answer must never be out while the
    // submission is only in memory.
    let mut early = None;
    drive(
        &mut runner,
        &mut rx,
        &mut said,
        |input| input,
        |said| {
            let Some(ids) = admitted(said) else {
                return false;
            };
            let events = store.events(BOARD).unwrap_or_default();
            if !submitted(&events, ids[0]) {
                early = Some(ids[0]);
            }
            true
        },
    )
    .await;
    assert_eq!(
        early, None,
        "the client was told the task was admitted before its submission was in the store"
    );
    assert_eq!(refusal(&said), None);
}

#[tokio::test(flavor = "current_thread")]
async fn a_change_the_store_did_not_take_is_answered_with_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let (_repo_dir, repo) = support::tasks::repo();
    let store = Store::open(&dir.path().join("store.redb"), StoreOptions::default()).unwrap();
    let (tx, mut rx) = mpsc::channel(1024);
    let mut runner = Runner::new(store, settings(dir.path()), tx);

    // The runner is told its board session exists, but the store has none: its first append
    // fails, as a real store error does.
    let phantom = |input| match input {
        TaskInput::Loaded(_) => TaskInput::Loaded(Ok(vec![Event {
            session: BOARD,
            seq: Seq(1),
            at: Timestamp::now(),
            kind: EventKind::SessionCreated(SessionCreated {
                kind: SessionKind::Tasks,
                title: Some("task board".into()),
                cwd: "/".into(),
                command: None,
                model: None,
                owner: None,
            }),
        }])),
        other => other,
    };
    let mut said = runner.command(CLIENT, submission(&repo));
    drive(&mut runner, &mut rx, &mut said, phantom, |said| {
        admitted(said).is_some() || refusal(said).is_some()
    })
    .await;
    assert_eq!(admitted(&said), None, "told admitted: {said:#?}");
    let error = refusal(&said).unwrap();
    assert!(error.contains("could not record"), "{error}");
    assert!(
        said.iter().any(|e| matches!(
            e,
            Effect::Broadcast(Notification::Notice {
                failure: Some(Scope::Store),
                ..
            })
        )),
        "no workstation was told: {said:#?}"
    );

    // The board in memory is now ahead of the store: it answers nothing more until a restart.
    let mut said = runner.command(CLIENT, TaskCommand::List);
    drive(
        &mut runner,
        &mut rx,
        &mut said,
        |input| input,
        |said| refusal(said).is_some(),
    )
    .await;
    assert!(
        !said.iter().any(|e| matches!(
            e,
            Effect::Reply(_, Notification::Task(TaskNotification::Board(_)))
        )),
        "{said:#?}"
    );
}

/// The promise from a client's side, with the real server: the moment `task submit` has
/// printed the id, the server is killed; the submission is in the store.
#[test]
fn a_submitted_task_survives_a_kill_right_after_the_answer() {
    let home = support::tasks::home();
    let (_dir, repo) = support::tasks::repo();
    for round in 0..3 {
        let id = support::tasks::submit(&home, &repo, &["--executor", "shell", "--goal", "true"]);
        support::kill_servers(home.path());
        // Closed before the next round's server opens it.
        let events = Store::open(&home.store_file(), StoreOptions::default())
            .unwrap()
            .events(BOARD)
            .unwrap();
        assert!(
            events.iter().any(
                |e| matches!(&e.kind, EventKind::TaskSubmitted(s) if s.task.to_string() == id)
            ),
            "round {round}: task {id} was answered but is not in the store"
        );
    }
}

/// A clean stop still writes the board out before the server leaves: the attempt it stopped
/// is on record as interrupted.
#[test]
fn a_clean_stop_records_the_attempts_it_interrupts_before_leaving() {
    let home = support::tasks::home();
    let (_dir, repo) = support::tasks::repo();
    let id = support::tasks::submit(
        &home,
        &repo,
        &[
            "--executor",
            "shell",
            "--goal",
            "touch started && sleep 600",
        ],
    );
    support::tasks::wait_for_worktree(&home, &repo, &id, 1);
    let out = home.run(&["server", "stop"]);
    assert!(out.status.success(), "{out:?}");
    assert!(
        support::wait_for(support::tasks::WAIT, || support::server_pids(home.path())
            .is_empty()),
        "the server did not leave"
    );
    let events = Store::open(&home.store_file(), StoreOptions::default())
        .unwrap()
        .events(BOARD)
        .unwrap();
    let last = events
        .iter()
        .rev()
        .find_map(|e| match &e.kind {
            EventKind::TaskState(s) if s.task == id => Some(s.clone()),
            _ => None,
        })
        .expect("no state recorded");
    assert_eq!(last.state, switchboard::event::TaskState::Interrupted);
    assert_eq!(last.by.as_deref(), Some("server stop"));
}
