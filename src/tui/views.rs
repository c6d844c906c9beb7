//! One file per view. Each is a pure function of the state into a buffer region.

pub mod approval;
pub mod board;
pub mod composer;
pub mod diff;
pub mod main_area;
pub mod overlays;
pub mod pane;
pub mod picker;
pub mod slot_list;
pub mod status_line;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;

use super::text;

/// Writes `line` clipped to `width` cells at `(x, y)`.
pub fn put_line(buf: &mut Buffer, x: u16, y: u16, line: &Line<'_>, width: u16) {
    if width > 0 {
        buf.set_line(x, y, line, width);
    }
}

/// Writes `lines` one per row from the top of `area`, each clipped to its width; lines past
/// its height are dropped.
pub fn put_lines<'a>(buf: &mut Buffer, area: Rect, lines: impl IntoIterator<Item = &'a Line<'a>>) {
    for (row, line) in (area.y..area.bottom()).zip(lines) {
        put_line(buf, area.x, row, line, area.width);
    }
}

/// Writes `text` right-aligned inside `area`'s first row.
pub fn put_right(buf: &mut Buffer, area: Rect, text: &str, style: Style) {
    let w = text::width(text) as u16;
    if w <= area.width {
        buf.set_string(area.right() - w, area.y, text, style);
    }
}

/// A rect of at most `width`×`height` centred in `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}
