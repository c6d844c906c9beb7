//! `switchboard exec` benchmarks (issue 13), through the real binary (see docs/BENCHMARKS.md):
//!
//! 1. `lines`: lines and bytes on stdout for one demo turn, `--events` (the stream `--json`
//!    printed before it spoke Codex's schema) against `--json` (Codex's schema), with the
//!    command run (`--approval never`) and denied (the default policy);
//! 2. `first`: from spawning `exec --json` to reading its first line (`thread.started`) with
//!    a server running, median and p99 of 41 runs after 3 warm-ups.
//!
//! `cargo bench --bench exec` (`SWITCHBOARD_BENCH_ONLY=lines|first`)

#![allow(clippy::unwrap_used, clippy::expect_used)] // benches may panic

mod stats;
mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use stats::Samples;

const PROMPT: &str = "what is here?";

fn selected(name: &str) -> bool {
    std::env::var("SWITCHBOARD_BENCH_ONLY").map_or(true, |only| only == name)
}

/// A private home and an empty git repository to run in; servers end when dropped.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Self {
        let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
        std::fs::create_dir(dir.path().join("repo")).unwrap();
        let status = Command::new("git")
            .args(["init", "-q"])
            .current_dir(dir.path().join("repo"))
            .status()
            .unwrap();
        assert!(status.success());
        Self { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn command(&self) -> Command {
        let mut command = Command::new(support::bin());
        command
            .env("SWITCHBOARD_HOME", self.path())
            .env("HOME", self.path())
            .env_remove("OPENAI_API_KEY")
            .env_remove("CODEX_API_KEY")
            .current_dir(self.path().join("repo"));
        command
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        support::procs::kill_servers(self.path());
    }
}

fn lines() {
    println!("## lines and bytes of one demo turn on stdout\n");
    println!("| policy | `--events` (the old `--json`) | `--json` (Codex) |");
    println!("|---|---|---|");
    for (label, extra) in [
        (
            "`--approval never` (the command runs)",
            &["--approval", "never"][..],
        ),
        ("default (the command is denied)", &[][..]),
    ] {
        let home = Home::new();
        let mut cells = Vec::new();
        for mode in ["--events", "--json"] {
            let output = home
                .command()
                .args(["exec", "--demo", mode])
                .args(extra)
                .arg(PROMPT)
                .stdin(Stdio::null())
                .output()
                .unwrap();
            assert!(output.status.success());
            let text = String::from_utf8(output.stdout).unwrap();
            cells.push(format!(
                "{} lines, {} bytes",
                text.lines().count(),
                text.len()
            ));
        }
        println!("| {label} | {} | {} |", cells[0], cells[1]);
    }
    println!();
}

fn first_line() {
    let home = Home::new();
    let mut server = home
        .command()
        .arg("server")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !home
        .command()
        .args(["server", "status"])
        .output()
        .unwrap()
        .status
        .success()
    {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let run = || {
        let start = Instant::now();
        let mut child = home
            .command()
            .args(["exec", "--demo", "--json", PROMPT])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let elapsed = start.elapsed();
        assert!(first.contains("thread.started"), "{first}");
        assert!(child.wait().unwrap().success());
        elapsed
    };
    for _ in 0..3 {
        run();
    }
    let mut samples: Vec<Duration> = (0..41).map(|_| run()).collect();
    samples.sort();
    let samples = Samples(samples);
    println!("## first `thread.started` line with a server running (41 runs)\n");
    println!("| measure | median | p99 |");
    println!("|---|---|---|");
    println!("{}", samples.row("spawn → first stdout line"));
    let _ = server.kill();
    let _ = server.wait();
}

fn main() {
    if selected("lines") {
        lines();
    }
    if selected("first") {
        first_line();
    }
}
