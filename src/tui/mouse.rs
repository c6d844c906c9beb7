//! Mouse input: click a slot to focus it, drag to select text in the focused slot, double-click
//! a word, triple-click a line, wheel to scroll. Released selections are copied (OSC 52).

use std::time::Instant;

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

use super::app::{AppState, Effect};
use super::layout;
use super::selection::{Point, Selection};
use super::update::focus;

/// Rows one wheel notch scrolls.
const WHEEL_ROWS: usize = 3;

pub fn on_mouse(state: &mut AppState, event: MouseEvent, at: Instant) -> Vec<Effect> {
    let Some(areas) = layout::areas(state) else {
        state.dirty = false;
        return Vec::new();
    };
    let pos = Position::new(event.column, event.row);
    if let Some(effects) = super::panes_ui::mouse(state, &event) {
        return effects;
    }
    // A press in another visible slot's cell focuses it (and gives a pane its keys).
    if let MouseEventKind::Down(MouseButton::Left) = event.kind
        && let Some((slot, _)) = areas.cells.iter().find(|(_, r)| r.contains(pos)).copied()
    {
        if state.focused != Some(slot) {
            focus(state, slot);
        }
        if state.slot(slot).is_some_and(|s| s.pane.is_some()) {
            state.focus = super::app::Focus::Pane;
        }
    }
    let Some(areas) = layout::areas(state) else {
        return Vec::new();
    };
    let content = areas.content();
    match event.kind {
        MouseEventKind::Down(MouseButton::Left) => {
            if let Some(list) = areas.slot_list.filter(|r| r.contains(pos)) {
                click_slot_list(state, list, pos);
                return Vec::new();
            }
            if content.contains(pos) && state.focused.is_some() {
                return press(state, content, pos, at);
            }
            state.selection = None;
            Vec::new()
        }
        MouseEventKind::Drag(MouseButton::Left) => drag(state, content, pos),
        MouseEventKind::Up(MouseButton::Left) => release(state, content),
        MouseEventKind::ScrollUp if areas.main.contains(pos) => {
            scroll(state, content, WHEEL_ROWS as isize)
        }
        MouseEventKind::ScrollDown if areas.main.contains(pos) => {
            scroll(state, content, -(WHEEL_ROWS as isize))
        }
        _ => {
            state.dirty = false;
            Vec::new()
        }
    }
}

fn click_slot_list(state: &mut AppState, list: Rect, pos: Position) {
    let row = pos.y.saturating_sub(list.y + 1) as usize;
    if pos.y > list.y
        && let Some(id) = state.slots.get(row).map(|s| s.id)
    {
        focus(state, id);
    }
}

/// The content point under `pos`, clamped into the content area.
fn point(state: &AppState, content: Rect, pos: Position) -> Option<Point> {
    let slot = state.focused_slot()?;
    let first = super::content::first_visible(slot, content, &state.theme);
    let y = pos.y.clamp(content.y, content.bottom().saturating_sub(1));
    let x = pos.x.clamp(content.x, content.right().saturating_sub(1));
    Some(Point {
        row: first + (y - content.y) as usize,
        col: x - content.x,
    })
}

fn press(state: &mut AppState, content: Rect, pos: Position, at: Instant) -> Vec<Effect> {
    let Some(slot_id) = state.focused else {
        return Vec::new();
    };
    let Some(point) = point(state, content, pos) else {
        return Vec::new();
    };
    let clicks = state.clicks.click(at, pos.x, pos.y);
    let (first, rows) = match state.focused_slot() {
        Some(slot) => super::content::visible_rows(slot, content, &state.theme),
        None => return Vec::new(),
    };
    let row = rows.get(point.row - first).cloned().unwrap_or_default();
    let (anchor, head) = match clicks {
        1 => (point, point),
        2 => {
            let (a, b) = row.word_at(point.col);
            (Point { col: a, ..point }, Point { col: b, ..point })
        }
        _ => (
            Point {
                col: row.gutter,
                ..point
            },
            Point {
                col: row.end().saturating_sub(1).max(row.gutter),
                ..point
            },
        ),
    };
    state.selection = Some(Selection {
        slot: slot_id,
        anchor,
        head,
    });
    if clicks > 1 {
        return copy_selection(state, content);
    }
    Vec::new()
}

fn drag(state: &mut AppState, content: Rect, pos: Position) -> Vec<Effect> {
    if state.selection.is_none() {
        state.dirty = false;
        return Vec::new();
    }
    // Dragging past the top or bottom edge scrolls, so selections can span more than a screen.
    let effects = if pos.y < content.y {
        scroll(state, content, 1)
    } else if pos.y >= content.bottom() {
        scroll(state, content, -1)
    } else {
        Vec::new()
    };
    if let Some(point) = point(state, content, pos)
        && let Some(selection) = &mut state.selection
    {
        selection.head = point;
    }
    effects
}

fn release(state: &mut AppState, content: Rect) -> Vec<Effect> {
    match &state.selection {
        Some(selection) if !selection.is_empty() => copy_selection(state, content),
        _ => {
            state.selection = None;
            Vec::new()
        }
    }
}

fn copy_selection(state: &mut AppState, content: Rect) -> Vec<Effect> {
    let Some(selection) = state.selection else {
        return Vec::new();
    };
    super::content::copy(state, content, selection)
}

fn scroll(state: &mut AppState, content: Rect, rows: isize) -> Vec<Effect> {
    match state.focused {
        Some(id) => super::content::scroll_by(state, id, content, rows),
        None => Vec::new(),
    }
}
