//! An agent slot's transcript: entries, and their wrapped rows cached per width so a long
//! transcript renders only its visible window.

use std::cell::RefCell;
use std::rc::Rc;

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::selection::SelectableRow;
use super::text::{slice_chars, wrap_words};
use super::theme::Theme;

/// One visual row: styled for display, plain for copying.
#[derive(Debug, Clone, PartialEq)]
pub struct VisualRow {
    pub line: Line<'static>,
    pub text: String,
    /// Cells of markers before `text` (never copied).
    pub gutter: u16,
    /// Soft-wrapped: continues on the next row without a newline.
    pub continues: bool,
}

impl VisualRow {
    /// The row as selectable text.
    pub fn selectable(&self) -> SelectableRow {
        SelectableRow {
            text: self.text.clone(),
            gutter: self.gutter,
            continues: self.continues,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    /// Something the user submitted.
    User,
    /// A dimmed note from switchboard itself.
    Notice,
    /// An error shown inline.
    Error,
}

/// An entry's rows laid out for one width and theme.
#[derive(Debug, Clone)]
struct RowCache {
    width: u16,
    no_color: bool,
    rows: Rc<[VisualRow]>,
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub kind: EntryKind,
    pub text: String,
    cache: RefCell<Option<RowCache>>,
}

impl Entry {
    pub fn new(kind: EntryKind, text: impl Into<String>) -> Self {
        Self {
            kind,
            text: text.into(),
            cache: RefCell::new(None),
        }
    }

    /// The entry's rows at `width`, wrapped once per width and theme.
    pub fn rows(&self, width: u16, theme: &Theme) -> Rc<[VisualRow]> {
        if let Some(cache) = &*self.cache.borrow()
            && cache.width == width
            && cache.no_color == theme.no_color
        {
            return Rc::clone(&cache.rows);
        }
        let rows: Rc<[VisualRow]> = self.layout(width, theme).into();
        *self.cache.borrow_mut() = Some(RowCache {
            width,
            no_color: theme.no_color,
            rows: Rc::clone(&rows),
        });
        rows
    }

    fn layout(&self, width: u16, theme: &Theme) -> Vec<VisualRow> {
        let (marker, marker_style, body_style) = match self.kind {
            EntryKind::User => ("› ", theme.user(), Style::new()),
            EntryKind::Notice => ("· ", theme.dim(), theme.dim()),
            EntryKind::Error => ("✗ ", theme.error(), theme.error()),
        };
        let gutter = 2usize;
        let body_width = (width as usize).saturating_sub(gutter).max(1);
        let mut rows = Vec::new();
        for (n, source) in self.text.split('\n').enumerate() {
            for (i, span) in wrap_words(source, body_width).iter().enumerate() {
                let text = slice_chars(source, span.start, span.end);
                let lead = if n == 0 && i == 0 { marker } else { "  " };
                rows.push(VisualRow {
                    line: Line::from(vec![
                        Span::styled(lead, marker_style),
                        Span::styled(text.clone(), body_style),
                    ]),
                    text,
                    gutter: gutter as u16,
                    continues: span.continues,
                });
            }
        }
        // A blank row between entries.
        rows.push(VisualRow {
            line: Line::default(),
            text: String::new(),
            gutter: 0,
            continues: false,
        });
        rows
    }
}

#[derive(Debug, Clone, Default)]
pub struct Transcript {
    pub entries: Vec<Entry>,
}

impl Transcript {
    pub fn push(&mut self, kind: EntryKind, text: impl Into<String>) {
        self.entries.push(Entry::new(kind, text));
    }

    /// Total rows at `width`.
    pub fn height(&self, width: u16, theme: &Theme) -> usize {
        self.entries
            .iter()
            .map(|e| e.rows(width, theme).len())
            .sum()
    }

    /// The rows `first..first + count` at `width`, visiting only the entries they touch.
    pub fn window(&self, width: u16, theme: &Theme, first: usize, count: usize) -> Vec<VisualRow> {
        let mut out = Vec::with_capacity(count);
        let mut row = 0;
        for entry in &self.entries {
            if out.len() >= count {
                break;
            }
            let rows = entry.rows(width, theme);
            let end = row + rows.len();
            if end > first {
                let skip = first.saturating_sub(row);
                out.extend(rows.iter().skip(skip).take(count - out.len()).cloned());
            }
            row = end;
        }
        out
    }
}

impl Transcript {
    /// The selected text of `selection` at `width`.
    pub fn selected_text(
        &self,
        width: u16,
        theme: &Theme,
        selection: &super::selection::Selection,
    ) -> String {
        let (start, end) = selection.ordered();
        let rows: Vec<SelectableRow> = self
            .window(width, theme, start.row, end.row - start.row + 1)
            .iter()
            .map(VisualRow::selectable)
            .collect();
        super::selection::extract(&rows, start.row, selection)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_match_the_full_layout() {
        let theme = Theme::default();
        let mut transcript = Transcript::default();
        for i in 0..50 {
            transcript.push(
                EntryKind::User,
                format!("message {i} with some words to wrap around"),
            );
        }
        let height = transcript.height(20, &theme);
        let all = transcript.window(20, &theme, 0, height);
        assert_eq!(all.len(), height);
        let part = transcript.window(20, &theme, 37, 10);
        assert_eq!(part, all[37..47].to_vec());
        assert!(all[0].continues);
        assert_eq!(all[0].text, "message 0 with ");
    }
}
