//! `update`: the pure heart of the workstation. It turns one `Msg` into state changes and
//! `Effect`s, never doing I/O itself, so every transition is testable with plain tables.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::app::{AppState, Effect, Focus, LayoutMode, Mode, Msg, NewSlotDialog, StoreHealth};
use super::commands::{COMMANDS, CommandId, Scope, When};
use super::history::HistorySearch;
use super::layout;
use super::palette::{Palette, PaletteItem, PaletteTarget};
use super::picker::PickerPurpose;
use super::slots::{PaneHandle, Slot, SlotId, SlotKind, SlotStatus};
use super::transcript::EntryKind;
use super::{copy_mode, modal_keys, mouse};

/// Applies one message. Sets `state.dirty` when something visible may have changed.
pub fn update(state: &mut AppState, msg: Msg) -> Vec<Effect> {
    state.dirty = true;
    match msg {
        Msg::Key(key) if key.kind == KeyEventKind::Release => {
            state.dirty = false;
            Vec::new()
        }
        Msg::Key(key) => {
            state.notice = None;
            state.focus_dirty = true;
            on_key(state, key)
        }
        Msg::Paste(text) => modal_keys::on_paste(state, &text),
        Msg::Mouse(event, at) => mouse::on_mouse(state, event, at),
        Msg::Resize(size) => {
            state.size = size;
            state.selection = None;
            Vec::new()
        }
        Msg::FocusGained | Msg::FocusLost => {
            state.dirty = false;
            Vec::new()
        }
        Msg::HistoryLoaded(entries) => {
            let mut merged = super::history::History::from_entries(entries);
            for i in 0..state.history.len() {
                if let Some(entry) = state.history.get(i) {
                    merged.push(entry.to_owned());
                }
            }
            state.history = merged;
            Vec::new()
        }
        Msg::SessionsLoaded(recent) => {
            state.recent = recent;
            if let Mode::Palette(palette) = &state.mode {
                let query = palette.query.clone();
                let mut fresh = Palette::new(palette_items(state));
                fresh.set_query(query);
                state.mode = Mode::Palette(fresh);
            }
            Vec::new()
        }
        Msg::AgentStarted {
            slot,
            session,
            label,
            worktree,
            note,
        } => super::agent_ui::started(state, slot, session, label, worktree, note),
        Msg::AgentEvent { slot, event } => {
            super::agent_ui::event(state, slot, &event);
            Vec::new()
        }
        Msg::ApprovalNeeded { slot, approval } => {
            super::agent_ui::approval_needed(state, slot, approval);
            Vec::new()
        }
        Msg::TurnFinished {
            slot,
            outcome,
            error,
        } => {
            super::agent_ui::turn_finished(state, slot, outcome, error);
            Vec::new()
        }
        Msg::AgentFailed { slot, error, text } => {
            super::agent_ui::failed(state, slot, error, text);
            Vec::new()
        }
        Msg::TranscriptLoaded {
            slot,
            session,
            title,
            from,
            events,
        } => {
            if let Some(slot) = state.slot_mut(slot) {
                load_transcript(slot, session, &title, from, &events);
            }
            Vec::new()
        }
        Msg::StoreFailed { slot, text, error } => {
            state.store = StoreHealth::Failed(error.clone());
            state.notify_error(format!("not saved: {error}"));
            if let Some(slot) = slot.and_then(|id| state.slot_mut(id)) {
                slot.transcript
                    .push(EntryKind::Error, format!("not saved: {error}"));
            }
            if let Some(text) = text
                && state.composer.is_empty()
            {
                state.composer.set_text(&text);
            }
            Vec::new()
        }
        Msg::PickerLoaded(rows) => super::picker_keys::loaded(state, rows),
        Msg::PreviewLoaded { session, lines } => {
            if let Mode::Picker(picker) = &mut state.mode {
                picker.preview = Some((session, lines));
            }
            Vec::new()
        }
        Msg::TurnsLoaded(choice) => {
            if let Mode::Picker(picker) = &mut state.mode {
                picker.turn_choice = Some(choice);
            }
            Vec::new()
        }
        Msg::Forked {
            child,
            title,
            worktree,
        } => {
            let name = super::text::truncate(&format!("fork of {title}"), 24);
            let id = add_slot(state, SlotKind::Agent, Some(name));
            focus(state, id);
            match worktree {
                Some(path) => state.notify(format!("forked with its code in {path}")),
                None => state.notify("forked: the history above the marker is inherited"),
            }
            vec![Effect::LoadTranscript {
                slot: id,
                session: child,
                tail: super::slots::TRANSCRIPT_TAIL,
            }]
        }
        Msg::PaneSpawned {
            slot,
            session,
            pane,
            cwd,
            worktree,
            note,
        } => super::panes_ui::spawned(
            state,
            slot,
            super::panes_ui::Spawned {
                session,
                pane,
                cwd,
                worktree,
                note,
            },
        ),
        Msg::PaneRestored { slot, restored } => {
            super::panes_ui::restored(state, slot, restored);
            Vec::new()
        }
        Msg::PanesChanged => {
            super::panes_ui::changed(state);
            Vec::new()
        }
        Msg::Tick(now) => {
            let policy = state.activity;
            super::panes_ui::tick(state, now, &policy);
            Vec::new()
        }
        Msg::DiffLoaded {
            source,
            sources,
            files,
        } => {
            super::diff_view::loaded(state, source, sources, files);
            Vec::new()
        }
        Msg::WorktreeChecked { slot, check } => {
            match &mut state.mode {
                Mode::CloseSlot(dialog) if dialog.slot == slot => dialog.check = Some(check),
                _ => state.dirty = false,
            }
            Vec::new()
        }
        Msg::Notice { text, error } => {
            if error {
                state.notify_error(text);
            } else {
                state.notify(text);
            }
            Vec::new()
        }
        Msg::Terminate => {
            state.quit = true;
            vec![Effect::Quit]
        }
    }
}

