//! The server that outlives the window, through the real binary, a real socket and real PTYs:
//! slots survive a killed client, several clients share slots, a killed server leaves no
//! orphans and its sessions read as interrupted, a clean stop closes them, and bad peers are
//! refused without harming anyone else.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

mod support;

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use support::e2e::{TIMEOUT, Tui};
use support::{Home, process_runs, wait_for};

/// A plain bash with a known prompt.
const BASH: &str = "PS1='$ ' bash --norc --noprofile";

/// Prints `tick N` every 100 ms, forever.
const COUNTER: &str = "i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.1; done";

fn env() -> Vec<(&'static str, &'static str)> {
    vec![
        ("PS1", "$ "),
        ("SHELL", "/bin/bash"),
        ("HISTFILE", "/dev/null"),
    ]
}

/// The highest `tick N` on the screen.
fn last_tick(screen: &str) -> u64 {
    screen
        .lines()
        .filter_map(|line| {
            line.trim_start_matches(['│', '┃', ' '])
                .strip_prefix("tick ")
        })
        .filter_map(|n| n.split_whitespace().next()?.parse().ok())
        .max()
        .unwrap_or(0)
}

fn kill9(pid: u32) {
    let _ = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status();
}

fn status_json(home: &Home) -> serde_json::Value {
    serde_json::from_str(&home.ok(&["server", "status", "--json"])).unwrap()
}

/// The first slot's program pid, its session id and the server's pid, once the program runs.
fn running_pane(home: &Home) -> (u32, String, u32) {
    let mut found = None;
    wait_for(TIMEOUT, || {
        let status = status_json(home);
        found = status["slots"][0]["pid"].as_u64().map(|pid| {
            (
                pid as u32,
                status["slots"][0]["slot"].as_str().unwrap().to_owned(),
                status["pid"].as_u64().unwrap() as u32,
            )
        });
        found.is_some()
    });
    found.expect("the pane's program runs")
}

#[test]
fn a_killed_client_loses_nothing_and_attach_shows_the_history() {
    let home = Home::new();
    let tui = Tui::start_with(home.path(), &["--slot", COUNTER], 100, 30, &env());
    tui.wait_until("the counter runs", TIMEOUT, |s| last_tick(s) >= 3);
    let seen = tui.with_screen(|s| last_tick(&s.contents()));
    kill9(tui.pid().unwrap());
    drop(tui);
    // Nobody watches; the counter goes on in the server.
    let server = home.server_pid().expect("a server runs");
    assert!(process_runs(server));
    let tui = Tui::start_with(home.path(), &[], 100, 30, &env());
    tui.wait_until("the counter went on while detached", TIMEOUT, |s| {
        last_tick(s) > seen + 5
    });
    // Every earlier line is in the scrollback: page up (PgUp scrolls the focused slot's
    // history) until the first one shows.
    let first = |s: &str| s.lines().any(|l| l.contains("│tick 1 "));
    for _ in 0..50 {
        let before = tui.screen();
        if first(&before) {
            return;
        }
        tui.send(b"\x1b[5~");
        tui.wait_until("the view scrolls", TIMEOUT, |s| s != before);
    }
    panic!("tick 1 never showed; screen:\n{}", tui.screen());
}

#[test]
fn two_clients_share_a_pane_with_their_own_sizes() {
    let home = Home::new();
    let big = Tui::start_with(home.path(), &["--slot", BASH], 120, 40, &env());
    big.wait_until("bash's prompt in the pane", TIMEOUT, |s| s.contains("┃$ "));
    let small = Tui::start_with(home.path(), &[], 90, 26, &env());
    small.wait_until("the second window shows the pane", TIMEOUT, |s| {
        s.contains("$") && s.contains("PS1=")
    });
    // Keys from the small window reach the program; the big one shows the output.
    small.ctrl('g');
    small.wait_for("⌨ keys here");
    small.type_text("echo typed-in-small\r");
    small.wait_for("typed-in-small");
    big.wait_until("output shows in the other window", TIMEOUT, |s| {
        s.lines().filter(|l| l.contains("typed-in-small")).count() >= 2
    });
    // The pane is sized for the smaller window; the bigger one says so.
    big.wait_for("by a smaller window");
    let status = status_json(&home);
    let windows = status["clients"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "workstation")
        .count();
    assert_eq!(windows, 2, "{status}");
    let size = &status["slots"][0]["size"];
    assert!(size["cols"].as_u64().unwrap() < 100, "{status}");
}

