//! Native agent slots on the UI side: opening one, the approval prompt, interrupts and start
//! failures. (Events, badges and token use arrive from the server: `server_ui.rs`.)

use crossterm::event::KeyEvent;

use super::app::{AppState, Effect, Mode};
use super::commands::CommandId;
use super::keymap::KeyMode;
use super::slots::{SlotId, SlotKind, SlotStatus};
use super::transcript::EntryKind;
use crate::agent::ApprovalDecision;
use crate::protocol::Command;

/// Opens a new agent slot (its session is stored with the first prompt) and focuses it.
pub fn open(state: &mut AppState, worktree: bool) -> (SlotId, Vec<Effect>) {
    let id = super::update::add_slot(state, SlotKind::Agent, None);
    let name = state.slot(id).map(|s| s.name.clone());
    super::update::focus(state, id);
    (
        id,
        vec![Effect::Send(Command::OpenAgent {
            slot: id,
            name,
            worktree,
        })],
    )
}

pub fn failed(state: &mut AppState, slot: SlotId, error: String, text: Option<String>) {
    if let Some(target) = state.slot_mut(slot) {
        target.status = SlotStatus::Error(error.clone());
        target.transcript.push(
            EntryKind::Error,
            format!("the agent could not start: {error}"),
        );
    }
    state.notify_error(format!("agent: {error}"));
    if let Some(text) = text
        && state.composer.is_empty()
    {
        state.composer.set_text(&text);
    }
}

/// Whether the focused slot is an agent in the middle of a turn.
pub fn turn_running(state: &AppState) -> Option<SlotId> {
    state
        .focused_slot()
        .filter(|s| {
            s.kind == SlotKind::Agent
                && matches!(s.status, SlotStatus::Running | SlotStatus::Waiting)
        })
        .map(|s| s.id)
}

/// Esc / Ctrl+C: stop the focused agent's turn.
pub fn interrupt(state: &mut AppState) -> Vec<Effect> {
    match turn_running(state) {
        Some(slot) => {
            state.notify(super::server_ui::INTERRUPTING);
            vec![Effect::Send(Command::Interrupt { slot })]
        }
        None => {
            state.dirty = false;
            Vec::new()
        }
    }
}

fn decide(state: &mut AppState, decision: ApprovalDecision) -> Vec<Effect> {
    state.mode = Mode::Normal;
    let Some(slot) = state.focused_slot_mut() else {
        return Vec::new();
    };
    let Some(approval) = slot.approval.take() else {
        return Vec::new();
    };
    slot.status = SlotStatus::Running;
    vec![Effect::Send(Command::Decide {
        slot: slot.id,
        call_id: approval.call_id,
        decision,
    })]
}

/// Keys of the approval prompt.
pub fn approval_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    match super::modal_keys::lookup(state, KeyMode::Approval, &key) {
        Some(CommandId::Approve) => decide(state, ApprovalDecision::ApproveOnce),
        Some(CommandId::ApproveForSession) => decide(state, ApprovalDecision::ApproveForSession),
        Some(CommandId::Deny) => decide(state, ApprovalDecision::Deny { reason: None }),
        Some(CommandId::DenyWithReason) => {
            state.mode = Mode::DenyReason(String::new());
            Vec::new()
        }
        Some(CommandId::DecideLater) => {
            state.mode = Mode::Normal;
            state.notify("approval left for later: focus the slot again to answer");
            Vec::new()
        }
        Some(CommandId::Interrupt) => {
            state.mode = Mode::Normal;
            interrupt(state)
        }
        Some(CommandId::Quit) => super::update::run_command(state, CommandId::Quit),
        _ => {
            state.dirty = false;
            Vec::new()
        }
    }
}

/// Keys while typing the reason for a denial.
pub fn deny_reason_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    let command = super::modal_keys::lookup(state, KeyMode::DenyReason, &key);
    let Mode::DenyReason(reason) = &mut state.mode else {
        return Vec::new();
    };
    match command {
        Some(CommandId::Close) => state.mode = Mode::Approval,
        Some(CommandId::Accept) => {
            let reason = reason.trim().to_owned();
            return decide(
                state,
                ApprovalDecision::Deny {
                    reason: (!reason.is_empty()).then_some(reason),
                },
            );
        }
        Some(CommandId::Backspace) => {
            reason.pop();
        }
        _ => match super::update::is_text(&key) {
            Some(c) => reason.push(c),
            None => state.dirty = false,
        },
    }
    Vec::new()
}
