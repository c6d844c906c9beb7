//! Writing the projection: the writer folds every event of an agent session through
//! [`Projection::apply`] as it inserts it (the conversation's [`Fold`] and the session rules,
//! the very functions the agent folds with), and [`backfill_step`] brings a session written
//! before the projection existed up to date, a bounded number of events per transaction.

use std::path::Path;

use redb::ReadableTable;

use super::view::{boundary, complete, last_row, marker, rules};
use super::{Compacted, CompactionRef, PROJECTION_VERSION, Row};
use crate::agent::SessionRules;
use crate::event::{EventKind, SessionKind};
use crate::ids::{Seq, SessionId};
use crate::model::conversation::{Fold, effective_through, estimate_tokens, reported_tokens};
use crate::session::SessionState;
use crate::store::codec::{decode_event, encode_record};
use crate::store::error::StoreError;
use crate::store::indexes::WriteTables;
use crate::store::read::Segment;
use crate::store::writer::Committed;

/// Why this value: events folded per backfill transaction. About 0.1 s of decoding and
/// folding, so a session written before the projection existed is brought up to date without
/// holding the writer (and every pane's recording behind it) for seconds at a time.
pub(crate) const BACKFILL_STEP: u64 = 16_384;

fn fail(path: &Path, err: impl Into<redb::Error>) -> StoreError {
    StoreError::storage(path, err)
}

/// The writer's running state of one agent session's projection.
#[derive(Debug, Default)]
pub(crate) struct Projection {
    /// The session's parent and cut, for lookups along the chain.
    parent: Option<(SessionId, u64)>,
    fold: Fold,
    rules: SessionRules,
    /// Estimated tokens of every item so far (along the chain).
    cum: u64,
    compaction: Option<CompactionRef>,
}

impl Projection {
    /// A new, non-forked session.
    pub fn new() -> Self {
        Self::default()
    }

    /// Folds the event stored at `seq` of `session`, writing its row and rule, if any.
    pub fn apply(
        &mut self,
        tables: &mut WriteTables<'_>,
        path: &Path,
        session: SessionId,
        seq: u64,
        kind: &EventKind,
    ) -> Result<(), StoreError> {
        if let Some(command) = self.rules.apply(kind) {
            tables
                .session_rules
                .insert((session.0, seq), command.as_str())
                .map_err(|e| fail(path, e))?;
        }
        let row = match kind {
            EventKind::ConversationCompacted(compacted) => {
                let previous = self.compaction.map(|c| c.through);
                let through = effective_through(previous, compacted.through.0, seq);
                let chain = chain(tables, path, session, self.parent, through)?;
                let cum_through = last_row(&tables.conversation, &chain, through, path)?
                    .map_or(0, |(_, r)| r.cum);
                let reference = CompactionRef { seq, through };
                self.compaction = Some(reference);
                Row {
                    cum: self.cum,
                    compaction: Some(reference),
                    items: Vec::new(),
                    compacted: Some(Compacted {
                        summary: compacted.summary.clone(),
                        through,
                        cum_through,
                    }),
                    reported: None,
                }
            }
            EventKind::ResponseCompleted(completed) => Row {
                cum: self.cum,
                compaction: self.compaction,
                items: Vec::new(),
                compacted: None,
                reported: Some(reported_tokens(&completed.usage)),
            },
            _ if Fold::concerns(kind) => {
                let mut items = Vec::new();
                self.fold.apply(kind, &mut items);
                if items.is_empty() {
                    return Ok(());
                }
                self.cum += items.iter().map(estimate_tokens).sum::<u64>();
                Row {
                    cum: self.cum,
                    compaction: self.compaction,
                    items,
                    compacted: None,
                    reported: None,
                }
            }
            _ => return Ok(()),
        };
        // Plain, not compressed like large event values: a resume reads every row since the
        // latest compaction, and decompressing them (a zstd frame each) took longer than the
        // rest of that read; the price is the disk space (docs/BENCHMARKS.md, issue 14 §4).
        let bytes = encode_record("conversation row", &row)?;
        tables
            .conversation
            .insert((session.0, seq), bytes.as_slice())
            .map_err(|e| fail(path, e))?;
        Ok(())
    }
}

/// Where the events `1..=upto` of `session` live, without reading the session's own index
/// entry (inside a batch it is rewritten only at the end): its parent's chain up to the cut,
/// then its own seqs.
fn chain(
    tables: &WriteTables<'_>,
    path: &Path,
    session: SessionId,
    parent: Option<(SessionId, u64)>,
    upto: u64,
) -> Result<Vec<Segment>, StoreError> {
    let (mut segments, first_own) = match parent {
        Some((parent, cut)) => (
            tables.reader(path).segments(parent, Seq(cut.min(upto)))?,
            cut + 1,
        ),
        None => (Vec::new(), 1),
    };
    if upto >= first_own {
        segments.push(Segment {
            session,
            from: Seq(first_own),
            to: Seq(upto),
        });
    }
    Ok(segments)
}

/// The projection of `session` (child of `parent`) right after `upto`: totals from the last
/// row, the rules from their rows, the fold's turn-local state from the events since the last
/// turn boundary. The caller
/// has checked that the rows are complete through `upto`.
fn derive(
    tables: &WriteTables<'_>,
    path: &Path,
    session: SessionId,
    parent: Option<(SessionId, u64)>,
    upto: u64,
) -> Result<Projection, StoreError> {
    let segments = chain(tables, path, session, parent, upto)?;
    // The rules so far, so an approval folded again below (or a later one of the same command)
    // is known and not written twice.
    let approved = rules(&tables.session_rules, &segments, path)?;
    let mut projection = Projection {
        parent,
        rules: SessionRules::restore(approved),
        ..Projection::default()
    };
    if let Some((_, row)) = last_row(&tables.conversation, &segments, upto, path)? {
        projection.cum = row.cum;
        projection.compaction = row.compaction;
    }
    let from = boundary(&tables.turns, &segments, upto, path)?;
    let mut scratch = Vec::new();
    for_each_event(tables, path, &segments, from, |kind| {
        projection.fold.apply(&kind, &mut scratch);
        scratch.clear();
        projection.rules.apply(&kind);
    })?;
    Ok(projection)
}

