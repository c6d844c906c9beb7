#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic
//! The conversation projection (issue 14 §4) over a real redb file: what it gives equals
//! `Conversation::from_events` byte for byte — at any seq, along fork chains, with approvals,
//! compactions and repeated call ids — and a session written before the projection existed
//! (or by an older build since) is brought up to date when read; `store repair` rebuilds it.

use proptest::prelude::*;
use redb::{ReadableDatabase, TableDefinition};
use switchboard::agent::SessionRules;
use switchboard::event::{Event, EventKind, SessionCreated, SessionKind};
use switchboard::fixture::conversation::{RandomTurns, Shape};
use switchboard::ids::{Seq, SessionId};
use switchboard::model::Conversation;
use switchboard::store::{Store, StoreOptions, StoredConversation};

// The projection's tables as they are on disk (src/store/tables.rs): the tests remove them to
// make a store look as one written before they existed.
const CONVERSATION: TableDefinition<(u128, u64), &[u8]> = TableDefinition::new("conversation");
const SESSION_RULES: TableDefinition<(u128, u64), &str> = TableDefinition::new("session_rules");
const PROJECTED: TableDefinition<u128, (u64, u64)> = TableDefinition::new("projected");
/// The projection version this build writes in `projected` (`PROJECTION_VERSION` in
/// src/store/conversation.rs); rows of any other are rebuilt.
const VERSION: u64 = 2;

fn created() -> SessionCreated {
    SessionCreated {
        kind: SessionKind::Agent,
        title: None,
        cwd: "/w".into(),
        command: None,
        model: None,
        owner: None,
    }
}

fn open(path: &std::path::Path, checkpoint_every: u64) -> Store {
    Store::open(
        path,
        StoreOptions {
            checkpoint_every,
            ..StoreOptions::default()
        },
    )
    .unwrap()
}

/// Appends `kinds` in requests of `chunk` events, waiting for each.
fn append(store: &Store, id: SessionId, kinds: Vec<EventKind>, chunk: usize) {
    for part in kinds.chunks(chunk.max(1)) {
        store.append(id, part.to_vec()).unwrap().wait().unwrap();
    }
}

/// The seq the next event of `id` gets.
fn next_seq(store: &Store, id: SessionId) -> u64 {
    store.meta(id).unwrap().last_seq.0 + 1
}

/// The request body's `input` the conversation gives, as JSON text (what "byte-identical"
/// compares), with calls still open closed as a turn would close them.
fn body(conversation: &Conversation) -> String {
    let mut closed = conversation.clone();
    closed.close_pending_calls();
    serde_json::to_string(&closed.input()).unwrap()
}

/// What a full scan of the events up to `upto` gives: the reference.
fn reference(events: &[Event], upto: u64) -> (Conversation, Vec<String>) {
    let mut conversation = Conversation::new();
    let mut rules = SessionRules::new();
    let mut approved = Vec::new();
    for event in events.iter().filter(|e| e.seq.0 <= upto) {
        conversation.apply(event.seq.0, &event.kind);
        approved.extend(rules.apply(&event.kind));
    }
    (conversation, approved)
}

fn assert_matches(store: &Store, id: SessionId, upto: u64, what: &str) -> StoredConversation {
    let events = store.events(id).unwrap();
    let stored = store.conversation_at(id, Seq(upto), None).unwrap();
    let (expected, rules) = reference(&events, upto);
    assert!(stored.from_projection, "{what}: read from the projection");
    assert_eq!(
        body(&stored.conversation),
        body(&expected),
        "{what} at {upto}"
    );
    assert_eq!(
        stored.conversation.pending_calls(),
        expected.pending_calls(),
        "{what} at {upto}: open calls"
    );
    assert_eq!(stored.rules, rules, "{what} at {upto}: session rules");
    assert_eq!(
        stored.conversation.estimated_tokens(),
        expected.estimated_tokens(),
        "{what} at {upto}: the estimate that decides compaction"
    );
    // The reference the rest of the program uses is the same thing.
    let upto_events: Vec<Event> = events.into_iter().filter(|e| e.seq.0 <= upto).collect();
    assert_eq!(
        body(&stored.conversation),
        body(&Conversation::from_events(&upto_events)),
        "{what} at {upto}: from_events"
    );
    stored
}

