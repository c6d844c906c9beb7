//! Keys of the modal views (palette, help, quit confirmation, history search) and pastes.

use crossterm::event::KeyEvent;

use super::app::{AppState, Effect, Mode, NewSlotDialog};
use super::commands::CommandId;
use super::keymap::KeyMode;
use super::slots::SlotKind;
use super::update::{is_text, run_palette_target};

/// The command `key` runs in `mode`, conditions checked against the state.
pub(super) fn lookup(state: &AppState, mode: KeyMode, key: &KeyEvent) -> Option<CommandId> {
    state
        .keymap
        .lookup(mode, key, |when| super::update::enabled(state, when))
}

pub(super) fn palette_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    let command = lookup(state, KeyMode::Palette, &key);
    let Mode::Palette(palette) = &mut state.mode else {
        return Vec::new();
    };
    match command {
        Some(CommandId::Close) => state.mode = Mode::Normal,
        Some(CommandId::Accept) => {
            let target = palette.selected_target();
            state.mode = Mode::Normal;
            return match target {
                Some(target) => run_palette_target(state, target),
                None => Vec::new(),
            };
        }
        Some(CommandId::Up) => palette.move_selection(-1),
        Some(CommandId::Down) => palette.move_selection(1),
        Some(CommandId::ClearQuery) => palette.set_query(String::new()),
        Some(CommandId::Backspace) => {
            let mut query = palette.query.clone();
            query.pop();
            palette.set_query(query);
        }
        _ => match is_text(&key) {
            Some(c) => {
                let query = format!("{}{c}", palette.query);
                palette.set_query(query);
            }
            None => state.dirty = false,
        },
    }
    Vec::new()
}

pub(super) fn help_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    let command = lookup(state, KeyMode::Help, &key);
    let Mode::Help { scroll } = &mut state.mode else {
        return Vec::new();
    };
    match command {
        Some(CommandId::Close) => state.mode = Mode::Normal,
        Some(CommandId::Up) => *scroll = scroll.saturating_sub(1),
        Some(CommandId::Down) => *scroll = scroll.saturating_add(1),
        Some(CommandId::PageUp) => *scroll = scroll.saturating_sub(10),
        Some(CommandId::PageDown) => *scroll = scroll.saturating_add(10),
        _ => state.dirty = false,
    }
    Vec::new()
}

/// Keys of the leave dialog: detach (the default), stop the server, or stay.
pub(super) fn confirm_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    match lookup(state, KeyMode::Leave, &key) {
        Some(CommandId::Detach) => super::update::detach(state),
        Some(CommandId::StopServer) => super::update::stop_server(state),
        Some(CommandId::Close) => {
            state.mode = Mode::Normal;
            Vec::new()
        }
        _ => {
            state.dirty = false;
            Vec::new()
        }
    }
}

/// Keys of "close a slot that still runs?".
pub(super) fn confirm_close_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    match lookup(state, KeyMode::ConfirmClose, &key) {
        Some(CommandId::Accept) => {
            state.mode = Mode::Normal;
            super::update::close_confirmed(state)
        }
        Some(CommandId::Close) => {
            state.mode = Mode::Normal;
            Vec::new()
        }
        _ => {
            state.dirty = false;
            Vec::new()
        }
    }
}

pub(super) fn history_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    let command = lookup(state, KeyMode::History, &key);
    let Mode::HistorySearch(search) = &mut state.mode else {
        return Vec::new();
    };
    match command {
        Some(CommandId::Close) => state.mode = Mode::Normal,
        Some(CommandId::Accept) => {
            if let Some(text) = search.found.and_then(|i| state.history.get(i)) {
                let text = text.to_owned();
                state.composer.set_text(&text);
            }
            state.mode = Mode::Normal;
        }
        Some(CommandId::OlderMatch) => search.older(&state.history),
        Some(CommandId::NewerMatch) => search.newer(&state.history),
        Some(CommandId::ClearQuery) => {
            search.query.clear();
            search.refresh(&state.history);
        }
        Some(CommandId::Backspace) => {
            search.query.pop();
            search.refresh(&state.history);
        }
        _ => match is_text(&key) {
            Some(c) => {
                search.query.push(c);
                search.refresh(&state.history);
            }
            None => state.dirty = false,
        },
    }
    Vec::new()
}

pub(super) fn on_paste(state: &mut AppState, text: &str) -> Vec<Effect> {
    match &mut state.mode {
        Mode::Normal if state.focus == super::app::Focus::Pane => {
            return super::panes_ui::paste(state, text);
        }
        Mode::Normal => state.composer.paste(text),
        Mode::Palette(palette) => {
            let first = text.lines().next().unwrap_or_default();
            let query = format!("{}{first}", palette.query);
            palette.set_query(query);
        }
        Mode::HistorySearch(search) => {
            search
                .query
                .push_str(text.lines().next().unwrap_or_default());
            search.refresh(&state.history);
        }
        Mode::Picker(picker) => {
            let query = format!(
                "{}{}",
                picker.query,
                text.lines().next().unwrap_or_default()
            );
            picker.set_query(query);
        }
        Mode::NewSlot(NewSlotDialog { command: line, .. }) | Mode::DenyReason(line) => {
            line.push_str(text.lines().next().unwrap_or_default())
        }
        Mode::Board(view) => super::board::paste(view, text),
        Mode::PaneSearch(prompt) => super::pane_search::paste(prompt, text),
        Mode::Approval | Mode::Diff(_) | Mode::CloseSlot(_) => state.dirty = false,
        Mode::Help { .. } | Mode::ConfirmQuit | Mode::ConfirmClose(_) | Mode::CopyMode(_) => {
            state.dirty = false
        }
    }
    Vec::new()
}

/// Keys of the new-slot dialog: a one-line command editor for panes, Tab for the worktree,
/// Enter opens the slot.
pub(super) fn new_slot_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    let in_repo = state.in_repo;
    let command = lookup(state, KeyMode::NewSlot, &key);
    let Mode::NewSlot(dialog) = &mut state.mode else {
        return Vec::new();
    };
    let pane = dialog.kind == SlotKind::Pty;
    match command {
        Some(CommandId::Close) => state.mode = Mode::Normal,
        Some(CommandId::ClearQuery) => dialog.command.clear(),
        Some(CommandId::ToggleWorktree) if in_repo => dialog.worktree = !dialog.worktree,
        Some(CommandId::Backspace) => {
            dialog.command.pop();
        }
        Some(CommandId::Accept) => {
            let dialog = dialog.clone();
            state.mode = Mode::Normal;
            return open_slot(state, dialog);
        }
        _ => match is_text(&key) {
            Some(c) if pane => dialog.command.push(c),
            _ => state.dirty = false,
        },
    }
    Vec::new()
}

fn open_slot(state: &mut AppState, dialog: NewSlotDialog) -> Vec<Effect> {
    let worktree = dialog.worktree && state.in_repo;
    match dialog.kind {
        SlotKind::Pty => {
            let command = dialog.command.trim().to_owned();
            super::panes_ui::open(state, (!command.is_empty()).then_some(command), worktree)
        }
        SlotKind::Agent => {
            let (_, effects) = super::agent_ui::open(state, worktree);
            state.notify(if worktree {
                "new agent slot with its own worktree: type a prompt and press Enter"
            } else {
                "new agent slot: type a prompt and press Enter"
            });
            effects
        }
    }
}
