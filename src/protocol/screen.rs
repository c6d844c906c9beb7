//! A pane's screen as it crosses the wire: rows of cells with their styles, the cursor and the
//! modes a client needs to encode keys. The server computes rows from its vt100 screen; a
//! client only stores and paints them (it never parses the program's output itself).
//!
//! A row is compact on purpose — the whole screen of a flooding pane crosses the socket up to
//! 60 times a second, and over ssh on a remote attach: cell contents are one string, each
//! cell's byte length one byte, and styles come as runs.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::pty::{PaneModes, PaneSize};

/// A colour as one number: 0 is the terminal's default, `0x01_0000_NN` palette entry `NN`,
/// `0x02_RR_GG_BB` an RGB colour. One `u32` instead of an enum keeps a style run small.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct CellColor(pub u32);

/// What a [`CellColor`] means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorValue {
    Default,
    Indexed(u8),
    Rgb(u8, u8, u8),
}

impl CellColor {
    pub const DEFAULT: CellColor = CellColor(0);

    pub fn indexed(index: u8) -> Self {
        Self(0x0100_0000 | u32::from(index))
    }

    pub fn rgb(r: u8, g: u8, b: u8) -> Self {
        Self(0x0200_0000 | (u32::from(r) << 16) | (u32::from(g) << 8) | u32::from(b))
    }

    pub fn value(self) -> ColorValue {
        let [tag, a, b, c] = self.0.to_be_bytes();
        match tag {
            1 => ColorValue::Indexed(c),
            2 => ColorValue::Rgb(a, b, c),
            _ => ColorValue::Default,
        }
    }
}

/// Cell attributes as bits (see the constants), so a style is three small numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct CellAttrs(pub u8);

impl CellAttrs {
    pub const BOLD: u8 = 1;
    pub const DIM: u8 = 2;
    pub const ITALIC: u8 = 4;
    pub const UNDERLINE: u8 = 8;
    pub const INVERSE: u8 = 16;

    pub fn has(self, bit: u8) -> bool {
        self.0 & bit != 0
    }
}

/// The style of a run of cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct CellStyle {
    pub fg: CellColor,
    pub bg: CellColor,
    pub attrs: CellAttrs,
}

/// From column `col` on (until the next run), cells have `style`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StyleRun {
    pub col: u16,
    pub style: CellStyle,
}

/// Marks a cell whose character is two columns wide (the next cell is its right half).
pub const WIDE_CELL: u8 = 0x80;

/// Most bytes one cell's content may take (vt100 keeps a handful of code points per cell);
/// the length must fit the low seven bits of a cell byte.
pub const MAX_CELL_BYTES: usize = 0x7f;

/// One row of a screen.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ScreenRow {
    /// Every cell's content, concatenated.
    pub text: String,
    /// One byte per cell: the content's length in `text` (0 for a blank cell or the right
    /// half of a wide character) with [`WIDE_CELL`] set on a wide character's left half.
    #[serde(with = "serde_bytes")]
    pub cells: Vec<u8>,
    /// Style runs in column order; the first starts at column 0 (none: all default).
    pub styles: Vec<StyleRun>,
    /// The program's text continues on the next row (soft wrap): copying joins the two.
    pub wrapped: bool,
}

/// One cell of a [`ScreenRow`], as a painter needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowCell<'a> {
    /// Empty for a blank cell and for the right half of a wide character.
    pub text: &'a str,
    pub wide: bool,
    pub style: CellStyle,
}

impl ScreenRow {
    /// A row builder for `cols` cells.
    pub fn builder(cols: u16) -> RowBuilder {
        RowBuilder {
            row: ScreenRow {
                text: String::with_capacity(cols as usize),
                cells: Vec::with_capacity(cols as usize),
                styles: Vec::new(),
                wrapped: false,
            },
            last: None,
        }
    }

    pub fn width(&self) -> usize {
        self.cells.len()
    }

