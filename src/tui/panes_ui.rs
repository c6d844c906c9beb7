//! PTY slots on the UI side: opening and restarting them, routing keys, pastes and mouse to the
//! program while a pane has focus, and turning pane changes into badges and redraws.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};

use super::app::{AppState, Effect, Focus};
use super::layout;
use super::slots::{PaneHandle, RestoredPane, SlotId, SlotKind, SlotStatus};
use super::update::{add_slot, focus};
use crate::ids::SessionId;
use crate::pty::{
    Activity, ActivityPolicy, CellPos, PaneSize, encode_key, encode_mouse, encode_paste,
};

/// A started pane as the UI receives it.
#[derive(Debug, Clone)]
pub struct Spawned {
    pub session: SessionId,
    pub pane: PaneHandle,
    pub cwd: String,
    pub worktree: Option<crate::event::SessionWorktree>,
    pub note: Option<String>,
}

/// Rows Shift+PgUp/PgDn and one wheel notch scroll a pane's history.
const PAGE_ROWS: isize = 10;
const WHEEL_ROWS: isize = 3;

/// The sessions open in slots, in order: remembered for the next start.
pub fn open_slots_effect(state: &AppState) -> Effect {
    Effect::SaveOpenSlots(state.slots.iter().filter_map(|s| s.session).collect())
}

/// The size a new pane in the focused cell will have.
fn focused_size(state: &AppState) -> PaneSize {
    layout::areas(state)
        .map(|areas| {
            let content = areas.content();
            PaneSize::new(content.height, content.width)
        })
        .unwrap_or_default()
}

/// Opens a PTY slot running `command` (the user's shell when `None`), in its own worktree when
/// `worktree`, and gives it the keys.
pub fn open(state: &mut AppState, command: Option<String>, worktree: bool) -> Vec<Effect> {
    let name = command
        .as_deref()
        .map(|c| super::text::truncate(c, 24))
        .unwrap_or_else(|| {
            let shell = super::core::shell_name();
            shell.rsplit('/').next().unwrap_or("shell").to_owned()
        });
    let id = add_slot(state, SlotKind::Pty, Some(name));
    let cwd = state.cwd.clone();
    if let Some(slot) = state.slot_mut(id) {
        slot.command = command.clone();
        slot.cwd = cwd.clone();
        slot.status = SlotStatus::Running;
    }
    focus(state, id);
    state.focus = Focus::Pane;
    vec![Effect::SpawnPane {
        slot: id,
        session: None,
        command,
        cwd,
        size: focused_size(state),
        preamble: Vec::new(),
        worktree,
    }]
}

/// Restarts the focused PTY slot's program in its directory, recording into the same session;
/// the last screen stays above the new run.
pub fn restart(state: &mut AppState) -> Vec<Effect> {
    let size = focused_size(state);
    let Some(slot) = state.focused_slot_mut() else {
        return Vec::new();
    };
    if slot.kind != SlotKind::Pty || slot.status == SlotStatus::Running {
        state.notify("only a PTY slot whose program ended can be restarted");
        return Vec::new();
    }
    let what = slot.command.clone().unwrap_or_else(super::core::shell_name);
    let mut preamble = slot
        .pane
        .as_ref()
        .map(|pane| pane.with_screen(|s| s.vt().contents_formatted()))
        .unwrap_or_default()
        .into_bytes();
    preamble.extend_from_slice(
        format!(
            "\r\n\x1b[0;2m── restarted `{what}` in {} ──\x1b[0m\r\n",
            slot.cwd
        )
        .as_bytes(),
    );
    slot.status = SlotStatus::Running;
    let effect = Effect::SpawnPane {
        slot: slot.id,
        session: slot.session,
        command: slot.command.clone(),
        cwd: slot.cwd.clone(),
        size,
        preamble,
        worktree: false,
    };
    state.focus = Focus::Pane;
    state.notify(format!("restarted {what}"));
    vec![effect]
}

pub fn spawned(state: &mut AppState, slot: SlotId, spawned: Spawned) -> Vec<Effect> {
    let Spawned {
        session,
        pane,
        cwd,
        worktree,
        note,
    } = spawned;
    if let Some(note) = note {
        state.notify(note);
    }
    let Some(target) = state.slot_mut(slot) else {
        // The slot was closed while its program started.
        return vec![Effect::KillPane(slot)];
    };
    target.session = Some(session);
    target.cwd = cwd;
    if worktree.is_some() {
        target.worktree = worktree;
    }
    if let Some(live) = pane.live() {
        target.status = super::core::status_of(&live.status());
    }
    target.pane = Some(pane);
    vec![open_slots_effect(state)]
}

/// A restored slot: the recorded screen, the program's last status.
pub fn restored(state: &mut AppState, slot: SlotId, restored: RestoredPane) {
    if let Some(target) = state.slot_mut(slot) {
        let shown = restored.command.as_deref().unwrap_or(&restored.title);
        target.name = super::text::truncate(shown, 24);
        target.session = Some(restored.session);
        target.command = restored.command;
        target.cwd = restored.cwd;
        target.pane = Some(restored.pane);
        target.status = restored.status;
    }
}