/// Rebuilds a slot's transcript from loaded events (the same fold as live updates).
fn load_transcript(
    slot: &mut super::slots::Slot,
    session: crate::ids::SessionId,
    title: &str,
    from: crate::ids::Seq,
    events: &[(crate::event::Event, bool)],
) {
    slot.session = Some(session);
    if slot.name.starts_with("agent ") {
        slot.name = super::text::truncate(title, 24);
    }
    let mut transcript = super::transcript::Transcript::default();
    transcript.reasoning_expanded = slot.transcript.reasoning_expanded;
    if from.0 > 1 {
        transcript.push(
            EntryKind::Notice,
            format!(
                "⋯ {} earlier events: scroll to the top to load them",
                from.0 - 1
            ),
        );
    }
    for (event, inherited) in events {
        transcript.apply(event, *inherited);
    }
    slot.transcript = transcript;
    slot.loaded_from = from;
}

/// Whether a command can run now.
pub fn enabled(state: &AppState, when: When) -> bool {
    match when {
        When::Always => true,
        When::HasSlots => !state.slots.is_empty(),
        When::ComposerEmpty => state.composer.is_empty(),
    }
}

fn on_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    match &mut state.mode {
        Mode::Normal if state.focus == Focus::Pane => super::panes_ui::key(state, key),
        Mode::Normal => normal_key(state, key),
        Mode::NewSlot(_) => super::modal_keys::new_slot_key(state, key),
        Mode::Diff(_) => super::diff_view::key(state, key),
        Mode::CloseSlot(_) => super::diff_view::close_key(state, key),
        Mode::Approval => super::agent_ui::approval_key(state, key),
        Mode::DenyReason(_) => super::agent_ui::deny_reason_key(state, key),
        Mode::Palette(_) => modal_keys::palette_key(state, key),
        Mode::Help { .. } => modal_keys::help_key(state, key),
        Mode::ConfirmQuit => modal_keys::confirm_key(state, key),
        Mode::HistorySearch(_) => modal_keys::history_key(state, key),
        Mode::CopyMode(_) => copy_mode::copy_key(state, key),
        Mode::Picker(_) => super::picker_keys::picker_key(state, key),
    }
}

pub(super) fn is_text(key: &KeyEvent) -> Option<char> {
    match key.code {
        KeyCode::Char(c)
            if !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
        {
            Some(c)
        }
        _ => None,
    }
}