#[test]
fn a_killed_server_leaves_no_orphans_and_reads_as_interrupted() {
    let home = Home::new();
    let tui = Tui::start_with(home.path(), &["--slot", "sleep 1000"], 100, 30, &env());
    tui.wait_for("sleep 1000");
    let (child, session, server) = running_pane(&home);
    drop(tui);
    kill9(server);
    assert!(
        wait_for(TIMEOUT, || !process_runs(child)),
        "the pane's program outlived its server"
    );
    // The next server reconciles: the session ended with its server.
    let tui = Tui::start_with(home.path(), &[], 100, 30, &env());
    tui.wait_until("the pane is restored", TIMEOUT, |s| {
        s.contains("sleep 1000")
    });
    let shown: serde_json::Value =
        serde_json::from_str(&home.ok(&["sessions", "show", &session, "--json"])).unwrap();
    let text = shown.to_string();
    assert!(text.contains("interrupted"), "{text}");
    assert!(text.contains("server ended"), "{text}");
}

#[test]
fn a_clean_stop_closes_every_session() {
    let home = Home::new();
    let tui = Tui::start_with(home.path(), &["--slot", "sleep 1000"], 100, 30, &env());
    tui.wait_for("sleep 1000");
    let (child, _, _) = running_pane(&home);
    let out = home.run(&["server", "stop"]);
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("stopped the server"));
    assert!(wait_for(TIMEOUT, || !process_runs(child)));
    let mut tui = tui;
    assert!(tui.wait_exit(), "the window leaves when its server stops");
    let listed = home.ok(&["sessions", "list"]);
    assert!(listed.contains("closed"), "{listed}");
    assert!(!listed.contains("interrupted"), "{listed}");
    let message = home.fails(&["server", "status"]);
    assert!(message.contains("no server"), "{message}");
}

#[test]
fn another_protocol_version_is_refused_with_both_versions_named() {
    let home = Home::new();
    home.ok(&["sessions", "list"]);
    let tui = Tui::start_with(home.path(), &["--slot", "sleep 1000"], 100, 30, &env());
    tui.wait_for("sleep 1000");
    let output = home
        .command()
        .env("SWITCHBOARD_TEST_PROTOCOL", "999")
        .args(["server", "status"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("999"), "{stderr}");
    assert!(
        stderr.contains(&format!("speaks {}", switchboard::protocol::VERSION)),
        "{stderr}"
    );
    assert!(stderr.contains("switchboard server stop"), "{stderr}");
    // A workstation of another version says the same and never takes the terminal.
    let mut other = Tui::start_with(
        home.path(),
        &[],
        100,
        30,
        &[("SWITCHBOARD_TEST_PROTOCOL", "999")],
    );
    assert!(!other.wait_exit());
    let screen = other.screen();
    assert!(screen.contains("switchboard server stop"), "{screen}");
}

#[test]
fn the_socket_is_private_and_bad_frames_close_only_their_connection() {
    let home = Home::new();
    let tui = Tui::start_with(home.path(), &["--slot", "sleep 1000"], 100, 30, &env());
    tui.wait_for("sleep 1000");
    let run = home.path().join("run");
    let mode = std::fs::metadata(&run).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
    let socket = std::fs::read_dir(&run)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "sock"))
        .expect("a socket");
    let mode = std::fs::metadata(&socket).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    // A length far over the limit: the server closes this connection.
    let mut bad = std::os::unix::net::UnixStream::connect(&socket).unwrap();
    bad.write_all(&u32::MAX.to_be_bytes()).unwrap();
    bad.set_read_timeout(Some(TIMEOUT)).unwrap();
    let mut buf = [0u8; 16];
    assert_eq!(bad.read(&mut buf).unwrap_or(0), 0, "closed");
    // Garbage that is a valid length but not a hello: closed too.
    let mut garbage = std::os::unix::net::UnixStream::connect(&socket).unwrap();
    garbage.write_all(&[0, 0, 0, 3, 0xc1, 0xc1, 0xc1]).unwrap();
    garbage.set_read_timeout(Some(TIMEOUT)).unwrap();
    assert_eq!(garbage.read(&mut buf).unwrap_or(0), 0, "closed");
    // Everyone else is fine.
    let status = status_json(&home);
    assert_eq!(status["slots"].as_array().unwrap().len(), 1);
    tui.ctrl('g');
    tui.wait_for("keys go to the workstation");
    tui.ctrl('p');
    tui.wait_for("Command palette");
}

