//! The turn index: one record per user message with how its turn ended, following forks.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use switchboard::event::{
    EventKind, SessionCreated, TurnEnded, TurnOutcome, TurnStarted, UserMessage,
};
use switchboard::ids::Seq;
use switchboard::store::{Store, StoreOptions};

fn turn(n: u32, prompt: &str, commit: Option<&str>) -> Vec<EventKind> {
    vec![
        EventKind::UserMessage(UserMessage {
            text: prompt.into(),
        }),
        EventKind::TurnStarted(TurnStarted { turn: n }),
        EventKind::TurnEnded(TurnEnded {
            turn: n,
            outcome: TurnOutcome::Completed,
            error: None,
            commit: commit.map(str::to_owned),
        }),
    ]
}

#[test]
fn turns_are_indexed_and_forks_inherit_them() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store.redb"), StoreOptions::default()).unwrap();
    let id = store.create_session(SessionCreated::default()).unwrap();
    store
        .append_durable(id, turn(1, "first", Some("c1")))
        .unwrap(); // seqs 2..=4
    store
        .append_durable(id, turn(2, "second", Some("c2")))
        .unwrap(); // seqs 5..=7
    let turns = store.turns(id).unwrap();
    assert_eq!(turns.len(), 2);
    assert_eq!(
        (turns[0].user_seq, turns[0].ended_seq),
        (Seq(2), Some(Seq(4)))
    );
    assert_eq!(turns[1].commit.as_deref(), Some("c2"));
    assert_eq!(turns[1].prompt, "second");

    // A fork cut in the middle of turn 2 inherits turn 1 whole and turn 2 unfinished.
    let fork = store.fork(id, Some(Seq(6))).unwrap();
    let inherited = store.turns(fork).unwrap();
    assert_eq!(inherited.len(), 2);
    assert_eq!(inherited[0].commit.as_deref(), Some("c1"));
    assert_eq!(inherited[1].ended_seq, None);
    assert_eq!(inherited[1].commit, None);
    // Its own turns follow.
    store.append_durable(fork, turn(3, "third", None)).unwrap();
    let all = store.turns(fork).unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[2].prompt, "third");
    assert!(all[2].ended_seq.is_some());
}
