//! PTY slots on the UI side: opening and restarting them, and routing keys, pastes, mouse and
//! scrolling to the program while a pane has focus. The program runs in the server; this
//! window holds a copy of its screen and sends what the user does.

use crossterm::event::{KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};

use super::app::{AppState, Effect, Focus};
use super::commands::CommandId;
use super::keymap::KeyMode;
use super::layout;
use super::slots::{SlotId, SlotKind, SlotStatus};
use super::update::{add_slot, focus};
use crate::protocol::Command;
use crate::pty::{CellPos, PaneSize, encode_key, encode_mouse, encode_paste};

/// Rows Shift+PgUp/PgDn and one wheel notch scroll a pane's history.
const PAGE_ROWS: isize = 10;
const WHEEL_ROWS: isize = 3;

/// The size a new pane in the focused cell will have.
fn focused_size(state: &AppState) -> PaneSize {
    layout::areas(state)
        .map(|areas| {
            let content = areas.content();
            PaneSize::new(content.height, content.width)
        })
        .unwrap_or_default()
}

/// The user's shell's name, for a pane's title.
fn shell_label() -> String {
    let shell = std::env::var("SHELL").unwrap_or_else(|_| crate::pty::FALLBACK_SHELL.to_owned());
    shell.rsplit('/').next().unwrap_or("shell").to_owned()
}

/// Opens a PTY slot running `command` (the user's shell when `None`), in its own worktree when
/// `worktree`, and gives it the keys.
pub fn open(state: &mut AppState, command: Option<String>, worktree: bool) -> Vec<Effect> {
    let name = command
        .as_deref()
        .map(|c| super::text::truncate(c, 24))
        .unwrap_or_else(shell_label);
    let id = add_slot(state, SlotKind::Pty, Some(name));
    let cwd = state.cwd.clone();
    if let Some(slot) = state.slot_mut(id) {
        slot.command = command.clone();
        slot.cwd = cwd;
        slot.status = SlotStatus::Starting;
    }
    focus(state, id);
    state.focus = Focus::Pane;
    vec![Effect::Send(Command::OpenPane {
        slot: id,
        command,
        size: focused_size(state),
        worktree,
    })]
}

/// Restarts the focused PTY slot's program in its directory, recording into the same session;
/// the last screen stays above the new run.
pub fn restart(state: &mut AppState) -> Vec<Effect> {
    let size = focused_size(state);
    let Some(slot) = state.focused_slot_mut() else {
        return Vec::new();
    };
    let ended = matches!(slot.status, SlotStatus::Exited(_) | SlotStatus::Error(_));
    if slot.kind != SlotKind::Pty || !(slot.restartable || ended) {
        state.notify("only a PTY slot whose program ended can be restarted");
        return Vec::new();
    }
    slot.status = SlotStatus::Starting;
    let id = slot.id;
    let what = slot.command.clone().unwrap_or_else(shell_label);
    state.focus = Focus::Pane;
    state.notify(format!("restarted {what}"));
    vec![Effect::Send(Command::RestartPane { slot: id, size })]
}

/// Scrolls this window's view of a pane by `rows` (positive: back into history).
pub fn scroll(state: &mut AppState, id: SlotId, rows: isize) -> Vec<Effect> {
    let Some(copy) = state.slot_mut(id).and_then(|s| s.pane.as_mut()) else {
        return Vec::new();
    };
    let offset = copy
        .scroll
        .offset
        .saturating_add_signed(rows)
        .min(copy.scroll.history);
    if offset == copy.scroll.offset {
        state.dirty = false;
        return Vec::new();
    }
    copy.scroll.offset = offset;
    vec![Effect::Send(Command::ScrollPane {
        slot: id,
        offset,
        history: copy.scroll.history,
    })]
}

/// A key while a pane has focus: the leader takes focus back, the pane's scroll keys scroll
/// its history, everything else goes to the program.
pub fn key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    let command = super::modal_keys::lookup(state, KeyMode::Pane, &key);
    if command == Some(CommandId::ReleaseKeys) {
        state.focus = Focus::Workstation;
        state.leader_armed = true;
        state.notify(format!(
            "keys go to the workstation ({} gives them back, d detaches)",
            state.leader().key_label()
        ));
        return Vec::new();
    }
    let Some(slot) = state.focused_slot() else {
        state.focus = Focus::Workstation;
        return Vec::new();
    };
    let id = slot.id;
    let Some(copy) = &slot.pane else {
        state.dirty = false;
        return Vec::new();
    };
    let modes = copy.modes;
    let scrolled = copy.scroll.offset > 0;
    match command {
        Some(CommandId::PaneScrollUp) => return scroll(state, id, PAGE_ROWS),
        Some(CommandId::PaneScrollDown) => return scroll(state, id, -PAGE_ROWS),
        _ => {}
    }
    match encode_key(&key, &modes) {
        Some(bytes) => {
            // Nothing here shows the key until the program answers (its echo comes as a
            // frame): a draw for the key itself would only hold the echo's draw behind it.
            state.dirty = state.selection.take().is_some() || scrolled;
            let mut effects = Vec::new();
            if scrolled {
                effects.extend(scroll(state, id, isize::MIN / 2));
            }
            effects.push(Effect::Send(Command::WritePane { slot: id, bytes }));
            effects
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
    let Some(copy) = &slot.pane else {
        return Vec::new();
    };
    let bytes = encode_paste(text, &copy.modes);
    vec![Effect::Send(Command::WritePane {
        slot: slot.id,
        bytes,
    })]
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
    let modes = slot.pane.as_ref()?.modes;
    let forward = state.focus == Focus::Pane
        && state.focused == Some(slot_id)
        && modes.mouse_mode != crate::pty::MouseMode::None
        && !event.modifiers.contains(KeyModifiers::SHIFT);
    if forward {
        let origin = CellPos::new(content.y, content.x);
        let size = PaneSize::new(content.height, content.width);
        return Some(match encode_mouse(event, origin, size, &modes) {
            Some(bytes) => vec![Effect::Send(Command::WritePane {
                slot: slot_id,
                bytes,
            })],
            None => Vec::new(),
        });
    }
    match event.kind {
        MouseEventKind::ScrollUp => Some(scroll(state, slot_id, WHEEL_ROWS)),
        MouseEventKind::ScrollDown => Some(scroll(state, slot_id, -WHEEL_ROWS)),
        _ => None,
    }
}
