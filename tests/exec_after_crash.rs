#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The first command after a crash reconciles the store: sessions whose owner died are marked
//! interrupted. `exec` does that inside its async runtime, where waiting for the commit once
//! panicked ("Cannot block the current thread from within a runtime").

mod support;

use std::process::Stdio;

use support::Home;
use support::agent::WAIT;
use tokio::io::AsyncBufReadExt;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_exec_after_a_dead_exec_reconciles_without_panicking() {
    let home = Home::new();

    // `switchboard exec --demo hi --json | head -1`: the reader goes away after the first
    // line, the writer dies of the broken pipe and leaves its session claimed as running.
    let mut command = tokio::process::Command::from(home.command());
    command
        .args(["exec", "--demo", "--events", "--skip-git-repo-check", "hi"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    let mut child = command.spawn().unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(WAIT, lines.next_line())
        .await
        .expect("the first line in time")
        .unwrap()
        .expect("a first line");
    let first: serde_json::Value = serde_json::from_str(&first).unwrap();
    let crashed = first["session"].as_str().unwrap().to_owned();
    drop(lines);
    tokio::time::timeout(WAIT, child.wait())
        .await
        .expect("the first exec ended")
        .unwrap();

    // The next exec opens the store first; reconciling must not panic.
    let mut command = tokio::process::Command::from(home.command());
    command
        .args(["exec", "--demo", "--skip-git-repo-check", "b"])
        .stdin(Stdio::null())
        .kill_on_drop(true);
    let output = tokio::time::timeout(WAIT, command.output())
        .await
        .expect("the second exec ended")
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(output.status.success(), "{:?}: {stderr}", output.status);

    let shown: serde_json::Value =
        serde_json::from_str(&home.ok(&["sessions", "show", &crashed, "--json"])).unwrap();
    let status = shown["status"].as_str().unwrap_or_default();
    // The dead exec either finished its turn before the pipe broke or was reconciled.
    assert!(
        status == "interrupted" || status == "idle",
        "status of the dead exec's session: {shown}"
    );
}
