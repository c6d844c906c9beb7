//! A slot's content as rows of text, whatever the slot holds — an agent's transcript or a
//! pane's screen and history — so selection, copy mode and scrolling work the same over both.
//! Rows are counted from the first row of the content: for a transcript its first wrapped row,
//! for a pane the oldest line of its history. A pane's rows live in the server; this window
//! holds the ones on screen, and copying past them asks the server for the rest.

use ratatui::layout::Rect;

use super::app::{AppState, Effect};
use super::selection::{SelectableRow, Selection, extract};
use super::slots::{Slot, SlotId};
use super::theme::Theme;
use crate::protocol::{Command, ScreenCopy, TextRow};

/// Rows of a pane from `start`: the ones on screen from the copy, the others blank (not here).
fn pane_rows(copy: &ScreenCopy, start: usize, count: usize) -> Vec<SelectableRow> {
    let first = copy.first_visible();
    (start..start + count)
        .take_while(|row| *row < copy.total_rows())
        .map(
            |row| match row.checked_sub(first).and_then(|i| copy.rows.get(i)) {
                Some(data) => SelectableRow {
                    text: data.text_between(0, data.width()),
                    gutter: 0,
                    continues: data.wrapped,
                },
                None => SelectableRow {
                    text: String::new(),
                    gutter: 0,
                    continues: false,
                },
            },
        )
        .collect()
}

/// Content row of the top of the view.
pub fn first_visible(slot: &Slot, content: Rect, theme: &Theme) -> usize {
    match &slot.pane {
        Some(copy) => copy.first_visible(),
        None => super::layout::transcript_window(slot, content, theme).0,
    }
}

/// Every row the content has.
pub fn total_rows(slot: &Slot, content: Rect, theme: &Theme) -> usize {
    match &slot.pane {
        Some(copy) => copy.total_rows(),
        None => slot.transcript.height(content.width, theme),
    }
}

/// Rows `start..start + count` as selectable text.
pub fn rows(
    slot: &Slot,
    content: Rect,
    theme: &Theme,
    start: usize,
    count: usize,
) -> Vec<SelectableRow> {
    match &slot.pane {
        Some(copy) => pane_rows(copy, start, count),
        None => slot
            .transcript
            .window(content.width, theme, start, count)
            .iter()
            .map(super::transcript::VisualRow::selectable)
            .collect(),
    }
}

/// The rows on screen, with the content row of the first.
pub fn visible_rows(slot: &Slot, content: Rect, theme: &Theme) -> (usize, Vec<SelectableRow>) {
    let first = first_visible(slot, content, theme);
    (
        first,
        rows(slot, content, theme, first, content.height as usize),
    )
}

/// Copies what a selection covers (soft-wrapped rows joined, gutters skipped): at once when
/// this window holds every row, else after the server sends the pane's rows.
pub fn copy(state: &mut AppState, content: Rect, selection: Selection) -> Vec<Effect> {
    let theme = state.theme;
    let Some(slot) = state.slot(selection.slot) else {
        return Vec::new();
    };
    let (start, end) = selection.ordered();
    if let Some(copy) = &slot.pane {
        let first = copy.first_visible();
        let shown = first..first + copy.rows.len();
        if !(shown.contains(&start.row) && shown.contains(&end.row)) {
            state.pending_copy = Some(selection);
            state.notify("copying…");
            return vec![Effect::Send(Command::LoadPaneText {
                slot: selection.slot,
                start: start.row,
                count: end.row - start.row + 1,
            })];
        }
    }
    let rows = rows(slot, content, &theme, start.row, end.row - start.row + 1);
    finish_copy(state, extract(&rows, start.row, &selection))
}

/// The server sent a pane's rows for a waiting copy.
pub fn copy_fetched(
    state: &mut AppState,
    slot: SlotId,
    start: usize,
    rows: &[TextRow],
) -> Vec<Effect> {
    let Some(selection) = state.pending_copy.filter(|s| s.slot == slot) else {
        state.dirty = false;
        return Vec::new();
    };
    state.pending_copy = None;
    let rows: Vec<SelectableRow> = rows
        .iter()
        .map(|row| SelectableRow {
            text: row.text.clone(),
            gutter: 0,
            continues: row.wrapped,
        })
        .collect();
    finish_copy(state, extract(&rows, start, &selection))
}

fn finish_copy(state: &mut AppState, text: String) -> Vec<Effect> {
    if text.is_empty() {
        return Vec::new();
    }
    state.notify(format!("copied {} characters", text.chars().count()));
    vec![Effect::Copy(text)]
}

/// Scrolls by `rows` (positive: up into history), clamped.
pub fn scroll_by(state: &mut AppState, id: SlotId, content: Rect, rows: isize) -> Vec<Effect> {
    let theme = state.theme;
    let Some(slot) = state.slot_mut(id) else {
        return Vec::new();
    };
    if slot.pane.is_some() {
        return super::panes_ui::scroll(state, id, rows);
    }
    let max = super::layout::max_scroll(slot, content, &theme) as isize;
    slot.scroll = (slot.scroll as isize + rows).clamp(0, max) as usize;
    Vec::new()
}

/// Scrolls so that content row `row` is visible.
pub fn reveal(state: &mut AppState, id: SlotId, content: Rect, row: usize) -> Vec<Effect> {
    let theme = state.theme;
    let Some(slot) = state.slot(id) else {
        return Vec::new();
    };
    let first = first_visible(slot, content, &theme);
    let view = content.height as usize;
    if row < first {
        scroll_by(state, id, content, (first - row) as isize)
    } else if row >= first + view {
        scroll_by(state, id, content, -((row + 1 - first - view) as isize))
    } else {
        Vec::new()
    }
}
