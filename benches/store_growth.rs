//! Growth and memory of the store under PTY floods, measured on one machine in one run:
//!
//! 1. `cat /dev/urandom | base64` and `yes` in a recorded pane (120×40, 10,000-line
//!    scrollback) for a fixed time: output recorded, its ingest rate, the store's size on disk
//!    (allocated blocks, what `du` reports) and apparent size per recorded byte, and the peak
//!    RSS of this process, which owns the pane, its parser, the recorder and the store;
//! 2. the same floods unrecorded, for the ingest rate recording costs;
//! 3. the base64 flood again under the default `[store] pane_history` (256 MiB): the size the
//!    store settles at.
//!
//! `cargo bench --bench store_growth` (`SWITCHBOARD_BENCH_FLOOD_SECS` sets the flood length,
//! default 30 s; `SWITCHBOARD_BENCH_ONLY=base64|yes` runs one flood).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic

mod support;

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::{Duration, Instant};

use support::procfs;
use switchboard::event::{SessionCreated, SessionKind};
use switchboard::pty::{PaneSize, PtySlot, Recorder, SlotOptions, SpawnSpec, pane_wakeups};
use switchboard::store::{DEFAULT_PANE_HISTORY, Store, StoreOptions};

const SIZE: PaneSize = PaneSize::new(40, 120);
const SCROLLBACK: usize = 10_000;
/// How often the consumer looks at the pane, as the workstation's frame loop would.
const FRAME: Duration = Duration::from_millis(16);
/// The unrecorded baseline is shorter: its rate settles within seconds.
const BASELINE_SECS: u64 = 10;

const FLOODS: [(&str, &str); 2] = [("base64", "cat /dev/urandom | base64"), ("yes", "yes")];

struct Run {
    secs: f64,
    parsed: u64,
    recorded: u64,
    on_disk: u64,
    apparent: u64,
    peak_rss: u64,
    dropped: u64,
}

fn rss_bytes() -> u64 {
    procfs::status_kib(std::process::id(), "VmRSS") * 1024
}

fn flood(command: &str, dir: &Path, secs: u64, record: Option<Option<u64>>) -> Run {
    let store_path = dir.join("store.redb");
    let store = record.map(|pane_history| {
        let options = StoreOptions {
            pane_history,
            ..StoreOptions::default()
        };
        let store = Store::open(&store_path, options).unwrap();
        let session = store
            .create_session(SessionCreated {
                kind: SessionKind::Pty,
                title: Some(command.to_owned()),
                cwd: dir.display().to_string(),
                command: Some(command.to_owned()),
                model: None,
                owner: None,
            })
            .unwrap();
        (store, session)
    });
    let (waker, wakeups) = pane_wakeups();
    let mut spec = SpawnSpec::command(command, dir);
    spec.size = SIZE;
    spec.scrollback_lines = SCROLLBACK;
    let slot = PtySlot::spawn(
        spec,
        SlotOptions {
            waker: Some(waker),
            recorder: store.as_ref().map(|(store, session)| Recorder {
                store: store.clone(),
                session: *session,
            }),
            ..SlotOptions::default()
        },
    );
    let start = Instant::now();
    let deadline = start + Duration::from_secs(secs);
    let mut peak_rss = rss_bytes();
    while Instant::now() < deadline {
        wakeups.wait_timeout(Duration::from_millis(100));
        slot.take_changed();
        peak_rss = peak_rss.max(rss_bytes());
        std::thread::sleep(FRAME);
    }
    slot.kill();
    slot.wait_exit(Duration::from_secs(30));
    let elapsed = start.elapsed().as_secs_f64();
    let parsed = slot.output_bytes();
    let (recorded, dropped) = match &store {
        Some((store, session)) => {
            slot.sync_recording(Duration::from_secs(120)).unwrap();
            assert_eq!(slot.recording_error(), None);
            let state = store.resume(*session).unwrap().state;
            let dropped = store.dropped_output(*session).unwrap().bytes;
            (state.pty_bytes_out, dropped)
        }
        None => (0, 0),
    };
    peak_rss = peak_rss.max(rss_bytes());
    drop(slot);
    drop(store);
    let (on_disk, apparent) = std::fs::metadata(&store_path)
        .map(|m| (m.blocks() * 512, m.len()))
        .unwrap_or((0, 0));
    Run {
        secs: elapsed,
        parsed,
        recorded,
        on_disk,
        apparent,
        peak_rss,
        dropped,
    }
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

fn main() {
    let secs: u64 = std::env::var("SWITCHBOARD_BENCH_FLOOD_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let only = std::env::var("SWITCHBOARD_BENCH_ONLY").ok();
    let floods: Vec<_> = FLOODS
        .iter()
        .filter(|(name, _)| only.as_deref().is_none_or(|o| o == *name))
        .collect();

    println!("### Recorded floods: {secs} s each, 120×40 pane, 10,000-line scrollback\n");
    println!(
        "| flood | recorded | ingest recorded | ingest unrecorded | on disk (`du`) | on disk / recorded | apparent / recorded | peak RSS |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (_, command) in &floods {
        let dir = tempfile::tempdir().unwrap();
        let recorded = flood(command, dir.path(), secs, Some(None));
        let base_dir = tempfile::tempdir().unwrap();
        let baseline = flood(command, base_dir.path(), BASELINE_SECS.min(secs), None);
        println!(
            "| `{}` | {:.0} MB | {:.1} MB/s | {:.1} MB/s | {:.1} MB | {:.3}× | {:.3}× | {:.0} MB |",
            // A pipe inside a table cell ends the cell unless escaped.
            command.replace('|', "\\|"),
            mb(recorded.recorded),
            mb(recorded.parsed) / recorded.secs,
            mb(baseline.parsed) / baseline.secs,
            mb(recorded.on_disk),
            recorded.on_disk as f64 / recorded.recorded.max(1) as f64,
            recorded.apparent as f64 / recorded.recorded.max(1) as f64,
            mb(recorded.peak_rss),
        );
    }

    if floods.iter().any(|(name, _)| *name == "base64") {
        println!(
            "\n### `cat /dev/urandom | base64` for {secs} s under the default pane_history ({} MiB)\n",
            DEFAULT_PANE_HISTORY >> 20
        );
        println!("| recorded | dropped | on disk (`du`) | apparent | peak RSS |");
        println!("|---:|---:|---:|---:|---:|");
        let dir = tempfile::tempdir().unwrap();
        let run = flood(
            FLOODS[0].1,
            dir.path(),
            secs,
            Some(Some(DEFAULT_PANE_HISTORY)),
        );
        println!(
            "| {:.0} MB | {:.0} MB | {:.1} MB | {:.1} MB | {:.0} MB |",
            mb(run.recorded),
            mb(run.dropped),
            mb(run.on_disk),
            mb(run.apparent),
            mb(run.peak_rss),
        );
    }
}
