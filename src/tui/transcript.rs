//! An agent slot's transcript: a projection of the session's events (the same fold live and on
//! resume), laid out into rows cached per entry and per width, with cumulative heights cached
//! too, so a transcript of thousands of messages renders only its visible window.

mod entry;
mod markdown;

use std::cell::RefCell;
use std::collections::HashMap;

use ratatui::text::Line;

pub use entry::{Body, Entry, EntryKind, TOOL_PREVIEW_LINES, ToolCell, ToolStatus};

use super::selection::{SelectableRow, Selection};
use super::theme::Theme;
use crate::event::{DeltaChannel, Event, EventKind, OutputItem, TurnOutcome};
use crate::text::strip_ansi;

/// One visual row: styled for display, plain for copying.
#[derive(Debug, Clone, PartialEq)]
pub struct VisualRow {
    pub line: Line<'static>,
    pub text: String,
    /// Cells of markers before `text` (never copied).
    pub gutter: u16,
    /// Soft-wrapped: continues on the next row without a newline.
    pub continues: bool,
}

impl VisualRow {
    pub fn blank() -> Self {
        Self {
            line: Line::default(),
            text: String::new(),
            gutter: 0,
            continues: false,
        }
    }

    /// The row as selectable text.
    pub fn selectable(&self) -> SelectableRow {
        SelectableRow {
            text: self.text.clone(),
            gutter: self.gutter,
            continues: self.continues,
        }
    }
}

/// Cumulative row counts of the entries for one layout key.
#[derive(Debug, Clone, Default)]
struct Heights {
    key: (u16, bool),
    /// `ends[i]` = rows of entries `0..=i`.
    ends: Vec<usize>,
}

#[derive(Debug, Clone, Default)]
pub struct Transcript {
    entries: Vec<Entry>,
    heights: RefCell<Option<Heights>>,
    /// Entry of the assistant message being streamed, by output item.
    open_text: HashMap<String, usize>,
    open_reasoning: HashMap<String, usize>,
    tools: HashMap<String, usize>,
    /// Whether reasoning is shown expanded (new reasoning entries follow it).
    pub reasoning_expanded: bool,
}

impl Transcript {
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn changed(&mut self) {
        self.heights.get_mut().take();
    }

    pub fn push(&mut self, kind: EntryKind, text: impl Into<String>) -> usize {
        self.push_entry(Entry::new(kind, text))
    }

    fn push_entry(&mut self, mut entry: Entry) -> usize {
        if entry.kind == EntryKind::Reasoning {
            entry.expanded = self.reasoning_expanded;
        }
        self.entries.push(entry);
        self.changed();
        self.entries.len() - 1
    }

    fn append_text(&mut self, index: usize, text: &str) {
        self.changed();
        if let Some(Body::Text(body)) = self.entries.get_mut(index).map(Entry::body_mut) {
            body.push_str(text);
        }
    }

    fn set_text(&mut self, index: usize, text: &str) {
        self.changed();
        if let Some(Body::Text(body)) = self.entries.get_mut(index).map(Entry::body_mut) {
            text.clone_into(body);
        }
    }

    fn tool_mut(&mut self, call_id: &str) -> Option<&mut ToolCell> {
        let index = *self.tools.get(call_id)?;
        self.heights.get_mut().take();
        match self.entries.get_mut(index).map(Entry::body_mut) {
            Some(Body::Tool(cell)) => Some(cell),
            _ => None,
        }
    }

    /// Shows or folds every reasoning entry.
    pub fn set_reasoning_expanded(&mut self, expanded: bool) {
        self.reasoning_expanded = expanded;
        for entry in &mut self.entries {
            if entry.kind == EntryKind::Reasoning {
                entry.set_expanded(expanded);
            }
        }
        self.changed();
    }

    /// Folds one stored event into the transcript. The only way events become entries, live
    /// and on resume alike. `inherited` marks events a fork took from its parent.
    pub fn apply(&mut self, event: &Event, inherited: bool) {
        let before = self.entries.len();
        self.apply_kind(&event.kind);
        if inherited {
            for entry in &mut self.entries[before..] {
                entry.set_inherited(true);
            }
        }
    }

