//! Rendering the workstation without a terminal: for `switchboard render`, bug reports and the
//! snapshot tests. Uses ratatui's `TestBackend`, so the output is exactly what a terminal of that
//! size would show, as plain text.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::app::{AppState, Msg, Size};
use super::render::render;
use super::slots::{Slot, SlotKind};
use super::theme::Theme;
use super::update::{focus, update};
use crate::ids::SessionId;
use crate::protocol::Notification;
use crate::server::reads::{recent_sessions, transcript_tail};
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

/// The workstation as it opens on `store`, optionally with `session` opened in a slot: an
/// agent's transcript, or a pane's last recorded screen.
pub fn state_from_store(
    store: &Store,
    size: Size,
    session: Option<SessionId>,
) -> Result<AppState, crate::store::StoreError> {
    let mut state = AppState::new(size, Theme { no_color: true });
    update(
        &mut state,
        Msg::Server(Notification::SessionsLoaded(recent_sessions(store)?)),
    );
    state.history = super::history::History::from_entries(store.recent_prompts(500)?);
    if let Some(session) = session {
        let entry = crate::server::reads::restore(store, session)?;
        let info = entry.info.clone();
        let mut slot = Slot::from_info(&info);
        if let crate::server::reads::RestoredView::Pane(copy) = crate::server::reads::view_of(entry)
        {
            slot.pane = Some(copy);
        }
        state.slots.push(slot);
        focus(&mut state, session);
        if info.kind == SlotKind::Agent {
            let loaded = transcript_tail(store, session, super::slots::TRANSCRIPT_TAIL)?;
            update(
                &mut state,
                Msg::Server(Notification::TranscriptLoaded {
                    slot: session,
                    title: loaded.title,
                    from: loaded.from,
                    events: loaded.events,
                }),
            );
        }
    }
    Ok(state)
}

/// Presses `keys` in order, as a terminal would deliver them (effects — commands to a server,
/// the clipboard — are dropped: there is none).
pub fn press(state: &mut AppState, keys: &[crossterm::event::KeyEvent]) {
    for key in keys {
        update(state, Msg::Key(*key));
    }
}
