//! The pure core of the workstation, tested directly: for every key mode, what a key does to
//! the state and which effects it asks for — no terminal, no server. Also what the server's
//! notifications do (slots from other clients, events while a transcript loads, approvals).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use switchboard::agent::ApprovalDecision;
use switchboard::event::{Event, EventKind, SessionWorktree, UserMessage};
use switchboard::ids::{Seq, SessionId, Timestamp};
use switchboard::protocol::{
    Command, Notification, PaneMatch, PanePoint, PaneSearchOutcome, PendingApproval, ScreenCopy,
    SearchDirection, SlotInfo, SlotKind, SlotStatus, Welcome,
};
use switchboard::tui::app::{AppState, Effect, Focus, Mode, Msg, Size};
use switchboard::tui::theme::Theme;
use switchboard::tui::update::{focus, update};

const NONE: KeyModifiers = KeyModifiers::NONE;
const CTRL: KeyModifiers = KeyModifiers::CONTROL;

fn state() -> AppState {
    AppState::new(
        Size {
            cols: 120,
            rows: 40,
        },
        Theme { no_color: true },
    )
}

fn press(state: &mut AppState, code: KeyCode, mods: KeyModifiers) -> Vec<Effect> {
    update(state, Msg::Key(KeyEvent::new(code, mods)))
}

fn chars(state: &mut AppState, text: &str) {
    for c in text.chars() {
        press(state, KeyCode::Char(c), NONE);
    }
}

fn sent(effects: &[Effect]) -> Vec<&Command> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send(command) => Some(command),
            _ => None,
        })
        .collect()
}

fn info(slot: SessionId, kind: SlotKind, status: SlotStatus) -> SlotInfo {
    SlotInfo {
        slot,
        kind,
        name: format!("{} slot", kind.label()),
        status,
        stored: true,
        command: None,
        cwd: "/w".into(),
        worktree: None,
        approval: None,
        usage: Default::default(),
        model: None,
        restartable: false,
        recording_error: None,
        queued: Vec::new(),
    }
}

/// A state with one slot the server told us about, focused.
fn with_slot(kind: SlotKind, status: SlotStatus) -> (AppState, SessionId) {
    let mut state = state();
    let id = SessionId(7);
    update(
        &mut state,
        Msg::Server(Notification::Slot(Box::new(info(id, kind, status)))),
    );
    focus(&mut state, id);
    (state, id)
}

fn event(id: SessionId, seq: u64, text: &str) -> Event {
    Event {
        session: id,
        seq: Seq(seq),
        at: Timestamp(0),
        kind: EventKind::UserMessage(UserMessage { text: text.into() }),
    }
}

#[test]
fn workstation_keys_open_views_and_leave() {
    let mut state = state();
    let effects = press(&mut state, KeyCode::Char('p'), CTRL);
    assert!(matches!(state.mode, Mode::Palette(_)));
    assert_eq!(sent(&effects), [&Command::LoadSessions]);
    press(&mut state, KeyCode::Esc, NONE);
    assert!(matches!(state.mode, Mode::Normal));
    // Nothing runs: Ctrl+Q leaves at once (a detach).
    let effects = press(&mut state, KeyCode::Char('q'), CTRL);
    assert_eq!(effects, [Effect::Quit]);
    assert!(state.quit);
    let mut state = state_with_sidebar();
    press(&mut state, KeyCode::Char('s'), KeyModifiers::ALT);
    assert!(state.sidebar_hidden);
}

fn state_with_sidebar() -> AppState {
    let state = state();
    assert!(!state.sidebar_hidden);
    state
}

#[test]
fn leaving_with_something_running_asks_detach_or_stop() {
    let (mut state, _) = with_slot(SlotKind::Pty, SlotStatus::Running);
    press(&mut state, KeyCode::Char('q'), CTRL);
    assert!(matches!(state.mode, Mode::ConfirmQuit));
    press(&mut state, KeyCode::Esc, NONE);
    assert!(matches!(state.mode, Mode::Normal) && !state.quit);
    press(&mut state, KeyCode::Char('q'), CTRL);
    let effects = press(&mut state, KeyCode::Char('s'), NONE);
    assert_eq!(sent(&effects), [&Command::StopServer]);
    assert!(!state.quit, "leaves when the server says it stopped");
    press(&mut state, KeyCode::Char('q'), CTRL);
    let effects = press(&mut state, KeyCode::Char('d'), NONE);
    assert_eq!(effects, [Effect::Quit]);
    assert!(state.farewell.as_deref().unwrap().contains("keeps running"));
}

