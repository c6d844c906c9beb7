//! The search over rows of text, pure: rows that soft-wrap are joined into one line (so a
//! match may run across the wrap), the query is looked for in every line, and the match
//! nearest a starting point in the search's direction is returned with its first and last
//! cell.

use std::ops::Range;

use super::Needle;
use crate::protocol::SearchDirection;

/// One row of a pane as a search reads it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchRow {
    /// The row's characters (blank cells between them as spaces, trailing blanks dropped, a
    /// wide character once).
    pub text: String,
    /// The row continues on the next one (the program's line was soft-wrapped here).
    pub wrapped: bool,
}

impl SearchRow {
    pub fn new(text: impl Into<String>, wrapped: bool) -> Self {
        Self {
            text: text.into(),
            wrapped,
        }
    }
}

/// A cell of the history: a line number (counted from the first line that ever left the
/// screen, so it stays put while output scrolls) and a cell column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct HistoryCell {
    pub line: u64,
    pub col: u16,
}

/// Where a match is: its first cell and its last cell (on a later row when it runs across a
/// soft wrap; the right half of a wide character when it ends on one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowMatch {
    pub start: HistoryCell,
    pub end: HistoryCell,
}

/// One character of a joined line: its row (index into the rows given) and cells.
#[derive(Debug, Clone, Copy)]
struct Place {
    row: usize,
    col: u16,
    width: u16,
}

/// The match nearest `from` in `direction` among those that start on a line of `starts`.
/// `rows[0]` is line `first`; rows past `starts` are read only to finish a line that runs on
/// into them (a window of rows passes a few extra rows for that). Older: the last match that
/// starts before `from`; newer: the first that starts after it.
pub fn find(
    rows: &[SearchRow],
    first: u64,
    starts: Range<u64>,
    needle: &Needle,
    from: HistoryCell,
    direction: SearchDirection,
) -> Option<RowMatch> {
    let mut best: Option<RowMatch> = None;
    let mut chars: Vec<char> = Vec::new();
    let mut places: Vec<Place> = Vec::new();
    let mut row = 0;
    while row < rows.len() {
        let line_start = first + row as u64;
        if line_start >= starts.end {
            break;
        }
        // Join the rows of one line.
        chars.clear();
        places.clear();
        let mut end = row;
        loop {
            let mut col = 0u16;
            for c in rows[end].text.chars() {
                let width = crate::text::char_width(c) as u16;
                chars.push(needle.fold(c));
                places.push(Place {
                    row: end,
                    col,
                    width,
                });
                col = col.saturating_add(width);
            }
            if !rows[end].wrapped || end + 1 == rows.len() {
                break;
            }
            end += 1;
        }
        for start in needle.starts(&chars) {
            let (Some(a), Some(b)) = (places.get(start), places.get(start + needle.len() - 1))
            else {
                continue;
            };
            let found = RowMatch {
                start: HistoryCell {
                    line: first + a.row as u64,
                    col: a.col,
                },
                end: HistoryCell {
                    line: first + b.row as u64,
                    col: b.col.saturating_add(b.width.max(1) - 1),
                },
            };
            if !starts.contains(&found.start.line) {
                continue;
            }
            match direction {
                SearchDirection::Older if found.start < from => best = Some(found),
                SearchDirection::Older => {}
                SearchDirection::Newer if found.start > from => return Some(found),
                SearchDirection::Newer => {}
            }
        }
        row = end + 1;
    }
    best
}

#[cfg(test)]
mod tests;
