//! The status line: slot count, store health or the latest notice, and key hints.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{put_line, put_right};
use crate::tui::app::{AppState, StoreHealth};

pub fn render(state: &AppState, area: Rect, buf: &mut Buffer) {
    let theme = &state.theme;
    let usage = state
        .focused_slot()
        .filter(|s| s.kind == crate::tui::slots::SlotKind::Agent)
        .map(|s| s.usage)
        .filter(|u| u.total() > 0)
        .map(|u| {
            format!(
                " · {} in / {} out",
                tokens(u.input_tokens),
                tokens(u.output_tokens)
            )
        })
        .unwrap_or_default();
    let model = state
        .model
        .as_deref()
        .map(|m| format!("{m}{usage} · "))
        .unwrap_or_default();
    let hints = format!("{model}Ctrl+P palette · F1 help · Ctrl+Q quit ");
    let hints = hints.as_str();
    let pane_focus = (state.focus == crate::tui::app::Focus::Pane)
        .then(|| state.focused_slot())
        .flatten();
    let left = match (&state.notice, pane_focus) {
        (None, Some(slot)) => Line::styled(
            format!(
                " ⌨ keys go to {} · {} back to the workstation",
                slot.name,
                state.leader.label()
            ),
            theme.ok(),
        ),
        (notice, _) => match notice {
            Some(notice) => Line::styled(
                format!(" {}", notice.text),
                if notice.error {
                    theme.error()
                } else {
                    theme.warn()
                },
            ),
            None => {
                let slots = state.slots.len();
                let store = match &state.store {
                    StoreHealth::Ok => Span::styled("store ok", theme.ok()),
                    StoreHealth::Failed(_) => Span::styled("store error", theme.error()),
                };
                Line::from(vec![
                    Span::raw(format!(
                        " {slots} slot{} · {} live · ",
                        if slots == 1 { "" } else { "s" },
                        state.live_slots()
                    )),
                    store,
                    Span::styled(format!(" · {}", state.layout.label()), theme.dim()),
                ])
            }
        },
    };
    let hint_width = crate::tui::text::width(hints) as u16;
    let room = area.width.saturating_sub(hint_width + 1);
    put_line(
        buf,
        area.x,
        area.y,
        &left,
        if room >= 20 { room } else { area.width },
    );
    if room >= 20 {
        put_right(buf, area, hints, theme.dim());
    }
}

/// `1234` → `1.2k`, `2_500_000` → `2.5M`.
fn tokens(n: u64) -> String {
    match n {
        n if n >= 1_000_000 => format!("{:.1}M", n as f64 / 1_000_000.0),
        n if n >= 1_000 => format!("{:.1}k", n as f64 / 1_000.0),
        n => n.to_string(),
    }
}