#[test]
fn a_prompt_opens_an_agent_slot_and_is_sent_there() {
    let mut state = state();
    chars(&mut state, "hello");
    let effects = press(&mut state, KeyCode::Enter, NONE);
    let commands = sent(&effects);
    let Command::OpenAgent { slot, .. } = commands[0] else {
        panic!("{commands:?}")
    };
    assert_eq!(
        commands[1],
        &Command::Submit {
            slot: *slot,
            text: "hello".into()
        }
    );
    assert_eq!(state.focused, Some(*slot));
    // The next prompt goes to the same slot: no second session.
    chars(&mut state, "again");
    let effects = press(&mut state, KeyCode::Enter, NONE);
    assert_eq!(
        sent(&effects),
        [&Command::Submit {
            slot: *slot,
            text: "again".into()
        }]
    );
}

#[test]
fn pane_keys_go_to_the_program_and_the_leader_then_d_detaches() {
    let (mut state, id) = with_slot(SlotKind::Pty, SlotStatus::Running);
    state.slot_mut(id).unwrap().pane = Some(ScreenCopy::default());
    state.focus = Focus::Pane;
    state.focus_dirty = false;
    let effects = press(&mut state, KeyCode::Char('x'), NONE);
    assert_eq!(
        sent(&effects),
        [&Command::WritePane {
            slot: id,
            bytes: b"x".to_vec()
        }]
    );
    assert!(
        !state.dirty && !state.focus_dirty,
        "nothing to draw until the program's echo comes back"
    );
    // A key takes a notice away: that is drawn.
    state.notify("something happened");
    press(&mut state, KeyCode::Char('y'), NONE);
    assert!(state.dirty && state.notice.is_none());
    // Shift+PgUp scrolls this window's view of the history.
    state
        .slot_mut(id)
        .unwrap()
        .pane
        .as_mut()
        .unwrap()
        .scroll
        .history = 100;
    let effects = press(&mut state, KeyCode::PageUp, KeyModifiers::SHIFT);
    assert_eq!(
        sent(&effects),
        [&Command::ScrollPane {
            slot: id,
            offset: 10,
            history: 100,
        }]
    );
    // The leader gives the keys back; `d` right after it detaches.
    press(&mut state, KeyCode::Char('g'), CTRL);
    assert_eq!(state.focus, Focus::Workstation);
    let effects = press(&mut state, KeyCode::Char('d'), NONE);
    assert_eq!(effects, [Effect::Quit]);
}

#[test]
fn the_leader_is_one_key_tail_only() {
    let (mut state, id) = with_slot(SlotKind::Pty, SlotStatus::Running);
    state.slot_mut(id).unwrap().pane = Some(ScreenCopy::default());
    state.focus = Focus::Pane;
    press(&mut state, KeyCode::Char('g'), CTRL);
    chars(&mut state, "x");
    // `d` after another key is text, not a detach.
    let effects = press(&mut state, KeyCode::Char('d'), NONE);
    assert!(effects.is_empty());
    assert!(!state.quit);
    assert_eq!(state.composer.text(), "xd");
}

#[test]
fn palette_keys_move_clear_and_run() {
    let mut state = state();
    press(&mut state, KeyCode::Char('p'), CTRL);
    chars(&mut state, "help");
    press(&mut state, KeyCode::Char('u'), CTRL);
    let Mode::Palette(palette) = &state.mode else {
        panic!()
    };
    assert!(palette.query.is_empty());
    chars(&mut state, "toggle the slot list");
    press(&mut state, KeyCode::Enter, NONE);
    assert!(matches!(state.mode, Mode::Normal));
    assert!(state.sidebar_hidden);
}

#[test]
fn a_rebound_key_works_in_its_mode() {
    let modes = toml::from_str("[palette]\n\"ctrl-j\" = \"list.down\"\n").unwrap();
    let mut state = state();
    state.keymap = switchboard::tui::keymap::Keymap::configured("ctrl-g", &modes).unwrap();
    press(&mut state, KeyCode::Char('p'), CTRL);
    let before = match &state.mode {
        Mode::Palette(p) => p.selected,
        _ => panic!(),
    };
    press(&mut state, KeyCode::Char('j'), CTRL);
    let Mode::Palette(palette) = &state.mode else {
        panic!()
    };
    assert_eq!(palette.selected, before + 1);
    assert!(palette.query.is_empty(), "ctrl-j is a command, not text");
}