/// Looks at every live pane after a wake-up: follow exits, redraw the visible ones that
/// changed, mark hidden ones unread.
pub fn changed(state: &mut AppState) {
    let visible = layout::visible_slots(state);
    let mut redraw = follow_exits(state);
    let mut focus_changed = false;
    let focused = state.focused;
    for slot in &mut state.slots {
        let Some(live) = slot.pane.as_ref().and_then(PaneHandle::live) else {
            continue;
        };
        if !live.take_changed() {
            continue;
        }
        if visible.contains(&slot.id) {
            redraw = true;
        }
        if focused == Some(slot.id) {
            focus_changed = true;
        } else {
            slot.unread = true;
            redraw = true;
        }
    }
    state.dirty = redraw;
    state.focus_dirty |= focus_changed;
}

/// Badges of panes whose program ended; keys come back to the workstation when it was the
/// focused pane's. Returns whether anything changed.
fn follow_exits(state: &mut AppState) -> bool {
    let mut changed = false;
    for slot in &mut state.slots {
        let Some(live) = slot.pane.as_ref().and_then(PaneHandle::live) else {
            continue;
        };
        let status = live.status();
        if status.is_running() {
            continue;
        }
        let badge = super::core::status_of(&status);
        if slot.status != badge {
            slot.status = badge;
            changed = true;
        }
    }
    let focused_ended = state.focused_slot().is_some_and(|s| {
        s.pane
            .as_ref()
            .and_then(PaneHandle::live)
            .is_some_and(|p| !p.is_running())
    });
    if state.focus == Focus::Pane && focused_ended {
        state.focus = Focus::Workstation;
        changed = true;
    }
    changed
}

/// Re-badges running panes by activity (running / waiting for input / idle).
pub fn tick(state: &mut AppState, now: Instant, policy: &ActivityPolicy) {
    let mut changed = follow_exits(state);
    for slot in &mut state.slots {
        let Some(live) = slot.pane.as_ref().and_then(PaneHandle::live) else {
            continue;
        };
        if !live.is_running() {
            continue;
        }
        let status = match live.activity(now, policy) {
            Activity::Busy => SlotStatus::Running,
            Activity::WaitingForInput => SlotStatus::Waiting,
            Activity::Idle => SlotStatus::Idle,
        };
        if slot.status != status {
            slot.status = status;
            changed = true;
        }
    }
    state.dirty = changed;
}

/// A key while a pane has focus: the leader takes focus back, Shift+PgUp/PgDn scroll the
/// pane's history, everything else goes to the program.
pub fn key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    if state.leader.matches(key.code, key.modifiers) {
        state.focus = Focus::Workstation;
        state.notify("keys go to the workstation; Ctrl+G gives them back to the pane");
        return Vec::new();
    }
    let Some(slot) = state.focused_slot() else {
        state.focus = Focus::Workstation;
        return Vec::new();
    };
    let Some(pane) = slot.pane.clone() else {
        return Vec::new();
    };
    let id = slot.id;
    let shift = key.modifiers.contains(KeyModifiers::SHIFT);
    match key.code {
        KeyCode::PageUp if shift => {
            pane.with_screen_mut(|s| s.scroll_by(PAGE_ROWS));
            return Vec::new();
        }
        KeyCode::PageDown if shift => {
            pane.with_screen_mut(|s| s.scroll_by(-PAGE_ROWS));
            return Vec::new();
        }
        _ => {}
    }
    let modes = pane.with_screen(|s| s.modes());
    match encode_key(&key, &modes) {
        Some(bytes) => {
            pane.with_screen_mut(|s| s.scroll_to_bottom());
            state.selection = None;
            vec![Effect::WritePane { slot: id, bytes }]
        }
        None => {
            state.dirty = false;
            Vec::new()
        }
    }
}

pub fn paste(state: &mut AppState, text: &str) -> Vec<Effect> {
    let Some(slot) = state.focused_slot() else {
        return Vec::new();
    };
    let Some(pane) = &slot.pane else {
        return Vec::new();
    };
    let bytes = encode_paste(text, &pane.with_screen(|s| s.modes()));
    vec![Effect::WritePane {
        slot: slot.id,
        bytes,
    }]
}

/// A mouse event over a pane: forwarded to a program that asked for mouse reporting (unless
/// Shift is held, which selects instead), wheel scrolls history otherwise. `None` when the
/// workstation should handle it.
pub fn mouse(state: &mut AppState, event: &MouseEvent) -> Option<Vec<Effect>> {
    let areas = layout::areas(state)?;
    let (slot_id, cell) = areas
        .cells
        .iter()
        .find(|(_, rect)| rect.contains(ratatui::layout::Position::new(event.column, event.row)))
        .copied()?;
    let content = layout::inner(cell);
    let slot = state.slot(slot_id)?;
    let pane = slot.pane.clone()?;
    let modes = pane.with_screen(|s| s.modes());
    let forward = state.focus == Focus::Pane
        && state.focused == Some(slot_id)
        && modes.mouse_mode != crate::pty::MouseMode::None
        && !event.modifiers.contains(KeyModifiers::SHIFT);
    if forward {
        let origin = CellPos::new(content.y, content.x);
        let size = PaneSize::new(content.height, content.width);
        return Some(match encode_mouse(event, origin, size, &modes) {
            Some(bytes) => vec![Effect::WritePane {
                slot: slot_id,
                bytes,
            }],
            None => Vec::new(),
        });
    }
    match event.kind {
        MouseEventKind::ScrollUp => {
            pane.with_screen_mut(|s| s.scroll_by(WHEEL_ROWS));
            Some(Vec::new())
        }
        MouseEventKind::ScrollDown => {
            pane.with_screen_mut(|s| s.scroll_by(-WHEEL_ROWS));
            Some(Vec::new())
        }
        _ => None,
    }
}
