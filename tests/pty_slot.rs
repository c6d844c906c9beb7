//! Real PTY slots: a shell that echoes, exit codes and signals, programs that cannot start or
//! end at once, garbage output, resizes, terminal replies read by a real program, and a
//! full-screen program on the alternate screen.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/pty_wait.rs"]
mod pty_wait;

use std::time::{Duration, Instant};

use pty_wait::{Pane, bash_spec, spec};
use switchboard::pty::{
    Activity, ActivityPolicy, PaneSize, ProgramExit, SlotError, SlotStatus, SpawnSpec,
};

fn size() -> PaneSize {
    PaneSize::new(24, 80)
}

#[test]
fn slots_and_screens_can_be_shared_across_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<switchboard::pty::PtySlot>();
    shareable::<switchboard::pty::PaneWaker>();
    fn sendable<T: Send>() {}
    sendable::<switchboard::pty::PaneScreen>();
    sendable::<switchboard::pty::PaneWakeups>();
}

#[test]
fn a_shell_echoes_what_it_is_told() {
    let dir = tempfile::tempdir().unwrap();
    let pane = Pane::spawn(bash_spec(dir.path(), size()));
    pane.wait_for_text("the prompt", |t| t.starts_with("$"));
    assert!(pane.slot.pid().is_some());
    pane.write("echo hello\r");
    pane.wait_for_line("hello");
    let text = pane.wait_for_text("the next prompt", |t| {
        t.lines().last().is_some_and(|l| l.trim_end() == "$")
    });
    assert!(text.contains("$ echo hello"), "{text}");
    assert!(pane.slot.output_bytes() > 0);
    assert!(pane.slot.last_output().is_some());

    // Settled at a prompt: waiting for input (judged as of a moment after the last output,
    // so the test does not depend on the clock).
    let later = pane.slot.last_output().unwrap() + Duration::from_secs(1);
    let activity = pane.slot.activity(later, &ActivityPolicy::default());
    assert_eq!(activity, Activity::WaitingForInput);

    pane.write("exit\r");
    assert_eq!(pane.wait_exit(), SlotStatus::Exited(ProgramExit::Code(0)));
}

#[test]
fn output_wakes_the_ui_before_anyone_has_looked() {
    let dir = tempfile::tempdir().unwrap();
    let pane = Pane::spawn(spec(
        "echo ready; read line; echo got $line",
        dir.path(),
        size(),
    ));
    // The UI only looks at a pane when woken; a change before its first look must wake it too.
    assert!(
        pane.wakeups.wait_timeout(pty_wait::TIMEOUT),
        "no wake-up for the first output"
    );
    pane.wait_for_line("ready");
    pane.write("yes\r");
    pane.wait_for_line("got yes");
}

#[test]
fn exit_codes_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let pane = Pane::spawn(spec("echo bye; exit 3", dir.path(), size()));
    assert_eq!(pane.wait_exit(), SlotStatus::Exited(ProgramExit::Code(3)));
    assert_eq!(pane.text(), "bye");
    assert_eq!(pane.slot.write(b"x"), Err(SlotError::NotRunning));
}

#[test]
fn kill_hangs_up_and_reports_the_signal() {
    let dir = tempfile::tempdir().unwrap();
    let pane = Pane::spawn(spec("exec sleep 60", dir.path(), size()));
    assert!(pane.slot.is_running());
    pane.slot.kill();
    assert_eq!(
        pane.wait_exit(),
        SlotStatus::Exited(ProgramExit::Signal("SIGHUP".into()))
    );
}

#[test]
fn a_program_ignoring_hangup_is_killed_after_the_grace_period() {
    let dir = tempfile::tempdir().unwrap();
    let pane = Pane::spawn(spec(
        "trap '' HUP; echo ready; sleep 60",
        dir.path(),
        size(),
    ));
    pane.wait_for_line("ready");
    pane.slot.kill();
    assert_eq!(
        pane.wait_exit(),
        SlotStatus::Exited(ProgramExit::Signal("SIGKILL".into()))
    );
}

#[test]
fn a_missing_command_fails_to_start_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let pane = Pane::spawn(spec("no-such-command-xyz --help", dir.path(), size()));
    assert_eq!(
        pane.wait_exit(),
        SlotStatus::FailedToStart {
            reason: "command not found: no-such-command-xyz".into()
        }
    );
}

#[test]
fn a_missing_directory_or_shell_fails_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let gone = dir.path().join("gone");
    let pane = Pane::spawn(spec("true", &gone, size()));
    assert_eq!(
        pane.slot.status(),
        SlotStatus::FailedToStart {
            reason: format!("working directory does not exist: {}", gone.display())
        }
    );
    assert_eq!(pane.slot.pid(), None);
    assert_eq!(pane.slot.write(b"x"), Err(SlotError::NotRunning));
    assert_eq!(pane.slot.resize(PaneSize::new(10, 10)), Ok(true));
    pane.slot.kill();

    let mut no_shell = SpawnSpec::shell(dir.path());
    no_shell.env.push(("SHELL".into(), "/no/such/shell".into()));
    let pane = Pane::spawn(no_shell);
    assert_eq!(
        pane.slot.status(),
        SlotStatus::FailedToStart {
            reason: "shell not found: /no/such/shell".into()
        }
    );
}

