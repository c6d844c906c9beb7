//! A pane's history limit (`[store] pane_history`): once a PTY session has recorded more output
//! than the limit, its oldest `pty.output` chunks are dropped, whole, inside the write
//! transaction that went past the limit.
//!
//! A dropped chunk is replaced, under the same seq, by a small `pty.dropped` event that says
//! how many bytes it held: seqs stay unbroken, exports say what is missing, and the fold
//! counts the same bytes live and on replay. Nothing at or after the session's latest screen
//! checkpoint (`pty.screen`) is ever dropped, so resuming the pane and its last screen stay
//! exact; what is lost is scrollback older than the limit. `store compact` gives the freed
//! pages back to the file system.

use std::path::Path;

use redb::{ReadableTable, Table};

use super::codec::{decode_event, encode_event};
use super::error::StoreError;
use crate::event::{EventKind, PtyDropped, SessionKind};
use crate::ids::{Seq, SessionId};
use crate::session::SessionState;

/// Chunks dropped per session in one transaction at most: bounds the time one batch can spend
/// (a limit lowered by a gigabyte drops it over a few dozen batches, not in one).
const MAX_DROPS_PER_BATCH: usize = 4096;

/// What a pane's history limit has dropped so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dropped {
    /// Output bytes dropped.
    pub bytes: u64,
    /// `pty.output` chunks replaced by `pty.dropped`.
    pub chunks: u64,
    /// Every chunk up to this seq has been looked at (where the next trim starts).
    pub through: Seq,
}

impl Dropped {
    pub(crate) fn from_row((through, bytes, chunks): (u64, u64, u64)) -> Self {
        Self {
            bytes,
            chunks,
            through: Seq(through),
        }
    }

    fn row(self) -> (u64, u64, u64) {
        (self.through.0, self.bytes, self.chunks)
    }
}

/// Drops the oldest output of `session` while it keeps more than `limit` bytes.
pub(crate) fn trim(
    events: &mut Table<'_, (u128, u64), &'static [u8]>,
    dropped_table: &mut Table<'_, u128, (u64, u64, u64)>,
    path: &Path,
    session: SessionId,
    state: &SessionState,
    limit: u64,
) -> Result<(), StoreError> {
    if state.kind != SessionKind::Pty {
        return Ok(());
    }
    let fail = |e: redb::Error| StoreError::storage(path, e);
    let mut dropped = dropped_table
        .get(session.0)
        .map_err(|e| fail(e.into()))?
        .map(|row| Dropped::from_row(row.value()))
        .unwrap_or_default();
    let mut kept = state.pty_bytes_out.saturating_sub(dropped.bytes);
    // The latest screen checkpoint and everything after it rebuild the pane: never dropped.
    let Some(floor) = state.pty_screen_at else {
        return Ok(());
    };
    if kept <= limit || dropped.through.next() >= floor {
        return Ok(());
    }
    let mut victims = Vec::new();
    let mut through = dropped.through;
    for entry in events
        .range((session.0, dropped.through.0 + 1)..(session.0, floor.0))
        .map_err(|e| fail(e.into()))?
    {
        if kept <= limit || victims.len() >= MAX_DROPS_PER_BATCH {
            break;
        }
        let (key, value) = entry.map_err(|e| fail(e.into()))?;
        let seq = Seq(key.value().1);
        through = seq;
        let event =
            decode_event(session, seq, value.value()).map_err(|source| StoreError::Corrupt {
                session,
                seq,
                source,
            })?;
        match &event.kind {
            EventKind::PtyOutput(output) => {
                let bytes = output.bytes.0.len() as u64;
                kept = kept.saturating_sub(bytes);
                victims.push((seq, event.at, bytes));
            }
            // Dropped before this table knew (a repaired store): count it now.
            EventKind::PtyDropped(earlier) => {
                kept = kept.saturating_sub(earlier.bytes);
                dropped.bytes += earlier.bytes;
                dropped.chunks += 1;
            }
            _ => {}
        }
    }
    for (seq, at, bytes) in victims {
        let tombstone = encode_event(at, &EventKind::PtyDropped(PtyDropped { bytes }))?;
        events
            .insert((session.0, seq.0), tombstone.as_slice())
            .map_err(|e| fail(e.into()))?;
        dropped.bytes += bytes;
        dropped.chunks += 1;
    }
    dropped.through = through;
    dropped_table
        .insert(session.0, dropped.row())
        .map_err(|e| fail(e.into()))?;
    Ok(())
}
