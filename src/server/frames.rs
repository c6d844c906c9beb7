//! Pane screens for clients: a full screen when a client first shows a pane (attach, resize,
//! scroll), then only the rows that changed since what that client last received. Rows of
//! the live view are built once per pane per change and shared by every client through
//! `Arc`s, so finding a client's changed rows is a pointer comparison per row.
//!
//! Pacing: at most one frame per pane every 16 ms for the pane a client focuses (60 fps),
//! every 50 ms for the others; a pane the client just typed into gets its frame at once (the
//! echo of a keystroke). A client whose last frames are not yet written gets none: it skips
//! to the screen as it is when its writer is free, instead of queueing stale frames.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::core::{ClientId, Core, Outgoing};
use super::slots::{PaneState, Runtime, SlotEntry};
use crate::ids::SessionId;
use crate::protocol::Notification;
use crate::protocol::screen::{ScreenPatch, ScreenRow, ScrollState};
use crate::pty::{LiveView, PaneModes, PaneScreen, PaneSize};

/// Frames of the pane a client focuses come at most this often (~60 fps).
pub const FOCUSED_FRAME: Duration = Duration::from_millis(16);
/// Frames of the other panes a client shows (20 fps): a flooding background pane costs a
/// fraction of the encoding, the socket and the client's drawing it would at 60 fps.
pub const BACKGROUND_FRAME: Duration = Duration::from_millis(50);
/// After a client types into a pane, that pane's changes are sent at once for this long: the
/// program's echo must not wait for a frame tick.
pub const ECHO_WINDOW: Duration = Duration::from_millis(100);

/// What a client last received of one pane.
#[derive(Debug, Default)]
pub struct PaneView {
    baseline: Vec<Arc<ScreenRow>>,
    meta: Option<Meta>,
    /// The pane's change counter when this view was last sent.
    generation: Option<u64>,
    /// Lines above the live screen this client looks at.
    pub offset: usize,
    /// The pane's output counter when the client scrolled: new output snaps the view back.
    output_mark: u64,
    last_sent: Option<Instant>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Meta {
    size: PaneSize,
    cursor: Option<(u16, u16)>,
    modes: PaneModes,
    title: String,
    scroll: ScrollState,
    input_hidden: bool,
}

/// While a pane's parser holds its screen, how soon the core asks again (the parser normally
/// answers sooner, by building the view after its slice and waking the core): a few
/// milliseconds, below a frame.
const BUSY_RETRY: Duration = Duration::from_millis(4);

/// A pane's live view, shared between clients.
#[derive(Debug, Default)]
pub struct SharedRows {
    generation: u64,
    rows: Vec<Arc<ScreenRow>>,
    cursor: Option<(u16, u16)>,
    history: usize,
    size: PaneSize,
    modes: PaneModes,
    title: String,
}

/// Reads a pane's screen, wherever it lives.
fn with_screen<R>(entry: &mut SlotEntry, f: impl FnOnce(&mut PaneScreen) -> R) -> Option<R> {
    match &mut entry.runtime {
        Runtime::Pane(PaneState::Live(pane)) => Some(pane.with_screen_mut(f)),
        Runtime::Pane(PaneState::Recorded(screen)) => Some(f(screen)),
        Runtime::Pane(PaneState::Starting) | Runtime::Agent(_) => None,
    }
}

/// A pane's live view, never waiting for its parser.
enum Live {
    View(LiveView),
    /// The parser holds the screen; it builds the view after its slice.
    Busy,
    NoScreen,
}

fn live_view(entry: &mut SlotEntry) -> Live {
    match &mut entry.runtime {
        Runtime::Pane(PaneState::Live(pane)) => pane.live_view().map_or(Live::Busy, Live::View),
        Runtime::Pane(PaneState::Recorded(screen)) => Live::View(LiveView::of(screen)),
        Runtime::Pane(PaneState::Starting) | Runtime::Agent(_) => Live::NoScreen,
    }
}

/// What one client gets of one pane in this flush.
enum ViewPatch {
    NoScreen,
    /// Not now: the parser holds the screen.
    Busy,
    /// The screen as of `generation`; `None` when the client already has exactly that.
    Ready {
        generation: u64,
        patch: Option<ScreenPatch>,
    },
}

/// A pane's change counter.
pub fn generation(entry: &SlotEntry) -> Option<u64> {
    match &entry.runtime {
        Runtime::Pane(PaneState::Live(pane)) => Some(pane.generation().0),
        Runtime::Pane(PaneState::Recorded(screen)) => Some(screen.generation().0),
        _ => None,
    }
}

fn output_bytes(entry: &SlotEntry) -> u64 {
    entry.live_pane().map_or(0, |pane| pane.output_bytes())
}

/// Rows of `rows` that are equal to the old ones keep the old `Arc`s.
fn share(old: &[Arc<ScreenRow>], rows: Vec<ScreenRow>) -> Vec<Arc<ScreenRow>> {
    rows.into_iter()
        .enumerate()
        .map(|(i, row)| match old.get(i) {
            Some(previous) if **previous == row => Arc::clone(previous),
            _ => Arc::new(row),
        })
        .collect()
}

/// The patch taking `view` to the screen described by `rows` and `meta`; `None` when the
/// client already has exactly that.
fn patch(view: &mut PaneView, rows: &[Arc<ScreenRow>], meta: Meta) -> Option<ScreenPatch> {
    let full =
        view.baseline.len() != rows.len() || view.meta.as_ref().is_none_or(|m| m.size != meta.size);
    let changed: Vec<(u16, Arc<ScreenRow>)> = rows
        .iter()
        .enumerate()
        .filter(|(i, row)| full || !Arc::ptr_eq(row, &view.baseline[*i]))
        .map(|(i, row)| (i as u16, Arc::clone(row)))
        .collect();
    if changed.is_empty() && view.meta.as_ref() == Some(&meta) {
        return None;
    }
    view.baseline = rows.to_vec();
    view.meta = Some(meta.clone());
    Some(ScreenPatch {
        size: meta.size,
        cursor: meta.cursor,
        modes: meta.modes,
        title: meta.title,
        scroll: meta.scroll,
        input_hidden: meta.input_hidden,
        full,
        rows: changed,
    })
}

impl Core {
    /// Sends every client the frames that are due, and notes when the next ones are.
    pub fn flush_frames(&mut self, now: Instant) {
        let ids: Vec<ClientId> = self.clients.keys().copied().collect();
        for client in ids {
            self.flush_client(client, now);
        }
    }

