//! PTY panes and native agent slots through the real binary, typed at like a person.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

mod support;

use support::Home;
use support::e2e::{TIMEOUT, Tui};

/// A plain bash with a known prompt (set on the command line: panes get the environment the
/// workstation was started with, and bash picks its own default prompt otherwise).
const BASH: &str = "PS1='$ ' bash --norc --noprofile";

fn env() -> Vec<(&'static str, &'static str)> {
    vec![
        ("PS1", "$ "),
        ("SHELL", "/bin/bash"),
        ("HISTFILE", "/dev/null"),
    ]
}

/// Waits for bash's prompt inside the focused pane (the slot title also holds `$ `), as a person
/// would: keys typed before bash has set up its line editor can be dropped by bash itself.
fn wait_for_prompt(tui: &Tui, what: &str) {
    tui.wait_until(what, TIMEOUT, |s| s.contains("┃$ "));
}

#[test]
fn panes_side_by_side_exit_status_and_reattach() {
    let home = Home::new();
    let mut tui = Tui::start_with(home.path(), &["--slot", BASH], 120, 36, &env());
    tui.wait_for("⌨ keys here");
    wait_for_prompt(&tui, "first pane's prompt");
    tui.type_text("echo hello from pane one\r");
    tui.wait_for("hello from pane one");
    // Leader back to the workstation, then a second slot running a command.
    tui.ctrl('g');
    tui.wait_for("keys go to the workstation");
    tui.send(b"\x1bn"); // Alt+N: New slot: run command…
    tui.wait_for("New slot: run command");
    tui.type_text(BASH);
    tui.enter();
    // Wait for the new shell's own prompt, as a person would: keys typed before bash has set
    // up its line editor can be dropped by bash itself.
    tui.wait_until("second pane has the keys", TIMEOUT, |s| {
        s.contains("2 PS1=") && s.contains("⌨ keys here") && !s.contains("hello from pane one")
    });
    wait_for_prompt(&tui, "second pane's prompt");
    tui.type_text("echo second pane\r");
    tui.wait_for("second pane");
    // Side by side: both panes render at once.
    tui.ctrl('g');
    tui.send(b"\x1b2"); // Alt+2
    tui.wait_until("both panes visible", TIMEOUT, |s| {
        s.contains("hello from pane one") && s.contains("echo second pane") && s.contains("split")
    });
    // Exit the second shell with a status; the slot shows it and the keys come back.
    tui.ctrl('g');
    tui.wait_for("⌨ keys here");
    tui.type_text("exit 3\r");
    tui.wait_for("exited 3");
    tui.ctrl('q');
    tui.wait_for("Leave switchboard?");
    tui.type_text("d");
    assert!(tui.wait_exit());
    tui.terminal_restored().unwrap();

    // A new workstation attaches to the same slots: what each shows now.
    let tui = Tui::start_with(home.path(), &[], 120, 36, &env());
    tui.wait_until("recorded screens restored", TIMEOUT, |s| {
        s.contains("exited 3") && s.contains("second pane")
    });
    tui.send(b"\x1b2");
    tui.wait_for("hello from pane one");
}

#[test]
fn a_command_that_does_not_exist_shows_why() {
    let home = Home::new();
    let tui = Tui::start_with(
        home.path(),
        &["--slot", "no-such-program-xyz"],
        100,
        30,
        &env(),
    );
    tui.wait_until("failed status", TIMEOUT, |s| {
        s.contains("failed") && s.contains("no-such-program-xyz")
    });
}

#[test]
fn agent_turn_with_approval_then_answer() {
    let home = Home::new();
    let tui = Tui::start_with(home.path(), &["--demo"], 120, 40, &env());
    tui.wait_for("demo provider");
    tui.type_text("what is in here?");
    tui.enter();
    tui.wait_for("Run this command?");
    tui.wait_for("uname -srm && ls -la");
    tui.type_text("y");
    tui.wait_until("the final answer", TIMEOUT, |s| {
        s.contains("The command ran") && s.contains("idle")
    });
    // The whole turn is in the store.
    let export = home.ok(&["sessions", "export", &session_id(&home)]);
    for kind in [
        "user.message",
        "tool.approved",
        "tool.finished",
        "turn.ended",
    ] {
        assert!(
            export.contains(&format!("\"kind\":\"{kind}\"")),
            "no {kind}"
        );
    }
}

#[test]
fn denying_with_a_reason_reaches_the_model() {
    let home = Home::new();
    let tui = Tui::start_with(home.path(), &["--demo"], 120, 40, &env());
    tui.wait_for("demo provider");
    tui.type_text("look around");
    tui.enter();
    tui.wait_for("Run this command?");
    tui.type_text("r");
    tui.wait_for("reason:");
    tui.type_text("not on this machine");
    tui.enter();
    tui.wait_until("denied in the transcript", TIMEOUT, |s| {
        s.contains("denied") && s.contains("idle")
    });
    let export = home.ok(&["sessions", "export", &session_id(&home)]);
    assert!(
        export.contains("not on this machine"),
        "the reason is stored"
    );
}

fn session_id(home: &Home) -> String {
    let listed: serde_json::Value =
        serde_json::from_str(&home.ok(&["sessions", "list", "--json"])).unwrap();
    listed[0]["id"].as_str().unwrap().to_owned()
}

#[test]
fn a_pty_session_resumes_as_its_last_screen_and_restarts() {
    let home = Home::new();
    let tui = Tui::start_with(
        home.path(),
        &["--slot", "echo recorded-line; sleep 1000"],
        120,
        36,
        &env(),
    );
    tui.wait_for("recorded-line");
    drop(tui);
    let out = home.run(&["server", "stop"]);
    assert!(out.status.success(), "{out:?}");
    let listed: serde_json::Value =
        serde_json::from_str(&home.ok(&["sessions", "list", "--json"])).unwrap();
    let id = listed[0]["id"].as_str().unwrap().to_owned();
    // Resumed, a pane session is a pane: its last screen, not an agent.
    let tui = Tui::start_with(home.path(), &["resume", &id[..13]], 120, 36, &env());
    tui.wait_until("the recorded screen", TIMEOUT, |s| {
        s.contains("recorded-line") && s.contains("· pty") && !s.contains("· agent")
    });
    // Typing there loses nothing: the text stays and the way on is said.
    tui.type_text("keep this text\r");
    tui.wait_for("restarts it; your text is kept");
    tui.wait_for("keep this text");
    tui.send(b"\x1b[15~"); // F5: restart
    tui.wait_until(
        "the program runs again below its last screen",
        TIMEOUT,
        |s| s.contains("restarted") && s.matches("recorded-line").count() >= 2,
    );
}
