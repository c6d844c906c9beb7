//! Reading cold rows back: a view scrolled past vt100's scrollback, and copying from there.
//! Rows of one block are decoded together by feeding the block's stream through a scratch
//! screen of the width it was captured at (see the parent module).

use std::ops::Range;

use super::super::geometry::PaneSize;
use super::super::screen::PaneScreen;
use super::ColdRow;

/// Where one row of the current view comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::pty) enum ViewLine {
    /// A row of vt100's grid at its (capped) offset.
    Vt(u16),
    /// A cold row by index.
    Cold(u64),
}

/// One decoded row, borrowed from the scratch screen that drew it.
pub(in crate::pty) struct Decoded<'a> {
    pub screen: &'a PaneScreen,
    pub row: u16,
    pub wrapped: bool,
}

impl PaneScreen {
    /// Rows of the view above the rows vt100 shows (those come from the cold history).
    fn cold_view_rows(&self) -> usize {
        self.scroll_offset().0.saturating_sub(self.hot_len())
    }

    /// Where view row `row` comes from at the current offset.
    pub(in crate::pty) fn view_line(&self, row: u16) -> ViewLine {
        let cold = self.cold_view_rows();
        if usize::from(row) < cold {
            ViewLine::Cold(self.cold_end() - cold as u64 + u64::from(row))
        } else {
            ViewLine::Vt(row - cold as u16)
        }
    }

    fn cold_row(&self, index: u64) -> Option<ColdRow<'_>> {
        self.cold()
            .and_then(|cold| cold.row(index))
            .or_else(|| self.paged().iter().find_map(|page| page.row(index)))
    }

    /// Decodes cold rows `range`, in order: `make` gets each row drawn on a scratch screen;
    /// rows neither held nor paged in give `None` (and are wanted from the store when the
    /// history reaches that far back).
    pub(in crate::pty) fn decode_cold<T>(
        &mut self,
        range: Range<u64>,
        make: impl FnMut(Decoded<'_>) -> T,
    ) -> Vec<Option<T>> {
        let (rows, missing) = self.decode_cold_ref(range, make);
        if let Some(index) = missing {
            self.want(index);
        }
        rows
    }

    /// [`Self::decode_cold`] that leaves the wanting to the caller: also returns the newest
    /// row that could be paged in but is not.
    pub(in crate::pty) fn decode_cold_ref<T>(
        &self,
        range: Range<u64>,
        mut make: impl FnMut(Decoded<'_>) -> T,
    ) -> (Vec<Option<T>>, Option<u64>) {
        let mut out = Vec::with_capacity(range.clone().count());
        let mut missing = None;
        let mut index = range.start;
        while index < range.end {
            let Some(first) = self.cold_row(index) else {
                if index >= self.cold_start() {
                    missing = Some(index);
                }
                out.push(None);
                index += 1;
                continue;
            };
            // The run of wanted rows in the same block as `first`.
            let mut wrapped = vec![first.wrapped];
            let mut last = first;
            while index + (wrapped.len() as u64) < range.end {
                match self.cold_row(index + wrapped.len() as u64) {
                    Some(next) if same_block(&first, &next) => {
                        wrapped.push(next.wrapped);
                        last = next;
                    }
                    _ => break,
                }
            }
            let n = wrapped.len();
            let scratch = draw(&last, n);
            let bottom = scratch.cursor().row;
            let top = (bottom + 1).saturating_sub(n as u16);
            for (i, wrapped) in wrapped.into_iter().enumerate() {
                out.push(Some(make(Decoded {
                    screen: &scratch,
                    row: top + i as u16,
                    wrapped,
                })));
            }
            index += n as u64;
        }
        (out, missing)
    }
}

fn same_block(a: &ColdRow<'_>, b: &ColdRow<'_>) -> bool {
    a.stream.as_ptr() == b.stream.as_ptr()
}

/// A scratch screen `rows` tall (at least 2) with `last`'s block drawn up to and including it,
/// so the last `rows` lines drawn end on the cursor's row.
fn draw(last: &ColdRow<'_>, rows: usize) -> PaneScreen {
    let height = rows.clamp(2, usize::from(u16::MAX)) as u16;
    let mut scratch = PaneScreen::scratch(PaneSize::new(height, last.cols));
    // The capture ends a row with a bare line feed; a terminal needs the carriage return.
    let mut bytes = Vec::with_capacity(last.stream.len() + last.before * 2);
    for (i, piece) in last.stream.split(|&b| b == b'\n').enumerate() {
        if i > 0 {
            bytes.extend_from_slice(b"\r\n");
        }
        bytes.extend_from_slice(piece);
    }
    let _ = scratch.feed(&bytes);
    scratch
}