    fn flush_client(&mut self, client: ClientId, now: Instant) {
        if !self.frames_free(client) {
            return;
        }
        let Some(c) = self.clients.get(&client) else {
            return;
        };
        if !c.is_workstation() {
            return;
        }
        let panes: Vec<SessionId> = c.viewport.panes.iter().map(|(id, _)| *id).collect();
        let focused = c.viewport.focused;
        let typed = c
            .typed
            .filter(|(_, at)| now.duration_since(*at) < ECHO_WINDOW);
        let mut due: Option<Instant> = None;
        let mut frames = Vec::new();
        for slot in panes {
            let Some(index) = self.slots.iter().position(|s| s.info.slot == slot) else {
                continue;
            };
            let Some(current) = generation(&self.slots[index]) else {
                continue;
            };
            let output = output_bytes(&self.slots[index]);
            let Some(c) = self.clients.get_mut(&client) else {
                return;
            };
            let view = c.views.entry(slot).or_default();
            if view.offset > 0 && output != view.output_mark {
                view.offset = 0;
                view.generation = None;
            }
            if view.generation == Some(current) {
                continue;
            }
            let interval = if typed.is_some_and(|(s, _)| s == slot) {
                Duration::ZERO
            } else if focused == Some(slot) {
                FOCUSED_FRAME
            } else {
                BACKGROUND_FRAME
            };
            if let Some(at) = view.last_sent.map(|t| t + interval)
                && at > now
            {
                due = Some(due.map_or(at, |d| d.min(at)));
                continue;
            }
            let offset = view.offset;
            let (generation, patch) = match self.view_patch(client, index, offset, current) {
                ViewPatch::NoScreen => continue,
                ViewPatch::Busy => {
                    let at = now + BUSY_RETRY;
                    due = Some(due.map_or(at, |d| d.min(at)));
                    continue;
                }
                ViewPatch::Ready { generation, patch } => (generation, patch),
            };
            if let Some(c) = self.clients.get_mut(&client)
                && let Some(view) = c.views.get_mut(&slot)
            {
                view.generation = Some(generation);
                view.last_sent = Some(now);
            }
            if let Some(patch) = patch {
                frames.push(Notification::Screen { slot, patch });
            }
        }
        let Some(c) = self.clients.get_mut(&client) else {
            return;
        };
        c.frame_due = due;
        if frames.is_empty() {
            return;
        }
        c.out.frames_busy.store(true, Ordering::Release);
        if c.out.tx.try_send(Outgoing::Frames(frames)).is_err() {
            tracing::warn!(client, "client is not reading; dropping it");
            let _ = c.out.tx.try_send(Outgoing::Close);
            self.clients.remove(&client);
        }
    }

