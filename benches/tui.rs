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
use switchboard::ids::SessionId;
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
    slot.session = Some(SessionId(1));
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
    println!(
        "| keystroke in the composer | {} | {} |",
        ms(samples.median()),
        ms(samples.p99())
    );
    println!(
        "| page scroll of the transcript | {} | {} |",
        ms(scroll.median()),
        ms(scroll.p99())
    );
    println!();
}

fn idle_and_latency() {
    let home = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let tui = support::e2e::Tui::start(home.path(), &[], 120, 40);
    tui.wait_for("store ok");
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
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    frame_render();
    idle_and_latency();
}