/// Every seq of `id`, and a few when there are many.
fn check_points(last: u64) -> Vec<u64> {
    if last <= 80 {
        (1..=last).collect()
    } else {
        let step = last / 40;
        (1..=last).step_by(step as usize).chain([last]).collect()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn the_projection_equals_a_full_scan_at_every_seq_and_along_forks(
        seed in any::<u64>(),
        turns in 1usize..10,
        chunk in 1usize..40,
        checkpoint_every in 1u64..50,
        reuse_call_ids in any::<bool>(),
        compactions in any::<bool>(),
        cuts in proptest::collection::vec(0.0f64..1.0, 1..3),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir.path().join("store.redb"), checkpoint_every);
        let shape = Shape { reuse_call_ids, compactions };
        let root = store.create_session(created()).unwrap();
        let kinds = RandomTurns::new(seed, shape, next_seq(&store, root)).turns(turns);
        append(&store, root, kinds, chunk);
        // A chain of forks, each cut somewhere in its parent and continued with more turns.
        let mut chain = vec![root];
        for (depth, cut) in cuts.iter().enumerate() {
            let parent = *chain.last().unwrap();
            let last = store.meta(parent).unwrap().last_seq.0;
            let at = ((last as f64 * cut) as u64).max(1);
            let child = store.fork(parent, Some(Seq(at))).unwrap();
            let more = RandomTurns::new(seed ^ (depth as u64 + 1), shape, next_seq(&store, child))
                .turns(turns.div_ceil(2));
            append(&store, child, more, chunk);
            chain.push(child);
        }
        for id in chain {
            let last = store.meta(id).unwrap().last_seq.0;
            for upto in check_points(last) {
                assert_matches(&store, id, upto, "chain");
            }
        }
    }
}

#[test]
fn a_budget_gives_the_newest_items_and_says_the_rest_was_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir.path().join("store.redb"), 64);
    let id = store.create_session(created()).unwrap();
    let kinds = RandomTurns::new(5, Shape::default(), 2).turns(40);
    append(&store, id, kinds, 16);
    let whole = store.conversation(id, None).unwrap().conversation;
    let total = whole.estimated_tokens();
    let partial = store
        .conversation(id, Some(total / 3))
        .unwrap()
        .conversation;
    assert!(partial.is_partial());
    assert!(!whole.is_partial());
    let (all, newest) = (whole.items(), partial.items());
    assert!(!newest.is_empty() && newest.len() < all.len());
    assert_eq!(
        newest,
        &all[all.len() - newest.len()..],
        "a suffix of the whole"
    );
    // The estimate still counts what was left out, so the agent compacts before sending.
    assert!(partial.estimated_tokens() >= total * 9 / 10, "{partial:?}");
    // Under the budget, nothing is left out.
    let roomy = store
        .conversation(id, Some(total * 2))
        .unwrap()
        .conversation;
    assert!(!roomy.is_partial());
    assert_eq!(body(&roomy), body(&whole));
}

/// The store file opened directly, in the mode the store writes it (another mode makes redb
/// rebuild its allocator state).
fn raw(path: &std::path::Path) -> redb::Database {
    let mut builder = redb::Database::builder();
    builder.set_concurrency_mode(redb::ConcurrencyMode::MultiWriter);
    builder.open(path).unwrap()
}

/// Removes the projection's tables, as a store written before they existed has none.
fn drop_projection(path: &std::path::Path) {
    let db = raw(path);
    let txn = db.begin_write().unwrap();
    txn.delete_table(CONVERSATION).unwrap();
    txn.delete_table(SESSION_RULES).unwrap();
    txn.delete_table(PROJECTED).unwrap();
    txn.commit().unwrap();
}

