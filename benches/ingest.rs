//! Pane ingest as the user feels it: `cat FILE` of ~50 MB of mixed terminal output in a
//! focused switchboard pane (the real binary in a PTY, attached to its server) against the
//! same `cat` in a tmux pane of the same size (a real tmux client in a PTY, attached to its
//! server), round after round in one run. The time is the `cat`'s own, taken by the shell
//! around it (start to exit: the program is held back by back-pressure until the pane took
//! in everything it printed). Next to it: the CPU time of the process that owns the pane (the
//! switchboard server, the tmux server) per MB, from `/proc/PID/stat`.
//!
//! Both terminals are read by the same harness (vt100, as a terminal emulator would), so the
//! client side costs the same on both. The pane sizes match: the switchboard pane reports its
//! size with `stty size` and tmux gets a window of that size.
//!
//! `cargo bench --bench ingest` (`SWITCHBOARD_BENCH_INGEST_MB` changes the size,
//! `SWITCHBOARD_BENCH_ROUNDS` the rounds, `SWITCHBOARD_BENCH_TERM` the terminal's COLSxROWS).

#![allow(clippy::unwrap_used, clippy::expect_used)] // benches may panic

mod mixed;
mod stats;
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use support::e2e::Tui;
use support::procfs;
use support::tmux::Tmux;

const TMUX: Tmux = Tmux::new("switchboard-bench-ingest");

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Peak RSS (VmHWM) of `pid`, in MB.
fn peak_rss_mb(pid: u32) -> f64 {
    procfs::status_kib(pid, "VmHWM") as f64 / 1024.0
}

/// The shell line every pane runs: report the pane's size, wait for the go file, time the
/// `cat` in nanoseconds into `took`, then stay (a pane that ends is not what is measured).
fn script(dir: &Path, file: &Path) -> String {
    let d = dir.display();
    format!(
        "stty size > {d}/size; while [ ! -e {d}/go ]; do sleep 0.01; done; \
         S=$(date +%s%N); cat '{}'; E=$(date +%s%N); echo $((E - S)) > {d}/took.tmp; \
         mv {d}/took.tmp {d}/took; exec sleep 600",
        file.display()
    )
}

