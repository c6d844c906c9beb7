//! Rendering the workstation without a terminal: for `switchboard render`, bug reports and the
//! snapshot tests. Uses ratatui's `TestBackend`, so the output is exactly what a terminal of that
//! size would show, as plain text.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::app::{AppState, Msg, Size};
use super::core::{recent_sessions, transcript_tail};
use super::render::render;
use super::slots::SlotKind;
use super::theme::Theme;
use super::update::{add_slot, focus, update};
use crate::ids::SessionId;
use crate::store::Store;

/// The frame as text, one line per row, trailing spaces trimmed.
pub fn render_text(state: &AppState) -> String {
    let backend = TestBackend::new(state.size.cols, state.size.rows);
    let Ok(mut terminal) = Terminal::new(backend);
    if terminal.draw(|frame| render(state, frame)).is_err() {
        return String::new();
    }
    buffer_text(terminal.backend().buffer())
}

/// A buffer's symbols as text (wide characters appear once).
pub fn buffer_text(buffer: &ratatui::buffer::Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in 0..area.height {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let symbol = buffer[(x, y)].symbol();
            skip = crate::tui::text::width(symbol).saturating_sub(1);
            line.push_str(symbol);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The workstation as it opens on `store`, optionally with `session` opened in a slot.
pub fn state_from_store(
    store: &Store,
    size: Size,
    session: Option<SessionId>,
) -> Result<AppState, crate::store::StoreError> {
    let mut state = AppState::new(size, Theme { no_color: true });
    update(&mut state, Msg::SessionsLoaded(recent_sessions(store)?));
    update(&mut state, Msg::HistoryLoaded(store.recent_prompts(500)?));
    if let Some(session) = session {
        let meta = store.meta(session)?;
        let name = crate::tui::text::truncate(&meta.title, 24);
        let slot = add_slot(&mut state, SlotKind::Agent, Some(name));
        focus(&mut state, slot);
        let loaded = transcript_tail(store, session, super::slots::TRANSCRIPT_TAIL)?;
        update(
            &mut state,
            Msg::TranscriptLoaded {
                slot,
                session,
                title: loaded.title,
                from: loaded.from,
                events: loaded.events,
            },
        );
    }
    Ok(state)
}
