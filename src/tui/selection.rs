//! Text selection and copy: mouse drag, double-click word, triple-click line, and a keyboard
//! copy mode, over any area that can list its rows as [`SelectableRow`]s (transcripts now, PTY
//! screens later). Selections live in content coordinates (row within the slot's content,
//! cell column within the text area), so scrolling keeps them in place. Copied text skips
//! gutters, joins soft-wrapped rows, and never cuts a wide character.

use std::time::{Duration, Instant};

use super::slots::SlotId;
use super::text::char_width;

/// Clicks closer together than this (and on the same cell) count as double/triple clicks.
const MULTI_CLICK: Duration = Duration::from_millis(400);

/// A cell in a slot's content: row from the content's first row, column from its left edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Point {
    pub row: usize,
    pub col: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Selection {
    pub slot: SlotId,
    pub anchor: Point,
    pub head: Point,
}

impl Selection {
    /// Start and end, in reading order.
    pub fn ordered(&self) -> (Point, Point) {
        if self.anchor <= self.head {
            (self.anchor, self.head)
        } else {
            (self.head, self.anchor)
        }
    }

    pub fn is_empty(&self) -> bool {
        self.anchor == self.head
    }

    /// The selected cell columns of `row` (inclusive start, exclusive end), if any.
    pub fn columns(&self, row: usize, row_end: u16) -> Option<(u16, u16)> {
        let (start, end) = self.ordered();
        if row < start.row || row > end.row {
            return None;
        }
        let from = if row == start.row { start.col } else { 0 };
        let to = if row == end.row {
            end.col.saturating_add(1)
        } else {
            row_end
        };
        (from < to).then_some((from, to))
    }
}

/// Counts clicks for double- and triple-click.
#[derive(Debug, Clone, Default)]
pub struct ClickTracker {
    last: Option<(Instant, u16, u16, u8)>,
}

impl ClickTracker {
    /// Registers a click; returns 1, 2 or 3.
    pub fn click(&mut self, at: Instant, x: u16, y: u16) -> u8 {
        let count = match self.last {
            Some((when, lx, ly, n))
                if lx == x && ly == y && at.duration_since(when) <= MULTI_CLICK =>
            {
                n % 3 + 1
            }
            _ => 1,
        };
        self.last = Some((at, x, y, count));
        count
    }
}

/// The keyboard copy mode's cursor and (once started) anchor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CopyCursor {
    pub slot: SlotId,
    pub cursor: Point,
    pub anchor: Option<Point>,
}

impl CopyCursor {
    pub fn selection(&self) -> Option<Selection> {
        self.anchor.map(|anchor| Selection {
            slot: self.slot,
            anchor,
            head: self.cursor,
        })
    }
}

/// One row of selectable text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SelectableRow {
    pub text: String,
    /// Cells before the text (markers, gutters) that are never copied.
    pub gutter: u16,
    /// Soft-wrapped: joins the next row without a newline when copied.
    pub continues: bool,
}

impl SelectableRow {
    /// `(char, first cell, width)` for every char, cells counted from the row's left edge.
    fn cells(&self) -> impl Iterator<Item = (char, u16, u16)> + '_ {
        let mut x = self.gutter;
        self.text.chars().map(move |c| {
            let w = char_width(c) as u16;
            let at = x;
            x += w;
            (c, at, w)
        })
    }

    /// Cell just past the last char.
    pub fn end(&self) -> u16 {
        self.gutter + super::text::width(&self.text) as u16
    }

    /// The chars overlapping cells `from..to` (a wide char counts when any half is inside).
    fn slice(&self, from: u16, to: u16) -> String {
        self.cells()
            .filter(|&(_, at, w)| at + w.max(1) > from && at < to)
            .map(|(c, _, _)| c)
            .collect()
    }

    /// Cell range of the word under `col` (for double-click).
    pub fn word_at(&self, col: u16) -> (u16, u16) {
        let cells: Vec<(char, u16, u16)> = self.cells().collect();
        let Some(i) = cells
            .iter()
            .position(|&(_, at, w)| col >= at && col < at + w.max(1))
        else {
            return (col, col);
        };
        let is_word = |c: char| c.is_alphanumeric() || "_-./:~".contains(c);
        if !is_word(cells[i].0) {
            return (cells[i].1, cells[i].1 + cells[i].2.max(1) - 1);
        }
        let mut a = i;
        while a > 0 && is_word(cells[a - 1].0) {
            a -= 1;
        }
        let mut b = i;
        while b + 1 < cells.len() && is_word(cells[b + 1].0) {
            b += 1;
        }
        (cells[a].1, cells[b].1 + cells[b].2.max(1) - 1)
    }
}

/// The selected text. `rows[0]` is content row `first_row`.
pub fn extract(rows: &[SelectableRow], first_row: usize, selection: &Selection) -> String {
    let (start, end) = selection.ordered();
    let mut out = String::new();
    for row in start.row..=end.row {
        let Some(data) = row.checked_sub(first_row).and_then(|i| rows.get(i)) else {
            continue;
        };
        let Some((from, to)) = selection.columns(row, u16::MAX) else {
            continue;
        };
        let mut piece = data.slice(from, to);
        if !data.continues || row == end.row {
            piece.truncate(piece.trim_end().len());
        }
        out.push_str(&piece);
        if row != end.row && !data.continues {
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(text: &str, gutter: u16, continues: bool) -> SelectableRow {
        SelectableRow {
            text: text.into(),
            gutter,
            continues,
        }
    }

    fn sel(a: (usize, u16), b: (usize, u16)) -> Selection {
        Selection {
            slot: crate::ids::SessionId(1),
            anchor: Point { row: a.0, col: a.1 },
            head: Point { row: b.0, col: b.1 },
        }
    }

    #[test]
    fn soft_wrapped_rows_join_and_gutters_are_skipped() {
        let rows = vec![
            row("the quick ", 2, true),
            row("brown fox", 2, false),
            row("jumps", 2, false),
        ];
        // From inside the gutter of row 0 to the end of row 2.
        let text = extract(&rows, 10, &sel((10, 0), (12, 40)));
        assert_eq!(text, "the quick brown fox\njumps");
        // Backwards selections read the same.
        assert_eq!(extract(&rows, 10, &sel((11, 7), (10, 6))), "quick brown");
    }

    #[test]
    fn wide_characters_are_copied_whole() {
        let rows = vec![row("ab数据cd", 0, false)];
        // Cell 3 is the right half of 数; cell 4 the left half of 据.
        assert_eq!(extract(&rows, 0, &sel((0, 3), (0, 4))), "数据");
    }

    #[test]
    fn double_click_finds_words() {
        let r = row("run cargo-test now", 2, false);
        assert_eq!(r.word_at(8), (6, 15));
        assert_eq!(r.word_at(5), (5, 5));
    }

    #[test]
    fn clicks_count_up_to_three() {
        let mut clicks = ClickTracker::default();
        let t = Instant::now();
        assert_eq!(clicks.click(t, 1, 1), 1);
        assert_eq!(clicks.click(t + Duration::from_millis(100), 1, 1), 2);
        assert_eq!(clicks.click(t + Duration::from_millis(200), 1, 1), 3);
        assert_eq!(clicks.click(t + Duration::from_millis(300), 1, 1), 1);
        assert_eq!(clicks.click(t + Duration::from_secs(2), 1, 1), 1);
        assert_eq!(clicks.click(t + Duration::from_millis(2100), 2, 1), 1);
    }
}
