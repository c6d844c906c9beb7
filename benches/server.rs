//! Server benchmarks (see docs/BENCHMARKS.md), all through the real binary in PTYs:
//!
//! 1. `attach`: from starting `switchboard` to the first complete frame, with 8 live slots of
//!    which 3 flood;
//! 2. `idle`: CPU time and wake-ups of an idle server and an idle client over 10 s;
//! 3. `cycles`: server RSS, open fds and threads before and after 100 attach/detach cycles;
//! 4. `isolation`: keystroke-to-screen latency in one window's focused pane while another
//!    window shows three flooding panes.
//!
//! `cargo bench --bench server` (`SWITCHBOARD_BENCH_ONLY=attach|idle|cycles|isolation`)

#![allow(clippy::unwrap_used, clippy::expect_used)] // benches may panic

mod stats;
mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use stats::ms;
use support::e2e::{TIMEOUT, Tui, percentiles};
use support::procfs;

const FLOOD: &str = "yes 'flooding the pane with output, line after line, as fast as it goes'";
const BASH: &str = "PS1='$ ' bash --norc --noprofile";

fn env() -> Vec<(&'static str, &'static str)> {
    vec![
        ("PS1", "$ "),
        ("SHELL", "/bin/bash"),
        ("HISTFILE", "/dev/null"),
    ]
}

/// Kills the home's server when dropped (a bench must not leave one running).
struct Home(tempfile::TempDir);

impl Home {
    fn new() -> Self {
        Self(tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap())
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    fn server(&self) -> u32 {
        support::procs::server_pids(self.path())
            .into_iter()
            .next()
            .expect("a server runs")
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        support::procs::kill_servers(self.path());
    }
}

/// `--slot` arguments for `floods` flooding panes and `shells` bash panes (last).
fn slots(floods: usize, shells: usize) -> Vec<&'static str> {
    let mut args = Vec::new();
    for _ in 0..floods {
        args.extend(["--slot", FLOOD]);
    }
    for _ in 0..shells {
        args.extend(["--slot", BASH]);
    }
    args
}

/// Whether the screen is a complete frame of the 8-slot workstation: every slot listed and
/// the focused pane's prompt drawn.
/// `n` slots listed in the sidebar (the status line names the focused pane instead while it
/// has the keys).
fn listed(screen: &str, n: usize) -> bool {
    let row = format!("│{n} ");
    screen.lines().any(|l| l.starts_with(&row))
}

/// Eight slots listed and a shell prompt drawn (focused or not).
fn complete(screen: &str) -> bool {
    listed(screen, 8) && (screen.contains("│$ ") || screen.contains("┃$ "))
}

fn attach() {
    let home = Home::new();
    let first = Tui::start_with(home.path(), &slots(3, 5), 160, 48, &env());
    first.wait_until("eight slots up", TIMEOUT, complete);
    first.wait_until("the last shell's prompt", TIMEOUT, |s| s.contains("┃$ "));
    drop(first);
    let mut samples = Vec::new();
    for _ in 0..20 {
        let start = Instant::now();
        let tui = Tui::start_with(home.path(), &[], 160, 48, &env());
        tui.wait_until("a complete frame", TIMEOUT, complete);
        samples.push(start.elapsed());
        drop(tui);
    }
    let (p50, p99) = percentiles(samples.clone());
    println!(
        "## Attach: starting `switchboard` to the first complete frame (8 slots, 3 flooding, 160×48)\n"
    );
    println!("| runs | median | p99 | max |");
    println!("|---:|---:|---:|---:|");
    println!(
        "| {} | {} | {} | {} |\n",
        samples.len(),
        ms(p50),
        ms(p99),
        ms(samples.iter().max().copied().unwrap_or_default())
    );
}

fn idle() {
    let home = Home::new();
    let tui = Tui::start_with(home.path(), &slots(0, 2), 120, 40, &env());
    tui.wait_until("the shells' prompts", TIMEOUT, |s| s.contains("┃$ "));
    tui.ctrl('g');
    tui.wait_for("keys go to the workstation");
    // Let the activity badges settle (idle after 3 s of quiet), then watch.
    std::thread::sleep(Duration::from_secs(5));
    let server = home.server();
    let client = tui.pid().unwrap();
    let bytes = tui.output_len();
    let sample = |pid| (procfs::process_cpu(pid), procfs::threads(pid));
    let (server_cpu, server_threads) = sample(server);
    let (client_cpu, client_threads) = sample(client);
    let window = Duration::from_secs(10);
    std::thread::sleep(window);
    let (server_cpu2, server_threads2) = sample(server);
    let (client_cpu2, client_threads2) = sample(client);
    let drawn = tui.output_len() - bytes;
    let percent = |cpu: Duration| cpu.as_secs_f64() / window.as_secs_f64() * 100.0;
    println!("## Idle server and idle client (2 idle shells, 10 s)\n");
    println!("| process | CPU | context switches (all threads) |");
    println!("|---|---:|---:|");
    println!(
        "| server | {:.2} % | {} |",
        percent(server_cpu2 - server_cpu),
        procfs::switches_between(&server_threads, &server_threads2)
    );
    println!(
        "| client | {:.2} % | {} |",
        percent(client_cpu2 - client_cpu),
        procfs::switches_between(&client_threads, &client_threads2)
    );
    println!("\nbytes the client wrote to its terminal: {drawn} (0 = no frame drawn)\n");
}

