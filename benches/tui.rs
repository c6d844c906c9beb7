//! Workstation benchmarks (see docs/BENCHMARKS.md):
//!
//! 1. frame render + diff at 200×50 with a busy layout, through the real crossterm backend
//!    into a sink (escape sequences generated, not written to a terminal);
//! 2. draws during two seconds of idleness, counted as bytes the real binary writes to its PTY;
//! 3. keystroke-to-screen latency through the real binary in a PTY.
//!
//! `cargo bench --bench tui`

#![allow(clippy::unwrap_used, clippy::expect_used)] // benches may panic

mod stats;

mod support;

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use stats::{Samples, ms};
use switchboard::tui::app::{AppState, Msg, Size};
use switchboard::tui::render::render;
use switchboard::tui::slots::{SlotKind, SlotStatus};
use switchboard::tui::theme::Theme;
use switchboard::tui::transcript::EntryKind;
use switchboard::tui::update::{add_slot, focus, update};

fn busy_state(size: Size) -> AppState {
    let mut state = AppState::new(size, Theme { no_color: false });
    for i in 0..12 {
        let kind = if i % 2 == 0 {
            SlotKind::Agent
        } else {
            SlotKind::Pty
        };
        let id = add_slot(&mut state, kind, Some(format!("slot number {i}")));
        let slot = state.slot_mut(id).unwrap();
        slot.status = [SlotStatus::Running, SlotStatus::Waiting, SlotStatus::Idle][i % 3].clone();
        slot.unread = i % 4 == 1;
    }
    let first = state.slots[0].id;
    focus(&mut state, first);
    let slot = state.slot_mut(first).unwrap();
    slot.stored = true;
    for i in 0..400 {
        slot.transcript.push(
            EntryKind::User,
            format!("message {i}: the quick brown fox jumps over the lazy dog, again and again, until the line wraps around the main area at least once"),
        );
    }
    for c in "a draft prompt that is being typed".chars() {
        update(
            &mut state,
            Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        );
    }
    state
}

fn frame_render() {
    let size = Size {
        cols: 200,
        rows: 50,
    };
    let mut state = busy_state(size);
    let backend = CrosstermBackend::new(std::io::sink());
    let mut terminal = Terminal::with_options(
        backend,
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, size.cols, size.rows)),
        },
    )
    .unwrap();
    terminal.draw(|f| render(&state, f)).unwrap();
    // Each frame follows a keystroke, as while typing: the composer and cursor change.
    let mut n = 0u32;
    let samples = Samples::collect(3000, || {
        n += 1;
        let c = char::from(b'a' + (n % 26) as u8);
        update(
            &mut state,
            Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        );
        if n.is_multiple_of(40) {
            update(
                &mut state,
                Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
            );
        }
        terminal.draw(|f| render(&state, f)).unwrap();
    });
    // A scrolling frame redraws the whole main area.
    let scroll = Samples::collect(1000, || {
        n += 1;
        let code = if n.is_multiple_of(2) {
            KeyCode::PageUp
        } else {
            KeyCode::PageDown
        };
        update(
            &mut state,
            Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)),
        );
        terminal.draw(|f| render(&state, f)).unwrap();
    });
    println!("## frame render + diff, 200×50, 12 slots, 400-message transcript\n");
    println!("| frame | median | p99 |");
    println!("|---|---:|---:|");
    println!("{}", samples.row("keystroke in the composer"));
    println!("{}", scroll.row("page scroll of the transcript"));
    println!();
}

fn idle_and_latency() {
    let home = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let tui = support::e2e::Tui::start(home.path(), &[], 120, 40);
    tui.wait_until("attached", support::e2e::TIMEOUT, |s| {
        s.contains("0 live · ok") && s.contains("demo provider")
    });
    std::thread::sleep(Duration::from_millis(500));
    let before = tui.output_len();
    let start = Instant::now();
    std::thread::sleep(Duration::from_secs(2));
    let idle_bytes = tui.output_len() - before;
    println!("## idle workstation\n");
    println!(
        "{} bytes written in {:.1} s of idleness (every draw writes at least a synchronized-update pair, so 0 bytes = 0 draws)\n",
        idle_bytes,
        start.elapsed().as_secs_f64()
    );
    let samples = tui.keystroke_latencies(300);
    let (p50, p99) = support::e2e::percentiles(samples.clone());
    let max = samples.iter().max().copied().unwrap_or_default();
    println!("## keystroke-to-screen latency, real binary in a PTY (120×40, 300 keys)\n");
    println!("| p50 | p99 | max |");
    println!("|---:|---:|---:|");
    println!("| {} | {} | {} |\n", ms(p50), ms(p99), ms(max));
    drop(tui);
    support::procs::kill_servers(home.path());
    if std::env::var_os("SWITCHBOARD_BENCH_KEEP").is_some() {
        eprintln!("kept {}", home.keep().display());
    }
}

