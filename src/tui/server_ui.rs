//! What the server tells this workstation, folded into its state: the welcome at attach,
//! slots opened, changed and closed (by any client), agent events, pane screens, and the
//! answers to what this window asked for.

use super::app::{AppState, Effect, Focus, LayoutMode, Mode, RecentSession};
use super::picker::{PickerRow, TurnChoice};
use super::slots::{Slot, SlotId, SlotKind, SlotStatus, TRANSCRIPT_TAIL};
use super::transcript::EntryKind;
use super::update::{focus, palette_items};
use crate::event::Event;
use crate::ids::Seq;
use crate::protocol::{Command, Notification, SessionSummary, SlotInfo, ViewLayout, Welcome};

/// The notice an interrupt shows until its turn ends.
pub const INTERRUPTING: &str = "interrupting…";

pub fn apply(state: &mut AppState, notification: Notification) -> Vec<Effect> {
    match notification {
        Notification::Welcome(welcome) => welcomed(state, *welcome),
        Notification::Slot(info) => slot_changed(state, &info),
        Notification::SlotClosed { slot } => {
            if let Some(name) = state.slot(slot).map(|s| s.name.clone()) {
                super::update::forget_slot(state, slot);
                state.notify(format!("{name} was closed"));
            } else {
                state.dirty = false;
            }
            Vec::new()
        }
        Notification::AgentEvent { slot, event } => {
            agent_event(state, slot, event);
            Vec::new()
        }
        Notification::TurnFinished { slot, outcome, .. } => {
            let focused = state.focused == Some(slot);
            if focused && matches!(state.mode, Mode::Approval | Mode::DenyReason(_)) {
                state.mode = Mode::Normal;
            }
            // "interrupting…" is answered: the turn has ended.
            if focused
                && state
                    .notice
                    .as_ref()
                    .is_some_and(|n| n.text == INTERRUPTING)
            {
                match outcome {
                    crate::event::TurnOutcome::Interrupted => state.notify("interrupted"),
                    _ => state.notice = None,
                }
            }
            Vec::new()
        }
        Notification::AgentFailed { slot, error, text } => {
            super::agent_ui::failed(state, slot, error, text);
            Vec::new()
        }
        Notification::Screen { slot, patch } => {
            let focused = state.focused == Some(slot);
            let Some(target) = state.slot_mut(slot) else {
                state.dirty = false;
                return Vec::new();
            };
            target
                .pane
                .get_or_insert_with(Default::default)
                .apply(patch);
            if focused {
                state.focus_dirty = true;
            } else {
                target.unread = true;
            }
            Vec::new()
        }
        Notification::PaneText { slot, start, rows } => {
            super::content::copy_fetched(state, slot, start, &rows)
        }
        Notification::PaneSearched {
            slot,
            search,
            outcome,
        } => super::pane_search::answered(state, slot, search, outcome),
        Notification::TranscriptLoaded {
            slot, from, events, ..
        } => {
            if let Some(target) = state.slot_mut(slot) {
                load_transcript(target, from, &events);
            }
            Vec::new()
        }
        Notification::SessionsLoaded(summaries) => {
            sessions_loaded(state, summaries);
            Vec::new()
        }
        Notification::PickerLoaded(summaries) => {
            let rows = summaries.iter().map(PickerRow::from_summary).collect();
            super::picker_keys::loaded(state, rows)
        }
        Notification::PreviewLoaded { session, lines } => {
            if let Mode::Picker(picker) = &mut state.mode {
                picker.preview = Some((session, lines));
            }
            Vec::new()
        }
        Notification::TurnsLoaded {
            session,
            title,
            turns,
        } => {
            if let Mode::Picker(picker) = &mut state.mode {
                picker.turn_choice = Some(TurnChoice {
                    session,
                    title,
                    selected: turns.len().saturating_sub(1),
                    turns,
                });
            }
            Vec::new()
        }
        Notification::Forked {
            child, worktree, ..
        } => {
            match worktree {
                Some(path) => state.notify(format!("forked with its code in {path}")),
                None => state.notify("forked: the history above the marker is inherited"),
            }
            if state.slot(child).is_some() {
                focus(state, child);
            } else {
                state.pending_focus = Some(child);
            }
            Vec::new()
        }
        Notification::DiffLoaded {
            source,
            sources,
            files,
            ..
        } => {
            super::diff_view::loaded(state, source, sources, files);
            Vec::new()
        }
        Notification::WorktreeChecked { slot, check } => {
            match &mut state.mode {
                Mode::CloseSlot(dialog) if dialog.slot == slot => dialog.check = Some(check),
                _ => state.dirty = false,
            }
            Vec::new()
        }
        Notification::Notice { text, failure } => {
            match failure {
                Some(scope) => state.fail(scope, text),
                None => state.notify(text),
            }
            Vec::new()
        }
        Notification::Recovered(scope) => {
            state.recover(scope);
            Vec::new()
        }
        Notification::Unqueued { slot, text } => {
            // Back in the composer to edit (or to drop, by clearing it).
            if state.composer.is_empty() {
                state.composer.set_text(&text);
                if state.slot(slot).is_some() {
                    state.notify("the queued prompt is back in the composer");
                }
            } else {
                let current = state.composer.text();
                state.composer.set_text(&format!("{current}\n{text}"));
            }
            Vec::new()
        }
        Notification::Detached { reason } => {
            state.farewell = Some(reason);
            state.quit = true;
            vec![Effect::Quit]
        }
        Notification::Status(status) if std::mem::take(&mut state.status_wanted) => {
            let focused = state
                .focused_slot()
                .map(|s| format!(" · {}: {}", s.name, s.status.label()))
                .unwrap_or_default();
            let windows = status
                .clients
                .iter()
                .filter(|c| c.kind == crate::protocol::ClientKind::Workstation)
                .count();
            state.notify(format!(
                "server pid {} · up {} · {windows} window{} · {} slot{}{focused}",
                status.pid,
                humantime::format_duration(std::time::Duration::from_secs(status.uptime_secs)),
                if windows == 1 { "" } else { "s" },
                status.slots.len(),
                if status.slots.len() == 1 { "" } else { "s" },
            ));
            Vec::new()
        }
        Notification::Task(news) => super::board::apply(state, news),
        Notification::NeedsYou { text } => {
            state.notify(text.clone());
            vec![Effect::Alert(text)]
        }
        Notification::Status(_)
        | Notification::Resolved(_)
        | Notification::SessionLoaded(_)
        | Notification::TurnStarted { .. }
        | Notification::TurnRefused { .. } => {
            state.dirty = false;
            Vec::new()
        }
    }
}

