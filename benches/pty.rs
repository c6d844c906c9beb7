//! PTY benchmarks, all measured in one run on one machine:
//!
//! 1. pane ingest: ~50 MB of mixed terminal output (colours, cursor movement, `\r` progress,
//!    wide characters, long wrapping lines) pushed through a real PTY into a `PtySlot`
//!    (`cat FILE` in raw mode, so the bytes arrive unchanged), timed until every byte is
//!    parsed; against the bare vt100 parser and `PaneScreen::feed` on the same bytes, and a
//!    tmux pane ingesting the same file when tmux is installed;
//! 2. memory of an idle slot holding a full 10,000-line scrollback, as the RSS growth of this
//!    process (and vt100's own cell arithmetic for comparison).
//!
//! `cargo bench --bench pty` (set `SWITCHBOARD_BENCH_PTY_MB` to change the ingest size,
//! `SWITCHBOARD_BENCH_ONLY=ingest|memory` for one part).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic

mod mixed;
mod stats;
mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use stats::median_rate;
use support::procfs;
use support::tmux::Tmux;
use switchboard::pty::{
    DEFAULT_SCROLLBACK_LINES, PaneScreen, PaneSize, PtySlot, SlotOptions, SpawnSpec, pane_wakeups,
};

const ROUNDS: usize = 5;
const TMUX_SOCKET: &str = "switchboard-bench";
const TMUX: Tmux = Tmux::new(TMUX_SOCKET);
const SIZE: PaneSize = PaneSize::new(24, 80);
/// Read size of the bare-parser baseline: what a PTY read returns at most in the slot.
const CHUNK: usize = 64 * 1024;

fn mb_per_s(bytes: usize, elapsed: Duration) -> f64 {
    bytes as f64 / 1e6 / elapsed.as_secs_f64().max(1e-9)
}

/// CPU time this process has used (all threads, user + system). Clock ticks are 10 ms; runs
/// last long enough (hundreds of ms) for that to matter little.
fn cpu_time() -> Duration {
    procfs::process_cpu(std::process::id())
}

/// Throughput by the wall clock and per CPU-second of this process. On a shared machine the
/// wall figure depends on what else runs; the CPU figure shows the work done per byte.
#[derive(Clone, Copy)]
struct Rate {
    wall: f64,
    cpu: f64,
}

fn measure(len: usize, run: impl FnOnce() -> Instant) -> Rate {
    let cpu = cpu_time();
    let start = Instant::now();
    let end = run();
    Rate {
        wall: mb_per_s(len, end - start),
        cpu: mb_per_s(len, cpu_time() - cpu),
    }
}

fn bare_vt100(data: &[u8]) -> Rate {
    measure(data.len(), || {
        // The baseline on purpose: the raw parser without the pane's wrapper.
        #[allow(clippy::disallowed_methods)]
        let mut parser = vt100::Parser::new(
            std::num::NonZeroU16::new(SIZE.rows).unwrap(),
            std::num::NonZeroU16::new(SIZE.cols).unwrap(),
            DEFAULT_SCROLLBACK_LINES,
        );
        for chunk in data.chunks(CHUNK) {
            parser.process(chunk);
        }
        std::hint::black_box(parser.screen().cursor_position());
        Instant::now()
    })
}

fn pane_screen(data: &[u8], chunk: usize) -> Rate {
    measure(data.len(), || {
        let mut screen = PaneScreen::new(SIZE, DEFAULT_SCROLLBACK_LINES);
        let mut replies = Vec::new();
        for chunk in data.chunks(chunk) {
            screen.feed_into(chunk, &mut replies);
        }
        std::hint::black_box(screen.cursor());
        Instant::now()
    })
}

/// The shell command that copies `file` to the terminal unchanged (raw mode: no CR before
/// each LF), so a pane receives exactly the bytes the in-memory parsers get.
fn raw_cat(file: &Path) -> String {
    format!("stty raw -echo && cat '{}'", file.display())
}