/// A store with `count` small sessions, created pipelined.
fn store_with_sessions(dir: &std::path::Path, count: usize) -> switchboard::store::Store {
    use switchboard::event::{EventKind, SessionCreated, UserMessage};
    let store =
        switchboard::store::Store::open(&dir.join("store.redb"), Default::default()).unwrap();
    let pendings: Vec<_> = (0..count)
        .map(|i| {
            let created = SessionCreated {
                title: Some(format!(
                    "session {i}: {}",
                    [
                        "fix the flaky test",
                        "port the parser",
                        "write docs",
                        "bench resume"
                    ][i % 4]
                )),
                cwd: format!("/home/dev/project{}", i % 7),
                ..Default::default()
            };
            let prompt = EventKind::UserMessage(UserMessage {
                text: format!("prompt number {i}"),
            });
            store
                .append(
                    switchboard::ids::SessionId::new(),
                    vec![EventKind::SessionCreated(created), prompt],
                )
                .unwrap()
        })
        .collect();
    for pending in pendings {
        pending.wait().unwrap();
    }
    store
}

fn picker_rows(store: &switchboard::store::Store) -> Vec<switchboard::tui::picker::PickerRow> {
    switchboard::server::reads::summaries(store)
        .unwrap()
        .iter()
        .map(switchboard::tui::picker::PickerRow::from_summary)
        .collect()
}

fn picker() {
    use switchboard::tui::picker::{Picker, PickerPurpose};
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let store = store_with_sessions(dir.path(), 10_000);
    let size = Size {
        cols: 160,
        rows: 48,
    };
    let backend = CrosstermBackend::new(std::io::sink());
    let mut terminal = Terminal::with_options(
        backend,
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, size.cols, size.rows)),
        },
    )
    .unwrap();
    // Open: read every session, build the rows, draw the first frame.
    let open = Samples::collect(20, || {
        let mut state = AppState::new(size, Theme::default());
        let mut picker = Picker::new(PickerPurpose::Resume, None);
        picker.set_rows(picker_rows(&store));
        state.mode = switchboard::tui::app::Mode::Picker(Box::new(picker));
        terminal.draw(|f| render(&state, f)).unwrap();
    });
    // Typing a query: each keystroke re-ranks 10,000 rows and draws.
    let mut state = AppState::new(size, Theme::default());
    let mut picker = Picker::new(PickerPurpose::Resume, None);
    picker.set_rows(picker_rows(&store));
    state.mode = switchboard::tui::app::Mode::Picker(Box::new(picker));
    let query = "flaky project3 42";
    let mut typed = 0;
    let keystroke = Samples::collect(200, || {
        let c = query.chars().nth(typed % query.len()).unwrap();
        typed += 1;
        if typed % query.len() == 0 {
            update(
                &mut state,
                Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
            );
        }
        update(
            &mut state,
            Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        );
        terminal.draw(|f| render(&state, f)).unwrap();
    });
    println!("## resume picker over 10,000 sessions (160×48)\n");
    println!("| step | median | p99 |");
    println!("|---|---:|---:|");
    println!(
        "{}",
        open.row("open: read sessions, build rows, first frame")
    );
    println!(
        "{}",
        keystroke.row("one keystroke of a fuzzy query, re-rank + frame")
    );
    println!();
}

/// Keystroke-to-screen latency in a focused bash pane while three other panes flood, all four
/// visible in a grid; and, as the floor, the same with three quiet panes.
fn pane_latency() {
    const FLOOD: &str = "yes 'flooding the pane with output, line after line, as fast as it goes'";
    const QUIET: &str = "printf 'a quiet pane that printed one line'; sleep 1000";
    println!(
        "## Keystroke-to-screen latency in a focused pane (160×48 grid of 4 panes, 200 keys)\n"
    );
    println!("| the three other panes | p50 | p99 | max |");
    println!("|---|---:|---:|---:|");
    for (label, others) in [("quiet (the floor)", QUIET), ("flooding (`yes`)", FLOOD)] {
        let samples = pane_keystrokes(others);
        let (p50, p99) = support::e2e::percentiles(samples.clone());
        let max = samples.iter().max().copied().unwrap_or_default();
        println!("| {label} | {} | {} | {} |", ms(p50), ms(p99), ms(max));
    }
    println!();
}