#[test]
fn stdio_speaks_the_protocol_through_a_pipe() {
    use switchboard::protocol::frame;
    use switchboard::protocol::{
        AgentOptions, ClientInfo, ClientKind, Command, Hello, HelloReply, Notification,
    };
    let home = Home::new();
    let mut child = home
        .command()
        .args(["attach", "--stdio"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let hello = Hello {
        version: switchboard::protocol::VERSION,
        build: "test".into(),
        client: ClientInfo {
            key: "pipe".into(),
            pid: std::process::id(),
            cols: 80,
            rows: 24,
            cwd: home.path().display().to_string(),
            agents: AgentOptions::default(),
            kind: ClientKind::Headless,
        },
    };
    stdin
        .write_all(&frame::encode(&hello, 1 << 20).unwrap())
        .unwrap();
    stdin
        .write_all(&frame::encode(&Command::Status, 1 << 20).unwrap())
        .unwrap();
    stdin.flush().unwrap();
    let mut decoder = frame::FrameDecoder::new(1 << 24);
    let mut next = || loop {
        if let Some(body) = decoder.next_frame().unwrap() {
            return body;
        }
        let mut buf = [0u8; 4096];
        let n = stdout.read(&mut buf).unwrap();
        assert!(n > 0, "the bridge closed");
        decoder.push(&buf[..n]);
    };
    let reply: HelloReply = frame::decode(&next()).unwrap();
    assert_eq!(reply.refused, None);
    let status = loop {
        if let Ok(Notification::Status(status)) = frame::decode::<Notification>(&next()) {
            break status;
        }
    };
    assert_eq!(status.pid, reply.pid);
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

#[test]
fn remote_attach_runs_ssh_to_the_stdio_bridge() {
    let home = Home::new();
    // A stand-in for ssh: drops its options and the host, runs the command here.
    let ssh = home.path().join("fake-ssh");
    std::fs::write(
        &ssh,
        "#!/bin/sh\nwhile [ \"$1\" != \"--\" ]; do shift; done\nshift\nexec \"$@\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&ssh, std::fs::Permissions::from_mode(0o755)).unwrap();
    let bin = support::bin().display().to_string();
    let ssh = ssh.display().to_string();
    let mut env = env();
    env.push(("SWITCHBOARD_SSH", &ssh));
    let tui = Tui::start_with(
        home.path(),
        &["attach", "--remote", "build-box", "--remote-bin", &bin],
        100,
        30,
        &env,
    );
    tui.wait_for("Many agent sessions");
    tui.ctrl('n');
    tui.wait_until("a shell pane over the remote link", TIMEOUT, |s| {
        s.contains("⌨ keys here")
    });
    // Keys typed before bash's line editor is up can be dropped by bash: wait for its prompt.
    tui.wait_until("the remote shell's prompt", Duration::from_secs(20), |s| {
        s.lines()
            .any(|l| l.starts_with('│') && (l.contains("┃$ ") || l.contains("# ")))
    });
    tui.type_text("echo remote-$((6*7))\r");
    tui.wait_until(
        "the command ran over the link",
        Duration::from_secs(20),
        |s| s.contains("remote-42"),
    );
}

#[test]
fn exec_on_a_session_shown_in_a_slot_streams_there() {
    let home = Home::new();
    let tui = Tui::start_with(home.path(), &["--demo"], 120, 40, &env());
    tui.wait_for("demo provider");
    tui.type_text("first question\r");
    tui.wait_for("Run this command?");
    tui.type_text("y");
    tui.wait_until("the first turn ends", TIMEOUT, |s| {
        s.contains("agent 1 · idle")
    });
    let listed: serde_json::Value =
        serde_json::from_str(&home.ok(&["sessions", "list", "--json"])).unwrap();
    let id = listed[0]["id"].as_str().unwrap().to_owned();
    // A headless turn on that session goes through the server: the window shows it live.
    let mut exec = home
        .command()
        .args([
            "exec",
            "--skip-git-repo-check",
            "--demo",
            "--session",
            &id,
            "second question",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    tui.wait_for("› second question");
    // The slot's own policy asks; the window answers for the headless turn.
    tui.wait_for("Run this command?");
    tui.type_text("y");
    let status = exec.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let mut answer = String::new();
    exec.stdout
        .take()
        .unwrap()
        .read_to_string(&mut answer)
        .unwrap();
    assert!(!answer.trim().is_empty(), "the final answer is printed");
    // One session, two turns: nothing interleaved, nothing forked.
    let listed: serde_json::Value =
        serde_json::from_str(&home.ok(&["sessions", "list", "--json"])).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["turns"], 2, "{listed}");
}

#[test]
fn without_a_server_a_second_writer_gets_the_lease_error() {
    use std::io::BufRead;
    let home = Home::new();
    let mut holder = home
        .command()
        .args(["debug", "gen-fixture", "--events", "3", "--hold"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(holder.stdout.take().unwrap()).lines();
    let id = lines.next().unwrap().unwrap();
    for line in lines.by_ref() {
        if line.unwrap() == "holding" {
            break;
        }
    }
    let message = home.fails(&[
        "exec",
        "--skip-git-repo-check",
        "--demo",
        "--session",
        &id,
        "hello",
    ]);
    assert!(
        message.contains(&format!("pid {}", holder.id())),
        "{message}"
    );
    assert!(message.contains("another live process"), "{message}");
    drop(holder.stdin.take());
    holder.wait().unwrap();
    // Once the holder is gone the session can be continued.
    let output = home.run(&[
        "exec",
        "--skip-git-repo-check",
        "--demo",
        "--session",
        &id,
        "hello",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("another live process"), "{stderr}");
}

#[test]
fn stopping_during_a_turn_records_a_clean_close_not_a_crash() {
    let home = Home::new();
    let mut tui = Tui::start_with(home.path(), &["--demo"], 120, 40, &env());
    tui.wait_for("demo provider");
    tui.type_text("a question\r");
    tui.wait_for("Run this command?");
    tui.esc();
    tui.ctrl('q');
    tui.wait_for("Leave switchboard?");
    tui.type_text("s");
    assert!(tui.wait_exit());
    let listed: serde_json::Value =
        serde_json::from_str(&home.ok(&["sessions", "list", "--json"])).unwrap();
    let session = &listed[0];
    assert_eq!(session["status"], "closed", "{listed}");
    let shown = home.ok(&[
        "sessions",
        "show",
        session["id"].as_str().unwrap(),
        "--json",
    ]);
    assert!(!shown.contains("owner process"), "{shown}");
    assert!(!shown.contains("server ended"), "{shown}");
}