/// Calls `visit` with every event after `after` along `segments`, in order.
fn for_each_event(
    tables: &WriteTables<'_>,
    path: &Path,
    segments: &[Segment],
    after: u64,
    mut visit: impl FnMut(EventKind),
) -> Result<(), StoreError> {
    for segment in segments {
        let from = segment.from.0.max(after + 1);
        if from > segment.to.0 {
            continue;
        }
        let range = tables
            .events
            .range((segment.session.0, from)..=(segment.session.0, segment.to.0))
            .map_err(|e| fail(path, e))?;
        for entry in range {
            let (key, value) = entry.map_err(|e| fail(path, e))?;
            let (id, seq) = key.value();
            let event = decode_event(SessionId(id), Seq(seq), value.value()).map_err(|source| {
                StoreError::Corrupt {
                    session: SessionId(id),
                    seq: Seq(seq),
                    source,
                }
            })?;
            visit(event.kind);
        }
    }
    Ok(())
}

/// The projection the writer keeps for a session it is about to append to, if the session is
/// an agent's and its rows are complete along its chain (otherwise nothing is written for it
/// until a reader has it backfilled).
pub(crate) fn resume(
    tables: &WriteTables<'_>,
    path: &Path,
    session: SessionId,
    state: &SessionState,
) -> Result<Option<Projection>, StoreError> {
    if state.kind != SessionKind::Agent {
        return Ok(None);
    }
    let upto = state.last_seq.0;
    let parent = state.parent.map(|(id, cut)| (id, cut.0));
    let segments = chain(tables, path, session, parent, upto)?;
    if !complete(&tables.projected, &segments, path)? {
        return Ok(None);
    }
    derive(tables, path, session, parent, upto).map(Some)
}

/// The projection a new fork of `parent` after `cut` starts from, if the parent's rows are
/// complete through the cut.
pub(crate) fn for_fork(
    tables: &WriteTables<'_>,
    path: &Path,
    child: SessionId,
    parent: SessionId,
    cut: Seq,
    state: &SessionState,
) -> Result<Option<Projection>, StoreError> {
    if state.kind != SessionKind::Agent {
        return Ok(None);
    }
    let segments = tables.reader(path).segments(parent, cut)?;
    if !complete(&tables.projected, &segments, path)? {
        return Ok(None);
    }
    derive(tables, path, child, Some((parent, cut.0)), cut.0).map(Some)
}

/// Records that `session`'s rows are complete through `through`.
pub(crate) fn mark(
    tables: &mut WriteTables<'_>,
    path: &Path,
    session: SessionId,
    through: Seq,
) -> Result<(), StoreError> {
    tables
        .projected
        .insert(session.0, (through.0, PROJECTION_VERSION))
        .map_err(|e| fail(path, e))?;
    Ok(())
}

/// One step of bringing `session`'s projection up to date: the oldest session of its chain
/// whose rows are behind gets up to [`BACKFILL_STEP`] more events. Returns the seqs folded
/// (`first > last` when everything was complete already).
pub(crate) fn backfill_step(
    tables: &mut WriteTables<'_>,
    path: &Path,
    session: SessionId,
) -> Result<Committed, StoreError> {
    let meta = tables.reader(path).require_meta(session)?;
    let segments = tables.reader(path).segments(session, meta.last_seq)?;
    for segment in &segments {
        let own = tables.reader(path).require_meta(segment.session)?;
        let first_own = own.first_own_seq().0;
        let parent = own.parent.map(|p| (p.id, p.seq.0));
        let done = marker(&tables.projected, segment.session, path)?;
        if done.is_some_and(|through| through >= segment.to.0) {
            continue;
        }
        let start = match done {
            Some(through) if through + 1 >= first_own => through,
            _ => {
                clear(tables, path, segment.session)?;
                first_own - 1
            }
        };
        let end = own.last_seq.0.min(start + BACKFILL_STEP);
        let mut projection = derive(tables, path, segment.session, parent, start)?;
        let own_range = [Segment {
            session: segment.session,
            from: Seq(start + 1),
            to: Seq(end),
        }];
        let mut events = Vec::new();
        for_each_event(tables, path, &own_range, start, |kind| events.push(kind))?;
        for (offset, kind) in events.iter().enumerate() {
            let seq = start + 1 + offset as u64;
            projection.apply(tables, path, segment.session, seq, kind)?;
        }
        mark(tables, path, segment.session, Seq(end))?;
        return Ok(Committed {
            session: segment.session,
            first: Seq(start + 1),
            last: Seq(end),
        });
    }
    Ok(Committed {
        session,
        first: meta.last_seq.next(),
        last: meta.last_seq,
    })
}

/// Removes a session's own rows, rules and marker (before rebuilding them from its events).
fn clear(tables: &mut WriteTables<'_>, path: &Path, session: SessionId) -> Result<(), StoreError> {
    let range = (session.0, 0)..=(session.0, u64::MAX);
    tables
        .conversation
        .retain_in(range.clone(), |_, _| false)
        .map_err(|e| fail(path, e))?;
    tables
        .session_rules
        .retain_in(range, |_, _| false)
        .map_err(|e| fail(path, e))?;
    tables
        .projected
        .remove(session.0)
        .map_err(|e| fail(path, e))?;
    Ok(())
}
