//! Sizes and coordinates of a pane, as newtypes so a row is never passed where a column was
//! meant, and the change counter the UI compares to skip redrawing unchanged panes.

use std::fmt;

/// Fewest rows and columns a pane's screen has: vt100 can panic on a 1×1 grid (wrapping and
/// wide characters assume a second cell), and a 2×2 pane is already useless to look at.
pub const MIN_PANE_DIM: u16 = 2;

/// Most rows a pane's screen has. No display shows more than a few hundred text rows at a
/// readable size; the cap stops a bogus size (`u16::MAX`) from allocating gigabytes, since
/// vt100 keeps 32 bytes per cell.
pub const MAX_PANE_ROWS: u16 = 1000;

/// Most columns a pane's screen has; same reasoning as [`MAX_PANE_ROWS`] (an 8K display at a
/// tiny font is about 1,300 columns). Together they cap one grid at 32 MB.
pub const MAX_PANE_COLS: u16 = 1000;

/// A pane's size in character cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct PaneSize {
    pub rows: u16,
    pub cols: u16,
}

impl PaneSize {
    pub const fn new(rows: u16, cols: u16) -> Self {
        Self { rows, cols }
    }

    /// The size a screen actually uses: each side clamped to
    /// [`MIN_PANE_DIM`]..=[`MAX_PANE_ROWS`]/[`MAX_PANE_COLS`].
    pub fn clamped(self) -> Self {
        Self {
            rows: self.rows.clamp(MIN_PANE_DIM, MAX_PANE_ROWS),
            cols: self.cols.clamp(MIN_PANE_DIM, MAX_PANE_COLS),
        }
    }

    /// Whether either side is zero: a hidden or collapsed pane, whose resize is ignored rather
    /// than shrinking the program's terminal to nothing.
    pub fn is_empty(self) -> bool {
        self.rows == 0 || self.cols == 0
    }
}

impl Default for PaneSize {
    /// 24×80: what a terminal is when nobody said otherwise.
    fn default() -> Self {
        Self { rows: 24, cols: 80 }
    }
}

impl fmt::Display for PaneSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}×{}", self.cols, self.rows)
    }
}

/// A cell of the visible screen, 0-based from the top-left (at the current scrollback offset).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct CellPos {
    pub row: u16,
    pub col: u16,
}

impl CellPos {
    pub const fn new(row: u16, col: u16) -> Self {
        Self { row, col }
    }
}

/// How many lines of history are scrolled into view above the live screen; 0 is the live
/// screen (the bottom).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ScrollOffset(pub usize);

impl ScrollOffset {
    pub const BOTTOM: ScrollOffset = ScrollOffset(0);

    pub fn is_bottom(self) -> bool {
        self.0 == 0
    }
}

/// Counts changes to a pane's screen. It only grows; the UI keeps the value it last drew and
/// redraws the pane when the value differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Generation(pub u64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_clamp_both_ways() {
        assert_eq!(PaneSize::new(0, 1).clamped(), PaneSize::new(2, 2));
        assert_eq!(
            PaneSize::new(u16::MAX, u16::MAX).clamped(),
            PaneSize::new(MAX_PANE_ROWS, MAX_PANE_COLS)
        );
        assert_eq!(PaneSize::new(24, 80).clamped(), PaneSize::new(24, 80));
        assert!(PaneSize::new(0, 80).is_empty());
        assert!(!PaneSize::new(1, 1).is_empty());
    }
}
