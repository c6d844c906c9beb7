//! Copy mode's search of a pane's history. The search key opens a prompt (the copy cursor
//! stays where it is), Enter asks the server — which holds every row; this window holds only
//! those on screen — to find the query from the cursor, and the answer moves the cursor onto
//! the match, highlights it and scrolls it into view. The next/previous keys repeat the last
//! search from the cursor; Esc cancels the prompt or a search still running. Every string the
//! search shows is in [`says`].

use crossterm::event::KeyEvent;

use super::app::{AppState, Effect, Mode};
use super::commands::CommandId;
use super::keymap::KeyMode;
use super::layout;
use super::selection::{CopyCursor, Point, Selection};
use super::slots::SlotId;
use super::update::is_text;
use crate::protocol::{
    Command, PaneMatch, PanePoint, PaneSearch, PaneSearchOutcome, SearchDirection,
};

/// The prompt being typed, over copy mode's cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchPrompt {
    pub copy: CopyCursor,
    pub query: String,
    pub direction: SearchDirection,
}

/// What this window remembers of pane searches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaneSearchState {
    /// The last search's query and direction (what the next/previous keys repeat).
    pub last: Option<(String, SearchDirection)>,
    /// The search the server runs for this window: its slot, number and direction. Answers
    /// to any other number are stale and dropped.
    pub pending: Option<(SlotId, u64, SearchDirection)>,
    /// The number the next search gets.
    next: u64,
}

/// Everything the pane search says.
pub mod says {
    use crate::protocol::SearchDirection;

    /// The prompt's label.
    pub fn prompt(direction: SearchDirection) -> &'static str {
        match direction {
            SearchDirection::Older => "search back: ",
            SearchDirection::Newer => "search forward: ",
        }
    }

    /// Queries in messages are cut to this many cells: the outcome after the query must
    /// still fit an 80-column status line.
    const QUOTED_CELLS: usize = 32;

    fn quoted(query: &str) -> String {
        format!("“{}”", crate::text::truncate(query, QUOTED_CELLS))
    }

    /// A search reading deep history (replayed from the store) can take seconds: the message
    /// says how to stop it.
    pub fn searching(query: &str, stop: Option<String>) -> String {
        let query = quoted(query);
        match stop {
            Some(key) => format!("searching for {query}… ({key} stops)"),
            None => format!("searching for {query}…"),
        }
    }

    pub fn not_found(query: &str, direction: SearchDirection) -> String {
        let query = quoted(query);
        match direction {
            SearchDirection::Older => format!("not found: {query} (nothing older)"),
            SearchDirection::Newer => format!("not found: {query} (nothing newer)"),
        }
    }

    pub fn found(query: &str, hints: &[String]) -> String {
        let query = quoted(query);
        if hints.is_empty() {
            query
        } else {
            format!("{query}: {}", hints.join(", "))
        }
    }

    pub fn failed(reason: &str) -> String {
        format!("search failed: {reason}")
    }

    pub fn no_search_yet(hint: Option<String>) -> String {
        match hint {
            Some(key) => format!("no search yet: {key} searches back"),
            None => "no search yet".to_owned(),
        }
    }

    pub const STOPPED: &str = "search stopped";

    pub const NOT_A_PANE: &str = "search works in a terminal pane's history, not an agent's";
}

/// Opens the prompt over copy mode (`copy` is its cursor).
pub(super) fn open(state: &mut AppState, copy: CopyCursor, direction: SearchDirection) {
    if state.slot(copy.slot).is_none_or(|s| s.pane.is_none()) {
        state.notify(says::NOT_A_PANE);
        state.mode = Mode::CopyMode(copy);
        return;
    }
    state.mode = Mode::PaneSearch(SearchPrompt {
        copy,
        query: String::new(),
        direction,
    });
}

/// A key while the prompt is open.
pub(super) fn prompt_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    let command = super::modal_keys::lookup(state, KeyMode::PaneSearch, &key);
    let Mode::PaneSearch(prompt) = &mut state.mode else {
        return Vec::new();
    };
    match command {
        Some(CommandId::Close) => {
            let copy = prompt.copy;
            state.mode = Mode::CopyMode(copy);
            return cancel(state);
        }
        Some(CommandId::Accept) => {
            // An empty prompt repeats the last query (vim's and less's habit); with nothing
            // to repeat it stays open.
            let query = match (prompt.query.is_empty(), &state.pane_search.last) {
                (false, _) => std::mem::take(&mut prompt.query),
                (true, Some((last, _))) => last.clone(),
                (true, None) => {
                    state.dirty = false;
                    return Vec::new();
                }
            };
            let (copy, direction) = (prompt.copy, prompt.direction);
            state.mode = Mode::CopyMode(copy);
            state.pane_search.last = Some((query.clone(), direction));
            return start(state, copy, query, direction);
        }
        Some(CommandId::ClearQuery) => prompt.query.clear(),
        Some(CommandId::Backspace) => {
            prompt.query.pop();
        }
        _ => match is_text(&key) {
            Some(c) => prompt.query.push(c),
            None => state.dirty = false,
        },
    }
    Vec::new()
}

