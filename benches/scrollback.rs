//! Scrollback without a memory bill (issue 14 §3), side by side with tmux in one run:
//!
//! 1. `memory`: eight panes of about 200×50 that each printed `seq 1 20000` (10,000 lines of
//!    history kept), through the real server with a client attached, against a tmux server
//!    with `history-limit 10000` and eight windows of the same size doing the same. RSS of the
//!    server processes once every pane has printed and the server is quiet; also our server
//!    with eight panes that printed nothing, so the history's own cost shows.
//! 2. `page`: a recorded pane with ~100 MB of history (`seq`): time from asking for a view of
//!    rows the memory no longer holds to the rows being there (the first older page), at
//!    several depths, and the pane's memory.
//!
//! `cargo bench --bench scrollback` (`SWITCHBOARD_BENCH_ONLY=memory|page`,
//! `SWITCHBOARD_BENCH_PAGE_MB` to change the history's size).

#![allow(clippy::unwrap_used, clippy::expect_used)] // benches may panic

mod stats;
mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use stats::ms;
use support::e2e::{Tui, percentiles};
use support::tmux::Tmux;
use support::{procfs, pty_wait};
use switchboard::pty::{PaneSize, PtySlot, SlotOptions, SpawnSpec, pane_wakeups};
use switchboard::store::Store;

const PANES: usize = 8;
const TMUX: Tmux = Tmux::new("switchboard-bench-scrollback");
/// Terminal size (columns, rows) that gives the focused pane 200×50 (the sidebar and the status line take
/// the rest); the bench prints the size the panes really had.
const TERM: (u16, u16) = (234, 56);

/// The line each pane runs: its size, `seq`, a file saying it is done, then it stays.
fn script(dir: &Path, n: usize, print: bool) -> String {
    let d = dir.display();
    let seq = if print { "seq 1 20000; " } else { "" };
    format!("stty size > {d}/size.{n}; {seq}touch {d}/done.{n}; exec sleep 600")
}

