//! Building real stores and damaging them, for the integrity tests.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::Path;

use redb::{ReadableDatabase, TableDefinition};
use switchboard::event::{EventKind, PtyOutput, SessionCreated, SessionKind};
use switchboard::fixture::SyntheticEvents;
use switchboard::ids::SessionId;
use switchboard::store::{Store, StoreOptions};

/// The store's events table, as redb sees it.
pub const EVENTS: TableDefinition<(u128, u64), &[u8]> = TableDefinition::new("events");

/// A store at `path` with a few agent sessions, a PTY session with output chunks and a fork:
/// a few megabytes over several hundred pages, like a real one.
pub fn build_store(path: &Path) {
    let store = Store::open(path, StoreOptions::default()).unwrap();
    let mut agents = Vec::new();
    for seed in 1..=3u64 {
        let id = store
            .create_session(SessionCreated {
                kind: SessionKind::Agent,
                title: Some(format!("agent {seed}")),
                cwd: "/".into(),
                command: None,
                model: Some("gpt-5".into()),
                owner: None,
            })
            .unwrap();
        let kinds: Vec<EventKind> = SyntheticEvents::new(seed, 200).take(1500).collect();
        for chunk in kinds.chunks(64) {
            store.append_durable(id, chunk.to_vec()).unwrap();
        }
        agents.push(id);
    }
    let pane = store
        .create_session(SessionCreated {
            kind: SessionKind::Pty,
            title: None,
            cwd: "/".into(),
            command: Some("bash".into()),
            model: None,
            owner: None,
        })
        .unwrap();
    for i in 0..200u32 {
        let line = format!("line {i}: {}\r\n", "output ".repeat(40));
        let bytes = line.repeat(20).into_bytes();
        store
            .append_durable(
                pane,
                vec![EventKind::PtyOutput(PtyOutput {
                    bytes: bytes.into(),
                })],
            )
            .unwrap();
    }
    store.fork(agents[0], None).unwrap();
}

/// Every `(session, seq)` and value in the events table of a healthy store.
pub fn all_events(path: &Path) -> BTreeMap<(u128, u64), Vec<u8>> {
    let db = redb::Database::open(path).unwrap();
    let txn = db.begin_read().unwrap();
    let table = txn.open_table(EVENTS).unwrap();
    redb::ReadableTable::iter(&table)
        .unwrap()
        .map(|entry| {
            let (key, value) = entry.unwrap();
            (key.value(), value.value().to_vec())
        })
        .collect()
}

/// XORs `mask` into the file at `offset`.
pub fn damage(path: &Path, offset: u64, mask: &[u8]) {
    let mut bytes = std::fs::read(path).unwrap();
    for (i, m) in mask.iter().enumerate() {
        if let Some(b) = bytes.get_mut(offset as usize + i) {
            *b ^= *m;
        }
    }
    std::fs::write(path, bytes).unwrap();
}

/// Whether `session` decodes as a store id (for callers that only hold raw keys).
pub fn id(raw: u128) -> SessionId {
    SessionId(raw)
}