#[test]
fn help_and_history_search_keys() {
    let mut state = state();
    press(&mut state, KeyCode::F(1), NONE);
    press(&mut state, KeyCode::Char('j'), NONE);
    assert!(matches!(state.mode, Mode::Help { scroll: 1 }));
    press(&mut state, KeyCode::Char('q'), NONE);
    assert!(matches!(state.mode, Mode::Normal));

    state.history = switchboard::tui::history::History::from_entries(
        ["cargo test", "ls", "cargo build"].map(String::from),
    );
    press(&mut state, KeyCode::Char('r'), CTRL);
    chars(&mut state, "cargo");
    press(&mut state, KeyCode::Char('r'), CTRL);
    press(&mut state, KeyCode::Char('s'), CTRL);
    press(&mut state, KeyCode::Enter, NONE);
    assert_eq!(state.composer.text(), "cargo build");
}

#[test]
fn approval_keys_decide_and_deny_with_a_reason() {
    let (mut state, id) = with_slot(SlotKind::Agent, SlotStatus::Running);
    let mut waiting = info(id, SlotKind::Agent, SlotStatus::Waiting);
    waiting.approval = Some(PendingApproval {
        call_id: "c1".into(),
        command: "rm -rf build".into(),
        cwd: "/w".into(),
        reason: "writes".into(),
    });
    update(
        &mut state,
        Msg::Server(Notification::Slot(Box::new(waiting.clone()))),
    );
    assert!(matches!(state.mode, Mode::Approval));
    let effects = press(&mut state, KeyCode::Char('y'), NONE);
    assert_eq!(
        sent(&effects),
        [&Command::Decide {
            slot: id,
            call_id: "c1".into(),
            decision: ApprovalDecision::ApproveOnce
        }]
    );
    // Another approval: deny with a typed reason.
    waiting.approval.as_mut().unwrap().call_id = "c2".into();
    update(
        &mut state,
        Msg::Server(Notification::Slot(Box::new(info(
            id,
            SlotKind::Agent,
            SlotStatus::Running,
        )))),
    );
    update(
        &mut state,
        Msg::Server(Notification::Slot(Box::new(waiting))),
    );
    press(&mut state, KeyCode::Char('r'), NONE);
    chars(&mut state, "not now");
    let effects = press(&mut state, KeyCode::Enter, NONE);
    assert_eq!(
        sent(&effects),
        [&Command::Decide {
            slot: id,
            call_id: "c2".into(),
            decision: ApprovalDecision::Deny {
                reason: Some("not now".into())
            }
        }]
    );
}

#[test]
fn new_slot_dialog_opens_panes_with_their_command() {
    let mut state = state();
    press(&mut state, KeyCode::Char('n'), KeyModifiers::ALT);
    assert!(matches!(state.mode, Mode::NewSlot(_)));
    chars(&mut state, "htop");
    let effects = press(&mut state, KeyCode::Enter, NONE);
    let commands = sent(&effects);
    assert!(
        matches!(commands[0], Command::OpenPane { command: Some(c), .. } if c == "htop"),
        "{commands:?}"
    );
    assert_eq!(state.focus, Focus::Pane);
}

#[test]
fn close_dialog_refuses_to_lose_work_unless_forced() {
    let (mut state, id) = with_slot(SlotKind::Agent, SlotStatus::Idle);
    let worktree = SessionWorktree {
        path: "/w/tree".into(),
        branch: "switchboard/x".into(),
        base: "abc".into(),
        repo: "/w".into(),
    };
    let mut with_tree = info(id, SlotKind::Agent, SlotStatus::Idle);
    with_tree.worktree = Some(worktree.clone());
    update(
        &mut state,
        Msg::Server(Notification::Slot(Box::new(with_tree))),
    );
    let effects = switchboard::tui::update::run_command(
        &mut state,
        switchboard::tui::commands::CommandId::CloseSlot,
    );
    assert_eq!(sent(&effects), [&Command::CheckWorktree { slot: id }]);
    update(
        &mut state,
        Msg::Server(Notification::WorktreeChecked {
            slot: id,
            check: Ok(switchboard::workspace::RemoveCheck {
                uncommitted: 2,
                unmerged: 0,
            }),
        }),
    );
    let effects = press(&mut state, KeyCode::Char('r'), NONE);
    assert!(effects.is_empty());
    assert!(state.notice.as_ref().unwrap().text.contains("lose work"));
    let effects = press(&mut state, KeyCode::Char('R'), KeyModifiers::SHIFT);
    assert_eq!(
        sent(&effects),
        [
            &Command::CloseSlot { slot: id },
            &Command::RemoveWorktree {
                worktree,
                force: true
            }
        ]
    );
    assert!(state.slot(id).is_none());
}

