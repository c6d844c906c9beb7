//! Reading the projection along a fork chain: rows, the latest compaction, the last turn
//! boundary, the session rules, and the view a request sends. Works over any readable redb
//! tables, so the writer (inside its write transaction) and readers share it.

use std::path::Path;

use redb::ReadableTable;

use super::{Compacted, Row, StoredConversation};
use crate::ids::{Seq, SessionId};
use crate::model::Conversation;
use crate::model::conversation::{Restored, Summary, estimate_tokens};
use crate::store::codec::decode_record;
use crate::store::error::StoreError;
use crate::store::indexes::TurnRecord;
use crate::store::read::Segment;

fn fail(path: &Path, err: impl Into<redb::Error>) -> StoreError {
    StoreError::storage(path, err)
}

pub(crate) fn decode_row(session: u128, seq: u64, bytes: &[u8]) -> Result<Row, StoreError> {
    decode_record(bytes).map_err(|source| StoreError::CorruptRow {
        session: SessionId(session),
        seq: Seq(seq),
        source,
    })
}

/// The newest row at or before `upto` (segments already end at `upto` or before).
pub(crate) fn last_row(
    rows: &impl ReadableTable<(u128, u64), &'static [u8]>,
    segments: &[Segment],
    upto: u64,
    path: &Path,
) -> Result<Option<(u64, Row)>, StoreError> {
    for segment in segments.iter().rev() {
        let to = segment.to.0.min(upto);
        if to < segment.from.0 {
            continue;
        }
        let mut range = rows
            .range((segment.session.0, segment.from.0)..=(segment.session.0, to))
            .map_err(|e| fail(path, e))?;
        if let Some(entry) = range.next_back() {
            let (key, value) = entry.map_err(|e| fail(path, e))?;
            let (session, seq) = key.value();
            return Ok(Some((seq, decode_row(session, seq, value.value())?)));
        }
    }
    Ok(None)
}

/// The row at `seq`, looked up in the segment that holds it.
pub(crate) fn row_at(
    rows: &impl ReadableTable<(u128, u64), &'static [u8]>,
    segments: &[Segment],
    seq: u64,
    path: &Path,
) -> Result<Option<Row>, StoreError> {
    let Some(segment) = segments.iter().find(|s| s.from.0 <= seq && seq <= s.to.0) else {
        return Ok(None);
    };
    let Some(value) = rows
        .get((segment.session.0, seq))
        .map_err(|e| fail(path, e))?
    else {
        return Ok(None);
    };
    decode_row(segment.session.0, seq, value.value()).map(Some)
}

/// Which end of the rows a visit starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    OldestFirst,
    NewestFirst,
}