    fn apply_kind(&mut self, kind: &EventKind) {
        match kind {
            EventKind::UserMessage(message) => {
                self.open_text.clear();
                self.open_reasoning.clear();
                self.push(EntryKind::User, message.text.clone());
            }
            EventKind::ResponseDelta(delta) => {
                let item = delta.item_id.clone().unwrap_or_default();
                let (map_is_text, kind) = match delta.channel {
                    DeltaChannel::Text | DeltaChannel::Refusal => (true, EntryKind::Assistant),
                    DeltaChannel::Reasoning | DeltaChannel::ReasoningSummary => {
                        (false, EntryKind::Reasoning)
                    }
                    DeltaChannel::Arguments | DeltaChannel::Other => return,
                };
                let existing = if map_is_text {
                    self.open_text.get(&item)
                } else {
                    self.open_reasoning.get(&item)
                };
                match existing.copied() {
                    Some(index) => self.append_text(index, &delta.delta),
                    None => {
                        let index = self.push(kind, delta.delta.clone());
                        if map_is_text {
                            self.open_text.insert(item, index);
                        } else {
                            self.open_reasoning.insert(item, index);
                        }
                    }
                }
            }
            EventKind::ResponseItemDone(done) => self.item_done(&done.item),
            EventKind::ResponseRetrying(retry) => {
                self.push(
                    EntryKind::Notice,
                    format!(
                        "reconnecting {}/{} in {:.1}s: {}",
                        retry.attempt,
                        retry.max_attempts,
                        retry.delay_ms as f64 / 1000.0,
                        retry.reason
                    ),
                );
            }
            EventKind::ResponseFailed(failed) => {
                let code = failed
                    .code
                    .as_deref()
                    .map(|c| format!("{c}: "))
                    .unwrap_or_default();
                self.push(EntryKind::Error, format!("{code}{}", failed.message));
            }
            EventKind::ToolRequested(requested) => {
                let command = crate::model::ShellArgs::parse(&requested.arguments)
                    .map(|args| args.command)
                    .unwrap_or_else(|_| format!("{} {}", requested.name, requested.arguments));
                let index = self.push_entry(Entry::tool(ToolCell {
                    call_id: requested.call_id.clone(),
                    command,
                    cwd: None,
                    status: ToolStatus::Requested,
                    output: String::new(),
                    approval: None,
                }));
                self.tools.insert(requested.call_id.clone(), index);
            }
            EventKind::ToolApproved(approved) => {
                if let Some(cell) = self.tool_mut(&approved.call_id) {
                    cell.approval = Some(format!("approved by {}", decider(approved.by)));
                }
            }
            EventKind::ToolDenied(denied) => {
                if let Some(cell) = self.tool_mut(&denied.call_id) {
                    cell.approval = Some(format!("denied by {}", decider(denied.by)));
                    cell.status = ToolStatus::Denied {
                        reason: denied.reason.clone(),
                    };
                }
            }
            EventKind::ToolStarted(started) => {
                if let Some(cell) = self.tool_mut(&started.call_id) {
                    cell.status = ToolStatus::Running;
                    cell.cwd = Some(started.cwd.clone());
                }
            }
            EventKind::ToolOutput(output) => {
                let text = strip_ansi(&String::from_utf8_lossy(&output.bytes.0));
                if let Some(cell) = self.tool_mut(&output.call_id) {
                    cell.push_output(&text);
                }
            }
            EventKind::ToolFinished(finished) => {
                if let Some(cell) = self.tool_mut(&finished.call_id)
                    && !matches!(cell.status, ToolStatus::Denied { .. })
                {
                    cell.status = ToolStatus::Finished {
                        exit_code: finished.exit_code,
                        duration_ms: finished.duration_ms,
                        killed: finished.killed.clone(),
                    };
                }
            }
            EventKind::TurnEnded(ended) => {
                self.open_text.clear();
                self.open_reasoning.clear();
                // A call still waiting when its turn ended never runs: say so, not "waiting".
                let waiting: Vec<String> = self.tools.keys().cloned().collect();
                for call_id in waiting {
                    if let Some(cell) = self.tool_mut(&call_id)
                        && cell.status == ToolStatus::Requested
                    {
                        cell.status = ToolStatus::NotRun;
                    }
                }
                match ended.outcome {
                    TurnOutcome::Interrupted => {
                        self.push(EntryKind::Notice, "interrupted: send a message to continue");
                    }
                    TurnOutcome::Failed => {
                        let error = ended
                            .error
                            .clone()
                            .unwrap_or_else(|| "the turn failed".into());
                        // The failed response already said it: say it once.
                        let said = self.entries.last().is_some_and(|last| {
                            last.kind == EntryKind::Error && last.text().ends_with(&error)
                        });
                        if !said {
                            self.push(EntryKind::Error, error);
                        }
                    }
                    TurnOutcome::Completed | TurnOutcome::Other => {}
                }
            }
            EventKind::SessionSettings(settings) => {
                if let Some(model) = &settings.model {
                    self.push(EntryKind::Notice, format!("model {model} from here on"));
                }
                if let Some(approval) = &settings.approval {
                    self.push(
                        EntryKind::Notice,
                        format!("approval policy {approval} from here on"),
                    );
                }
            }
            EventKind::SessionForked(forked) => {
                self.push(
                    EntryKind::Notice,
                    format!(
                        "── forked from {} after event {}: everything above is inherited ──",
                        forked.parent.short(),
                        forked.at
                    ),
                );
            }
            EventKind::ConversationCompacted(compacted) => {
                self.push(EntryKind::Notice, compacted_notice(compacted.tokens_before));
            }
            EventKind::SessionInterrupted(interrupted) => {
                self.push(
                    EntryKind::Notice,
                    format!("interrupted: {}", interrupted.reason),
                );
            }
            _ => {}
        }
    }