#[test]
fn live_events_wait_for_the_transcript_and_are_never_applied_twice() {
    let (mut state, id) = with_slot(SlotKind::Agent, SlotStatus::Running);
    // The slot arrived stored: its transcript is being loaded.
    assert!(state.slot(id).unwrap().loading.is_some());
    update(
        &mut state,
        Msg::Server(Notification::AgentEvent {
            slot: id,
            event: event(id, 3, "third"),
        }),
    );
    update(
        &mut state,
        Msg::Server(Notification::TranscriptLoaded {
            slot: id,
            title: "t".into(),
            from: Seq(1),
            events: vec![
                (event(id, 2, "second"), false),
                (event(id, 3, "third"), false),
            ],
        }),
    );
    update(
        &mut state,
        Msg::Server(Notification::AgentEvent {
            slot: id,
            event: event(id, 3, "third"),
        }),
    );
    update(
        &mut state,
        Msg::Server(Notification::AgentEvent {
            slot: id,
            event: event(id, 4, "fourth"),
        }),
    );
    let slot = state.slot(id).unwrap();
    assert_eq!(slot.last_seq, Seq(4));
    assert!(slot.loading.is_none());
    let texts: Vec<String> = slot
        .transcript
        .entries()
        .iter()
        .map(|e| e.text().to_owned())
        .collect();
    assert_eq!(texts, ["second", "third", "fourth"]);
}

#[test]
fn slots_closed_by_another_client_go_and_focus_moves_on() {
    let (mut state, id) = with_slot(SlotKind::Agent, SlotStatus::Idle);
    let other = SessionId(8);
    update(
        &mut state,
        Msg::Server(Notification::Slot(Box::new(info(
            other,
            SlotKind::Pty,
            SlotStatus::Running,
        )))),
    );
    update(
        &mut state,
        Msg::Server(Notification::SlotClosed { slot: id }),
    );
    assert!(state.slot(id).is_none());
    assert_eq!(state.focused, Some(other));
}

#[test]
fn the_welcome_orders_slots_that_changed_before_it_came() {
    let mut state = state();
    let ids: Vec<SessionId> = (1..=4).map(SessionId).collect();
    // Slot 3 changed (and was broadcast) while this window's welcome was being read.
    update(
        &mut state,
        Msg::Server(Notification::Slot(Box::new(info(
            ids[2],
            SlotKind::Pty,
            SlotStatus::Running,
        )))),
    );
    // Opened after the welcome was read: the welcome does not name it.
    let late = SessionId(9);
    update(
        &mut state,
        Msg::Server(Notification::Slot(Box::new(info(
            late,
            SlotKind::Pty,
            SlotStatus::Running,
        )))),
    );
    let welcome = Welcome {
        slots: ids
            .iter()
            .map(|id| info(*id, SlotKind::Pty, SlotStatus::Idle))
            .collect(),
        layout: None,
        history: Vec::new(),
        recent: Vec::new(),
        model: "m".into(),
        in_repo: false,
        notes: Vec::new(),
    };
    update(
        &mut state,
        Msg::Server(Notification::Welcome(Box::new(welcome))),
    );
    let listed: Vec<SessionId> = state.slots.iter().map(|s| s.id).collect();
    assert_eq!(listed, [ids[0], ids[1], ids[2], ids[3], late]);
}

/// A pane slot 10 rows high with 1,000 lines of history, in copy mode (cursor on the live
/// screen's last row, 1,009).
fn pane_in_copy_mode() -> (AppState, SessionId) {
    let (mut state, id) = with_slot(SlotKind::Pty, SlotStatus::Exited(Some(0)));
    state.slot_mut(id).unwrap().pane = Some(ScreenCopy {
        size: switchboard::pty::PaneSize::new(10, 40),
        scroll: switchboard::protocol::screen::ScrollState {
            offset: 0,
            history: 1_000,
        },
        ..ScreenCopy::default()
    });
    press(&mut state, KeyCode::Char('c'), KeyModifiers::ALT);
    assert!(matches!(state.mode, Mode::CopyMode(_)));
    (state, id)
}