/// Text pasted into the prompt (its first line).
pub(super) fn paste(prompt: &mut SearchPrompt, text: &str) {
    prompt
        .query
        .push_str(text.lines().next().unwrap_or_default());
}

/// The next match of the last search the way it went (`reverse`: the other way), from the
/// copy cursor.
pub(super) fn repeat(state: &mut AppState, copy: CopyCursor, reverse: bool) -> Vec<Effect> {
    let Some((query, direction)) = state.pane_search.last.clone() else {
        let hint = state.keymap.key(KeyMode::Copy, CommandId::SearchBack);
        state.notify(says::no_search_yet(hint));
        return Vec::new();
    };
    let direction = if reverse {
        direction.reversed()
    } else {
        direction
    };
    start(state, copy, query, direction)
}

/// Asks the server for the match nearest the copy cursor.
fn start(
    state: &mut AppState,
    copy: CopyCursor,
    query: String,
    direction: SearchDirection,
) -> Vec<Effect> {
    if state.slot(copy.slot).is_none_or(|s| s.pane.is_none()) {
        state.notify(says::NOT_A_PANE);
        return Vec::new();
    }
    let search = state.pane_search.next;
    state.pane_search.next += 1;
    state.pane_search.pending = Some((copy.slot, search, direction));
    let stop = state.keymap.key(KeyMode::Copy, CommandId::Close);
    state.notify(says::searching(&query, stop));
    vec![Effect::Send(Command::SearchPane(PaneSearch {
        slot: copy.slot,
        search,
        query,
        from: PanePoint {
            row: copy.cursor.row,
            col: copy.cursor.col,
        },
        direction,
    }))]
}

/// Whether a search this window asked for still runs.
pub(super) fn running(state: &AppState) -> bool {
    state.pane_search.pending.is_some()
}

/// Stops a search the server still runs (Esc).
pub(super) fn cancel(state: &mut AppState) -> Vec<Effect> {
    match state.pane_search.pending.take() {
        Some((slot, _, _)) => vec![Effect::Send(Command::CancelPaneSearch { slot })],
        None => Vec::new(),
    }
}

/// The server answered a search.
pub(super) fn answered(
    state: &mut AppState,
    slot: SlotId,
    search: u64,
    outcome: PaneSearchOutcome,
) -> Vec<Effect> {
    let direction = match state.pane_search.pending {
        Some((s, n, direction)) if s == slot && n == search => direction,
        _ => {
            state.dirty = false;
            return Vec::new();
        }
    };
    state.pane_search.pending = None;
    let query = state
        .pane_search
        .last
        .as_ref()
        .map(|(query, _)| query.clone())
        .unwrap_or_default();
    if !matches!(state.mode, Mode::CopyMode(_)) {
        state.dirty = false;
        return Vec::new();
    }
    match outcome {
        PaneSearchOutcome::Found(found) => show(state, slot, &query, found),
        PaneSearchOutcome::NotFound => {
            state.notify_error(says::not_found(&query, direction));
            Vec::new()
        }
        PaneSearchOutcome::Failed(reason) => {
            state.notify_error(says::failed(&reason));
            Vec::new()
        }
    }
}

/// Puts the copy cursor on a match, highlights it and scrolls it into view (to the middle of
/// the view when it was off screen, as less and vim do).
fn show(state: &mut AppState, slot: SlotId, query: &str, found: PaneMatch) -> Vec<Effect> {
    let Mode::CopyMode(copy) = &mut state.mode else {
        return Vec::new();
    };
    if copy.slot != slot {
        return Vec::new();
    }
    let start = Point {
        row: found.start.row,
        col: found.start.col,
    };
    copy.cursor = start;
    copy.anchor = None;
    state.selection = Some(Selection {
        slot,
        anchor: start,
        head: Point {
            row: found.end.row,
            col: found.end.col,
        },
    });
    let hints = state.keymap.hints(
        KeyMode::Copy,
        &[
            (CommandId::SearchNext, "next"),
            (CommandId::SearchPrevious, "previous"),
        ],
    );
    state.notify(says::found(query, &hints));
    let height = layout::areas(state).map_or(1, |a| usize::from(a.content().height.max(1)));
    let Some(pane) = state.slot_mut(slot).and_then(|s| s.pane.as_mut()) else {
        return Vec::new();
    };
    pane.scroll.history = found.history;
    pane.scroll.offset = pane.scroll.offset.min(found.history);
    let first = pane.first_visible();
    if (first..first + height).contains(&start.row) {
        return Vec::new();
    }
    let top = start.row.saturating_sub(height / 2);
    let offset = found.history.saturating_sub(top);
    pane.scroll.offset = offset;
    vec![Effect::Send(Command::ScrollPane {
        slot,
        offset,
        history: found.history,
    })]
}