    /// The cells in column order. A malformed row (lengths past the text, a split inside a
    /// character) yields blanks for the bad cells instead of panicking: rows come from a
    /// socket.
    pub fn cells(&self) -> impl Iterator<Item = RowCell<'_>> + '_ {
        let mut offset = 0usize;
        let mut run = 0usize;
        let mut style = CellStyle::default();
        self.cells.iter().enumerate().map(move |(col, byte)| {
            while run < self.styles.len() && usize::from(self.styles[run].col) <= col {
                style = self.styles[run].style;
                run += 1;
            }
            let len = usize::from(byte & !WIDE_CELL);
            let text = self.text.get(offset..offset + len).unwrap_or("");
            offset += len;
            RowCell {
                text,
                wide: byte & WIDE_CELL != 0,
                style,
            }
        })
    }

    /// The row's text between columns `from..to`, a wide character counted once, blanks
    /// inside as spaces, trailing blanks dropped (what copying a selection takes).
    pub fn text_between(&self, from: usize, to: usize) -> String {
        let mut out = String::new();
        let mut blanks = 0usize;
        for (col, cell) in self.cells().enumerate() {
            if col < from {
                continue;
            }
            if col >= to {
                break;
            }
            if cell.text.is_empty() {
                // The right half of a wide character is not a blank.
                let continuation = col > 0
                    && self
                        .cells
                        .get(col - 1)
                        .is_some_and(|byte| byte & WIDE_CELL != 0);
                if !continuation {
                    blanks += 1;
                }
                continue;
            }
            out.extend(std::iter::repeat_n(' ', blanks));
            blanks = 0;
            out.push_str(cell.text);
        }
        out
    }

    /// The whole row's text (trailing blanks dropped).
    pub fn text(&self) -> String {
        self.text_between(0, self.cells.len())
    }
}

/// Builds a [`ScreenRow`] cell by cell, merging equal styles into runs.
#[derive(Debug)]
pub struct RowBuilder {
    row: ScreenRow,
    last: Option<CellStyle>,
}

impl RowBuilder {
    /// Appends one cell. Content longer than [`MAX_CELL_BYTES`] is cut at a character
    /// boundary.
    pub fn push(&mut self, text: &str, wide: bool, style: CellStyle) {
        let mut end = text.len().min(MAX_CELL_BYTES);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let col = self.row.cells.len() as u16;
        if self.last != Some(style) {
            if !(col == 0 && style == CellStyle::default()) {
                self.row.styles.push(StyleRun { col, style });
            }
            self.last = Some(style);
        }
        self.row.text.push_str(&text[..end]);
        self.row
            .cells
            .push(end as u8 | if wide { WIDE_CELL } else { 0 });
    }

    pub fn wrapped(mut self, wrapped: bool) -> Self {
        self.row.wrapped = wrapped;
        self
    }

    pub fn finish(self) -> ScreenRow {
        self.row
    }
}

/// Where a pane's view stands in its history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ScrollState {
    /// Lines above the live screen this client is looking at (0: following output).
    pub offset: usize,
    /// Lines of history the pane keeps.
    pub history: usize,
}

/// A change to a client's copy of a pane's screen: everything but the rows is sent whole
/// (a few bytes); rows only where they differ from what this client last received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreenPatch {
    /// The program's terminal size (shared by every client showing the pane).
    pub size: PaneSize,
    /// The cursor's cell on this view; `None` when hidden or scrolled away.
    pub cursor: Option<(u16, u16)>,
    pub modes: PaneModes,
    pub title: String,
    pub scroll: ScrollState,
    /// The terminal is at a password prompt: typed keys are not recorded.
    pub input_hidden: bool,
    /// `true`: `rows` replace every row (a full frame: attach, resize, resync).
    pub full: bool,
    /// `(row index, row)` for the rows that changed.
    pub rows: Vec<(u16, Arc<ScreenRow>)>,
}

/// A client's copy of a pane's screen, kept up to date by [`ScreenPatch`]es.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScreenCopy {
    pub size: PaneSize,
    pub cursor: Option<(u16, u16)>,
    pub modes: PaneModes,
    pub title: String,
    pub scroll: ScrollState,
    pub input_hidden: bool,
    pub rows: Vec<Arc<ScreenRow>>,
}

