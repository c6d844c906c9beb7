//! [`PaneScreen`]: the one wrapper around `vt100::Parser`. It clamps sizes (vt100 can panic
//! below 2×2), ignores empty resizes, bounds scrollback and titles, answers terminal queries,
//! counts changes, and extracts text for copying. Nothing else in the crate constructs a
//! parser (`clippy.toml` bans `vt100::Parser::new`).

use std::num::NonZeroU16;
use std::ops::Range;

use super::activity::CursorLine;
use super::geometry::{CellPos, Generation, PaneSize, ScrollOffset};
use super::history::{COLD_BUDGET_BYTES, ColdHistory, HOT_SCROLLBACK_LINES, ViewLine};
use super::replies::{QueryContext, QueryScanner, ReplyColors, ends_mid_utf8};

/// Lines of history a pane keeps in memory unless told otherwise: a long build log or test
/// run fits. The newest [`HOT_SCROLLBACK_LINES`] stay in vt100 (32 bytes a cell); the rest are
/// compact (`pty::history`), a few bytes for a short line. A recorded pane reaches further
/// back by paging rows in from the store.
pub const DEFAULT_SCROLLBACK_LINES: usize = 10_000;

/// Most history lines a pane may be configured to keep in memory: kept compact that is tens of
/// megabytes of typical output; deeper history of a recorded pane comes from the store.
pub const MAX_SCROLLBACK_LINES: usize = 1_000_000;

/// Pages of history rebuilt from the store kept at once: a view straddling two pages shows
/// both, and scrolling back and forth across a boundary does not replay again.
const PAGES_KEPT: usize = 3;

/// Longest window title kept, in characters: a title is a tab label, and a program must not
/// grow our memory by sending a huge one.
const MAX_TITLE_CHARS: usize = 256;

/// What happens to a scrolled-back view when new output arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FollowOutput {
    /// Jump back to the live screen (what most terminals do on output).
    #[default]
    SnapToBottom,
    /// Keep the same history lines in view while output scrolls underneath (like tmux's copy
    /// mode), until the user scrolls back down.
    HoldPosition,
}

/// Which mouse events the program asked for (xterm modes 9, 1000, 1002, 1003).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum MouseMode {
    #[default]
    None,
    /// Button presses only (X10).
    Press,
    /// Presses and releases (1000).
    PressRelease,
    /// Also motion while a button is held (1002).
    ButtonMotion,
    /// Also motion with no button held (1003).
    AnyMotion,
}

/// How mouse events are encoded (default, 1005, 1006).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum MouseEncoding {
    /// `CSI M` with one byte per value; coordinates past 223 cannot be sent.
    #[default]
    Default,
    /// `CSI M` with UTF-8 encoded values (up to 2015).
    Utf8,
    /// `CSI < b ; x ; y M/m`.
    Sgr,
}

/// The terminal modes a program set that change how keys, pastes and the mouse are encoded,
/// and how the pane is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct PaneModes {
    /// DECCKM: arrows and Home/End send `ESC O x` instead of `ESC [ x`.
    pub application_cursor: bool,
    /// DECKPAM: the keypad sends application sequences.
    pub application_keypad: bool,
    /// Mode 2004: pastes are wrapped in `ESC[200~` … `ESC[201~`.
    pub bracketed_paste: bool,
    pub mouse_mode: MouseMode,
    pub mouse_encoding: MouseEncoding,
    /// The program is on the alternate screen (a full-screen program; no scrollback there).
    pub alternate_screen: bool,
    /// The program hid the cursor.
    pub hide_cursor: bool,
}

/// The bytes that reproduce a screen, as stored in a `pty.screen` checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreenCheckpoint {
    pub size: PaneSize,
    /// Escape sequences that redraw the screen, cursor and input modes on a fresh screen of
    /// `size` (vt100's `state_formatted`, with the primary screen first when the program is on
    /// the alternate one).
    pub state: Vec<u8>,
    pub title: String,
    /// Rows that had scrolled off into history before this point ([`PaneScreen::scrolled`]).
    pub scrolled: u64,
}

