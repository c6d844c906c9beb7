//! `switchboard mcp` benchmarks (issue 13), through the real binary over its stdio, as an MCP
//! client sees it (see docs/BENCHMARKS.md):
//!
//! 1. `list`: the `tools/list` round trip — a request line written to stdin until its
//!    response line is read from stdout — median and p99 of 200 calls after 20 warm-ups
//!    (target: ≤ 10 ms);
//! 2. `call`: the `status` tool's round trip (a connection to the server, its status and the
//!    board, the call's record), 50 calls after 5 warm-ups, the server already up;
//! 3. `start`: from spawning `switchboard mcp` to the `initialize` answer, 21 runs.
//!
//! `cargo bench --bench mcp` (`SWITCHBOARD_BENCH_ONLY=list|call|start`)

#![allow(clippy::unwrap_used, clippy::expect_used)] // benches may panic

mod stats;
mod support;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Instant;

use serde_json::{Value, json};
use stats::Samples;

fn selected(name: &str) -> bool {
    std::env::var("SWITCHBOARD_BENCH_ONLY").map_or(true, |only| only == name)
}

/// A private home; servers end when dropped.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap(),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        support::procs::kill_servers(self.path());
    }
}

/// `switchboard --demo mcp` and its pipes.
struct Mcp {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: u64,
}

impl Mcp {
    fn spawn(home: &Home) -> Self {
        let mut child = Command::new(support::bin())
            .args(["--demo", "mcp"])
            .env("SWITCHBOARD_HOME", home.path())
            .env("HOME", home.path())
            .env_remove("OPENAI_API_KEY")
            .env_remove("CODEX_API_KEY")
            .current_dir(home.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Self {
            stdin: child.stdin.take().unwrap(),
            stdout: BufReader::new(child.stdout.take().unwrap()),
            child,
            next_id: 0,
        }
    }

    /// One request line out, lines in until its answer.
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let line =
            json!({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params});
        writeln!(self.stdin, "{line}").unwrap();
        self.stdin.flush().unwrap();
        loop {
            let mut answer = String::new();
            assert!(
                self.stdout.read_line(&mut answer).unwrap() > 0,
                "mcp exited"
            );
            let value: Value = serde_json::from_str(&answer).unwrap();
            if value["id"] == self.next_id {
                return value;
            }
        }
    }

    fn initialize(&mut self) -> Value {
        let init = self.request(
            "initialize",
            json!({
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "bench", "version": "1"},
            }),
        );
        writeln!(
            self.stdin,
            "{}",
            json!({"jsonrpc": "2.0", "method": "notifications/initialized"})
        )
        .unwrap();
        init
    }
}

impl Drop for Mcp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn round_trips(
    mcp: &mut Mcp,
    warmups: usize,
    runs: usize,
    mut call: impl FnMut(&mut Mcp),
) -> Samples {
    for _ in 0..warmups {
        call(mcp);
    }
    Samples::collect(runs, || call(mcp))
}

fn list() {
    let home = Home::new();
    let mut mcp = Mcp::spawn(&home);
    mcp.initialize();
    let samples = round_trips(&mut mcp, 20, 200, |mcp| {
        let listed = mcp.request("tools/list", json!({}));
        assert_eq!(listed["result"]["tools"].as_array().unwrap().len(), 14);
    });
    println!("## `tools/list` round trip (200 calls after 20 warm-ups)\n");
    println!("| measure | median | p99 |");
    println!("|---|---|---|");
    println!("{}", samples.row("request line → response line"));
    println!();
}

fn call() {
    let home = Home::new();
    let mut mcp = Mcp::spawn(&home);
    mcp.initialize();
    let samples = round_trips(&mut mcp, 5, 50, |mcp| {
        let status = mcp.request("tools/call", json!({"name": "status", "arguments": {}}));
        assert_eq!(status["result"]["isError"], false, "{status}");
    });
    println!("## `status` tool round trip, server up (50 calls after 5 warm-ups)\n");
    println!("| measure | median | p99 |");
    println!("|---|---|---|");
    println!("{}", samples.row("request line → response line"));
    println!();
}

fn start() {
    let home = Home::new();
    let mut samples = Vec::new();
    for _ in 0..21 {
        let began = Instant::now();
        let mut mcp = Mcp::spawn(&home);
        let init = mcp.initialize();
        samples.push(began.elapsed());
        assert_eq!(init["result"]["serverInfo"]["name"], "switchboard");
    }
    samples.sort();
    let samples = Samples(samples);
    println!("## spawn → `initialize` answer (21 runs)\n");
    println!("| measure | median | p99 |");
    println!("|---|---|---|");
    println!("{}", samples.row("spawn → initialize result"));
    println!();
}

fn main() {
    if selected("list") {
        list();
    }
    if selected("call") {
        call();
    }
    if selected("start") {
        start();
    }
}
