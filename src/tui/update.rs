//! `update`: the pure heart of the workstation. It turns one `Msg` into state changes and
//! `Effect`s, never doing I/O itself, so every transition is testable with plain tables.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::app::{AppState, Effect, Focus, LayoutMode, Mode, Msg, NewSlotDialog};
use super::commands::{COMMANDS, CommandId, When};
use super::history::HistorySearch;
use super::keymap::KeyMode;
use super::layout;
use super::palette::{Palette, PaletteItem, PaletteTarget};
use super::picker::PickerPurpose;
use super::slots::{Slot, SlotId, SlotKind, SlotStatus};
use super::{copy_mode, modal_keys, mouse};
use crate::protocol::Command;

/// Applies one message. Sets `state.dirty` when something visible may have changed.
pub fn update(state: &mut AppState, msg: Msg) -> Vec<Effect> {
    state.dirty = true;
    match msg {
        Msg::Key(key) if key.kind == KeyEventKind::Release => {
            state.dirty = false;
            Vec::new()
        }
        Msg::Key(key) => {
            // A notice on screen goes with any key: that is a change to draw even when the
            // key itself changes nothing here (a key sent to a pane).
            let shown = state.notice.take().is_some();
            if std::mem::take(&mut state.leader_armed)
                && matches!(state.mode, Mode::Normal)
                && key.code == KeyCode::Char('d')
                && !key
                    .modifiers
                    .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
            {
                return detach(state);
            }
            let effects = on_key(state, key);
            state.dirty |= shown;
            state.focus_dirty |= state.dirty;
            effects
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
        Msg::Server(notification) => super::server_ui::apply(state, notification),
        Msg::ServerGone => {
            if state.farewell.is_none() {
                state.farewell = Some(
                    "the server closed the connection; run `switchboard` to start it again".into(),
                );
            }
            state.quit = true;
            vec![Effect::Quit]
        }
        Msg::Terminate => {
            state.quit = true;
            vec![Effect::Quit]
        }
    }
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
        Mode::ConfirmClose(_) => modal_keys::confirm_close_key(state, key),
        Mode::HistorySearch(_) => modal_keys::history_key(state, key),
        Mode::CopyMode(_) => copy_mode::copy_key(state, key),
        Mode::PaneSearch(_) => super::pane_search::prompt_key(state, key),
        Mode::Picker(_) => super::picker_keys::picker_key(state, key),
        Mode::Board(_) => super::board::key(state, key),
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
    if state.leader().matches(key.code, key.modifiers)
        && state.focused_slot().is_some_and(Slot::pane_running)
    {
        state.focus = Focus::Pane;
        state.notify(format!(
            "keys go to the program; {} returns to the workstation",
            state.leader().key_label()
        ));
        return Vec::new();
    }
    // A `/` command being typed: its list takes the arrows, Tab, Enter and Esc.
    if super::slash::typed(state).is_some() {
        match super::modal_keys::lookup(state, KeyMode::Slash, &key) {
            Some(CommandId::Accept) => return super::slash::run(state),
            Some(CommandId::Complete) => {
                super::slash::complete(state);
                return Vec::new();
            }
            Some(CommandId::Up) if super::slash::active(state) => {
                state.slash_selected = state.slash_selected.saturating_sub(1);
                return Vec::new();
            }
            Some(CommandId::Down) if super::slash::active(state) => {
                state.slash_selected += 1;
                return Vec::new();
            }
            Some(CommandId::Close) => {
                state.composer.clear();
                state.slash_selected = 0;
                return Vec::new();
            }
            _ => {}
        }
    }
    let command = super::modal_keys::lookup(state, KeyMode::Composer, &key)
        .or_else(|| super::modal_keys::lookup(state, KeyMode::Workstation, &key));
    if let Some(command) = command {
        return run_command(state, command);
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
    // An empty prompt's Up takes the last queued prompt back first (to edit or drop it).
    if id == CommandId::CursorUp
        && state.composer.is_empty()
        && let Some((slot, index)) = state
            .focused_slot()
            .filter(|s| !s.queued.is_empty())
            .map(|s| (s.id, s.queued.len() - 1))
    {
        return vec![Effect::Send(Command::Unqueue { slot, index })];
    }
    let composer = &mut state.composer;
    match id {
        CommandId::OpenPalette => {
            state.mode = Mode::Palette(Palette::new(palette_items(state)));
            return vec![Effect::Send(Command::LoadSessions)];
        }
        CommandId::ToggleHelp => state.mode = Mode::Help { scroll: 0 },
        CommandId::Quit => return request_quit(state),
        CommandId::Detach => return detach(state),
        CommandId::StopServer => return stop_server(state),
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
        CommandId::ShowBoard => return super::board::open(state),
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
        CommandId::SearchPane => copy_mode::search(state),
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
        CommandId::ToggleSidebar => state.sidebar_hidden = !state.sidebar_hidden,
        // From the palette: the slash command, ready for its argument.
        CommandId::SetModel => composer.set_text("/model "),
        CommandId::SetApproval => composer.set_text("/approvals "),
        CommandId::RenameSlot => composer.set_text("/rename "),
        CommandId::ShowStatus => {
            state.status_wanted = true;
            return vec![Effect::Send(Command::Status)];
        }
        CommandId::Complete => state.dirty = false,
        // Keys of modal views and panes: handled there, never run from the workstation.
        CommandId::Accept
        | CommandId::Close
        | CommandId::Up
        | CommandId::Down
        | CommandId::PageUp
        | CommandId::PageDown
        | CommandId::ClearQuery
        | CommandId::ToggleHere
        | CommandId::ToggleFinished
        | CommandId::OlderMatch
        | CommandId::NewerMatch
        | CommandId::MarkSelection
        | CommandId::CopySelection
        | CommandId::SearchBack
        | CommandId::SearchForward
        | CommandId::SearchNext
        | CommandId::SearchPrevious
        | CommandId::Approve
        | CommandId::ApproveForSession
        | CommandId::Deny
        | CommandId::DenyWithReason
        | CommandId::DecideLater
        | CommandId::ToggleWorktree
        | CommandId::NextSource
        | CommandId::PrevSource
        | CommandId::KeepWorktree
        | CommandId::RemoveWorktree
        | CommandId::ForceRemoveWorktree
        | CommandId::ReleaseKeys
        | CommandId::PaneScrollUp
        | CommandId::PaneScrollDown
        | CommandId::BoardFilter
        | CommandId::BoardSearch
        | CommandId::BoardNew
        | CommandId::BoardApprove
        | CommandId::BoardReject
        | CommandId::BoardRetry
        | CommandId::BoardCancel
        | CommandId::BoardResume
        | CommandId::BoardOpen => state.dirty = false,
    }
    Vec::new()
}

/// Ctrl+Q: with something still running, ask whether to detach (the default: it keeps
/// running) or stop the server; otherwise leave at once (a detach).
fn request_quit(state: &mut AppState) -> Vec<Effect> {
    if state.live_slots() > 0 {
        state.mode = Mode::ConfirmQuit;
        Vec::new()
    } else {
        detach(state)
    }
}

/// Leaves the workstation; everything keeps running in the server.
pub fn detach(state: &mut AppState) -> Vec<Effect> {
    state.quit = true;
    state.farewell = Some(match state.live_slots() {
        0 => "detached".to_owned(),
        n => format!(
            "detached: {n} slot{} keep{} running; `switchboard` attaches again",
            if n == 1 { "" } else { "s" },
            if n == 1 { "s" } else { "" }
        ),
    });
    vec![Effect::Quit]
}

/// Stops every slot (each session recorded as closed) and the server; the workstation
/// leaves when the server says it stopped.
pub fn stop_server(state: &mut AppState) -> Vec<Effect> {
    state.mode = Mode::Normal;
    state.notify("stopping the server and every slot…");
    vec![Effect::Send(Command::StopServer)]
}

/// Adds a slot with a fresh id (its session, once stored, has that id); `name` defaults to
/// "<kind> N".
pub fn add_slot(state: &mut AppState, kind: SlotKind, name: Option<String>) -> SlotId {
    let id = crate::ids::SessionId::new();
    let number = state.slots.iter().filter(|s| s.kind == kind).count() + 1;
    let name = name.unwrap_or_else(|| format!("{} {number}", kind.label()));
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
    // Closing stops a running program or turn: ask first.
    if slot.is_live() {
        state.mode = Mode::ConfirmClose(slot.id);
        return Vec::new();
    }
    close_confirmed(state)
}

/// Closes the focused slot (asking about its worktree when it has one).
pub fn close_confirmed(state: &mut AppState) -> Vec<Effect> {
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
            vec![Effect::Send(Command::CheckWorktree { slot: id })]
        }
        None => close_slot(state, id),
    }
}