/// How often a UI draws at most: the bench's consumer looks at the pane once per frame, as
/// the workstation's render loop would, rather than spinning on every wake-up.
const FRAME: Duration = Duration::from_millis(16);

fn slot_ingest(file: &Path, len: usize) -> Rate {
    measure(len, || {
        let (waker, wakeups) = pane_wakeups();
        let mut spec = SpawnSpec::command(raw_cat(file), file.parent().unwrap());
        spec.size = SIZE;
        let slot = PtySlot::spawn(
            spec,
            SlotOptions {
                waker: Some(waker),
                ..SlotOptions::default()
            },
        );
        let deadline = Instant::now() + Duration::from_secs(600);
        while slot.output_bytes() < len as u64 {
            assert!(
                Instant::now() < deadline,
                "ingest stalled at {} bytes",
                slot.output_bytes()
            );
            wakeups.wait_timeout(Duration::from_millis(100));
            slot.take_changed();
            std::thread::sleep(FRAME);
        }
        assert_eq!(
            slot.output_bytes(),
            len as u64,
            "raw mode passes bytes unchanged"
        );
        // The moment the last byte was parsed, not when this loop noticed.
        let done = slot.last_output().unwrap();
        slot.wait_exit(Duration::from_secs(30));
        done
    })
}

/// A tmux pane of the same size ingesting the same file; `None` without tmux.
fn tmux_ingest(file: &Path, len: usize) -> Option<f64> {
    // A leftover server from an interrupted run would hold the old session: start clean.
    TMUX.kill_server();
    TMUX.run(&["new-session", "-d", "-x", "80", "-y", "24", "sleep 600"])?;
    let command = format!(
        "{}; tmux -L {TMUX_SOCKET} wait-for -S ingest-done",
        raw_cat(file)
    );
    let start = Instant::now();
    let ok = TMUX.run(&["new-window", "-d", &command]).is_some()
        && TMUX.run(&["wait-for", "ingest-done"]).is_some();
    let elapsed = start.elapsed();
    TMUX.kill_server();
    ok.then(|| mb_per_s(len, elapsed))
}