fn normal_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    if state.leader.matches(key.code, key.modifiers)
        && state.focused_slot().is_some_and(|s| {
            s.pane
                .as_ref()
                .and_then(PaneHandle::live)
                .is_some_and(|p| p.is_running())
        })
    {
        state.focus = Focus::Pane;
        state.notify("keys go to the program; Ctrl+G returns to the workstation");
        return Vec::new();
    }
    let command = COMMANDS.iter().find(|c| {
        matches!(c.scope, Scope::Global | Scope::Composer)
            && c.keys
                .iter()
                .any(|k| k.matches(key.code, key.modifiers) && enabled(state, k.when))
            && enabled(state, c.when)
    });
    if let Some(command) = command {
        return run_command(state, command.id);
    }
    if let Some(c) = is_text(&key) {
        state.composer.insert(&c.to_string());
        state.selection = None;
    } else {
        state.dirty = false;
    }
    Vec::new()
}

/// Runs a registry command (from a key or the palette).
pub fn run_command(state: &mut AppState, id: CommandId) -> Vec<Effect> {
    let composer = &mut state.composer;
    match id {
        CommandId::OpenPalette => {
            state.mode = Mode::Palette(Palette::new(palette_items(state)));
            return vec![Effect::LoadSessions];
        }
        CommandId::ToggleHelp => state.mode = Mode::Help { scroll: 0 },
        CommandId::Quit => return request_quit(state),
        CommandId::Suspend => return vec![Effect::Suspend],
        CommandId::ResumeSession => return super::picker_keys::open(state, PickerPurpose::Resume),
        CommandId::ForkSession => return super::picker_keys::open(state, PickerPurpose::Fork),
        CommandId::NewAgentSlot => {
            state.mode = Mode::NewSlot(NewSlotDialog {
                kind: SlotKind::Agent,
                command: String::new(),
                worktree: state.in_repo,
            })
        }
        CommandId::NewShellSlot => return super::panes_ui::open(state, None, false),
        CommandId::RunCommandSlot => {
            state.mode = Mode::NewSlot(NewSlotDialog {
                kind: SlotKind::Pty,
                command: String::new(),
                worktree: false,
            })
        }
        CommandId::RestartSlot => return super::panes_ui::restart(state),
        CommandId::LayoutZoom => state.layout = LayoutMode::Zoom,
        CommandId::LayoutSplit => state.layout = LayoutMode::Split,
        CommandId::LayoutGrid => state.layout = LayoutMode::Grid,
        CommandId::ShowDiff => return super::diff_view::open(state),
        CommandId::ToggleReasoning => {
            if let Some(slot) = state.focused_slot_mut() {
                let expanded = !slot.transcript.reasoning_expanded;
                slot.transcript.set_reasoning_expanded(expanded);
            }
        }
        CommandId::NextSlot => cycle_focus(state, 1),
        CommandId::PrevSlot => cycle_focus(state, -1),
        CommandId::CloseSlot => return close_focused(state),
        CommandId::ScrollUp => return scroll_page(state, 1),
        CommandId::ScrollDown => return scroll_page(state, -1),
        CommandId::ScrollTop => return scroll_to(state, usize::MAX),
        CommandId::ScrollBottom => return scroll_to(state, 0),
        CommandId::CopyMode => copy_mode::enter_copy_mode(state),
        CommandId::Submit => return submit(state),
        CommandId::InsertNewline => composer.newline(),
        CommandId::HistorySearch => {
            let mut search = HistorySearch::default();
            search.refresh(&state.history);
            state.mode = Mode::HistorySearch(search);
        }
        CommandId::ClearOrInterrupt => {
            if !composer.is_empty() {
                composer.clear();
            } else if super::agent_ui::turn_running(state).is_some() {
                return super::agent_ui::interrupt(state);
            } else {
                return request_quit(state);
            }
        }
        CommandId::Interrupt => return super::agent_ui::interrupt(state),
        CommandId::CursorLeft => composer.left(),
        CommandId::CursorRight => composer.right(),
        CommandId::CursorUp => {
            composer.up(&state.history);
        }
        CommandId::CursorDown => {
            composer.down(&state.history);
        }
        CommandId::LineStart => composer.line_start(),
        CommandId::LineEnd => composer.line_end(),
        CommandId::WordLeft => composer.word_left(),
        CommandId::WordRight => composer.word_right(),
        CommandId::Backspace => composer.backspace(),
        CommandId::DeleteChar => composer.delete(),
        CommandId::KillToEnd => composer.kill_to_end(),
        CommandId::KillToStart => composer.kill_to_start(),
        CommandId::KillWord => composer.kill_word(),
        CommandId::Yank => composer.yank(),
    }
    Vec::new()
}