/// `(through, version)` of each session's marker.
fn markers(path: &std::path::Path) -> Vec<(u128, (u64, u64))> {
    let db = raw(path);
    let txn = db.begin_read().unwrap();
    let table = txn.open_table(PROJECTED).unwrap();
    let mut out: Vec<_> = redb::ReadableTable::iter(&table)
        .unwrap()
        .map(|entry| {
            let (k, v) = entry.unwrap();
            (k.value(), v.value())
        })
        .collect();
    out.sort();
    out
}

/// A session and a fork of it with compactions, approvals and open calls; returns both ids.
fn sessions_with_a_fork(store: &Store, turns: usize) -> (SessionId, SessionId) {
    let shape = Shape {
        reuse_call_ids: true,
        compactions: true,
    };
    let root = store.create_session(created()).unwrap();
    append(store, root, RandomTurns::new(11, shape, 2).turns(turns), 7);
    let cut = store.meta(root).unwrap().last_seq.0 / 2;
    let fork = store.fork(root, Some(Seq(cut))).unwrap();
    let more = RandomTurns::new(12, shape, next_seq(store, fork)).turns(turns / 2);
    append(store, fork, more, 7);
    (root, fork)
}

#[test]
fn a_session_recorded_before_the_projection_is_backfilled_when_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.redb");
    let (root, fork) = {
        let store = open(&path, 32);
        sessions_with_a_fork(&store, 60)
    };
    let expected: Vec<(u64, String)> = {
        let store = open(&path, 32);
        [root, fork]
            .iter()
            .map(|&id| {
                let stored = store.conversation(id, None).unwrap();
                (
                    store.meta(id).unwrap().last_seq.0,
                    body(&stored.conversation),
                )
            })
            .collect()
    };
    drop_projection(&path);

    let store = open(&path, 32);
    // The fork is read first: its parent's rows are backfilled on the way.
    for (id, (last, body_before)) in [fork, root].iter().zip(expected.iter().rev()) {
        let stored = assert_matches(&store, *id, *last, "backfilled");
        assert_eq!(&body(&stored.conversation), body_before);
    }
    drop(store);
    let mut found = markers(&path);
    found.sort();
    let mut want = vec![
        (root.0, (expected[0].0, VERSION)),
        (fork.0, (expected[1].0, VERSION)),
    ];
    want.sort();
    assert_eq!(found, want, "both sessions are marked complete");

    // Appends after a backfill keep the projection complete (the writer picks it up).
    let store = open(&path, 32);
    let more = RandomTurns::new(13, Shape::default(), next_seq(&store, root)).turns(3);
    append(&store, root, more, 5);
    let last = store.meta(root).unwrap().last_seq.0;
    assert_matches(&store, root, last, "after more turns");
}

#[test]
fn events_appended_by_a_build_without_the_projection_are_folded_in_when_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.redb");
    let id = {
        let store = open(&path, 16);
        let id = store.create_session(created()).unwrap();
        append(
            &store,
            id,
            RandomTurns::new(21, Shape::default(), 2).turns(8),
            9,
        );
        id
    };
    // An older build appends: the marker stays where it was, the rows stop there.
    let marked = markers(&path)[0].1.0;
    {
        let store = open(&path, 16);
        let more = RandomTurns::new(22, Shape::default(), next_seq(&store, id)).turns(8);
        drop(store);
        let db = raw(&path);
        let txn = db.begin_write().unwrap();
        // Saved and put back: what the older build left is a marker behind the events.
        let saved: Vec<((u128, u64), Vec<u8>)> = {
            let table = txn.open_table(CONVERSATION).unwrap();
            redb::ReadableTable::iter(&table)
                .unwrap()
                .map(|e| {
                    let (k, v) = e.unwrap();
                    (k.value(), v.value().to_vec())
                })
                .collect()
        };
        txn.commit().unwrap();
        drop(db);
        let store = open(&path, 16);
        append(&store, id, more, 9);
        drop(store);
        let db = raw(&path);
        let txn = db.begin_write().unwrap();
        {
            let mut rows = txn.open_table(CONVERSATION).unwrap();
            rows.retain(|_, _| false).unwrap();
            for (key, value) in &saved {
                rows.insert(*key, value.as_slice()).unwrap();
            }
            let mut projected = txn.open_table(PROJECTED).unwrap();
            projected.insert(id.0, (marked, VERSION)).unwrap();
        }
        txn.commit().unwrap();
    }
    let store = open(&path, 16);
    let last = store.meta(id).unwrap().last_seq.0;
    assert!(last > marked);
    assert_matches(&store, id, last, "caught up");
    drop(store);
    assert_eq!(markers(&path), vec![(id.0, (last, VERSION))]);
}

