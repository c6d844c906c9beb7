//! The status line: slot count, store health or the latest notice, and key hints.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{put_line, put_right};
use crate::protocol::SearchDirection;
use crate::tui::app::AppState;
use crate::tui::commands::CommandId;
use crate::tui::keymap::KeyMode;
use crate::tui::pane_search::says;

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
    let pane_focus = (state.focus == crate::tui::app::Focus::Pane)
        .then(|| state.focused_slot())
        .flatten();
    let prompt = match &state.mode {
        crate::tui::app::Mode::PaneSearch(prompt) => Some(prompt),
        _ => None,
    };
    let left = match (&state.notice, pane_focus) {
        // The search prompt is what is being typed: it wins over any notice.
        _ if prompt.is_some() => {
            let prompt = prompt.map_or((says::prompt(SearchDirection::Older), ""), |p| {
                (says::prompt(p.direction), p.query.as_str())
            });
            // A query wider than the line shows its end, where the typing is.
            let room = (area.width as usize).saturating_sub(crate::tui::text::width(prompt.0) + 2);
            Line::from(vec![
                Span::styled(format!(" {}", prompt.0), theme.warn()),
                Span::raw(crate::tui::text::tail(prompt.1, room)),
                Span::styled(" ", theme.selected()),
            ])
        }
        (None, Some(slot)) => Line::styled(
            format!(
                " ⌨ keys go to {} · {} back to the workstation",
                slot.name,
                state.leader().key_label()
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
                let health = match state.failures.first() {
                    None => Span::styled("ok", theme.ok()),
                    Some((scope, _)) => {
                        Span::styled(format!("{} error", scope.label()), theme.error())
                    }
                };
                let mut spans = vec![
                    Span::raw(format!(
                        " {slots} slot{} · {} live · ",
                        if slots == 1 { "" } else { "s" },
                        state.live_slots()
                    )),
                    health,
                ];
                // The layout only means something with more than one slot to lay out.
                if slots > 1 {
                    spans.push(Span::styled(
                        format!(" · {}", state.layout.label()),
                        theme.dim(),
                    ));
                }
                spans.extend(tasks_span(state));
                Line::from(spans)
            }
        },
    };
    // What the right side shows, most first, whatever fits beside the left side in whole
    // parts: the model (and whether it is the demo) matters more than key hints the welcome
    // screen repeats, and token use less than the model.
    let room = (area.width as usize).saturating_sub(left.width() + 2);
    let mut parts: Vec<String> = Vec::new();
    // While the search prompt is open its keys matter more than the model.
    if let Some(label) = state.model.as_ref().filter(|_| prompt.is_none()) {
        parts.push(label.clone());
    }
    let hints = if prompt.is_some() {
        state.keymap.hints(
            KeyMode::PaneSearch,
            &[(CommandId::Accept, "finds"), (CommandId::Close, "cancels")],
        )
    } else {
        state.keymap.hints(
            KeyMode::Workstation,
            &[
                (CommandId::ToggleHelp, "help"),
                (CommandId::OpenPalette, "palette"),
                (CommandId::Quit, "leave"),
            ],
        )
    };
    let mut right = super::fit(&parts, " · ", room);
    if !usage.is_empty()
        && crate::tui::text::width(&right) + crate::tui::text::width(&usage) <= room
    {
        right.push_str(&usage);
    }
    // While a pane has the keys these keys go to its program: only the way back is shown.
    let hints = if pane_focus.is_some() {
        Vec::new()
    } else {
        hints
    };
    for hint in hints {
        let candidate = if right.is_empty() {
            hint
        } else {
            format!("{right} · {hint}")
        };
        if crate::tui::text::width(&candidate) + 1 > room {
            break;
        }
        right = candidate;
    }
    let right = if right.is_empty() {
        right
    } else {
        format!("{right} ")
    };
    let right_width = crate::tui::text::width(&right) as u16;
    put_line(
        buf,
        area.x,
        area.y,
        &left,
        area.width.saturating_sub(right_width),
    );
    put_right(buf, area, &right, theme.dim());
}

/// The board's counts and how many things wait for a person (tasks at an approval or a
/// gate, slots whose agent asks to run a command); nothing when there is nothing to say.
fn tasks_span(state: &AppState) -> Vec<Span<'static>> {
    let board = &state.tasks;
    let waiting = board.waiting() + state.slots.iter().filter(|s| s.approval.is_some()).count();
    let mut out = Vec::new();
    if !board.tasks.is_empty() {
        out.push(Span::raw(format!(
            " · tasks {} running {} queued",
            board.running(),
            board.count(crate::event::TaskState::Queued)
        )));
    }
    if waiting > 0 {
        out.push(Span::styled(
            format!(" · {waiting} waiting for you"),
            state.theme.warn(),
        ));
    }
    out
}

/// `1234` → `1.2k`, `2_500_000` → `2.5M`.
fn tokens(n: u64) -> String {
    match n {
        n if n >= 1_000_000 => format!("{:.1}M", n as f64 / 1_000_000.0),
        n if n >= 1_000 => format!("{:.1}k", n as f64 / 1_000.0),
        n => n.to_string(),
    }
}
