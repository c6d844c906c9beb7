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

use super::app::AppState;
use super::commands::CommandId;
use super::keymap::KeyMode;
use super::text;

/// Key hints for `mode` ("Enter run · Esc close") from the keymap, so a rebound key is named
/// as it is; parts whose command has no key are left out, and parts that do not fit in
/// `room` cells are dropped whole from the end (never cut mid-word).
pub fn hints(state: &AppState, mode: KeyMode, items: &[(CommandId, &str)], room: usize) -> String {
    fit(&state.keymap.hints(mode, items), " · ", room)
}

/// Keys and what they do, flowed over as many lines of `room` cells as they need (whole
/// items only), each key in the hint style: dialogs use this so no key is ever cut off.
pub fn key_lines(
    state: &AppState,
    mode: KeyMode,
    items: &[(CommandId, &str)],
    room: usize,
) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let mut lines = Vec::new();
    let mut spans: Vec<ratatui::text::Span<'static>> = Vec::new();
    let mut used = 0usize;
    for (id, what) in items {
        let Some(key) = state.keymap.key(mode, *id) else {
            continue;
        };
        let item = text::width(&key) + 1 + text::width(what);
        let gap = if spans.is_empty() { 0 } else { 3 };
        if used > 0 && used + gap + item > room {
            lines.push(Line::from(std::mem::take(&mut spans)));
            used = 0;
        }
        if used > 0 {
            spans.push(ratatui::text::Span::raw("   "));
            used += 3;
        }
        spans.push(ratatui::text::Span::styled(key, theme.hint_key()));
        spans.push(ratatui::text::Span::raw(format!(" {what}")));
        used += item;
    }
    if !spans.is_empty() {
        lines.push(Line::from(spans));
    }
    lines
}

/// `parts` joined with `sep`, as many whole parts as fit in `room` cells.
pub fn fit(parts: &[String], sep: &str, room: usize) -> String {
    let mut out = String::new();
    for part in parts {
        let extra = if out.is_empty() {
            text::width(part)
        } else {
            text::width(sep) + text::width(part)
        };
        if text::width(&out) + extra > room {
            break;
        }
        if !out.is_empty() {
            out.push_str(sep);
        }
        out.push_str(part);
    }
    out
}

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

#[cfg(test)]
mod tests {
    #[test]
    fn fit_drops_whole_parts() {
        let parts = vec!["Enter run".to_owned(), "Esc close".to_owned()];
        assert_eq!(super::fit(&parts, " · ", 100), "Enter run · Esc close");
        assert_eq!(super::fit(&parts, " · ", 15), "Enter run");
        assert_eq!(super::fit(&parts, " · ", 3), "");
    }
}