/// Closes `id` for every client (its session stays in the store; a pane's program is
/// stopped).
pub fn close_slot(state: &mut AppState, id: SlotId) -> Vec<Effect> {
    let Some(name) = state.slot(id).map(|s| s.name.clone()) else {
        return Vec::new();
    };
    forget_slot(state, id);
    state.notify(format!("closed {name} (its session stays in the store)"));
    vec![Effect::Send(Command::CloseSlot { slot: id })]
}

/// Removes a slot from this window (closed here or by another client).
pub fn forget_slot(state: &mut AppState, id: SlotId) {
    let Some(index) = state.slots.iter().position(|s| s.id == id) else {
        return;
    };
    state.slots.remove(index);
    state.mru.retain(|s| *s != id);
    if state.selection.is_some_and(|s| s.slot == id) {
        state.selection = None;
    }
    if state.focused == Some(id) {
        state.focused = None;
        state.focus = Focus::Workstation;
        if matches!(
            state.mode,
            Mode::Approval | Mode::DenyReason(_) | Mode::CopyMode(_) | Mode::PaneSearch(_)
        ) {
            state.mode = Mode::Normal;
        }
        if let Some(next) = state.mru.first().copied().or_else(|| {
            state
                .slots
                .get(index.min(state.slots.len().saturating_sub(1)))
                .map(|s| s.id)
        }) {
            focus(state, next);
        }
    }
}

