//! Cold rows as text for a search, read straight from their capture. The capture is vt100's
//! "basic" format — the characters and SGR sequences that draw a row, nothing else — so
//! stripping the SGR sequences (vt100's `basic_formatted_to_plain`) gives the row's text
//! without drawing it on a scratch screen (what reading a row back for a view does, see
//! `decode.rs`). A block is checked whole first: when the needle is nowhere in its text
//! (taking in the line that runs on into the next block), its rows are never split out.

use std::ops::Range;

use vt100::capture::basic_formatted_to_plain;

use super::super::search::{Needle, SearchRow};
use super::{Block, ColdHistory};

/// The text a piece of a capture draws.
fn plain(capture: &[u8]) -> String {
    match std::str::from_utf8(capture) {
        Ok(text) => basic_formatted_to_plain(text).collect(),
        // The capture is written from a `String`; this is only a guard.
        Err(_) => basic_formatted_to_plain(&String::from_utf8_lossy(capture)).collect(),
    }
}

impl Block {
    /// Whether the needle may be in this block's rows: in its text, or across the soft wrap
    /// from its last row into `next`'s first line.
    fn may_hold(&self, next: Option<&Block>, needle: &Needle) -> bool {
        let mut text = plain(&self.data);
        if self.last_wrapped
            && let Some(next) = next
        {
            let follow = plain(&next.data);
            let line = follow.split('\n').next().unwrap_or_default();
            text.extend(line.chars().take(needle.len()));
        }
        needle.occurs_in(&text)
    }
}

impl ColdHistory {
    /// Rows `range` that are held (the first one's index and the rows), as a search reads
    /// them: rows of a block that cannot hold `needle` come back blank and unwrapped.
    pub(in crate::pty) fn search_rows(
        &self,
        range: Range<u64>,
        needle: &Needle,
    ) -> (u64, Vec<SearchRow>) {
        let start = range.start.max(self.first());
        let end = range.end.min(self.held_end());
        let mut rows = Vec::with_capacity(end.saturating_sub(start) as usize);
        if start >= end {
            return (start, rows);
        }
        let at = self
            .blocks
            .partition_point(|b| b.first + b.rows() as u64 <= start);
        // A block whose check passed only for the line running on into the next block needs
        // that block's rows too.
        let mut runs_on = false;
        for (i, block) in self.blocks.iter().enumerate().skip(at) {
            if block.first >= end {
                break;
            }
            let holds = block.may_hold(self.blocks.get(i + 1), needle);
            let candidate = runs_on || holds;
            runs_on = holds && block.last_wrapped;
            let from = start.max(block.first) - block.first;
            let to = (end.min(block.first + block.rows() as u64) - block.first) as usize;
            let from = from as usize;
            if !candidate {
                rows.extend((from..to).map(|_| SearchRow::default()));
                continue;
            }
            for row in from..to {
                let bytes = block.row_bytes(row);
                let bytes = bytes.strip_prefix(b"\n").unwrap_or(bytes);
                let index = block.first + row as u64;
                let wrapped = if index + 1 == self.next {
                    self.newest_wrapped()
                } else {
                    block.wrapped(row)
                };
                rows.push(SearchRow::new(plain(bytes), wrapped));
            }
        }
        (start, rows)
    }
}