fn copy_cursor(state: &AppState) -> (usize, u16) {
    let copy = state.mode.copy_cursor().unwrap();
    (copy.cursor.row, copy.cursor.col)
}

fn searched(command: &Command) -> (u64, &str, PanePoint, SearchDirection) {
    match command {
        Command::SearchPane(s) => (s.search, s.query.as_str(), s.from, s.direction),
        other => panic!("not a search: {other:?}"),
    }
}

fn answer(
    state: &mut AppState,
    slot: SessionId,
    search: u64,
    outcome: PaneSearchOutcome,
) -> Vec<Effect> {
    update(
        state,
        Msg::Server(Notification::PaneSearched {
            slot,
            search,
            outcome,
        }),
    )
}

fn point(row: usize, col: u16) -> PanePoint {
    PanePoint { row, col }
}

#[test]
fn the_search_prompt_edits_and_cancels() {
    let (mut state, _) = pane_in_copy_mode();
    let cursor = copy_cursor(&state);
    // (keys, query after them)
    let table: [(&[(KeyCode, KeyModifiers)], &str); 4] = [
        (
            &[(KeyCode::Char('e'), NONE), (KeyCode::Char('r'), NONE)],
            "er",
        ),
        (&[(KeyCode::Backspace, NONE)], "e"),
        (&[(KeyCode::Char('u'), CTRL)], ""),
        (
            &[(KeyCode::Char('x'), NONE), (KeyCode::Char('/'), NONE)],
            "x/",
        ),
    ];
    press(&mut state, KeyCode::Char('/'), NONE);
    for (keys, query) in table {
        for (code, mods) in keys {
            assert!(press(&mut state, *code, *mods).is_empty());
        }
        match &state.mode {
            Mode::PaneSearch(prompt) => {
                assert_eq!(prompt.query, query);
                assert_eq!(prompt.direction, SearchDirection::Older);
            }
            other => panic!("the prompt is open: {other:?}"),
        }
    }
    // Esc closes the prompt, keeps copy mode and the cursor, and asks nothing.
    let effects = press(&mut state, KeyCode::Esc, NONE);
    assert!(effects.is_empty());
    assert!(matches!(state.mode, Mode::CopyMode(_)));
    assert_eq!(copy_cursor(&state), cursor);
    // `?` searches the other way; Enter on an empty prompt with no last search asks nothing
    // and leaves the prompt open for the text.
    press(&mut state, KeyCode::Char('?'), NONE);
    assert!(matches!(&state.mode, Mode::PaneSearch(p) if p.direction == SearchDirection::Newer));
    assert!(press(&mut state, KeyCode::Enter, NONE).is_empty());
    assert!(matches!(&state.mode, Mode::PaneSearch(p) if p.query.is_empty()));
    assert!(press(&mut state, KeyCode::Esc, NONE).is_empty());
    assert!(matches!(state.mode, Mode::CopyMode(_)));
    // The next-match key with no search yet says how to start one.
    assert!(press(&mut state, KeyCode::Char('n'), NONE).is_empty());
    assert!(
        state
            .notice
            .as_ref()
            .unwrap()
            .text
            .contains("/ searches back")
    );
}

