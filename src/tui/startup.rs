//! What the workstation does right after it opens (from `switchboard resume`, `fork`, …),
//! expressed as the same state changes and effects the keys would cause.

use super::app::{AppState, Effect, Mode};
use super::picker::{Picker, PickerPurpose};
use super::slots::SlotKind;
use super::update::{add_slot, focus};
use crate::ids::{Seq, SessionId};

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
    /// A slot that was open when the workstation last ran: its recorded screen or transcript.
    Restore {
        session: SessionId,
        kind: crate::event::SessionKind,
    },
    /// `--slot CMD`: a new PTY slot running `CMD`.
    OpenPane(String),
}

pub fn apply(state: &mut AppState, action: Startup) -> Vec<Effect> {
    match action {
        Startup::ResumePicker => {
            state.mode = Mode::Picker(Box::new(Picker::new(PickerPurpose::Resume, None)));
            vec![Effect::LoadPicker]
        }
        Startup::ForkPicker => {
            state.mode = Mode::Picker(Box::new(Picker::new(PickerPurpose::Fork, None)));
            vec![Effect::LoadPicker]
        }
        Startup::Resume(session) => {
            let title = state
                .recent
                .iter()
                .find(|r| r.id == session)
                .map(|r| super::text::truncate(&r.title, 24));
            let slot = add_slot(state, SlotKind::Agent, title);
            focus(state, slot);
            vec![Effect::LoadTranscript {
                slot,
                session,
                tail: super::slots::TRANSCRIPT_TAIL,
            }]
        }
        Startup::ForkTurns(session) => {
            state.mode = Mode::Picker(Box::new(Picker::new(PickerPurpose::Fork, None)));
            vec![Effect::LoadPicker, Effect::LoadTurns(session)]
        }
        Startup::Fork { session, at } => vec![Effect::Fork { session, at }],
        Startup::Restore { session, kind } => match kind {
            crate::event::SessionKind::Pty => {
                let slot = add_slot(state, SlotKind::Pty, None);
                focus(state, slot);
                vec![Effect::RestorePane { slot, session }]
            }
            crate::event::SessionKind::Agent | crate::event::SessionKind::Other => {
                let slot = add_slot(state, SlotKind::Agent, None);
                focus(state, slot);
                vec![Effect::LoadTranscript {
                    slot,
                    session,
                    tail: super::slots::TRANSCRIPT_TAIL,
                }]
            }
        },
        Startup::OpenPane(command) => super::panes_ui::open(state, Some(command), false),
    }
}