fn welcomed(state: &mut AppState, welcome: Welcome) -> Vec<Effect> {
    let Welcome {
        slots,
        layout,
        history,
        recent,
        model,
        in_repo,
        notes,
    } = welcome;
    state.model = Some(model);
    state.in_repo = in_repo;
    let mut merged = super::history::History::from_entries(history);
    for i in 0..state.history.len() {
        if let Some(entry) = state.history.get(i) {
            merged.push(entry.to_owned());
        }
    }
    state.history = merged;
    sessions_loaded(state, recent);
    let mut effects = Vec::new();
    for info in &slots {
        effects.extend(slot_changed(state, info));
    }
    // Changes of slots broadcast while the welcome was being read can arrive before it and
    // added those slots in their own order: the server's order wins, so every window lists
    // the slots alike (slots it does not name yet stay last, as they came).
    let order: std::collections::HashMap<SlotId, usize> = slots
        .iter()
        .enumerate()
        .map(|(i, info)| (info.slot, i))
        .collect();
    state
        .slots
        .sort_by_key(|slot| order.get(&slot.id).copied().unwrap_or(usize::MAX));
    if let Some(layout) = layout
        && state.pending_focus.is_none()
        && state.focused.is_none()
    {
        restore_layout(state, &layout);
    }
    if state.focused.is_none()
        && let Some(first) = state.slots.first().map(|s| s.id)
    {
        focus(state, first);
    }
    if let Some(note) = notes.into_iter().next() {
        state.notify(note);
    }
    effects
}

/// This client's arrangement from its last attach.
fn restore_layout(state: &mut AppState, layout: &ViewLayout) {
    state.layout = match layout.arrangement.as_str() {
        "split" => LayoutMode::Split,
        "grid" => LayoutMode::Grid,
        _ => LayoutMode::Zoom,
    };
    for id in layout.mru.iter().rev() {
        if state.slot(*id).is_some() {
            focus(state, *id);
        }
    }
    if let Some(id) = layout.focused.filter(|id| state.slot(*id).is_some()) {
        focus(state, id);
    }
}

