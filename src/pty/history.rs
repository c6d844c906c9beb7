//! [`ColdHistory`]: the rows that scrolled past a pane's short vt100 scrollback, kept compact.
//!
//! vt100 keeps 32 bytes a cell for the full width of every history row: 10,000 lines of a
//! 200-column pane cost 64 MB whatever they hold. A pane keeps only [`HOT_SCROLLBACK_LINES`] in
//! vt100; each row pushed out of that (vt100's `on_scroll`) is written here as the text and SGR
//! changes that draw it (`RowContents::write_formatted_basic`), a few bytes for a short line.
//! Reading a cold row back feeds those bytes through a scratch screen of the width they were
//! captured at, so colours, wide characters and soft wraps come back as vt100 drew them.
//!
//! Rows are numbered from the first row that ever left the hot scrollback (index 0), so a
//! replay of the recorded output (`pty::replay::history_page`) numbers the same rows the same
//! way and can fill in rows that were evicted from memory. Rows live in small self-contained
//! blocks: the SGR state of the capture restarts at each block, so decoding a row parses at
//! most one block, and eviction drops whole blocks.
//!
//! | file | owns |
//! |---|---|
//! | `decode.rs` | drawing cold rows back on a scratch screen, for views and copying |
//! | `text.rs` | cold rows as plain text for a search, blocks without the needle skipped |

mod decode;
mod text;

use std::collections::VecDeque;

use vt100::capture::{BasicFormattedCaptureState, RowContents};

pub(in crate::pty) use decode::ViewLine;

/// Rows a pane keeps in vt100 itself, above its visible screen: a page or two of full-fidelity
/// rows for quick scrolling and copying, at 32 bytes a cell (200 columns: 1.3 MB a pane).
/// Older rows are compact in [`ColdHistory`].
pub const HOT_SCROLLBACK_LINES: usize = 200;

/// Bytes of compact rows a pane keeps in memory by default before the oldest blocks are
/// dropped (or left to the store to page back in): 10,000 lines of typical build output are
/// well under a megabyte; a flood of coloured 200-column lines keeps its newest ~20,000 here.
pub const COLD_BUDGET_BYTES: usize = 8 * 1024 * 1024;

/// Bytes in one block before the next row starts a new one. Decoding a row parses its block
/// from the start, so this bounds the work per row read (a few microseconds), while the SGR
/// state restarting per block costs a reset sequence per 4 KiB.
const BLOCK_BYTES: usize = 4 * 1024;

/// Rows in one block before the next row starts a new one (bounds the scratch scrolling when
/// a block of short lines is decoded).
const BLOCK_ROWS: usize = 256;

/// One run of rows captured at one width with one capture state.
#[derive(Debug, Clone)]
struct Block {
    /// Index of the block's first row.
    first: u64,
    /// Width of the screen the rows were captured from.
    cols: u16,
    /// The formatted stream: row `i` is `data[starts[i]..starts[i + 1]]`; a row that begins
    /// with `\n` ended the row before it (a row without one continues a soft-wrapped row).
    data: Vec<u8>,
    starts: Vec<u32>,
    /// Whether the block's last row was soft-wrapped into the next block's first row.
    last_wrapped: bool,
    /// No more rows go into this block (its width changed).
    sealed: bool,
}

impl Block {
    fn rows(&self) -> usize {
        self.starts.len()
    }

    fn row_bytes(&self, i: usize) -> &[u8] {
        let start = self.starts[i] as usize;
        let end = self
            .starts
            .get(i + 1)
            .map_or(self.data.len(), |&e| e as usize);
        &self.data[start..end]
    }

    fn wrapped(&self, i: usize) -> bool {
        if i + 1 < self.rows() {
            self.row_bytes(i + 1).first() != Some(&b'\n')
        } else {
            self.last_wrapped
        }
    }

    /// Heap bytes held, for the budget.
    fn cost(&self) -> usize {
        self.data.capacity() + self.starts.capacity() * 4 + std::mem::size_of::<Self>()
    }
}

/// A cold row read back: the bytes that draw it (from the start of its block, so the SGR
/// state is right) and where it sits among them.
#[derive(Debug, Clone, Copy)]
pub struct ColdRow<'a> {
    /// The block's stream up to and including this row.
    pub stream: &'a [u8],
    /// Rows in `stream` before this one.
    pub before: usize,
    pub cols: u16,
    pub wrapped: bool,
}

/// Rows dropped off the hot scrollback, compact, bounded by bytes and rows.
#[derive(Debug, Clone)]
pub struct ColdHistory {
    blocks: VecDeque<Block>,
    /// Index the next captured row gets (rows ever captured, counting from `base`).
    next: u64,
    /// Index of the oldest row still held when nothing is held.
    first_empty: u64,
    bytes: usize,
    budget_bytes: usize,
    budget_rows: usize,
    state: BasicFormattedCaptureState,
    scratch: String,
    /// Width rows are captured at now.
    cols: u16,
    /// Only rows with these indexes are kept; the others are only counted (a page replayed
    /// from the store keeps the rows around the one a view wants).
    window: Option<std::ops::Range<u64>>,
}

impl ColdHistory {
    /// An empty history whose first row will be `first`, capturing rows `cols` wide, keeping
    /// at most `budget_rows` rows and about `budget_bytes` bytes.
    pub fn new(first: u64, cols: u16, budget_rows: usize, budget_bytes: usize) -> Self {
        Self {
            blocks: VecDeque::new(),
            next: first,
            first_empty: first,
            bytes: 0,
            budget_bytes,
            budget_rows,
            state: BasicFormattedCaptureState::new(),
            scratch: String::new(),
            cols,
            window: None,
        }
    }

