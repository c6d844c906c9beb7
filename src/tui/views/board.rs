//! The board view: tasks grouped by state (those that need a person first), each with its
//! dependency and gate markers; the selected task's detail beside them (attempts,
//! validations, the diff, logs); the reject prompt and the submit form over them.

use crate::tui::commands::CommandId;
use crate::tui::keymap::KeyMode;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Widget};

use super::{centered, put_line};
use crate::event::TaskState;
use crate::tui::app::AppState;
use crate::tui::board::{BoardView, FORM_FIELDS, TaskForm};
use crate::tui::text::truncate;
use crate::tui::theme::Theme;

/// The task list's share of the width when the detail is open.
const LIST_SHARE: u16 = 45;

pub fn render(state: &AppState, view: &BoardView, area: Rect, buf: &mut Buffer) {
    let theme = &state.theme;
    Clear.render(area, buf);
    let rows = view.rows(&state.tasks);
    let filter = match (&view.filter, view.search.is_empty()) {
        (Some(f), true) => format!("· {} ", f.label()),
        (Some(f), false) => format!("· {} · /{} ", f.label(), view.search),
        (None, false) => format!("· /{} ", view.search),
        (None, true) => String::new(),
    };
    let block = Block::bordered()
        .title(Line::from(vec![
            Span::styled(" Tasks ", theme.title()),
            Span::styled(
                format!(
                    "· {} shown of {} · {} running · {} waiting for you {filter}",
                    rows.len(),
                    state.tasks.tasks.len(),
                    state.tasks.running(),
                    state.tasks.waiting()
                ),
                theme.dim(),
            ),
        ]))
        .title_bottom(Line::styled(
            format!(
                " {} ",
                super::hints(
                    state,
                    KeyMode::Board,
                    &[
                        (CommandId::Accept, "detail"),
                        (CommandId::BoardApprove, "approve"),
                        (CommandId::BoardReject, "reject"),
                        (CommandId::BoardNew, "new"),
                        (CommandId::Close, "close"),
                        (CommandId::BoardRetry, "retry"),
                        (CommandId::BoardCancel, "cancel"),
                        (CommandId::BoardResume, "resume"),
                        (CommandId::BoardOpen, "open"),
                        (CommandId::BoardFilter, "filter"),
                        (CommandId::BoardSearch, "search"),
                    ],
                    (area.width as usize).saturating_sub(4),
                )
            ),
            theme.dim(),
        ))
        .border_style(theme.border(true));
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.width < 20 || inner.height < 2 {
        return;
    }
    let (list, detail) = match &view.detail {
        Some(_) if inner.width >= 60 => {
            let w = inner.width * LIST_SHARE / 100;
            (
                Rect::new(inner.x, inner.y, w, inner.height),
                Some(Rect::new(
                    inner.x + w + 1,
                    inner.y,
                    inner.width - w - 1,
                    inner.height,
                )),
            )
        }
        Some(_) => (inner, None),
        None => (inner, None),
    };
    if view.detail.is_some() && detail.is_none() {
        render_detail(state, view, inner, buf);
    } else {
        render_list(state, view, &rows, list, buf);
        if let Some(detail) = detail {
            for y in detail.y..detail.bottom() {
                buf.set_string(detail.x - 1, y, "│", theme.dim());
            }
            render_detail(state, view, detail, buf);
        }
    }
    if let Some(reason) = &view.reject {
        let popup = centered(area, 60, 3);
        Clear.render(popup, buf);
        let block = Block::bordered()
            .title(Span::styled(" Reject: why? ", theme.title()))
            .title_bottom(Line::styled(
                format!(
                    " {} ",
                    super::fit(
                        &["Enter sends".to_owned(), "Esc cancels".to_owned()],
                        " · ",
                        (popup.width as usize).saturating_sub(4),
                    )
                ),
                theme.dim(),
            ))
            .border_style(theme.border(true));
        let inner = block.inner(popup);
        block.render(popup, buf);
        put_line(
            buf,
            inner.x,
            inner.y,
            &Line::raw(reason.as_str()),
            inner.width,
        );
    }
    if let Some(form) = &view.form {
        render_form(theme, form, area, buf);
    }
}

fn state_style(theme: &Theme, state: TaskState) -> Style {
    match state {
        TaskState::Completed => theme.ok(),
        TaskState::AwaitingApproval | TaskState::Interrupted | TaskState::Blocked => theme.warn(),
        TaskState::Running | TaskState::Validating => theme.title(),
        TaskState::Queued | TaskState::Other => theme.dim(),
        _ => theme.error(),
    }
}