fn wait_files(dir: &Path, prefix: &str) {
    let deadline = Instant::now() + Duration::from_secs(300);
    while (0..PANES).any(|n| !dir.join(format!("{prefix}.{n}")).exists()) {
        assert!(Instant::now() < deadline, "timed out waiting for {prefix}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until `pid` used no CPU for half a second (everything printed has been parsed and
/// recorded), at most 60 s.
fn settle(pid: u32) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut last = procfs::process_cpu(pid);
    loop {
        std::thread::sleep(Duration::from_millis(500));
        let now = procfs::process_cpu(pid);
        if now == last || Instant::now() > deadline {
            return;
        }
        last = now;
    }
}

/// Our server's RSS (MB) with eight panes that ran `script(.., print)`; also the panes' size.
fn ours(print: bool) -> (f64, String) {
    let home = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let dir = home.path().join("work");
    std::fs::create_dir(&dir).unwrap();
    let lines: Vec<String> = (0..PANES).map(|n| script(&dir, n, print)).collect();
    let mut args = Vec::new();
    for line in &lines {
        args.extend(["--slot", line.as_str()]);
    }
    let tui = Tui::start_with(home.path(), &args, TERM.0, TERM.1, &[("SHELL", "/bin/sh")]);
    tui.wait_for("keys here");
    wait_files(&dir, "done");
    let server = support::procs::server_pids(home.path())[0];
    settle(server);
    let rss = procfs::status_kib(server, "VmRSS") as f64 / 1024.0;
    let size = std::fs::read_to_string(dir.join("size.0")).unwrap_or_default();
    drop(tui);
    support::procs::kill_servers(home.path());
    (rss, size.trim().to_owned())
}

/// The tmux server's RSS (MB) with eight windows of `size` that printed `seq 1 20000`.
fn theirs(size: &str) -> Option<f64> {
    let (rows, cols) = size.split_once(' ')?;
    let home = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let dir = home.path().join("work");
    std::fs::create_dir(&dir).unwrap();
    TMUX.kill_server();
    TMUX.run(&[
        "new-session",
        "-d",
        "-x",
        cols,
        "-y",
        rows,
        "sleep 600",
        ";",
        "set",
        "-g",
        "history-limit",
        "10000",
        ";",
        "set",
        "-g",
        "status",
        "off",
    ])?;
    for n in 0..PANES {
        TMUX.run(&["new-window", "-d", &script(&dir, n, true)])?;
    }
    wait_files(&dir, "done");
    let pid: u32 = TMUX.run(&["display", "-p", "#{pid}"])?.parse().ok()?;
    settle(pid);
    let rss = procfs::status_kib(pid, "VmRSS") as f64 / 1024.0;
    let reported = std::fs::read_to_string(dir.join("size.0")).unwrap_or_default();
    TMUX.kill_server();
    eprintln!("tmux panes were {}", reported.trim());
    Some(rss)
}

fn memory(rounds: usize) {
    println!("\n## Eight panes that printed `seq 1 20000` (10,000 lines of history kept)\n");
    println!(
        "| round | pane size | switchboard server | same, panes printed nothing | tmux server | ratio |"
    );
    println!("|---|---|---|---|---|---|");
    let mut ratios = Vec::new();
    for round in 1..=rounds {
        let (full, size) = ours(true);
        let (empty, _) = ours(false);
        let anchor = theirs(&size);
        let ratio = anchor.map(|t| full / t);
        if let Some(r) = ratio {
            ratios.push(r);
        }
        println!(
            "| {round} | {size} | {full:.1} MB | {empty:.1} MB | {} | {} |",
            anchor.map_or("–".into(), |t| format!("{t:.1} MB")),
            ratio.map_or("–".into(), |r| format!("{r:.2}×"))
        );
    }
    ratios.sort_by(f64::total_cmp);
    if let Some(median) = ratios.get(ratios.len() / 2) {
        println!("\nmedian ratio {median:.2}× tmux (target ≤ 2×)");
    }
}

/// A recorded pane that printed about `mb` MB of `seq` lines.
fn deep_pane(dir: &Path, mb: usize) -> (PtySlot, Store) {
    let (store, session) = pty_wait::store(dir);
    // `seq` from 10,000,000 prints 9 bytes a line.
    let lines = mb * 1_000_000 / 9;
    let (waker, wakeups) = pane_wakeups();
    let mut spec = SpawnSpec::command(
        format!("seq 10000000 {}", 10_000_000 + lines - 1),
        dir.to_path_buf(),
    );
    spec.size = PaneSize::new(50, 200);
    let slot = PtySlot::spawn(
        spec,
        SlotOptions {
            waker: Some(waker),
            ..pty_wait::recording(&store, session)
        },
    );
    let deadline = Instant::now() + Duration::from_secs(600);
    while slot.is_running() {
        assert!(Instant::now() < deadline, "seq did not finish");
        wakeups.wait_timeout(Duration::from_millis(200));
        slot.take_changed();
    }
    slot.sync_recording(Duration::from_secs(60)).unwrap();
    (slot, store)
}

fn page(mb: usize) {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let started = Instant::now();
    let (slot, _store) = deep_pane(dir.path(), mb);
    let history = slot.with_screen(|s| s.scrollback_len());
    eprintln!(
        "{mb} MB printed and recorded in {:.1} s; {history} lines of history",
        started.elapsed().as_secs_f64()
    );
    let rss = procfs::status_kib(std::process::id(), "VmRSS") as f64 / 1024.0;
    let stored = std::fs::metadata(dir.path().join("store.redb"))
        .map(|m| m.len())
        .unwrap_or(0) as f64
        / 1e6;
    let mut times = Vec::new();
    // Depths spread over the history, each a page the memory does not hold.
    let depths: Vec<usize> = (1..=15)
        .map(|i| history - (history / 16) * (i - 1))
        .collect();
    for offset in depths {
        let start = Instant::now();
        loop {
            let view = slot.with_screen_mut(|s| s.view_rows(offset));
            if view.rows.iter().all(|r| !r.text().is_empty()) {
                break;
            }
            if let Some(index) = view.wanted_history {
                slot.page_history(index);
            }
            assert!(start.elapsed() < Duration::from_secs(30), "page never came");
            std::thread::sleep(Duration::from_micros(200));
        }
        times.push(start.elapsed());
    }
    let (p50, p99) = percentiles(times);
    println!("\n## First older page of a pane with {mb} MB of history\n");
    println!("| history lines | first page p50 | p99 | process RSS after printing | store file |");
    println!("|---|---|---|---|---|");
    println!(
        "| {history} | {} | {} | {rss:.0} MB | {stored:.1} MB |",
        ms(p50),
        ms(p99)
    );
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let only = std::env::var("SWITCHBOARD_BENCH_ONLY").ok();
    let rounds = std::env::var("SWITCHBOARD_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let mb = std::env::var("SWITCHBOARD_BENCH_PAGE_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("load average at start: {}", load.trim());
    if only.as_deref().is_none_or(|o| o == "memory") {
        memory(rounds);
    }
    if only.as_deref().is_none_or(|o| o == "page") {
        page(mb);
    }
}