/// Types 200 keys into a bash pane beside three panes running `others`; the latency of each.
fn pane_keystrokes(others: &str) -> Vec<Duration> {
    let home = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    // SWITCHBOARD_BENCH_KEEP keeps the home (store, logs) for a look afterwards, even when
    // the run fails.
    let (_home, home_path) = if std::env::var_os("SWITCHBOARD_BENCH_KEEP").is_some() {
        let kept = home.keep();
        eprintln!("keeping {}", kept.display());
        (None, kept)
    } else {
        let path = home.path().to_owned();
        (Some(home), path)
    };
    let bash = "PS1='$ ' bash --norc --noprofile";
    let args = [
        "--slot", others, "--slot", others, "--slot", others, "--slot", bash,
    ];
    let tui = support::e2e::Tui::start(&home_path, &args, 160, 48);
    tui.wait_until("the shell's prompt", support::e2e::TIMEOUT, |s| {
        s.contains("┃$ ")
    });
    tui.wait_for("keys here");
    tui.ctrl('g');
    tui.wait_for("keys go to the workstation");
    tui.send(b"\x1b4"); // Alt+4: grid
    tui.wait_until("grid layout", support::e2e::TIMEOUT, |s| {
        s.matches(" · pty ").count() >= 4
    });
    tui.ctrl('g');
    tui.wait_for("keys here");
    let samples = tui.shell_keystroke_latencies(200);
    drop(tui);
    support::procs::kill_servers(&home_path);
    samples
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let only = std::env::var("SWITCHBOARD_BENCH_ONLY").ok();
    let run = |name: &str| only.as_deref().is_none_or(|o| o == name);
    if run("frame") {
        frame_render();
    }
    if run("picker") {
        picker();
    }
    if run("latency") {
        idle_and_latency();
    }
    if run("panes") {
        pane_latency();
    }
    if run("catchup") {
        catch_up();
    }
}

/// How far behind its program a paced background pane is once the program stops: three panes
/// each print 20 MB (`yes | head`), note the time and print a marker; the focused pane is a
/// quiet shell. The lag is from the note to the marker on the client's screen.
fn catch_up() {
    let home = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let dir = home.path().join("marks");
    std::fs::create_dir(&dir).unwrap();
    let printer = |n: usize| {
        format!(
            "yes 'a background pane printing as fast as it can' | head -c 20000000; \
             date +%s%N > {}/done.{n}; echo CAUGHT-UP-{n}; sleep 1000",
            dir.display()
        )
    };
    let (one, two, three) = (printer(1), printer(2), printer(3));
    let bash = "PS1='$ ' bash --norc --noprofile";
    let args = [
        "--slot", &one, "--slot", &two, "--slot", &three, "--slot", bash,
    ];
    let tui = support::e2e::Tui::start(home.path(), &args, 160, 48);
    tui.wait_for("keys here");
    tui.ctrl('g');
    tui.wait_for("keys go to the workstation");
    tui.send(b"\x1b4"); // Alt+4: grid, all four panes drawn
    let started = Instant::now();
    let mut lags = Vec::new();
    for n in 1..=3 {
        let marker = format!("CAUGHT-UP-{n}");
        tui.wait_until(&marker, Duration::from_secs(600), |s| s.contains(&marker));
        let seen = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let done: u128 = std::fs::read_to_string(dir.join(format!("done.{n}")))
            .unwrap_or_default()
            .trim()
            .parse()
            .unwrap_or(0);
        lags.push(Duration::from_nanos(
            (seen.as_nanos().saturating_sub(done)) as u64,
        ));
    }
    drop(tui);
    support::procs::kill_servers(home.path());
    println!("## A paced background pane catching up once its program stops (3 × 20 MB)\n");
    println!("| pane | behind its program when it stopped | whole run |");
    println!("|---|---:|---:|");
    for (n, lag) in lags.iter().enumerate() {
        println!(
            "| {} | {} | {:.1} s |",
            n + 1,
            ms(*lag),
            started.elapsed().as_secs_f64()
        );
    }
    println!();
}
