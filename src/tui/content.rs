//! A slot's content as rows of text, whatever the slot holds — an agent's transcript or a
//! pane's screen and history — so selection, copy mode and scrolling work the same over both.
//! Rows are counted from the first row of the content: for a transcript its first wrapped row,
//! for a pane the oldest line of its scrollback.

use ratatui::layout::Rect;

use super::selection::{SelectableRow, Selection, extract};
use super::slots::{PaneHandle, Slot};
use super::theme::Theme;
use crate::pty::{PaneScreen, ScrollOffset};

/// Rows of a pane from `start` (oldest scrollback line = 0), read by scrolling the view over
/// them and back.
fn pane_rows(pane: &PaneHandle, start: usize, count: usize) -> Vec<SelectableRow> {
    pane.with_screen_mut(|screen| {
        let saved = screen.scroll_offset();
        let history = screen.scrollback_len();
        let size = screen.size();
        let mut out = Vec::with_capacity(count);
        let mut line = start;
        while out.len() < count && line < history + size.rows as usize {
            // Put `line` at the top of the view (or as high as the history allows).
            let offset = history.saturating_sub(line);
            screen.set_scroll_offset(ScrollOffset(offset));
            let top = history - screen.scroll_offset().0;
            let skip = line - top;
            for row in skip..size.rows as usize {
                if out.len() == count {
                    break;
                }
                out.push(screen_row(screen, row as u16));
                line += 1;
            }
        }
        screen.set_scroll_offset(saved);
        out
    })
}

fn screen_row(screen: &PaneScreen, row: u16) -> SelectableRow {
    SelectableRow {
        text: screen.row_text(row, 0..screen.size().cols),
        gutter: 0,
        continues: screen.is_wrapped(row),
    }
}

/// Content row of the top of the view.
pub fn first_visible(slot: &Slot, content: Rect, theme: &Theme) -> usize {
    match &slot.pane {
        Some(pane) => pane.with_screen(first_visible_row),
        None => super::layout::transcript_window(slot, content, theme).0,
    }
}

/// Content row of the top of a pane's view (its history first, then the screen).
pub fn first_visible_row(screen: &PaneScreen) -> usize {
    let history = screen.scrollback_len();
    history - screen.scroll_offset().0.min(history)
}

/// Every row the content has.
pub fn total_rows(slot: &Slot, content: Rect, theme: &Theme) -> usize {
    match &slot.pane {
        Some(pane) => pane.with_screen(|s| s.scrollback_len() + s.size().rows as usize),
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
        Some(pane) => pane_rows(pane, start, count),
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

/// The text a selection covers (soft-wrapped rows joined, gutters skipped).
pub fn selected_text(slot: &Slot, content: Rect, theme: &Theme, selection: &Selection) -> String {
    let (start, end) = selection.ordered();
    let rows = rows(slot, content, theme, start.row, end.row - start.row + 1);
    extract(&rows, start.row, selection)
}

/// Scrolls by `rows` (positive: up into history), clamped.
pub fn scroll_by(slot: &mut Slot, content: Rect, theme: &Theme, rows: isize) {
    match &slot.pane {
        Some(pane) => {
            pane.with_screen_mut(|s| s.scroll_by(rows));
        }
        None => {
            let max = super::layout::max_scroll(slot, content, theme) as isize;
            slot.scroll = (slot.scroll as isize + rows).clamp(0, max) as usize;
        }
    }
}

/// Scrolls so that content row `row` is visible.
pub fn reveal(slot: &mut Slot, content: Rect, theme: &Theme, row: usize) {
    let first = first_visible(slot, content, theme);
    let view = content.height as usize;
    if row < first {
        scroll_by(slot, content, theme, (first - row) as isize);
    } else if row >= first + view {
        scroll_by(slot, content, theme, -((row + 1 - first - view) as isize));
    }
}
