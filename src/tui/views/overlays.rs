//! Views drawn over the layout: the command palette, help, the quit confirmation and the
//! "too small" notice.

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Widget};

use super::{centered, put_line, put_lines, put_right};
use crate::tui::app::{AppState, NewSlotDialog};
use crate::tui::commands::{CommandId, command};
use crate::tui::keymap::KeyMode;
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
            format!(
                " {} ",
                super::hints(
                    state,
                    KeyMode::Palette,
                    &[
                        (CommandId::Down, "move"),
                        (CommandId::Accept, "run"),
                        (CommandId::Close, "close"),
                    ],
                    (rect.width as usize).saturating_sub(4),
                )
            ),
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

/// All help lines at `width`: every mode's keys from the keymap, under the mode's title. Wide
/// enough, each command is one line (keys, title, description in columns sized to fit);
/// narrower, its description goes on the line below — never cut mid-word.
fn width_of(text: &str) -> usize {
    crate::text::width(text)
}

fn help_lines(state: &AppState, width: u16) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let rows = state.keymap.rows();
    let keys_of = |keys: &[crate::tui::keymap::Chord]| {
        if keys.is_empty() {
            "palette".to_owned()
        } else {
            keys.iter()
                .map(|k| k.label())
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let key_width = rows
        .iter()
        .map(|(_, keys, _)| width_of(&keys_of(keys)))
        .max()
        .unwrap_or(10)
        .min(28);
    let title_width = rows
        .iter()
        .map(|(_, _, id)| width_of(command(*id).title))
        .max()
        .unwrap_or(10)
        + 2;
    let longest = rows
        .iter()
        .map(|(_, _, id)| width_of(command(*id).description))
        .max()
        .unwrap_or(40);
    let one_line = (width as usize) >= 2 + key_width + 1 + title_width + longest + 2;
    let mut lines = Vec::new();
    let mut mode = None;
    for (row_mode, keys, id) in &rows {
        if mode != Some(*row_mode) {
            mode = Some(*row_mode);
            lines.push(Line::default());
            lines.push(Line::styled(row_mode.title().to_owned(), theme.title()));
        }
        let c = command(*id);
        let keys = keys_of(keys);
        let pad = key_width.saturating_sub(width_of(&keys));
        let mut spans = vec![Span::styled(
            format!("  {keys}{} ", " ".repeat(pad)),
            theme.hint_key(),
        )];
        if one_line {
            let pad = title_width.saturating_sub(width_of(c.title));
            spans.push(Span::raw(format!("{}{}", c.title, " ".repeat(pad))));
            spans.push(Span::styled(c.description.to_owned(), theme.dim()));
            lines.push(Line::from(spans));
        } else {
            spans.push(Span::raw(c.title.to_owned()));
            lines.push(Line::from(spans));
            // The description on the lines below, wrapped at words.
            let room = (width as usize).saturating_sub(6).max(10);
            for row in crate::text::wrap_words(c.description, room) {
                let text = crate::text::slice_chars(c.description, row.start, row.end);
                lines.push(Line::styled(
                    format!("      {}", text.trim_start()),
                    theme.dim(),
                ));
            }
        }
    }
    lines.remove(0);
    lines
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
        .title_bottom(Line::styled(
            format!(
                " {} ",
                super::hints(
                    state,
                    KeyMode::Help,
                    &[(CommandId::Down, "scroll"), (CommandId::Close, "close")],
                    (rect.width as usize).saturating_sub(4),
                )
            ),
            theme.dim(),
        ))
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
    let mut lines = vec![
        Line::raw(format!(
            "{live} slot{} still running.",
            if live == 1 { " is" } else { "s are" }
        )),
        Line::default(),
    ];
    let room = padded(inner).width as usize;
    for (id, what) in [
        (CommandId::Detach, "detach: everything keeps running"),
        (CommandId::StopServer, "stop the server and every slot"),
        (CommandId::Close, "stay"),
    ] {
        lines.extend(super::key_lines(state, KeyMode::Leave, &[(id, what)], room));
    }
    put_lines(buf, padded(inner), &lines);
}

/// The `/` command list, just above the composer.
pub fn slash(state: &AppState, composer: Rect, buf: &mut Buffer) {
    let theme = &state.theme;
    let Some((word, _)) = crate::tui::slash::typed(state) else {
        return;
    };
    let found = crate::tui::slash::matches(&word);
    let selected = state.slash_selected.min(found.len().saturating_sub(1));
    let shown = found.len().clamp(1, 8) as u16;
    let height = shown + 2;
    if composer.y < height {
        return;
    }
    let rect = Rect::new(composer.x, composer.y - height, composer.width, height);
    Clear.render(rect, buf);
    let keys = super::hints(
        state,
        KeyMode::Slash,
        &[
            (CommandId::Accept, "run"),
            (CommandId::Complete, "complete"),
            (CommandId::Close, "cancel"),
        ],
        (rect.width as usize).saturating_sub(4),
    );
    let block = Block::bordered()
        .title(Line::styled(" Commands ", theme.title()))
        .title_bottom(Line::styled(format!(" {keys} "), theme.dim()))
        .border_style(theme.border(true));
    let inner = block.inner(rect);
    block.render(rect, buf);
    if found.is_empty() {
        let line = Line::styled(format!("no command /{word}"), theme.dim());
        put_line(
            buf,
            inner.x + 1,
            inner.y,
            &line,
            inner.width.saturating_sub(1),
        );
        return;
    }
    // Keep the selection in view.
    let first = selected.saturating_sub(shown as usize - 1);
    for (row, entry) in found.iter().enumerate().skip(first).take(shown as usize) {
        let y = inner.y + (row - first) as u16;
        let name = format!(" /{:<10}", entry.name);
        let args = if entry.args.is_empty() {
            String::new()
        } else {
            format!("{} ", entry.args)
        };
        let what = command(entry.command).description;
        let room = (inner.width as usize).saturating_sub(width(&name) + width(&args) + 1);
        let line = Line::from(vec![
            Span::styled(name, theme.hint_key()),
            Span::styled(args, theme.dim()),
            Span::raw(crate::text::truncate_words(what, room)),
        ]);
        if row == selected {
            buf.set_style(Rect::new(inner.x, y, inner.width, 1), theme.selected());
        }
        put_line(buf, inner.x, y, &line, inner.width);
    }
}

/// "Close this slot? Its program still runs."
pub fn confirm_close(
    state: &AppState,
    slot: crate::tui::slots::SlotId,
    area: Rect,
    buf: &mut Buffer,
) {
    let theme = &state.theme;
    let Some(slot) = state.slot(slot) else {
        return;
    };
    let rect = centered(area, 52, 7);
    Clear.render(rect, buf);
    let block = Block::bordered()
        .title(Line::styled(" Close this slot? ", theme.title()))
        .border_style(theme.border(true));
    let inner = block.inner(rect);
    block.render(rect, buf);
    let room = padded(inner).width as usize;
    let what = match slot.kind {
        crate::tui::slots::SlotKind::Pty => "its program is still running and will be stopped",
        crate::tui::slots::SlotKind::Agent => "its turn is still running and will be interrupted",
    };
    let mut lines = vec![
        Line::raw(truncate(&slot.name, room)),
        Line::styled(what, theme.warn()),
        Line::default(),
    ];
    lines.extend(super::key_lines(
        state,
        KeyMode::ConfirmClose,
        &[
            (CommandId::Accept, "close it"),
            (CommandId::Close, "keep it"),
        ],
        room,
    ));
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
        Line::styled(
            state
                .keymap
                .key(KeyMode::Workstation, CommandId::Quit)
                .map(|k| format!("{k} leaves"))
                .unwrap_or_default(),
            theme.dim(),
        ),
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
            format!(
                " {} ",
                super::hints(
                    state,
                    KeyMode::NewSlot,
                    &[
                        (CommandId::Accept, "open"),
                        (CommandId::ToggleWorktree, "worktree"),
                        (CommandId::Close, "cancel"),
                    ],
                    (rect.width as usize).saturating_sub(4),
                )
            ),
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
            Span::raw(" own git worktree and branch (switchboard/…)"),
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
    let rect = centered(area, 76.min(area.width.saturating_sub(2)), 10);
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
    let room = padded(inner).width as usize;
    let mut lines = vec![
        Line::raw(dialog.worktree.path.clone()),
        Line::styled(format!("branch {}", dialog.worktree.branch), theme.dim()),
        state_line,
        Line::default(),
    ];
    lines.extend(super::key_lines(
        state,
        KeyMode::CloseWorktree,
        &[
            (CommandId::KeepWorktree, "keep it"),
            (CommandId::RemoveWorktree, "remove"),
            (CommandId::ForceRemoveWorktree, "remove anyway"),
            (CommandId::Close, "cancel"),
        ],
        room,
    ));
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
