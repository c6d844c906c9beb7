//! The task board in the real workstation, typed at like a person: the counts and "waiting
//! for you" in the status line, the board view, approving a gate from it, and opening a
//! running attempt's session in a slot to watch its output arrive live.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

mod support;

use support::e2e::{TIMEOUT, Tui};
use support::tasks::{home, record, repo, submit, wait_for_worktree, wait_state};

#[test]
fn the_board_shows_tasks_approves_a_gate_and_watches_an_attempt_live() {
    let home = home();
    let (_dir, repo) = repo();
    // Prints a numbered tick until told to stop.
    let ticking = submit(
        &home,
        &repo,
        &[
            "--goal",
            "touch started; i=0; while [ ! -f stop ]; do i=$((i+1)); echo tick $i; sleep 0.1; done",
            "--executor",
            "shell",
            "--title",
            "ticker",
        ],
    );
    let gated = submit(
        &home,
        &repo,
        &[
            "--goal",
            "true",
            "--executor",
            "shell",
            "--gate",
            "--title",
            "gated",
        ],
    );
    let worktree = wait_for_worktree(&home, &repo, &ticking, 1);
    wait_state(&home, &repo, &gated, "awaiting_approval");

    let tui = Tui::start(home.path(), &[], 120, 36);
    tui.wait_until("counts in the status line", TIMEOUT, |s| {
        s.contains("tasks 1 running") && s.contains("1 waiting for you")
    });
    tui.send(b"\x1bt"); // Alt+T: the board
    tui.wait_until("the board", TIMEOUT, |s| {
        s.contains("awaiting approval (1)") && s.contains("running (1)") && s.contains("⚑")
    });
    // The gated task is first (it needs a person): approve it.
    tui.type_text("a");
    tui.wait_until("approved", TIMEOUT, |s| s.contains("completed (1)"));
    assert_eq!(record(&home, &repo, &gated)["state"], "completed");

    // The ticker is now first: open its attempt's session and watch the ticks come.
    tui.type_text("o");
    tui.wait_until("the attempt's session", TIMEOUT, |s| s.contains("tick 1"));
    let later = tui.with_screen(|s| {
        let text = s.contents();
        text.lines()
            .filter_map(|l| l.trim().strip_prefix("tick "))
            .filter_map(|n| n.trim().parse::<u32>().ok())
            .max()
            .unwrap_or(0)
            + 5
    });
    tui.wait_until("more ticks, live", TIMEOUT, |s| {
        s.contains(&format!("tick {later}"))
    });
    std::fs::write(worktree.join("stop"), "").unwrap();
    wait_state(&home, &repo, &ticking, "completed");
    tui.wait_until("no task left running", TIMEOUT, |s| {
        s.contains("tasks 0 running")
    });
}
