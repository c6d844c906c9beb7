//! The conversation projection: what an agent session's next request sends, kept as its own
//! rows so continuing a session costs what its conversation is, not what its log is.
//!
//! | file | owns |
//! |---|---|
//! | this file | the row format, [`StoredConversation`], [`Store::conversation_at`] |
//! | `items.rs` | how a row stores its items (externally tagged, not the API's form) |
//! | `project.rs` | the writer's fold of each appended event into rows; backfill of old sessions |
//! | `view.rs` | reads along the fork chain: rows, latest compaction, last boundary, rules |
//!
//! **Tables** (see `tables.rs`): `conversation` `(session, seq)` → [`Row`] for every event
//! that adds items (`user.message`, `response.item_done`, `tool.finished`, `tool.denied`, the
//! calls a boundary closes), compacts, or reports usage (`response.completed`); `session_rules` `(session, seq)` → a command approved
//! for the session; `projected` session → how far its own rows are complete.
//!
//! **Written by the store writer** in the transaction that commits the events, through the
//! same folds the agent and [`Conversation::from_events`] use (`Fold::apply`,
//! `SessionRules::apply`). A fork's rows are its own; it reads its parent's up to the cut, as
//! events are read. The writer keeps each session's fold state in memory; after a restart or
//! another process's appends it rebuilds it from the events since the last turn boundary (the
//! fold's state is turn-local).
//!
//! **Read** as: the last row at or before the seq (its running token total and a pointer to the
//! latest compaction), the compaction's row (the summary, where it cut), the rows after the cut
//! — newest first within a token budget when the conversation is due for compaction anyway —
//! and the calls left open since the last turn boundary (from the `turns` index).
//!
//! **Old stores**: a session without a complete `projected` marker along its chain (written
//! before this table existed, or since by an older build) is brought up to date when it is
//! read — the writer folds its events in steps of `project::BACKFILL_STEP` — and if that
//! cannot finish, the conversation is rebuilt from the events. Never a different answer.

mod items;
mod project;
mod view;

use redb::ReadableDatabase;
use serde::{Deserialize, Serialize};

pub(crate) use project::{Projection, backfill_step, for_fork, mark, resume};

use super::Store;
use super::error::StoreError;
use super::read::Segment;
use super::tables::{CONVERSATION, PROJECTED, SESSION_RULES, TURNS};
use super::writer::Op;
use crate::agent::SessionRules;
use crate::ids::{Seq, SessionId};
use crate::model::{Conversation, InputItem};

/// Version of the row format and of what goes into rows. Rows of another version are rebuilt
/// (backfill, as for a session written before the projection existed). 1: items in the API's
/// internally tagged form; 2: items externally tagged (`items.rs`), which decode without
/// serde's buffering.
pub(crate) const PROJECTION_VERSION: u64 = 2;

/// A backfill step's weight in a writer batch: it folds up to `BACKFILL_STEP` events, so it
/// counts as that many appended ones and a batch holding one stays about as long as a full one.
pub(crate) const BACKFILL_WEIGHT: usize = project::BACKFILL_STEP as usize;

/// Why this value: backfill steps one read may ask for before it gives up and folds the
/// events itself — far more than any session needs (16k events a step), finite if another
/// process keeps undoing the work.
const MAX_BACKFILL_STEPS: usize = 100_000;

/// The latest compaction at or before a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CompactionRef {
    /// Seq of the `conversation.compacted` event.
    pub seq: u64,
    /// The items of events up to this seq are replaced by its summary.
    pub through: u64,
}

/// What a compaction row carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Compacted {
    pub summary: String,
    pub through: u64,
    /// The running token total at `through`.
    pub cum_through: u64,
}

/// One row of the `conversation` table. Fields that are empty are left out (each is a key
/// the reader would decode and match, on every row of a long read).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Row {
    /// Estimated tokens of every item from the session's start (along its fork chain) through
    /// this row.
    pub cum: u64,
    /// The latest compaction at or before this row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compaction: Option<CompactionRef>,
    /// The items the event adds, in order.
    #[serde(default, with = "items", skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<InputItem>,
    /// Set on the row of a `conversation.compacted` event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compacted: Option<Compacted>,
    /// Set on the row of a `response.completed` event: what its usage says the conversation
    /// is at least (`reported_tokens`), which decides compaction as the live agent decides it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported: Option<u64>,
}

/// A session's conversation and session rules as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredConversation {
    /// The conversation after the requested seq; calls still open are left open.
    pub conversation: Conversation,
    /// Commands approved for the rest of the session, oldest first.
    pub rules: Vec<String>,
    /// Read from the projection (`false`: rebuilt from the events, a fallback).
    pub from_projection: bool,
}

impl StoredConversation {
    /// The session rules as the agent keeps them.
    pub fn session_rules(&self) -> SessionRules {
        SessionRules::restore(self.rules.iter().cloned())
    }
}

