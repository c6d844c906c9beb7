//! The main area: the focused slot's content (its transcript, scrolled), or a welcome screen
//! with the first steps when there is no slot. Selections are drawn over the content here.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Widget};

use super::put_line;
use ratatui::layout::Position;
use ratatui::widgets::BorderType;

use crate::tui::app::{AppState, Focus};
use crate::tui::commands::CommandId;
use crate::tui::keymap::KeyMode;
use crate::tui::layout::{inner, transcript_window};
use crate::tui::slots::Slot;
use crate::tui::views::slot_list::badge_style;

/// Draws the visible slots into their cells; returns where the terminal cursor goes when the
/// focused pane has the keys.
pub fn render(
    state: &AppState,
    areas: &crate::tui::layout::Areas,
    buf: &mut Buffer,
) -> Option<Position> {
    if areas.cells.is_empty() {
        render_welcome(state, areas.main, buf);
        return None;
    }
    let mut cursor = None;
    for (id, rect) in &areas.cells {
        let Some(slot) = state.slot(*id) else {
            continue;
        };
        let focused = state.focused == Some(*id);
        let pane_cursor = render_slot(state, slot, *rect, focused, buf);
        if focused && state.focus == Focus::Pane {
            cursor = pane_cursor;
        }
    }
    cursor
}

fn render_welcome(state: &AppState, area: Rect, buf: &mut Buffer) {
    let theme = &state.theme;
    let block = Block::bordered()
        .title(Line::styled(" switchboard ", theme.title()))
        .border_style(theme.border(false));
    let content = block.inner(area);
    block.render(area, buf);
    let room = content.width.saturating_sub(2) as usize;
    let key = |id: CommandId| state.keymap.key(KeyMode::Workstation, id);
    let submit = state
        .keymap
        .key(KeyMode::Composer, CommandId::Submit)
        .unwrap_or_else(|| "Enter".into());
    // Each line in a long and a short wording; the first that fits is shown, and a line
    // with neither fitting is left out (never cut mid-word).
    let keyed = [
        (
            CommandId::OpenPalette,
            "command palette: every command, slot and session",
            "palette",
        ),
        (
            CommandId::ToggleHelp,
            "help: every key, in every mode",
            "help",
        ),
        (CommandId::NewAgentSlot, "new agent slot", "agent slot"),
        (
            CommandId::NewShellSlot,
            "your shell in a pane",
            "shell pane",
        ),
        (
            CommandId::Quit,
            "leave: slots keep running in the server",
            "leave",
        ),
    ];
    let key_width = keyed
        .iter()
        .filter_map(|(id, _, _)| key(*id))
        .map(|k| crate::tui::text::width(&k))
        .max()
        .unwrap_or(0)
        + 2;
    let pick = |long: String, short: String| {
        if crate::tui::text::width(&long) <= room {
            Some(long)
        } else if crate::tui::text::width(&short) <= room {
            Some(short)
        } else {
            None
        }
    };
    let mut lines: Vec<Line> = Vec::new();
    if let Some(text) = pick(
        "Many agent sessions, one durable store.".into(),
        "switchboard".into(),
    ) {
        lines.push(Line::styled(text, theme.title()));
        lines.push(Line::default());
    }
    if let Some(text) = pick(
        format!("Type a prompt below and press {submit} to start an agent session."),
        format!("A prompt and {submit} start an agent."),
    ) {
        lines.push(Line::raw(text));
    }
    for (id, long, short) in keyed {
        let Some(k) = key(id) else {
            continue;
        };
        let pad = " ".repeat(key_width.saturating_sub(crate::tui::text::width(&k)));
        let text = pick(format!("{k}{pad}{long}"), format!("{k}{pad}{short}"));
        if let Some(text) = text {
            let rest = text[k.len()..].to_owned();
            lines.push(Line::from(vec![
                Span::styled(k, theme.hint_key()),
                Span::raw(rest),
            ]));
        }
    }
    if let Some(text) = pick(
        "Everything you do is recorded; past sessions are in the palette.".into(),
        "Everything is recorded.".into(),
    ) {
        lines.push(Line::default());
        lines.push(Line::styled(text, theme.dim()));
    }
    let top = content.y + content.height.saturating_sub(lines.len() as u16) / 3;
    for (i, line) in lines.iter().enumerate() {
        let y = top + i as u16;
        if y < content.bottom() {
            put_line(buf, content.x + 2, y, line, content.width.saturating_sub(2));
        }
    }
}

