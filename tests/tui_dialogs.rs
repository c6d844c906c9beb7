//! Snapshot tier for every dialog and state the workstation shows beyond the basics: the
//! approval box, a denial's reason, the new-slot and close dialogs, closing a running slot,
//! the slash list, queued prompts, an exited pane, copy mode, a pane history search (prompt,
//! match, not found) and the diff view — each at
//! 80×24 (nothing may be cut off there) and 200×50.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

mod support;

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyModifiers};
use support::snap::{base, key, snapshot, type_text};
use switchboard::event::SessionWorktree;
use switchboard::ids::SessionId;
use switchboard::protocol::screen::{CellStyle, ScreenRow, ScrollState};
use switchboard::protocol::{
    Notification, PaneMatch, PanePoint, PaneSearchOutcome, PendingApproval, ScreenCopy, SlotInfo,
    SlotKind, SlotStatus,
};
use switchboard::pty::PaneSize;
use switchboard::tui::app::{AppState, Msg, Size};
use switchboard::tui::transcript::EntryKind;
use switchboard::tui::update::{focus, update};

const NONE: KeyModifiers = KeyModifiers::NONE;

fn info(id: u128, kind: SlotKind, name: &str, status: SlotStatus) -> SlotInfo {
    SlotInfo {
        slot: SessionId(id),
        kind,
        name: name.into(),
        status,
        stored: true,
        command: None,
        cwd: "/home/dev/web".into(),
        worktree: None,
        approval: None,
        usage: Default::default(),
        model: Some("gpt-5".into()),
        restartable: false,
        recording_error: None,
        queued: Vec::new(),
    }
}

/// A workstation with `info` as its one (focused) slot.
fn with(size: Size, info: SlotInfo) -> AppState {
    let mut state = base(size);
    state.model = Some("demo provider (scripted, --demo)".into());
    let id = info.slot;
    update(&mut state, Msg::Server(Notification::Slot(Box::new(info))));
    if let Some(slot) = state.slot_mut(id) {
        // A transcript is loaded: no load in flight.
        slot.loading = None;
        slot.transcript
            .push(EntryKind::User, "tidy the build scripts and run the tests");
        slot.transcript.push(
            EntryKind::Assistant,
            "I'll look at the scripts first, then run the test suite.",
        );
    }
    focus(&mut state, id);
    state.dirty = false;
    state
}

fn approval() -> PendingApproval {
    PendingApproval {
        call_id: "call_1".into(),
        command: "rm -rf build && cargo test --workspace".into(),
        cwd: "/home/dev/web".into(),
        reason: "it removes files (rm)".into(),
    }
}

fn waiting(size: Size) -> AppState {
    let mut slot = info(1, SlotKind::Agent, "tidy scripts", SlotStatus::Waiting);
    slot.approval = Some(approval());
    with(size, slot)
}

#[test]
fn approval_box_shows_every_key() {
    snapshot("dialog_approval", waiting);
}

#[test]
fn denial_reason_being_typed() {
    snapshot("dialog_deny_reason", |size| {
        let mut state = waiting(size);
        key(&mut state, KeyCode::Char('r'), NONE);
        type_text(&mut state, "use make clean instead");
        state
    });
}

#[test]
fn new_slot_dialog_for_a_command() {
    snapshot("dialog_new_slot", |size| {
        let mut state = base(size);
        state.cwd = "/home/dev/web".into();
        state.in_repo = true;
        key(&mut state, KeyCode::Char('n'), KeyModifiers::ALT);
        type_text(&mut state, "cargo watch -x test");
        state
    });
}

#[test]
fn closing_a_slot_with_a_worktree() {
    snapshot("dialog_close_worktree", |size| {
        let mut slot = info(2, SlotKind::Agent, "parser rewrite", SlotStatus::Idle);
        let worktree = SessionWorktree {
            path: "/home/dev/.local/share/switchboard/worktrees/web-agent-3f2a9c".into(),
            branch: "switchboard/agent-3f2a9c-parser-rewrite".into(),
            base: "9f1c2ab4".into(),
            repo: "/home/dev/web".into(),
        };
        slot.worktree = Some(worktree);
        let mut state = with(size, slot);
        switchboard::tui::update::run_command(
            &mut state,
            switchboard::tui::commands::CommandId::CloseSlot,
        );
        update(
            &mut state,
            Msg::Server(Notification::WorktreeChecked {
                slot: SessionId(2),
                check: Ok(switchboard::workspace::RemoveCheck {
                    uncommitted: 3,
                    unmerged: 2,
                }),
            }),
        );
        state
    });
}

#[test]
fn closing_a_slot_that_still_runs() {
    snapshot("dialog_confirm_close", |size| {
        let mut state = with(
            size,
            info(3, SlotKind::Pty, "cargo watch -x test", SlotStatus::Running),
        );
        switchboard::tui::update::run_command(
            &mut state,
            switchboard::tui::commands::CommandId::CloseSlot,
        );
        state
    });
}

#[test]
fn slash_list_narrows_as_you_type() {
    snapshot("slash_list", |size| {
        let mut state = with(
            size,
            info(1, SlotKind::Agent, "tidy scripts", SlotStatus::Idle),
        );
        type_text(&mut state, "/re");
        state
    });
}

#[test]
fn queued_prompts_show_under_the_transcript() {
    snapshot("queued_prompts", |size| {
        let mut slot = info(1, SlotKind::Agent, "tidy scripts", SlotStatus::Running);
        slot.queued = vec![
            "also update the README".into(),
            "then open a pull request with a short summary".into(),
        ];
        with(size, slot)
    });
}

