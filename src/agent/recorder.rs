//! Where every step of the agent goes: the store (group commit, durable before the turn ends),
//! the owner's update channel (the same `Event`, right after it is queued), and the agent's own
//! projections (session state, conversation, session rules) — all from one call, so what the
//! UI shows, what the store holds and what the model is sent can never disagree.
//!
//! Small deltas and output chunks are coalesced per channel for at most [`COALESCE_WINDOW`]
//! before they become one event; order and text are never changed.

use std::collections::VecDeque;

use tokio::sync::mpsc;
use tokio::time::{Duration, Instant};

use super::AgentUpdate;
use super::approval::SessionRules;
use crate::event::{DeltaChannel, Event, EventKind, ResponseDelta, ToolOutput};
use crate::ids::{Seq, SessionId, Timestamp};
use crate::model::Conversation;
use crate::session::{SessionState, reduce};
use crate::store::{Pending, Store, StoreError};

/// Why this value: the workstation draws at most one frame per 16 ms, so finer-grained events
/// buy nothing visible; coalescing to one frame cuts a token-per-event stream by 5–10×.
pub const COALESCE_WINDOW: Duration = Duration::from_millis(16);
/// Why this value: one event stays small enough to fold and render without a stall.
const MAX_COALESCED_BYTES: usize = 64 * 1024;
/// Why this value: appends whose ack has not been checked yet; beyond it the oldest is awaited
/// (it is almost always committed already), so memory stays bounded in a long turn.
const MAX_UNCHECKED: usize = 1024;

/// A delta or output chunk waiting to become an event.
#[derive(Debug)]
enum Buffered {
    Delta {
        channel: DeltaChannel,
        item_id: Option<String>,
        text: String,
    },
    Output {
        call_id: String,
        bytes: Vec<u8>,
    },
}

impl Buffered {
    fn len(&self) -> usize {
        match self {
            Self::Delta { text, .. } => text.len(),
            Self::Output { bytes, .. } => bytes.len(),
        }
    }

    fn into_kind(self) -> EventKind {
        match self {
            Self::Delta {
                channel,
                item_id,
                text,
            } => EventKind::ResponseDelta(ResponseDelta {
                channel,
                item_id,
                delta: text,
            }),
            Self::Output { call_id, bytes } => EventKind::ToolOutput(ToolOutput {
                call_id,
                bytes: bytes.into(),
            }),
        }
    }
}

/// The session's projections the agent keeps: folded from every event it records by the same
/// functions a replay and the store's projections use (on resume they come from the store: the
/// state from its latest checkpoint, the conversation and rules from `store::conversation`).
#[derive(Debug, Default)]
pub struct Projections {
    pub state: SessionState,
    pub conversation: Conversation,
    pub rules: SessionRules,
}

impl Projections {
    pub fn fold(&mut self, event: &Event) {
        reduce(&mut self.state, event);
        self.conversation.apply(event.seq.0, &event.kind);
        self.rules.apply(&event.kind);
    }
}

pub struct Recorder {
    store: Store,
    session: SessionId,
    next_seq: Seq,
    updates: Option<mpsc::Sender<AgentUpdate>>,
    unchecked: VecDeque<(Pending, Seq)>,
    buffered: Option<(Buffered, Instant)>,
    pub projections: Projections,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("session", &self.session)
            .field("next_seq", &self.next_seq)
            .finish_non_exhaustive()
    }
}

impl Recorder {
    pub fn new(store: Store, session: SessionId, projections: Projections) -> Self {
        Self {
            next_seq: projections.state.last_seq.next(),
            store,
            session,
            updates: None,
            unchecked: VecDeque::new(),
            buffered: None,
            projections,
        }
    }

    pub fn session(&self) -> SessionId {
        self.session
    }

    /// The seq the next recorded event will get.
    pub fn next_seq(&self) -> Seq {
        self.next_seq
    }

    pub fn set_updates(&mut self, updates: mpsc::Sender<AgentUpdate>) {
        self.updates = Some(updates);
    }

    /// Drops the owner's channel, so its receiver sees the end.
    pub fn set_updates_closed(&mut self) {
        self.updates = None;
    }

    /// Sends something to the owner; a gone owner is not an error (the store has it all).
    pub async fn notify(&self, update: AgentUpdate) {
        if let Some(updates) = &self.updates {
            let _ = updates.send(update).await;
        }
    }

    /// Records one event (after whatever is buffered, so order is kept).
    pub async fn emit(&mut self, kind: EventKind) -> Result<(), StoreError> {
        self.flush().await?;
        self.record(kind).await
    }

