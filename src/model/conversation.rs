//! The conversation a request sends as `input`: every item of the session since its latest
//! compaction, behind the summary that replaced the rest.
//!
//! | file | owns |
//! |---|---|
//! | [`fold`] | events → items, the one function every builder calls ([`Fold::apply`]) |
//! | [`compact`] | compaction: the summarisation request's words, the token estimate, limits |
//!
//! Three builders, one fold: the agent's live [`Conversation`] (folded from each event it
//! records), [`Conversation::from_events`] (a whole session, the reference) and the store's
//! projection (`store::conversation`, rows of items written with the events, read along the
//! fork chain). Tests assert the three agree.

pub mod compact;
pub mod fold;

use std::borrow::Cow;
use std::collections::HashSet;

pub use compact::{DEFAULT_COMPACT_AT, Summary, estimate_tokens, summary_budget};
pub use fold::{CALL_ABORTED, Fold};

use super::request::InputItem;
use crate::event::{Event, EventKind, OutputItem};

/// A conversation: the latest summary (if it was ever compacted), then the items after it.
#[derive(Debug, Default)]
pub struct Conversation {
    /// Items after the latest compaction, in request order.
    items: Vec<InputItem>,
    /// The seq of the event that added each item (0 for items pushed directly).
    seqs: Vec<u64>,
    summary: Option<Summary>,
    fold: Fold,
    /// Estimated tokens of `items`.
    item_tokens: u64,
    /// Estimated tokens of older items that were not loaded (a resume reads only the newest
    /// items of a conversation due for compaction; see [`Self::restore`]).
    omitted_tokens: u64,
    /// Input plus output tokens of the latest response since the latest compaction: the next
    /// request is at least this long.
    reported_tokens: u64,
    /// Seq of the last event folded.
    last_seq: u64,
}

impl Clone for Conversation {
    /// A clone carries the items and which calls are open, not the partial output of calls
    /// still running (their parser state cannot be copied).
    fn clone(&self) -> Self {
        Self {
            items: self.items.clone(),
            seqs: self.seqs.clone(),
            summary: self.summary.clone(),
            fold: self.fold.clone_without_running(),
            item_tokens: self.item_tokens,
            omitted_tokens: self.omitted_tokens,
            reported_tokens: self.reported_tokens,
            last_seq: self.last_seq,
        }
    }
}

impl PartialEq for Conversation {
    /// Two conversations are equal when the next request would send the same input and the
    /// same calls are open.
    fn eq(&self, other: &Self) -> bool {
        self.input_refs() == other.input_refs() && self.fold.pending() == other.fold.pending()
    }
}

impl Eq for Conversation {}

impl Conversation {
    pub fn new() -> Self {
        Self::default()
    }

    /// The items after the latest compaction (without the summary; see [`Self::input`]).
    pub fn items(&self) -> &[InputItem] {
        &self.items
    }

    /// The latest compaction's summary.
    pub fn summary(&self) -> Option<&Summary> {
        self.summary.as_ref()
    }

    /// What a request sends as `input`: the summary item, then the items after it. Outputs of
    /// calls the summary replaced are left out (the API refuses an output without its call).
    pub fn input(&self) -> Vec<InputItem> {
        self.input_refs().into_iter().map(Cow::into_owned).collect()
    }