fn row(text: &str, cols: u16) -> Arc<ScreenRow> {
    let mut builder = ScreenRow::builder(cols);
    for c in text
        .chars()
        .chain(std::iter::repeat(' '))
        .take(cols as usize)
    {
        let mut buf = [0u8; 4];
        let cell = if c == ' ' {
            ""
        } else {
            c.encode_utf8(&mut buf)
        };
        builder.push(cell, false, CellStyle::default());
    }
    Arc::new(builder.finish())
}

#[test]
fn an_exited_pane_keeps_its_screen_and_says_how_to_restart() {
    snapshot("pane_exited", |size| {
        let mut slot = info(
            4,
            SlotKind::Pty,
            "cargo test",
            SlotStatus::Exited(Some(101)),
        );
        slot.restartable = true;
        let mut state = with(size, slot);
        let lines = [
            "running 12 tests",
            "test store::tests::fork ... ok",
            "test store::tests::crash ... FAILED",
            "",
            "error: test failed, to rerun pass `--lib`",
        ];
        let cols = 60;
        let mut rows: Vec<Arc<ScreenRow>> = lines.iter().map(|l| row(l, cols)).collect();
        rows.resize_with(10, || row("", cols));
        if let Some(slot) = state.slot_mut(SessionId(4)) {
            slot.pane = Some(ScreenCopy {
                size: PaneSize::new(10, cols),
                cursor: None,
                modes: Default::default(),
                title: String::new(),
                scroll: ScrollState::default(),
                input_hidden: false,
                rows,
            });
        }
        type_text(&mut state, "ls");
        key(&mut state, KeyCode::Enter, NONE);
        state
    });
}

#[test]
fn copy_mode_with_a_selection() {
    snapshot("copy_mode", |size| {
        let mut state = with(
            size,
            info(1, SlotKind::Agent, "tidy scripts", SlotStatus::Idle),
        );
        key(&mut state, KeyCode::Char('c'), KeyModifiers::ALT);
        key(&mut state, KeyCode::Char('k'), NONE);
        key(&mut state, KeyCode::Char('v'), NONE);
        key(&mut state, KeyCode::Char('l'), NONE);
        key(&mut state, KeyCode::Char('l'), NONE);
        state
    });
}

#[test]
fn leaving_while_slots_run() {
    snapshot("dialog_leave", |size| {
        let mut state = with(
            size,
            info(3, SlotKind::Pty, "cargo watch -x test", SlotStatus::Running),
        );
        key(&mut state, KeyCode::Char('q'), KeyModifiers::CONTROL);
        state
    });
}

/// An ended pane with a few lines of output, in copy mode with the search prompt open and
/// "FAIL" typed.
fn searching_a_pane(size: Size) -> AppState {
    let mut state = with(
        size,
        info(
            5,
            SlotKind::Pty,
            "cargo test",
            SlotStatus::Exited(Some(101)),
        ),
    );
    let lines = [
        "running 12 tests",
        "test store::tests::fork ... ok",
        "test store::tests::crash ... FAILED",
        "",
        "error: test failed, to rerun pass `--lib`",
    ];
    let cols = 60;
    let mut rows: Vec<Arc<ScreenRow>> = lines.iter().map(|l| row(l, cols)).collect();
    rows.resize_with(10, || row("", cols));
    if let Some(slot) = state.slot_mut(SessionId(5)) {
        slot.pane = Some(ScreenCopy {
            size: PaneSize::new(10, cols),
            cursor: None,
            modes: Default::default(),
            title: String::new(),
            scroll: ScrollState {
                offset: 0,
                history: 2_000,
            },
            input_hidden: false,
            rows,
        });
    }
    key(&mut state, KeyCode::Char('c'), KeyModifiers::ALT);
    key(&mut state, KeyCode::Char('/'), NONE);
    type_text(&mut state, "FAIL");
    state
}

#[test]
fn pane_search_prompt_over_copy_mode() {
    snapshot("pane_search_prompt", searching_a_pane);
}

#[test]
fn pane_search_prompt_shows_the_end_of_a_long_query() {
    snapshot("pane_search_long_query", |size| {
        let mut state = searching_a_pane(size);
        let long: String = (0..30).map(|i| format!("word{i} ")).collect();
        type_text(&mut state, &long);
        state
    });
}

#[test]
fn pane_search_not_found_keeps_the_view() {
    snapshot("pane_search_not_found", |size| {
        let mut state = searching_a_pane(size);
        type_text(&mut state, "URE");
        key(&mut state, KeyCode::Enter, NONE);
        let search = state.pane_search.pending.map(|p| p.1).unwrap();
        update(
            &mut state,
            Msg::Server(Notification::PaneSearched {
                slot: SessionId(5),
                search,
                outcome: PaneSearchOutcome::NotFound,
            }),
        );
        state
    });
}

#[test]
fn pane_search_found_highlights_the_match() {
    snapshot("pane_search_found", |size| {
        let mut state = searching_a_pane(size);
        key(&mut state, KeyCode::Enter, NONE);
        let search = state.pane_search.pending.map(|p| p.1).unwrap();
        let found = PaneMatch {
            start: PanePoint {
                row: 2_002,
                col: 30,
            },
            end: PanePoint {
                row: 2_002,
                col: 33,
            },
            history: 2_000,
        };
        update(
            &mut state,
            Msg::Server(Notification::PaneSearched {
                slot: SessionId(5),
                search,
                outcome: PaneSearchOutcome::Found(found),
            }),
        );
        state
    });
}
