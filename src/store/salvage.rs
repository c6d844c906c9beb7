//! Reading whatever a damaged store still holds: the scans behind `store check` and `store
//! repair`.
//!
//! A damaged B-tree page makes redb fail (or panic, caught by [`guarded`]) for every key it
//! covers, and a range scan that reaches it stops there. Events are what must survive, so
//! their scan recovers: after a failure it probes further keys (doubling the distance) until
//! a range opens again past the damage, then reads the keys it jumped over one by one, so an
//! event is lost only when redb cannot read it at all. Every value is decoded; one that does
//! not decode is counted, not kept. The other tables are scanned plainly: what they hold is
//! either small (the index, turns, prompts) or can be rebuilt (checkpoints).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::Path;

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};

use super::codec::{decode_event, decode_record};
use super::error::StoreError;
use super::guard::guarded;
use super::indexes::TurnRecord;
use super::meta::SessionMeta;
use super::tables::{CHECKPOINTS, EVENTS, LIVE, PROMPTS, SESSIONS, TURNS, WORKSTATION};
use crate::ids::{Seq, SessionId};
use crate::session::SessionState;

/// Keys read one by one after a probe jumped over damage. A leaf page holds at most a few
/// hundred events and the doubling probe overshoots by at most twice the damage, so this is
/// far more than a real gap needs while bounding the time a store of garbage can take.
const MAX_BACKFILL: u64 = 1 << 16;

/// Seqs per session read one by one when the scan missed them. Covers any session a person
/// produces (a million-event session is checked in about a second) while bounding the time a
/// garbage index entry (last seq 2^60) can take.
const MAX_GAP_FILL: u64 = 1 << 24;

/// What one table yielded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TableCount {
    /// Entries read and decoded.
    pub kept: u64,
    /// Entries read whose value does not decode.
    pub undecodable: u64,
    /// Places where redb could not read on (each may hide any number of entries).
    pub unreadable: u64,
}

impl TableCount {
    pub fn is_clean(&self) -> bool {
        self.undecodable == 0 && self.unreadable == 0
    }
}

/// Everything readable in a store, by table.
#[derive(Debug, Clone, Default)]
pub struct Salvage {
    pub events: TableCount,
    pub sessions: TableCount,
    pub checkpoints: TableCount,
    /// Prompts, turns, live owners and workstation state together.
    pub indexes: TableCount,
    /// Sessions that have events but no readable index entry (rebuilt by `repair`).
    pub orphans: u64,
}

impl Salvage {
    pub fn is_clean(&self) -> bool {
        self.events.is_clean()
            && self.sessions.is_clean()
            && self.checkpoints.is_clean()
            && self.indexes.is_clean()
            && self.orphans == 0
    }
}

/// Receives what a scan keeps.
pub(crate) trait Sink {
    fn event(&mut self, key: (u128, u64), value: &[u8]) -> Result<(), StoreError>;
    fn session(&mut self, id: u128, value: &[u8]) -> Result<(), StoreError>;
    fn checkpoint(&mut self, key: (u128, u64), value: &[u8]) -> Result<(), StoreError>;
    fn turn(&mut self, key: (u128, u64), value: &[u8]) -> Result<(), StoreError>;
    fn prompt(&mut self, key: (i64, u128, u64), text: &str) -> Result<(), StoreError>;
    fn live(&mut self, id: u128, owner: (u32, u64)) -> Result<(), StoreError>;
    fn workstation(&mut self, key: &str, value: &[u8]) -> Result<(), StoreError>;
}

/// A sink that keeps nothing (for `check`).
pub(crate) struct Discard;

