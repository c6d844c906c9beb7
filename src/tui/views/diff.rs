//! The diff view: the files a slot's worktree changed, and the selected file's hunks in colour.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Widget};

use super::put_line;
use crate::tui::app::AppState;
use crate::tui::commands::CommandId;
use crate::tui::diff_view::DiffView;
use crate::tui::keymap::KeyMode;
use crate::tui::text::truncate;
use crate::workspace::{DiffFile, DiffLineKind};

/// The file list's share of the width (at most a third, enough for most paths).
const LIST_MAX: u16 = 48;

pub fn render(state: &AppState, view: &DiffView, area: Rect, buf: &mut Buffer) {
    let theme = &state.theme;
    Clear.render(area, buf);
    let source = view.sources.get(view.source).cloned().unwrap_or_default();
    let block = Block::bordered()
        .title(Line::from(vec![
            Span::styled(format!(" Diff · {} ", view.title), theme.title()),
            Span::styled(
                format!(
                    "· {source} ({}/{}) ",
                    view.source + 1,
                    view.sources.len().max(1)
                ),
                theme.dim(),
            ),
        ]))
        .title_bottom(Line::styled(
            format!(
                " {} ",
                super::hints(
                    state,
                    KeyMode::Diff,
                    &[
                        (CommandId::Down, "file"),
                        (CommandId::PageDown, "scroll"),
                        (CommandId::NextSource, "next turn"),
                        (CommandId::Close, "close"),
                    ],
                    (area.width as usize).saturating_sub(4),
                )
            ),
            theme.dim(),
        ))
        .border_style(theme.border(true));
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.width < 20 || inner.height < 3 {
        return;
    }
    let message = if view.loading {
        Some(("reading the diff…".to_owned(), theme.dim()))
    } else if let Some(error) = &view.error {
        Some((error.clone(), theme.error()))
    } else if view.files.is_empty() {
        Some(("no changes".to_owned(), theme.dim()))
    } else {
        None
    };
    if let Some((text, style)) = message {
        put_line(
            buf,
            inner.x + 1,
            inner.y,
            &Line::styled(text, style),
            inner.width,
        );
        return;
    }
    let list_width = (inner.width / 3).min(LIST_MAX);
    let list = Rect::new(inner.x, inner.y, list_width, inner.height);
    let hunks = Rect::new(
        inner.x + list_width + 1,
        inner.y,
        inner.width - list_width - 1,
        inner.height,
    );
    let first = (view.selected + 1).saturating_sub(list.height as usize);
    for (i, file) in view
        .files
        .iter()
        .enumerate()
        .skip(first)
        .take(list.height as usize)
    {
        let y = list.y + (i - first) as u16;
        if i == view.selected {
            buf.set_style(Rect::new(list.x, y, list.width, 1), theme.selected());
        }
        let (letter, style) = match file.status {
            DiffFile::Added => ("A", theme.ok()),
            DiffFile::Deleted => ("D", theme.error()),
            DiffFile::Renamed => ("R", theme.warn()),
            DiffFile::Binary => ("B", theme.dim()),
            DiffFile::Modified => ("M", theme.warn()),
        };
        let counts = format!(" +{} -{}", file.additions, file.deletions);
        let room = (list.width as usize).saturating_sub(counts.len() + 3);
        let line = Line::from(vec![
            Span::styled(format!("{letter} "), style),
            Span::raw(truncate(&file.path, room)),
            Span::styled(counts, theme.dim()),
        ]);
        put_line(buf, list.x, y, &line, list.width);
    }
    let Some(file) = view.files.get(view.selected) else {
        return;
    };
    let scroll = view.scroll.min(file.lines.len().saturating_sub(1));
    for (i, line) in file
        .lines
        .iter()
        .skip(scroll)
        .take(hunks.height as usize)
        .enumerate()
    {
        let (prefix, style) = match line.kind {
            DiffLineKind::HunkHeader => ("", theme.hint_key()),
            DiffLineKind::Added => ("+", theme.ok()),
            DiffLineKind::Removed => ("-", theme.error()),
            DiffLineKind::Note => ("", theme.dim()),
            DiffLineKind::Context => (" ", Style::new()),
        };
        let text = format!("{prefix}{}", line.text.replace('\t', "    "));
        put_line(
            buf,
            hunks.x,
            hunks.y + i as u16,
            &Line::styled(text, style),
            hunks.width,
        );
    }
}
