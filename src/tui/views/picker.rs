//! The resume/fork picker: a full-screen list with search, filters and a preview; for fork, a
//! second stage listing the chosen session's turns.

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Widget};

use super::{put_line, put_right};
use crate::tui::app::AppState;
use crate::tui::commands::CommandId;
use crate::tui::keymap::KeyMode;
use crate::tui::picker::{Picker, PickerStatus, TurnChoice};
use crate::tui::text::{truncate, width};
use crate::tui::theme::Theme;

/// Wide enough for the preview beside the list; narrower terminals put it below.
const SIDE_PREVIEW_COLS: u16 = 120;

fn status_style(theme: &Theme, status: PickerStatus) -> ratatui::style::Style {
    match status {
        PickerStatus::Live => theme.ok(),
        PickerStatus::Interrupted => theme.warn(),
        PickerStatus::Failed => theme.error(),
        PickerStatus::Idle | PickerStatus::Exited | PickerStatus::Closed => theme.dim(),
    }
}

/// Draws the picker over everything; returns the cursor position in its query line.
pub fn render(state: &AppState, picker: &Picker, area: Rect, buf: &mut Buffer) -> Option<Position> {
    let theme = &state.theme;
    Clear.render(area, buf);
    let filters = format!(
        " {} sessions · {} · {} ",
        picker.visible.len(),
        if picker.this_directory_only() {
            "this directory"
        } else {
            "all directories"
        },
        if picker.include_finished {
            "with finished"
        } else {
            "without finished"
        },
    );
    let room = (area.width as usize).saturating_sub(4);
    let hints = match (&picker.turn_choice, picker.purpose) {
        (Some(_), _) => super::hints(
            state,
            KeyMode::PickerTurns,
            &[
                (CommandId::Down, "turn"),
                (CommandId::Accept, "fork after it"),
                (CommandId::Close, "back"),
            ],
            room,
        ),
        (None, purpose) => super::hints(
            state,
            KeyMode::Picker,
            &[
                (CommandId::Down, "select"),
                (
                    CommandId::Accept,
                    match purpose {
                        crate::tui::picker::PickerPurpose::Fork => "choose turn",
                        crate::tui::picker::PickerPurpose::Resume => "resume",
                    },
                ),
                (CommandId::Close, "close"),
                (CommandId::ToggleHere, "dir"),
                (CommandId::ToggleFinished, "finished"),
            ],
            room,
        ),
    };
    let hints = format!(" {hints} ");
    let block = Block::bordered()
        .title(Line::from(vec![
            Span::styled(format!(" {} ", picker.purpose.title()), theme.title()),
            Span::styled(filters, theme.dim()),
        ]))
        .title_bottom(Line::styled(hints, theme.dim()))
        .border_style(theme.border(true));
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height < 3 || inner.width < 20 {
        return None;
    }
    let query = Line::from(vec![
        Span::styled("› ", theme.hint_key()),
        Span::raw(picker.query.clone()),
    ]);
    put_line(buf, inner.x, inner.y, &query, inner.width);
    let cursor = Position::new(
        inner.x + (2 + width(&picker.query) as u16).min(inner.width.saturating_sub(1)),
        inner.y,
    );
    let body = Rect::new(inner.x, inner.y + 1, inner.width, inner.height - 1);
    let (list, preview) = split(body);
    match &picker.turn_choice {
        Some(choice) => render_turns(theme, choice, list, buf),
        None => render_list(state, picker, list, buf),
    }
    if let Some(preview) = preview {
        render_preview(state, picker, preview, buf);
    }
    picker.turn_choice.is_none().then_some(cursor)
}

fn split(body: Rect) -> (Rect, Option<Rect>) {
    if body.width >= SIDE_PREVIEW_COLS {
        let list_width = body.width * 3 / 5;
        (
            Rect::new(body.x, body.y, list_width, body.height),
            Some(Rect::new(
                body.x + list_width,
                body.y,
                body.width - list_width,
                body.height,
            )),
        )
    } else if body.height >= 20 {
        let list_height = body.height * 3 / 5;
        (
            Rect::new(body.x, body.y, body.width, list_height),
            Some(Rect::new(
                body.x,
                body.y + list_height,
                body.width,
                body.height - list_height,
            )),
        )
    } else {
        (body, None)
    }
}