fn render_list(
    state: &AppState,
    view: &BoardView,
    rows: &[&crate::tasks::view::TaskSummary],
    area: Rect,
    buf: &mut Buffer,
) {
    let theme = &state.theme;
    if rows.is_empty() {
        let text = if state.tasks.tasks.is_empty() {
            "no tasks yet: n submits one, or `switchboard task submit`"
        } else {
            "no task matches the filter (Tab, /)"
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
    // Group headers take a row each; keep the selection in view. Only the rows that fit are
    // formatted (a board of thousands costs its visible window).
    let mut entries: Vec<Option<usize>> = Vec::with_capacity(rows.len() + 12);
    let mut last = None;
    for (i, task) in rows.iter().enumerate() {
        if last != Some(task.state) {
            entries.push(None);
            last = Some(task.state);
        }
        entries.push(Some(i));
    }
    let height = area.height as usize;
    let at = entries
        .iter()
        .position(|e| *e == Some(view.selected))
        .unwrap_or(0);
    let top = at.saturating_sub(height.saturating_sub(1));
    for (row, (index, entry)) in entries
        .iter()
        .enumerate()
        .skip(top)
        .take(height)
        .enumerate()
    {
        let line = match entry {
            // A header names the group of the row after it.
            None => {
                let state = entries
                    .get(index + 1)
                    .copied()
                    .flatten()
                    .map_or(TaskState::Other, |i| rows[i].state);
                let count = rows.iter().filter(|t| t.state == state).count();
                Line::styled(
                    format!("{} ({count})", state.label().replace('_', " ")),
                    state_style(theme, state),
                )
            }
            Some(i) => {
                let task = rows[*i];
                let mut marks = String::new();
                if !task.depends.is_empty() {
                    marks.push_str(&format!("↳{} ", task.depends.len()));
                }
                if task.gate {
                    marks.push_str("⚑ ");
                }
                let text = format!(
                    "{}{} {:<20} {:<7} {}/{} {marks}{}",
                    if *i == view.selected { "›" } else { " " },
                    task.id.short(),
                    truncate(task.label(), 20),
                    truncate(&task.executor, 7),
                    task.attempts,
                    task.max_attempts,
                    task.note.as_deref().unwrap_or_default(),
                );
                let style = if *i == view.selected {
                    theme.selected()
                } else {
                    Style::default()
                };
                Line::styled(truncate(&text, area.width as usize), style)
            }
        };
        put_line(buf, area.x, area.y + row as u16, &line, area.width);
    }
}

fn render_detail(state: &AppState, view: &BoardView, area: Rect, buf: &mut Buffer) {
    let theme = &state.theme;
    let Some(detail) = &view.detail else {
        return;
    };
    let mut lines: Vec<Line> = Vec::new();
    if detail.record.is_empty() {
        lines.push(Line::styled("loading…", theme.dim()));
    }
    for line in detail.record.lines() {
        lines.push(Line::raw(line.to_owned()));
    }
    if !detail.patch.is_empty() {
        lines.push(Line::styled(
            "── diff of the latest attempt ──",
            theme.title(),
        ));
        for line in detail.patch.lines() {
            let style = if line.starts_with('+') && !line.starts_with("+++") {
                theme.ok()
            } else if line.starts_with('-') && !line.starts_with("---") {
                theme.error()
            } else if line.starts_with("@@") {
                theme.dim()
            } else {
                Style::default()
            };
            lines.push(Line::styled(line.to_owned(), style));
        }
    }
    if !detail.logs.is_empty() {
        lines.push(Line::styled(
            "── logs of the latest attempt ──",
            theme.title(),
        ));
        for line in detail.logs.lines() {
            lines.push(Line::raw(crate::text::strip_ansi(line)));
        }
    }
    for (row, line) in lines
        .iter()
        .skip(view.detail_scroll)
        .take(area.height as usize)
        .enumerate()
    {
        put_line(buf, area.x, area.y + row as u16, line, area.width);
    }
}

fn render_form(theme: &Theme, form: &TaskForm, area: Rect, buf: &mut Buffer) {
    let popup = centered(area, 72, FORM_FIELDS.len() as u16 + 4);
    Clear.render(popup, buf);
    let block = Block::bordered()
        .title(Span::styled(" New task ", theme.title()))
        .title_bottom(Line::styled(
            format!(
                " {} ",
                super::fit(
                    &[
                        "Ctrl+Enter submit".to_owned(),
                        "Esc cancel".to_owned(),
                        "Tab next field".to_owned(),
                        "Space toggles the gate".to_owned(),
                    ],
                    " · ",
                    (popup.width as usize).saturating_sub(4),
                )
            ),
            theme.dim(),
        ))
        .border_style(theme.border(true));
    let inner = block.inner(popup);
    block.render(popup, buf);
    let values = [
        form.goal.clone(),
        form.title.clone(),
        form.executor.clone(),
        form.validation.clone(),
        form.depends.clone(),
        if form.gate {
            "[x] a person approves before completed"
        } else {
            "[ ] no gate"
        }
        .to_owned(),
    ];
    for (i, (label, value)) in FORM_FIELDS.iter().zip(values).enumerate() {
        let style = if i == form.field {
            theme.selected()
        } else {
            Style::default()
        };
        let line = Line::from(vec![
            Span::styled(format!("{label:>10} "), theme.dim()),
            Span::styled(value, style),
        ]);
        put_line(buf, inner.x, inner.y + i as u16, &line, inner.width);
    }
    put_line(
        buf,
        inner.x,
        inner.y + FORM_FIELDS.len() as u16 + 1,
        &Line::styled(
            "validations: separate several with ;;  ·  depends: task ids or names",
            theme.dim(),
        ),
        inner.width,
    );
}