fn request_quit(state: &mut AppState) -> Vec<Effect> {
    if state.live_slots() > 0 {
        state.mode = Mode::ConfirmQuit;
        Vec::new()
    } else {
        state.quit = true;
        vec![Effect::Quit]
    }
}

/// Adds a slot and returns its id; `name` defaults to "<kind> N".
pub fn add_slot(state: &mut AppState, kind: SlotKind, name: Option<String>) -> SlotId {
    let id = SlotId(state.next_slot);
    state.next_slot += 1;
    let name = name.unwrap_or_else(|| format!("{} {}", kind.label(), id.0));
    state.slots.push(Slot::new(id, name, kind));
    id
}

pub fn focus(state: &mut AppState, id: SlotId) {
    state.focused = Some(id);
    let waiting = state.slot(id).is_some_and(|s| s.approval.is_some());
    match state.mode {
        Mode::Normal if waiting => state.mode = Mode::Approval,
        Mode::Approval | Mode::DenyReason(_) if !waiting => state.mode = Mode::Normal,
        _ => {}
    }
    state.mru.retain(|slot| *slot != id);
    state.mru.insert(0, id);
    state.selection = None;
    if let Some(slot) = state.slot_mut(id) {
        slot.unread = false;
    }
}

fn cycle_focus(state: &mut AppState, step: isize) {
    let len = state.slots.len() as isize;
    if len == 0 {
        return;
    }
    let current = state
        .focused
        .and_then(|id| state.slots.iter().position(|s| s.id == id))
        .unwrap_or(0) as isize;
    let next = state.slots[(current + step).rem_euclid(len) as usize].id;
    focus(state, next);
}

/// Close the focused slot; one with a worktree asks first whether to keep it.
fn close_focused(state: &mut AppState) -> Vec<Effect> {
    let Some(slot) = state.focused_slot() else {
        return Vec::new();
    };
    let id = slot.id;
    match slot.worktree.clone() {
        Some(worktree) => {
            state.mode = Mode::CloseSlot(super::diff_view::CloseDialog {
                slot: id,
                worktree: worktree.clone(),
                check: None,
            });
            vec![Effect::CheckWorktree { slot: id, worktree }]
        }
        None => close_slot(state, id),
    }
}

/// Closes `id` (its session stays in the store; a pane's program is stopped).
pub fn close_slot(state: &mut AppState, id: SlotId) -> Vec<Effect> {
    let Some(index) = state.slots.iter().position(|s| s.id == id) else {
        return Vec::new();
    };
    let slot = state.slots.remove(index);
    state.mru.retain(|s| *s != id);
    state.focused = None;
    state.focus = Focus::Workstation;
    if !state.slots.is_empty() {
        let next = state.slots[index.min(state.slots.len() - 1)].id;
        focus(state, next);
    }
    state.notify(format!(
        "closed {} (its session stays in the store)",
        slot.name
    ));
    let mut effects = Vec::new();
    if slot.pane.as_ref().and_then(PaneHandle::live).is_some() {
        effects.push(Effect::KillPane(slot.id));
    }
    if let Some(session) = slot.session {
        effects.push(Effect::CloseSession(session));
    }
    effects.push(super::panes_ui::open_slots_effect(state));
    effects
}

fn scroll_page(state: &mut AppState, direction: isize) -> Vec<Effect> {
    let Some(areas) = layout::areas(state) else {
        return Vec::new();
    };
    let page = areas.content().height.saturating_sub(1).max(1) as isize;
    let current = state.focused_slot().map_or(0, |s| s.scroll) as isize;
    scroll_to(state, (current + direction * page).max(0) as usize)
}