/// The layout this client would like back next time.
pub fn layout_of(state: &AppState) -> ViewLayout {
    ViewLayout {
        focused: state.focused,
        mru: state.mru.clone(),
        arrangement: state.layout.label().to_owned(),
    }
}

fn sessions_loaded(state: &mut AppState, summaries: Vec<SessionSummary>) {
    state.recent = summaries
        .into_iter()
        .map(|s| RecentSession {
            id: s.meta.id,
            title: s.meta.title.clone(),
            kind: s.meta.kind,
            status: s.meta.status.label().to_owned(),
            updated_at: s.meta.updated_at,
        })
        .collect();
    if let Mode::Palette(palette) = &state.mode {
        let query = palette.query.clone();
        let mut fresh = super::palette::Palette::new(palette_items(state));
        fresh.set_query(query);
        state.mode = Mode::Palette(fresh);
    }
}

/// A slot opened or changed, by this client or another.
fn slot_changed(state: &mut AppState, info: &SlotInfo) -> Vec<Effect> {
    let id = info.slot;
    let focused = state.focused == Some(id);
    let mut effects = Vec::new();
    let before = match state.slot_mut(id) {
        Some(slot) => {
            let before = (slot.approval.clone(), slot.stored);
            slot.apply_info(info);
            Some(before)
        }
        None => {
            state.slots.push(Slot::from_info(info));
            None
        }
    };
    let (had_approval, was_stored) = match &before {
        Some((approval, stored)) => (approval.is_some(), *stored),
        None => (false, false),
    };
    // An agent slot's transcript is read once the slot has a stored session.
    let needs_transcript = info.kind == SlotKind::Agent
        && info.stored
        && (before.is_none() || !was_stored)
        && state
            .slot(id)
            .is_some_and(|s| s.transcript.is_empty() && s.loading.is_none());
    if needs_transcript {
        if let Some(slot) = state.slot_mut(id) {
            slot.loading = Some(Vec::new());
        }
        effects.push(Effect::Send(Command::LoadTranscript {
            slot: id,
            tail: TRANSCRIPT_TAIL,
        }));
    }
    if state.pending_focus == Some(id) {
        state.pending_focus = None;
        focus(state, id);
        if info.kind == SlotKind::Pty && info.status == SlotStatus::Starting {
            state.focus = Focus::Pane;
        }
    }
    let waiting = info.approval.is_some();
    if waiting && !had_approval {
        if state.focused == Some(id) {
            if matches!(state.mode, Mode::Normal) {
                state.mode = Mode::Approval;
            }
        } else {
            if let Some(slot) = state.slot_mut(id) {
                slot.unread = true;
            }
            state.notify(format!("{} waits for your approval", info.name));
        }
    }
    if !waiting
        && had_approval
        && focused
        && matches!(state.mode, Mode::Approval | Mode::DenyReason(_))
    {
        state.mode = Mode::Normal;
    }
    // The focused pane's program ended: keys come back to the workstation.
    if focused
        && state.focus == Focus::Pane
        && info.kind == SlotKind::Pty
        && matches!(info.status, SlotStatus::Exited(_) | SlotStatus::Error(_))
    {
        state.focus = Focus::Workstation;
    }
    effects
}

fn agent_event(state: &mut AppState, slot: SlotId, event: Event) {
    let focused = state.focused == Some(slot);
    let Some(target) = state.slot_mut(slot) else {
        state.dirty = false;
        return;
    };
    if let Some(waiting) = &mut target.loading {
        waiting.push(event);
        state.dirty = false;
        return;
    }
    if event.seq <= target.last_seq {
        state.dirty = false;
        return;
    }
    target.last_seq = event.seq;
    target.transcript.apply(&event, false);
    target.unread |= !focused;
    state.focus_dirty |= focused;
}

/// Rebuilds a slot's transcript from loaded events (the same fold as live updates), then
/// applies the live events that came while it loaded.
fn load_transcript(slot: &mut Slot, from: Seq, events: &[(Event, bool)]) {
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
    let mut last = Seq::ZERO;
    for (event, inherited) in events {
        transcript.apply(event, *inherited);
        last = last.max(event.seq);
    }
    for event in slot.loading.take().unwrap_or_default() {
        if event.seq > last {
            transcript.apply(&event, false);
            last = event.seq;
        }
    }
    slot.transcript = transcript;
    slot.loaded_from = from;
    slot.last_seq = slot.last_seq.max(last);
}