fn scroll_page(state: &mut AppState, direction: isize) -> Vec<Effect> {
    let Some(areas) = layout::areas(state) else {
        return Vec::new();
    };
    let page = areas.content().height.saturating_sub(1).max(1) as isize;
    if let Some(id) = state
        .focused_slot()
        .filter(|s| s.pane.is_some())
        .map(|s| s.id)
    {
        return super::panes_ui::scroll(state, id, direction * page);
    }
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
    if let Some((id, current)) = state
        .focused_slot()
        .and_then(|s| s.pane.as_ref().map(|p| (s.id, p.scroll.offset)))
    {
        let target = offset.min(isize::MAX as usize) as isize;
        return super::panes_ui::scroll(state, id, target - current as isize);
    }
    let Some(slot) = state.focused_slot_mut() else {
        return Vec::new();
    };
    let max = layout::max_scroll(slot, content, &theme);
    slot.scroll = offset.min(max);
    if slot.stored && offset >= max && slot.loaded_from.0 > 1 && slot.loading.is_none() {
        slot.tail = slot.tail.saturating_mul(4);
        slot.loading = Some(Vec::new());
        return vec![Effect::Send(Command::LoadTranscript {
            slot: slot.id,
            tail: slot.tail,
        })];
    }
    Vec::new()
}

fn submit(state: &mut AppState) -> Vec<Effect> {
    // A pane whose program ended takes no input: the text stays, and the way on is said.
    if let Some(slot) = state
        .focused_slot()
        .filter(|s| s.kind == SlotKind::Pty && !s.pane_running() && !state.composer.is_empty())
    {
        let key = state
            .keymap
            .key(KeyMode::Workstation, CommandId::RestartSlot)
            .unwrap_or_else(|| "the palette".to_owned());
        let note = format!(
            "{} is not running ({}): {key} restarts it; your text is kept",
            slot.name,
            slot.status.label()
        );
        state.notify(note);
        return Vec::new();
    }
    // `/word`: a slash command (also from Enter when no list is open).
    if super::slash::typed(state).is_some() {
        return super::slash::run(state);
    }
    let Some(mut text) = state.composer.take_submission() else {
        state.dirty = false;
        return Vec::new();
    };
    // `//…` sends a prompt that starts with one `/`.
    if text.starts_with("//") {
        text.remove(0);
    }
    state.history.push(text.clone());
    state.selection = None;
    // A focused pane gets the line typed into its program, as if typed there.
    if let Some(slot) = state.focused_slot().filter(|s| s.pane_running()) {
        let mut bytes = text.replace('\n', "\r").into_bytes();
        bytes.push(b'\r');
        return vec![Effect::Send(Command::WritePane {
            slot: slot.id,
            bytes,
        })];
    }
    let mut effects = Vec::new();
    let target = state
        .focused_slot()
        .filter(|slot| slot.kind == SlotKind::Agent)
        .map(|slot| slot.id);
    let slot = match target {
        Some(id) => id,
        None => {
            let worktree = state.in_repo;
            let (id, open) = super::agent_ui::open(state, worktree);
            effects.extend(open);
            id
        }
    };
    if let Some(target) = state.slot_mut(slot) {
        target.status = SlotStatus::Running;
        target.scroll = 0;
    }
    effects.push(Effect::Send(Command::Submit { slot, text }));
    effects
}

/// Everything the palette offers right now: enabled commands, open slots, recent sessions.
pub fn palette_items(state: &AppState) -> Vec<PaletteItem> {
    let mut items: Vec<PaletteItem> = COMMANDS
        .iter()
        .filter(|c| c.in_palette && enabled(state, c.when))
        .map(|c| PaletteItem {
            target: PaletteTarget::Command(c.id),
            label: c.title.to_owned(),
            detail: state
                .keymap
                .key(KeyMode::Workstation, c.id)
                .or_else(|| state.keymap.key(KeyMode::Composer, c.id))
                .unwrap_or_default(),
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
        PaletteTarget::Session(session) => super::slots_ui::open_session(state, session),
    }
}