/// Events vt100 reports through callbacks that the pane keeps.
#[derive(Debug, Default)]
struct PaneCallbacks {
    title: String,
    bells: u64,
    /// Rows that left the hot scrollback, compact; `None` on a scratch screen that only
    /// decodes rows.
    cold: Option<ColdHistory>,
}

impl vt100::Callbacks for PaneCallbacks {
    fn audible_bell(&mut self, _: &mut vt100::Screen) {
        self.bells += 1;
    }

    fn set_window_title(&mut self, _: &mut vt100::Screen, title: &[u8]) {
        self.title = String::from_utf8_lossy(title)
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_TITLE_CHARS)
            .collect();
    }

    fn on_scroll(&mut self, row: vt100::capture::RowContents<'_>, alternate_screen: bool) {
        if !alternate_screen && let Some(cold) = &mut self.cold {
            cold.push(&row);
        }
    }
}

/// A pane's terminal screen: vt100 state plus what the pane adds (replies, change counter,
/// scroll policy, title).
pub struct PaneScreen {
    parser: vt100::Parser<PaneCallbacks>,
    scanner: QueryScanner,
    colors: ReplyColors,
    follow: FollowOutput,
    generation: u64,
    /// Whether the last fed chunk ended inside a UTF-8 character.
    mid_char: bool,
    /// The view's lines above the live screen; may reach past vt100's short scrollback into
    /// the cold history (vt100's own offset is this, capped at its scrollback).
    offset: usize,
    /// Cold rows older than those held can be paged in from the store (a recorded live
    /// slot): the history reaches back to row 0 instead of the oldest row held.
    deep: bool,
    /// Pages of cold rows rebuilt from the store (see `pty::replay::history_page`), newest
    /// last, at most [`PAGES_KEPT`].
    paged: Vec<ColdHistory>,
    /// The oldest cold row a view wanted that is neither held nor paged in.
    wanted: Option<u64>,
    /// Rows before this one cannot be paged in.
    lost_below: u64,
}

impl std::fmt::Debug for PaneScreen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaneScreen")
            .field("size", &self.size())
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

fn non_zero(value: u16) -> NonZeroU16 {
    NonZeroU16::new(value).unwrap_or(NonZeroU16::MIN)
}

impl PaneScreen {
    /// A blank screen of `size` (clamped) keeping up to `scrollback_lines` lines of history
    /// (capped at [`MAX_SCROLLBACK_LINES`]).
    pub fn new(size: PaneSize, scrollback_lines: usize) -> Self {
        let lines = scrollback_lines.min(MAX_SCROLLBACK_LINES);
        let hot = lines.min(HOT_SCROLLBACK_LINES);
        let size = Self::usable(size);
        let cold = ColdHistory::new(0, size.cols, lines - hot, COLD_BUDGET_BYTES);
        Self::build(size, hot, Some(cold))
    }

    /// A screen that only draws rows handed to it (decoding cold rows, replaying a page of
    /// history): no history of its own.
    pub(super) fn scratch(size: PaneSize) -> Self {
        Self::build(Self::usable(size), 0, None)
    }

    /// A screen for replaying output whose rows leaving the screen are numbered from `first`
    /// and kept when their number is in `window` (a page of history rebuilt from the store).
    pub(super) fn for_page(size: PaneSize, first: u64, window: std::ops::Range<u64>) -> Self {
        let size = Self::usable(size);
        let mut cold = ColdHistory::new(first, size.cols, usize::MAX, usize::MAX);
        cold.keep_only(window);
        Self::build(size, 0, Some(cold))
    }

    fn usable(size: PaneSize) -> PaneSize {
        if size.is_empty() {
            PaneSize::default()
        } else {
            size.clamped()
        }
    }

    fn build(size: PaneSize, hot: usize, cold: Option<ColdHistory>) -> Self {
        #[allow(clippy::disallowed_methods)] // the one place a parser is built
        let parser = vt100::Parser::new_with_callbacks(
            non_zero(size.rows),
            non_zero(size.cols),
            hot,
            PaneCallbacks {
                cold,
                ..PaneCallbacks::default()
            },
        );
        Self {
            parser,
            scanner: QueryScanner::default(),
            colors: ReplyColors::default(),
            follow: FollowOutput::default(),
            generation: 0,
            mid_char: false,
            offset: 0,
            deep: false,
            paged: Vec::new(),
            wanted: None,
            lost_below: 0,
        }
    }

