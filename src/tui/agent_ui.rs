//! Native agent slots on the UI side: folding the agent's events into the transcript, badges,
//! token use, the approval prompt and interrupts.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::{AppState, Effect, Mode};
use super::slots::{PendingApproval, SlotId, SlotKind, SlotStatus};
use super::transcript::EntryKind;
use crate::agent::ApprovalDecision;
use crate::event::{Event, EventKind, TurnOutcome};
use crate::ids::SessionId;

pub fn started(
    state: &mut AppState,
    slot: SlotId,
    session: SessionId,
    label: String,
    worktree: Option<crate::event::SessionWorktree>,
    note: Option<String>,
) -> Vec<Effect> {
    state.model = Some(label);
    if let Some(note) = note {
        state.notify(note);
    }
    if let Some(target) = state.slot_mut(slot) {
        target.session = Some(session);
        if let Some(worktree) = &worktree {
            target.cwd = worktree.path.clone();
        }
        target.worktree = worktree;
    }
    vec![super::panes_ui::open_slots_effect(state)]
}

pub fn event(state: &mut AppState, slot: SlotId, event: &Event) {
    let focused = state.focused == Some(slot);
    let Some(target) = state.slot_mut(slot) else {
        state.dirty = false;
        return;
    };
    target.transcript.apply(event, false);
    match &event.kind {
        EventKind::TurnStarted(_) | EventKind::ResponseStarted(_) => {
            target.status = SlotStatus::Running
        }
        EventKind::ResponseCompleted(completed) => target.usage.add(&completed.usage),
        _ => {}
    }
    target.unread |= !focused;
    state.focus_dirty |= focused;
    // The visible transcript follows new output unless the user scrolled up.
}

pub fn approval_needed(state: &mut AppState, slot: SlotId, approval: PendingApproval) {
    let focused = state.focused == Some(slot);
    let Some(target) = state.slot_mut(slot) else {
        return;
    };
    let name = target.name.clone();
    target.approval = Some(approval);
    target.status = SlotStatus::Waiting;
    if focused {
        if matches!(state.mode, Mode::Normal) {
            state.mode = Mode::Approval;
        }
    } else if let Some(target) = state.slot_mut(slot) {
        target.unread = true;
        state.notify(format!("{name} waits for your approval"));
    }
}

pub fn turn_finished(
    state: &mut AppState,
    slot: SlotId,
    outcome: TurnOutcome,
    error: Option<String>,
) {
    let focused = state.focused == Some(slot);
    if let Some(target) = state.slot_mut(slot) {
        target.approval = None;
        target.status = match outcome {
            TurnOutcome::Completed | TurnOutcome::Other => SlotStatus::Idle,
            TurnOutcome::Interrupted => SlotStatus::Idle,
            TurnOutcome::Failed => {
                SlotStatus::Error(error.unwrap_or_else(|| "the turn failed".into()))
            }
        };
    }
    if focused && matches!(state.mode, Mode::Approval | Mode::DenyReason(_)) {
        state.mode = Mode::Normal;
    }
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
            state.notify("interrupting…");
            vec![Effect::Interrupt(slot)]
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
    vec![Effect::Decide {
        slot: slot.id,
        call_id: approval.call_id,
        decision,
    }]
}

/// Keys of the approval prompt.
pub fn approval_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Char('y') | KeyCode::Char('Y') => decide(state, ApprovalDecision::ApproveOnce),
        KeyCode::Char('a') | KeyCode::Char('A') => {
            decide(state, ApprovalDecision::ApproveForSession)
        }
        KeyCode::Char('n') | KeyCode::Char('N') => {
            decide(state, ApprovalDecision::Deny { reason: None })
        }
        KeyCode::Char('r') | KeyCode::Char('R') => {
            state.mode = Mode::DenyReason(String::new());
            Vec::new()
        }
        KeyCode::Esc => {
            state.mode = Mode::Normal;
            state.notify("approval left for later: focus the slot again to answer");
            Vec::new()
        }
        KeyCode::Char('c') if ctrl => {
            state.mode = Mode::Normal;
            interrupt(state)
        }
        KeyCode::Char('q') if ctrl => {
            super::update::run_command(state, super::commands::CommandId::Quit)
        }
        _ => {
            state.dirty = false;
            Vec::new()
        }
    }
}

/// Keys while typing the reason for a denial.
pub fn deny_reason_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    let Mode::DenyReason(reason) = &mut state.mode else {
        return Vec::new();
    };
    match key.code {
        KeyCode::Esc => state.mode = Mode::Approval,
        KeyCode::Enter => {
            let reason = reason.trim().to_owned();
            return decide(
                state,
                ApprovalDecision::Deny {
                    reason: (!reason.is_empty()).then_some(reason),
                },
            );
        }
        KeyCode::Backspace => {
            reason.pop();
        }
        _ => match super::update::is_text(&key) {
            Some(c) => reason.push(c),
            None => state.dirty = false,
        },
    }
    Vec::new()
}
