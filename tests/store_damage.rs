#![allow(clippy::unwrap_used, clippy::expect_used)]
//! A damaged store through the real binary: one line naming the file and what to do, a
//! non-zero exit that is not a panic, the file left byte for byte; `store check` reports
//! without writing; `store repair` keeps a copy and recovers the rest.

mod support;

use support::Home;
use support::damage::{all_events, build_store, damage};
use switchboard::store::{Store, StoreOptions};

/// Damages the entry offsets of the page holding the session index (found by a title it
/// stores; the page type byte is left, so redb still opens the file) and returns the
/// damaged bytes: `sessions list` has to read it.
fn damage_the_session_index(home: &Home) -> Vec<u8> {
    let path = home.store_file();
    let healthy = std::fs::read(&path).unwrap();
    let needle = b"agent 2";
    let pages: Vec<u64> = healthy
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| w == needle)
        .map(|(i, _)| i as u64 / 4096)
        .collect();
    // Tried on a scratch copy: a damaged store opened here stays open until this test ends,
    // and the binary leaves a file that another process has open as it is.
    let scratch_dir = tempfile::tempdir().unwrap();
    let scratch = scratch_dir.path().join("store.redb");
    for page in pages.into_iter().rev() {
        std::fs::write(&scratch, &healthy).unwrap();
        damage(&scratch, page * 4096 + 4, &[0xa5; 8]);
        let damaged = std::fs::read(&scratch).unwrap();
        let listed = Store::open(&scratch, StoreOptions::default()).and_then(|s| s.sessions());
        if listed.as_ref().is_err_and(|e| e.is_damaged()) {
            std::fs::write(&path, &damaged).unwrap();
            return damaged;
        }
    }
    panic!("no page of the store is on the way of `sessions list`");
}

#[test]
fn a_damaged_store_gives_one_line_and_is_left_untouched() {
    let home = Home::new();
    build_store(&home.store_file());
    let before = all_events(&home.store_file());
    let damaged = damage_the_session_index(&home);

    let output = home.run(&["sessions", "list"]);
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains(home.store_file().to_str().unwrap()),
        "{stderr}"
    );
    assert!(stderr.contains("store repair"), "{stderr}");
    assert!(
        std::fs::read(home.store_file()).unwrap() == damaged,
        "the file changed"
    );

    // check: a report, a failing exit, and the file as it was.
    let output = home.run(&["store", "check"]);
    let report = String::from_utf8_lossy(&output.stdout).to_string();
    assert_eq!(output.status.code(), Some(1), "{report}");
    assert!(report.contains("damaged"), "{report}");
    assert!(report.contains("store repair"), "{report}");
    assert!(
        std::fs::read(home.store_file()).unwrap() == damaged,
        "the file changed"
    );

    // repair: the damaged file kept, the rest recovered, and the store usable again.
    let said = home.ok(&["store", "repair"]);
    assert!(said.contains("sessions and"), "{said}");
    let kept = std::fs::read_dir(home.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("store.redb.damaged-"))
        .expect("a copy of the damaged file");
    assert!(
        std::fs::read(&kept).unwrap() == damaged,
        "the kept copy differs"
    );
    let after = all_events(&home.store_file());
    assert!(!after.is_empty());
    for (key, value) in &after {
        assert_eq!(before.get(key), Some(value), "repair invented {key:?}");
    }
    let listed = home.ok(&["sessions", "list"]);
    assert!(listed.lines().count() > 1, "{listed}");
    let output = home.run(&["store", "check"]);
    assert!(output.status.success(), "{output:?}");
}

#[test]
fn check_and_repair_of_a_healthy_store_lose_nothing() {
    let home = Home::new();
    build_store(&home.store_file());
    let before = all_events(&home.store_file());
    let report = home.ok(&["store", "check"]);
    assert!(report.contains("healthy"), "{report}");
    assert!(
        report.contains(&format!("events       {} readable", before.len())),
        "{report}"
    );
    let said = home.ok(&["store", "repair"]);
    assert!(
        said.contains(&format!("5 sessions and {} events survived", before.len())),
        "{said}"
    );
    assert!(all_events(&home.store_file()) == before, "events changed");
}

#[test]
fn repair_and_compact_refuse_a_store_in_use() {
    let home = Home::new();
    build_store(&home.store_file());
    // This test process holds the store open, as a workstation would.
    let holder = Store::open(&home.store_file(), StoreOptions::default()).unwrap();
    for command in ["repair", "compact"] {
        let message = home.fails(&["store", command]);
        assert!(message.contains("is held by"), "{message}");
    }
    // check works beside a live store.
    assert!(home.ok(&["store", "check"]).contains("healthy"));
    drop(holder);
    let said = home.ok(&["store", "compact"]);
    assert!(said.contains("given back"), "{said}");
}

#[test]
fn repair_reads_the_pages_when_redb_cannot_open_the_file() {
    let home = Home::new();
    build_store(&home.store_file());
    let before = all_events(&home.store_file());
    let healthy = std::fs::read(home.store_file()).unwrap();
    // A page redb reads while opening: with its type byte gone, no open succeeds.
    let scratch_dir = tempfile::tempdir().unwrap();
    let scratch = scratch_dir.path().join("store.redb");
    let pages = healthy.len() as u64 / 4096;
    let page = (1..pages)
        .rev()
        .find(|page| {
            std::fs::write(&scratch, &healthy).unwrap();
            damage(&scratch, page * 4096, &[0xa5; 8]);
            switchboard::store::check(&scratch).is_ok_and(|r| {
                r.salvage.events.kept == 0
                    && matches!(r.engine, switchboard::store::EngineVerdict::Damaged(_))
            })
        })
        .expect("a page every open reads");
    std::fs::write(home.store_file(), &healthy).unwrap();
    damage(&home.store_file(), page * 4096, &[0xa5; 8]);

    let said = home.ok(&["store", "repair"]);
    assert!(said.contains("read one by one"), "{said}");
    let after = all_events(&home.store_file());
    for (key, value) in &after {
        assert_eq!(before.get(key), Some(value), "repair invented {key:?}");
    }
    // At most the damaged page's own entries are missing.
    assert!(
        after.len() * 10 >= before.len() * 9,
        "{} of {}",
        after.len(),
        before.len()
    );
    let listed = home.ok(&["sessions", "list"]);
    assert_eq!(listed.lines().count(), 1 + 5, "{listed}");
    assert!(home.ok(&["store", "check"]).contains("healthy"));
}
