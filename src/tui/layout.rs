//! Where everything goes, as a pure function of the state and the terminal size. Rendering and
//! mouse hit-testing both use it, so a click always lands where the eye sees it.

use ratatui::layout::Rect;

use super::app::{AppState, Size};
use super::selection::SelectableRow;
use super::slots::{Slot, SlotId};
use super::text::wrap_chars;
use super::theme::Theme;
use super::transcript::VisualRow;

/// Below this the workstation shows a "too small" notice instead of its layout: the smallest
/// size at which a slot list, a useful main area and a composer still fit.
pub const MIN_COLS: u16 = 40;
pub const MIN_ROWS: u16 = 8;

/// Composer rows at most, so a long draft never hides the slot it is written for.
const COMPOSER_MAX_ROWS: u16 = 10;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Areas {
    pub slot_list: Option<Rect>,
    pub main: Rect,
    /// The slots shown in the main area and where (one in zoom, up to four in a grid).
    pub cells: Vec<(SlotId, Rect)>,
    /// The focused slot's cell.
    pub focused: Option<Rect>,
    pub composer: Rect,
    pub status: Rect,
}

impl Areas {
    /// The focused slot's cell inside its border: where its content is drawn and selected.
    pub fn content(&self) -> Rect {
        inner(self.focused.unwrap_or(self.main))
    }

    /// The cell a slot is shown in, if visible.
    pub fn cell(&self, slot: SlotId) -> Option<Rect> {
        self.cells
            .iter()
            .find(|(id, _)| *id == slot)
            .map(|(_, rect)| *rect)
    }
}

/// The slots the main area shows: the most recently focused ones (as many as the layout has
/// cells), in slot-list order so they do not jump around when focus moves between them.
pub fn visible_slots(state: &AppState) -> Vec<SlotId> {
    let mut shown: Vec<SlotId> = state
        .mru
        .iter()
        .copied()
        .filter(|id| state.slot(*id).is_some())
        .take(state.layout.cells())
        .collect();
    if shown.is_empty()
        && let Some(id) = state.focused
    {
        shown.push(id);
    }
    shown.sort_by_key(|id| state.slots.iter().position(|s| s.id == *id));
    shown
}

/// Splits the main area into `n` cells: side by side for two (stacked when narrow), 2×2 for
/// four, two above one for three.
fn cell_rects(main: Rect, n: usize) -> Vec<Rect> {
    let half_w = main.width / 2;
    let half_h = main.height / 2;
    let left = Rect::new(main.x, main.y, half_w, main.height);
    let right = Rect::new(main.x + half_w, main.y, main.width - half_w, main.height);
    let top = |r: Rect| Rect::new(r.x, r.y, r.width, half_h);
    let bottom = |r: Rect| Rect::new(r.x, r.y + half_h, r.width, r.height - half_h);
    match n {
        0 | 1 => vec![main],
        2 if main.width >= 80 => vec![left, right],
        2 => vec![top(main), bottom(main)],
        3 => vec![top(left), top(right), bottom(main)],
        _ => vec![top(left), top(right), bottom(left), bottom(right)],
    }
}

/// A rect shrunk by a one-cell border.
pub fn inner(rect: Rect) -> Rect {
    Rect {
        x: rect.x.saturating_add(1),
        y: rect.y.saturating_add(1),
        width: rect.width.saturating_sub(2),
        height: rect.height.saturating_sub(2),
    }
}

/// Width of the slot list for a terminal `cols` wide (none on narrow terminals).
fn slot_list_width(cols: u16) -> Option<u16> {
    match cols {
        c if c >= 160 => Some(32),
        c if c >= 100 => Some(26),
        c if c >= 70 => Some(22),
        _ => None,
    }
}

/// The composer's height for its current text at `width` (border included).
pub fn composer_height(state: &AppState, width: u16, rows: u16) -> u16 {
    let text_width = width.saturating_sub(2).max(1) as usize;
    let lines: usize = state
        .composer
        .lines()
        .iter()
        .map(|line| wrap_chars(line, text_width).len())
        .sum();
    // History search shows the query and, below it, the match as it is typed.
    let lines = if matches!(state.mode, super::app::Mode::HistorySearch(_)) {
        lines.max(2)
    } else {
        lines
    };
    let max = COMPOSER_MAX_ROWS.min(rows / 3).max(4);
    (lines as u16 + 2).clamp(3, max)
}

/// The layout for the state's terminal size, or `None` when it is too small.
pub fn areas(state: &AppState) -> Option<Areas> {
    areas_for(state, state.size)
}

/// The layout for a terminal of `size`, or `None` when it is too small for it.
pub fn areas_for(state: &AppState, size: Size) -> Option<Areas> {
    let (cols, rows) = (size.cols, size.rows);
    if cols < MIN_COLS || rows < MIN_ROWS {
        return None;
    }
    let status = Rect::new(0, rows - 1, cols, 1);
    let list_width = slot_list_width(cols).filter(|_| !state.sidebar_hidden);
    let right_x = list_width.unwrap_or(0);
    let right_width = cols - right_x;
    let composer_h = composer_height(state, right_width, rows);
    let composer = Rect::new(right_x, rows - 1 - composer_h, right_width, composer_h);
    let main = Rect::new(right_x, 0, right_width, rows - 1 - composer_h);
    let slot_list = list_width.map(|w| Rect::new(0, 0, w, rows - 1));
    let shown = visible_slots(state);
    let cells: Vec<(SlotId, Rect)> = shown
        .iter()
        .copied()
        .zip(cell_rects(main, shown.len()))
        .collect();
    let focused = state.focused.and_then(|id| {
        cells
            .iter()
            .find(|(cell, _)| *cell == id)
            .map(|(_, rect)| *rect)
    });
    Some(Areas {
        slot_list,
        main,
        cells,
        focused,
        composer,
        status,
    })
}

/// The rows of a slot's transcript visible in `content`, with the content row of the first.
/// Scrolling is counted from the bottom and clamped to the history.
pub fn transcript_window(slot: &Slot, content: Rect, theme: &Theme) -> (usize, Vec<VisualRow>) {
    let height = slot.transcript.height(content.width, theme);
    let view = content.height as usize;
    let scroll = slot.scroll.min(height.saturating_sub(view));
    let first = height.saturating_sub(view + scroll);
    (
        first,
        slot.transcript.window(content.width, theme, first, view),
    )
}

/// The size each visible PTY slot's program should see: its cell inside the border.
pub fn pane_sizes(state: &AppState) -> Vec<(SlotId, crate::pty::PaneSize)> {
    let Some(areas) = areas(state) else {
        return Vec::new();
    };
    areas
        .cells
        .iter()
        .filter(|(id, _)| state.slot(*id).is_some_and(|s| s.pane.is_some()))
        .map(|(id, rect)| {
            let content = inner(*rect);
            (
                *id,
                crate::pty::PaneSize {
                    rows: content.height,
                    cols: content.width,
                },
            )
        })
        .collect()
}

/// Rows of the focused slot's visible content as selectable text.
pub fn selectable_rows(slot: &Slot, content: Rect, theme: &Theme) -> (usize, Vec<SelectableRow>) {
    let (first, rows) = transcript_window(slot, content, theme);
    (first, rows.iter().map(VisualRow::selectable).collect())
}

/// The largest useful scroll offset of a slot in `content`.
pub fn max_scroll(slot: &Slot, content: Rect, theme: &Theme) -> usize {
    slot.transcript
        .height(content.width, theme)
        .saturating_sub(content.height as usize)
}
