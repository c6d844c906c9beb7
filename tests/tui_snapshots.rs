//! Snapshot tier: every view and state that matters, rendered through ratatui's `TestBackend`
//! at 80×24 and a wide 200×50, stored as text in the top-level `snapshots/` directory.
//! Times are fixed (the state's `now`) and ids are chosen, so nothing needs redacting here.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

mod support;

use support::snap::{NOW, base, key, snapshot, type_text};

use crossterm::event::{KeyCode, KeyModifiers};
use switchboard::event::SessionKind;
use switchboard::ids::{SessionId, Timestamp};
use switchboard::protocol::Notification;
use switchboard::tui::app::{AppState, Msg, RecentSession, Size};
use switchboard::tui::headless::render_text;
use switchboard::tui::history::History;
use switchboard::tui::slots::{SlotKind, SlotStatus};
use switchboard::tui::transcript::EntryKind;
use switchboard::tui::update::{add_slot, focus, update};

fn busy(size: Size) -> AppState {
    let mut state = base(size);
    let statuses = [
        ("refactor store", SlotKind::Agent, SlotStatus::Running),
        ("cargo watch", SlotKind::Pty, SlotStatus::Waiting),
        ("docs agent", SlotKind::Agent, SlotStatus::Idle),
        ("htop", SlotKind::Pty, SlotStatus::Exited(Some(0))),
        ("flaky test", SlotKind::Pty, SlotStatus::Exited(Some(2))),
        (
            "codex",
            SlotKind::Pty,
            SlotStatus::Error("command not found: codex".into()),
        ),
    ];
    for (i, (name, kind, status)) in statuses.into_iter().enumerate() {
        let id = add_slot(&mut state, kind, Some(name.into()));
        let slot = state.slot_mut(id).unwrap();
        slot.status = status;
        slot.unread = i % 2 == 1;
    }
    let first = state.slots[0].id;
    focus(&mut state, first);
    let slot = state.slot_mut(first).unwrap();
    slot.stored = true;
    slot.transcript.push(EntryKind::User, "Split the store writer into smaller files and keep the group commit behaviour exactly as it is.");
    slot.transcript
        .push(EntryKind::Notice, "history above is from the store");
    slot.transcript
        .push(EntryKind::User, "Now run the crash test with 50 rounds.");
    slot.transcript.push(EntryKind::Error, "not saved: no space left on the device writing store /home/dev/.local/share/switchboard/store.redb");
    state
}

fn with_recent(mut state: AppState) -> AppState {
    let recent = (0..5u64)
        .map(|i| RecentSession {
            id: SessionId(100 + i as u128),
            title: [
                "fix flaky test",
                "port the parser",
                "write docs",
                "bench resume",
                "sleepy",
            ][i as usize]
                .into(),
            kind: SessionKind::Agent,
            status: "idle".into(),
            updated_at: Timestamp(NOW.0 - (i as i64 + 1) * 3_600_000_000),
        })
        .collect();
    state.recent = recent;
    state.dirty = false;
    state
}

/// An agent slot whose conversation was compacted between two turns: the history stays, one
/// line says what the model gets now.
#[test]
fn transcript_with_a_compaction() {
    use switchboard::event::{
        ConversationCompacted, Event, EventKind, OutputItem, ResponseItemDone, UserMessage,
    };
    use switchboard::ids::Seq;
    snapshot("transcript_compacted", |size| {
        let mut state = base(size);
        let id = add_slot(&mut state, SlotKind::Agent, Some("long session".into()));
        focus(&mut state, id);
        let kinds = [
            EventKind::UserMessage(UserMessage {
                text: "Port the parser to the new tokenizer.".into(),
            }),
            EventKind::ResponseItemDone(ResponseItemDone {
                item: OutputItem::Message {
                    id: None,
                    text: "Ported; all 412 parser tests pass.".into(),
                    refusal: None,
                },
            }),
            EventKind::UserMessage(UserMessage {
                text: "Now the benchmarks.".into(),
            }),
            EventKind::ConversationCompacted(ConversationCompacted {
                summary: "The parser was ported; next: benchmarks.".into(),
                through: Seq(2),
                tokens_before: 183_402,
                ..Default::default()
            }),
        ];
        let slot = state.slot_mut(id).unwrap();
        for (i, kind) in kinds.into_iter().enumerate() {
            let event = Event {
                session: id,
                seq: Seq(i as u64 + 1),
                at: NOW,
                kind,
            };
            slot.transcript.apply(&event, false);
        }
        state.dirty = false;
        state
    });
}

