//! Human-emulated end-to-end tests: the real binary in a PTY, typed at like a person.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

mod support;

use support::Home;
use support::e2e::{TIMEOUT, Tui, percentiles};

const SNAPSHOTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots");

/// Snapshots the screen once it shows the stored snapshot (or when the harness's timeout
/// passes, and then the assertion shows the difference): the screen settles at its own pace
/// (the welcome, the model label, the status line come in separate frames), so a snapshot
/// taken at the first sign of one part can race the others.
fn snapshot(tui: &Tui, name: &str) {
    let stored = std::fs::read_to_string(format!("{SNAPSHOTS}/{name}.snap"))
        .ok()
        .and_then(|file| file.splitn(3, "---\n").nth(2).map(str::to_owned));
    let text = match stored {
        Some(want) => tui.screen_when(TIMEOUT, |s| s.trim_end() == want.trim_end()),
        None => tui.screen(),
    };
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(SNAPSHOTS);
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!(name, text));
}

/// A workstation that has attached and heard the server's welcome (the model label comes
/// with it), so what follows never races the attach.
fn started(home: &Home) -> Tui {
    let tui = Tui::start(home.path(), &[], 100, 30);
    tui.wait_until("attached: the welcome is in", TIMEOUT, |s| {
        s.contains("Many agent sessions") && s.contains("demo provider")
    });
    tui
}

#[test]
fn starts_empty_and_quits_restoring_the_terminal() {
    let home = Home::new();
    let mut tui = started(&home);
    tui.wait_for("0 slots · 0 live · ok");
    snapshot(&tui, "e2e_empty_100x30");
    tui.ctrl('q');
    assert!(tui.wait_exit(), "exit status");
    tui.terminal_restored().unwrap();
}

#[test]
fn palette_fuzzy_query_runs_a_command() {
    let home = Home::new();
    let tui = started(&home);
    tui.ctrl('p');
    tui.wait_for("Command palette");
    tui.type_text("nwagt");
    tui.wait_until("the query narrowed to the command", TIMEOUT, |s| {
        s.contains("› nwagt") && s.contains("New agent slot") && !s.contains("Quit ")
    });
    snapshot(&tui, "e2e_palette_query_100x30");
    tui.enter();
    // The new-slot dialog: outside a git repository there is no worktree to choose.
    tui.wait_for("not a git repository: no worktree");
    tui.enter();
    tui.wait_for("agent 1 · idle");
    // A mistake, then recovery: a query with no match, Esc closes.
    tui.ctrl('p');
    tui.type_text("qqqqzz");
    tui.wait_for("no match");
    tui.esc();
    tui.wait_until("palette closed", TIMEOUT, |s| {
        !s.contains("Command palette")
    });
}