#[test]
fn rows_of_another_projection_version_are_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.redb");
    let (root, fork) = {
        let store = open(&path, 32);
        sessions_with_a_fork(&store, 40)
    };
    // What an older build left: markers of version 1 over rows in a format this build cannot
    // decode (here bytes that decode as nothing). Read as they are, they would fail and the
    // conversation would come from the events; rebuilt, it comes from the projection.
    {
        let db = raw(&path);
        let txn = db.begin_write().unwrap();
        {
            let mut rows = txn.open_table(CONVERSATION).unwrap();
            let keys: Vec<(u128, u64)> = redb::ReadableTable::iter(&rows)
                .unwrap()
                .map(|e| e.unwrap().0.value())
                .collect();
            for key in keys {
                rows.insert(key, [1_u8, 0xc1].as_slice()).unwrap();
            }
            let mut projected = txn.open_table(PROJECTED).unwrap();
            for id in [root, fork] {
                let (through, _) = redb::ReadableTable::get(&projected, id.0)
                    .unwrap()
                    .unwrap()
                    .value();
                projected.insert(id.0, (through, VERSION - 1)).unwrap();
            }
        }
        txn.commit().unwrap();
    }
    let store = open(&path, 32);
    for id in [fork, root] {
        let last = store.meta(id).unwrap().last_seq.0;
        assert_matches(&store, id, last, "rebuilt");
    }
    drop(store);
    let found = markers(&path);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found.iter().all(|(_, (_, version))| *version == VERSION),
        "{found:?}"
    );
}

#[test]
fn store_repair_rebuilds_the_projection() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.redb");
    let (root, fork) = {
        let store = open(&path, 32);
        sessions_with_a_fork(&store, 30)
    };
    // A PTY session has no conversation.
    {
        let store = open(&path, 32);
        let mut pty = created();
        pty.kind = SessionKind::Pty;
        store.create_session(pty).unwrap();
    }
    drop_projection(&path);
    let report = switchboard::store::repair(&path).unwrap();
    assert_eq!(report.conversations, 2);
    let found = markers(&path);
    assert_eq!(found.len(), 2, "{found:?}");
    let store = open(&path, 32);
    for id in [root, fork] {
        let last = store.meta(id).unwrap().last_seq.0;
        assert!(found.contains(&(id.0, (last, VERSION))), "{found:?}");
        assert_matches(&store, id, last, "repaired");
    }
}

#[test]
fn an_unreadable_row_falls_back_to_the_events() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.redb");
    let id = {
        let store = open(&path, 32);
        let id = store.create_session(created()).unwrap();
        append(
            &store,
            id,
            RandomTurns::new(31, Shape::default(), 2).turns(6),
            4,
        );
        id
    };
    {
        let db = raw(&path);
        let txn = db.begin_write().unwrap();
        {
            let mut rows = txn.open_table(CONVERSATION).unwrap();
            let key = redb::ReadableTable::last(&rows).unwrap().unwrap().0.value();
            rows.insert(key, [0xff_u8, 1, 2].as_slice()).unwrap();
        }
        txn.commit().unwrap();
    }
    let store = open(&path, 32);
    let last = store.meta(id).unwrap().last_seq.0;
    let stored = store.conversation_at(id, Seq(last), None).unwrap();
    assert!(!stored.from_projection);
    let (expected, _) = reference(&store.events(id).unwrap(), last);
    assert_eq!(body(&stored.conversation), body(&expected));
}
