//! The composer view: the draft wrapped to the box, a hint when empty, the history search
//! prompt while Ctrl+R is active, and where the terminal cursor goes.

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Widget};

use super::put_line;
use crate::tui::app::{AppState, Mode};
use crate::tui::commands::CommandId;
use crate::tui::keymap::KeyMode;
use crate::tui::text::{slice_chars, width, wrap_chars};

/// Draws the composer and returns where the cursor should be shown.
pub fn render(state: &AppState, area: Rect, buf: &mut Buffer) -> Option<Position> {
    let theme = &state.theme;
    let target = match state.focused_slot() {
        Some(slot) if slot.kind == crate::tui::slots::SlotKind::Agent => slot.name.clone(),
        Some(slot) if slot.pane_running() => {
            format!("{} (typed into the program)", slot.name)
        }
        Some(slot) if slot.kind == crate::tui::slots::SlotKind::Pty => {
            format!("{} (its program ended)", slot.name)
        }
        _ => "new agent session".to_owned(),
    };
    if let Mode::HistorySearch(search) = &state.mode {
        let keys = super::hints(
            state,
            KeyMode::History,
            &[
                (CommandId::Accept, "use"),
                (CommandId::Close, "cancel"),
                (CommandId::OlderMatch, "older"),
                (CommandId::NewerMatch, "newer"),
            ],
            (area.width as usize).saturating_sub(20),
        );
        let block = Block::bordered()
            .title(Line::styled(
                format!(" History search · {keys} "),
                theme.title(),
            ))
            .border_style(theme.border(true));
        let inner = block.inner(area);
        block.render(area, buf);
        let found = search
            .found
            .and_then(|i| state.history.get(i))
            .map(|t| t.replace('\n', " ⏎ "));
        let line = Line::from(vec![
            Span::styled("search: ", theme.dim()),
            Span::raw(search.query.clone()),
        ]);
        put_line(buf, inner.x, inner.y, &line, inner.width);
        if inner.height > 1 {
            let result = match found {
                Some(text) => Line::raw(text),
                None => Line::styled("no match", theme.dim()),
            };
            put_line(buf, inner.x, inner.y + 1, &result, inner.width);
        }
        let cursor_x =
            inner.x + (8 + width(&search.query) as u16).min(inner.width.saturating_sub(1));
        return Some(Position::new(cursor_x, inner.y));
    }
    let focused = matches!(state.mode, Mode::Normal);
    let block = Block::bordered()
        .title(Line::from(vec![
            Span::styled(" Prompt ", theme.title()),
            Span::styled(format!("→ {target} "), theme.dim()),
        ]))
        .border_style(theme.border(focused));
    let inner = block.inner(area);
    block.render(area, buf);
    if state.composer.is_empty() {
        let prefix = "Type a prompt: ";
        let keys = super::hints(
            state,
            KeyMode::Composer,
            &[
                (CommandId::Submit, "sends"),
                (CommandId::InsertNewline, "new line"),
                (CommandId::HistorySearch, "history"),
            ],
            (inner.width as usize).saturating_sub(width(prefix)),
        );
        let text = format!("{prefix}{keys}");
        let hint = Line::styled(text, theme.dim());
        put_line(buf, inner.x, inner.y, &hint, inner.width);
        return focused.then(|| Position::new(inner.x, inner.y));
    }
    // Wrap every line, remember where the cursor lands, then show the rows around it.
    let text_width = inner.width.max(1) as usize;
    let cursor = state.composer.cursor();
    let mut rows: Vec<String> = Vec::new();
    let mut cursor_at = (0usize, 0u16);
    for (index, line) in state.composer.lines().iter().enumerate() {
        let spans = wrap_chars(line, text_width);
        for (i, span) in spans.iter().enumerate() {
            let text = slice_chars(line, span.start, span.end);
            let last = i + 1 == spans.len();
            if index == cursor.row
                && cursor.col >= span.start
                && (cursor.col < span.end || (last && cursor.col == span.end))
            {
                let before = slice_chars(line, span.start, cursor.col);
                cursor_at = (rows.len(), width(&before) as u16);
            }
            rows.push(text);
        }
    }
    let view = inner.height as usize;
    let first = (cursor_at.0 + 1).saturating_sub(view);
    for (i, row) in rows.iter().skip(first).take(view).enumerate() {
        put_line(
            buf,
            inner.x,
            inner.y + i as u16,
            &Line::raw(row.as_str()),
            inner.width,
        );
    }
    let (row, col) = cursor_at;
    let x = inner.x + col.min(inner.width.saturating_sub(1));
    let y = inner.y + (row - first) as u16;
    focused.then(|| Position::new(x, y))
}
