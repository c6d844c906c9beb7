//! Store benchmarks, all measured in one run on one machine (see docs/BENCHMARKS.md):
//!
//! 1. durable append throughput: group commit vs one durable commit per event vs a JSON Lines
//!    file with fsync per line;
//! 2. resume of a 1,000,000-event session vs a 1,000-event one (in-process and `sessions show`);
//! 3. fork of a 1,000,000-event session vs a 1,000-event one.
//!
//! `cargo bench --bench store` (set `SWITCHBOARD_BENCH_BIG` to change the big session's size).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic

mod stats;

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use stats::{Samples, median_rate, ms, per_sec, rate};
use switchboard::event::{EventKind, SessionCreated, SessionKind};
use switchboard::fixture::SyntheticEvents;
use switchboard::ids::{SessionId, Timestamp};
use switchboard::store::{Store, StoreOptions};

const ROUNDS: usize = 5;

fn created() -> SessionCreated {
    SessionCreated {
        kind: SessionKind::Agent,
        title: Some("bench".into()),
        cwd: "/bench".into(),
        command: None,
        model: None,
        owner: None,
    }
}

fn events(count: usize) -> Vec<EventKind> {
    SyntheticEvents::new(42, 64).take(count).collect()
}

/// Pipelined appends from one producer, 64 events a request: the gen-fixture / PTY pattern.
fn group_commit_pipelined(dir: &Path, kinds: &[EventKind]) -> f64 {
    let store = Store::open(&dir.join("group.redb"), StoreOptions::default()).expect("open");
    let id = store.create_session(created()).expect("create");
    let start = Instant::now();
    let pendings: Vec<_> = kinds
        .chunks(64)
        .map(|chunk| store.append(id, chunk.to_vec()).expect("queue"))
        .collect();
    for pending in pendings {
        pending.wait().expect("durable");
    }
    rate(kinds.len() as u64, start.elapsed())
}

/// Many concurrent appenders, each waiting for its own event to be durable before the next:
/// the interactive pattern (many slots, each needing its ack).
fn group_commit_concurrent(dir: &Path, appenders: usize, per_appender: usize) -> f64 {
    let store = Store::open(&dir.join("concurrent.redb"), StoreOptions::default()).expect("open");
    let ids: Vec<SessionId> = (0..appenders)
        .map(|_| store.create_session(created()).expect("create"))
        .collect();
    let start = Instant::now();
    std::thread::scope(|scope| {
        for id in &ids {
            let store = store.clone();
            scope.spawn(move || {
                for kind in SyntheticEvents::new(id.0 as u64, 64).take(per_appender) {
                    store.append_durable(*id, vec![kind]).expect("durable");
                }
            });
        }
    });
    rate((appenders * per_appender) as u64, start.elapsed())
}

/// One durable transaction per event, waited on one at a time.
fn commit_per_event(dir: &Path, kinds: &[EventKind]) -> f64 {
    let store = Store::open(&dir.join("single.redb"), StoreOptions::default()).expect("open");
    let id = store.create_session(created()).expect("create");
    let start = Instant::now();
    for kind in kinds {
        store
            .append_durable(id, vec![kind.clone()])
            .expect("durable");
    }
    rate(kinds.len() as u64, start.elapsed())
}

/// The same events as JSON Lines, fsync after every line.
fn jsonl_fsync_per_line(dir: &Path, kinds: &[EventKind]) -> f64 {
    let mut file = std::fs::File::create(dir.join("events.jsonl")).expect("create");
    let start = Instant::now();
    for (seq, kind) in kinds.iter().enumerate() {
        let line = serde_json::json!({
            "seq": seq + 1,
            "at": Timestamp::now().0,
            "kind": kind.tag(),
            "data": kind.body_json(),
        });
        serde_json::to_writer(&mut file, &line).expect("write");
        file.write_all(b"\n").expect("write");
        file.sync_all().expect("fsync");
    }
    rate(kinds.len() as u64, start.elapsed())
}

fn append_throughput() {
    println!("## durable append throughput (median of {ROUNDS} rounds)\n");
    let big = events(200_000);
    let small = events(2_000);
    let (mut group, mut concurrent, mut single, mut jsonl) = (vec![], vec![], vec![], vec![]);
    for _ in 0..ROUNDS {
        let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir");
        group.push(group_commit_pipelined(dir.path(), &big));
        concurrent.push(group_commit_concurrent(dir.path(), 32, 200));
        single.push(commit_per_event(dir.path(), &small));
        jsonl.push(jsonl_fsync_per_line(dir.path(), &small));
    }
    let (group, concurrent, single, jsonl) = (
        median_rate(group),
        median_rate(concurrent),
        median_rate(single),
        median_rate(jsonl),
    );
    println!("| method | durable events/s | vs JSONL+fsync |");
    println!("|---|---:|---:|");
    for (name, value) in [
        ("group commit, pipelined (200k events, 64/request)", group),
        (
            "group commit, 32 appenders each awaiting every event",
            concurrent,
        ),
        ("one durable commit per event (2k events)", single),
        ("JSON Lines, fsync per line (2k events)", jsonl),
    ] {
        println!("| {name} | {} | {:.1}× |", per_sec(value), value / jsonl);
    }
    println!();
}