impl ScreenCopy {
    /// Applies a patch. Rows past the screen's height are ignored (a malformed patch must not
    /// grow the copy), missing rows read as blank.
    pub fn apply(&mut self, patch: ScreenPatch) {
        let height = usize::from(patch.size.rows);
        self.size = patch.size;
        self.cursor = patch.cursor;
        self.modes = patch.modes;
        self.title = patch.title;
        self.scroll = patch.scroll;
        self.input_hidden = patch.input_hidden;
        if patch.full {
            self.rows.clear();
        }
        self.rows.resize_with(height, Default::default);
        for (index, row) in patch.rows {
            if let Some(slot) = self.rows.get_mut(usize::from(index)) {
                *slot = row;
            }
        }
    }

    /// The content row (oldest history line = 0) shown at the top of the view.
    pub fn first_visible(&self) -> usize {
        self.scroll
            .history
            .saturating_sub(self.scroll.offset.min(self.scroll.history))
    }

    /// Every content row: the history kept plus the screen.
    pub fn total_rows(&self) -> usize {
        self.scroll.history + usize::from(self.size.rows)
    }
}

/// A row of a pane as text (copying, searching), with whether it wraps onto the next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextRow {
    pub text: String,
    pub wrapped: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn style(fg: u8) -> CellStyle {
        CellStyle {
            fg: CellColor::indexed(fg),
            ..CellStyle::default()
        }
    }

    #[test]
    fn colours_round_trip() {
        assert_eq!(CellColor::DEFAULT.value(), ColorValue::Default);
        assert_eq!(CellColor::indexed(200).value(), ColorValue::Indexed(200));
        assert_eq!(CellColor::rgb(1, 2, 3).value(), ColorValue::Rgb(1, 2, 3));
    }

    #[test]
    fn rows_keep_cells_styles_and_wide_characters() {
        let mut builder = ScreenRow::builder(6);
        builder.push("a", false, CellStyle::default());
        builder.push("日", true, style(1));
        builder.push("", false, style(1));
        builder.push("", false, CellStyle::default());
        builder.push("b", false, CellStyle::default());
        builder.push("", false, CellStyle::default());
        let row = builder.wrapped(true).finish();
        assert_eq!(row.styles.len(), 2);
        let cells: Vec<_> = row.cells().collect();
        assert_eq!(cells.len(), 6);
        assert_eq!(
            (cells[1].text, cells[1].wide, cells[1].style),
            ("日", true, style(1))
        );
        assert_eq!((cells[2].text, cells[2].style), ("", style(1)));
        assert_eq!(cells[4].style, CellStyle::default());
        assert_eq!(row.text(), "a日 b");
        assert_eq!(row.text_between(1, 3), "日");
        assert!(row.wrapped);
    }

    #[test]
    fn malformed_rows_read_as_blanks() {
        let row = ScreenRow {
            text: "é".into(),
            cells: vec![1, 5, 0x7f],
            styles: vec![StyleRun {
                col: 9,
                style: style(3),
            }],
            wrapped: false,
        };
        let texts: Vec<&str> = row.cells().map(|c| c.text).collect();
        assert_eq!(texts, ["", "", ""]);
    }

    #[test]
    fn overlong_cell_content_is_cut_at_a_character() {
        let mut builder = ScreenRow::builder(1);
        builder.push(&"é".repeat(100), false, CellStyle::default());
        let row = builder.finish();
        assert!(row.text.len() <= MAX_CELL_BYTES);
        assert_eq!(
            row.cells().next().map(|c| c.text.len()),
            Some(row.text.len())
        );
    }

    #[test]
    fn patches_update_a_copy_and_never_grow_it_past_the_screen() {
        let mut copy = ScreenCopy::default();
        let row = |t: &str| {
            let mut b = ScreenRow::builder(2);
            b.push(t, false, CellStyle::default());
            Arc::new(b.finish())
        };
        let patch = |full, rows| ScreenPatch {
            size: PaneSize::new(2, 2),
            cursor: Some((0, 1)),
            modes: PaneModes::default(),
            title: "t".into(),
            scroll: ScrollState {
                offset: 0,
                history: 5,
            },
            input_hidden: false,
            full,
            rows,
        };
        copy.apply(patch(true, vec![(0, row("a")), (1, row("b"))]));
        copy.apply(patch(false, vec![(1, row("c")), (7, row("x"))]));
        let texts: Vec<String> = copy.rows.iter().map(|r| r.text()).collect();
        assert_eq!(texts, ["a", "c"]);
        assert_eq!((copy.first_visible(), copy.total_rows()), (5, 7));
    }
}