fn render_list(state: &AppState, picker: &Picker, area: Rect, buf: &mut Buffer) {
    let theme = &state.theme;
    if picker.loading {
        put_line(
            buf,
            area.x + 1,
            area.y,
            &Line::styled("reading sessions…", theme.dim()),
            area.width,
        );
        return;
    }
    if picker.visible.is_empty() {
        let text = if picker.rows.is_empty() {
            "no sessions yet".to_owned()
        } else {
            let keys = super::hints(
                state,
                KeyMode::Picker,
                &[
                    (CommandId::ToggleHere, "all directories"),
                    (CommandId::ToggleFinished, "include finished"),
                ],
                (area.width as usize).saturating_sub(24),
            );
            format!("no session matches ({keys})")
        };
        put_line(
            buf,
            area.x + 1,
            area.y,
            &Line::styled(text, theme.dim()),
            area.width,
        );
        return;
    }
    let header = format!(
        "  {:<11} {:<5} {:>7} {:>4}  TITLE · DIRECTORY",
        "STATUS", "KIND", "EVENTS", "AGE"
    );
    put_line(
        buf,
        area.x,
        area.y,
        &Line::styled(header, theme.dim()),
        area.width,
    );
    let rows = Rect::new(
        area.x,
        area.y + 1,
        area.width,
        area.height.saturating_sub(1),
    );
    let view = rows.height as usize;
    let first = (picker.selected + 1).saturating_sub(view);
    for (n, (index, highlight)) in picker.visible.iter().enumerate().skip(first).take(view) {
        let row = &picker.rows[*index];
        let y = rows.y + (n - first) as u16;
        let line_rect = Rect::new(rows.x, y, rows.width, 1);
        if n == picker.selected {
            buf.set_style(line_rect, theme.selected());
        }
        let lead = format!(
            "  {:<11} {:<5} {:>7} {:>4}  ",
            row.status.label(),
            row.kind.label(),
            row.events,
            row.updated_at.age(state.now)
        );
        let room = (rows.width as usize).saturating_sub(width(&lead));
        let title = truncate(&row.title, room.min(60));
        let mut spans = vec![
            Span::raw("  "),
            Span::styled(
                format!("{:<11}", row.status.label()),
                status_style(theme, row.status),
            ),
            Span::raw(&lead[13..]),
        ];
        spans.extend(title.chars().enumerate().map(|(i, c)| {
            if highlight.contains(&i) {
                Span::styled(c.to_string(), theme.matched())
            } else {
                Span::raw(c.to_string())
            }
        }));
        let used = width(&lead) + width(&title);
        if used + 4 < rows.width as usize {
            let dir = match &row.branch {
                Some(branch) => format!("  {} [{branch}]", row.cwd),
                None => format!("  {}", row.cwd),
            };
            spans.push(Span::styled(
                truncate(&dir, rows.width as usize - used),
                theme.dim(),
            ));
        }
        put_line(buf, rows.x, y, &Line::from(spans), rows.width);
    }
}

fn render_turns(theme: &Theme, choice: &TurnChoice, area: Rect, buf: &mut Buffer) {
    put_line(
        buf,
        area.x,
        area.y,
        &Line::styled(
            format!("  Fork {} after which turn?", truncate(&choice.title, 50)),
            theme.title(),
        ),
        area.width,
    );
    if choice.turns.is_empty() {
        let line = Line::styled("  no turns: Enter forks after the last event", theme.dim());
        put_line(buf, area.x, area.y + 1, &line, area.width);
        return;
    }
    let rows = Rect::new(
        area.x,
        area.y + 1,
        area.width,
        area.height.saturating_sub(1),
    );
    let view = rows.height as usize;
    let first = (choice.selected + 1).saturating_sub(view);
    for (n, turn) in choice.turns.iter().enumerate().skip(first).take(view) {
        let y = rows.y + (n - first) as u16;
        let rect = Rect::new(rows.x, y, rows.width, 1);
        if n == choice.selected {
            buf.set_style(rect, theme.selected());
        }
        let state = match (turn.ended_seq, turn.commit.as_deref()) {
            (None, _) => "unfinished".to_owned(),
            (Some(_), Some(commit)) => format!("code {}", &commit[..commit.len().min(8)]),
            (Some(_), None) => "ended".to_owned(),
        };
        let prompt = turn.prompt.lines().next().unwrap_or_default();
        let line = Line::from(vec![
            Span::styled(format!("  {:>3}  ", n + 1), theme.hint_key()),
            Span::raw(truncate(prompt, (rows.width as usize).saturating_sub(20))),
        ]);
        put_line(buf, rows.x, y, &line, rows.width);
        put_right(buf, rect, &format!("{state} "), theme.dim());
    }
}

fn render_preview(state: &AppState, picker: &Picker, area: Rect, buf: &mut Buffer) {
    let theme = &state.theme;
    let block = Block::bordered()
        .title(Line::styled(" Preview ", theme.title()))
        .border_style(theme.border(false));
    let inner = block.inner(area);
    block.render(area, buf);
    let selected = picker.selected_row().map(|r| r.id);
    let lines: &[String] = match &picker.preview {
        Some((id, lines)) if Some(*id) == selected => lines,
        _ => {
            put_line(
                buf,
                inner.x,
                inner.y,
                &Line::styled("…", theme.dim()),
                inner.width,
            );
            return;
        }
    };
    // The header (up to the first blank line) at the top, the tail of the body below it.
    let split = lines
        .iter()
        .position(String::is_empty)
        .unwrap_or(lines.len());
    let (head, body) = lines.split_at(split);
    let room = (inner.height as usize).saturating_sub(head.len());
    let tail = &body[body.len().saturating_sub(room)..];
    for (i, line) in head
        .iter()
        .chain(tail)
        .take(inner.height as usize)
        .enumerate()
    {
        let style = if i < head.len() {
            theme.dim()
        } else {
            ratatui::style::Style::new()
        };
        put_line(
            buf,
            inner.x,
            inner.y + i as u16,
            &Line::styled(line.as_str(), style),
            inner.width,
        );
    }
}
