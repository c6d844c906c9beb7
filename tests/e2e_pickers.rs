//! Resume and fork through the real binary: pickers, `resume --last`, `fork ID --turn N`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

mod support;

use support::Home;
use support::e2e::{TIMEOUT, Tui};

fn fixtures(home: &Home) -> Vec<String> {
    ["alpha fixture", "bravo fixture", "charlie fixture"]
        .iter()
        .map(|title| {
            let out = home.ok(&["debug", "gen-fixture", "--events", "400", "--title", title]);
            out.lines().next().expect("id").to_owned()
        })
        .collect()
}

#[test]
fn resume_picker_query_then_enter_opens_the_session() {
    let home = Home::new();
    fixtures(&home);
    let tui = Tui::start(home.path(), &["resume"], 120, 32);
    tui.wait_for("Resume a session");
    tui.wait_for("charlie fixture");
    tui.type_text("brav");
    tui.wait_until("only bravo listed", TIMEOUT, |s| {
        s.contains("bravo fixture") && !s.contains("alpha fixture") && s.contains("Preview")
    });
    tui.enter();
    tui.wait_until("the session in a slot", TIMEOUT, |s| {
        s.contains("bravo fixture · ") && s.contains("$ cargo test")
    });
}

#[test]
fn resume_last_and_bad_ids() {
    let home = Home::new();
    fixtures(&home);
    let tui = Tui::start(home.path(), &["resume", "--last"], 120, 32);
    tui.wait_for("charlie fixture · ");
    drop(tui);
    let message = home.fails(&["resume", "ffffffffff"]);
    assert!(message.contains("no session matches"), "{message}");
    let message = home.fails(&["fork", "zz"]);
    assert!(message.contains("is not a session id"), "{message}");
}

#[test]
fn fork_by_turn_from_the_command_line_and_from_the_palette() {
    let home = Home::new();
    let ids = fixtures(&home);
    let tui = Tui::start(home.path(), &["fork", &ids[0], "--turn", "2"], 120, 32);
    tui.wait_for("fork of alpha fixture");
    drop(tui);
    // The fork is a new session whose parent is alpha at turn 2's end.
    let listed: serde_json::Value =
        serde_json::from_str(&home.ok(&["sessions", "list", "--json"])).unwrap();
    let fork = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["parent"]["id"] == ids[0].as_str())
        .expect("a fork of alpha");
    assert!(fork["parent"]["seq"].as_u64().unwrap() > 0);

    // From inside: palette → Fork session… → choose bravo → choose turn 1. The first fork is
    // still open: the server kept it when the first window went away.
    let tui = Tui::start(home.path(), &[], 120, 32);
    tui.wait_for("fork of alpha fixture");
    tui.ctrl('p');
    tui.type_text("fork sess");
    tui.wait_for("Fork session…");
    tui.enter();
    tui.wait_for("Fork a session");
    tui.type_text("bravo");
    tui.wait_until("bravo selected", TIMEOUT, |s| {
        s.contains("bravo fixture") && !s.contains("charlie fixture")
    });
    tui.enter();
    tui.wait_for("after which turn?");
    tui.send(b"\x1b[A"); // Up: an earlier turn
    tui.enter();
    tui.wait_for("fork of bravo fixture");
}
