//! A screen's rows for the wire ([`crate::protocol::ScreenRow`]): what the server sends a
//! client instead of the program's bytes, so clients never parse output twice. Reading a view
//! scrolled into history does not move the screen's own view nor count as a change.

use super::geometry::{Generation, PaneSize, ScrollOffset};
use super::screen::{PaneModes, PaneScreen};
use crate::protocol::screen::{CellAttrs, CellColor, CellStyle, RowBuilder, ScreenRow, TextRow};

/// The rows of one view of a screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewRows {
    pub rows: Vec<ScreenRow>,
    /// The cursor's cell in this view; `None` when hidden or scrolled away.
    pub cursor: Option<(u16, u16)>,
    /// The offset in effect (clamped to the history kept).
    pub offset: usize,
    /// Lines of history kept.
    pub history: usize,
    /// The history row to page in from the store ([`PaneScreen::wanted_history`] as this view
    /// left it), read under the same lock as the rows so paging needs no second hold.
    pub wanted_history: Option<u64>,
}

/// The live view (no scrolling) and what a frame sends with it, read in one hold of the
/// screen lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveView {
    /// The screen's change counter these rows show.
    pub generation: Generation,
    pub rows: ViewRows,
    pub size: PaneSize,
    pub modes: PaneModes,
    pub title: String,
}

impl LiveView {
    pub fn of(screen: &mut PaneScreen) -> Self {
        Self {
            generation: screen.generation(),
            rows: screen.view_rows(0),
            size: screen.size(),
            modes: screen.modes(),
            title: screen.title().to_owned(),
        }
    }
}

impl PaneScreen {
    /// The rows `offset` lines above the live screen.
    pub fn view_rows(&mut self, offset: usize) -> ViewRows {
        let saved = self.scroll_offset();
        let offset = self.peek_scroll(ScrollOffset(offset)).0;
        let size = self.size();
        let mut rows = Vec::with_capacity(usize::from(size.rows));
        // Rows above vt100's scrollback come from the compact history.
        let above = offset.saturating_sub(self.hot_len());
        let cold = above.min(usize::from(size.rows));
        if cold > 0 {
            let start = self.cold_end() - above as u64;
            let cols = size.cols;
            let decoded = self.decode_cold(start..start + cold as u64, |d| {
                d.screen.grid_row(d.row, cols).wrapped(d.wrapped).finish()
            });
            rows.extend(
                decoded
                    .into_iter()
                    .map(|row| row.unwrap_or_else(|| ScreenRow::builder(cols).finish())),
            );
        }
        rows.extend((0..size.rows - cold as u16).map(|row| self.row_snapshot(row)));
        let modes = self.modes();
        let cursor = (offset == 0 && !modes.hide_cursor).then(|| {
            let at = self.cursor();
            (at.row, at.col)
        });
        let history = self.scrollback_len();
        self.peek_scroll(saved);
        ViewRows {
            rows,
            cursor,
            offset,
            history,
            wanted_history: self.wanted_history(),
        }
    }

    /// One row of vt100's grid (at its offset) as it crosses the wire.
    pub fn row_snapshot(&self, row: u16) -> ScreenRow {
        self.grid_row(row, self.size().cols)
            .wrapped(self.vt().row_wrapped(row))
            .finish()
    }

    /// A grid row `cols` wide (cut or padded with blanks).
    fn grid_row(&self, row: u16, cols: u16) -> RowBuilder {
        let vt = self.vt();
        let mut builder = ScreenRow::builder(cols);
        for col in 0..cols {
            match vt.cell(row, col) {
                Some(cell) => {
                    let text = if cell.is_wide_continuation() {
                        ""
                    } else {
                        cell.contents()
                    };
                    builder.push(text, cell.is_wide(), style_of(cell));
                }
                None => builder.push("", false, CellStyle::default()),
            }
        }
        builder
    }