fn ingest() {
    let mb: usize = std::env::var("SWITCHBOARD_BENCH_PTY_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let data = mixed::mixed_output(mb * 1_000_000);
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir");
    let file = dir.path().join("mixed.bin");
    std::fs::write(&file, &data).unwrap();
    println!(
        "## pane ingest: {:.1} MB of mixed output, 24×80, median of {ROUNDS} rounds\n",
        data.len() as f64 / 1e6
    );
    let mut runs: Vec<[Rate; 4]> = Vec::new();
    let mut tmux_rates = Vec::new();
    for round in 1..=ROUNDS {
        let run = [
            bare_vt100(&data),
            pane_screen(&data, CHUNK),
            pane_screen(&data, 4096),
            slot_ingest(&file, data.len()),
        ];
        let tmux = tmux_ingest(&file, data.len());
        tmux_rates.extend(tmux);
        eprintln!(
            "round {round}: bare {:.1}, pane {:.1}, pane/4K {:.1}, slot {:.1}, tmux {:.1?} MB/s",
            run[0].wall, run[1].wall, run[2].wall, run[3].wall, tmux
        );
        runs.push(run);
    }
    // Ratios are taken within each round (same machine load), then the median across rounds.
    let median = |f: &dyn Fn(&[Rate; 4]) -> f64| median_rate(runs.iter().map(f).collect());
    println!("| path | MB/s (wall) | vs bare | MB per CPU-second of this process | vs bare |");
    println!("|---|---:|---:|---:|---:|");
    let names = [
        "bare vt100 parser (in memory, 64 KiB chunks)",
        "PaneScreen::feed (in memory, 64 KiB chunks)",
        "PaneScreen::feed (in memory, 4 KiB chunks: a PTY read's size)",
        "PtySlot: `cat` through a real PTY, until parsed",
    ];
    for (i, name) in names.iter().enumerate() {
        println!(
            "| {name} | {:.1} | {:.0} % | {:.1} | {:.0} % |",
            median(&|r| r[i].wall),
            100.0 * median(&|r| r[i].wall / r[0].wall),
            median(&|r| r[i].cpu),
            100.0 * median(&|r| r[i].cpu / r[0].cpu),
        );
    }
    match tmux_rates.len() {
        0 => println!("\n_tmux is not installed: no tmux figure_"),
        _ => {
            let bare: Vec<f64> = runs.iter().map(|r| r[0].wall).collect();
            let ratios = tmux_rates.iter().zip(&bare).map(|(t, b)| t / b).collect();
            println!(
                "| tmux pane: `cat` through its PTY (server CPU not measured) | {:.1} | {:.0} % | – | – |",
                median_rate(tmux_rates.clone()),
                100.0 * median_rate(ratios)
            );
        }
    }
    println!();
}

fn rss_bytes() -> u64 {
    procfs::status_kib(std::process::id(), "VmRSS") * 1024
}

/// Starts a slot that fills its scrollback and then sits idle; returns it once parsed.
fn full_idle_slot(dir: &Path) -> PtySlot {
    let (waker, wakeups) = pane_wakeups();
    let lines = DEFAULT_SCROLLBACK_LINES + 2 * SIZE.rows as usize;
    let mut spec = SpawnSpec::command(
        format!(
            "seq -f 'history line %g of many, padded to look like real output' 1 {lines}; exec sleep 600"
        ),
        dir,
    );
    spec.size = SIZE;
    let slot = PtySlot::spawn(
        spec,
        SlotOptions {
            waker: Some(waker),
            ..SlotOptions::default()
        },
    );
    let deadline = Instant::now() + Duration::from_secs(120);
    while slot.with_screen(|s| s.scrollback_len()) < DEFAULT_SCROLLBACK_LINES {
        assert!(Instant::now() < deadline, "scrollback never filled");
        wakeups.wait_timeout(Duration::from_millis(50));
        slot.take_changed();
    }
    slot
}

fn idle_memory() {
    println!(
        "## memory of an idle slot with a full {DEFAULT_SCROLLBACK_LINES}-line scrollback (24×80)\n"
    );
    let dir = tempfile::tempdir().unwrap();
    // Warm up allocator and thread machinery so the first measurement is not inflated.
    drop(full_idle_slot(dir.path()));
    let mut deltas = Vec::new();
    let mut slots = Vec::new();
    for _ in 0..ROUNDS {
        let before = rss_bytes();
        slots.push(full_idle_slot(dir.path()));
        deltas.push((rss_bytes().saturating_sub(before)) as f64);
    }
    let median = median_rate(deltas.clone()) / 1e6;
    let rows = DEFAULT_SCROLLBACK_LINES + SIZE.rows as usize;
    let cells = rows as f64 * f64::from(SIZE.cols) * 32.0 / 1e6;
    println!("| measure | MB |");
    println!("|---|---:|");
    println!("| RSS growth per slot (median of {ROUNDS}, slots kept alive) | {median:.1} |");
    println!(
        "| what vt100 would hold keeping all of it: {rows} rows × {} cols × 32 B | {cells:.1} |",
        SIZE.cols
    );
    println!();
    drop(slots);
}

fn main() {
    // `cargo test --benches` runs bench binaries with `--bench` absent; keep that quick.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let started = Instant::now();
    let only = std::env::var("SWITCHBOARD_BENCH_ONLY").ok();
    if only.as_deref().is_none_or(|o| o == "ingest") {
        ingest();
    }
    if only.as_deref().is_none_or(|o| o == "memory") {
        idle_memory();
    }
    eprintln!(
        "pty bench took {:?}",
        Duration::from_secs(started.elapsed().as_secs())
    );
}
