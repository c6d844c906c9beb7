//! Keyboard copy mode: move a cursor over the focused slot's content, mark a selection, copy
//! it with OSC 52.

use crossterm::event::KeyEvent;

use super::app::{AppState, Effect, Mode};
use super::commands::CommandId;
use super::keymap::KeyMode;
use super::selection::{CopyCursor, Point};
use super::{content, layout};
use crate::protocol::SearchDirection;

pub(super) fn enter_copy_mode(state: &mut AppState) {
    let Some(areas) = layout::areas(state) else {
        return;
    };
    let content = areas.content();
    let theme = state.theme;
    let Some(slot) = state.focused_slot() else {
        return;
    };
    let (first, rows) = content::visible_rows(slot, content, &theme);
    let last = first + rows.len().saturating_sub(1);
    // Only a pane's history can be searched (an agent's transcript is not): the hint offers
    // only what works here.
    let searchable = slot.pane.is_some();
    state.mode = Mode::CopyMode(CopyCursor {
        slot: slot.id,
        cursor: Point { row: last, col: 0 },
        anchor: None,
    });
    let mut keys = vec![
        (CommandId::CursorDown, "moves"),
        (CommandId::MarkSelection, "selects"),
        (CommandId::CopySelection, "copies"),
        (CommandId::Close, "leaves"),
    ];
    if searchable {
        keys.insert(2, (CommandId::SearchBack, "searches"));
    }
    let hints = state.keymap.hints(KeyMode::Copy, &keys);
    state.notify(format!("copy mode: {}", hints.join(", ")));
}

/// The palette's way into a pane search: copy mode with the search-back prompt open.
pub(super) fn search(state: &mut AppState) {
    enter_copy_mode(state);
    if let Mode::CopyMode(copy) = state.mode {
        super::pane_search::open(state, copy, SearchDirection::Older);
    }
}

pub(super) fn copy_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    let Some(areas) = layout::areas(state) else {
        state.mode = Mode::Normal;
        return Vec::new();
    };
    let area = areas.content();
    let content = area;
    let theme = state.theme;
    let command = super::modal_keys::lookup(state, KeyMode::Copy, &key);
    let Mode::CopyMode(mut copy) = std::mem::take(&mut state.mode) else {
        return Vec::new();
    };
    let Some(slot) = state.slot(copy.slot) else {
        return Vec::new();
    };
    let total = content::total_rows(slot, content, &theme);
    let last_row = total.saturating_sub(1);
    let last_col = content.width.saturating_sub(1);
    let page = content.height.saturating_sub(1).max(1) as usize;
    let cursor = &mut copy.cursor;
    match command {
        // Esc while a search runs stops the search and stays in copy mode (as less's
        // interrupt does); otherwise it leaves.
        Some(CommandId::Close) if super::pane_search::running(state) => {
            state.mode = Mode::CopyMode(copy);
            state.notify(super::pane_search::says::STOPPED);
            return super::pane_search::cancel(state);
        }
        Some(CommandId::Close) => return super::pane_search::cancel(state),
        Some(CommandId::SearchBack) => {
            super::pane_search::open(state, copy, SearchDirection::Older);
            return Vec::new();
        }
        Some(CommandId::SearchForward) => {
            super::pane_search::open(state, copy, SearchDirection::Newer);
            return Vec::new();
        }
        Some(CommandId::SearchNext | CommandId::SearchPrevious) => {
            state.mode = Mode::CopyMode(copy);
            let reverse = command == Some(CommandId::SearchPrevious);
            return super::pane_search::repeat(state, copy, reverse);
        }
        Some(CommandId::CursorLeft) => cursor.col = cursor.col.saturating_sub(1),
        Some(CommandId::CursorRight) => cursor.col = (cursor.col + 1).min(last_col),
        Some(CommandId::CursorUp) => cursor.row = cursor.row.saturating_sub(1),
        Some(CommandId::CursorDown) => cursor.row = (cursor.row + 1).min(last_row),
        Some(CommandId::PageUp) => cursor.row = cursor.row.saturating_sub(page),
        Some(CommandId::PageDown) => cursor.row = (cursor.row + page).min(last_row),
        Some(CommandId::ScrollTop) => cursor.row = 0,
        Some(CommandId::ScrollBottom) => cursor.row = last_row,
        Some(CommandId::LineStart) => cursor.col = 0,
        Some(CommandId::LineEnd) => cursor.col = last_col,
        Some(CommandId::MarkSelection) => copy.anchor = Some(copy.cursor),
        Some(CommandId::CopySelection) => {
            let Some(selection) = copy.selection() else {
                state.notify("nothing selected: press v to start a selection");
                state.mode = Mode::CopyMode(copy);
                return Vec::new();
            };
            return content::copy(state, content, selection);
        }
        _ => state.dirty = false,
    }
    // Keep the cursor visible.
    let row = copy.cursor.row;
    let effects = content::reveal(state, copy.slot, area, row);
    state.selection = copy.selection();
    state.mode = Mode::CopyMode(copy);
    effects
}
