//! Resume and fork benchmarks (issue 6), all in one run (see docs/BENCHMARKS.md):
//!
//! 1. resume to an interactive slot: read the transcript tail of a 1,000,000-event session vs a
//!    1,000-event one, fold it into the transcript, draw the first frame;
//! 2. transcript render cost for 10 vs 5,000 messages at 200×50;
//! 3. fork with code: fork a session whose worktree is in a mid-size repository (a new
//!    worktree checked out at the snapshot), next to a bare `git worktree add` of the same
//!    commit.
//!
//! `cargo bench --bench resume`

#![allow(clippy::unwrap_used, clippy::expect_used)] // benches may panic

mod stats;

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use stats::Samples;
use switchboard::event::{
    EventKind, SessionCreated, SessionWorktree, TurnEnded, TurnOutcome, TurnStarted, UserMessage,
};
use switchboard::fixture::SyntheticEvents;
use switchboard::ids::SessionId;
use switchboard::store::{Store, StoreOptions};
use switchboard::tui::app::{AppState, Msg, Size};
use switchboard::tui::render::render;
use switchboard::tui::slots::{SlotKind, TRANSCRIPT_TAIL};
use switchboard::tui::theme::Theme;
use switchboard::tui::transcript::EntryKind;
use switchboard::tui::update::{add_slot, focus, update};

fn terminal(size: Size) -> Terminal<CrosstermBackend<std::io::Sink>> {
    Terminal::with_options(
        CrosstermBackend::new(std::io::sink()),
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, size.cols, size.rows)),
        },
    )
    .unwrap()
}

fn build_session(store: &Store, count: usize) -> SessionId {
    let id = store.create_session(SessionCreated::default()).unwrap();
    let mut stream = SyntheticEvents::new(9, 64);
    let mut remaining = count - 1;
    let mut pendings = Vec::new();
    while remaining > 0 {
        let take = remaining.min(1024);
        pendings.push(
            store
                .append(id, stream.by_ref().take(take).collect())
                .unwrap(),
        );
        remaining -= take;
        if pendings.len() > 256 {
            pendings.drain(..).for_each(|p| {
                p.wait().unwrap();
            });
        }
    }
    pendings.into_iter().for_each(|p| {
        p.wait().unwrap();
    });
    id
}

fn resume_to_slot() {
    let big: usize = std::env::var("SWITCHBOARD_BENCH_BIG")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let store = Store::open(&dir.path().join("store.redb"), StoreOptions::default()).unwrap();
    let small_id = build_session(&store, 1_000);
    let big_id = build_session(&store, big);
    let size = Size {
        cols: 200,
        rows: 50,
    };
    let mut term = terminal(size);
    let mut resume = |session: SessionId| {
        Samples::collect(30, || {
            let mut state = AppState::new(size, Theme::default());
            let slot = add_slot(&mut state, SlotKind::Agent, None);
            focus(&mut state, slot);
            let loaded =
                switchboard::server::reads::transcript_tail(&store, session, TRANSCRIPT_TAIL)
                    .unwrap();
            update(
                &mut state,
                Msg::Server(switchboard::protocol::Notification::TranscriptLoaded {
                    slot,
                    title: loaded.title,
                    from: loaded.from,
                    events: loaded.events,
                }),
            );
            term.draw(|f| render(&state, f)).unwrap();
        })
    };
    let small = resume(small_id);
    let large = resume(big_id);
    println!("## resume into an interactive slot: {big} events vs 1,000 events (200×50)\n");
    println!("| session | median | p99 |");
    println!("|---|---:|---:|");
    println!("{}", small.row("1,000 events"));
    println!("{}", large.row(&format!("{big} events")));
    println!(
        "\nbig / small: {:.2}× (read the tail from a turn boundary, fold it, first frame)\n",
        large.median().as_secs_f64() / small.median().as_secs_f64()
    );
}

fn transcript_state(messages: usize, size: Size) -> AppState {
    let mut state = AppState::new(size, Theme::default());
    let slot = add_slot(&mut state, SlotKind::Agent, None);
    focus(&mut state, slot);
    let transcript = &mut state.slot_mut(slot).unwrap().transcript;
    for i in 0..messages {
        match i % 3 {
            0 => transcript.push(EntryKind::User, format!("message {i}: please look at the failing test and fix it")),
            1 => transcript.push(
                EntryKind::Assistant,
                format!("Answer {i}:\n- first I read the test\n- then the code under test\n\n```rust\nfn main() {{ println!(\"{i}\"); }}\n```\nDone, and `cargo test` passes."),
            ),
            _ => transcript.push(EntryKind::Notice, format!("note {i}")),
        };
    }
    state
}

