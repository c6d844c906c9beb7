//! Slash commands and the leader through the real binary in a PTY, typed at like a person
//! coming from Codex CLI (`/` commands) and from tmux (a prefix key, then one key).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

mod support;

use support::Home;
use support::e2e::{TIMEOUT, Tui};

fn env() -> Vec<(&'static str, &'static str)> {
    vec![
        ("PS1", "$ "),
        ("SHELL", "/bin/bash"),
        ("HISTFILE", "/dev/null"),
    ]
}

/// Polls the store (through the CLI) until `pred` holds for `sessions export ID`.
fn wait_for_export(home: &Home, id: &str, what: &str, pred: impl Fn(&str) -> bool) -> String {
    let mut last = String::new();
    let done = support::wait_for(TIMEOUT, || {
        last = home.ok(&["sessions", "export", id]);
        pred(&last)
    });
    assert!(done, "timed out waiting for {what}; export:\n{last}");
    last
}

fn only_session(home: &Home) -> String {
    let list: serde_json::Value =
        serde_json::from_str(&home.ok(&["sessions", "list", "--json"])).expect("json");
    list[0]["id"].as_str().expect("one session").to_owned()
}

#[test]
fn slash_commands_rename_change_the_model_and_refuse_unknown_words() {
    let home = Home::new();
    let mut tui = Tui::start_with(home.path(), &["--demo"], 100, 30, &env());
    tui.wait_for("demo provider");
    // A prompt that the demo answers without a tool call: the slot is then idle.
    tui.type_text("help");
    tui.enter();
    tui.wait_until("the answer", TIMEOUT, |s| {
        s.contains("scripted demo provider") && s.contains("idle")
    });
    let id = only_session(&home);

    // `/` opens the list; it narrows as you type; Tab completes the selection.
    tui.type_text("/");
    tui.wait_until("the command list", TIMEOUT, |s| {
        s.contains("Commands") && s.contains("/model") && s.contains("/rename")
    });
    tui.type_text("ren");
    tui.wait_until("the list narrowed", TIMEOUT, |s| {
        s.contains("/rename") && !s.contains("/model")
    });
    tui.send(b"\t");
    tui.wait_for("│/rename ");
    tui.type_text("build fixer");
    tui.enter();
    tui.wait_until("the slot renamed", TIMEOUT, |s| {
        s.contains("build fixer") && !s.contains("Commands")
    });
    wait_for_export(&home, &id, "the rename event", |e| {
        e.contains("session.renamed") && e.contains("build fixer")
    });

    // The model for the next turn, recorded as an event.
    tui.type_text("/model gpt-e2e-test");
    tui.enter();
    tui.wait_for("gpt-e2e-test from the next turn");
    wait_for_export(&home, &id, "the settings event", |e| {
        e.contains("session.settings") && e.contains("gpt-e2e-test")
    });

    // A mistake: an unknown command keeps the prompt and says so; nothing reaches the model.
    tui.type_text("/nosuch");
    tui.enter();
    tui.wait_for("no command /nosuch");
    tui.wait_for("│/nosuch");
    // Recovery: clear it; `//` sends a prompt that starts with `/`.
    tui.ctrl('u');
    tui.type_text("//etc is a directory");
    tui.enter();
    wait_for_export(&home, &id, "the escaped prompt", |e| {
        e.contains("\"text\":\"/etc is a directory\"")
    });
    assert!(
        !home
            .ok(&["sessions", "export", &id])
            .contains("\"text\":\"/nosuch"),
        "an unknown command never reaches the model"
    );

    // That prompt asks to run a command: deny it, and the turn ends.
    tui.wait_for("Run this command?");
    tui.type_text("n");
    tui.wait_until("the turn ended", TIMEOUT, |s| {
        s.contains("the command did not run") && s.contains("idle")
    });
    // `/quit` leaves like Ctrl+Q; with nothing running there is nothing to ask.
    tui.type_text("/quit");
    tui.enter();
    assert!(tui.wait_exit());
    tui.terminal_restored().unwrap();
}

#[test]
fn the_leader_takes_the_keys_back_and_then_d_detaches_with_a_rebound_leader_too() {
    let home = Home::new();
    // A user who rebinds the leader is told the key they chose, everywhere.
    std::fs::write(
        home.path().join("config.toml"),
        "[keys]\nleader = \"ctrl-b\"\n",
    )
    .expect("config");
    let mut tui = Tui::start_with(
        home.path(),
        &["--slot", "PS1='$ ' bash --norc --noprofile"],
        100,
        30,
        &env(),
    );
    tui.wait_until(
        "the pane has the keys and says how to get them back",
        TIMEOUT,
        |s| s.contains("keys go to") && s.contains("Ctrl+B back to the workstation"),
    );
    tui.wait_until("bash's prompt", TIMEOUT, |s| s.contains("┃$ "));
    // Ctrl+P goes to the program while it has the keys (bash recalls history), not the palette.
    tui.type_text("echo leader-test\r");
    tui.wait_for("┃leader-test");
    tui.ctrl('p');
    tui.wait_until("bash recalled the command", TIMEOUT, |s| {
        s.matches("echo leader-test").count() >= 2 && !s.contains("Command palette")
    });
    tui.ctrl('u');
    // The old default leader is just a key for the program now; the new one takes them back.
    tui.ctrl('b');
    tui.wait_for("keys go to the workstation");
    tui.ctrl('p');
    tui.wait_for("Command palette");
    tui.esc();
    // The leader on the focused pane gives it the keys again; then leader + d detaches.
    tui.wait_until("palette closed", TIMEOUT, |s| {
        !s.contains("Command palette")
    });
    tui.ctrl('b');
    tui.wait_for("⌨ keys here · Ctrl+B back");
    tui.ctrl('b');
    tui.type_text("d");
    assert!(tui.wait_exit(), "leader then d leaves the window");
    tui.terminal_restored().unwrap();
    // The pane kept running in the server: a new window shows it, history intact.
    let tui = Tui::start_with(home.path(), &[], 100, 30, &env());
    tui.wait_for("leader-test");
    assert!(home.server_pid().is_some(), "the server kept the pane");
}
