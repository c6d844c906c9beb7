//! Property tests over a real redb file: resume (checkpoint + tail) equals full replay, at every
//! point; forks read exactly their parent's prefix; chains of forks compose.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic

use proptest::prelude::*;
use switchboard::event::{
    EventKind, SessionCreated, SessionKind, SessionRenamed, SlotExited, SlotResized, TurnEnded,
    TurnOutcome, UnknownKind, UserMessage,
};
use switchboard::fixture::SyntheticEvents;
use switchboard::ids::Seq;
use switchboard::store::{Store, StoreOptions};

fn arb_kind() -> impl Strategy<Value = EventKind> {
    prop_oneof![
        4 => (any::<u64>(), 1usize..200).prop_map(|(seed, bytes)| {
            SyntheticEvents::new(seed, bytes).nth((seed % 97) as usize).expect("endless")
        }),
        1 => ".{0,40}".prop_map(|title| EventKind::SessionRenamed(SessionRenamed { title })),
        1 => ".{0,300}".prop_map(|text| EventKind::UserMessage(UserMessage { text })),
        1 => (any::<Option<i32>>(), proptest::option::of(".{0,20}")).prop_map(|(code, error)| {
            EventKind::SlotExited(SlotExited { code, signal: None, error })
        }),
        1 => (any::<u16>(), any::<u16>()).prop_map(|(cols, rows)| EventKind::SlotResized(SlotResized { cols, rows })),
        1 => (1u32..50, prop_oneof![Just(TurnOutcome::Completed), Just(TurnOutcome::Interrupted), Just(TurnOutcome::Failed)])
            .prop_map(|(turn, outcome)| EventKind::TurnEnded(TurnEnded { turn, outcome, error: None, commit: None })),
        1 => ("[a-z]{1,8}\\.[a-z]{1,8}", any::<u32>()).prop_map(|(tag, n)| {
            let mut body = Vec::new();
            rmp::encode::write_u32(&mut body, n).expect("encode");
            EventKind::Unknown(UnknownKind { tag: format!("future.{tag}"), body })
        }),
    ]
}

fn created() -> EventKind {
    EventKind::SessionCreated(SessionCreated {
        kind: SessionKind::Agent,
        title: None,
        cwd: "/w".into(),
        command: None,
        model: None,
        owner: None,
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn resume_equals_replay_at_every_point(
        kinds in proptest::collection::vec(arb_kind(), 1..400),
        request_size in 1usize..40,
        checkpoint_every in 1u64..60,
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("store.redb"), StoreOptions { checkpoint_every, ..Default::default() })
            .expect("open");
        let id = store.create_session(match created() { EventKind::SessionCreated(c) => c, _ => unreachable!() }).expect("create");
        let mut pendings = Vec::new();
        for chunk in kinds.chunks(request_size) {
            pendings.push(store.append(id, chunk.to_vec()).expect("queue"));
        }
        for pending in pendings {
            pending.wait().expect("durable");
        }
        let last = store.meta(id).expect("meta").last_seq;
        prop_assert_eq!(last, Seq(kinds.len() as u64 + 1));
        prop_assert_eq!(store.resume(id).expect("resume").state, store.replay(id).expect("replay"));

        // Every prefix resumes to the fold of exactly that prefix.
        let events = store.events(id).expect("events");
        let mut folded = switchboard::session::SessionState::default();
        for event in &events {
            switchboard::session::reduce(&mut folded, event);
            prop_assert_eq!(&store.state_at(id, event.seq).expect("state_at"), &folded);
        }
        // Stored kinds come back exactly, unknown ones included.
        for (event, kind) in events[1..].iter().zip(&kinds) {
            prop_assert_eq!(&event.kind, kind);
        }
        prop_assert!(!store.checkpoints(id).expect("checkpoints").is_empty() || kinds.len() < checkpoint_every as usize);
    }

    #[test]
    fn forks_read_their_parents_prefix(
        kinds in proptest::collection::vec(arb_kind(), 2..200),
        cut_a in any::<prop::sample::Index>(),
        cut_b in any::<prop::sample::Index>(),
        extra in proptest::collection::vec(arb_kind(), 0..30),
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("store.redb"), StoreOptions { checkpoint_every: 7, ..Default::default() })
            .expect("open");
        let root = store.create_session(match created() { EventKind::SessionCreated(c) => c, _ => unreachable!() }).expect("create");
        store.append_durable(root, kinds.clone()).expect("append");
        let root_events = store.events(root).expect("root events");

        let cut = Seq(cut_a.index(root_events.len()) as u64 + 1);
        let fork = store.fork(root, Some(cut)).expect("fork");
        if !extra.is_empty() {
            store.append_durable(fork, extra.clone()).expect("append to fork");
        }
        let fork_events = store.events(fork).expect("fork events");
        let inherited = cut.0 as usize;
        prop_assert_eq!(&fork_events[..inherited], &root_events[..inherited]);
        prop_assert!(matches!(fork_events[inherited].kind, EventKind::SessionForked(_)));
        prop_assert_eq!(fork_events[inherited].seq, cut.next());
        for (i, event) in fork_events.iter().enumerate() {
            prop_assert_eq!(event.seq, Seq(i as u64 + 1));
        }
        prop_assert_eq!(store.resume(fork).expect("resume").state, store.replay(fork).expect("replay"));
        let meta = store.meta(fork).expect("meta");
        prop_assert_eq!(meta.parent.map(|p| (p.id, p.seq)), Some((root, cut)));

        // A fork of the fork, cut anywhere (also before the first fork's own cut).
        let cut2 = Seq(cut_b.index(fork_events.len()) as u64 + 1);
        let grandchild = store.fork(fork, Some(cut2)).expect("fork of fork");
        let grand_events = store.events(grandchild).expect("grandchild events");
        prop_assert_eq!(&grand_events[..cut2.0 as usize], &fork_events[..cut2.0 as usize]);
        prop_assert_eq!(store.resume(grandchild).expect("resume").state, store.replay(grandchild).expect("replay"));
        // The parent is untouched by its forks.
        prop_assert_eq!(store.events(root).expect("root again"), root_events);
    }
}

#[test]
fn appends_to_unknown_sessions_fail_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store.redb"), StoreOptions::default()).expect("open");
    let id = store
        .create_session(SessionCreated::default())
        .expect("create");
    let ghost = switchboard::ids::SessionId::new();
    let bad = store
        .append(
            ghost,
            vec![EventKind::UserMessage(UserMessage { text: "x".into() })],
        )
        .expect("queue");
    let good = store
        .append(
            id,
            vec![EventKind::UserMessage(UserMessage { text: "y".into() })],
        )
        .expect("queue");
    assert!(
        bad.wait()
            .unwrap_err()
            .to_string()
            .contains("does not exist")
    );
    assert_eq!(good.wait().expect("good lands").last, Seq(2));
    assert!(
        store
            .fork(id, Some(Seq(3)))
            .unwrap_err()
            .to_string()
            .contains("has no event 3")
    );
    assert!(store.fork(ghost, None).is_err());
    assert!(store.create_session(SessionCreated::default()).is_ok());
}
