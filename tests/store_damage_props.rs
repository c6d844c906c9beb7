#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Stores damaged at random offsets: reading them never panics, a failed read leaves the file
//! as it was, and `store repair` keeps every event redb can still read and decode.

mod support;

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::OnceLock;

use proptest::prelude::*;
use redb::ReadableDatabase;
use support::damage::{EVENTS, all_events, build_store, damage};
use switchboard::ids::{Seq, SessionId};
use switchboard::store::{Store, StoreOptions, decode_event};

struct Healthy {
    bytes: Vec<u8>,
    events: BTreeMap<(u128, u64), Vec<u8>>,
}

fn healthy() -> &'static Healthy {
    static HEALTHY: OnceLock<Healthy> = OnceLock::new();
    HEALTHY.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.redb");
        build_store(&path);
        Healthy {
            bytes: std::fs::read(&path).unwrap(),
            events: all_events(&path),
        }
    })
}

/// Every original event that redb can still read from the damaged file by its key and that
/// decodes: what a repair must keep. Read on a copy (opening writes the header).
fn still_readable(
    damaged: &Path,
    keys: impl Iterator<Item = (u128, u64)>,
) -> BTreeMap<(u128, u64), Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("oracle.redb");
    std::fs::copy(damaged, &copy).unwrap();
    let opened = catch_unwind(|| {
        let mut builder = redb::Database::builder();
        builder.set_concurrency_mode(redb::ConcurrencyMode::MultiWriter);
        builder.open(&copy).ok()
    });
    let Ok(Some(db)) = opened else {
        return BTreeMap::new();
    };
    let mut out = BTreeMap::new();
    for key in keys {
        let got = catch_unwind(AssertUnwindSafe(|| {
            let txn = db.begin_read().ok()?;
            let table = txn.open_table(EVENTS).ok()?;
            let value = table.get(key).ok()??;
            Some(value.value().to_vec())
        }));
        if let Ok(Some(value)) = got
            && decode_event(SessionId(key.0), Seq(key.1), &value).is_ok()
        {
            out.insert(key, value);
        }
    }
    std::mem::forget(db);
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn damaged_stores_never_panic_and_repair_keeps_every_readable_event(
        position in 0.0f64..1.0,
        mask in proptest::collection::vec(1u8..=255, 1..24),
    ) {
        let healthy = healthy();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.redb");
        // One case in eight lands in redb's header page (magic number, two commit slots).
        let offset = if position < 0.125 {
            (position * 8.0 * 4096.0) as u64
        } else {
            4096 + (position * (healthy.bytes.len() - 4096) as f64) as u64
        };
        std::fs::write(&path, &healthy.bytes).unwrap();
        damage(&path, offset, &mask);
        let damaged = std::fs::read(&path).unwrap();

        // Reading through the store: errors are fine, panics are not; a damaged-store error
        // leaves the file byte for byte.
        let read = catch_unwind(|| {
            let store = Store::open(&path, StoreOptions::default())?;
            for meta in store.sessions()? {
                store.events(meta.id)?;
                store.resume(meta.id)?;
            }
            Ok::<(), switchboard::store::StoreError>(())
        });
        let read = read.map_err(|_| "a read panicked");
        prop_assert!(read.is_ok(), "{read:?}");
        if read.unwrap().is_err_and(|e| e.is_damaged()) {
            prop_assert!(std::fs::read(&path).unwrap() == damaged, "the damaged file changed");
        }

        let expected = still_readable(&path, healthy.events.keys().copied());
        let before_repair = std::fs::read(&path).unwrap();
        let repaired = catch_unwind(|| switchboard::store::repair(&path));
        prop_assert!(repaired.is_ok(), "repair panicked");
        if let Ok(Ok(report)) = repaired {
            let after = all_events(&path);
            for (key, value) in &expected {
                prop_assert_eq!(after.get(key), Some(value), "event {:?} was readable but not kept", key);
            }
            // Nothing is invented: a damaged value that still decodes is kept as read (the
            // oracle above), a key flipped to a session that never existed is dropped.
            for key in after.keys() {
                prop_assert!(
                    healthy.events.contains_key(key) || expected.contains_key(key),
                    "repair invented {:?}", key
                );
            }
            prop_assert!(std::fs::read(&report.kept).unwrap() == before_repair, "the kept copy differs");
        } else {
            prop_assert!(expected.is_empty(), "repair failed though {} events are readable", expected.len());
        }
    }
}
