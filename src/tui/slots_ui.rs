//! Opening stored sessions in slots — the one way every path (palette, resume picker,
//! `switchboard resume`, forks) does it: focus the slot if one shows the session already,
//! otherwise ask the server to open it and focus it when it arrives.

use super::app::{AppState, Effect};
use super::update::focus;
use crate::ids::{Seq, SessionId};
use crate::protocol::Command;

/// Shows a stored session in a slot.
pub fn open_session(state: &mut AppState, session: SessionId) -> Vec<Effect> {
    if state.slot(session).is_some() {
        focus(state, session);
        return Vec::new();
    }
    state.pending_focus = Some(session);
    vec![Effect::Send(Command::OpenSession { session })]
}

/// Forks a session (its code included) after `at`; the fork opens in a slot and takes focus.
pub fn fork(state: &mut AppState, session: SessionId, at: Option<Seq>) -> Vec<Effect> {
    state.notify("forking…");
    vec![Effect::Send(Command::Fork {
        session,
        at,
        open: true,
    })]
}