#[test]
fn empty_workstation() {
    snapshot("empty", base);
}

#[test]
fn slots_with_every_status() {
    snapshot("slots", busy);
}

#[test]
fn palette_with_a_query() {
    snapshot("palette_query", |size| {
        let mut state = with_recent(busy(size));
        key(&mut state, KeyCode::Char('p'), KeyModifiers::CONTROL);
        type_text(&mut state, "sl");
        state
    });
}

#[test]
fn palette_without_a_match() {
    snapshot("palette_no_match", |size| {
        let mut state = base(size);
        key(&mut state, KeyCode::Char('p'), KeyModifiers::CONTROL);
        type_text(&mut state, "zzqx");
        state
    });
}

#[test]
fn help_overlay() {
    snapshot("help", |size| {
        let mut state = base(size);
        key(&mut state, KeyCode::F(1), KeyModifiers::NONE);
        state
    });
}

#[test]
fn composer_with_lines_and_a_paste_placeholder() {
    snapshot("composer_multiline", |size| {
        let mut state = busy(size);
        type_text(&mut state, "Please look at this log:");
        key(&mut state, KeyCode::Enter, KeyModifiers::SHIFT);
        let log: String = (0..120)
            .map(|i| format!("2026-11-21 build step {i} ok\n"))
            .collect();
        update(&mut state, Msg::Paste(log));
        key(&mut state, KeyCode::Char('j'), KeyModifiers::CONTROL);
        type_text(
            &mut state,
            "and tell me which step is slow. A long line that has to wrap around the composer box to show soft wrapping.",
        );
        state
    });
}

#[test]
fn history_search() {
    snapshot("history_search", |size| {
        let mut state = base(size);
        state.history = History::from_entries(vec![
            "cargo test --test crash".into(),
            "explain the writer".into(),
            "cargo bench".into(),
        ]);
        key(&mut state, KeyCode::Char('r'), KeyModifiers::CONTROL);
        type_text(&mut state, "cargo");
        state
    });
}

#[test]
fn quit_confirmation() {
    snapshot("confirm_quit", |size| {
        let mut state = busy(size);
        key(&mut state, KeyCode::Char('q'), KeyModifiers::CONTROL);
        state
    });
}

#[test]
fn too_small() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for (cols, rows) in [(20, 5), (39, 10), (80, 7)] {
            let state = busy(Size { cols, rows });
            insta::assert_snapshot!(format!("too_small_{cols}x{rows}"), render_text(&state));
        }
    });
}

#[test]
fn tiny_and_odd_sizes_never_panic() {
    for cols in 0..50u16 {
        for rows in 0..14u16 {
            let mut state = busy(Size { cols, rows });
            key(&mut state, KeyCode::Char('p'), KeyModifiers::CONTROL);
            let _ = render_text(&state);
            key(&mut state, KeyCode::Esc, KeyModifiers::NONE);
            key(&mut state, KeyCode::F(1), KeyModifiers::NONE);
            let _ = render_text(&state);
        }
    }
}

mod pickers {
    use super::*;
    use switchboard::ids::Seq;
    use switchboard::protocol::SessionSummary;
    use switchboard::session::SessionStatus;
    use switchboard::store::{SessionMeta, TurnRecord};
    use switchboard::tui::app::Mode;

    fn meta(i: u64, title: &str, kind: SessionKind, status: SessionStatus) -> SessionMeta {
        SessionMeta {
            id: SessionId(0x0193_0000_0000_7000_8000_0000_0000_0000 + i as u128),
            title: title.into(),
            kind,
            cwd: if i.is_multiple_of(3) {
                "/home/dev/api".into()
            } else {
                "/home/dev/web".into()
            },
            command: (kind == SessionKind::Pty).then(|| "cargo watch -x test".into()),
            model: None,
            created_at: Timestamp(NOW.0 - i as i64 * 3_600_000_000),
            updated_at: Timestamp(NOW.0 - i as i64 * 3_600_000_000),
            last_seq: Seq(10 + i * 37),
            status,
            parent: None,
            owner: None,
            turns: 3,
            last_prompt: None,
            exit_code: None,
            last_error: None,
            worktree: None,
            branch: None,
        }
    }

