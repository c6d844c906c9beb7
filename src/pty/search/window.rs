//! What a search reads of a screen, a window of rows at a time: the bounds of its history in
//! line numbers, and the rows of a range of lines (cold rows from their capture, hot rows and
//! the screen through vt100). A live pane is read under its lock one window at a time; an
//! ended pane's screen, which the server's core owns, is copied once ([`ScreenSnapshot`]) so
//! the search runs off the core.

use std::ops::Range;

use super::{Needle, SearchRow};
use crate::pty::history::ColdHistory;
use crate::pty::screen::PaneScreen;

/// Where a screen's rows are, in line numbers (the first line that ever left the screen is
/// line 0; a line keeps its number while output scrolls).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// The line of content row 0 (the oldest a view reaches).
    pub origin: u64,
    /// The oldest line in memory; older ones (from `origin`) come from the store.
    pub held: u64,
    /// The line after the live screen's last row.
    pub end: u64,
    /// Lines of history a view reaches (the scroll state's `history`).
    pub history: usize,
}

/// Rows a search reads from memory.
pub trait SearchMemory {
    fn bounds(&mut self) -> Bounds;
    /// The rows of `range` that memory holds: the first one's line and the rows, in order.
    fn window(&mut self, range: Range<u64>, needle: &Needle) -> (u64, Vec<SearchRow>);
}

impl SearchMemory for PaneScreen {
    fn bounds(&mut self) -> Bounds {
        let rows = u64::from(self.size().rows);
        let cold_end = self.cold_end();
        if self.vt().alternate_screen() {
            // No history on the alternate screen: only what it shows.
            return Bounds {
                origin: cold_end,
                held: cold_end,
                end: cold_end + rows,
                history: 0,
            };
        }
        let origin = self.cold_start();
        Bounds {
            origin,
            held: self.cold().map_or(origin, ColdHistory::first).max(origin),
            end: cold_end + self.hot_len() as u64 + rows,
            history: self.scrollback_len(),
        }
    }

    fn window(&mut self, range: Range<u64>, needle: &Needle) -> (u64, Vec<SearchRow>) {
        let bounds = self.bounds();
        let start = range.start.max(bounds.held);
        let end = range.end.min(bounds.end);
        let mut rows = Vec::new();
        if start >= end {
            return (start, rows);
        }
        let cold_end = self.cold_end();
        if start < cold_end
            && let Some(cold) = self.cold()
        {
            rows = cold.search_rows(start..end.min(cold_end), needle).1;
        }
        let rest = start + rows.len() as u64;
        if rest < end {
            let content = (rest - bounds.origin) as usize;
            rows.extend(
                self.content_rows(content, (end - rest) as usize)
                    .into_iter()
                    .map(|row| SearchRow::new(row.text, row.wrapped)),
            );
        }
        (start, rows)
    }
}

/// A copy of what a search reads of a screen: its cold rows (compact, a few megabytes at
/// most) and the rest as text.
#[derive(Debug, Clone)]
pub struct ScreenSnapshot {
    bounds: Bounds,
    cold: Option<ColdHistory>,
    /// Line of `rest[0]`.
    rest_first: u64,
    rest: Vec<SearchRow>,
}

impl PaneScreen {
    /// Copies what a search of this screen reads (see [`ScreenSnapshot`]).
    pub fn search_snapshot(&mut self) -> ScreenSnapshot {
        let bounds = self.bounds();
        let alternate = self.vt().alternate_screen();
        let cold = (!alternate).then(|| self.cold().cloned()).flatten();
        let rest_first = if alternate {
            bounds.origin
        } else {
            self.cold_end().max(bounds.origin)
        };
        let content = (rest_first - bounds.origin) as usize;
        let rest = self
            .content_rows(content, (bounds.end - rest_first) as usize)
            .into_iter()
            .map(|row| SearchRow::new(row.text, row.wrapped))
            .collect();
        ScreenSnapshot {
            bounds,
            cold,
            rest_first,
            rest,
        }
    }
}

impl SearchMemory for ScreenSnapshot {
    fn bounds(&mut self) -> Bounds {
        self.bounds
    }

    fn window(&mut self, range: Range<u64>, needle: &Needle) -> (u64, Vec<SearchRow>) {
        let start = range.start.max(self.bounds.held);
        let end = range.end.min(self.bounds.end);
        let mut rows = Vec::new();
        if start >= end {
            return (start, rows);
        }
        if start < self.rest_first
            && let Some(cold) = &self.cold
        {
            rows = cold.search_rows(start..end.min(self.rest_first), needle).1;
        }
        let rest = start + rows.len() as u64;
        if rest < end && rest >= self.rest_first {
            let from = (rest - self.rest_first) as usize;
            let to = ((end - self.rest_first) as usize).min(self.rest.len());
            rows.extend(self.rest[from.min(to)..to].iter().cloned());
        }
        (start, rows)
    }
}
