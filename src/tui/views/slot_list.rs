//! The slot list: one row per slot with its number, name, status badge and unread marker.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Widget};

use super::{put_line, put_right};
use crate::tui::app::AppState;
use crate::tui::commands::CommandId;
use crate::tui::keymap::KeyMode;
use crate::tui::slots::SlotStatus;
use crate::tui::text::truncate;
use crate::tui::theme::Theme;

pub fn badge_style(theme: &Theme, status: &SlotStatus) -> Style {
    match status {
        SlotStatus::Running => theme.ok(),
        SlotStatus::Waiting => theme.warn(),
        SlotStatus::Idle | SlotStatus::Starting => theme.dim(),
        SlotStatus::Exited(Some(0)) | SlotStatus::Exited(None) => theme.fg(Color::Blue),
        SlotStatus::Exited(Some(_)) | SlotStatus::Error(_) => theme.error(),
    }
}

pub fn render(state: &AppState, area: Rect, buf: &mut Buffer) {
    let theme = &state.theme;
    let block = Block::bordered()
        .title(Line::styled(" Slots ", theme.title()))
        .border_style(theme.border(false));
    let inner = block.inner(area);
    block.render(area, buf);
    if state.slots.is_empty() {
        let mut hints = vec![Line::styled("no slots yet", theme.dim())];
        for (id, what) in [
            (CommandId::NewAgentSlot, " agent"),
            (CommandId::NewShellSlot, " shell"),
        ] {
            if let Some(key) = state.keymap.key(KeyMode::Workstation, id) {
                hints.push(Line::from(vec![
                    Span::styled(key, theme.hint_key()),
                    Span::styled(what, theme.dim()),
                ]));
            }
        }
        for (i, line) in hints.iter().enumerate() {
            if (i as u16) < inner.height {
                put_line(
                    buf,
                    inner.x + 1,
                    inner.y + i as u16,
                    line,
                    inner.width.saturating_sub(1),
                );
            }
        }
        return;
    }
    for (i, slot) in state.slots.iter().enumerate().take(inner.height as usize) {
        let y = inner.y + i as u16;
        let row = Rect::new(inner.x, y, inner.width, 1);
        let focused = state.focused == Some(slot.id);
        if focused {
            buf.set_style(row, theme.selected());
        }
        let badge = slot.status.label();
        let marker = if slot.unread { "•" } else { " " };
        let name_width = (inner.width as usize).saturating_sub(badge.len() + 5);
        let line = Line::from(vec![
            Span::styled(format!("{}", i + 1), theme.dim()),
            Span::styled(marker, theme.warn()),
            Span::raw(truncate(&slot.name, name_width)),
        ]);
        put_line(buf, inner.x, y, &line, inner.width);
        put_right(
            buf,
            row,
            &format!("{badge} "),
            badge_style(theme, &slot.status),
        );
    }
}