/// Visits the rows with `after < seq <= upto` (segments already end at `upto` or before) in
/// `order`; `visit` returns false to stop.
fn visit_rows(
    rows: &impl ReadableTable<(u128, u64), &'static [u8]>,
    segments: &[Segment],
    after: u64,
    order: Order,
    mut visit: impl FnMut(u64, Row) -> bool,
    path: &Path,
) -> Result<(), StoreError> {
    let mut ordered: Vec<&Segment> = segments.iter().collect();
    if order == Order::NewestFirst {
        ordered.reverse();
    }
    for segment in ordered {
        let from = segment.from.0.max(after.saturating_add(1));
        if from > segment.to.0 {
            continue;
        }
        let mut range = rows
            .range((segment.session.0, from)..=(segment.session.0, segment.to.0))
            .map_err(|e| fail(path, e))?;
        while let Some(entry) = match order {
            Order::OldestFirst => range.next(),
            Order::NewestFirst => range.next_back(),
        } {
            let (key, value) = entry.map_err(|e| fail(path, e))?;
            let (session, seq) = key.value();
            if !visit(seq, decode_row(session, seq, value.value())?) {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// Seq of the last turn boundary (`user.message`, or its turn's `turn.ended`) at or before
/// `upto`, from the `turns` index; 0 when there is none. The conversation fold's state is
/// empty right after a boundary.
pub(crate) fn boundary(
    turns: &impl ReadableTable<(u128, u64), &'static [u8]>,
    segments: &[Segment],
    upto: u64,
    path: &Path,
) -> Result<u64, StoreError> {
    for segment in segments.iter().rev() {
        let to = segment.to.0.min(upto);
        if to < segment.from.0 {
            continue;
        }
        let mut range = turns
            .range((segment.session.0, segment.from.0)..=(segment.session.0, to))
            .map_err(|e| fail(path, e))?;
        if let Some(entry) = range.next_back() {
            let (key, value) = entry.map_err(|e| fail(path, e))?;
            let (_, user_seq) = key.value();
            // An unreadable record still marks its user message.
            let ended = decode_record::<TurnRecord>(value.value())
                .ok()
                .and_then(|record| record.ended_seq)
                .map(|seq| seq.0)
                .filter(|&seq| seq <= to);
            return Ok(ended.unwrap_or(user_seq).max(user_seq));
        }
    }
    Ok(0)
}

/// The commands approved for the session, oldest first.
pub(crate) fn rules(
    table: &impl ReadableTable<(u128, u64), &'static str>,
    segments: &[Segment],
    path: &Path,
) -> Result<Vec<String>, StoreError> {
    let mut out = Vec::new();
    for segment in segments {
        let range = table
            .range((segment.session.0, segment.from.0)..=(segment.session.0, segment.to.0))
            .map_err(|e| fail(path, e))?;
        for entry in range {
            let (_, command) = entry.map_err(|e| fail(path, e))?;
            out.push(command.value().to_owned());
        }
    }
    Ok(out)
}

/// The seq through which `session`'s own rows are complete, if they are of this version.
pub(crate) fn marker(
    projected: &impl ReadableTable<u128, (u64, u64)>,
    session: SessionId,
    path: &Path,
) -> Result<Option<u64>, StoreError> {
    let found = projected.get(session.0).map_err(|e| fail(path, e))?;
    Ok(found
        .map(|row| row.value())
        .filter(|&(_, version)| version == super::PROJECTION_VERSION)
        .map(|(through, _)| through))
}

/// Whether every segment's rows are complete through the segment's end.
pub(crate) fn complete(
    projected: &impl ReadableTable<u128, (u64, u64)>,
    segments: &[Segment],
    path: &Path,
) -> Result<bool, StoreError> {
    for segment in segments {
        match marker(projected, segment.session, path)? {
            Some(through) if through >= segment.to.0 => {}
            _ => return Ok(false),
        }
    }
    Ok(true)
}

/// The conversation at `upto` from complete rows: the latest summary, the items after it (only
/// the newest `budget` tokens' worth when it is larger), the calls open at `upto`.
pub(crate) fn build(
    rows: &impl ReadableTable<(u128, u64), &'static [u8]>,
    turns: &impl ReadableTable<(u128, u64), &'static [u8]>,
    rules_table: &impl ReadableTable<(u128, u64), &'static str>,
    segments: &[Segment],
    upto: u64,
    budget: Option<u64>,
    path: &Path,
) -> Result<StoredConversation, StoreError> {
    let last = last_row(rows, segments, upto, path)?;
    let compaction = last.as_ref().and_then(|(_, row)| row.compaction);
    // Usage reported before the compaction event does not count (the live agent forgets it
    // there).
    let counts = |seq: u64| compaction.is_none_or(|c| seq > c.seq);
    let mut reported = None;
    let (summary, after, cum_after) = match compaction {
        Some(reference) => match row_at(rows, segments, reference.seq, path)? {
            Some(Row {
                compacted:
                    Some(Compacted {
                        summary,
                        through,
                        cum_through,
                    }),
                ..
            }) => (Some(Summary::new(summary, through)), through, cum_through),
            _ => {
                return Err(StoreError::CorruptRow {
                    session: segments.last().map_or(SessionId(0), |s| s.session),
                    seq: Seq(reference.seq),
                    source: crate::store::DecodeError::Malformed(
                        "a row points at a compaction that is not there".into(),
                    ),
                });
            }
        },
        None => (None, 0, 0),
    };
    let cum_last = last.as_ref().map_or(0, |(_, row)| row.cum);
    let summary_tokens = summary.as_ref().map_or(0, |s| s.tokens);
    let total = cum_last.saturating_sub(cum_after);
    let mut items: Vec<(u64, crate::model::InputItem)> = Vec::new();
    let mut omitted = 0;
    match budget {
        Some(budget) if summary_tokens + total > budget => {
            let mut spent = summary_tokens;
            let mut stopped = false;
            let mut newest_first = Vec::new();
            visit_rows(
                rows,
                segments,
                after,
                Order::NewestFirst,
                |seq, row| {
                    if reported.is_none() && counts(seq) {
                        reported = row.reported;
                    }
                    let cost: u64 = row.items.iter().map(estimate_tokens).sum();
                    if spent + cost > budget && !newest_first.is_empty() {
                        stopped = true;
                        return false;
                    }
                    spent += cost;
                    for item in row.items.into_iter().rev() {
                        newest_first.push((seq, item));
                    }
                    true
                },
                path,
            )?;
            if stopped {
                let loaded: u64 = newest_first.iter().map(|(_, i)| estimate_tokens(i)).sum();
                omitted = total.saturating_sub(loaded).max(1);
            }
            newest_first.reverse();
            items = newest_first;
        }
        _ => visit_rows(
            rows,
            segments,
            after,
            Order::OldestFirst,
            |seq, row| {
                if row.reported.is_some() && counts(seq) {
                    reported = row.reported;
                }
                items.extend(row.items.into_iter().map(|item| (seq, item)));
                true
            },
            path,
        )?,
    }
    let boundary = boundary(turns, segments, upto, path)?;
    // The fold's state covers the whole turn: items of it that were compacted away or left
    // out still say which calls are open.
    let first_loaded = items.first().map_or(upto + 1, |(seq, _)| *seq);
    let mut earlier_in_turn = Vec::new();
    if boundary + 1 < first_loaded {
        visit_rows(
            rows,
            segments,
            boundary,
            Order::OldestFirst,
            |seq, row| {
                if seq >= first_loaded {
                    return false;
                }
                earlier_in_turn.extend(row.items);
                true
            },
            path,
        )?;
    }
    let conversation = Conversation::restore(Restored {
        summary,
        items,
        earlier_in_turn,
        omitted_tokens: omitted,
        reported_tokens: reported.unwrap_or(0),
        last_seq: upto,
        boundary,
    });
    Ok(StoredConversation {
        conversation,
        rules: rules(rules_table, segments, path)?,
        from_projection: true,
    })
}
