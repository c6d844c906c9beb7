//! Views drawn over the layout: the command palette, help, the quit confirmation and the
//! "too small" notice.

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Widget};

use super::{centered, put_line, put_lines, put_right};
use crate::tui::app::{AppState, NewSlotDialog};
use crate::tui::commands::{COMMANDS, MODAL_KEYS, Scope};
use crate::tui::layout::{MIN_COLS, MIN_ROWS};
use crate::tui::palette::Palette;
use crate::tui::slots::SlotKind;
use crate::tui::text::{truncate, width};

/// Draws the palette; returns the cursor position in its query line.
pub fn palette(state: &AppState, palette: &Palette, area: Rect, buf: &mut Buffer) -> Position {
    let theme = &state.theme;
    let height = (palette.matches.len() as u16 + 4).clamp(6, area.height.saturating_sub(2).max(6));
    let rect = centered(area, 84.min(area.width.saturating_sub(2)), height);
    Clear.render(rect, buf);
    let block = Block::bordered()
        .title(Line::styled(" Command palette ", theme.title()))
        .title_bottom(Line::styled(
            " ↑↓ move · Enter run · Esc close ",
            theme.dim(),
        ))
        .border_style(theme.border(true));
    let inner = block.inner(rect);
    block.render(rect, buf);
    let query = Line::from(vec![
        Span::styled("› ", theme.hint_key()),
        Span::raw(palette.query.clone()),
    ]);
    put_line(buf, inner.x, inner.y, &query, inner.width);
    let cursor = Position::new(
        inner.x + (2 + width(&palette.query) as u16).min(inner.width.saturating_sub(1)),
        inner.y,
    );
    let list = Rect::new(
        inner.x,
        inner.y + 1,
        inner.width,
        inner.height.saturating_sub(1),
    );
    if palette.matches.is_empty() {
        put_line(
            buf,
            list.x,
            list.y,
            &Line::styled("no match", theme.dim()),
            list.width,
        );
        return cursor;
    }
    let view = list.height as usize;
    let first = (palette.selected + 1).saturating_sub(view);
    for (row, found) in palette.matches.iter().enumerate().skip(first).take(view) {
        let item = &palette.items[found.item];
        let y = list.y + (row - first) as u16;
        let line_rect = Rect::new(list.x, y, list.width, 1);
        if row == palette.selected {
            buf.set_style(line_rect, theme.selected());
        }
        let tag = format!(" {} ", item.kind);
        let detail = format!("{} {tag}", item.detail);
        let room = (list.width as usize).saturating_sub(width(&detail) + 2);
        let label = truncate(&item.label, room);
        let spans: Vec<Span> = label
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if found.highlight.contains(&i) {
                    Span::styled(c.to_string(), theme.matched())
                } else {
                    Span::raw(c.to_string())
                }
            })
            .collect();
        let mut line = vec![Span::raw(" ")];
        line.extend(spans);
        put_line(buf, list.x, y, &Line::from(line), list.width);
        put_right(buf, line_rect, &detail, theme.dim());
    }
    cursor
}