    fn item_done(&mut self, item: &OutputItem) {
        match item {
            OutputItem::Message { id, text, refusal } => {
                let key = id.clone().unwrap_or_default();
                let text = match refusal {
                    Some(refusal) if text.is_empty() => refusal.clone(),
                    _ => text.clone(),
                };
                match self.open_text.remove(&key) {
                    // The finished item is authoritative: it replaces what the deltas built.
                    Some(index) => self.set_text(index, &text),
                    None if !text.is_empty() => {
                        self.push(EntryKind::Assistant, text);
                    }
                    None => {}
                }
            }
            OutputItem::Reasoning { id, summary, .. } => {
                let key = id.clone().unwrap_or_default();
                let text = summary.join("\n\n");
                match self.open_reasoning.remove(&key) {
                    Some(index) if !text.is_empty() => self.set_text(index, &text),
                    Some(_) => {}
                    None if !text.is_empty() => {
                        self.push(EntryKind::Reasoning, text);
                    }
                    None => {}
                }
            }
            OutputItem::FunctionCall { .. } | OutputItem::Other { .. } => {}
        }
    }

    fn heights(&self, width: u16, theme: &Theme) -> std::cell::Ref<'_, Heights> {
        let key = (width, theme.no_color);
        let stale = self.heights.borrow().as_ref().is_none_or(|h| h.key != key);
        if stale {
            let mut total = 0;
            let ends = self
                .entries
                .iter()
                .map(|e| {
                    total += e.rows(width, theme).len();
                    total
                })
                .collect();
            *self.heights.borrow_mut() = Some(Heights { key, ends });
        }
        std::cell::Ref::map(self.heights.borrow(), |h| {
            h.as_ref().unwrap_or(&EMPTY_HEIGHTS)
        })
    }

    /// Total rows at `width`.
    pub fn height(&self, width: u16, theme: &Theme) -> usize {
        self.heights(width, theme).ends.last().copied().unwrap_or(0)
    }

    /// The rows `first..first + count` at `width`; finds the first entry by binary search.
    pub fn window(&self, width: u16, theme: &Theme, first: usize, count: usize) -> Vec<VisualRow> {
        let heights = self.heights(width, theme);
        let start = heights.ends.partition_point(|&end| end <= first);
        let mut row = if start == 0 {
            0
        } else {
            heights.ends[start - 1]
        };
        drop(heights);
        let mut out = Vec::with_capacity(count);
        for entry in &self.entries[start.min(self.entries.len())..] {
            if out.len() >= count {
                break;
            }
            let rows = entry.rows(width, theme);
            let skip = first.saturating_sub(row);
            out.extend(rows.iter().skip(skip).take(count - out.len()).cloned());
            row += rows.len();
        }
        out
    }

    /// The selected text of `selection` at `width`.
    pub fn selected_text(&self, width: u16, theme: &Theme, selection: &Selection) -> String {
        let (start, end) = selection.ordered();
        let rows: Vec<SelectableRow> = self
            .window(width, theme, start.row, end.row - start.row + 1)
            .iter()
            .map(VisualRow::selectable)
            .collect();
        super::selection::extract(&rows, start.row, selection)
    }
}

static EMPTY_HEIGHTS: Heights = Heights {
    key: (0, false),
    ends: Vec::new(),
};

fn decider(by: crate::event::Decider) -> &'static str {
    match by {
        crate::event::Decider::User => "you",
        crate::event::Decider::Policy => "policy",
        crate::event::Decider::SessionRule => "a session rule",
        crate::event::Decider::Other => "someone",
    }
}

/// The line a compaction leaves in the transcript: what the model sees changed, nothing here did.
pub fn compacted_notice(tokens_before: u64) -> String {
    format!(
        "── conversation compacted (~{} tokens): the model now gets a summary in place of \
         the earlier history; all of it stays here ──",
        crate::text::thousands(tokens_before)
    )
}

#[cfg(test)]
mod tests;
