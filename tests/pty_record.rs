//! Recording real PTY slots into a real redb store and replaying them: the replayed screen
//! equals the live one, and a replay from the latest screen checkpoint equals a full replay
//! while reading only the tail.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/pty_wait.rs"]
mod pty_wait;

use pty_wait::{Pane, TIMEOUT, bash_spec, recording, spec, store};
use switchboard::event::EventKind;
use switchboard::pty::{
    MAX_CHUNK_RAW, PaneSize, ProgramExit, ReplayStart, SlotStatus, replay_screen,
    replay_screen_from,
};
use switchboard::session::SessionStatus;

#[test]
fn a_recorded_session_replays_to_the_live_screen() {
    let dir = tempfile::tempdir().unwrap();
    let (store, session) = store(dir.path());
    let pane = Pane::spawn_with(
        bash_spec(dir.path(), PaneSize::new(12, 50)),
        recording(&store, session),
    );
    pane.wait_for_text("the prompt", |t| t.starts_with("$"));
    pane.write("printf '\\033[1;32mgreen\\033[0m and \\342\\234\\223 日本\\n'; seq 1 30\r");
    pane.wait_for_line("30");
    pane.slot.resize(PaneSize::new(8, 40)).unwrap();
    pane.write("printf 'after resize\\n'\r");
    pane.wait_for_line("after resize");
    pane.write("exit 4\r");
    assert_eq!(pane.wait_exit(), SlotStatus::Exited(ProgramExit::Code(4)));
    pane.slot.sync_recording(TIMEOUT).unwrap();
    assert_eq!(pane.slot.recording_error(), None);

    let live = pane.slot.with_screen(|s| (s.text(), s.cursor(), s.size()));
    let replayed = replay_screen(&store, session).unwrap();
    assert_eq!((replayed.text(), replayed.cursor(), replayed.size()), live);
    assert!(live.0.contains("after resize"), "{}", live.0);

    let events = store.events(session).unwrap();
    let tags: Vec<&str> = events.iter().map(|e| e.kind.tag()).collect();
    assert_eq!(tags[..2], ["session.created", "slot.spawned"]);
    assert_eq!(tags.last(), Some(&"slot.exited"));
    assert!(tags.contains(&"pty.input"));
    let resized: Vec<_> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::SlotResized(r) => Some((r.rows, r.cols)),
            _ => None,
        })
        .collect();
    assert_eq!(resized, [(8, 40)]);
    let input: Vec<u8> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::PtyInput(i) => Some(i.bytes.0.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    let typed = String::from_utf8_lossy(&input);
    assert!(typed.ends_with("exit 4\r"), "{typed:?}");

    let state = store.resume(session).unwrap().state;
    assert_eq!(state.status, SessionStatus::Exited);
    assert_eq!(state.exit_code, Some(4));
    assert_eq!((state.rows, state.cols), (8, 40));
}

#[test]
fn checkpointed_replay_equals_full_replay_and_reads_only_the_tail() {
    let dir = tempfile::tempdir().unwrap();
    let (store, session) = store(dir.path());
    let mut options = recording(&store, session);
    options.screen_checkpoint_bytes = Some(64 * 1024);
    // About 1.5 MB of coloured lines, then more on the alternate screen (so a checkpoint is
    // taken there), then back to the primary screen.
    let script = concat!(
        "seq 1 60000 | awk '{printf \"\\033[3%dmline %d\\033[0m\\n\", $1 % 8, $1}'; ",
        "printf '\\033[?1049h\\033[H\\033[2J'; ",
        "seq 1 30000 | awk '{printf \"\\033[%d;1Halt %d\\033[K\", $1 % 10 + 1, $1}'; ",
        "printf '\\033[?1049lback on the primary screen\\n'"
    );
    let pane = Pane::spawn_with(spec(script, dir.path(), PaneSize::new(10, 60)), options);
    assert_eq!(pane.wait_exit(), SlotStatus::Exited(ProgramExit::Code(0)));
    pane.slot.sync_recording(TIMEOUT).unwrap();

    let events = store.events(session).unwrap();
    let checkpoints = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::PtyScreen(_)))
        .count();
    assert!(checkpoints >= 10, "{checkpoints} checkpoints");
    let on_alternate = events
        .iter()
        .filter(|e| match &e.kind {
            EventKind::PtyScreen(c) => c.screen.0.windows(8).any(|w| w == b"\x1b[?1049h"),
            _ => false,
        })
        .count();
    assert!(
        on_alternate > 0,
        "no checkpoint was taken on the alternate screen"
    );

    // Output is coalesced into chunks, not one event per read.
    let outputs: Vec<usize> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::PtyOutput(o) => Some(o.bytes.0.len()),
            _ => None,
        })
        .collect();
    let total: usize = outputs.iter().sum();
    assert!(total > 1_000_000);
    assert!(
        total / outputs.len() >= 4096,
        "{} output events",
        outputs.len()
    );
    assert!(outputs.iter().all(|len| *len <= MAX_CHUNK_RAW));

    let tail = replay_screen_from(&store, session, ReplayStart::LatestCheckpoint, 100).unwrap();
    let full = replay_screen_from(&store, session, ReplayStart::Beginning, 100).unwrap();
    assert!(tail.started_at.0 > 1);
    assert!(
        tail.events_read * 10 < full.events_read,
        "tail read {} of {} events",
        tail.events_read,
        full.events_read
    );
    let view = |s: &switchboard::pty::PaneScreen| {
        (s.text(), s.cursor(), s.modes(), s.vt().contents_formatted())
    };
    assert_eq!(view(&tail.screen), view(&full.screen));
    let live = pane.slot.with_screen(view);
    assert_eq!(view(&full.screen), live);
    assert!(live.0.ends_with("back on the primary screen"), "{}", live.0);

    // Every checkpoint, taken on either screen, rebuilds what a full replay shows there.
    for event in &events {
        let EventKind::PtyScreen(_) = event.kind else {
            continue;
        };
        let at = store.state_at(session, event.seq).unwrap();
        assert_eq!(at.pty_screen_at, Some(event.seq));
    }
}