fn render_slot(
    state: &AppState,
    slot: &Slot,
    area: Rect,
    focused: bool,
    buf: &mut Buffer,
) -> Option<Position> {
    let theme = &state.theme;
    let typing_here = focused && state.focus == Focus::Pane;
    // Name, kind and status; the name gives way first so the badge and the "keys go here"
    // marker always fit a narrow cell.
    let status = format!(" · {} ", slot.status.label());
    let kind = format!("· {} ", slot.kind.label());
    let marker = if typing_here {
        format!(" ⌨ keys here · {} back ", state.leader().key_label())
    } else {
        String::new()
    };
    let fixed = crate::tui::text::width(&status) + crate::tui::text::width(&marker) + 4;
    let room = (area.width as usize).saturating_sub(fixed);
    let kind = if room > crate::tui::text::width(&kind) + 8 {
        kind
    } else {
        String::new()
    };
    let name_room = room.saturating_sub(crate::tui::text::width(&kind)).max(4);
    let mut title = vec![
        Span::styled(
            format!(" {}", crate::tui::text::truncate(&slot.name, name_room)),
            theme.title(),
        ),
        Span::styled(status, badge_style(theme, &slot.status)),
        Span::styled(kind, theme.dim()),
    ];
    if typing_here {
        title.push(Span::styled(marker, theme.ok()));
    }
    let border = if typing_here {
        theme.pane_focus()
    } else {
        theme.border(focused)
    };
    let mut block = Block::bordered()
        .title(Line::from(title))
        .border_type(if typing_here {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(border);
    if let Some(copy) = &slot.pane {
        let content = inner(area);
        let offset = copy.scroll.offset;
        if offset > 0 {
            // The view holds its lines while output arrives (the server keeps them), so the
            // label says how to get back to the live screen.
            let back = if typing_here {
                Some("typing".to_owned())
            } else {
                state
                    .keymap
                    .key(KeyMode::Workstation, CommandId::ScrollBottom)
            };
            block = block.title_bottom(Line::styled(
                match back {
                    Some(k) => format!(" ↑ {offset} lines up · {k} goes back to live "),
                    None => format!(" ↑ {offset} lines up "),
                },
                theme.warn(),
            ));
        } else if let Some(error) = &slot.recording_error {
            block = block.title_bottom(Line::styled(
                format!(" ⚠ not recorded: {error} "),
                theme.error(),
            ));
        } else if slot.pane_running()
            && (copy.size.cols < content.width || copy.size.rows < content.height)
        {
            block = block.title_bottom(Line::styled(
                format!(" sized {} by a smaller window ", copy.size),
                theme.dim(),
            ));
        }
        block.render(area, buf);
        let cursor = super::pane::draw(copy, content, theme.no_color, buf);
        draw_selection(state, slot, content, copy.first_visible(), buf);
        return cursor;
    }
    if slot.scroll > 0 {
        block = block.title_bottom(Line::styled(
            match state
                .keymap
                .key(KeyMode::Workstation, CommandId::ScrollBottom)
            {
                Some(k) => format!(" ↑ {} rows up · {k} to follow ", slot.scroll),
                None => format!(" ↑ {} rows up ", slot.scroll),
            },
            theme.warn(),
        ));
    }
    block.render(area, buf);
    let content = inner(area);
    if slot.kind == crate::tui::slots::SlotKind::Pty {
        let hint = Line::styled(
            match &slot.status {
                crate::tui::slots::SlotStatus::Error(error) => format!("could not start: {error}"),
                _ => "starting…".to_owned(),
            },
            theme.dim(),
        );
        put_line(
            buf,
            content.x + 1,
            content.y,
            &hint,
            content.width.saturating_sub(1),
        );
        return None;
    }
    if slot.transcript.is_empty() {
        let submit = state
            .keymap
            .key(KeyMode::Composer, CommandId::Submit)
            .unwrap_or_else(|| "Enter".into());
        let hint = Line::styled(
            format!("Type a prompt below and press {submit}."),
            theme.dim(),
        );
        put_line(
            buf,
            content.x + 1,
            content.y,
            &hint,
            content.width.saturating_sub(1),
        );
        return None;
    }
    // Prompts waiting for the running turn, under the transcript.
    let content = draw_queued(state, slot, content, buf);
    let (first, rows) = transcript_window(slot, content, theme);
    for (i, row) in rows.iter().enumerate() {
        put_line(
            buf,
            content.x,
            content.y + i as u16,
            &row.line,
            content.width,
        );
    }
    draw_selection(state, slot, content, first, buf);
    None
}

/// Draws the slot's queued prompts at the bottom of `content` (at most three, the newest
/// last) and returns the area left for the transcript.
fn draw_queued(state: &AppState, slot: &Slot, content: Rect, buf: &mut Buffer) -> Rect {
    let theme = &state.theme;
    if slot.queued.is_empty() || content.height < 6 {
        return content;
    }
    let shown = slot.queued.len().min(3);
    let height = shown as u16 + 1;
    let top = content.bottom() - height;
    let up = state
        .keymap
        .key(KeyMode::Composer, CommandId::CursorUp)
        .map(|k| format!(" · {k} in an empty prompt takes the last back"))
        .unwrap_or_default();
    let header = crate::tui::text::truncate_words(
        &format!("queued for after this turn ({}){up}", slot.queued.len()),
        content.width as usize,
    );
    put_line(
        buf,
        content.x,
        top,
        &Line::styled(header, theme.warn()),
        content.width,
    );
    for (i, text) in slot.queued[slot.queued.len() - shown..].iter().enumerate() {
        let line = crate::tui::text::truncate(
            &format!("  › {}", text.replace('\n', " ⏎ ")),
            content.width as usize,
        );
        put_line(
            buf,
            content.x,
            top + 1 + i as u16,
            &Line::styled(line, theme.dim()),
            content.width,
        );
    }
    Rect {
        height: content.height - height,
        ..content
    }
}

/// Reverses the selected cells (mouse selection or copy mode) and shows the copy cursor.
fn draw_selection(state: &AppState, slot: &Slot, content: Rect, first: usize, buf: &mut Buffer) {
    let theme = &state.theme;
    if let Some(selection) = state.selection.filter(|s| s.slot == slot.id) {
        for dy in 0..content.height {
            let row = first + dy as usize;
            if let Some((from, to)) = selection.columns(row, content.width) {
                let from = from.min(content.width);
                let to = to.min(content.width);
                let rect = Rect::new(content.x + from, content.y + dy, to - from, 1);
                buf.set_style(rect, theme.selection());
            }
        }
    }
    if let Some(copy) = state.mode.copy_cursor()
        && copy.slot == slot.id
        && copy.cursor.row >= first
        && copy.cursor.row < first + content.height as usize
    {
        let x = content.x + copy.cursor.col.min(content.width.saturating_sub(1));
        let y = content.y + (copy.cursor.row - first) as u16;
        buf.set_style(Rect::new(x, y, 1, 1), theme.selected());
    }
}