    /// [`Self::input`] borrowed from the conversation (only the summary item is made), so a
    /// request costs no copy of it.
    pub fn input_refs(&self) -> Vec<Cow<'_, InputItem>> {
        let Some(summary) = &self.summary else {
            return self.items.iter().map(Cow::Borrowed).collect();
        };
        let mut input = Vec::with_capacity(self.items.len() + 1);
        input.push(Cow::Owned(summary.item()));
        input.extend(answerable(&self.items).map(Cow::Borrowed));
        input
    }

    fn push_at(&mut self, seq: u64, item: InputItem) {
        self.fold.note(&item);
        self.item_tokens += estimate_tokens(&item);
        self.items.push(item);
        self.seqs.push(seq);
    }

    pub fn push(&mut self, item: InputItem) {
        self.push_at(self.last_seq, item);
    }

    pub fn push_user(&mut self, text: impl Into<String>) {
        self.push(InputItem::user(text));
    }

    /// Appends a finished output item (skipping the kinds that cannot be sent back).
    pub fn push_output(&mut self, item: &OutputItem) {
        if let Some(item) = InputItem::from_output(item) {
            self.push(item);
        }
    }

    pub fn push_tool_output(&mut self, call_id: impl Into<String>, output: impl Into<String>) {
        self.push(InputItem::tool_output(call_id, output));
    }

    /// Call ids of function calls that have no output yet, in order.
    pub fn pending_calls(&self) -> Vec<&str> {
        self.fold.pending().iter().map(String::as_str).collect()
    }

    /// Answers every pending call with [`CALL_ABORTED`], so the conversation is valid input.
    pub fn close_pending_calls(&mut self) {
        let mut closed = Vec::new();
        self.fold.close(&mut closed);
        for item in closed {
            self.item_tokens += estimate_tokens(&item);
            self.items.push(item);
            self.seqs.push(self.last_seq);
        }
    }

    /// Folds one stored event (see [`Fold::apply`]); `conversation.compacted` replaces the items
    /// of the events up to its `through` by its summary, and a response's usage is remembered.
    /// The agent builds its live conversation through this same function, so a rebuilt
    /// conversation equals the one the model saw.
    pub fn apply(&mut self, seq: u64, event: &EventKind) {
        self.last_seq = seq;
        match event {
            EventKind::ConversationCompacted(compacted) => {
                self.compact(seq, &compacted.summary, compacted.through.0);
            }
            EventKind::ResponseCompleted(completed) => {
                self.reported_tokens = reported_tokens(&completed.usage);
            }
            _ if Fold::concerns(event) => {
                let mut added = Vec::new();
                self.fold.apply(event, &mut added);
                for item in added {
                    self.item_tokens += estimate_tokens(&item);
                    self.items.push(item);
                    self.seqs.push(seq);
                }
            }
            _ => {}
        }
    }

    /// The summary `text` replaces the items of events up to `through` (never before an
    /// earlier compaction's, never at or after the compaction's own `seq`).
    fn compact(&mut self, seq: u64, text: &str, through: u64) {
        let floor = effective_through(self.summary.as_ref().map(|s| s.through), through, seq);
        let keep = self.seqs.partition_point(|&s| s <= floor);
        self.items.drain(..keep);
        self.seqs.drain(..keep);
        self.item_tokens = self.items.iter().map(estimate_tokens).sum();
        self.summary = Some(Summary::new(text, floor));
        self.omitted_tokens = 0;
        self.reported_tokens = 0;
    }

    /// Rebuilds the conversation from a session's events (live and resumed sessions build it
    /// the same way). Calls left without output are closed with [`CALL_ABORTED`].
    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a Event>) -> Self {
        let mut conversation = Self::new();
        for event in events {
            conversation.apply(event.seq.0, &event.kind);
        }
        conversation.close_pending_calls();
        conversation
    }

    /// A conversation as the store's projection gives it (see [`Restored`]): the fold's
    /// turn-local state is rebuilt from the items after the last turn boundary. Calls still
    /// open stay open: the caller decides whether to close them.
    pub fn restore(restored: Restored) -> Self {
        let Restored {
            summary,
            items,
            earlier_in_turn,
            omitted_tokens,
            reported_tokens,
            last_seq,
            boundary,
        } = restored;
        let mut conversation = Self {
            // Sized once: a long conversation's restore moves thousands of items.
            items: Vec::with_capacity(items.len()),
            seqs: Vec::with_capacity(items.len()),
            summary,
            omitted_tokens,
            reported_tokens,
            last_seq,
            ..Self::default()
        };
        for item in &earlier_in_turn {
            conversation.fold.note(item);
        }
        for (seq, item) in items {
            if seq > boundary {
                conversation.push_at(seq, item);
            } else {
                conversation.item_tokens += estimate_tokens(&item);
                conversation.items.push(item);
                conversation.seqs.push(seq);
            }
        }
        conversation
    }

    /// Estimated tokens of the whole conversation: the summary, the items, and the larger of
    /// that estimate and what the latest response reported.
    pub fn estimated_tokens(&self) -> u64 {
        let estimate =
            self.summary.as_ref().map_or(0, |s| s.tokens) + self.item_tokens + self.omitted_tokens;
        estimate.max(self.reported_tokens)
    }

    /// Whether older items were left unloaded (the next request must be a compaction).
    pub fn is_partial(&self) -> bool {
        self.omitted_tokens > 0
    }

    /// Seq of the last event folded.
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// The input of a summarisation request covering the events up to `through`: the previous
    /// summary, then the newest items up to `through` that fit in `budget` estimated tokens
    /// (older ones are left out), outputs of calls left out dropped. `None` when there is
    /// nothing to summarise. Borrowed from the conversation, like [`Self::input_refs`].
    pub fn summary_input(&self, through: u64, budget: u64) -> Option<Vec<Cow<'_, InputItem>>> {
        let end = self.seqs.partition_point(|&s| s <= through);
        if end == 0 {
            return None;
        }
        let mut start = end;
        let mut spent = self.summary.as_ref().map_or(0, |s| s.tokens);
        while start > 0 {
            let cost = estimate_tokens(&self.items[start - 1]);
            if spent + cost > budget && start < end {
                break;
            }
            spent += cost;
            start -= 1;
        }
        let chosen = &self.items[start..end];
        let mut input = Vec::with_capacity(chosen.len() + 2);
        input.extend(self.summary.iter().map(|s| Cow::Owned(s.item())));
        input.extend(answerable(chosen).map(Cow::Borrowed));
        input.push(Cow::Owned(InputItem::user(compact::COMPACT_PROMPT)));
        Some(input)
    }
}

