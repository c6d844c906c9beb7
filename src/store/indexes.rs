//! The tables one write transaction touches, and the derived indexes kept beside the events:
//! composer history (`prompts`), turn boundaries (`turns`), running sessions (`live`) and the
//! session index itself (the conversation projection has its own module, `conversation`). All of them can be rebuilt from the events; they exist so lists and
//! pickers never scan a session's history.

use redb::{ReadableTable, Table, WriteTransaction};
use serde::{Deserialize, Serialize};

use super::codec::{decode_record, encode_record};
use super::error::StoreError;
use super::meta::SessionMeta;
use super::read::Reader;
use super::tables::{
    CHECKPOINTS, CONVERSATION, EVENTS, LIVE, PANE_HISTORY, PROJECTED, PROMPTS, SESSION_RULES,
    SESSIONS, TURNS,
};
use crate::event::{Event, EventKind, TurnOutcome};
use crate::ids::{Seq, SessionId};
use crate::session::SessionState;

/// Longest prompt text kept in a turn record; the full text is in the event.
const TURN_PROMPT_CHARS: usize = 300;

/// One user message and how its turn ended: what the fork picker lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TurnRecord {
    /// Seq of the `user.message`.
    pub user_seq: Seq,
    pub prompt: String,
    /// Seq of the `turn.ended`, once the turn ended.
    pub ended_seq: Option<Seq>,
    pub outcome: Option<TurnOutcome>,
    /// Snapshot commit recorded at the turn's end.
    pub commit: Option<String>,
}

/// A [`Reader`] over the tables of a write transaction.
pub(crate) type WriteReader<'a, 't> =
    Reader<'a, EventTable<'t>, Table<'t, u128, &'static [u8]>, EventTable<'t>>;
type EventTable<'t> = Table<'t, (u128, u64), &'static [u8]>;

pub(crate) struct WriteTables<'t> {
    pub events: Table<'t, (u128, u64), &'static [u8]>,
    pub sessions: Table<'t, u128, &'static [u8]>,
    pub checkpoints: Table<'t, (u128, u64), &'static [u8]>,
    pub prompts: Table<'t, (i64, u128, u64), &'static str>,
    pub live: Table<'t, u128, (u32, u64)>,
    pub turns: Table<'t, (u128, u64), &'static [u8]>,
    pub pane_history: Table<'t, u128, (u64, u64, u64)>,
    pub conversation: Table<'t, (u128, u64), &'static [u8]>,
    pub session_rules: Table<'t, (u128, u64), &'static str>,
    pub projected: Table<'t, u128, (u64, u64)>,
}

impl<'t> WriteTables<'t> {
    pub fn open(txn: &'t WriteTransaction) -> Result<Self, redb::TableError> {
        Ok(Self {
            events: txn.open_table(EVENTS)?,
            sessions: txn.open_table(SESSIONS)?,
            checkpoints: txn.open_table(CHECKPOINTS)?,
            prompts: txn.open_table(PROMPTS)?,
            live: txn.open_table(LIVE)?,
            turns: txn.open_table(TURNS)?,
            pane_history: txn.open_table(PANE_HISTORY)?,
            conversation: txn.open_table(CONVERSATION)?,
            session_rules: txn.open_table(SESSION_RULES)?,
            projected: txn.open_table(PROJECTED)?,
        })
    }

    /// A reader over these tables (inside the write transaction).
    pub fn reader<'a>(&'a self, path: &'a std::path::Path) -> WriteReader<'a, 't> {
        Reader {
            path,
            events: &self.events,
            sessions: &self.sessions,
            checkpoints: &self.checkpoints,
        }
    }

    /// Keeps `prompts` and `turns` in step with one appended event. `state` is the session's
    /// state *after* the event.
    pub fn index_event(&mut self, event: &Event, state: &SessionState) -> Result<(), IndexError> {
        let session = event.session.0;
        match &event.kind {
            EventKind::UserMessage(message) => {
                self.prompts
                    .insert((event.at.0, session, event.seq.0), message.text.as_str())?;
                let record = TurnRecord {
                    user_seq: event.seq,
                    prompt: message.text.chars().take(TURN_PROMPT_CHARS).collect(),
                    ended_seq: None,
                    outcome: None,
                    commit: None,
                };
                let bytes = encode_record("turn record", &record)?;
                self.turns
                    .insert((session, event.seq.0), bytes.as_slice())?;
            }
            EventKind::TurnEnded(ended) => {
                // The turn belongs to the latest user message, if this session stored it (a
                // fork cut mid-turn inherits the message; its record stays the parent's).
                let Some(user_seq) = state.last_user_seq else {
                    return Ok(());
                };
                let existing = self
                    .turns
                    .get((session, user_seq.0))?
                    .map(|guard| decode_record::<TurnRecord>(guard.value()));
                if let Some(Ok(mut record)) = existing {
                    record.ended_seq = Some(event.seq);
                    record.outcome = Some(ended.outcome);
                    record.commit = ended.commit.clone();
                    let bytes = encode_record("turn record", &record)?;
                    self.turns.insert((session, user_seq.0), bytes.as_slice())?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Rewrites a session's index entry and its `live` row from its state.
    pub fn index_session(
        &mut self,
        session: SessionId,
        state: &SessionState,
    ) -> Result<(), IndexError> {
        let meta = SessionMeta::project(session, state);
        let bytes = encode_record("session index entry", &meta)?;
        self.sessions.insert(session.0, bytes.as_slice())?;
        match state.owner.filter(|_| state.status.is_active()) {
            Some(owner) => {
                self.live.insert(session.0, (owner.pid, owner.started))?;
            }
            None => {
                self.live.remove(session.0)?;
            }
        }
        Ok(())
    }
}

/// Either half of what can fail while indexing.
#[derive(Debug)]
pub(crate) enum IndexError {
    Storage(redb::StorageError),
    Encode(StoreError),
}

impl From<redb::StorageError> for IndexError {
    fn from(err: redb::StorageError) -> Self {
        Self::Storage(err)
    }
}

impl From<super::codec::EncodeError> for IndexError {
    fn from(err: super::codec::EncodeError) -> Self {
        Self::Encode(err.into())
    }
}

impl IndexError {
    pub fn into_store(self, path: &std::path::Path) -> StoreError {
        match self {
            Self::Storage(err) => StoreError::storage(path, err),
            Self::Encode(err) => err,
        }
    }
}