impl Store {
    /// The conversation of `id` after `upto`, read from the projection: it costs the items
    /// since the latest compaction, not the session's events. With a `budget` (estimated
    /// tokens), a conversation larger than it comes back partial — the newest items within
    /// the budget ([`Conversation::is_partial`]) — for a caller that compacts it first.
    pub fn conversation_at(
        &self,
        id: SessionId,
        upto: Seq,
        budget: Option<u64>,
    ) -> Result<StoredConversation, StoreError> {
        let mut backfill = Backfill::default();
        loop {
            match self.read_projection(id, upto, budget) {
                Ok(Some(found)) => return Ok(found),
                Ok(None) => {}
                Err(err @ StoreError::CorruptRow { .. }) => {
                    tracing::warn!(error = %err, "conversation projection unreadable; rebuilding from events");
                    return self.conversation_from_events(id, upto);
                }
                Err(err) => return Err(err),
            }
            if !backfill.step(self, id)? {
                break;
            }
        }
        tracing::warn!(session = %id, "conversation projection could not be completed; rebuilding from events");
        self.conversation_from_events(id, upto)
    }

    /// Brings the conversation projection of every agent session up to date now rather than
    /// at its first read (`store repair` runs it on the store it rebuilt). A session whose
    /// projection cannot be completed is left to be rebuilt from its events when read. Returns
    /// how many agent sessions have a complete projection.
    pub fn project_conversations(&self) -> Result<u64, StoreError> {
        let mut done = 0;
        for meta in self.sessions()? {
            if meta.kind != crate::event::SessionKind::Agent {
                continue;
            }
            let mut backfill = Backfill::default();
            loop {
                match backfill.step(self, meta.id) {
                    Ok(more) if more && !backfill.finished => {}
                    Ok(_) => {
                        done += u64::from(backfill.finished);
                        break;
                    }
                    Err(err) if err.is_damaged() || matches!(err, StoreError::WriterGone) => {
                        return Err(err);
                    }
                    Err(err) => {
                        tracing::warn!(session = %meta.id, error = %err, "conversation projection not rebuilt");
                        break;
                    }
                }
            }
        }
        Ok(done)
    }

    /// [`Self::conversation_at`] after the session's last event.
    pub fn conversation(
        &self,
        id: SessionId,
        budget: Option<u64>,
    ) -> Result<StoredConversation, StoreError> {
        let last = self.meta(id)?.last_seq;
        self.conversation_at(id, last, budget)
    }

    /// The conversation from the projection, `None` when its rows are not complete.
    fn read_projection(
        &self,
        id: SessionId,
        upto: Seq,
        budget: Option<u64>,
    ) -> Result<Option<StoredConversation>, StoreError> {
        let path = &self.inner.path;
        let segments: Vec<Segment> = self.read(|reader| reader.segments(id, upto))?;
        self.guarded(|| {
            let txn = self
                .inner
                .db
                .begin_read()
                .map_err(|e| StoreError::storage(path, e))?;
            let (Some(projected), Some(rows), Some(turns), Some(rules)) = (
                existing(txn.open_table(PROJECTED), path)?,
                existing(txn.open_table(CONVERSATION), path)?,
                existing(txn.open_table(TURNS), path)?,
                existing(txn.open_table(SESSION_RULES), path)?,
            ) else {
                return Ok(None);
            };
            if !view::complete(&projected, &segments, path)? {
                return Ok(None);
            }
            view::build(&rows, &turns, &rules, &segments, upto.0, budget, path).map(Some)
        })
    }

    /// The conversation folded from every event (the reference, and the fallback).
    pub fn conversation_from_events(
        &self,
        id: SessionId,
        upto: Seq,
    ) -> Result<StoredConversation, StoreError> {
        let mut conversation = Conversation::new();
        let mut rules = SessionRules::new();
        let mut approved = Vec::new();
        self.for_each_event(id, Seq::ZERO, upto, |event, _| {
            conversation.apply(event.seq.0, &event.kind);
            approved.extend(rules.apply(&event.kind));
            Ok(())
        })?;
        Ok(StoredConversation {
            conversation,
            rules: approved,
            from_projection: false,
        })
    }
}

/// Drives backfill steps for one session until its chain is complete.
#[derive(Debug, Default)]
struct Backfill {
    steps: usize,
    /// Steps in a row that found nothing to fold.
    idle: usize,
    /// The last step found the chain complete.
    finished: bool,
}

impl Backfill {
    /// Asks the writer for one step; `false` once there is nothing more to do (complete, or
    /// given up: see [`MAX_BACKFILL_STEPS`]).
    fn step(&mut self, store: &Store, id: SessionId) -> Result<bool, StoreError> {
        if self.steps >= MAX_BACKFILL_STEPS {
            return Ok(false);
        }
        self.steps += 1;
        let step = store.request(Op::Backfill { session: id })?.wait()?;
        if step.first > step.last {
            // Complete when asked; a reader that still finds it incomplete asks again (the
            // session may have grown in between), a few times at most.
            self.finished = true;
            self.idle += 1;
            return Ok(self.idle <= 2);
        }
        self.finished = false;
        self.idle = 0;
        Ok(true)
    }
}

/// A table opened for reading; `None` when the store has never had it (written by an older
/// build and not written to since).
fn existing<T>(
    opened: Result<T, redb::TableError>,
    path: &std::path::Path,
) -> Result<Option<T>, StoreError> {
    match opened {
        Ok(table) => Ok(Some(table)),
        Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
        Err(e) => Err(StoreError::storage(path, e)),
    }
}
