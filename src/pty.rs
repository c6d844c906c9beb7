//! PTY panes: programs running in pseudo-terminals inside the workstation, each with its own
//! emulated screen. See `docs/PTY.md` for the threads, channels, back-pressure and limits.

mod geometry;
mod input;
mod render;
mod replies;
mod screen;

pub use geometry::{
    CellPos, Generation, MAX_PANE_COLS, MAX_PANE_ROWS, MIN_PANE_DIM, PaneSize, ScrollOffset,
};
pub use input::{encode_key, encode_mouse, encode_paste};
pub use render::{ColorMode, PaneRenderState, PaneView};
pub use replies::{ReplyColors, Rgb};
pub use screen::{
    DEFAULT_SCROLLBACK_LINES, FollowOutput, MAX_SCROLLBACK_LINES, MouseEncoding, MouseMode,
    PaneModes, PaneScreen, ScreenCheckpoint,
};
