//! The last resort of `store repair`: when redb cannot open a damaged file at all (the pages
//! it reads on open, a table root or its allocator state, are what is damaged), the file is
//! read page by page and every B-tree leaf that holds decodable events or session index
//! entries is salvaged.
//!
//! redb's leaf layout (4.x): byte 0 is the page type (1 = leaf), bytes 2..4 the number of
//! entries `n`; for a table whose values vary in length and whose keys are fixed, `n` little-
//! endian `u32` value end offsets follow, then the keys back to back, then the values. An
//! events key is `(u128, u64)`, 24 bytes little-endian; an index key is a `u128`. A page is
//! taken only if its offsets are consistent and a value decodes, so pages of other tables
//! and free pages holding garbage are skipped. Free pages may hold older copies of live
//! leaves; events never change once written, so a copy adds nothing wrong, and an event past
//! its session's indexed last seq (a transaction that never committed) is left out.

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

use super::codec::{MAX_EVENT_BYTES, decode_event, decode_record};
use super::error::StoreError;
use super::meta::SessionMeta;
use super::salvage::{Salvage, Sink};
use crate::ids::{Seq, SessionId};

/// redb's page size.
const PAGE: u64 = 4096;
/// redb's leaf page type byte.
const LEAF: u8 = 1;
/// Entries a leaf may claim before it is taken for garbage: a 4 KiB page of the smallest
/// entries holds a few hundred; multi-page leaves hold fewer, larger values.
const MAX_ENTRIES: usize = 4096;

/// Salvages events and index entries from the raw pages of `path` into `sink`.
pub(crate) fn scan_file(
    path: &Path,
    sink: &mut dyn Sink,
) -> Result<(Salvage, BTreeMap<u128, Seq>), StoreError> {
    let io = |e: std::io::Error| StoreError::Io(format!("cannot read {}: {e}", path.display()));
    let file = File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();

    // Index entries first: they bound which events are real.
    let mut metas: BTreeMap<u128, (SessionMeta, Vec<u8>)> = BTreeMap::new();
    for_each_leaf(&file, len, 16, |key, value| {
        if let Ok(meta) = decode_record::<SessionMeta>(value) {
            let id = u128::from_le_bytes(key.try_into().unwrap_or([0; 16]));
            let newer = metas
                .get(&id)
                .is_none_or(|(known, _)| known.last_seq < meta.last_seq);
            if meta.id.0 == id && newer {
                metas.insert(id, (meta, value.to_vec()));
            }
        }
    })?;
    let mut salvage = Salvage::default();
    let mut last_seq: BTreeMap<u128, Seq> = BTreeMap::new();
    for (id, (meta, bytes)) in &metas {
        sink.session(*id, bytes)?;
        last_seq.insert(*id, meta.last_seq);
        salvage.sessions.kept += 1;
    }

    let mut seen: HashSet<(u128, u64)> = HashSet::new();
    let mut failure = None;
    for_each_leaf(&file, len, 24, |key, value| {
        if failure.is_some() {
            return;
        }
        let session = u128::from_le_bytes(key[..16].try_into().unwrap_or([0; 16]));
        let seq = u64::from_le_bytes(key[16..].try_into().unwrap_or([0; 8]));
        let in_range = metas
            .get(&session)
            .is_none_or(|(meta, _)| seq >= meta.first_own_seq().0 && seq <= meta.last_seq.0);
        if !in_range || seen.contains(&(session, seq)) {
            return;
        }
        if decode_event(SessionId(session), Seq(seq), value).is_err() {
            return;
        }
        seen.insert((session, seq));
        if let Err(err) = sink.event((session, seq), value) {
            failure = Some(err);
            return;
        }
        salvage.events.kept += 1;
        let last = last_seq.entry(session).or_default();
        *last = (*last).max(Seq(seq));
    })?;
    if let Some(err) = failure {
        return Err(err);
    }
    salvage.orphans = last_seq.keys().filter(|id| !metas.contains_key(id)).count() as u64;
    Ok((salvage, last_seq))
}

/// Calls `visit(key, value)` for every entry of every page that parses as a leaf with
/// `key_len`-byte keys and variable values.
fn for_each_leaf(
    file: &File,
    len: u64,
    key_len: usize,
    mut visit: impl FnMut(&[u8], &[u8]),
) -> Result<(), StoreError> {
    let mut page = vec![0u8; PAGE as usize];
    // Page 0 is redb's header.
    let mut offset = PAGE;
    while offset + PAGE <= len {
        if file.read_exact_at(&mut page, offset).is_ok()
            && page[0] == LEAF
            && let Some(leaf) = read_leaf(file, len, offset, &page, key_len)
        {
            for (key, value) in leaf.entries(key_len) {
                visit(key, value);
            }
        }
        offset += PAGE;
    }
    Ok(())
}

struct Leaf {
    bytes: Vec<u8>,
    n: usize,
}

impl Leaf {
    fn entries(&self, key_len: usize) -> impl Iterator<Item = (&[u8], &[u8])> {
        let keys = 4 + 4 * self.n;
        let values = keys + key_len * self.n;
        (0..self.n).map(move |i| {
            let end = |j: usize| {
                let at = 4 + 4 * j;
                u32::from_le_bytes([
                    self.bytes[at],
                    self.bytes[at + 1],
                    self.bytes[at + 2],
                    self.bytes[at + 3],
                ]) as usize
            };
            let start = if i == 0 { values } else { end(i - 1) };
            let key = &self.bytes[keys + key_len * i..keys + key_len * (i + 1)];
            (key, &self.bytes[start..end(i)])
        })
    }
}

/// The leaf starting at `offset` if its header and offsets are consistent (reading past the
/// first page for a leaf that spans several).
fn read_leaf(file: &File, len: u64, offset: u64, page: &[u8], key_len: usize) -> Option<Leaf> {
    let n = u16::from_le_bytes([page[2], page[3]]) as usize;
    if n == 0 || n > MAX_ENTRIES {
        return None;
    }
    let values = 4 + 4 * n + key_len * n;
    let ends_len = 4 + 4 * n;
    if ends_len > page.len() {
        return None;
    }
    let mut previous = values;
    for j in 0..n {
        let at = 4 + 4 * j;
        let end = u32::from_le_bytes([page[at], page[at + 1], page[at + 2], page[at + 3]]) as usize;
        if end < previous || end > MAX_EVENT_BYTES {
            return None;
        }
        previous = end;
    }
    let total = previous;
    // A leaf takes a power-of-two number of pages.
    let pages = total.div_ceil(PAGE as usize).max(1).next_power_of_two();
    let span = pages as u64 * PAGE;
    if offset + span > len {
        return None;
    }
    let mut bytes = vec![0u8; total];
    if total <= page.len() {
        bytes.copy_from_slice(&page[..total]);
    } else {
        file.read_exact_at(&mut bytes, offset).ok()?;
    }
    Some(Leaf { bytes, n })
}
