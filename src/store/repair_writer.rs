//! The new store `store repair` builds: salvaged entries written in batches, and index
//! entries rebuilt for sessions that lost theirs.

use std::collections::BTreeMap;
use std::path::Path;

use redb::{Database, ReadableDatabase};

use super::codec::{decode_event, encode_record};
use super::error::StoreError;
use super::meta::SessionMeta;
use super::salvage::Sink;
use super::tables::{CHECKPOINTS, EVENTS, LIVE, PROMPTS, SESSIONS, TURNS, WORKSTATION};
use crate::event::EventKind;
use crate::ids::{Seq, SessionId};
use crate::session::{SessionState, reduce};

/// Entries per write transaction while building a repaired store: large enough that commits
/// are few, small enough that a transaction's dirty pages stay within tens of megabytes.
const REPAIR_BATCH: usize = 8192;

/// Writes salvaged entries into the new store in batches.
pub(crate) struct RepairWriter<'a> {
    db: &'a Database,
    path: &'a Path,
    pending: Vec<Entry>,
    indexed: std::collections::HashSet<u128>,
}

enum Entry {
    Event((u128, u64), Vec<u8>),
    Session(u128, Vec<u8>),
    Checkpoint((u128, u64), Vec<u8>),
    Turn((u128, u64), Vec<u8>),
    Prompt((i64, u128, u64), String),
    Live(u128, (u32, u64)),
    Workstation(String, Vec<u8>),
}

impl<'a> RepairWriter<'a> {
    pub fn new(db: &'a Database, path: &'a Path) -> Self {
        Self {
            db,
            path,
            pending: Vec::new(),
            indexed: Default::default(),
        }
    }

    fn push(&mut self, entry: Entry) -> Result<(), StoreError> {
        self.pending.push(entry);
        if self.pending.len() >= REPAIR_BATCH {
            self.flush()?;
        }
        Ok(())
    }

    pub fn flush(&mut self) -> Result<(), StoreError> {
        let fail = |e: redb::Error| StoreError::storage(self.path, e);
        let txn = self.db.begin_write().map_err(|e| fail(e.into()))?;
        {
            let mut events = txn.open_table(EVENTS).map_err(|e| fail(e.into()))?;
            let mut sessions = txn.open_table(SESSIONS).map_err(|e| fail(e.into()))?;
            let mut checkpoints = txn.open_table(CHECKPOINTS).map_err(|e| fail(e.into()))?;
            let mut turns = txn.open_table(TURNS).map_err(|e| fail(e.into()))?;
            let mut prompts = txn.open_table(PROMPTS).map_err(|e| fail(e.into()))?;
            let mut live = txn.open_table(LIVE).map_err(|e| fail(e.into()))?;
            let mut workstation = txn.open_table(WORKSTATION).map_err(|e| fail(e.into()))?;
            for entry in self.pending.drain(..) {
                let done = match &entry {
                    Entry::Event(k, v) => events.insert(*k, v.as_slice()).map(drop),
                    Entry::Session(k, v) => sessions.insert(*k, v.as_slice()).map(drop),
                    Entry::Checkpoint(k, v) => checkpoints.insert(*k, v.as_slice()).map(drop),
                    Entry::Turn(k, v) => turns.insert(*k, v.as_slice()).map(drop),
                    Entry::Prompt(k, v) => prompts.insert(*k, v.as_str()).map(drop),
                    Entry::Live(k, v) => live.insert(*k, *v).map(drop),
                    Entry::Workstation(k, v) => {
                        workstation.insert(k.as_str(), v.as_slice()).map(drop)
                    }
                };
                done.map_err(|e| fail(e.into()))?;
            }
        }
        txn.commit().map_err(|e| fail(e.into()))
    }

    /// Index entries for sessions that have events but lost theirs: the fold of the events
    /// that survived. A lone event that does not start a session is a damaged key (a flipped
    /// bit names a session that never existed), not a session: it is dropped. Returns the
    /// number of sessions in the new store and of such stray events.
    pub fn finish_index(
        &mut self,
        last_seq: &BTreeMap<u128, Seq>,
    ) -> Result<(u64, u64), StoreError> {
        let fail = |e: redb::Error| StoreError::storage(self.path, e);
        let orphans: Vec<u128> = last_seq
            .keys()
            .filter(|id| !self.indexed.contains(id))
            .copied()
            .collect();
        let mut stray = 0;
        for id in orphans {
            let mut state = SessionState::default();
            let mut events_seen = Vec::new();
            {
                let txn = self.db.begin_read().map_err(|e| fail(e.into()))?;
                let events = txn.open_table(EVENTS).map_err(|e| fail(e.into()))?;
                for entry in events
                    .range((id, 0)..=(id, u64::MAX))
                    .map_err(|e| fail(e.into()))?
                {
                    let (key, value) = entry.map_err(|e| fail(e.into()))?;
                    let (_, seq) = key.value();
                    if let Ok(event) = decode_event(SessionId(id), Seq(seq), value.value()) {
                        reduce(&mut state, &event);
                        events_seen.push(event);
                    }
                }
            }
            let starts = |kind: &EventKind| {
                matches!(
                    kind,
                    EventKind::SessionCreated(_) | EventKind::SessionForked(_)
                )
            };
            if let [lone] = events_seen.as_slice()
                && !starts(&lone.kind)
            {
                let txn = self.db.begin_write().map_err(|e| fail(e.into()))?;
                txn.open_table(EVENTS)
                    .map_err(|e| fail(e.into()))?
                    .remove((id, lone.seq.0))
                    .map_err(|e| fail(e.into()))?;
                txn.commit().map_err(|e| fail(e.into()))?;
                stray += 1;
                continue;
            }
            let meta = SessionMeta::project(SessionId(id), &state);
            let bytes = encode_record("session index entry", &meta)?;
            self.push(Entry::Session(id, bytes))?;
            self.indexed.insert(id);
        }
        self.flush()?;
        Ok((self.indexed.len() as u64, stray))
    }
}

impl Sink for RepairWriter<'_> {
    fn event(&mut self, key: (u128, u64), value: &[u8]) -> Result<(), StoreError> {
        self.push(Entry::Event(key, value.to_vec()))
    }
    fn session(&mut self, id: u128, value: &[u8]) -> Result<(), StoreError> {
        self.indexed.insert(id);
        self.push(Entry::Session(id, value.to_vec()))
    }
    fn checkpoint(&mut self, key: (u128, u64), value: &[u8]) -> Result<(), StoreError> {
        self.push(Entry::Checkpoint(key, value.to_vec()))
    }
    fn turn(&mut self, key: (u128, u64), value: &[u8]) -> Result<(), StoreError> {
        self.push(Entry::Turn(key, value.to_vec()))
    }
    fn prompt(&mut self, key: (i64, u128, u64), text: &str) -> Result<(), StoreError> {
        self.push(Entry::Prompt(key, text.to_owned()))
    }
    fn live(&mut self, id: u128, owner: (u32, u64)) -> Result<(), StoreError> {
        self.push(Entry::Live(id, owner))
    }
    fn workstation(&mut self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.push(Entry::Workstation(key.to_owned(), value.to_vec()))
    }
}