impl Sink for Discard {
    fn event(&mut self, _: (u128, u64), _: &[u8]) -> Result<(), StoreError> {
        Ok(())
    }
    fn session(&mut self, _: u128, _: &[u8]) -> Result<(), StoreError> {
        Ok(())
    }
    fn checkpoint(&mut self, _: (u128, u64), _: &[u8]) -> Result<(), StoreError> {
        Ok(())
    }
    fn turn(&mut self, _: (u128, u64), _: &[u8]) -> Result<(), StoreError> {
        Ok(())
    }
    fn prompt(&mut self, _: (i64, u128, u64), _: &str) -> Result<(), StoreError> {
        Ok(())
    }
    fn live(&mut self, _: u128, _: (u32, u64)) -> Result<(), StoreError> {
        Ok(())
    }
    fn workstation(&mut self, _: &str, _: &[u8]) -> Result<(), StoreError> {
        Ok(())
    }
}

/// Scans every table of `db` (a copy of the damaged file, opened by the caller) into `sink`.
/// Returns the counts and the highest seq seen per session (events or index entry).
pub(crate) fn scan(
    db: &Database,
    path: &Path,
    sink: &mut dyn Sink,
) -> Result<(Salvage, BTreeMap<u128, Seq>), StoreError> {
    let mut salvage = Salvage::default();
    let mut last_seq: BTreeMap<u128, Seq> = BTreeMap::new();
    let mut indexed = std::collections::HashSet::new();

    // Each indexed session's own seqs: `first..=last`.
    let mut own: BTreeMap<u128, (u64, u64)> = BTreeMap::new();
    salvage.sessions = scan_plain(db, path, SESSIONS, |id, value| {
        let Ok(meta) = decode_record::<SessionMeta>(value) else {
            return Ok(false);
        };
        indexed.insert(id);
        own.insert(id, (meta.first_own_seq().0, meta.last_seq.0));
        let seen = last_seq.entry(id).or_default();
        *seen = (*seen).max(meta.last_seq);
        sink.session(id, value)?;
        Ok(true)
    })?;
    let known = last_seq.clone();
    let seen = RefCell::new((last_seq, BTreeMap::<u128, Vec<u64>>::new()));
    let mut keep_event = |key: (u128, u64), value: &[u8]| {
        // The index entry is rewritten in the transaction of every append, so a seq outside
        // the range it names is a damaged key, not an event.
        if own
            .get(&key.0)
            .is_some_and(|&(first, last)| key.1 < first || key.1 > last)
        {
            return Ok(false);
        }
        if decode_event(SessionId(key.0), Seq(key.1), value).is_err() {
            return Ok(false);
        }
        let mut seen = seen.borrow_mut();
        let last = seen.0.entry(key.0).or_default();
        *last = (*last).max(Seq(key.1));
        seen.1.entry(key.0).or_default().push(key.1);
        sink.event(key, value)?;
        Ok(true)
    };
    salvage.events = scan_events(db, path, &known, &mut keep_event)?;
    // A damaged key can hide an event from the scan that its own key still finds: read every
    // seq an index entry promises and the scan did not yield.
    let mut gaps = Vec::new();
    for (&id, &(first, last)) in &own {
        let mut seqs = seen.borrow().1.get(&id).cloned().unwrap_or_default();
        seqs.sort_unstable();
        let mut next = seqs.iter().peekable();
        for seq in first..=last.min(first.saturating_add(MAX_GAP_FILL)) {
            while next.next_if(|&&s| s < seq).is_some() {}
            if next.peek().is_some_and(|&&s| s == seq) {
                continue;
            }
            gaps.push((id, seq));
        }
    }
    for key in gaps {
        point_read(db, path, key, &mut keep_event, &mut salvage.events)?;
    }
    let (last_seq, _) = seen.into_inner();
    salvage.orphans = last_seq.keys().filter(|id| !indexed.contains(id)).count() as u64;
    salvage.checkpoints = scan_plain(db, path, CHECKPOINTS, |key, value| {
        if decode_record::<SessionState>(value).is_err() {
            return Ok(false);
        }
        sink.checkpoint(key, value)?;
        Ok(true)
    })?;
    let turns = scan_plain(db, path, TURNS, |key, value| {
        if decode_record::<TurnRecord>(value).is_err() {
            return Ok(false);
        }
        sink.turn(key, value)?;
        Ok(true)
    })?;
    let prompts = scan_plain(db, path, PROMPTS, |key, text| {
        sink.prompt(key, text)?;
        Ok(true)
    })?;
    let live = scan_plain(db, path, LIVE, |key, owner| {
        sink.live(key, owner)?;
        Ok(true)
    })?;
    let workstation = scan_plain(db, path, WORKSTATION, |key, value| {
        sink.workstation(key, value)?;
        Ok(true)
    })?;
    for part in [turns, prompts, live, workstation] {
        salvage.indexes.kept += part.kept;
        salvage.indexes.undecodable += part.undecodable;
        salvage.indexes.unreadable += part.unreadable;
    }
    Ok((salvage, last_seq))
}