    /// A streamed fragment; joined with the previous one when it continues the same channel
    /// of the same item within the window.
    pub async fn delta(
        &mut self,
        channel: DeltaChannel,
        item_id: Option<String>,
        text: &str,
    ) -> Result<(), StoreError> {
        if let Some((
            Buffered::Delta {
                channel: c,
                item_id: i,
                text: buffered,
            },
            _,
        )) = &mut self.buffered
            && *c == channel
            && *i == item_id
        {
            buffered.push_str(text);
        } else {
            self.flush().await?;
            let text = text.to_owned();
            let delta = Buffered::Delta {
                channel,
                item_id,
                text,
            };
            self.buffered = Some((delta, Instant::now()));
        }
        self.flush_if_due().await
    }

    /// A chunk of a call's output; joined like [`Self::delta`].
    pub async fn output(&mut self, call_id: &str, bytes: &[u8]) -> Result<(), StoreError> {
        if bytes.is_empty() {
            return Ok(());
        }
        if let Some((
            Buffered::Output {
                call_id: c,
                bytes: buffered,
            },
            _,
        )) = &mut self.buffered
            && c == call_id
        {
            buffered.extend_from_slice(bytes);
        } else {
            self.flush().await?;
            let output = Buffered::Output {
                call_id: call_id.to_owned(),
                bytes: bytes.to_vec(),
            };
            self.buffered = Some((output, Instant::now()));
        }
        self.flush_if_due().await
    }

    /// When the buffered fragment must be written even if nothing else arrives.
    pub fn flush_deadline(&self) -> Option<Instant> {
        self.buffered
            .as_ref()
            .map(|(_, since)| *since + COALESCE_WINDOW)
    }

    async fn flush_if_due(&mut self) -> Result<(), StoreError> {
        let due = self.buffered.as_ref().is_some_and(|(buffered, since)| {
            buffered.len() >= MAX_COALESCED_BYTES || since.elapsed() >= COALESCE_WINDOW
        });
        if due {
            self.flush().await?;
        }
        Ok(())
    }

    /// Writes the buffered fragment, if any.
    pub async fn flush(&mut self) -> Result<(), StoreError> {
        match self.buffered.take() {
            Some((buffered, _)) => self.record(buffered.into_kind()).await,
            None => Ok(()),
        }
    }

    async fn record(&mut self, kind: EventKind) -> Result<(), StoreError> {
        let at = Timestamp::now();
        let seq = self.next_seq;
        let pending = self
            .store
            .append_at_async(self.session, at, vec![kind.clone()])
            .await?;
        self.unchecked.push_back((pending, seq));
        self.next_seq = seq.next();
        let event = Event {
            session: self.session,
            seq,
            at,
            kind,
        };
        self.projections.fold(&event);
        self.notify(AgentUpdate::Event(event)).await;
        if self.unchecked.len() > MAX_UNCHECKED {
            self.check_oldest().await?;
        }
        Ok(())
    }

    async fn check_oldest(&mut self) -> Result<(), StoreError> {
        let Some((pending, expected)) = self.unchecked.pop_front() else {
            return Ok(());
        };
        let committed = pending.durable().await?;
        if committed.first != expected {
            // Another writer appended to this session meanwhile, so the seqs shown live were
            // off; everything after is shifted by as much.
            tracing::warn!(
                session = %self.session,
                expected = expected.0,
                stored = committed.first.0,
                "agent events were stored at other seqs than announced"
            );
            let shift = committed.first.0.saturating_sub(expected.0);
            self.next_seq = Seq(self.next_seq.0 + shift);
            for (_, later) in &mut self.unchecked {
                *later = Seq(later.0 + shift);
            }
        }
        Ok(())
    }

    /// Waits until everything recorded so far is durable.
    pub async fn sync(&mut self) -> Result<(), StoreError> {
        self.flush().await?;
        while !self.unchecked.is_empty() {
            self.check_oldest().await?;
        }
        Ok(())
    }

    /// Folds events another writer appended since the agent last looked (a rename from the
    /// workstation, a reconciliation marker), so the projections and seqs stay exact.
    pub async fn catch_up(&mut self) -> Result<(), StoreError> {
        self.sync().await?;
        let store = self.store.clone();
        let session = self.session;
        let known = self.next_seq.0.saturating_sub(1);
        let newer = tokio::task::spawn_blocking(move || -> Result<Vec<Event>, StoreError> {
            let last = store.meta(session)?.last_seq;
            let mut events = Vec::new();
            if last.0 > known {
                store.for_each_event(session, Seq(known), last, |event, _| {
                    events.push(event);
                    Ok(())
                })?;
            }
            Ok(events)
        })
        .await
        .map_err(|e| StoreError::Io(format!("reading the session failed: {e}")))??;
        for event in newer {
            self.next_seq = event.seq.next();
            self.projections.fold(&event);
        }
        Ok(())
    }
}
