//! What the workstation does right after it attaches (from `switchboard resume`, `fork`,
//! `--slot`), expressed as the same state changes and effects the keys would cause.

use super::app::{AppState, Effect, Mode};
use super::picker::{Picker, PickerPurpose};
use crate::ids::{Seq, SessionId};
use crate::protocol::Command;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Startup {
    ResumePicker,
    ForkPicker,
    /// Open a stored session in a slot.
    Resume(SessionId),
    /// The fork picker's turn stage for one session.
    ForkTurns(SessionId),
    /// Fork now and open the fork.
    Fork {
        session: SessionId,
        at: Option<Seq>,
    },
    /// `--slot CMD`: a new PTY slot running `CMD`.
    OpenPane(String),
}

pub fn apply(state: &mut AppState, action: Startup) -> Vec<Effect> {
    match action {
        Startup::ResumePicker => super::picker_keys::open(state, PickerPurpose::Resume),
        Startup::ForkPicker => super::picker_keys::open(state, PickerPurpose::Fork),
        Startup::Resume(session) => super::slots_ui::open_session(state, session),
        Startup::ForkTurns(session) => {
            state.mode = Mode::Picker(Box::new(Picker::new(PickerPurpose::Fork, None)));
            vec![
                Effect::Send(Command::LoadPicker),
                Effect::Send(Command::LoadTurns { session }),
            ]
        }
        Startup::Fork { session, at } => super::slots_ui::fork(state, session, at),
        Startup::OpenPane(command) => super::panes_ui::open(state, Some(command), false),
    }
}
