//! PTY panes: programs running in pseudo-terminals inside the workstation, each with its own
//! emulated screen. See `docs/PTY.md` for the threads, channels, back-pressure and limits.
//!
//! | part | what the UI uses it for |
//! |---|---|
//! | [`PtySlot`] | spawn a program, write to it, resize, kill, read its screen and status |
//! | [`PaneScreen`] | the screen: cells, cursor, modes, title, scrollback, copy text |
//! | [`PaneView`] | a ratatui widget painting a screen, reporting the cursor position |
//! | [`encode_key`], [`encode_paste`], [`encode_mouse`] | crossterm events → bytes for the program |
//! | [`pane_wakeups`] | one coalescing "some pane changed" signal for the UI loop |
//! | [`Recorder`], [`replay_screen`] | record a slot into the store and rebuild its screen |
//! | [`ColdHistory`], [`history_page`] | history past vt100's short scrollback, compact; pages of it rebuilt from the store |
//! | [`search`] | finding text anywhere in a pane's history, memory and store |
//! | [`classify_activity`], [`looks_like_prompt`] | busy / waiting for input / idle |

mod activity;
mod actor;
mod geometry;
mod history;
mod input;
mod notify;
mod record;
mod render;
mod replay;
mod replies;
mod screen;
pub mod search;
mod snapshot;

use std::sync::{Mutex, MutexGuard, PoisonError};

pub use activity::{
    Activity, ActivityPolicy, CursorLine, classify as classify_activity, looks_like_prompt,
};
pub use actor::{
    FALLBACK_SHELL, ProgramExit, PtySlot, SlotError, SlotOptions, SlotStatus, SpawnSpec,
};
pub use geometry::{
    CellPos, Generation, MAX_PANE_COLS, MAX_PANE_ROWS, MIN_PANE_DIM, PaneSize, ScrollOffset,
};
pub use history::{COLD_BUDGET_BYTES, ColdHistory, HOT_SCROLLBACK_LINES};
pub use input::{encode_key, encode_mouse, encode_paste};
pub use notify::{PaneWaker, PaneWakeups, pane_wakeups};
pub use record::{
    HistoryMark, MAX_CHUNK_RAW, OUTPUT_LINGER, Recorder, SCREEN_CHECKPOINT_BYTES, VALUE_BUDGET,
};
pub use render::{ColorMode, PaneRenderState, PaneView};
pub use replay::{
    ReplayStart, ReplayedScreen, history_page, history_rows, history_segment, replay_screen,
    replay_screen_from,
};
pub use replies::{ReplyColors, Rgb};
pub use screen::{
    DEFAULT_SCROLLBACK_LINES, FollowOutput, MAX_SCROLLBACK_LINES, MouseEncoding, MouseMode,
    PaneModes, PaneScreen, ScreenCheckpoint,
};
pub use snapshot::{LiveView, ViewRows};

/// Locks a mutex, taking the data even if a thread panicked while holding it: a pane's
/// screen or status is still worth showing, and a poisoned lock must not cascade panics.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