/// Scrolls the focused slot to `offset` rows from the bottom (clamped). Reaching the top of a
/// transcript that starts after the session's first event loads more history.
fn scroll_to(state: &mut AppState, offset: usize) -> Vec<Effect> {
    let Some(areas) = layout::areas(state) else {
        return Vec::new();
    };
    let content = areas.content();
    let theme = state.theme;
    let Some(slot) = state.focused_slot_mut() else {
        return Vec::new();
    };
    let max = layout::max_scroll(slot, content, &theme);
    slot.scroll = offset.min(max);
    match slot.session {
        Some(session) if offset >= max && slot.loaded_from.0 > 1 => {
            slot.tail = slot.tail.saturating_mul(4);
            vec![Effect::LoadTranscript {
                slot: slot.id,
                session,
                tail: slot.tail,
            }]
        }
        _ => Vec::new(),
    }
}

fn submit(state: &mut AppState) -> Vec<Effect> {
    let Some(text) = state.composer.take_submission() else {
        state.dirty = false;
        return Vec::new();
    };
    state.history.push(text.clone());
    state.selection = None;
    // A focused pane gets the line typed into its program, as if typed there.
    if let Some(slot) = state
        .focused_slot()
        .filter(|s| s.pane.as_ref().and_then(PaneHandle::live).is_some())
    {
        let mut bytes = text.replace('\n', "\r").into_bytes();
        bytes.push(b'\r');
        return vec![Effect::WritePane {
            slot: slot.id,
            bytes,
        }];
    }
    let target = state
        .focused_slot()
        .filter(|slot| slot.kind == SlotKind::Agent)
        .map(|slot| slot.id);
    let slot = match target {
        Some(id) => id,
        None => {
            let id = add_slot(state, SlotKind::Agent, None);
            let worktree = state.in_repo;
            if let Some(slot) = state.slot_mut(id) {
                slot.wants_worktree = worktree;
            }
            focus(state, id);
            id
        }
    };
    let session = state.slot(slot).and_then(|s| s.session);
    if let Some(target) = state.slot_mut(slot) {
        target.status = SlotStatus::Running;
        target.scroll = 0;
    }
    let worktree = state.slot(slot).is_some_and(|s| s.wants_worktree);
    vec![Effect::StartTurn {
        slot,
        session,
        text,
        worktree,
    }]
}

/// Everything the palette offers right now: enabled commands, open slots, recent sessions.
pub fn palette_items(state: &AppState) -> Vec<PaletteItem> {
    let mut items: Vec<PaletteItem> = COMMANDS
        .iter()
        .filter(|c| c.in_palette && enabled(state, c.when))
        .map(|c| PaletteItem {
            target: PaletteTarget::Command(c.id),
            label: c.title.to_owned(),
            detail: c.keys.first().map(|k| k.label()).unwrap_or_default(),
            kind: "command",
        })
        .collect();
    items.extend(state.slots.iter().map(|slot| PaletteItem {
        target: PaletteTarget::Slot(slot.id),
        label: format!("Go to {}", slot.name),
        detail: slot.status.label(),
        kind: "slot",
    }));
    items.extend(state.recent.iter().map(|session| PaletteItem {
        target: PaletteTarget::Session(session.id),
        label: format!("Open session: {}", session.title),
        detail: format!(
            "{} · {} · {} ago",
            session.kind.label(),
            session.status,
            session.updated_at.age(state.now)
        ),
        kind: "session",
    }));
    items
}

pub(super) fn run_palette_target(state: &mut AppState, target: PaletteTarget) -> Vec<Effect> {
    match target {
        PaletteTarget::Command(id) => run_command(state, id),
        PaletteTarget::Slot(id) => {
            focus(state, id);
            Vec::new()
        }
        PaletteTarget::Session(session) => {
            if let Some(slot) = state.slots.iter().find(|s| s.session == Some(session)) {
                let id = slot.id;
                focus(state, id);
                return Vec::new();
            }
            let title = state
                .recent
                .iter()
                .find(|r| r.id == session)
                .map(|r| super::text::truncate(&r.title, 24));
            let id = add_slot(state, SlotKind::Agent, title);
            focus(state, id);
            vec![Effect::LoadTranscript {
                slot: id,
                session,
                tail: super::slots::TRANSCRIPT_TAIL,
            }]
        }
    }
}