/// Waits for `path` to exist and returns its trimmed content.
fn wait_file(path: &Path, what: &str) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(600);
    loop {
        if let Ok(text) = std::fs::read_to_string(path) {
            let text = text.trim().to_owned();
            if !text.is_empty() {
                return text;
            }
        }
        assert!(std::time::Instant::now() < deadline, "timed out: {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

struct Run {
    seconds: f64,
    cpu_ms_per_mb: f64,
    rss_mb: f64,
    /// Bytes the outer terminal received while `cat` ran.
    terminal_mb: f64,
}

/// Whether the outer terminal parses what it gets (vt100, like an emulator) or only drains it
/// (the fastest terminal there can be): `SWITCHBOARD_BENCH_OUTER=parse|drain`, default drain.
fn parsing() -> bool {
    std::env::var("SWITCHBOARD_BENCH_OUTER").is_ok_and(|v| v == "parse")
}

/// `cat` in a focused switchboard pane; also returns the pane's size (rows, cols).
fn switchboard_run(file: &Path, mb: f64, term: (u16, u16)) -> (Run, (u16, u16)) {
    let home = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let dir = home.path().join("work");
    std::fs::create_dir(&dir).unwrap();
    // Both run the line through the shell (`$SHELL -c`), as a user's command would.
    let line = script(&dir, file);
    let tui = Tui::start_with(
        home.path(),
        &["--slot", &line],
        term.0,
        term.1,
        &[("SHELL", "/bin/sh")],
    );
    tui.wait_for("keys here");
    let size = wait_file(&dir.join("size"), "the pane's size");
    let (rows, cols) = size.split_once(' ').expect("stty size: ROWS COLS");
    let size = (rows.parse().unwrap(), cols.parse().unwrap());
    let server = support::procs::server_pids(home.path())[0];
    let before = procfs::process_cpu(server);
    tui.set_parsing(parsing());
    let received = tui.received();
    std::fs::write(dir.join("go"), "").unwrap();
    let took: u64 = wait_file(&dir.join("took"), "switchboard's cat")
        .parse()
        .unwrap();
    let cpu = procfs::process_cpu(server) - before;
    let rss = peak_rss_mb(server);
    let terminal_mb = (tui.received() - received) as f64 / 1e6;
    drop(tui);
    support::procs::kill_servers(home.path());
    let seconds = took as f64 / 1e9;
    (
        Run {
            seconds,
            cpu_ms_per_mb: cpu.as_secs_f64() * 1000.0 / mb,
            rss_mb: rss,
            terminal_mb,
        },
        size,
    )
}

/// `cat` in a tmux pane of `size` (rows, cols), its client attached in a PTY of the same
/// terminal size; `None` without tmux.
fn tmux_run(file: &Path, mb: f64, size: (u16, u16), term: (u16, u16)) -> Option<Run> {
    let home = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let dir = home.path().join("work");
    std::fs::create_dir(&dir).unwrap();
    TMUX.kill_server();
    let script = script(&dir, file);
    // The window is the switchboard pane's size; the client's terminal is the same size as
    // switchboard's (tmux shows the smaller window in it, like a pane).
    let (rows, cols) = (size.0.to_string(), size.1.to_string());
    let args = TMUX.command_line(&[
        "new-session",
        "-x",
        &cols,
        "-y",
        &rows,
        ";",
        "set",
        "-g",
        "window-size",
        "manual",
        ";",
        "set",
        "-g",
        "status",
        "off",
        ";",
        "resize-window",
        "-x",
        &cols,
        "-y",
        &rows,
        ";",
        "respawn-pane",
        "-k",
        &script,
    ]);
    let client = Tui::start_program(
        home.path(),
        "tmux",
        &args,
        term.0,
        term.1,
        &[("SHELL", "/bin/sh")],
    );
    let reported = wait_file(&dir.join("size"), "tmux pane size");
    let pid: u32 = TMUX.run(&["display", "-p", "#{pid}"])?.parse().ok()?;
    let before = procfs::process_cpu(pid);
    client.set_parsing(parsing());
    let received = client.received();
    std::fs::write(dir.join("go"), "").unwrap();
    let took: u64 = wait_file(&dir.join("took"), "tmux's cat").parse().unwrap();
    let cpu = procfs::process_cpu(pid) - before;
    let rss = peak_rss_mb(pid);
    let terminal_mb = (client.received() - received) as f64 / 1e6;
    TMUX.kill_server();
    drop(client);
    if reported != format!("{} {}", size.0, size.1) {
        eprintln!("tmux pane is {reported}, switchboard's {size:?}");
    }
    Some(Run {
        seconds: took as f64 / 1e9,
        cpu_ms_per_mb: cpu.as_secs_f64() * 1000.0 / mb,
        rss_mb: rss,
        terminal_mb,
    })
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let mb_wanted: usize = env_or("SWITCHBOARD_BENCH_INGEST_MB", 50);
    let rounds: usize = env_or("SWITCHBOARD_BENCH_ROUNDS", 5);
    let term = render_size(&std::env::var("SWITCHBOARD_BENCH_TERM").unwrap_or_default());
    let data = mixed::mixed_output(mb_wanted * 1_000_000);
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let file: PathBuf = dir.path().join("mixed.txt");
    std::fs::write(&file, &data).unwrap();
    let mb = data.len() as f64 / 1e6;
    let tmux_here = TMUX.run(&["-V"]).is_some() || Command::new("tmux").arg("-V").output().is_ok();

    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for round in 1..=rounds {
        let (run, size) = switchboard_run(&file, mb, term);
        let anchor = if tmux_here {
            tmux_run(&file, mb, size, term)
        } else {
            None
        };
        eprintln!(
            "round {round}: switchboard {:.2} s ({:.0} ms CPU/MB), tmux {}",
            run.seconds,
            run.cpu_ms_per_mb,
            anchor.as_ref().map_or("–".to_owned(), |a| format!(
                "{:.2} s ({:.0} ms CPU/MB)",
                a.seconds, a.cpu_ms_per_mb
            )),
        );
        ours.push(run);
        theirs.extend(anchor);
    }
    println!(
        "## `time cat` of {mb:.1} MB of mixed output in a focused pane ({}×{} terminal that {}), {rounds} rounds\n",
        term.0,
        term.1,
        if parsing() {
            "parses (vt100)"
        } else {
            "only drains"
        }
    );
    println!(
        "| pane | `cat` time (median) | MB/s | owner CPU per MB | owner peak RSS | sent to the terminal |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    let row = |label: &str, runs: &[Run]| {
        let secs = median(runs.iter().map(|r| r.seconds).collect());
        println!(
            "| {label} | {secs:.2} s | {:.1} | {:.0} ms | {:.0} MB | {:.1} MB |",
            mb / secs,
            median(runs.iter().map(|r| r.cpu_ms_per_mb).collect()),
            median(runs.iter().map(|r| r.rss_mb).collect()),
            median(runs.iter().map(|r| r.terminal_mb).collect()),
        );
    };
    row("switchboard (server owns the pane)", &ours);
    if theirs.is_empty() {
        println!("\n_tmux is not installed: no anchor_\n");
        return;
    }
    row("tmux (server owns the pane)", &theirs);
    let ratios: Vec<f64> = ours
        .iter()
        .zip(&theirs)
        .map(|(o, t)| t.seconds / o.seconds)
        .collect();
    println!(
        "\nswitchboard's rate ÷ tmux's, per round: {} (median {:.2}×)\n",
        ratios
            .iter()
            .map(|r| format!("{r:.2}×"))
            .collect::<Vec<_>>()
            .join(", "),
        median(ratios.clone()),
    );
}

/// `COLSxROWS`, default 120×40.
fn render_size(text: &str) -> (u16, u16) {
    text.split_once('x')
        .and_then(|(c, r)| Some((c.parse().ok()?, r.parse().ok()?)))
        .unwrap_or((120, 40))
}