#[test]
fn what_is_typed_at_a_password_prompt_is_not_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let (store, session) = store(dir.path());
    let pane = Pane::spawn_with(
        spec(
            "read -rs -p 'Password: ' pw; echo; echo \"got ${#pw} characters\"; read -r name; echo \"hi $name\"",
            dir.path(),
            PaneSize::new(10, 60),
        ),
        recording(&store, session),
    );
    pane.wait_for("the password prompt", |slot| {
        slot.at_password_prompt().then_some(())
    });
    pane.write("hunter2\r");
    pane.wait_for_line("got 7 characters");
    pane.wait_for("echo back on", |slot| {
        (!slot.at_password_prompt()).then_some(())
    });
    pane.write("ada\r");
    pane.wait_for_line("hi ada");
    pane.wait_exit();
    pane.slot.sync_recording(TIMEOUT).unwrap();
    let input: Vec<u8> = store
        .events(session)
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.kind {
            EventKind::PtyInput(i) => Some(i.bytes.0),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(input, b"ada\r", "only what was typed with echo on");
}

#[test]
fn a_failure_to_start_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let (store, session) = store(dir.path());
    let pane = Pane::spawn_with(
        spec("no-such-command-xyz", dir.path(), PaneSize::new(10, 40)),
        recording(&store, session),
    );
    let status = pane.wait_exit();
    assert!(matches!(status, SlotStatus::FailedToStart { .. }));
    pane.slot.sync_recording(TIMEOUT).unwrap();
    let state = store.resume(session).unwrap().state;
    assert_eq!(state.status, SessionStatus::Failed);
    assert_eq!(
        state.last_error.as_deref(),
        Some("command not found: no-such-command-xyz")
    );

    let gone = dir.path().join("gone");
    let (store, session) = self::store(dir.path().join("second").as_path());
    let pane = Pane::spawn_with(
        spec("true", &gone, PaneSize::new(10, 40)),
        recording(&store, session),
    );
    pane.slot.sync_recording(TIMEOUT).unwrap();
    let state = store.resume(session).unwrap().state;
    assert_eq!(state.status, SessionStatus::Failed);
    assert!(state.last_error.unwrap().contains("does not exist"));
}

/// Small reads (parsed by the reader thread when the parser is idle) and floods (queued for
/// the parser thread) arrive interleaved: the recording, and so the screen, keeps the order
/// the program wrote them in, byte for byte.
#[test]
fn small_reads_and_floods_are_recorded_in_the_order_they_were_written() {
    let dir = tempfile::tempdir().unwrap();
    let (store, session) = store(dir.path());
    let script = "for i in $(seq 1 400); do printf 'line %d\\n' $i; \
                  if [ $((i % 40)) = 0 ]; then seq 1 3000; fi; done";
    let pane = Pane::spawn_with(
        spec(script, dir.path(), PaneSize::new(10, 60)),
        recording(&store, session),
    );
    assert_eq!(pane.wait_exit(), SlotStatus::Exited(ProgramExit::Code(0)));
    pane.slot.sync_recording(TIMEOUT).unwrap();

    let mut expected = String::new();
    for i in 1..=400 {
        expected.push_str(&format!("line {i}\r\n"));
        if i % 40 == 0 {
            for n in 1..=3000 {
                expected.push_str(&format!("{n}\r\n"));
            }
        }
    }
    let recorded: Vec<u8> = store
        .events(session)
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.kind {
            EventKind::PtyOutput(o) => Some(o.bytes.0),
            _ => None,
        })
        .flatten()
        .collect();
    let recorded = String::from_utf8(recorded).unwrap();
    assert!(
        recorded == expected,
        "the recording differs from what was written (first difference at byte {})",
        recorded
            .bytes()
            .zip(expected.bytes())
            .position(|(a, b)| a != b)
            .unwrap_or(recorded.len().min(expected.len()))
    );
    let screen = pane.text();
    assert!(screen.contains("2999\n3000"), "{screen}");
}
