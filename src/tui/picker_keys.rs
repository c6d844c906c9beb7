//! Keys of the resume/fork picker and what choosing does.

use crossterm::event::KeyEvent;

use super::app::{AppState, Effect, Mode};
use super::commands::CommandId;
use super::keymap::KeyMode;
use super::picker::{Picker, PickerPurpose, PickerRow};
use super::update::is_text;
use crate::protocol::Command;

/// Rows a PgUp/PgDn moves.
const PAGE: isize = 10;

/// Opens the picker; its rows arrive as `Msg::PickerLoaded`.
pub(crate) fn open(state: &mut AppState, purpose: PickerPurpose) -> Vec<Effect> {
    state.mode = Mode::Picker(Box::new(Picker::new(purpose, None)));
    vec![Effect::Send(Command::LoadPicker)]
}

/// Rows arrived: show them and ask for the first preview.
pub(super) fn loaded(state: &mut AppState, rows: Vec<PickerRow>) -> Vec<Effect> {
    let Mode::Picker(picker) = &mut state.mode else {
        state.dirty = false;
        return Vec::new();
    };
    picker.set_rows(rows);
    preview_effect(picker)
}

fn preview_effect(picker: &Picker) -> Vec<Effect> {
    match picker.selected_row() {
        Some(row) if picker.preview.as_ref().map(|(id, _)| *id) != Some(row.id) => {
            vec![Effect::Send(Command::LoadPreview { session: row.id })]
        }
        _ => Vec::new(),
    }
}

pub(super) fn picker_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    let cwd = state.cwd.clone();
    let turns = matches!(&state.mode, Mode::Picker(p) if p.turn_choice.is_some());
    if turns {
        return turn_key(state, key);
    }
    let command = super::modal_keys::lookup(state, KeyMode::Picker, &key);
    let Mode::Picker(picker) = &mut state.mode else {
        return Vec::new();
    };
    match command {
        Some(CommandId::Close) => {
            state.mode = Mode::Normal;
            return Vec::new();
        }
        Some(CommandId::Accept) => return choose(state),
        Some(CommandId::Up) => picker.move_selection(-1),
        Some(CommandId::Down) => picker.move_selection(1),
        Some(CommandId::PageUp) => picker.move_selection(-PAGE),
        Some(CommandId::PageDown) => picker.move_selection(PAGE),
        Some(CommandId::ToggleFinished) => picker.toggle_finished(),
        Some(CommandId::ClearQuery) => picker.set_query(String::new()),
        Some(CommandId::ToggleHere) => picker.toggle_here(&cwd),
        Some(CommandId::Backspace) => {
            let mut query = picker.query.clone();
            query.pop();
            picker.set_query(query);
        }
        _ => match is_text(&key) {
            Some(c) => {
                let query = format!("{}{c}", picker.query);
                picker.set_query(query);
            }
            None => {
                state.dirty = false;
                return Vec::new();
            }
        },
    }
    preview_effect(picker)
}

/// Enter on a session: resume it, or (fork) go on to choosing the turn.
fn choose(state: &mut AppState) -> Vec<Effect> {
    let Mode::Picker(picker) = &state.mode else {
        return Vec::new();
    };
    let Some(row) = picker.selected_row().cloned() else {
        state.notify("no session selected");
        return Vec::new();
    };
    match picker.purpose {
        PickerPurpose::Fork => vec![Effect::Send(Command::LoadTurns { session: row.id })],
        PickerPurpose::Resume => {
            state.mode = Mode::Normal;
            super::slots_ui::open_session(state, row.id)
        }
    }
}

/// Keys of the fork picker's second stage: which turn to cut after.
fn turn_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    let command = super::modal_keys::lookup(state, KeyMode::PickerTurns, &key);
    let Mode::Picker(picker) = &mut state.mode else {
        return Vec::new();
    };
    match command {
        Some(CommandId::Close) => picker.turn_choice = None,
        Some(CommandId::Up) => picker.move_selection(-1),
        Some(CommandId::Down) => picker.move_selection(1),
        Some(CommandId::PageUp) => picker.move_selection(-PAGE),
        Some(CommandId::PageDown) => picker.move_selection(PAGE),
        Some(CommandId::Accept) => {
            let Some(choice) = picker.turn_choice.take() else {
                return Vec::new();
            };
            // A turn still running has no end yet: fork at its prompt instead.
            let at = choice
                .turns
                .get(choice.selected)
                .map(|turn| turn.ended_seq.unwrap_or(turn.user_seq));
            state.mode = Mode::Normal;
            return super::slots_ui::fork(state, choice.session, at);
        }
        _ => state.dirty = false,
    }
    Vec::new()
}