fn cycles() {
    let home = Home::new();
    let mut args = slots(0, 2);
    args.extend([
        "--slot",
        "i=0; while :; do i=$((i+1)); echo tick $i; sleep 1; done",
    ]);
    let first = Tui::start_with(home.path(), &args, 120, 40, &env());
    first.wait_until("three slots up", TIMEOUT, |s| listed(s, 3));
    first.wait_until("a prompt", TIMEOUT, |s| s.contains("$ "));
    drop(first);
    let server = home.server();
    let attach_once = || {
        let tui = Tui::start_with(home.path(), &[], 120, 40, &env());
        tui.wait_until("a complete frame", TIMEOUT, |s| {
            listed(s, 3) && s.contains("tick")
        });
        drop(tui);
    };
    // Warm up (allocator pools, first-use tables), then measure 100 cycles.
    for _ in 0..5 {
        attach_once();
    }
    std::thread::sleep(Duration::from_millis(500));
    let before = procfs::footprint(server);
    let start = Instant::now();
    for _ in 0..100 {
        attach_once();
    }
    let took = start.elapsed();
    std::thread::sleep(Duration::from_millis(500));
    let after = procfs::footprint(server);
    println!(
        "## 100 attach/detach cycles (3 live slots; each attach waits for a complete frame)\n"
    );
    println!("| server | before | after | change |");
    println!("|---|---:|---:|---:|");
    println!(
        "| RSS | {} KiB | {} KiB | {:+.1} % |",
        before.rss_kib,
        after.rss_kib,
        (after.rss_kib as f64 - before.rss_kib as f64) / before.rss_kib as f64 * 100.0
    );
    println!(
        "| open fds | {} | {} | {:+} |",
        before.fds,
        after.fds,
        after.fds as i64 - before.fds as i64
    );
    println!(
        "| threads | {} | {} | {:+} |",
        before.threads,
        after.threads,
        after.threads as i64 - before.threads as i64
    );
    println!(
        "\n100 cycles in {:.1} s ({} per cycle)\n",
        took.as_secs_f64(),
        ms(took / 100)
    );
}

/// Types 200 keys into a bash pane of window B while window A shows three flooding panes.
fn isolation() {
    let home = Home::new();
    // A: three floods and a shell, in a grid.
    let a = Tui::start_with(home.path(), &slots(3, 1), 160, 48, &env());
    a.wait_until("the shell's prompt", TIMEOUT, |s| s.contains("┃$ "));
    a.ctrl('g');
    a.wait_for("keys go to the workstation");
    a.send(b"\x1b4"); // Alt+4: grid
    a.wait_until("grid layout", TIMEOUT, |s| {
        s.matches(" · pty ").count() >= 4
    });
    // B: zoomed on the shell, typing.
    let b = Tui::start_with(home.path(), &[], 120, 40, &env());
    b.wait_until("the shell", TIMEOUT, |s| listed(s, 4));
    b.send(b"\x1b1"); // Alt+1: zoom
    b.wait_until("the shell focused", TIMEOUT, |s| s.contains("│$ "));
    b.ctrl('g');
    b.wait_for("keys here");
    let samples = b.shell_keystroke_latencies(200);
    let (p50, p99) = percentiles(samples.clone());
    println!("## Typing in one window while another shows three flooding panes (200 keys)\n");
    println!("| p50 | p99 | max |");
    println!("|---:|---:|---:|");
    println!(
        "| {} | {} | {} |\n",
        ms(p50),
        ms(p99),
        ms(samples.iter().max().copied().unwrap_or_default())
    );
    drop(a);
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let only = std::env::var("SWITCHBOARD_BENCH_ONLY").ok();
    let run = |name: &str| only.as_deref().is_none_or(|o| o == name);
    if run("attach") {
        attach();
    }
    if run("idle") {
        idle();
    }
    if run("cycles") {
        cycles();
    }
    if run("isolation") {
        isolation();
    }
}
