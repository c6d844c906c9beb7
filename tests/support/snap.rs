//! Snapshot helpers for the view tests: the workstation rendered through ratatui's
//! `TestBackend` at 80×24 and a wide 200×50, stored in the top-level `snapshots/`.

#![allow(dead_code)]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use switchboard::ids::Timestamp;
use switchboard::tui::app::{AppState, Msg, Size};
use switchboard::tui::headless::render_text;
use switchboard::tui::theme::Theme;
use switchboard::tui::update::update;

/// "Now" in every snapshot, so ages never change.
pub const NOW: Timestamp = Timestamp(1_790_000_000_000_000);
/// The two sizes every view is checked at: the smallest we promise to fit, and a wide one.
pub const SIZES: [(u16, u16); 2] = [(80, 24), (200, 50)];

/// Snapshots `build` at both sizes under `name_COLSxROWS`.
pub fn snapshot(name: &str, build: impl Fn(Size) -> AppState) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for (cols, rows) in SIZES {
            let state = build(Size { cols, rows });
            insta::assert_snapshot!(format!("{name}_{cols}x{rows}"), render_text(&state));
        }
    });
}

/// An empty workstation at `size` with a fixed clock.
pub fn base(size: Size) -> AppState {
    let mut state = AppState::new(size, Theme { no_color: true });
    state.now = NOW;
    state.dirty = false;
    state
}

pub fn key(state: &mut AppState, code: KeyCode, mods: KeyModifiers) {
    update(state, Msg::Key(KeyEvent::new(code, mods)));
}

pub fn type_text(state: &mut AppState, text: &str) {
    for c in text.chars() {
        key(state, KeyCode::Char(c), KeyModifiers::NONE);
    }
}
