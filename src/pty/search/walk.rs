//! The whole search: from its starting line, window by window through the rows in memory,
//! then — for a recorded pane whose history reaches past memory — segment by segment through
//! the output the store still holds, replayed the way scrolling pages history in
//! (`pty::replay::history_rows`). It checks for cancellation between windows, and reads memory
//! through [`SearchMemory`], which a live pane serves under its lock one window at a time.

use std::ops::Range;

use super::window::SearchMemory;
use super::{HistoryCell, Needle, RowMatch, find};
use crate::protocol::SearchDirection;
use crate::pty::history::ColdHistory;
use crate::store::StoreError;

/// Lines read from memory per window (per hold of a live pane's lock): about a millisecond of
/// work at most, usually far less (blocks without the query are skipped whole).
pub const WINDOW_LINES: u64 = 1024;

/// History older than memory, paged in from the recorded output.
pub trait SearchStore {
    /// The lines a replay starting at the last history mark at or before `line` numbers (up
    /// to the next mark); `None` when no mark reaches that line.
    fn segment(&self, line: u64) -> Option<Range<u64>>;
    /// The rows `keep` of `line`'s segment, replayed; `None` when the store no longer holds
    /// that output.
    fn page(&mut self, line: u64, keep: Range<u64>) -> Result<Option<ColdHistory>, StoreError>;
}

/// How a walk ended.
#[derive(Debug)]
pub enum Walked {
    Found(RowMatch),
    NotFound,
    Cancelled,
}

/// Rows past a window read to finish a line that runs on across soft wraps: enough for the
/// query even at one character per row.
fn margin(needle: &Needle) -> u64 {
    needle.len() as u64 + 1
}

/// Walks the history from `from` in `direction` until a match, its end, or `cancelled`.
pub fn walk(
    memory: &mut dyn SearchMemory,
    store: Option<&mut dyn SearchStore>,
    needle: &Needle,
    from: HistoryCell,
    direction: SearchDirection,
    cancelled: &dyn Fn() -> bool,
) -> Result<Walked, StoreError> {
    match direction {
        SearchDirection::Older => older(memory, store, needle, from, cancelled),
        SearchDirection::Newer => newer(memory, store, needle, from, cancelled),
    }
}

fn older(
    memory: &mut dyn SearchMemory,
    mut store: Option<&mut dyn SearchStore>,
    needle: &Needle,
    from: HistoryCell,
    cancelled: &dyn Fn() -> bool,
) -> Result<Walked, StoreError> {
    let direction = SearchDirection::Older;
    // Lines before `end` are still to search.
    let mut end = from.line.saturating_add(1);
    loop {
        if cancelled() {
            return Ok(Walked::Cancelled);
        }
        let bounds = memory.bounds();
        end = end.min(bounds.end);
        if end <= bounds.origin {
            return Ok(Walked::NotFound);
        }
        if end > bounds.held {
            let start = end.saturating_sub(WINDOW_LINES).max(bounds.held);
            let (first, rows) = memory.window(start..end.saturating_add(margin(needle)), needle);
            if let Some(found) = find(&rows, first, start..end, needle, from, direction) {
                return Ok(Walked::Found(found));
            }
            end = start;
            continue;
        }
        let Some(store) = store.as_deref_mut() else {
            return Ok(Walked::NotFound);
        };
        let Some(segment) = store.segment(end - 1) else {
            return Ok(Walked::NotFound);
        };
        let keep = segment.start.max(bounds.origin)..end;
        let Some(page) = store.page(end - 1, keep.clone())? else {
            return Ok(Walked::NotFound);
        };
        let (first, rows) = page.search_rows(keep.clone(), needle);
        if let Some(found) = find(&rows, first, keep.clone(), needle, from, direction) {
            return Ok(Walked::Found(found));
        }
        end = keep.start;
    }
}

fn newer(
    memory: &mut dyn SearchMemory,
    mut store: Option<&mut dyn SearchStore>,
    needle: &Needle,
    from: HistoryCell,
    cancelled: &dyn Fn() -> bool,
) -> Result<Walked, StoreError> {
    let direction = SearchDirection::Newer;
    // Lines from `start` on are still to search.
    let mut start = from.line;
    loop {
        if cancelled() {
            return Ok(Walked::Cancelled);
        }
        let bounds = memory.bounds();
        start = start.max(bounds.origin);
        if start >= bounds.end {
            return Ok(Walked::NotFound);
        }
        if start >= bounds.held {
            let end = start.saturating_add(WINDOW_LINES).min(bounds.end);
            let (first, rows) = memory.window(start..end.saturating_add(margin(needle)), needle);
            if let Some(found) = find(&rows, first, start..end, needle, from, direction) {
                return Ok(Walked::Found(found));
            }
            start = end;
            continue;
        }
        // Below memory: a segment from the store, or on to memory when none reaches here.
        let segment = store.as_deref().and_then(|s| s.segment(start));
        let (Some(store), Some(segment)) = (store.as_deref_mut(), segment) else {
            start = bounds.held;
            continue;
        };
        let keep = start..segment.end.min(bounds.held).max(start + 1);
        let Some(page) = store.page(start, keep.clone())? else {
            start = keep.end;
            continue;
        };
        let (first, rows) = page.search_rows(keep.clone(), needle);
        if let Some(found) = find(&rows, first, keep.clone(), needle, from, direction) {
            return Ok(Walked::Found(found));
        }
        start = keep.end;
    }
}