/// All help lines at `width`: commands by scope, then the modal keys. Wide enough, each
/// command is one line; narrower, its description goes on the line below.
fn help_lines(state: &AppState, width: u16) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let one_line = width >= 100;
    let mut lines = Vec::new();
    let mut entry = |keys: String, title: Option<&str>, what: &str| {
        let mut spans = vec![Span::styled(format!("  {keys:<26} "), theme.hint_key())];
        if let Some(title) = title {
            spans.push(Span::raw(format!("{title:<20}")));
        }
        if one_line || title.is_none() {
            spans.push(Span::styled(what.to_owned(), theme.dim()));
            lines.push(Line::from(spans));
        } else {
            lines.push(Line::from(spans));
            lines.push(Line::styled(format!("      {what}"), theme.dim()));
        }
    };
    for scope in [Scope::Global, Scope::Composer] {
        entry(String::new(), None, "");
        for command in COMMANDS.iter().filter(|c| c.scope == scope) {
            let keys: Vec<String> = command.keys.iter().map(|k| k.label()).collect();
            let keys = if keys.is_empty() {
                "palette".to_owned()
            } else {
                keys.join(", ")
            };
            entry(keys, Some(command.title), command.description);
        }
    }
    for (_, keys) in MODAL_KEYS {
        entry(String::new(), None, "");
        for (key, what) in *keys {
            entry((*key).to_owned(), None, what);
        }
    }
    // Section titles replace the blank separator entries, in order.
    let titles: Vec<&str> = [Scope::Global.label(), Scope::Composer.label()]
        .into_iter()
        .chain(MODAL_KEYS.iter().map(|(title, _)| *title))
        .collect();
    let mut titles = titles.into_iter();
    let blank = format!("  {:<26} ", "");
    lines
        .into_iter()
        .map(|line| {
            if line.spans.len() == 2
                && line.spans[0].content == blank
                && line.spans[1].content.is_empty()
            {
                Line::styled(titles.next().unwrap_or_default().to_owned(), theme.title())
            } else {
                line
            }
        })
        .collect()
}

pub fn help(state: &AppState, scroll: u16, area: Rect, buf: &mut Buffer) {
    let theme = &state.theme;
    let rect = centered(
        area,
        110.min(area.width.saturating_sub(2)),
        area.height.saturating_sub(2),
    );
    Clear.render(rect, buf);
    let block = Block::bordered()
        .title(Line::styled(" Help ", theme.title()))
        .title_bottom(Line::styled(" ↑↓ scroll · Esc close ", theme.dim()))
        .border_style(theme.border(true));
    let inner = block.inner(rect);
    block.render(rect, buf);
    let lines = help_lines(state, inner.width);
    let max_scroll = lines.len().saturating_sub(inner.height as usize);
    let first = (scroll as usize).min(max_scroll);
    put_lines(buf, padded(inner), lines.iter().skip(first));
}

pub fn confirm_quit(state: &AppState, area: Rect, buf: &mut Buffer) {
    let theme = &state.theme;
    let live = state.live_slots();
    let rect = centered(area, 46, 8);
    Clear.render(rect, buf);
    let block = Block::bordered()
        .title(Line::styled(" Leave switchboard? ", theme.title()))
        .border_style(theme.border(true));
    let inner = block.inner(rect);
    block.render(rect, buf);
    let lines = [
        Line::raw(format!(
            "{live} slot{} still running.",
            if live == 1 { " is" } else { "s are" }
        )),
        Line::default(),
        Line::from(vec![
            Span::styled("d", theme.hint_key()),
            Span::raw(" detach: everything keeps running"),
        ]),
        Line::from(vec![
            Span::styled("s", theme.hint_key()),
            Span::raw(" stop the server and every slot"),
        ]),
        Line::from(vec![
            Span::styled("Esc", theme.hint_key()),
            Span::raw(" stay"),
        ]),
    ];
    put_lines(buf, padded(inner), &lines);
}

pub fn too_small(state: &AppState, area: Rect, buf: &mut Buffer) {
    let theme = &state.theme;
    let lines = [
        Line::styled("Terminal too small", theme.warn()),
        Line::raw(format!(
            "{}×{}, need {MIN_COLS}×{MIN_ROWS}",
            area.width, area.height
        )),
        Line::styled("Ctrl+Q quits", theme.dim()),
    ];
    let top = area.y + area.height.saturating_sub(lines.len() as u16) / 2;
    for (i, line) in lines.iter().enumerate() {
        let y = top + i as u16;
        if y >= area.bottom() {
            break;
        }
        let w = line.width() as u16;
        let x = area.x + area.width.saturating_sub(w) / 2;
        put_line(buf, x, y, line, area.width);
    }
}