/// Scans a table in key order; after a failure, resumes past the last key read when redb
/// lets it, otherwise gives up on the rest of the table. `keep` says whether a value decoded.
fn scan_plain<K, V>(
    db: &Database,
    path: &Path,
    table: TableDefinition<K, V>,
    mut keep: impl FnMut(K::SelfType<'_>, V::SelfType<'_>) -> Result<bool, StoreError>,
) -> Result<TableCount, StoreError>
where
    K: redb::Key + 'static,
    V: redb::Value + 'static,
    for<'a> K::SelfType<'a>: Clone,
{
    let mut count = TableCount::default();
    let result = guarded(path, || {
        let txn = db.begin_read().map_err(|e| StoreError::storage(path, e))?;
        let table = match txn.open_table(table) {
            Ok(table) => table,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(()),
            Err(e) => return Err(StoreError::storage(path, e)),
        };
        for entry in table.iter().map_err(|e| StoreError::storage(path, e))? {
            let (key, value) = entry.map_err(|e| StoreError::storage(path, e))?;
            if keep(key.value(), value.value())? {
                count.kept += 1;
            } else {
                count.undecodable += 1;
            }
        }
        Ok(())
    });
    match result {
        Ok(()) => Ok(count),
        Err(err) if err.is_damaged() || matches!(err, StoreError::Io(_)) => {
            count.unreadable += 1;
            Ok(count)
        }
        Err(err) => Err(err),
    }
}

/// What one guarded range scan of the events table ended with.
enum Run {
    /// Reached the end of the table.
    End,
    /// redb failed after `last` (the last key read, if any).
    Failed { last: Option<(u128, u64)> },
}

/// Scans the events table, recovering past damage (see the module comment). `known_last`
/// holds each session's last seq from its index entry, which bounds the backfill.
fn scan_events(
    db: &Database,
    path: &Path,
    known_last: &BTreeMap<u128, Seq>,
    mut keep: impl FnMut((u128, u64), &[u8]) -> Result<bool, StoreError>,
) -> Result<TableCount, StoreError> {
    let mut count = TableCount::default();
    let mut from = (0u128, 0u64);
    loop {
        match run_events(db, path, from, &mut keep, &mut count)? {
            Run::End => return Ok(count),
            Run::Failed { last } => {
                count.unreadable += 1;
                let after = last.map_or(Some(from), next_key);
                let Some(after) = after else {
                    return Ok(count);
                };
                let Some(resume) = probe(db, path, after) else {
                    // Nothing readable past the damage; still try the gap in its session.
                    backfill(db, path, after, None, known_last, &mut keep, &mut count)?;
                    return Ok(count);
                };
                backfill(
                    db,
                    path,
                    after,
                    Some(resume),
                    known_last,
                    &mut keep,
                    &mut count,
                )?;
                from = resume;
            }
        }
    }
}