    /// Keeps only rows in `window` from now on (the others are counted, not kept).
    pub fn keep_only(&mut self, window: std::ops::Range<u64>) {
        self.window = Some(window);
    }

    /// Index the next captured row gets: rows captured so far, counting from the first.
    pub fn end(&self) -> u64 {
        self.next
    }

    /// Index after the newest row held (rows counted past a window are not held).
    pub fn held_end(&self) -> u64 {
        self.blocks
            .back()
            .map_or(self.first_empty, |b| b.first + b.rows() as u64)
    }

    /// Whether row `index` is held here.
    pub fn holds(&self, index: u64) -> bool {
        index >= self.first() && index < self.held_end()
    }

    /// Index of the oldest row still held (`end()` when none is).
    pub fn first(&self) -> u64 {
        self.blocks.front().map_or(self.first_empty, |b| b.first)
    }

    /// Heap bytes held.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Rows are captured at `cols` from now on (a resize); the next row starts a block.
    pub fn set_cols(&mut self, cols: u16) {
        if cols != self.cols {
            self.cols = cols;
            self.seal();
        }
    }

    /// Captures one row leaving the hot scrollback.
    pub fn push(&mut self, row: &RowContents<'_>) {
        if self
            .window
            .as_ref()
            .is_some_and(|w| !w.contains(&self.next))
        {
            self.next += 1;
            if self.blocks.is_empty() {
                self.first_empty = self.next;
            }
            return;
        }
        self.scratch.clear();
        let full = self.blocks.back().is_none_or(|b| {
            b.sealed || b.cols != self.cols || b.data.len() >= BLOCK_BYTES || b.rows() >= BLOCK_ROWS
        });
        if full {
            // The first row of a block starts from a fresh capture state, so the block decodes
            // on its own. Writing it once with the old state tells whether the row before was
            // soft-wrapped (the old state then writes no leading newline).
            if let Some(last) = self.blocks.back_mut()
                && last.rows() > 0
            {
                let _ = row.write_formatted_basic(&mut self.scratch, &mut self.state.clone());
                last.last_wrapped = !self.scratch.starts_with('\n');
                self.scratch.clear();
            }
            self.state = BasicFormattedCaptureState::new();
            self.blocks.push_back(Block {
                first: self.next,
                cols: self.cols,
                data: Vec::new(),
                starts: Vec::new(),
                last_wrapped: false,
                sealed: false,
            });
        }
        // Writing into a String cannot fail.
        let _ = row.write_formatted_basic(&mut self.scratch, &mut self.state);
        if let Some(block) = self.blocks.back_mut() {
            let before = block.cost();
            block.starts.push(block.data.len() as u32);
            block.data.extend_from_slice(self.scratch.as_bytes());
            self.bytes = self.bytes + block.cost() - before;
        }
        self.next += 1;
        self.evict();
    }

    /// Ends the current block: the next row starts a new one.
    fn seal(&mut self) {
        if let Some(block) = self.blocks.back_mut() {
            block.data.shrink_to_fit();
            block.starts.shrink_to_fit();
        }
        if let Some(block) = self.blocks.back_mut() {
            block.sealed = true;
        }
        self.recount();
    }

    fn recount(&mut self) {
        self.bytes = self.blocks.iter().map(Block::cost).sum();
    }

    /// Drops the oldest blocks while over the byte budget, or while the rows left without the
    /// oldest block would still be the row budget (so at least that many rows are kept).
    fn evict(&mut self) {
        while self.blocks.len() > 1
            && (self.bytes > self.budget_bytes
                || self
                    .blocks
                    .front()
                    .is_some_and(|b| (self.next - b.first) as usize - b.rows() >= self.budget_rows))
        {
            if let Some(block) = self.blocks.pop_front() {
                self.bytes = self.bytes.saturating_sub(block.cost());
                self.first_empty = block.first + block.rows() as u64;
            }
        }
        // A budget of no rows keeps nothing, not even the newest block.
        if self.budget_rows == 0 || self.budget_bytes == 0 {
            self.blocks.clear();
            self.bytes = 0;
            self.first_empty = self.next;
        }
    }

    /// Drops every row (the program cleared its history and nothing is to be paged back).
    pub fn clear(&mut self) {
        self.blocks.clear();
        self.bytes = 0;
        self.first_empty = self.next;
    }

    /// The row at `index`, if it is still held.
    pub fn row(&self, index: u64) -> Option<ColdRow<'_>> {
        if index < self.first() || index >= self.held_end() {
            return None;
        }
        let at = self.blocks.partition_point(|b| b.first <= index);
        let block = self.blocks.get(at.checked_sub(1)?)?;
        let i = (index - block.first) as usize;
        if i >= block.rows() {
            return None;
        }
        let end = block
            .starts
            .get(i + 1)
            .map_or(block.data.len(), |&e| e as usize);
        let wrapped = if index + 1 == self.next {
            self.newest_wrapped()
        } else {
            block.wrapped(i)
        };
        Some(ColdRow {
            stream: &block.data[..end],
            before: i,
            cols: block.cols.max(1),
            wrapped,
        })
    }

    /// Whether the newest row continues on a row not captured yet. Only the capture state knows
    /// (it would start the next row with a newline otherwise), and it shows that only in its
    /// `Debug` form; a test (`cold_rows_read_back_as_vt100_kept_them`) holds it to vt100.
    fn newest_wrapped(&self) -> bool {
        !format!("{:?}", self.state).contains("newline_pending: true")
    }
}

#[cfg(test)]
mod tests;