/// The new-slot dialog; returns the cursor position.
pub fn new_slot(
    state: &AppState,
    dialog: &NewSlotDialog,
    area: Rect,
    buf: &mut Buffer,
) -> Position {
    let theme = &state.theme;
    let pane = dialog.kind == SlotKind::Pty;
    let rect = centered(
        area,
        80.min(area.width.saturating_sub(2)),
        if pane { 6 } else { 5 },
    );
    Clear.render(rect, buf);
    let title = if pane {
        " New slot: run command "
    } else {
        " New agent slot "
    };
    let block = Block::bordered()
        .title(Line::styled(title, theme.title()))
        .title_bottom(Line::styled(
            " Enter open · Tab worktree · Esc cancel ",
            theme.dim(),
        ))
        .border_style(theme.border(true));
    let inner = block.inner(rect);
    block.render(rect, buf);
    let mut lines = Vec::new();
    if pane {
        lines.push(Line::from(vec![
            Span::styled("$ ", theme.hint_key()),
            Span::raw(dialog.command.clone()),
        ]));
        let dir = if dialog.worktree {
            "a new worktree"
        } else {
            state.cwd.as_str()
        };
        lines.push(Line::styled(
            format!("runs through your shell in {dir} (empty: your shell)"),
            theme.dim(),
        ));
    } else {
        lines.push(Line::raw(format!("works in {}", state.cwd)));
    }
    let check = if dialog.worktree { "[x]" } else { "[ ]" };
    lines.push(if state.in_repo {
        Line::from(vec![
            Span::styled(check, theme.hint_key()),
            Span::raw(" own git worktree and branch (switchboard/…); Tab toggles"),
        ])
    } else {
        Line::styled("not a git repository: no worktree", theme.dim())
    });
    put_lines(buf, inner, &lines);
    let x = if pane {
        2 + width(&dialog.command) as u16
    } else {
        0
    };
    Position::new(inner.x + x.min(inner.width.saturating_sub(1)), inner.y)
}

/// Closing a slot with a worktree: what removing it would lose, and the choices.
pub fn close_slot(
    state: &AppState,
    dialog: &crate::tui::diff_view::CloseDialog,
    area: Rect,
    buf: &mut Buffer,
) {
    let theme = &state.theme;
    let rect = centered(area, 76.min(area.width.saturating_sub(2)), 8);
    Clear.render(rect, buf);
    let block = Block::bordered()
        .title(Line::styled(
            " Close slot: keep its worktree? ",
            theme.title(),
        ))
        .border_style(theme.border(true));
    let inner = block.inner(rect);
    block.render(rect, buf);
    let state_line = match &dialog.check {
        None => Line::styled("checking what removing it would lose…", theme.dim()),
        Some(Ok(check)) if check.loses_work() => Line::styled(
            format!("it has {}: removing loses them", check.describe()),
            theme.warn(),
        ),
        Some(Ok(_)) => Line::styled(
            "nothing would be lost: every change is committed and merged",
            theme.ok(),
        ),
        Some(Err(error)) => Line::styled(format!("cannot tell: {error}"), theme.error()),
    };
    let key = |k: &'static str| Span::styled(k, theme.hint_key());
    let lines = [
        Line::raw(format!(
            "{} (branch {})",
            dialog.worktree.path, dialog.worktree.branch
        )),
        state_line,
        Line::default(),
        Line::from(vec![
            key("k"),
            Span::raw(" keep it   "),
            key("r"),
            Span::raw(" remove   "),
            key("R"),
            Span::raw(" remove anyway   "),
            key("Esc"),
            Span::raw(" cancel"),
        ]),
    ];
    put_lines(buf, padded(inner), &lines);
}

/// `inner` less one column on the left: dialog text does not touch the border.
fn padded(inner: Rect) -> Rect {
    Rect {
        x: inner.x.saturating_add(1).min(inner.right()),
        width: inner.width.saturating_sub(1),
        ..inner
    }
}