fn run_events(
    db: &Database,
    path: &Path,
    from: (u128, u64),
    keep: &mut impl FnMut((u128, u64), &[u8]) -> Result<bool, StoreError>,
    count: &mut TableCount,
) -> Result<Run, StoreError> {
    let mut last = None;
    let result = guarded(path, || {
        let txn = db.begin_read().map_err(|e| StoreError::storage(path, e))?;
        let table = match txn.open_table(EVENTS) {
            Ok(table) => table,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(()),
            Err(e) => return Err(StoreError::storage(path, e)),
        };
        for entry in table
            .range(from..)
            .map_err(|e| StoreError::storage(path, e))?
        {
            let (key, value) = entry.map_err(|e| StoreError::storage(path, e))?;
            let key = key.value();
            last = Some(key);
            if keep(key, value.value())? {
                count.kept += 1;
            } else {
                count.undecodable += 1;
            }
        }
        Ok(())
    });
    match result {
        Ok(()) => Ok(Run::End),
        Err(err) if err.is_damaged() || matches!(err, StoreError::Io(_)) => {
            Ok(Run::Failed { last })
        }
        Err(err) => Err(err),
    }
}

fn next_key((session, seq): (u128, u64)) -> Option<(u128, u64)> {
    match seq.checked_add(1) {
        Some(seq) => Some((session, seq)),
        None => session.checked_add(1).map(|s| (s, 0)),
    }
}

/// The first key at or after which a range scan works again: probes `after + 1, + 2, + 4…`
/// within the session, then later sessions the same way.
fn probe(db: &Database, path: &Path, after: (u128, u64)) -> Option<(u128, u64)> {
    let readable = |key: (u128, u64)| {
        guarded(path, || {
            let txn = db.begin_read().map_err(|e| StoreError::storage(path, e))?;
            let table = txn
                .open_table(EVENTS)
                .map_err(|e| StoreError::storage(path, e))?;
            let mut range = table
                .range(key..)
                .map_err(|e| StoreError::storage(path, e))?;
            match range.next() {
                Some(entry) => entry.map(|_| ()).map_err(|e| StoreError::storage(path, e)),
                None => Ok(()),
            }
        })
        .is_ok()
    };
    let (session, seq) = after;
    for shift in 0..64u32 {
        let Some(probe) = seq.checked_add(1u64 << shift) else {
            break;
        };
        if readable((session, probe)) {
            return Some((session, probe));
        }
    }
    for shift in 0..128u32 {
        let Some(next) = session.checked_add(1u128 << shift) else {
            break;
        };
        if readable((next, 0)) {
            return Some((next, 0));
        }
    }
    None
}

/// Reads the keys of `from`'s session between `from` and `until` (exclusive) one by one: the
/// ones a probe jumped over. Beyond the session's known last seq there is nothing to find.
fn backfill(
    db: &Database,
    path: &Path,
    from: (u128, u64),
    until: Option<(u128, u64)>,
    known_last: &BTreeMap<u128, Seq>,
    keep: &mut impl FnMut((u128, u64), &[u8]) -> Result<bool, StoreError>,
    count: &mut TableCount,
) -> Result<(), StoreError> {
    let (session, first) = from;
    let mut end = first.saturating_add(MAX_BACKFILL);
    match until {
        Some((s, seq)) if s == session => end = end.min(seq),
        _ => {
            if let Some(last) = known_last.get(&session) {
                end = end.min(last.0.saturating_add(1));
            }
        }
    }
    for seq in first..end {
        point_read(db, path, (session, seq), keep, count)?;
    }
    Ok(())
}

/// Reads one event by its key.
fn point_read(
    db: &Database,
    path: &Path,
    key: (u128, u64),
    keep: &mut impl FnMut((u128, u64), &[u8]) -> Result<bool, StoreError>,
    count: &mut TableCount,
) -> Result<(), StoreError> {
    let got = guarded(path, || {
        let txn = db.begin_read().map_err(|e| StoreError::storage(path, e))?;
        let table = txn
            .open_table(EVENTS)
            .map_err(|e| StoreError::storage(path, e))?;
        let value = table.get(key).map_err(|e| StoreError::storage(path, e))?;
        match value {
            Some(value) => keep(key, value.value()).map(Some),
            None => Ok(None),
        }
    });
    match got {
        Ok(Some(true)) => count.kept += 1,
        Ok(Some(false)) => count.undecodable += 1,
        Ok(None) => {}
        Err(err) if err.is_damaged() || matches!(err, StoreError::Io(_)) => {}
        Err(err) => return Err(err),
    }
    Ok(())
}