#[test]
fn a_search_moves_the_cursor_to_the_match_and_n_repeats_it() {
    let (mut state, id) = pane_in_copy_mode();
    assert_eq!(copy_cursor(&state), (1_009, 0));
    press(&mut state, KeyCode::Char('/'), NONE);
    chars(&mut state, "panic");
    let effects = press(&mut state, KeyCode::Enter, NONE);
    let commands = sent(&effects);
    assert_eq!(commands.len(), 1);
    let (first, query, from, direction) = searched(commands[0]);
    assert_eq!(
        (query, from, direction),
        ("panic", point(1_009, 0), SearchDirection::Older)
    );
    assert!(state.notice.as_ref().unwrap().text.contains("searching"));

    // Found far above the view: the cursor goes there, the match is highlighted, and the view
    // scrolls so the match is in its middle.
    let found = PaneMatch {
        start: point(40, 3),
        end: point(40, 7),
        history: 1_000,
    };
    let effects = answer(&mut state, id, first, PaneSearchOutcome::Found(found));
    assert_eq!(copy_cursor(&state), (40, 3));
    let selection = state.selection.unwrap();
    assert_eq!((selection.anchor.row, selection.anchor.col), (40, 3));
    assert_eq!((selection.head.row, selection.head.col), (40, 7));
    let offset = match sent(&effects)[..] {
        [
            Command::ScrollPane {
                slot,
                offset,
                history: 1_000,
            },
        ] if *slot == id => *offset,
        ref other => panic!("expected a scroll: {other:?}"),
    };
    let copy = state.slot(id).unwrap().pane.as_ref().unwrap();
    assert_eq!(copy.scroll.offset, offset);
    let first_visible = copy.first_visible();
    assert!(
        first_visible <= 40 && 40 < first_visible + 30,
        "{first_visible}"
    );

    // n: older from the match; N: newer from it. A stale answer changes nothing.
    let effects = press(&mut state, KeyCode::Char('n'), NONE);
    let (second, query, from, direction) = searched(sent(&effects)[0]);
    assert_eq!(
        (query, from, direction),
        ("panic", point(40, 3), SearchDirection::Older)
    );
    let effects = press(&mut state, KeyCode::Char('N'), KeyModifiers::SHIFT);
    let (third, _, from, direction) = searched(sent(&effects)[0]);
    assert_eq!((from, direction), (point(40, 3), SearchDirection::Newer));
    assert!(second < third);
    let stale = PaneMatch {
        start: point(10, 0),
        end: point(10, 4),
        history: 1_000,
    };
    assert!(answer(&mut state, id, second, PaneSearchOutcome::Found(stale)).is_empty());
    assert_eq!(copy_cursor(&state), (40, 3));

    // Not found: a clear message, the cursor and the view stay.
    let effects = answer(&mut state, id, third, PaneSearchOutcome::NotFound);
    assert!(effects.is_empty());
    assert_eq!(copy_cursor(&state), (40, 3));
    let notice = state.notice.clone().unwrap();
    assert!(notice.error);
    assert_eq!(notice.text, "not found: “panic” (nothing newer)");

    // Enter on an empty prompt repeats the last query.
    press(&mut state, KeyCode::Char('/'), NONE);
    let effects = press(&mut state, KeyCode::Enter, NONE);
    assert_eq!(searched(sent(&effects)[0]).1, "panic");
    assert_eq!(
        state.notice.as_ref().unwrap().text,
        "searching for “panic”… (Esc stops)"
    );
    // Esc while it runs cancels it and stays in copy mode, on the cursor; Esc again leaves.
    let effects = press(&mut state, KeyCode::Esc, NONE);
    assert_eq!(sent(&effects), [&Command::CancelPaneSearch { slot: id }]);
    assert_eq!(copy_cursor(&state), (40, 3));
    assert_eq!(state.notice.as_ref().unwrap().text, "search stopped");
    assert!(press(&mut state, KeyCode::Esc, NONE).is_empty());
    assert!(matches!(state.mode, Mode::Normal));
}

#[test]
fn the_palette_finds_the_pane_search() {
    let (mut state, _) = pane_in_copy_mode();
    press(&mut state, KeyCode::Esc, NONE);
    press(&mut state, KeyCode::Char('p'), CTRL);
    chars(&mut state, "search pane");
    press(&mut state, KeyCode::Enter, NONE);
    match &state.mode {
        Mode::PaneSearch(prompt) => {
            assert_eq!(prompt.direction, SearchDirection::Older);
            assert!(prompt.query.is_empty());
        }
        other => panic!("the palette opens the search prompt: {other:?}"),
    }
}

#[test]
fn an_agent_transcript_is_not_searched_on_the_server() {
    let (mut state, _) = with_slot(SlotKind::Agent, SlotStatus::Idle);
    press(&mut state, KeyCode::Char('c'), KeyModifiers::ALT);
    // Copy mode does not offer a search it cannot do here.
    let hint = &state.notice.as_ref().unwrap().text;
    assert!(
        hint.starts_with("copy mode:") && !hint.contains("search"),
        "{hint}"
    );
    let effects = press(&mut state, KeyCode::Char('/'), NONE);
    assert!(effects.is_empty());
    assert!(matches!(state.mode, Mode::CopyMode(_)));
    assert_eq!(
        state.notice.as_ref().unwrap().text,
        "search works in a terminal pane's history, not an agent's"
    );
}
