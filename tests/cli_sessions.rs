//! `switchboard sessions …` and bad input, through the real binary.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic

mod support;

use redb::{ReadableDatabase, TableDefinition};

#[test]
fn list_show_export_fork_round_trip() {
    let home = support::Home::new();
    assert!(home.ok(&["sessions", "list"]).contains("no sessions yet"));
    let id = home.gen_fixture(300);

    let listed = home.ok(&["sessions", "list"]);
    assert!(listed.contains(&id[..8]), "{listed}");

    let shown: serde_json::Value =
        serde_json::from_str(&home.ok(&["sessions", "show", &id[..13], "--json"])).expect("json");
    for field in [
        "id",
        "title",
        "created_at",
        "updated_at",
        "last_seq",
        "events",
        "status",
        "parent",
    ] {
        assert!(
            shown.get(field).is_some(),
            "show --json lacks {field}: {shown}"
        );
    }
    assert_eq!(shown["id"], id);
    // 300 synthetic events after the creation, plus `session.interrupted` when the stream
    // stopped mid-turn (gen-fixture exited owning a running session; the next command
    // reconciles it).
    let total = shown["events"].as_u64().expect("events") as usize;
    let interrupted = shown["status"] == "interrupted";
    assert_eq!(total, 301 + usize::from(interrupted), "{shown}");
    assert_eq!(shown["parent"], serde_json::Value::Null);

    let export = home.ok(&["sessions", "export", &id]);
    let lines: Vec<serde_json::Value> = export
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(lines.len(), total);
    assert_eq!(lines[0]["kind"], "session.created");
    assert!(
        lines
            .iter()
            .enumerate()
            .all(|(i, l)| l["seq"] == i as u64 + 1)
    );

    let fork: serde_json::Value =
        serde_json::from_str(&home.ok(&["sessions", "fork", &id, "--at", "120", "--json"]))
            .expect("json");
    let fork_id = fork["id"].as_str().expect("id").to_owned();
    assert_eq!(fork["parent"]["id"], id);
    assert_eq!(fork["parent"]["seq"], 120);
    let fork_show: serde_json::Value =
        serde_json::from_str(&home.ok(&["sessions", "show", &fork_id, "--json"])).expect("json");
    assert_eq!(fork_show["parent"]["seq"], 120);
    // The parent's 120, `session.forked`, and a title that says what the fork is.
    assert_eq!(fork_show["events"], 122);
    assert!(
        fork_show["title"]
            .as_str()
            .is_some_and(|t| t.ends_with(")") && t.contains(" (fork at turn ")),
        "{fork_show}"
    );

    let fork_export: Vec<serde_json::Value> = home
        .ok(&["sessions", "export", &fork_id])
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(fork_export.len(), 122);
    assert!(
        fork_export[..120]
            .iter()
            .all(|l| l["inherited"] == true && l["origin"] == id)
    );
    assert_eq!(fork_export[120]["kind"], "session.forked");
    assert!(fork_export[120].get("inherited").is_none());
    assert_eq!(fork_export[121]["kind"], "session.renamed");
    // Inherited events are the parent's, unchanged.
    for (a, b) in fork_export[..120].iter().zip(&lines[..120]) {
        assert_eq!(a["data"], b["data"]);
        assert_eq!(a["seq"], b["seq"]);
    }

    // Plain `fork` prints just the new id.
    let plain = home.ok(&["sessions", "fork", &fork_id]);
    assert_eq!(plain.trim().len(), 36);
}

#[test]
fn bad_ids_get_one_line_errors() {
    let home = support::Home::new();
    let a = home.gen_fixture(1);
    home.gen_fixture(1);
    assert!(
        home.fails(&["sessions", "show", "ffffffff"])
            .contains("no session matches 'ffffffff'")
    );
    assert!(
        home.fails(&["sessions", "show", "zz-top"])
            .contains("is not a session id")
    );
    let shared: String = a.chars().take(2).collect();
    let ambiguous = home.fails(&["sessions", "export", &shared]);
    assert!(
        ambiguous.contains("matches several sessions"),
        "{ambiguous}"
    );
    assert!(
        home.fails(&["sessions", "fork", &a, "--at", "99"])
            .contains("has no event 99")
    );
    assert!(
        home.fails(&["sessions", "fork", &a, "--at", "0"])
            .contains("has no event 0")
    );
}