#[test]
fn multi_line_compose_and_paste_reach_the_transcript() {
    let home = Home::new();
    let tui = started(&home);
    tui.type_text("first line");
    tui.alt_enter();
    tui.type_text("second line");
    tui.wait_for("second line");
    tui.paste("pasted one\npasted two");
    tui.wait_for("pasted two");
    let big: String = (0..120).map(|i| format!("log line {i:04}\n")).collect();
    tui.paste(&big);
    tui.wait_for("[pasted 120 lines]");
    tui.enter();
    tui.wait_until("the placeholder expanded in the transcript", TIMEOUT, |s| {
        s.contains("log line 0119") && s.contains("1 slot") && !s.contains("[pasted")
    });
    // The stored session holds the whole message. The agent shows its events as it queues
    // them, so the commit may land a moment after the screen shows the message: wait for it.
    let deadline = std::time::Instant::now() + TIMEOUT;
    loop {
        let out = home.ok(&["sessions", "list", "--json"]);
        if out.contains("first line second line") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{out}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn resize_redraws_and_tiny_sizes_show_a_notice() {
    let home = Home::new();
    let tui = started(&home);
    tui.resize(140, 40);
    tui.wait_until("status line at the new width", TIMEOUT, |s| {
        s.lines()
            .nth(39)
            .is_some_and(|l| l.len() > 120 && l.ends_with("Ctrl+Q leave"))
    });
    tui.resize(30, 6);
    tui.wait_for("Terminal too small");
    tui.resize(80, 24);
    tui.wait_until("layout back", TIMEOUT, |s| {
        s.contains("Many agent sessions") && !s.contains("too small")
    });
}

#[test]
fn history_survives_a_restart() {
    let home = Home::new();
    let mut tui = started(&home);
    tui.type_text("remember this prompt");
    tui.enter();
    tui.wait_for("› remember this prompt");
    // The demo agent now waits for an approval: leaving asks whether to detach.
    tui.wait_for("Run this command?");
    tui.ctrl('q');
    tui.wait_for("Leave switchboard?");
    tui.type_text("d");
    assert!(tui.wait_exit());
    // The next workstation attaches to the same slot, still waiting for the approval.
    let tui = Tui::start(home.path(), &[], 100, 30);
    tui.wait_for("Run this command?");
    tui.esc();
    tui.wait_for("agent 1 · waiting");
    tui.send(b"\x1b[A");
    tui.wait_until("recalled prompt in the composer", TIMEOUT, |s| {
        s.lines().any(|l| l.contains("│remember this prompt"))
    });
    // Ctrl+R finds it too.
    tui.ctrl('u');
    tui.ctrl('r');
    tui.type_text("rememb");
    tui.wait_for("History search");
    tui.enter();
    tui.wait_until("search result in the composer", TIMEOUT, |s| {
        s.lines().any(|l| l.contains("│remember this prompt"))
    });
}

#[test]
fn ctrl_z_suspends_to_the_shell_and_fg_resumes() {
    let home = Home::new();
    let tui = Tui::start_shell(home.path(), 100, 30);
    tui.wait_for("$");
    tui.type_text("\"$SB\"\r");
    tui.wait_for("Many agent sessions");
    tui.type_text("draft survives");
    tui.ctrl('z');
    tui.wait_until_screen(
        "the shell's prompt with the terminal restored",
        TIMEOUT,
        // bash's readline turns bracketed paste back on for itself, so that mode is not checked.
        |s| {
            !s.alternate_screen()
                && !s.hide_cursor()
                && s.mouse_protocol_mode() == vt100::MouseProtocolMode::None
                && s.contents().contains("Stopped")
        },
    );
    tui.type_text("fg\r");
    tui.wait_until_screen("redrawn after fg", TIMEOUT, |s| {
        s.alternate_screen()
            && s.contents().contains("draft survives")
            && s.contents().contains("Slots")
    });
}

#[test]
fn ctrl_z_without_job_control_says_why() {
    let home = Home::new();
    let tui = started(&home);
    tui.ctrl('z');
    tui.wait_for("cannot suspend");
}

#[test]
fn sigterm_restores_the_terminal() {
    let home = Home::new();
    let mut tui = started(&home);
    let pid = tui.pid().expect("pid");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    tui.wait_exit();
    tui.terminal_restored().unwrap();
}

#[test]
fn keystroke_to_screen_latency_is_reported() {
    let home = Home::new();
    let tui = started(&home);
    let samples = tui.keystroke_latencies(40);
    let (p50, p99) = percentiles(samples);
    // Reported, never asserted: timings belong in benchmarks, not in pass/fail.
    eprintln!("keystroke-to-screen latency (debug build): p50 {p50:?}, p99 {p99:?}");
}

/// The OSC 52 sequence a copy of `text` writes.
fn osc52(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    format!("\x1b]52;c;{encoded}\x07").into_bytes()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn mouse_selection_copies_with_osc52() {
    let home = Home::new();
    let tui = started(&home);
    tui.type_text("copy me please, then the rest");
    tui.enter();
    tui.wait_for("› copy me please");
    // At 100 columns the slot list is 26 wide; the transcript text starts after the border
    // and the two-cell "› " gutter, on the first content row.
    let (x, y) = (26 + 1 + 2, 1);
    tui.mouse_down(x, y);
    tui.mouse_drag(x + 3, y);
    tui.mouse_drag(x + 6, y);
    tui.mouse_up(x + 6, y);
    tui.wait_output("OSC 52 of the dragged text", |out| {
        contains(out, &osc52("copy me"))
    });
    tui.wait_for("copied 7 characters");
    // Double-click a word; a drag that starts in the gutter copies no marker.
    tui.mouse_down(x + 9, y);
    tui.mouse_up(x + 9, y);
    tui.mouse_down(x + 9, y);
    tui.mouse_up(x + 9, y);
    tui.wait_output("OSC 52 of the double-clicked word", |out| {
        contains(out, &osc52("please"))
    });
    tui.mouse_down(x - 2, y);
    tui.mouse_drag(x + 3, y);
    tui.mouse_up(x + 3, y);
    tui.wait_output("OSC 52 without the gutter", |out| {
        contains(out, &osc52("copy"))
    });
}

#[test]
fn keyboard_copy_mode_copies_a_line() {
    let home = Home::new();
    let tui = started(&home);
    tui.type_text("keyboard copy works");
    tui.enter();
    tui.wait_for("› keyboard copy works");
    tui.send(b"\x1bc"); // Alt+C
    tui.wait_for("copy mode");
    // The cursor starts on the last visible row; walk up to the message and select it.
    tui.send(b"gg");
    for _ in 0..40 {
        tui.send(b"k");
    }
    tui.send(b"0");
    tui.send(b"ll");
    tui.send(b"v");
    tui.send(b"$");
    tui.send(b"y");
    tui.wait_output("OSC 52 from copy mode", |out| {
        contains(out, &osc52("keyboard copy works"))
    });
}

#[test]
fn an_idle_workstation_draws_nothing() {
    let home = Home::new();
    let tui = started(&home);
    tui.wait_for("0 live · ok");
    // Let start-up work (history, sessions) settle, then watch for two seconds.
    let settled = tui.output_len();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let before = tui.output_len();
    std::thread::sleep(std::time::Duration::from_secs(2));
    let after = tui.output_len();
    eprintln!(
        "idle: {} bytes while settling, {} bytes in 2 s idle",
        before - settled,
        after - before
    );
    assert_eq!(after, before, "the workstation drew while idle");
}