    /// The patch for one client's view of the pane at `index`. The live view is built once
    /// per change and shared by every client; it never waits for a busy parser (`Busy`).
    fn view_patch(
        &mut self,
        client: ClientId,
        index: usize,
        offset: usize,
        current: u64,
    ) -> ViewPatch {
        let entry = &mut self.slots[index];
        let slot = entry.info.slot;
        let input_hidden = entry
            .live_pane()
            .is_some_and(|pane| pane.at_password_prompt());
        let (generation, rows, cursor, history, size, modes, title, offset) = if offset == 0 {
            let cache = self.pane_rows.entry(slot).or_default();
            if cache.generation != current || cache.rows.is_empty() {
                let view = match live_view(entry) {
                    Live::View(view) => view,
                    Live::Busy => return ViewPatch::Busy,
                    Live::NoScreen => return ViewPatch::NoScreen,
                };
                cache.rows = share(&cache.rows, view.rows.rows);
                cache.cursor = view.rows.cursor;
                cache.history = view.rows.history;
                cache.generation = view.generation.0;
                cache.size = view.size;
                cache.modes = view.modes;
                cache.title = view.title;
            }
            (
                cache.generation,
                cache.rows.clone(),
                cache.cursor,
                cache.history,
                cache.size,
                cache.modes,
                cache.title.clone(),
                0,
            )
        } else {
            let Some((view, size, modes, title)) = with_screen(entry, |screen| {
                (
                    screen.view_rows(offset),
                    screen.size(),
                    screen.modes(),
                    screen.title().to_owned(),
                )
            }) else {
                return ViewPatch::NoScreen;
            };
            // Rows older than the memory holds come back from the recording.
            if let (Some(index), Some(pane)) = (view.wanted_history, entry.live_pane()) {
                pane.page_history(index);
            }
            let old = self
                .clients
                .get(&client)
                .and_then(|c| c.views.get(&slot))
                .map(|v| v.baseline.clone())
                .unwrap_or_default();
            (
                current,
                share(&old, view.rows),
                view.cursor,
                view.history,
                size,
                modes,
                title,
                view.offset,
            )
        };
        let meta = Meta {
            size,
            cursor,
            modes,
            title,
            scroll: ScrollState { offset, history },
            input_hidden,
        };
        let Some(c) = self.clients.get_mut(&client) else {
            return ViewPatch::NoScreen;
        };
        let view = c.views.entry(slot).or_default();
        view.offset = offset;
        ViewPatch::Ready {
            generation,
            patch: patch(view, &rows, meta),
        }
    }

    /// A client scrolled its view of a pane.
    pub fn scroll_pane(&mut self, client: ClientId, slot: SessionId, offset: usize) {
        let output = self.slot(slot).map_or(0, output_bytes);
        if let Some(c) = self.clients.get_mut(&client) {
            let view = c.views.entry(slot).or_default();
            view.offset = offset;
            view.output_mark = output;
            view.generation = None;
            // Scrolling answers a key: no pacing.
            view.last_sent = None;
        }
        self.flush_client(client, Instant::now());
    }

    /// Forgets a client's views of panes it no longer shows (a later show sends them whole).
    pub fn retain_views(&mut self, client: ClientId) {
        if let Some(c) = self.clients.get_mut(&client) {
            let shown: Vec<SessionId> = c.viewport.panes.iter().map(|(id, _)| *id).collect();
            c.views.retain(|slot, _| shown.contains(slot));
        }
    }

    /// Drops the shared rows of panes that are gone.
    pub fn forget_pane_rows(&mut self, slot: SessionId) {
        self.pane_rows.remove(&slot);
    }
}

/// Per-pane shared rows, kept by the core.
pub type PaneRows = HashMap<SessionId, SharedRows>;

#[cfg(test)]
mod tests {
    use super::*;

    fn row(text: &str) -> ScreenRow {
        let mut builder = ScreenRow::builder(4);
        builder.push(text, false, Default::default());
        builder.finish()
    }

    fn meta(rows: u16) -> Meta {
        Meta {
            size: PaneSize::new(rows, 4),
            cursor: None,
            modes: PaneModes::default(),
            title: String::new(),
            scroll: ScrollState::default(),
            input_hidden: false,
        }
    }

    #[test]
    fn first_patch_is_full_then_only_changed_rows() {
        let mut view = PaneView::default();
        let rows = share(&[], vec![row("a"), row("b")]);
        let first = patch(&mut view, &rows, meta(2)).unwrap();
        assert!(first.full);
        assert_eq!(first.rows.len(), 2);
        assert!(
            patch(&mut view, &rows, meta(2)).is_none(),
            "nothing changed"
        );
        let next = share(&rows, vec![row("a"), row("c")]);
        assert!(Arc::ptr_eq(&next[0], &rows[0]), "equal rows are shared");
        let second = patch(&mut view, &next, meta(2)).unwrap();
        assert!(!second.full);
        assert_eq!(second.rows.len(), 1);
        assert_eq!(second.rows[0].0, 1);
        let mut moved = meta(2);
        moved.cursor = Some((1, 1));
        let third = patch(&mut view, &next, moved).unwrap();
        assert!(third.rows.is_empty(), "only the cursor moved");
        let resized = share(&next, vec![row("a"), row("c"), row("d")]);
        assert!(patch(&mut view, &resized, meta(3)).unwrap().full);
    }
}
