//! The approval prompt: drawn over the bottom of the waiting agent's slot, with the command,
//! where it would run, why it needs asking, and the choices.

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Widget};

use super::put_lines;
use crate::tui::app::{AppState, Mode};
use crate::tui::commands::CommandId;
use crate::tui::keymap::KeyMode;
use crate::tui::text::{slice_chars, width, wrap_chars};

/// Draws the prompt for the focused slot's pending approval inside `cell`; returns the cursor
/// position while a denial reason is typed.
pub fn render(state: &AppState, cell: Rect, buf: &mut Buffer) -> Option<Position> {
    let theme = &state.theme;
    let approval = state.focused_slot()?.approval.as_ref()?;
    let inner_width = cell.width.saturating_sub(4).max(10) as usize;
    let command_rows: Vec<String> = approval
        .command
        .lines()
        .flat_map(|line| {
            wrap_chars(line, inner_width.saturating_sub(2))
                .into_iter()
                .map(move |span| slice_chars(line, span.start, span.end))
        })
        .take(6)
        .collect();
    let height = (command_rows.len() as u16 + 6).min(cell.height);
    let rect = Rect::new(
        cell.x + 1,
        cell.bottom().saturating_sub(height + 1),
        cell.width.saturating_sub(2),
        height,
    );
    Clear.render(rect, buf);
    let block = Block::bordered()
        .title(Line::styled(" Run this command? ", theme.warn()))
        .border_style(theme.warn());
    let inner = block.inner(rect);
    block.render(rect, buf);
    let mut lines: Vec<Line> = command_rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            Line::from(vec![
                Span::styled(if i == 0 { "$ " } else { "  " }, theme.hint_key()),
                Span::styled(row.clone(), theme.title()),
            ])
        })
        .collect();
    lines.push(Line::styled(format!("in {}", approval.cwd), theme.dim()));
    lines.push(Line::styled(
        format!("asking because {}", approval.reason),
        theme.dim(),
    ));
    let mut cursor = None;
    match &state.mode {
        Mode::DenyReason(reason) => {
            lines.push(Line::from(vec![
                Span::styled("reason: ", theme.warn()),
                Span::raw(reason.clone()),
            ]));
            let y = inner.y + (lines.len() as u16 - 1).min(inner.height.saturating_sub(1));
            cursor = Some(Position::new(
                inner.x + (8 + width(reason) as u16).min(inner.width - 1),
                y,
            ));
        }
        _ => {
            lines.extend(super::key_lines(
                state,
                KeyMode::Approval,
                &[
                    (CommandId::Approve, "once"),
                    (CommandId::ApproveForSession, "always this session"),
                    (CommandId::Deny, "deny"),
                    (CommandId::DenyWithReason, "deny with reason"),
                    (CommandId::DecideLater, "later"),
                ],
                inner.width as usize,
            ));
        }
    }
    put_lines(buf, inner, &lines);
    cursor
}
