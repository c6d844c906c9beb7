//! The diff view of a slot's worktree: its whole branch against where it started, or one turn
//! against the turn before, from the snapshot commits recorded at turn ends. A file list,
//! coloured hunks, scrolling; closing a slot with a worktree asks whether to keep it.

use crossterm::event::KeyEvent;

use super::app::{AppState, Effect, Mode};
use super::commands::CommandId;
use super::keymap::KeyMode;
use super::slots::SlotId;
use crate::event::SessionWorktree;
use crate::protocol::Command;
use crate::workspace::{FileDiff, RemoveCheck};

/// Rows PgUp/PgDn scroll the hunks.
const PAGE: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffView {
    pub slot: SlotId,
    pub title: String,
    /// "whole branch", "turn 1", "turn 2", …
    pub sources: Vec<String>,
    pub source: usize,
    pub files: Vec<FileDiff>,
    pub selected: usize,
    pub scroll: usize,
    pub loading: bool,
    pub error: Option<String>,
}

/// What closing a slot with a worktree does to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseDialog {
    pub slot: SlotId,
    pub worktree: SessionWorktree,
    /// What removing would lose, once checked.
    pub check: Option<Result<RemoveCheck, String>>,
}

/// Opens the diff of the focused slot's worktree (its whole branch first).
pub fn open(state: &mut AppState) -> Vec<Effect> {
    let Some(slot) = state.focused_slot() else {
        return Vec::new();
    };
    let (id, title) = (slot.id, slot.name.clone());
    let (true, Some(_)) = (slot.stored, slot.worktree.as_ref()) else {
        state.notify("this slot has no worktree of its own, so there is no diff to show");
        return Vec::new();
    };
    let view = DiffView {
        slot: id,
        title,
        sources: vec!["whole branch".into()],
        source: 0,
        files: Vec::new(),
        selected: 0,
        scroll: 0,
        loading: true,
        error: None,
    };
    state.mode = Mode::Diff(Box::new(view));
    vec![Effect::Send(Command::LoadDiff {
        slot: id,
        source: 0,
    })]
}

pub fn loaded(
    state: &mut AppState,
    source: usize,
    sources: Vec<String>,
    files: Result<Vec<FileDiff>, String>,
) {
    let Mode::Diff(view) = &mut state.mode else {
        state.dirty = false;
        return;
    };
    view.loading = false;
    view.sources = sources;
    view.source = source;
    view.selected = 0;
    view.scroll = 0;
    match files {
        Ok(files) => {
            view.files = files;
            view.error = None;
        }
        Err(error) => {
            view.files = Vec::new();
            view.error = Some(error);
        }
    }
}

pub fn key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    let command = super::modal_keys::lookup(state, KeyMode::Diff, &key);
    let Mode::Diff(view) = &mut state.mode else {
        return Vec::new();
    };
    match command {
        Some(CommandId::Close) => state.mode = Mode::Normal,
        Some(CommandId::Up) => {
            view.selected = view.selected.saturating_sub(1);
            view.scroll = 0;
        }
        Some(CommandId::Down) => {
            view.selected = (view.selected + 1).min(view.files.len().saturating_sub(1));
            view.scroll = 0;
        }
        Some(CommandId::PageUp) => view.scroll = view.scroll.saturating_sub(PAGE),
        Some(CommandId::PageDown) => view.scroll += PAGE,
        Some(step @ (CommandId::NextSource | CommandId::PrevSource)) if !view.loading => {
            let count = view.sources.len().max(1);
            let next = if step == CommandId::PrevSource {
                (view.source + count - 1) % count
            } else {
                (view.source + 1) % count
            };
            view.loading = true;
            return vec![Effect::Send(Command::LoadDiff {
                slot: view.slot,
                source: next,
            })];
        }
        _ => state.dirty = false,
    }
    Vec::new()
}

/// Keys of the close dialog for a slot with a worktree.
pub fn close_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    let command = super::modal_keys::lookup(state, KeyMode::CloseWorktree, &key);
    let Mode::CloseSlot(dialog) = &state.mode else {
        return Vec::new();
    };
    let dialog = dialog.clone();
    match command {
        Some(CommandId::Close) => {
            state.mode = Mode::Normal;
            Vec::new()
        }
        Some(CommandId::KeepWorktree) => {
            state.mode = Mode::Normal;
            super::update::close_slot(state, dialog.slot)
        }
        Some(remove @ (CommandId::RemoveWorktree | CommandId::ForceRemoveWorktree)) => {
            let force = remove == CommandId::ForceRemoveWorktree;
            let loses = match &dialog.check {
                Some(Ok(check)) => check.loses_work(),
                // Unknown (not checked yet, or the check failed): only a forced removal.
                _ => true,
            };
            if loses && !force {
                let hints = state.keymap.hints(
                    KeyMode::CloseWorktree,
                    &[
                        (CommandId::ForceRemoveWorktree, "removes anyway"),
                        (CommandId::KeepWorktree, "keeps it"),
                    ],
                );
                state.notify_error(format!("removing would lose work: {}", hints.join(", ")));
                return Vec::new();
            }
            state.mode = Mode::Normal;
            let mut effects = super::update::close_slot(state, dialog.slot);
            effects.push(Effect::Send(Command::RemoveWorktree {
                worktree: dialog.worktree,
                force,
            }));
            effects
        }
        _ => {
            state.dirty = false;
            Vec::new()
        }
    }
}
