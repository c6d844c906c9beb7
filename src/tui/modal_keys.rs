//! Keys of the modal views (palette, help, quit confirmation, history search) and pastes.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::{AppState, Effect, Mode, NewSlotDialog};
use super::slots::SlotKind;
use super::update::{is_text, run_palette_target};

pub(super) fn palette_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    let Mode::Palette(palette) = &mut state.mode else {
        return Vec::new();
    };
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Esc => state.mode = Mode::Normal,
        KeyCode::Enter => {
            let target = palette.selected_target();
            state.mode = Mode::Normal;
            return match target {
                Some(target) => run_palette_target(state, target),
                None => Vec::new(),
            };
        }
        KeyCode::Up => palette.move_selection(-1),
        KeyCode::Down => palette.move_selection(1),
        KeyCode::Char('p') if ctrl => palette.move_selection(-1),
        KeyCode::Char('n') if ctrl => palette.move_selection(1),
        KeyCode::Char('u') if ctrl => palette.set_query(String::new()),
        KeyCode::Backspace => {
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
    let Mode::Help { scroll } = &mut state.mode else {
        return Vec::new();
    };
    match key.code {
        KeyCode::Esc | KeyCode::F(1) | KeyCode::Char('?') | KeyCode::Char('q') => {
            state.mode = Mode::Normal
        }
        KeyCode::Up => *scroll = scroll.saturating_sub(1),
        KeyCode::Down => *scroll = scroll.saturating_add(1),
        KeyCode::PageUp => *scroll = scroll.saturating_sub(10),
        KeyCode::PageDown => *scroll = scroll.saturating_add(10),
        _ => state.dirty = false,
    }
    Vec::new()
}

/// Keys of the leave dialog: detach (the default), stop the server, or stay.
pub(super) fn confirm_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    match key.code {
        KeyCode::Char('d') | KeyCode::Char('D') | KeyCode::Char('y') | KeyCode::Enter => {
            super::update::detach(state)
        }
        KeyCode::Char('s') | KeyCode::Char('S') => super::update::stop_server(state),
        KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
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
    let Mode::HistorySearch(search) = &mut state.mode else {
        return Vec::new();
    };
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Esc => state.mode = Mode::Normal,
        KeyCode::Char('c') if ctrl => state.mode = Mode::Normal,
        KeyCode::Enter => {
            if let Some(text) = search.found.and_then(|i| state.history.get(i)) {
                let text = text.to_owned();
                state.composer.set_text(&text);
            }
            state.mode = Mode::Normal;
        }
        KeyCode::Char('r') if ctrl => search.older(&state.history),
        KeyCode::Backspace => {
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
        Mode::Approval | Mode::Diff(_) | Mode::CloseSlot(_) => state.dirty = false,
        Mode::Help { .. } | Mode::ConfirmQuit | Mode::CopyMode(_) => state.dirty = false,
    }
    Vec::new()
}

/// Keys of the new-slot dialog: a one-line command editor for panes, Tab for the worktree,
/// Enter opens the slot.
pub(super) fn new_slot_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    let in_repo = state.in_repo;
    let Mode::NewSlot(dialog) = &mut state.mode else {
        return Vec::new();
    };
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let pane = dialog.kind == SlotKind::Pty;
    match key.code {
        KeyCode::Esc => state.mode = Mode::Normal,
        KeyCode::Char('c') if ctrl => state.mode = Mode::Normal,
        KeyCode::Char('u') if ctrl => dialog.command.clear(),
        KeyCode::Tab if in_repo => dialog.worktree = !dialog.worktree,
        KeyCode::Backspace => {
            dialog.command.pop();
        }
        KeyCode::Enter => {
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
