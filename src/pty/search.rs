//! Searching a pane's history for text, in the process that owns the pane (the server): the
//! client holds only the rows on screen. The search reaches every row a view can scroll to —
//! the screen, vt100's hot rows, the compact cold rows, and for a recorded pane the rows
//! older than memory, replayed from the store — and never holds a live pane's screen lock for
//! more than one window of rows.
//!
//! | file | owns |
//! |---|---|
//! | `needle.rs` | the query: smart case, folding, finding it in text and in whole blocks |
//! | `rows.rs` | the pure search over rows: soft-wrapped rows joined, the nearest match |
//! | `window.rs` | a screen's bounds and rows for a search; a copy of an ended pane's |
//! | `walk.rs` | window by window through memory, then segment by segment through the store |
//!
//! Rows of cold history are read as text straight from their capture (`history/text.rs`);
//! a block whose text does not hold the query is skipped without splitting it into rows.

mod needle;
mod rows;
mod walk;
mod window;

pub use needle::{MAX_QUERY_CHARS, Needle, fold_char};
pub use rows::{HistoryCell, RowMatch, SearchRow, find};
pub use walk::{SearchStore, WINDOW_LINES, Walked, walk};
pub use window::{Bounds, ScreenSnapshot, SearchMemory};

use crate::protocol::{PaneMatch, PanePoint, PaneSearchOutcome, SearchDirection};

/// A search as the owner of a pane runs it: rows are content rows (0: the oldest history line
/// a view reaches), as the client counts them.
#[derive(Debug, Clone)]
pub struct HistoryQuery {
    pub needle: Needle,
    pub from: PanePoint,
    pub direction: SearchDirection,
}

/// Runs a search over `memory` (and `store`, for rows older than memory); `None` when
/// `cancelled` said so before it ended. The match is given in content rows as they are when
/// it is found, with the history length they count against.
pub fn run(
    memory: &mut dyn SearchMemory,
    store: Option<&mut dyn SearchStore>,
    query: &HistoryQuery,
    cancelled: &dyn Fn() -> bool,
) -> Option<PaneSearchOutcome> {
    let origin = memory.bounds().origin;
    let from = HistoryCell {
        line: origin.saturating_add(query.from.row as u64),
        col: query.from.col,
    };
    let found = match walk(
        memory,
        store,
        &query.needle,
        from,
        query.direction,
        cancelled,
    ) {
        Ok(Walked::Found(found)) => found,
        Ok(Walked::NotFound) => return Some(PaneSearchOutcome::NotFound),
        Ok(Walked::Cancelled) => return None,
        Err(error) => return Some(PaneSearchOutcome::Failed(error.to_string())),
    };
    let now = memory.bounds();
    let point = |cell: HistoryCell| {
        cell.line.checked_sub(now.origin).map(|row| PanePoint {
            row: row as usize,
            col: cell.col,
        })
    };
    // The match scrolled out of reach while the search ran (a pane that keeps no more than
    // memory, flooding): nothing to show.
    let (Some(start), Some(end)) = (point(found.start), point(found.end)) else {
        return Some(PaneSearchOutcome::NotFound);
    };
    Some(PaneSearchOutcome::Found(PaneMatch {
        start,
        end,
        history: now.history,
    }))
}

impl ScreenSnapshot {
    /// Searches the copied screen (an ended pane has no store pages: its replay is its
    /// history).
    pub fn search(
        mut self,
        query: &HistoryQuery,
        cancelled: &dyn Fn() -> bool,
    ) -> Option<PaneSearchOutcome> {
        run(&mut self, None, query, cancelled)
    }
}

#[cfg(test)]
mod tests;
