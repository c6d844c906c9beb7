//! Several switchboard processes on one store at once: two writers appending concurrently and
//! readers listing while they write. Nobody hangs, nothing is lost.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic

mod support;

use std::process::Stdio;

use switchboard::ids::Seq;
use switchboard::store::{Store, StoreOptions};

#[test]
fn two_writers_and_a_reader_share_one_store() {
    let home = support::Home::new();
    home.gen_fixture(10); // the store exists before the race starts
    let spawn = |seed: &str| {
        home.command()
            .args(["debug", "gen-fixture", "--events", "20000", "--seed", seed])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn writer")
    };
    let a = spawn("1");
    let b = spawn("2");
    // Read while they write.
    for _ in 0..5 {
        let listed = home.ok(&["sessions", "list", "--json"]);
        let rows: serde_json::Value = serde_json::from_str(&listed).expect("json");
        assert!(!rows.as_array().expect("array").is_empty());
    }
    let mut ids = Vec::new();
    for child in [a, b] {
        let output = child.wait_with_output().expect("writer finishes");
        assert!(
            output.status.success(),
            "writer failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let stdout = String::from_utf8(output.stdout).expect("utf-8");
        let mut lines = stdout.lines();
        ids.push(lines.next().expect("id").to_owned());
        assert_eq!(lines.last(), Some("durable 20001"));
    }
    let store = Store::open(&home.store_file(), StoreOptions::default()).expect("open");
    for id in ids {
        let id = store.resolve(&id).expect("resolve");
        let events = store.events(id).expect("events");
        // A reader that ran after a writer exited mid-turn reconciled its session: one
        // `session.interrupted` more, never anything else.
        let reconciled = matches!(
            events.last().map(|e| &e.kind),
            Some(switchboard::event::EventKind::SessionInterrupted(_))
        );
        assert_eq!(events.len(), 20_001 + usize::from(reconciled));
        assert!(
            events
                .iter()
                .enumerate()
                .all(|(i, e)| e.seq == Seq(i as u64 + 1))
        );
        assert_eq!(
            store.resume(id).expect("resume").state,
            store.replay(id).expect("replay")
        );
    }
}

#[test]
fn a_headless_command_works_while_a_process_holds_the_store() {
    let home = support::Home::new();
    let id = home.gen_fixture(100);
    // This process keeps the store open (as the workstation would) ...
    let store = Store::open(&home.store_file(), StoreOptions::default()).expect("open");
    // ... while another process reads and forks.
    let shown: serde_json::Value =
        serde_json::from_str(&home.ok(&["sessions", "show", &id, "--json"])).expect("json");
    let interrupted = shown["status"] == "interrupted";
    assert_eq!(shown["events"], 101 + u64::from(interrupted), "{shown}");
    let fork = home.ok(&["sessions", "fork", &id, "--at", "50"]);
    let fork = store
        .resolve(fork.trim())
        .expect("fork visible to the holder");
    assert_eq!(
        store.meta(fork).expect("meta").parent.map(|p| p.seq),
        Some(Seq(50))
    );
}
