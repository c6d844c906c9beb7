//! Kill -9 at random moments while `debug gen-fixture` appends, round after round on one store.
//! After each kill the store must open, hold every event the child reported `durable`, have no
//! gaps, decode every event, and resume to the same state a full replay gives.
//!
//! `SWITCHBOARD_CRASH_ROUNDS` sets the number of rounds (default 20).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic

mod support;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use rand::{Rng, SeedableRng};
use switchboard::ids::Seq;
use switchboard::store::{Store, StoreOptions};

/// Generous: a loaded CI machine may take seconds to start a process and open a big store.
const LINE_TIMEOUT: Duration = Duration::from_secs(120);

struct Round {
    id: String,
    acknowledged: u64,
}

fn crash_once(home: &support::Home, rng: &mut impl Rng) -> Round {
    let mut child = home
        .command()
        .args([
            "debug",
            "gen-fixture",
            "--events",
            "100000000",
            "--payload-bytes",
        ])
        .arg(rng.random_range(16..400).to_string())
        .arg("--seed")
        .arg(rng.random::<u32>().to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn gen-fixture");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let id = rx.recv_timeout(LINE_TIMEOUT).expect("session id line");
    let kill_after = rng.random_range(1..40);
    let mut acknowledged = 0;
    for _ in 0..kill_after {
        let line = rx.recv_timeout(LINE_TIMEOUT).expect("durable line");
        acknowledged = parse_durable(&line);
    }
    // A random few hundred microseconds more, so kills also land mid-commit.
    std::thread::sleep(Duration::from_micros(rng.random_range(0..3000)));
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    reader.join().expect("reader");
    // Lines the child flushed before it died were acknowledged too.
    for line in rx.try_iter() {
        acknowledged = acknowledged.max(parse_durable(&line));
    }
    Round { id, acknowledged }
}

fn parse_durable(line: &str) -> u64 {
    line.strip_prefix("durable ")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected line {line:?}"))
}

#[test]
fn acknowledged_events_survive_sigkill() {
    let rounds: usize = std::env::var("SWITCHBOARD_CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let seed: u64 = rand::random();
    eprintln!("crash test: {rounds} rounds, seed {seed}");
    let mut rng = rand::rngs::SmallRng::seed_from_u64(seed);
    let home = support::Home::new();
    let mut history: Vec<Round> = Vec::new();
    for round in 0..rounds {
        history.push(crash_once(&home, &mut rng));
        let store = Store::open(&home.store_file(), StoreOptions::default())
            .unwrap_or_else(|e| panic!("round {round} (seed {seed}): store does not open: {e}"));
        // Every earlier round's session must still be whole, not only this one.
        for (i, done) in history.iter().enumerate() {
            let id = store.resolve(&done.id).expect("session exists");
            let meta = store.meta(id).expect("meta");
            assert!(
                meta.last_seq.0 >= done.acknowledged,
                "round {i} (seed {seed}): acknowledged {} but only {} stored",
                done.acknowledged,
                meta.last_seq
            );
            let mut expected = Seq(1);
            store
                .for_each_event(id, Seq::ZERO, meta.last_seq, |event, _| {
                    assert_eq!(event.seq, expected, "gap in round {i} (seed {seed})");
                    expected = expected.next();
                    Ok(())
                })
                .unwrap_or_else(|e| panic!("round {i} (seed {seed}): unreadable event: {e}"));
            assert_eq!(
                expected,
                meta.last_seq.next(),
                "round {i}: index ahead of events"
            );
            if i + 1 == history.len() {
                assert_eq!(
                    store.resume(id).expect("resume").state,
                    store.replay(id).expect("replay"),
                    "round {i} (seed {seed}): resume differs from replay"
                );
            }
        }
    }
}