/// What the store's projection knows of a conversation at a seq.
#[derive(Debug, Clone, Default)]
pub struct Restored {
    /// The latest compaction's summary.
    pub summary: Option<Summary>,
    /// The items after it, each with the seq of the event that added it (only the newest when
    /// `omitted_tokens` > 0).
    pub items: Vec<(u64, InputItem)>,
    /// Items of the current turn (after `boundary`) before the first of `items`: compacted
    /// away or left out, but they still say which calls are open.
    pub earlier_in_turn: Vec<InputItem>,
    /// Estimated tokens of the older items left out.
    pub omitted_tokens: u64,
    /// What the latest response since the compaction reported ([`reported_tokens`]).
    pub reported_tokens: u64,
    /// The seq the conversation is at.
    pub last_seq: u64,
    /// The seq of the last turn boundary (`user.message`, `turn.ended`) at or before
    /// `last_seq`.
    pub boundary: u64,
}

/// What a response's usage says the conversation is at least: its input plus its output
/// (which the next request carries).
pub fn reported_tokens(usage: &crate::event::Usage) -> u64 {
    usage.input_tokens.saturating_add(usage.output_tokens)
}

/// Where a compaction at `seq` with `through` really cuts: not before the previous one's cut
/// (those items are gone already), not at or past its own seq.
pub fn effective_through(previous: Option<u64>, through: u64, seq: u64) -> u64 {
    through
        .max(previous.unwrap_or(0))
        .min(seq.saturating_sub(1))
}

/// `items` without the outputs of calls that are not among them (the API refuses an output
/// without its call).
fn answerable(items: &[InputItem]) -> impl Iterator<Item = &InputItem> {
    let calls: HashSet<&str> = items.iter().filter_map(call_id_of_call).collect();
    items.iter().filter(move |item| match item {
        InputItem::FunctionCallOutput { call_id, .. } => calls.contains(call_id.as_str()),
        _ => true,
    })
}

fn call_id_of_call(item: &InputItem) -> Option<&str> {
    match item {
        InputItem::FunctionCall { call_id, .. } => Some(call_id.as_str()),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