#[test]
fn a_program_that_exits_at_once_leaves_its_output() {
    let dir = tempfile::tempdir().unwrap();
    let pane = Pane::spawn(spec("true", dir.path(), size()));
    assert_eq!(pane.wait_exit(), SlotStatus::Exited(ProgramExit::Code(0)));
    let pane = Pane::spawn(spec("printf done", dir.path(), size()));
    assert_eq!(pane.wait_exit(), SlotStatus::Exited(ProgramExit::Code(0)));
    assert_eq!(pane.text(), "done");
}

#[test]
fn invalid_utf8_and_garbage_sequences_are_survived() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = r"printf 'a\377\376b \033[999;999;999m\033[?9999h\033]junk\007\033P\033[10;99999999999Hc\n'";
    let pane = Pane::spawn(spec(garbage, dir.path(), size()));
    assert_eq!(pane.wait_exit(), SlotStatus::Exited(ProgramExit::Code(0)));
    let text = pane.text();
    // vt100 drops undecodable bytes (it routes U+FFFD to a callback) rather than drawing �.
    assert!(text.starts_with("ab"), "{text:?}");
    assert!(text.contains('c'), "{text:?}");
}

#[test]
fn resizes_reach_the_program_once() {
    let dir = tempfile::tempdir().unwrap();
    let pane = Pane::spawn(bash_spec(dir.path(), size()));
    pane.wait_for_text("the prompt", |t| t.starts_with("$"));
    assert_eq!(pane.slot.resize(PaneSize::new(30, 100)), Ok(true));
    assert_eq!(pane.slot.resize(PaneSize::new(30, 100)), Ok(false));
    assert_eq!(pane.slot.resize(PaneSize::new(0, 0)), Ok(false));
    assert_eq!(pane.slot.resize(PaneSize::new(0, 120)), Ok(false));
    pane.slot
        .with_screen(|s| assert_eq!(s.size(), PaneSize::new(30, 100)));
    pane.write("stty size\r");
    pane.wait_for_line("30 100");
    pane.slot.resize(PaneSize::new(1, 1)).unwrap();
    pane.slot
        .with_screen(|s| assert_eq!(s.size(), PaneSize::new(2, 2)));
    pane.slot.resize(PaneSize::new(20, 70)).unwrap();
    pane.write("clear; stty size\r");
    pane.wait_for_line("20 70");
}

#[test]
fn programs_read_the_replies_to_their_queries() {
    let dir = tempfile::tempdir().unwrap();
    // Each query is read back by the program itself, as crossterm or vim would.
    let script = r#"printf 'abc\033[6n'; IFS= read -rs -d R pos; printf '\033[c'; IFS= read -rs -d c da; printf '\033]11;?\007'; IFS= read -rs -d $'\a' bg; printf '\n<%s><%s><%s>\n' "${pos#?[}" "${da#?[}" "${bg#?]}""#;
    let pane = Pane::spawn(spec(script, dir.path(), size()));
    pane.wait_for_line("<1;4><?1;2><11;rgb:0000/0000/0000>");
    assert_eq!(pane.wait_exit(), SlotStatus::Exited(ProgramExit::Code(0)));
}

#[test]
fn a_full_screen_program_draws_on_the_alternate_screen() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes.txt");
    let lines: Vec<String> = (1..=100).map(|i| format!("note number {i}")).collect();
    std::fs::write(&file, lines.join("\n")).unwrap();
    let pane = Pane::spawn(spec("less notes.txt", dir.path(), size()));
    pane.wait_for("less on the alternate screen", |slot| {
        slot.with_screen(|s| {
            (s.modes().alternate_screen && s.text().contains("note number 23")).then_some(())
        })
    });
    pane.write("G");
    pane.wait_for_text("the end of the file", |t| t.contains("note number 100"));
    pane.write("q");
    assert_eq!(pane.wait_exit(), SlotStatus::Exited(ProgramExit::Code(0)));
    pane.slot
        .with_screen(|s| assert!(!s.modes().alternate_screen, "left the alternate screen"));
}

#[test]
fn input_is_refused_not_queued_forever_when_the_program_stops_reading() {
    let dir = tempfile::tempdir().unwrap();
    // Raw mode, so the terminal holds unread input until its buffer is full and then makes
    // writers wait (canonical mode would drop the excess instead).
    let pane = Pane::spawn(spec(
        "stty raw -echo; echo ready; exec sleep 60",
        dir.path(),
        size(),
    ));
    pane.wait_for_line("ready");
    let chunk = vec![b'x'; 4096];
    let deadline = Instant::now() + pty_wait::TIMEOUT;
    let refused = loop {
        match pane.slot.write(&chunk) {
            Ok(()) => assert!(Instant::now() < deadline, "input was never refused"),
            Err(e) => break e,
        }
    };
    assert_eq!(refused, SlotError::InputBacklog);
    pane.slot.kill();
    pane.wait_exit();
}
