#![allow(clippy::unwrap_used, clippy::expect_used)]
//! A pane's history limit: older output is dropped in whole chunks, seqs stay unbroken, resume
//! and the last screen stay exact, `sessions show` says how much was dropped, and `store
//! compact` gives the space back.

mod support;

#[path = "support/pty_wait.rs"]
mod pty_wait;

use pty_wait::{Pane, TIMEOUT, spec};
use switchboard::event::{EventKind, SessionCreated, SessionKind};
use switchboard::pty::{PaneSize, ProgramExit, Recorder, SlotOptions, SlotStatus, replay_screen};
use switchboard::store::{Store, StoreOptions};

const LIMIT: u64 = 1024 * 1024;
const CHECKPOINT_EVERY: usize = 128 * 1024;

#[test]
fn old_output_is_dropped_whole_and_the_pane_still_resumes_exactly() {
    let home = support::Home::new();
    let options = StoreOptions {
        pane_history: Some(LIMIT),
        ..StoreOptions::default()
    };
    let store = Store::open(&home.store_file(), options).unwrap();
    let session = store
        .create_session(SessionCreated {
            kind: SessionKind::Pty,
            title: Some("flood".into()),
            cwd: home.path().display().to_string(),
            command: None,
            model: None,
            owner: None,
        })
        .unwrap();
    let slot_options = SlotOptions {
        recorder: Some(Recorder {
            store: store.clone(),
            session,
        }),
        screen_checkpoint_bytes: Some(CHECKPOINT_EVERY),
        ..SlotOptions::default()
    };
    // About 6 MB of base64 noise, then a line to recognise on the last screen.
    let script = "head -c 4500000 /dev/urandom | base64; echo the-end";
    let pane = Pane::spawn_with(
        spec(script, home.path(), PaneSize::new(12, 80)),
        slot_options,
    );
    assert_eq!(pane.wait_exit(), SlotStatus::Exited(ProgramExit::Code(0)));
    pane.slot.sync_recording(TIMEOUT).unwrap();
    let live = pane.slot.with_screen(|s| s.text());
    assert!(live.contains("the-end"), "{live}");

    let state = store.resume(session).unwrap().state;
    let dropped = store.dropped_output(session).unwrap();
    assert!(state.pty_bytes_out > 5_000_000, "{}", state.pty_bytes_out);
    assert!(dropped.bytes > 0 && dropped.chunks > 0, "{dropped:?}");
    let kept = state.pty_bytes_out - dropped.bytes;
    // Above the limit by at most the output after the last screen checkpoint and one chunk.
    assert!(
        kept <= LIMIT + CHECKPOINT_EVERY as u64 + switchboard::pty::MAX_CHUNK_RAW as u64,
        "kept {kept}"
    );

    // Seqs unbroken; dropped chunks are `pty.dropped` in their place, and say the same bytes.
    let events = store.events(session).unwrap();
    assert_eq!(events.len() as u64, state.last_seq.0);
    assert!(
        events
            .iter()
            .enumerate()
            .all(|(i, e)| e.seq.0 == i as u64 + 1)
    );
    let tombstones: u64 = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::PtyDropped(d) => Some(d.bytes),
            _ => None,
        })
        .sum();
    assert_eq!(tombstones, dropped.bytes);
    // Resume equals a full replay, and the last screen is exact.
    assert_eq!(
        store.resume(session).unwrap().state,
        store.replay(session).unwrap()
    );
    assert_eq!(replay_screen(&store, session).unwrap().text(), live);
    drop(pane);
    drop(store);

    let shown = home.ok(&["sessions", "show", &session.to_string()]);
    assert!(shown.contains("dropped ([store] pane_history)"), "{shown}");
    let json: serde_json::Value =
        serde_json::from_str(&home.ok(&["sessions", "show", &session.to_string(), "--json"]))
            .unwrap();
    assert_eq!(json["pty_dropped_bytes"], dropped.bytes);

    let size = |p: &std::path::Path| std::fs::metadata(p).unwrap().len();
    let before = size(&home.store_file());
    let compacted = home.ok(&["store", "compact"]);
    assert!(compacted.contains("given back"), "{compacted}");
    // The dropped chunks' pages are gone from the file.
    assert!(size(&home.store_file()) < before, "{compacted}");
    assert!(home.ok(&["store", "check"]).contains("healthy"));
}
