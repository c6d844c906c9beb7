//! The next turn of a long session (issue 14 §4): `switchboard exec --session ID "hello"` on a
//! 1,000-event and a 1,000,000-event session (`debug gen-fixture`), measured from process
//! start to the first byte of its first request at a loopback listener, and the process's peak
//! RSS (`VmHWM`) at that moment. The listener answers `400` once it has read the request, so
//! the turn ends there and every round starts from (almost) the same session.
//!
//! Rows: the 1k session; the 1M session as shipped (`compact_at` default: its conversation is
//! over the summary budget, so only the newest items within it are read and the first request
//! is the summarisation request); with `SWITCHBOARD_BENCH_NEVER=1` also the 1M session with
//! `compact_at = 0` (the whole conversation read and sent: what it costs without compaction).
//! The 1k and 1M rounds alternate, so load that drifts during a run weighs on both alike.
//!
//! `cargo bench --bench next_turn` (`SWITCHBOARD_BENCH_BIG=N`, `SWITCHBOARD_BENCH_ROUNDS=N`,
//! `SWITCHBOARD_BENCH_HOME=DIR` keeps the generated sessions in DIR and reuses them,
//! `SWITCHBOARD_BENCH_BIN=PATH` runs another build).

#![allow(clippy::unwrap_used, clippy::expect_used)] // benches may panic

mod stats;
mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use stats::ms;
use support::procfs;