    fn rows() -> Vec<SessionSummary> {
        let titles = [
            "fix the flaky crash test",
            "port the SSE decoder",
            "write the picker docs",
            "bench resume on a big store",
            "cargo watch",
            "refactor the writer",
            "htop",
            "add OSC 52 copy",
            "review the fork chain",
            "tidy the composer",
        ];
        let statuses = [
            SessionStatus::Idle,
            SessionStatus::Interrupted,
            SessionStatus::Failed,
            SessionStatus::Exited,
            SessionStatus::Running,
        ];
        (0..30u64)
            .map(|i| {
                let kind = if i % 4 == 2 {
                    SessionKind::Pty
                } else {
                    SessionKind::Agent
                };
                let mut meta = meta(
                    i,
                    titles[i as usize % titles.len()],
                    kind,
                    statuses[i as usize % statuses.len()],
                );
                meta.branch = i
                    .is_multiple_of(2)
                    .then(|| format!("switchboard/agent-{i}"));
                SessionSummary { meta, live: i == 0 }
            })
            .collect()
    }

    fn open(size: Size, purpose: CommandKey) -> AppState {
        let mut state = base(size);
        state.cwd = "/home/dev/web".into();
        match purpose {
            CommandKey::Resume => key(&mut state, KeyCode::Char('o'), KeyModifiers::CONTROL),
            CommandKey::Fork => {
                key(&mut state, KeyCode::Char('p'), KeyModifiers::CONTROL);
                type_text(&mut state, "fork session");
                key(&mut state, KeyCode::Enter, KeyModifiers::NONE);
            }
        }
        state
    }

    #[derive(Clone, Copy)]
    enum CommandKey {
        Resume,
        Fork,
    }

    fn with_preview(mut state: AppState) -> AppState {
        let Mode::Picker(picker) = &state.mode else {
            panic!("picker open")
        };
        let id = picker.selected_row().map(|r| r.id).unwrap();
        let lines = vec![
            "agent · idle · 47 events".to_owned(),
            "dir  /home/dev/web".to_owned(),
            String::new(),
            "› fix the flaky crash test".to_owned(),
            "The test kills the writer mid-commit; I made the".to_owned(),
            "reader wait for the ack before checking.".to_owned(),
            "$ cargo test --test crash".to_owned(),
            "  exit 0".to_owned(),
        ];
        update(
            &mut state,
            Msg::Server(Notification::PreviewLoaded { session: id, lines }),
        );
        state
    }

    #[test]
    fn resume_picker_empty() {
        snapshot("picker_empty", |size| {
            let mut state = open(size, CommandKey::Resume);
            update(
                &mut state,
                Msg::Server(Notification::PickerLoaded(Vec::new())),
            );
            state
        });
    }

    #[test]
    fn resume_picker_many_sessions_with_preview() {
        snapshot("picker_many", |size| {
            let mut state = open(size, CommandKey::Resume);
            update(&mut state, Msg::Server(Notification::PickerLoaded(rows())));
            with_preview(state)
        });
    }

    #[test]
    fn resume_picker_query_and_filters() {
        snapshot("picker_query", |size| {
            let mut state = open(size, CommandKey::Resume);
            update(&mut state, Msg::Server(Notification::PickerLoaded(rows())));
            key(&mut state, KeyCode::Tab, KeyModifiers::NONE);
            key(&mut state, KeyCode::Char('x'), KeyModifiers::CONTROL);
            type_text(&mut state, "flaky");
            with_preview(state)
        });
    }

    #[test]
    fn fork_picker_turns() {
        snapshot("picker_fork_turns", |size| {
            let mut state = open(size, CommandKey::Fork);
            update(&mut state, Msg::Server(Notification::PickerLoaded(rows())));
            let turn = |n: u64, prompt: &str, ended: bool, commit: Option<&str>| TurnRecord {
                user_seq: Seq(n * 10),
                prompt: prompt.into(),
                ended_seq: ended.then_some(Seq(n * 10 + 9)),
                outcome: None,
                commit: commit.map(str::to_owned),
            };
            update(
                &mut state,
                Msg::Server(Notification::TurnsLoaded {
                    session: SessionId(0x0193_0000_0000_7000_8000_0000_0000_0000),
                    title: "fix the flaky crash test".into(),
                    turns: vec![
                        turn(
                            1,
                            "find why the crash test flakes",
                            true,
                            Some("9f1c2ab4e5d6"),
                        ),
                        turn(
                            2,
                            "make the reader wait for the ack",
                            true,
                            Some("0a1b2c3d4e5f"),
                        ),
                        turn(3, "run it 200 times", false, None),
                    ],
                }),
            );
            if let Mode::Picker(picker) = &mut state.mode
                && let Some(choice) = &mut picker.turn_choice
            {
                choice.selected = 1;
            }
            state
        });
    }
}