#[test]
fn a_foreign_file_is_refused_and_left_intact() {
    let home = support::Home::new();
    let garbage: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(home.store_file(), &garbage).expect("write");
    let message = home.fails(&["sessions", "list"]);
    assert!(message.contains("is not a switchboard store"), "{message}");
    assert_eq!(std::fs::read(home.store_file()).expect("read"), garbage);

    // A tiny file (shorter than a redb header) too.
    std::fs::write(home.store_file(), b"hello").expect("write");
    assert!(
        home.fails(&["sessions", "list"])
            .contains("is not a switchboard store")
    );
    assert_eq!(std::fs::read(home.store_file()).expect("read"), b"hello");
}

#[test]
fn another_programs_redb_file_is_refused() {
    let home = support::Home::new();
    {
        let db = redb::Database::create(home.store_file()).expect("create");
        let txn = db.begin_write().expect("txn");
        {
            let table: TableDefinition<&str, u64> = TableDefinition::new("their_data");
            let mut t = txn.open_table(table).expect("table");
            t.insert("k", 1).expect("insert");
        }
        txn.commit().expect("commit");
    }
    let message = home.fails(&["sessions", "list"]);
    assert!(
        message.contains("not a switchboard store") && message.contains("their_data"),
        "{message}"
    );
    let db = redb::Database::open(home.store_file()).expect("still a valid redb file");
    let txn = db.begin_read().expect("read");
    let table: TableDefinition<&str, u64> = TableDefinition::new("their_data");
    assert_eq!(
        txn.open_table(table)
            .expect("table")
            .get("k")
            .expect("get")
            .map(|v| v.value()),
        Some(1)
    );
}

#[test]
fn a_store_from_a_newer_schema_is_refused() {
    let home = support::Home::new();
    let id = home.gen_fixture(5);
    let info: TableDefinition<&str, u64> = TableDefinition::new("store_info");
    {
        let db = redb::Database::builder()
            .set_concurrency_mode(redb::ConcurrencyMode::MultiWriter)
            .open(home.store_file())
            .expect("open");
        let txn = db.begin_write().expect("txn");
        txn.open_table(info)
            .expect("table")
            .insert("schema", 99)
            .expect("insert");
        txn.commit().expect("commit");
    }
    let message = home.fails(&["sessions", "show", &id]);
    assert!(
        message.contains("newer switchboard (schema 99"),
        "{message}"
    );
    // Nothing was rewritten: the marker is still the newer one and the events are there.
    let db = redb::Database::builder()
        .set_concurrency_mode(redb::ConcurrencyMode::MultiWriter)
        .open(home.store_file())
        .expect("open");
    let txn = db.begin_read().expect("read");
    assert_eq!(
        txn.open_table(info)
            .expect("table")
            .get("schema")
            .expect("get")
            .map(|v| v.value()),
        Some(99)
    );
    let events: TableDefinition<(u128, u64), &[u8]> = TableDefinition::new("events");
    assert_eq!(
        redb::ReadableTableMetadata::len(&txn.open_table(events).expect("events")).expect("len"),
        6
    );
}

#[test]
fn a_full_disk_fails_cleanly_and_keeps_what_was_acknowledged() {
    let home = support::Home::new();
    let id = home.gen_fixture(50);
    let size_kib = std::fs::metadata(home.store_file()).expect("meta").len() / 1024;
    // A file-size limit a little above the current size stands in for a full disk: writes past
    // it fail with EFBIG (SIGXFSZ is ignored, as `trap '' XFSZ` is inherited through exec).
    let script = format!(
        "trap '' XFSZ; ulimit -f {}; exec \"$0\" debug gen-fixture --events 2000000 --payload-bytes 300",
        size_kib + 512
    );
    let output = std::process::Command::new("bash")
        .args(["-c", &script, support::bin().to_str().expect("utf-8 path")])
        .env("SWITCHBOARD_HOME", home.path())
        .output()
        .expect("run bash");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no space left"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let acknowledged: u64 = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("durable ").and_then(|n| n.parse().ok()))
        .max()
        .unwrap_or(0);
    let new_id = stdout.lines().next().unwrap_or_default().to_owned();

    // The store opens, the old session is whole, and every acknowledged event is there.
    let shown: serde_json::Value =
        serde_json::from_str(&home.ok(&["sessions", "show", &id, "--json"])).expect("json");
    let interrupted = shown["status"] == "interrupted";
    assert_eq!(shown["events"], 51 + u64::from(interrupted));
    if !new_id.is_empty() {
        let shown: serde_json::Value =
            serde_json::from_str(&home.ok(&["sessions", "show", &new_id, "--json"])).expect("json");
        assert!(shown["events"].as_u64().expect("events") >= acknowledged);
        let exported = home.ok(&["sessions", "export", &new_id]);
        assert_eq!(
            exported.lines().count() as u64,
            shown["events"].as_u64().expect("events")
        );
    }
}

