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
    /// Lines above the live screen this client looks at, as last sent.
    pub offset: usize,
    /// Where the view stays while output arrives.
    anchor: Anchor,
    last_sent: Option<Instant>,
}

/// Where a client's view of a pane stays. A scrolled view keeps its lines while output
/// scrolls underneath, as tmux's copy mode does: a person reading or searching history must
/// not lose their place to a pane that is still printing. Typing into the pane or scrolling
/// to the bottom follows the output again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Anchor {
    /// On the live screen, following output.
    #[default]
    Live,
    /// The client scrolled to `offset` lines above the screen of a history `history` lines
    /// long; the next build (which holds the screen) turns it into the `Line` at the top.
    Asked { offset: usize, history: usize },
    /// This line, numbered as `PaneScreen::scrolled` counts, stays at the view's top.
    Line(u64),
}

/// The offset that shows `anchor`'s line at the top of `screen`'s view (`view_rows` clamps
/// it to the history there is).
fn hold(screen: &PaneScreen, anchor: Anchor) -> usize {
    let top = match anchor {
        Anchor::Live => return 0,
        Anchor::Asked { offset, history } => {
            screen.first_line() + history.saturating_sub(offset) as u64
        }
        Anchor::Line(top) => top,
    };
    usize::try_from(screen.scrolled().saturating_sub(top)).unwrap_or(usize::MAX)
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
            let Some(c) = self.clients.get_mut(&client) else {
                return;
            };
            let view = c.views.entry(slot).or_default();
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
            let anchor = view.anchor;
            let (generation, patch) = match self.view_patch(client, index, anchor, current) {
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
        anchor: Anchor,
        current: u64,
    ) -> ViewPatch {
        let entry = &mut self.slots[index];
        let slot = entry.info.slot;
        let input_hidden = entry
            .live_pane()
            .is_some_and(|pane| pane.at_password_prompt());
        let mut anchor = anchor;
        let (generation, rows, cursor, history, size, modes, title, offset) =
            if anchor == Anchor::Live {
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
                let Some((view, size, modes, title, top)) = with_screen(entry, |screen| {
                    let view = screen.view_rows(hold(screen, anchor));
                    // The line actually on top: a held line older than the memory and the store
                    // keep moves to the oldest one there is.
                    let top = screen.scrolled().saturating_sub(view.offset as u64);
                    (
                        view,
                        screen.size(),
                        screen.modes(),
                        screen.title().to_owned(),
                        top,
                    )
                }) else {
                    return ViewPatch::NoScreen;
                };
                anchor = if view.offset == 0 {
                    Anchor::Live
                } else {
                    Anchor::Line(top)
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
        view.anchor = anchor;
        ViewPatch::Ready {
            generation,
            patch: patch(view, &rows, meta),
        }
    }

    /// A client scrolled its view of a pane to `offset` lines above the screen of a history
    /// `history` lines long.
    pub fn scroll_pane(
        &mut self,
        client: ClientId,
        slot: SessionId,
        offset: usize,
        history: usize,
    ) {
        if let Some(c) = self.clients.get_mut(&client) {
            let view = c.views.entry(slot).or_default();
            view.offset = offset;
            view.anchor = if offset == 0 {
                Anchor::Live
            } else {
                Anchor::Asked { offset, history }
            };
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

    /// A held view keeps its top line while output scrolls underneath and old lines are
    /// evicted; a line evicted from under it moves the view to the oldest line there is.
    #[test]
    fn a_scrolled_view_holds_its_lines() {
        // 3 rows and a memory of 50 history lines; 20 lines leave 18 in history (the
        // cursor sits on a blank last row), so 5 up shows line 13 on top.
        let mut screen = PaneScreen::new(PaneSize::new(3, 10), 50);
        let feed = |screen: &mut PaneScreen, from: usize, to: usize| {
            for i in from..to {
                screen.feed(format!("line {i}\r\n").as_bytes());
            }
        };
        let top_text =
            |screen: &mut PaneScreen, offset: usize| screen.view_rows(offset).rows[0].text();
        feed(&mut screen, 0, 20);
        let history = screen.scrollback_len();
        assert_eq!(hold(&screen, Anchor::Live), 0);
        // (what the client asked, lines printed after, the line expected on top)
        let table = [(5, 0, "line 13"), (5, 4, "line 13"), (10, 30, "line 8")];
        for (offset, more, expected) in table {
            let mut screen = PaneScreen::new(PaneSize::new(3, 10), 50);
            feed(&mut screen, 0, 20);
            let asked = Anchor::Asked { offset, history };
            let offset = hold(&screen, asked);
            let top = screen.scrolled() - offset as u64;
            feed(&mut screen, 20, 20 + more);
            let now = hold(&screen, Anchor::Line(top));
            assert_eq!(top_text(&mut screen, now).trim_end(), expected, "{asked:?}");
        }
        // Past the memory: the oldest line kept is on top.
        let asked = Anchor::Asked {
            offset: 15,
            history,
        };
        let top = screen.scrolled() - hold(&screen, asked) as u64;
        feed(&mut screen, 20, 200);
        let now = hold(&screen, Anchor::Line(top));
        let view = screen.view_rows(now);
        assert_eq!(view.offset, screen.scrollback_len());
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