/// The binary under test: this build's, or `SWITCHBOARD_BENCH_BIN` (another build, to compare
/// two in the same conditions; give each its own `SWITCHBOARD_BENCH_HOME`, since builds of
/// another projection version rebuild the rows the other wrote).
fn bin() -> PathBuf {
    std::env::var_os("SWITCHBOARD_BENCH_BIN").map_or_else(
        || PathBuf::from(env!("CARGO_BIN_EXE_switchboard")),
        PathBuf::from,
    )
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A session of `events` events in the store under `home`; reused when it is there already.
fn session(home: &Path, events: u64) -> String {
    let marker = home.join(format!("session-{events}"));
    if let Ok(id) = std::fs::read_to_string(&marker) {
        return id.trim().to_owned();
    }
    let started = Instant::now();
    let output = Command::new(bin())
        .env("SWITCHBOARD_HOME", home)
        .args(["debug", "gen-fixture", "--events", &events.to_string()])
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    assert!(output.status.success(), "gen-fixture failed");
    let id = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_owned();
    eprintln!(
        "generated a {events}-event session in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    std::fs::write(&marker, &id).unwrap();
    id
}

struct Run {
    first_byte: Duration,
    peak_rss_kib: u64,
    request_bytes: usize,
}

/// Reads one HTTP request (headers, then `Content-Length` bytes of body); returns its size.
fn read_request(reader: &mut BufReader<TcpStream>) -> usize {
    let mut length = 0usize;
    let mut total = 0;
    loop {
        let mut line = String::new();
        let n = reader.read_line(&mut line).unwrap();
        total += n;
        if n == 0 || line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap();
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    total + length
}

/// `exec --session ID "hello"` once against `listener`.
fn run(home: &Path, listener: &TcpListener, id: &str) -> Run {
    let port = listener.local_addr().unwrap().port();
    let started = Instant::now();
    let mut child = Command::new(bin())
        .env("SWITCHBOARD_HOME", home)
        .env("HOME", home)
        .env("OPENAI_API_KEY", "sk-bench")
        .env("OPENAI_BASE_URL", format!("http://127.0.0.1:{port}/v1"))
        .env("NO_COLOR", "1")
        .env_remove("RUST_LOG")
        .args(["exec", "--session", id, "hello"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Accepted and peeked on a thread, so a child that exits without connecting is noticed.
    let (tx, rx) = std::sync::mpsc::channel();
    let accepting = listener.try_clone().unwrap();
    std::thread::spawn(move || {
        let (stream, _) = accepting.accept().unwrap();
        let mut first = [0u8; 1];
        // Blocks until the request's first byte is there.
        let n = stream.peek(&mut first).unwrap();
        let _ = tx.send((stream, Instant::now(), n));
    });
    let (stream, at, n) = loop {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(found) => break found,
            Err(_) => {
                if let Some(status) = child.try_wait().unwrap() {
                    let mut stderr = String::new();
                    child
                        .stderr
                        .take()
                        .unwrap()
                        .read_to_string(&mut stderr)
                        .unwrap();
                    panic!("exec ended ({status}) without a request: {stderr}");
                }
            }
        }
    };
    let first_byte = at - started;
    assert_eq!(n, 1);
    let peak_rss_kib = procfs::status_kib(child.id(), "VmHWM");
    let mut reader = BufReader::new(stream);
    let request_bytes = read_request(&mut reader);
    let body = r#"{"error":{"message":"bench: stop here","type":"invalid_request_error"}}"#;
    let mut stream = reader.into_inner();
    write!(
        stream,
        "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    stream.flush().unwrap();
    drop(stream);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bench: stop here"),
        "exec did not end at the listener's answer: {stderr}"
    );
    Run {
        first_byte,
        peak_rss_kib,
        request_bytes,
    }
}

fn median<T: Copy + Ord>(mut values: Vec<T>) -> T {
    values.sort();
    values[values.len() / 2]
}

struct Row {
    label: String,
    runs: Vec<Run>,
}

impl Row {
    fn new(label: String) -> Self {
        Self {
            label,
            runs: Vec::new(),
        }
    }

    fn first_byte(&self) -> Duration {
        median(self.runs.iter().map(|r| r.first_byte).collect())
    }

    fn spread(&self) -> (Duration, Duration) {
        let times = self.runs.iter().map(|r| r.first_byte);
        (times.clone().min().unwrap(), times.max().unwrap())
    }

    fn peak_rss_kib(&self) -> u64 {
        median(self.runs.iter().map(|r| r.peak_rss_kib).collect())
    }

    fn request_bytes(&self) -> usize {
        median(self.runs.iter().map(|r| r.request_bytes).collect())
    }
}

fn set_compact_at(home: &Path, compact_at: Option<u64>) {
    let config = home.join("config.toml");
    match compact_at {
        Some(value) => std::fs::write(config, format!("[model]\ncompact_at = {value}\n")).unwrap(),
        None => {
            let _ = std::fs::remove_file(config);
        }
    }
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn main() {
    let big = env_number("SWITCHBOARD_BENCH_BIG", 1_000_000);
    let rounds = env_number("SWITCHBOARD_BENCH_ROUNDS", 15).max(1);
    let never = env_number("SWITCHBOARD_BENCH_NEVER", 0) == 1;
    let kept = std::env::var_os("SWITCHBOARD_BENCH_HOME").map(PathBuf::from);
    let scratch = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let home = kept.unwrap_or_else(|| scratch.path().to_owned());
    std::fs::create_dir_all(&home).unwrap();
    std::fs::set_permissions(&home, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let small_id = session(&home, 1_000);
    let big_id = session(&home, big);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let big_label = switchboard::text::thousands(big);
    let load_before = load();

    set_compact_at(&home, None);
    let mut small = Row::new("1,000 events".into());
    let mut shipped = Row::new(format!("{big_label} events (`compact_at` default)"));
    // One round of each to warm the page cache, not counted.
    run(&home, &listener, &small_id);
    run(&home, &listener, &big_id);
    for round in 0..rounds {
        // Which goes first alternates, so neither always follows the other's page-cache work.
        if round % 2 == 0 {
            small.runs.push(run(&home, &listener, &small_id));
            shipped.runs.push(run(&home, &listener, &big_id));
        } else {
            shipped.runs.push(run(&home, &listener, &big_id));
            small.runs.push(run(&home, &listener, &small_id));
        }
    }
    let mut rows = vec![small, shipped];
    if never {
        set_compact_at(&home, Some(0));
        let mut row = Row::new(format!(
            "{big_label} events, `compact_at = 0` (never compact)"
        ));
        run(&home, &listener, &big_id);
        row.runs = (0..rounds)
            .map(|_| run(&home, &listener, &big_id))
            .collect();
        set_compact_at(&home, None);
        rows.push(row);
    }

    println!(
        "\n`exec --session ID \"hello\"`: process start → first request byte, peak RSS then \
         (median of {rounds} rounds; load {load_before} before, {} after)\n",
        load()
    );
    println!("| session | first request byte | min–max | × 1k | peak RSS | × 1k | request |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let (base_time, base_rss) = (rows[0].first_byte(), rows[0].peak_rss_kib());
    for row in &rows {
        let (low, high) = row.spread();
        println!(
            "| {} | {} | {}–{} | {:.2} | {:.1} MB | {:.2} | {:.1} KB |",
            row.label,
            ms(row.first_byte()),
            ms(low),
            ms(high),
            row.first_byte().as_secs_f64() / base_time.as_secs_f64(),
            row.peak_rss_kib() as f64 / 1024.0,
            row.peak_rss_kib() as f64 / base_rss as f64,
            row.request_bytes() as f64 / 1024.0,
        );
    }
}
