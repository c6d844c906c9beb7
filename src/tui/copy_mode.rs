//! Keyboard copy mode: move a cursor over the focused slot's content, mark a selection, copy
//! it with OSC 52.

use crossterm::event::{KeyCode, KeyEvent};

use super::app::{AppState, Effect, Mode};
use super::selection::{CopyCursor, Point};
use super::{content, layout};

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
    state.mode = Mode::CopyMode(CopyCursor {
        slot: slot.id,
        cursor: Point { row: last, col: 0 },
        anchor: None,
    });
    state.notify("copy mode: move with arrows, v to select, Enter to copy, Esc to leave");
}

pub(super) fn copy_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    let Some(areas) = layout::areas(state) else {
        state.mode = Mode::Normal;
        return Vec::new();
    };
    let area = areas.content();
    let content = area;
    let theme = state.theme;
    let Mode::CopyMode(mut copy) = std::mem::take(&mut state.mode) else {
        return Vec::new();
    };
    let Some(slot) = state.slot(copy.slot) else {
        return Vec::new();
    };
    let total = content::total_rows(slot, content, &theme);
    let last_row = total.saturating_sub(1);
    let last_col = content.width.saturating_sub(1);
    let cursor = &mut copy.cursor;
    match key.code {
        KeyCode::Esc | KeyCode::Char('q') => return Vec::new(),
        KeyCode::Left | KeyCode::Char('h') => cursor.col = cursor.col.saturating_sub(1),
        KeyCode::Right | KeyCode::Char('l') => cursor.col = (cursor.col + 1).min(last_col),
        KeyCode::Up | KeyCode::Char('k') => cursor.row = cursor.row.saturating_sub(1),
        KeyCode::Down | KeyCode::Char('j') => cursor.row = (cursor.row + 1).min(last_row),
        KeyCode::Home | KeyCode::Char('0') => cursor.col = 0,
        KeyCode::End | KeyCode::Char('$') => cursor.col = last_col,
        KeyCode::Char('v') | KeyCode::Char(' ') => copy.anchor = Some(copy.cursor),
        KeyCode::Enter | KeyCode::Char('y') => {
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