fn transcript_render() {
    let size = Size {
        cols: 200,
        rows: 50,
    };
    let mut term = terminal(size);
    let mut measure = |messages: usize| {
        let mut state = transcript_state(messages, size);
        term.draw(|f| render(&state, f)).unwrap();
        let mut n = 0usize;
        Samples::collect(2000, || {
            // Scroll a page up and back down on alternate frames: every frame redraws the
            // whole main area at a different place in the history.
            n += 1;
            if let Some(slot) = state.focused_slot_mut() {
                slot.scroll = if n.is_multiple_of(2) { 0 } else { 40 };
            }
            state.dirty = true;
            term.draw(|f| render(&state, f)).unwrap();
        })
    };
    let small = measure(10);
    let large = measure(5000);
    println!("## transcript render: 10 vs 5,000 messages (200×50)\n");
    println!("| messages | median | p99 |");
    println!("|---:|---:|---:|");
    println!("{}", small.row("10"));
    println!("{}", large.row("5,000"));
    println!(
        "\n5,000 / 10: {:.2}× (median frame, after the first layout)\n",
        large.median().as_secs_f64() / small.median().as_secs_f64()
    );
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=b", "-c", "user.email=b@b"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{:?}: {}",
        args,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn fork_with_code() {
    let files: usize = std::env::var("SWITCHBOARD_BENCH_FILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    for i in 0..files {
        let sub = repo.join(format!("src/mod{}", i % 50));
        std::fs::create_dir_all(&sub).unwrap();
        let body: String = (0..100)
            .map(|l| format!("// line {l} of file {i}\n"))
            .collect();
        std::fs::write(sub.join(format!("file{i}.rs")), body).unwrap();
    }
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "mid-size repository"]);
    let size_mb = Command::new("du")
        .args(["-sm"])
        .arg(&repo)
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .next()
                .unwrap_or("?")
                .to_owned()
        })
        .unwrap_or_default();

    let worktrees = dir.path().join("worktrees");
    let store = Store::open(&dir.path().join("store.redb"), StoreOptions::default()).unwrap();
    let tree = switchboard::workspace::create(&repo, &worktrees, "bench parent").unwrap();
    let session = store.create_session(SessionCreated::default()).unwrap();
    store
        .append_durable(
            session,
            vec![EventKind::SessionWorktree(SessionWorktree {
                path: tree.path.display().to_string(),
                branch: tree.branch.clone(),
                base: tree.base.clone(),
                repo: repo.display().to_string(),
            })],
        )
        .unwrap();
    std::fs::write(tree.path.join("src/new.rs"), "// written in turn 1\n").unwrap();
    let seq = store.meta(session).unwrap().last_seq;
    let commit = switchboard::workspace::checkpoint(&tree.path, session, seq).unwrap();
    store
        .append_durable(
            session,
            vec![
                EventKind::UserMessage(UserMessage {
                    text: "turn 1".into(),
                }),
                EventKind::TurnStarted(TurnStarted { turn: 1 }),
                EventKind::TurnEnded(TurnEnded {
                    turn: 1,
                    outcome: TurnOutcome::Completed,
                    error: None,
                    commit: Some(commit.clone()),
                }),
            ],
        )
        .unwrap();

    let forks = Samples::collect(10, || {
        switchboard::workspace::fork_with_code(&store, session, None, &worktrees).unwrap();
    });
    let mut n = 0;
    let bare = Samples::collect(10, || {
        n += 1;
        let path = dir.path().join(format!("bare-{n}"));
        git(
            &repo,
            &[
                "worktree",
                "add",
                "--quiet",
                "-b",
                &format!("bare-{n}"),
                path.to_str().unwrap(),
                &commit,
            ],
        );
    });
    let plain_fork = Samples::collect(10, || {
        store.fork(session, None).unwrap();
    });
    println!("## fork with code in a mid-size repository ({files} files, {size_mb} MB)\n");
    println!("| operation | median | p99 |");
    println!("|---|---:|---:|");
    println!(
        "{}",
        forks.row("`fork_with_code` (worktree at the snapshot + O(1) fork + worktree event)")
    );
    println!(
        "{}",
        bare.row("anchor: bare `git worktree add` of the same commit")
    );
    println!("{}", plain_fork.row("the store fork alone"));
    println!(
        "\nfork with code / bare worktree add: {:.2}×\n",
        forks.median().as_secs_f64() / bare.median().as_secs_f64()
    );
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let started = Instant::now();
    let only = std::env::var("SWITCHBOARD_BENCH_ONLY").ok();
    let run = |name: &str| only.as_deref().is_none_or(|o| o == name);
    if run("transcript") {
        transcript_render();
    }
    if run("fork") {
        fork_with_code();
    }
    if run("resume") {
        resume_to_slot();
    }
    eprintln!("resume bench took {:.0?}", started.elapsed());
}
