//! Rebuilding a recorded slot's screen from the store, through the same [`PaneScreen`] the live
//! pane used: spawns start a fresh screen, resizes resize it, output is fed, and the latest
//! `pty.screen` checkpoint lets a replay skip everything before it.

use crate::event::EventKind;
use crate::ids::{Seq, SessionId};
use crate::store::{Store, StoreError};

use super::geometry::PaneSize;
use super::history::ColdHistory;
use super::record::HistoryMark;
use super::screen::{DEFAULT_SCROLLBACK_LINES, PaneScreen, ScreenCheckpoint};

/// Where a replay begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReplayStart {
    /// At the latest screen checkpoint or spawn, whichever is later: reads only the tail.
    #[default]
    LatestCheckpoint,
    /// At the first event, ignoring checkpoints: the reference a checkpointed replay must
    /// match, and the only way to rebuild history (checkpoints hold no scrollback).
    Beginning,
}

/// A replayed screen and how much of the log it read.
#[derive(Debug)]
pub struct ReplayedScreen {
    pub screen: PaneScreen,
    /// The seq the replay started from (a checkpoint, a spawn, or 1).
    pub started_at: Seq,
    /// Events read.
    pub events_read: u64,
}

/// The last screen of a recorded slot, from its latest checkpoint (O(tail)).
pub fn replay_screen(store: &Store, session: SessionId) -> Result<PaneScreen, StoreError> {
    replay_screen_from(
        store,
        session,
        ReplayStart::LatestCheckpoint,
        DEFAULT_SCROLLBACK_LINES,
    )
    .map(|replayed| replayed.screen)
}

/// [`replay_screen`] with a chosen starting point and scrollback.
pub fn replay_screen_from(
    store: &Store,
    session: SessionId,
    start: ReplayStart,
    scrollback_lines: usize,
) -> Result<ReplayedScreen, StoreError> {
    let state = store.resume(session)?.state;
    let first = match start {
        ReplayStart::Beginning => Seq(1),
        ReplayStart::LatestCheckpoint => state
            .pty_screen_at
            .max(state.pty_spawned_at)
            .unwrap_or(Seq(1)),
    };
    let fallback_size = PaneSize::new(state.rows, state.cols);
    let mut screen: Option<PaneScreen> = None;
    let mut replies = Vec::new();
    let mut events_read = 0u64;
    store.for_each_event(
        session,
        Seq(first.0.saturating_sub(1)),
        state.last_seq,
        |event, _| {
            events_read += 1;
            match event.kind {
                EventKind::SlotSpawned(spawned) => {
                    screen = Some(PaneScreen::new(
                        PaneSize::new(spawned.rows, spawned.cols),
                        scrollback_lines,
                    ));
                }
                EventKind::PtyScreen(checkpoint) if start == ReplayStart::LatestCheckpoint => {
                    let checkpoint = ScreenCheckpoint {
                        size: PaneSize::new(checkpoint.rows, checkpoint.cols),
                        state: checkpoint.screen.0,
                        title: checkpoint.title.unwrap_or_default(),
                        scrolled: checkpoint.scrolled.unwrap_or_default(),
                    };
                    screen = Some(PaneScreen::from_checkpoint(&checkpoint, scrollback_lines));
                }
                EventKind::SlotResized(resized) => {
                    screen
                        .get_or_insert_with(|| PaneScreen::new(fallback_size, scrollback_lines))
                        .resize(PaneSize::new(resized.rows, resized.cols));
                }
                EventKind::PtyOutput(output) => {
                    screen
                        .get_or_insert_with(|| PaneScreen::new(fallback_size, scrollback_lines))
                        .feed_into(&output.bytes.0, &mut replies);
                    // Replies went to the program when it ran; here they go nowhere.
                    replies.clear();
                }
                _ => {}
            }
            Ok(())
        },
    )?;
    Ok(ReplayedScreen {
        screen: screen.unwrap_or_else(|| PaneScreen::new(fallback_size, scrollback_lines)),
        started_at: first,
        events_read,
    })
}

/// Rows a page keeps before the wanted row: forty screens of scrolling further back before
/// the next replay, at ~100 bytes a row of memory.
const PAGE_ROWS_BEFORE: u64 = 2_048;

/// Rows a page keeps after the wanted row (the rest of the view below it).
const PAGE_ROWS_AFTER: u64 = 256;

/// Rebuilds the page of history rows holding row `index` of a recorded slot: replays the
/// output from the last mark at or before that row (the spawn or a screen checkpoint) to the
/// next mark, on a screen that keeps every row it scrolls off, numbered from the mark.
/// `None` when no mark reaches that row or the store no longer holds the output.
pub fn history_page(
    store: &Store,
    session: SessionId,
    marks: &[HistoryMark],
    index: u64,
) -> Result<Option<ColdHistory>, StoreError> {
    let window = index.saturating_sub(PAGE_ROWS_BEFORE)..index.saturating_add(PAGE_ROWS_AFTER);
    history_rows(store, session, marks, index, window)
}

/// The rows a replay from the last mark at or before `index` numbers: from that mark's row to
/// the next mark's (unbounded after the last mark).
pub fn history_segment(marks: &[HistoryMark], index: u64) -> Option<std::ops::Range<u64>> {
    let at = marks.partition_point(|m| m.scrolled <= index);
    let from = marks.get(at.checked_sub(1)?)?;
    let to = marks.get(at).map_or(u64::MAX, |next| next.scrolled);
    Some(from.scrolled..to.max(from.scrolled))
}

/// [`history_page`] keeping the rows of `window` (a search keeps a whole segment).
pub fn history_rows(
    store: &Store,
    session: SessionId,
    marks: &[HistoryMark],
    index: u64,
    window: std::ops::Range<u64>,
) -> Result<Option<ColdHistory>, StoreError> {
    let at = marks.partition_point(|m| m.scrolled <= index);
    let Some(from) = at.checked_sub(1).and_then(|i| marks.get(i)) else {
        return Ok(None);
    };
    let upto = match marks.get(at) {
        Some(next) => Seq(next.seq.0.saturating_sub(1)),
        None => store.resume(session)?.state.last_seq,
    };
    let mut screen: Option<PaneScreen> = None;
    let mut replies = Vec::new();
    store.for_each_event(
        session,
        Seq(from.seq.0.saturating_sub(1)),
        upto,
        |event, _| {
            match event.kind {
                EventKind::SlotSpawned(spawned) if event.seq == from.seq => {
                    screen = Some(PaneScreen::for_page(
                        PaneSize::new(spawned.rows, spawned.cols),
                        from.scrolled,
                        window.clone(),
                    ));
                }
                EventKind::PtyScreen(checkpoint) if event.seq == from.seq => {
                    let size = PaneSize::new(checkpoint.rows, checkpoint.cols);
                    let mut page = PaneScreen::for_page(size, from.scrolled, window.clone());
                    page.restore(&ScreenCheckpoint {
                        size,
                        state: checkpoint.screen.0,
                        title: String::new(),
                        scrolled: from.scrolled,
                    });
                    screen = Some(page);
                }
                EventKind::SlotResized(resized) => {
                    if let Some(screen) = &mut screen {
                        screen.resize(PaneSize::new(resized.rows, resized.cols));
                    }
                }
                EventKind::PtyOutput(output) => {
                    if let Some(screen) = &mut screen {
                        screen.feed_into(&output.bytes.0, &mut replies);
                        replies.clear();
                    }
                }
                _ => {}
            }
            Ok(())
        },
    )?;
    Ok(screen
        .and_then(PaneScreen::into_cold)
        .filter(|page| page.holds(index)))
}