    /// Content rows `start..start + count` as text, where row 0 is the oldest line of
    /// history and the live screen follows it (copying a selection that reaches past the
    /// rows a client holds).
    pub fn content_rows(&mut self, start: usize, count: usize) -> Vec<TextRow> {
        let saved = self.scroll_offset();
        let cols = self.size().cols;
        let cold_start = self.cold_start();
        let cold_rows = if self.vt().alternate_screen() {
            0
        } else {
            (self.cold_end() - cold_start) as usize
        };
        let mut out = Vec::with_capacity(count.min(self.scrollback_len() + 64));
        if start < cold_rows {
            let end = (start + count).min(cold_rows);
            let range = cold_start + start as u64..cold_start + end as u64;
            let texts = self.decode_cold(range, |d| TextRow {
                text: d.screen.row_text(d.row, 0..d.screen.size().cols),
                wrapped: d.wrapped,
            });
            out.extend(texts.into_iter().map(|text| {
                text.unwrap_or(TextRow {
                    text: String::new(),
                    wrapped: false,
                })
            }));
        }
        let history = self.hot_len();
        let rows = usize::from(self.size().rows);
        let mut line = start.saturating_sub(cold_rows);
        while out.len() < count && line < history + rows {
            // Put `line` at the top of the view (or as high as the history allows).
            let top = history
                - self
                    .peek_scroll(ScrollOffset(history.saturating_sub(line)))
                    .0;
            for row in line - top..rows {
                if out.len() == count {
                    break;
                }
                out.push(TextRow {
                    text: self.row_text(row as u16, 0..cols),
                    wrapped: self.is_wrapped(row as u16),
                });
                line += 1;
            }
        }
        self.peek_scroll(saved);
        out
    }
}

fn style_of(cell: &vt100::Cell) -> CellStyle {
    let mut attrs = 0u8;
    if cell.bold() {
        attrs |= CellAttrs::BOLD;
    }
    if cell.dim() {
        attrs |= CellAttrs::DIM;
    }
    if cell.italic() {
        attrs |= CellAttrs::ITALIC;
    }
    if cell.underline() {
        attrs |= CellAttrs::UNDERLINE;
    }
    if cell.inverse() {
        attrs |= CellAttrs::INVERSE;
    }
    CellStyle {
        fg: color(cell.fgcolor()),
        bg: color(cell.bgcolor()),
        attrs: CellAttrs(attrs),
    }
}

fn color(color: vt100::Color) -> CellColor {
    match color {
        vt100::Color::Default => CellColor::DEFAULT,
        vt100::Color::Idx(index) => CellColor::indexed(index),
        vt100::Color::Rgb(r, g, b) => CellColor::rgb(r, g, b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::screen::ColorValue;
    use crate::pty::PaneSize;

    #[test]
    fn rows_carry_text_styles_wide_cells_and_the_cursor() {
        let mut screen = PaneScreen::new(PaneSize::new(3, 8), 10);
        screen.feed("\x1b[1;31mR\x1b[0m日b".as_bytes());
        let before = screen.generation();
        let view = screen.view_rows(0);
        assert_eq!(screen.generation(), before, "reading is not a change");
        assert_eq!(view.rows.len(), 3);
        let first = &view.rows[0];
        assert_eq!(first.text(), "R日b");
        let cells: Vec<_> = first.cells().collect();
        assert_eq!(cells[0].style.fg.value(), ColorValue::Indexed(1));
        assert!(cells[0].style.attrs.has(CellAttrs::BOLD));
        assert!(cells[1].wide);
        assert_eq!(cells[2].text, "");
        assert_eq!(view.cursor, Some((0, 4)));
    }

    #[test]
    fn history_views_and_text_rows_leave_the_screen_alone() {
        let mut screen = PaneScreen::new(PaneSize::new(2, 10), 10);
        screen.feed(b"one\r\ntwo\r\nthree\r\nfour");
        let view = screen.view_rows(1);
        assert_eq!(view.offset, 1);
        assert_eq!(view.rows[0].text(), "two");
        assert_eq!(view.cursor, None);
        assert!(screen.scroll_offset().is_bottom());
        let texts: Vec<String> = screen
            .content_rows(0, 10)
            .into_iter()
            .map(|r| r.text)
            .collect();
        assert_eq!(texts, ["one", "two", "three", "four"]);
        assert_eq!(screen.content_rows(3, 5).len(), 1);
        // Clamped to the history kept.
        assert_eq!(screen.view_rows(99).offset, 2);
    }
}
