//! Copy mode's search of a pane's history through the real binary in a real PTY, typed at
//! like a person: a line older than the pane's memory is found in the store, `n` and a
//! missing query say "not found" and leave the view, Esc closes the prompt, and the view
//! holds the match while the pane keeps printing underneath.

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

/// The pane row that shows exactly `line` (the status line also quotes the query, so the
/// pane's border must be right before it).
fn shows_line(screen: &str, line: &str) -> bool {
    screen
        .lines()
        .any(|l| l.contains(&format!("│{line} ")) || l.contains(&format!("┃{line} ")))
}

/// What the pane shows at 80×24 (right of the slot list, above its bottom border, whose label
/// counts the lines piling up underneath).
fn pane_text(screen: &str) -> Vec<String> {
    screen
        .lines()
        .skip(1)
        .take(18)
        .map(|l| l.chars().skip(22).take(56).collect())
        .collect()
}

/// How many lines up the view is, from the pane's bottom label (`↑ N lines up`).
fn lines_up(screen: &str) -> Option<usize> {
    let at = screen.find("↑ ")?;
    let digits: String = screen[at + "↑ ".len()..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

#[test]
fn search_finds_a_line_only_the_store_holds_and_holds_it_while_output_goes_on() {
    let home = Home::new();
    // A pane keeps 1,000 lines in memory, so line 12,345 of 50,000 is only in the store.
    std::fs::write(
        home.path().join("config.toml"),
        "[pty]\nscrollback_lines = 1000\n",
    )
    .expect("config");
    // 50,000 lines, then a slow tick forever: the pane is still printing while we search.
    let tui = Tui::start_with(
        home.path(),
        &[
            "--slot",
            "seq 1 50000; echo printed-all; while sleep 0.2; do echo tick; done",
        ],
        80,
        24,
        &env(),
    );
    tui.wait_until("the flood printed and ticks follow", TIMEOUT, |s| {
        s.contains("printed-all") && s.contains("tick")
    });
    // The leader takes the keys back; copy mode; the search prompt.
    tui.ctrl('g');
    tui.wait_for("keys go to the workstation");
    tui.send(b"\x1bc"); // Alt+C
    tui.wait_for("copy mode:");
    // Esc closes the prompt and keeps copy mode (its cursor is drawn, the prompt gone).
    tui.type_text("/");
    tui.wait_for("search back:");
    tui.type_text("abc");
    tui.wait_for("search back: abc");
    tui.esc();
    tui.wait_until("the prompt closed", TIMEOUT, |s| {
        !s.contains("search back:")
    });

    // A line older than the memory holds: the view moves to it.
    tui.type_text("/");
    tui.wait_for("search back:");
    tui.type_text("12345");
    tui.enter();
    tui.wait_until("line 12345 on screen", TIMEOUT, |s| {
        shows_line(s, "12345") && s.contains("“12345”: n next")
    });
    let held = lines_up(&tui.screen()).expect("the view is scrolled back");

    // The pane goes on printing; the view keeps the match while the lines pile up under it.
    tui.wait_until("ticks scrolled under the held view", TIMEOUT, |s| {
        lines_up(s).is_some_and(|n| n >= held + 3)
    });
    assert!(
        shows_line(&tui.screen(), "12345"),
        "the match stays in view:\n{}",
        tui.screen()
    );

    // `n`: nothing older; the status line says so and the view does not move.
    let before = pane_text(&tui.screen());
    tui.type_text("n");
    tui.wait_for("not found: “12345” (nothing older)");
    assert_eq!(pane_text(&tui.screen()), before);

    // A query that is nowhere: said, and the view stays where it was.
    tui.type_text("/");
    tui.wait_for("search back:");
    tui.type_text("no-such-text");
    tui.enter();
    tui.wait_for("not found: “no-such-text” (nothing older)");
    assert_eq!(pane_text(&tui.screen()), before);

    // Scrolling to the bottom follows the output again.
    tui.esc();
    tui.wait_until("copy mode left", TIMEOUT, |s| !s.contains("not found"));
    tui.send(b"\x1b[1;5F"); // Ctrl+End
    tui.wait_until("the live screen again", TIMEOUT, |s| {
        lines_up(s).is_none() && !shows_line(s, "12345") && s.contains("tick")
    });
}
