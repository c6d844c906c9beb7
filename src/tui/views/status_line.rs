//! The status line: slot count, store health or the latest notice, and key hints.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{put_line, put_right};
use crate::tui::app::AppState;

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
    let model = state.model.as_deref().map(|m| format!("{m}{usage}"));
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
                    Span::styled(format!(" · {}", state.layout.label()), theme.dim()),
                ];
                spans.extend(tasks_span(state));
                Line::from(spans)
            }
        },
    };
    // What the right side shows, most first, whatever fits beside the left side: the model
    // (and whether it is the demo) matters more than key hints the welcome screen repeats.
    let hints = "Ctrl+P palette · F1 help · Ctrl+Q leave";
    let candidates: Vec<String> = match &model {
        Some(model) => vec![
            format!("{model} · {hints} "),
            format!("{model} · F1 help "),
            format!("{model} "),
            "F1 help ".to_owned(),
        ],
        None => vec![format!("{hints} "), "F1 help ".to_owned()],
    };
    let left_width = left.width() as u16;
    let right = candidates
        .into_iter()
        .find(|c| left_width + crate::tui::text::width(c) as u16 + 2 <= area.width)
        .unwrap_or_default();
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