#[test]
fn a_broken_config_is_one_line() {
    let home = support::Home::new();
    std::fs::write(
        home.path().join("config.toml"),
        "[store]\ncheckpoint_every = \"often\"\n",
    )
    .expect("write");
    let message = home.fails(&["sessions", "list"]);
    assert!(message.contains("config.toml: line 2"), "{message}");
}

#[test]
fn sessions_of_dead_owners_are_marked_interrupted_and_live_ones_left_alone() {
    use std::io::{BufRead, BufReader};
    let home = support::Home::new();
    // Three events: a prompt, its turn starting and a response starting: mid-turn.
    let mut child = home
        .command()
        .args(["debug", "gen-fixture", "--events", "3", "--hold"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let id = lines.next().expect("id").expect("line");
    for line in lines.by_ref() {
        if line.expect("line") == "holding" {
            break;
        }
    }
    // The owner is alive: another process leaves the session alone.
    let show = |home: &support::Home| -> serde_json::Value {
        serde_json::from_str(&home.ok(&["sessions", "show", &id, "--json"])).expect("json")
    };
    assert_eq!(show(&home)["status"], "running");
    assert_eq!(show(&home)["events"], 4);
    child.kill().expect("kill");
    child.wait().expect("reap");
    let after = show(&home);
    assert_eq!(after["status"], "interrupted");
    assert!(
        after["last_error"]
            .as_str()
            .expect("reason")
            .contains("ended while the session was running")
    );
    assert_eq!(after["events"], 5);
    // Reconciling again changes nothing.
    assert_eq!(show(&home)["events"], 5);
    let export = home.ok(&["sessions", "export", &id]);
    assert!(
        export
            .lines()
            .last()
            .expect("last")
            .contains("\"kind\":\"session.interrupted\"")
    );
}

#[test]
fn fork_by_turn_cuts_after_the_turn_ends() {
    let home = support::Home::new();
    let id = home.gen_fixture(700);
    let fork: serde_json::Value =
        serde_json::from_str(&home.ok(&["sessions", "fork", &id, "--turn", "2", "--json"]))
            .expect("json");
    let cut = fork["parent"]["seq"].as_u64().expect("seq");
    // The cut is turn 2's `turn.ended`, the second one in the export.
    let export = home.ok(&["sessions", "export", &id]);
    let ends: Vec<u64> = export
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("json"))
        .filter(|l| l["kind"] == "turn.ended")
        .map(|l| l["seq"].as_u64().expect("seq"))
        .collect();
    assert_eq!(cut, ends[1]);
    assert!(
        home.fails(&["sessions", "fork", &id, "--turn", "99"])
            .contains("has no turn 99")
    );
}

#[test]
fn sessions_created_in_the_same_millisecond_get_distinct_short_ids() {
    use switchboard::event::{EventKind, SessionCreated, SessionKind};
    use switchboard::ids::SessionId;
    use switchboard::store::{Store, StoreOptions};

    let home = support::Home::new();
    // Two ids sharing the 48-bit millisecond timestamp (and everything but the random tail),
    // as two `--slot` flags produce.
    let first = SessionId::new();
    let second = SessionId(first.0 ^ 0x5);
    let third = SessionId(first.0 ^ (1u128 << 100)); // another minute: short as can be
    {
        let store = Store::open(&home.store_file(), StoreOptions::default()).unwrap();
        for id in [first, second, third] {
            let created = SessionCreated {
                kind: SessionKind::Pty,
                title: Some(format!("pane {id}")),
                cwd: "/".into(),
                command: Some("bash".into()),
                model: None,
                owner: None,
            };
            store
                .append_durable(id, vec![EventKind::SessionCreated(created)])
                .unwrap();
        }
    }

    let listed = home.ok(&["sessions", "list"]);
    let shorts: Vec<String> = listed
        .lines()
        .skip(1)
        .map(|line| line.split_whitespace().next().unwrap().to_owned())
        .collect();
    assert_eq!(shorts.len(), 3, "{listed}");
    let unique: std::collections::HashSet<_> = shorts.iter().collect();
    assert_eq!(unique.len(), 3, "short ids collide: {listed}");
    for short in &shorts {
        assert!(short.chars().filter(|c| *c != '-').count() >= 8, "{short}");
        // Each short id names exactly its own session.
        let shown: serde_json::Value =
            serde_json::from_str(&home.ok(&["sessions", "show", short, "--json"])).unwrap();
        assert!(
            shown["id"].as_str().unwrap().starts_with(short.as_str()),
            "{short} → {shown}"
        );
    }
    let third_short = third.to_string()[..8].to_owned();
    assert!(shorts.contains(&third_short), "{listed}");
}