/// A store with one session of `count` events, appended pipelined.
fn build_session(store: &Store, count: usize) -> SessionId {
    let id = store.create_session(created()).expect("create");
    let mut stream = SyntheticEvents::new(7, 64);
    let mut remaining = count - 1;
    let mut pendings = Vec::new();
    while remaining > 0 {
        let take = remaining.min(1024);
        pendings.push(
            store
                .append(id, stream.by_ref().take(take).collect())
                .expect("queue"),
        );
        remaining -= take;
        if pendings.len() > 256 {
            for pending in pendings.drain(..) {
                pending.wait().expect("durable");
            }
        }
    }
    for pending in pendings {
        pending.wait().expect("durable");
    }
    id
}

fn resume_and_fork() {
    let big_count: usize = std::env::var("SWITCHBOARD_BENCH_BIG")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir");
    let home = dir.path();
    let store_path = home.join("store.redb");
    let (small, big) = {
        let store = Store::open(&store_path, StoreOptions::default()).expect("open");
        let started = Instant::now();
        let big = build_session(&store, big_count);
        let built = started.elapsed();
        let small = build_session(&store, 1_000);
        println!(
            "_built a {big_count}-event session in {:.1} s ({}); store file {} MB_\n",
            built.as_secs_f64(),
            per_sec(rate(big_count as u64, built)),
            std::fs::metadata(&store_path).expect("meta").len() / 1_000_000
        );
        (small, big)
    };

    println!("## resume: {big_count} events vs 1,000 events\n");
    println!("| measurement | 1k events median | big median | big p99 | big / small |");
    println!("|---|---:|---:|---:|---:|");
    let store = Store::open(&store_path, StoreOptions::default()).expect("open");
    let resume = |id: SessionId| {
        Samples::collect(200, || {
            store.resume(id).expect("resume");
        })
    };
    report(
        "in-process resume (checkpoint + tail)",
        &resume(small),
        &resume(big),
    );

    let open_resume = |id: SessionId| {
        Samples::collect(50, || {
            let store = Store::open(&store_path, StoreOptions::default()).expect("open");
            store.resume(id).expect("resume");
        })
    };
    drop(store);
    report(
        "open store + resume",
        &open_resume(small),
        &open_resume(big),
    );

    let show = |id: SessionId| {
        Samples::collect(30, || {
            let output = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
                .args(["sessions", "show", &id.to_string()])
                .env("SWITCHBOARD_HOME", home)
                .output()
                .expect("run");
            assert!(output.status.success());
        })
    };
    report(
        "`switchboard sessions show` (whole process)",
        &show(small),
        &show(big),
    );
    println!();

    println!("## fork: {big_count} events vs 1,000 events (durable)\n");
    println!("| measurement | 1k events median | big median | big p99 | big / small |");
    println!("|---|---:|---:|---:|---:|");
    let store = Store::open(&store_path, StoreOptions::default()).expect("open");
    let fork = |id: SessionId| {
        Samples::collect(50, || {
            store.fork(id, None).expect("fork");
        })
    };
    report("fork at the last event", &fork(small), &fork(big));
    let mid = switchboard::ids::Seq(big_count as u64 / 2);
    let fork_mid = Samples::collect(50, || {
        store.fork(big, Some(mid)).expect("fork");
    });
    println!(
        "| fork at the middle ({mid}) | – | {} | {} | – |",
        ms(fork_mid.median()),
        ms(fork_mid.p99())
    );
    println!();
}

fn report(name: &str, small: &Samples, big: &Samples) {
    println!(
        "| {name} | {} | {} | {} | {:.2}× |",
        ms(small.median()),
        ms(big.median()),
        ms(big.p99()),
        big.median().as_secs_f64() / small.median().as_secs_f64().max(1e-9)
    );
}

fn main() {
    // `cargo test --benches` runs bench binaries with `--bench` absent; keep that quick.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let started = Instant::now();
    append_throughput();
    resume_and_fork();
    eprintln!(
        "store bench took {:?}",
        Duration::from_secs(started.elapsed().as_secs())
    );
}