    /// A screen rebuilt from a checkpoint (see [`Self::checkpoint`]).
    pub fn from_checkpoint(checkpoint: &ScreenCheckpoint, scrollback_lines: usize) -> Self {
        let mut screen = Self::new(checkpoint.size, scrollback_lines);
        screen.restore(checkpoint);
        screen
    }

    /// Draws a checkpoint's screen on this (fresh) screen.
    pub(super) fn restore(&mut self, checkpoint: &ScreenCheckpoint) {
        self.parser.process(&checkpoint.state);
        self.parser.callbacks_mut().title = checkpoint.title.clone();
        self.generation = 1;
    }

    /// Parses program output and returns the replies to write back to the program (empty
    /// when it asked nothing). See `pty::replies` for what is answered.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<u8> {
        let mut replies = Vec::new();
        self.feed_into(bytes, &mut replies);
        replies
    }

    /// [`Self::feed`] appending replies to a caller's buffer, so a reader loop reuses one.
    pub fn feed_into(&mut self, bytes: &[u8], replies: &mut Vec<u8>) {
        if bytes.is_empty() {
            return;
        }
        let scrolled_before = self.scrolled();

        let mut rest = bytes;
        while let Some((end, query)) = self.scanner.next_query(rest) {
            // Parse up to the end of the query first, so the answer describes the screen at
            // the point the program asked.
            self.parser.process(&rest[..end]);
            let screen = self.parser.screen();
            let (rows, cols) = screen.size();
            let ctx = QueryContext {
                cursor: screen.cursor_position(),
                size: (rows.get(), cols.get()),
                colors: self.colors,
            };
            query.answer(&ctx, replies);
            rest = &rest[end..];
        }
        self.parser.process(rest);
        self.mid_char = ends_mid_utf8(bytes);

        if self.offset > 0 {
            self.offset = match self.follow {
                FollowOutput::SnapToBottom => 0,
                FollowOutput::HoldPosition => {
                    let pushed = self.scrolled().saturating_sub(scrolled_before);
                    (self.offset + pushed as usize).min(self.history_len())
                }
            };
        }
        self.sync_vt_offset();
        self.generation += 1;
    }

    /// Rows that ever scrolled off the top of the primary screen into history (hot and cold):
    /// how replays of the recorded output number the history rows.
    pub fn scrolled(&self) -> u64 {
        let cold = self
            .parser
            .callbacks()
            .cold
            .as_ref()
            .map_or(0, ColdHistory::end);
        cold + self.parser.screen().scrollback_len() as u64
    }

    /// Takes the cold history out (a page built by a replay).
    pub(super) fn into_cold(mut self) -> Option<ColdHistory> {
        self.parser.callbacks_mut().cold.take()
    }

    /// The cold history, if this screen keeps one.
    pub(super) fn cold(&self) -> Option<&ColdHistory> {
        self.parser.callbacks().cold.as_ref()
    }

    /// Rows older than those held in memory come from the store (see `PtySlot::page_history`);
    /// set for a live slot that records.
    pub fn set_deep_history(&mut self, deep: bool) {
        self.deep = deep;
    }

    /// The oldest cold row that a view needed and that is neither held nor paged in: the
    /// owner pages it in from the store and calls [`Self::install_page`].
    pub fn wanted_history(&self) -> Option<u64> {
        self.wanted
    }

    pub(super) fn want(&mut self, index: u64) {
        self.wanted = Some(self.wanted.map_or(index, |w| w.max(index)));
    }

    /// Installs rows paged in from the store (dropping the oldest page past [`PAGES_KEPT`])
    /// and redraws.
    pub fn install_page(&mut self, page: ColdHistory) {
        if self.wanted.is_some_and(|w| page.holds(w)) {
            self.wanted = None;
        }
        self.paged.retain(|p| p.first() != page.first());
        self.paged.push(page);
        if self.paged.len() > PAGES_KEPT {
            self.paged.remove(0);
        }
        self.generation += 1;
    }

    /// Row `index` cannot be paged in (the store no longer holds that output, or it was
    /// recorded before history marks existed): history ends after it.
    pub fn give_up_page(&mut self, index: u64) {
        self.wanted = None;
        self.lost_below = self.lost_below.max(index + 1);
        self.offset = self.offset.min(self.history_len());
        self.sync_vt_offset();
        self.generation += 1;
    }

    /// The pages of rows rebuilt from the store.
    pub(super) fn paged(&self) -> &[ColdHistory] {
        &self.paged
    }

    /// Index of the oldest cold row a view can reach.
    pub(super) fn cold_start(&self) -> u64 {
        match self.cold() {
            Some(cold) if self.deep => self.lost_below.min(cold.first()),
            Some(cold) => cold.first(),
            None => 0,
        }
    }

    /// Index after the newest cold row.
    pub(super) fn cold_end(&self) -> u64 {
        self.cold().map_or(0, ColdHistory::end)
    }

    /// Lines of history vt100 holds itself (full cells).
    pub(super) fn hot_len(&self) -> usize {
        self.parser.screen().scrollback_len()
    }

    /// vt100's own view offset: ours, capped at its scrollback.
    fn sync_vt_offset(&mut self) {
        let hot = self.hot_len();
        self.parser
            .screen_mut()
            .set_scrollback(self.offset.min(hot));
    }

    /// Resizes the screen. An empty size (a hidden pane) is ignored and sizes are clamped;
    /// returns whether the size actually changed, so a caller signals the program only then.
    pub fn resize(&mut self, size: PaneSize) -> bool {
        if size.is_empty() {
            return false;
        }
        let size = size.clamped();
        if size == self.size() {
            return false;
        }
        let old = self.size().cols;
        // Rows pushed out while resizing still have their old cells.
        if let Some(cold) = &mut self.parser.callbacks_mut().cold {
            cold.set_cols(old.max(size.cols));
        }
        self.parser
            .set_size(non_zero(size.rows), non_zero(size.cols));
        if let Some(cold) = &mut self.parser.callbacks_mut().cold {
            cold.set_cols(size.cols);
        }
        self.offset = self.offset.min(self.history_len());
        self.sync_vt_offset();
        self.generation += 1;
        true
    }

    pub fn size(&self) -> PaneSize {
        let (rows, cols) = self.parser.screen().size();
        PaneSize::new(rows.get(), cols.get())
    }

    /// Grows with every change to what the pane shows (output, resize, scrolling).
    pub fn generation(&self) -> Generation {
        Generation(self.generation)
    }

    /// The vt100 screen, for cell-level reads (the renderer uses it). Cell coordinates follow
    /// the current scroll offset.
    pub fn vt(&self) -> &vt100::Screen {
        self.parser.screen()
    }

    /// Where the program's cursor is on the live screen (independent of scrolling).
    pub fn cursor(&self) -> CellPos {
        let (row, col) = self.parser.screen().cursor_position();
        let size = self.size();
        CellPos::new(
            row.min(size.rows.saturating_sub(1)),
            col.min(size.cols.saturating_sub(1)),
        )
    }

    pub fn modes(&self) -> PaneModes {
        let screen = self.parser.screen();
        PaneModes {
            application_cursor: screen.application_cursor(),
            application_keypad: screen.application_keypad(),
            bracketed_paste: screen.bracketed_paste(),
            mouse_mode: match screen.mouse_protocol_mode() {
                vt100::MouseProtocolMode::None => MouseMode::None,
                vt100::MouseProtocolMode::Press => MouseMode::Press,
                vt100::MouseProtocolMode::PressRelease => MouseMode::PressRelease,
                vt100::MouseProtocolMode::ButtonMotion => MouseMode::ButtonMotion,
                vt100::MouseProtocolMode::AnyMotion => MouseMode::AnyMotion,
            },
            mouse_encoding: match screen.mouse_protocol_encoding() {
                vt100::MouseProtocolEncoding::Default => MouseEncoding::Default,
                vt100::MouseProtocolEncoding::Utf8 => MouseEncoding::Utf8,
                vt100::MouseProtocolEncoding::Sgr => MouseEncoding::Sgr,
            },
            alternate_screen: screen.alternate_screen(),
            hide_cursor: screen.hide_cursor(),
        }
    }

    /// The window title the program set (OSC 0/2), control characters removed, at most 256
    /// characters; empty when none was set.
    pub fn title(&self) -> &str {
        &self.parser.callbacks().title
    }

    /// How many times the program rang the bell (BEL), e.g. to flag a finished task.
    pub fn bells(&self) -> u64 {
        self.parser.callbacks().bells
    }

    /// The colours reported to OSC 10/11 queries.
    pub fn set_reply_colors(&mut self, colors: ReplyColors) {
        self.colors = colors;
    }

    pub fn follow_output(&self) -> FollowOutput {
        self.follow
    }

    pub fn set_follow_output(&mut self, follow: FollowOutput) {
        self.follow = follow;
    }

    /// The number, counted as [`Self::scrolled`] counts, of the oldest line a view reaches
    /// (content row 0): a view that keeps a line at its top by this number stays on it while
    /// output scrolls and old rows are evicted.
    pub fn first_line(&self) -> u64 {
        self.cold_start()
    }

    /// Lines of history a view can reach (0 on the alternate screen): vt100's own, the
    /// compact rows before them, and for a recorded live slot the rows the store can page in.
    pub fn scrollback_len(&self) -> usize {
        if self.parser.screen().alternate_screen() {
            return 0;
        }
        self.history_len()
    }

    fn history_len(&self) -> usize {
        let cold = self.cold_end().saturating_sub(self.cold_start());
        self.hot_len() + cold as usize
    }

    pub fn scroll_offset(&self) -> ScrollOffset {
        ScrollOffset(self.offset)
    }

    /// Scrolls the view to `offset` lines above the live screen (clamped to the history
    /// kept); returns the offset in effect.
    pub fn set_scroll_offset(&mut self, offset: ScrollOffset) -> ScrollOffset {
        let before = self.offset;
        let after = self.peek_scroll(offset);
        if after.0 != before {
            self.generation += 1;
        }
        after
    }

    /// Moves the view without counting a change: for reading another view's rows and putting
    /// the view back (the server serves each client its own scroll position).
    pub(super) fn peek_scroll(&mut self, offset: ScrollOffset) -> ScrollOffset {
        self.offset = offset.0.min(self.scrollback_len());
        self.sync_vt_offset();
        ScrollOffset(self.offset)
    }

    /// Scrolls the view by `lines` (positive: back into history).
    pub fn scroll_by(&mut self, lines: isize) -> ScrollOffset {
        let current = self.offset;
        self.set_scroll_offset(ScrollOffset(current.saturating_add_signed(lines)))
    }

    pub fn scroll_to_bottom(&mut self) {
        self.set_scroll_offset(ScrollOffset::BOTTOM);
    }

    /// The visible text, rows joined by newlines (soft-wrapped rows joined without one),
    /// trailing blanks and blank rows dropped.
    pub fn text(&self) -> String {
        let size = self.size();
        let mut text = self.text_between(
            CellPos::new(0, 0),
            CellPos::new(size.rows - 1, size.cols - 1),
        );
        text.truncate(text.trim_end_matches('\n').len());
        text
    }

    /// Text of one visible row between `cols` (end exclusive). Blank cells inside the range
    /// become spaces, trailing blank cells are dropped, a wide character counts once.
    pub fn row_text(&self, row: u16, cols: Range<u16>) -> String {
        match self.view_line(row) {
            ViewLine::Vt(row) => self.vt_row_text(row, cols),
            ViewLine::Cold(index) => self
                .decode_cold_ref(index..index + 1, |d| {
                    d.screen.vt_row_text(d.row, cols.clone())
                })
                .0
                .pop()
                .flatten()
                .unwrap_or_default(),
        }
    }

    /// [`Self::row_text`] of a row of vt100's grid at its offset.
    fn vt_row_text(&self, row: u16, cols: Range<u16>) -> String {
        let screen = self.parser.screen();
        let mut out = String::new();
        let mut blanks = 0usize;
        for col in cols {
            let Some(cell) = screen.cell(row, col) else {
                break;
            };
            if cell.is_wide_continuation() {
                continue;
            }
            if cell.has_contents() {
                out.extend(std::iter::repeat_n(' ', blanks));
                blanks = 0;
                out.push_str(cell.contents());
            } else {
                blanks += 1;
            }
        }
        out
    }

    /// The live screen's cursor row split at the cursor, whatever the scroll offset (for the
    /// "waiting for input" heuristic). Takes `&mut` only to look past a scrolled view; what
    /// the pane shows is left unchanged.
    pub fn cursor_line(&mut self) -> CursorLine {
        let offset = self.parser.screen().scrollback();
        self.parser.screen_mut().set_scrollback(0);
        let (row, col) = self.parser.screen().cursor_position();
        let cols = self.size().cols;
        let line = CursorLine {
            before: self.row_text(row, 0..col.min(cols)),
            after: self.row_text(row, col.min(cols)..cols),
        };
        self.parser.screen_mut().set_scrollback(offset);
        line
    }

    /// Whether a visible row continues on the next one (the program's text was soft-wrapped
    /// there), so copying joins the two without a newline.
    pub fn is_wrapped(&self, row: u16) -> bool {
        match self.view_line(row) {
            ViewLine::Vt(row) => self.parser.screen().row_wrapped(row),
            ViewLine::Cold(index) => self
                .decode_cold_ref(index..index + 1, |d| d.wrapped)
                .0
                .pop()
                .flatten()
                .unwrap_or(false),
        }
    }

    /// The text of the visible cells from `start` to `end`, both included, in reading order
    /// (the two may come in either order): what a mouse selection copies. Soft-wrapped rows
    /// are joined, other rows end with a newline and lose trailing blanks.
    pub fn text_between(&self, start: CellPos, end: CellPos) -> String {
        let (start, end) = if end < start {
            (end, start)
        } else {
            (start, end)
        };
        let size = self.size();
        let last_row = end.row.min(size.rows.saturating_sub(1));
        let mut out = String::new();
        for row in start.row..=last_row {
            let from = if row == start.row { start.col } else { 0 };
            let to = if row == end.row {
                end.col.saturating_add(1).min(size.cols)
            } else {
                size.cols
            };
            let text = self.row_text(row, from..to);
            if row != last_row && self.is_wrapped(row) {
                out.push_str(&text);
            } else {
                out.push_str(text.trim_end());
                if row != last_row {
                    out.push('\n');
                }
            }
        }
        out
    }

    /// The bytes that rebuild this screen (visible contents, cursor, modes, title), for a
    /// `pty.screen` checkpoint. `None` while the stream is inside an escape sequence or a
    /// UTF-8 character: the capture writes sequences through the parser, which would corrupt
    /// the one in progress, so the caller tries again after a later chunk.
    pub fn checkpoint(&mut self) -> Option<ScreenCheckpoint> {
        if !self.scanner.at_ground() || self.mid_char {
            return None;
        }
        let offset = self.parser.screen().scrollback();
        self.parser.screen_mut().set_scrollback(0);
        let mut state = Vec::new();
        // Counted on the primary screen: vt100 reports the active grid's scrollback.
        let mut scrolled = self.scrolled();
        if self.parser.screen().alternate_screen() {
            // vt100 only formats the active grid. Step out to the primary screen (mode 47
            // switches without clearing or moving the cursor), capture it, step back, then
            // re-enter the alternate screen on replay the way a program does.
            self.parser.process(b"\x1b[?47l");
            scrolled = self.scrolled();
            state.extend_from_slice(self.parser.screen().state_formatted().as_bytes());
            self.parser.process(b"\x1b[?47h");
            state.extend_from_slice(b"\x1b[?1049h");
        }
        state.extend_from_slice(self.parser.screen().state_formatted().as_bytes());
        self.parser.screen_mut().set_scrollback(offset);
        Some(ScreenCheckpoint {
            size: self.size(),
            state,
            title: self.title().to_owned(),
            scrolled,
        })
    }
}

#[cfg(test)]
mod tests;
