//! `sessions show --transcript`, `sessions export --format markdown`, `sessions rm/prune` and
//! `worktrees` through the real binary, a real store and real git.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;

use redb::{ReadableDatabase, ReadableTable, TableDefinition};
use support::Home;
use support::e2e::Tui;
use support::exec::{git, project_repo};

/// Generous: a loaded two-core machine starts a server in well under this.
const WAIT: Duration = Duration::from_secs(30);

/// `switchboard ARGS` in `dir` (the demo provider needs no key).
fn run_in(home: &Home, dir: &Path, args: &[&str]) -> Output {
    home.command()
        .env("HOME", home.path())
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn ok_in(home: &Home, dir: &Path, args: &[&str]) -> String {
    let output = run_in(home, dir, args);
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The newest session's id.
fn newest(home: &Home) -> String {
    let list: serde_json::Value =
        serde_json::from_str(&home.ok(&["sessions", "list", "--json"])).unwrap();
    list[0]["id"].as_str().unwrap().to_owned()
}

fn session_ids(home: &Home) -> Vec<String> {
    let list: serde_json::Value =
        serde_json::from_str(&home.ok(&["sessions", "list", "--json"])).unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn transcript_and_markdown_say_what_happened() {
    let home = Home::new();
    home.ok(&[
        "exec",
        "--skip-git-repo-check",
        "--demo",
        "--approval",
        "never",
        "list files",
    ]);
    let ran = newest(&home);
    // Without `--approval never`, exec cannot ask, so the command is denied.
    home.ok(&["exec", "--skip-git-repo-check", "--demo", "list files"]);
    let denied = newest(&home);

    let shown = home.ok(&["sessions", "show", &ran, "--transcript"]);
    let (summary, transcript) = shown.split_once("\ntranscript\n").expect("a transcript");
    assert!(summary.contains("status    idle"), "{summary}");
    for wanted in [
        "› list files",
        "• You asked: \"list files\"",
        "$ uname -srm && ls -la  [exit 0 · ",
        "approved by policy",
        "  │ ",
        "That was the whole native flow",
    ] {
        assert!(
            transcript.contains(wanted),
            "lacks {wanted:?}:\n{transcript}"
        );
    }
    let refused = home.ok(&["sessions", "show", &denied, "--transcript"]);
    assert!(refused.contains("[denied]"), "{refused}");
    assert!(refused.contains("denied by policy"), "{refused}");
    assert!(
        refused.contains("reason: `uname` is not on the known-safe list"),
        "{refused}"
    );

    let markdown = home.ok(&["sessions", "export", &ran[..13], "--format", "markdown"]);
    assert!(markdown.starts_with("# list files\n"), "{markdown}");
    for wanted in [
        &format!("- **Session:** `{ran}`")[..],
        "## Transcript",
        "### You\n\nlist files\n",
        "### Assistant\n",
        "```sh\n$ uname -srm && ls -la\n```",
        "_exit 0 · ",
        "```text\n",
        "> **Reasoning:**",
    ] {
        assert!(markdown.contains(wanted), "lacks {wanted:?}:\n{markdown}");
    }
    // `md` is the short name; the default stays JSON Lines.
    assert!(
        home.ok(&["sessions", "export", &ran, "--format", "md"])
            .starts_with("# ")
    );
    for line in home.ok(&["sessions", "export", &ran]).lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("a JSON line");
    }
    // With --json the transcript is an array of entries a script can read.
    let shown: serde_json::Value =
        serde_json::from_str(&home.ok(&["sessions", "show", &ran, "--json", "--transcript"]))
            .unwrap();
    assert_eq!(shown["id"], ran.as_str());
    let entries = shown["transcript"].as_array().expect("a transcript array");
    assert_eq!(entries[0]["kind"], "user");
    assert_eq!(entries[0]["text"], "list files");
    let command = entries
        .iter()
        .find(|e| e["kind"] == "command")
        .expect("a command entry");
    assert_eq!(command["command"], "uname -srm && ls -la");
    assert_eq!(command["exit_code"], 0);
    assert!(
        !command["output_tail"].as_str().unwrap().is_empty(),
        "{command}"
    );
    assert!(
        entries.iter().any(|e| e["kind"] == "assistant"
            && e["text"].as_str().unwrap().contains("whole native flow"))
    );
    let refused: serde_json::Value =
        serde_json::from_str(&home.ok(&["sessions", "show", &denied, "--json", "--transcript"]))
            .unwrap();
    let command = refused["transcript"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "command")
        .expect("the denied command");
    assert_eq!(command["denied"], true);
    let reason = command["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("`uname` is not on the known-safe list"),
        "{reason}"
    );
    // Without --transcript, --json leaves it out.
    let plain: serde_json::Value =
        serde_json::from_str(&home.ok(&["sessions", "show", &ran, "--json"])).unwrap();
    assert!(plain.get("transcript").is_none());

    // A fork's transcript says where it was cut.
    let fork = home.ok(&["sessions", "fork", &ran]).trim().to_owned();
    let forked = home.ok(&["sessions", "show", &fork, "--transcript"]);
    assert!(forked.contains("› list files"), "{forked}");
    assert!(forked.contains("forked from"), "{forked}");
}

/// A session whose owner lives is refused; once the owner died mid-turn, the transcript says
/// it was interrupted and the session can go.
#[test]
fn live_sessions_stay_and_interrupted_ones_say_so() {
    let home = Home::new();
    let mut child = home
        .command()
        .args(["debug", "gen-fixture", "--events", "3", "--hold"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let id = lines.next().unwrap().unwrap();
    for line in lines.by_ref() {
        if line.unwrap() == "holding" {
            break;
        }
    }
    let refused = home.fails(&["sessions", "rm", &id]);
    assert!(
        refused.contains(&format!("is in use by process {}", child.id())),
        "{refused}"
    );
    let pruned = home.ok(&["sessions", "prune", "--older-than", "1us"]);
    assert!(
        pruned.contains(&format!("in use by process {}", child.id())),
        "{pruned}"
    );
    assert_eq!(session_ids(&home), vec![id.clone()]);

    child.kill().unwrap();
    child.wait().unwrap();
    let shown = home.ok(&["sessions", "show", &id, "--transcript"]);
    assert!(shown.contains("· interrupted: owner process"), "{shown}");
    assert!(
        home.ok(&["sessions", "rm", &id])
            .contains("removed 1 session")
    );
}

/// Rows keyed by `id` in the tables a session has rows in.
fn rows_of(store: &Path, id: &str) -> Vec<&'static str> {
    let id = uuid::Uuid::parse_str(id).unwrap().as_u128();
    let db = redb::Database::builder()
        .set_concurrency_mode(redb::ConcurrencyMode::MultiWriter)
        .open(store)
        .unwrap();
    let txn = db.begin_read().unwrap();
    let mut found = Vec::new();
    for (name, table) in [
        (
            "events",
            TableDefinition::<(u128, u64), &[u8]>::new("events"),
        ),
        ("checkpoints", TableDefinition::new("checkpoints")),
        ("turns", TableDefinition::new("turns")),
    ] {
        if let Ok(t) = txn.open_table(table)
            && t.range((id, 0)..=(id, u64::MAX)).unwrap().next().is_some()
        {
            found.push(name);
        }
    }
    if let Ok(t) = txn.open_table(TableDefinition::<u128, &[u8]>::new("sessions"))
        && t.get(id).unwrap().is_some()
    {
        found.push("sessions");
    }
    if let Ok(t) = txn.open_table(TableDefinition::<u128, (u32, u64)>::new("live"))
        && t.get(id).unwrap().is_some()
    {
        found.push("live");
    }
    if let Ok(t) = txn.open_table(TableDefinition::<(i64, u128, u64), &str>::new("prompts"))
        && t.iter().unwrap().any(|e| e.unwrap().0.value().1 == id)
    {
        found.push("prompts");
    }
    found
}

#[test]
fn rm_refuses_parents_of_forks_and_removes_every_row() {
    let home = Home::new();
    let parent = home.gen_fixture(400);
    let other = home.gen_fixture(50);
    let fork = home
        .ok(&["sessions", "fork", &parent, "--at", "200"])
        .trim()
        .to_owned();
    let store = home.store_file();
    assert!(
        rows_of(&store, &parent).contains(&"prompts"),
        "the fixture has prompts"
    );

    let refused = home.fails(&["sessions", "rm", &parent]);
    assert!(
        refused.contains("has forks that read their history from it"),
        "{refused}"
    );
    assert!(refused.contains(&fork[..8]), "names the fork: {refused}");

    let dry = home.ok(&["sessions", "rm", &parent, &fork, "--dry-run"]);
    assert!(dry.contains("would remove 2 sessions"), "{dry}");
    assert_eq!(session_ids(&home).len(), 3, "a dry run removes nothing");

    let done = home.ok(&["sessions", "rm", &fork, &parent]);
    assert!(done.contains("removed 2 sessions"), "{done}");
    assert_eq!(session_ids(&home), vec![other.clone()]);
    assert_eq!(rows_of(&store, &parent), Vec::<&str>::new());
    assert_eq!(rows_of(&store, &fork), Vec::<&str>::new());
    assert!(
        !rows_of(&store, &other).is_empty(),
        "other sessions keep theirs"
    );
    assert!(
        home.fails(&["sessions", "show", &parent])
            .contains("no session matches")
    );
    assert!(
        home.fails(&["sessions", "rm", &parent])
            .contains("no session matches")
    );

    // prune: nothing that young, then everything older than a microsecond.
    assert!(
        home.ok(&["sessions", "prune", "--older-than", "30d"])
            .contains("nothing to prune")
    );
    let dry = home.ok(&["sessions", "prune", "--older-than", "1us", "--dry-run"]);
    assert!(dry.contains("would remove 1 session"), "{dry}");
    assert!(
        home.ok(&["sessions", "prune", "--older-than", "1us"])
            .contains("removed 1 session")
    );
    assert!(session_ids(&home).is_empty());
    let bad = home.run(&["sessions", "prune", "--older-than", "soon"]);
    assert!(!bad.status.success());
    let said = String::from_utf8_lossy(&bad.stderr);
    assert!(said.contains("--older-than"), "{said}");
    assert!(said.contains("write it like 30d"), "{said}");
    assert!(!said.contains("panicked"), "{said}");
}

/// While a server runs, `rm` asks it which sessions its slots hold; one nobody shows goes.
#[test]
fn rm_asks_a_running_server() {
    let home = Home::new();
    let id = home.gen_fixture(20);
    let mut server = home
        .command()
        .arg("server")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    assert!(
        support::wait_for(WAIT, || home.run(&["server", "status"]).status.success()),
        "the server started"
    );
    assert!(
        home.ok(&["sessions", "rm", &id])
            .contains("removed 1 session")
    );
    let doctor = home.run(&["doctor"]);
    let said = String::from_utf8_lossy(&doctor.stdout);
    assert!(
        said.contains(&format!("ok    server      running: pid {}", server.id())),
        "{said}"
    );
    // A server that accepts connections but does not answer fails the check, within its
    // probe time, instead of hanging the doctor.
    let signal = |name: &str| {
        let sent = std::process::Command::new("kill")
            .args([name, &server.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    };
    signal("-STOP");
    let doctor = home.run(&["doctor"]);
    signal("-CONT");
    assert!(!doctor.status.success());
    let said = String::from_utf8_lossy(&doctor.stdout);
    assert!(
        said.contains("fail  server      the server did not answer within 2 s; `switchboard server stop --force`"),
        "{said}"
    );
    server.kill().unwrap();
    server.wait().unwrap();
}

/// A slot the running server holds keeps its session, also after every window is gone; once
/// the server stops, the session can go.
#[test]
fn a_session_open_in_a_server_slot_stays() {
    let home = Home::new();
    let tui = Tui::start_with(
        home.path(),
        &["--slot", "echo in-a-slot; sleep 1000"],
        100,
        30,
        &[("SHELL", "/bin/sh")],
    );
    tui.wait_for("in-a-slot");
    drop(tui);
    let id = newest(&home);
    let refused = home.fails(&["sessions", "rm", &id]);
    assert!(
        refused.contains("is open in a slot of the running server; close the slot"),
        "{refused}"
    );
    let pruned = home.ok(&["sessions", "prune", "--older-than", "1us", "--dry-run"]);
    assert!(pruned.contains(&format!("kept {}", &id[..8])), "{pruned}");
    assert!(
        pruned.contains("open in a slot of the running server"),
        "{pruned}"
    );
    assert!(pruned.contains("would remove 0 sessions"), "{pruned}");
    assert!(!pruned.contains("task board"), "{pruned}");
    // The server's task board record is never a session to remove.
    let board = home.fails(&["sessions", "rm", "00000000"]);
    assert!(board.contains("the task board's record"), "{board}");
    assert_eq!(session_ids(&home), vec![id.clone()]);

    let stopped = home.run(&["server", "stop"]);
    assert!(stopped.status.success(), "{stopped:?}");
    assert!(
        home.ok(&["sessions", "rm", &id])
            .contains("removed 1 session")
    );
    assert!(session_ids(&home).is_empty());
}

/// `exec` names its session on stderr (the answer alone on stdout), and the line's command
/// continues it.
#[test]
fn exec_names_its_session_on_stderr() {
    let home = Home::new();
    let output = home.run(&[
        "exec",
        "--skip-git-repo-check",
        "--demo",
        "--approval",
        "never",
        "list files",
    ]);
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    let id = newest(&home);
    assert!(!stdout.contains(&id), "{stdout}");
    let line = stderr
        .lines()
        .find(|l| l.contains("continue it with"))
        .unwrap_or_else(|| panic!("no session line: {stderr}"));
    assert!(line.contains(&id), "{line}");
    assert!(
        line.contains(&format!("switchboard exec --session {id} PROMPT")),
        "{line}"
    );
    home.ok(&[
        "exec",
        "--skip-git-repo-check",
        "--demo",
        "--approval",
        "never",
        "--session",
        &id,
        "again",
    ]);
    assert_eq!(session_ids(&home), vec![id.clone()], "continued, not new");
    let shown: serde_json::Value =
        serde_json::from_str(&home.ok(&["sessions", "show", &id, "--json"])).unwrap();
    assert_eq!(shown["user_messages"], 2);

    // --json has the session in its first line and says nothing more on stderr.
    let json = home.run(&[
        "exec",
        "--skip-git-repo-check",
        "--demo",
        "--approval",
        "never",
        "--json",
        "hi",
    ]);
    assert!(json.status.success());
    assert!(String::from_utf8_lossy(&json.stderr).trim().is_empty());
}

#[test]
fn worktrees_go_with_their_session_unless_they_hold_work() {
    let home = Home::new();
    let (_dir, repo) = project_repo();
    ok_in(
        &home,
        &repo,
        &[
            "exec",
            "--skip-git-repo-check",
            "--demo",
            "--approval",
            "never",
            "--worktree",
            "list files",
        ],
    );
    let parent = newest(&home);
    let fork = home.ok(&["sessions", "fork", &parent]).trim().to_owned();
    let trees: serde_json::Value =
        serde_json::from_str(&home.ok(&["worktrees", "--json"])).unwrap();
    let trees = trees.as_array().unwrap();
    assert_eq!(trees.len(), 2, "{trees:?}");
    assert!(
        trees
            .iter()
            .all(|t| t["state"] == "clean" && t["session_exists"] == true)
    );
    let path_of = |id: &str| -> String {
        let shown: serde_json::Value =
            serde_json::from_str(&home.ok(&["sessions", "show", id, "--json"])).unwrap();
        shown["worktree"].as_str().unwrap().to_owned()
    };
    let (parent_tree, fork_tree) = (path_of(&parent), path_of(&fork));
    assert_ne!(parent_tree, fork_tree);
    std::fs::write(Path::new(&fork_tree).join("notes.txt"), "mine\n").unwrap();
    let table = home.ok(&["worktrees"]);
    assert!(table.contains("dirty (1 file)"), "{table}");
    assert!(table.contains(&parent[..8]), "{table}");

    let done = home.ok(&["sessions", "rm", &parent, &fork]);
    assert!(
        done.contains(&format!("removed worktree {parent_tree}")),
        "{done}"
    );
    assert!(
        done.contains(&format!("kept worktree {fork_tree}")),
        "{done}"
    );
    assert!(done.contains("--force"), "{done}");
    assert!(!Path::new(&parent_tree).exists());
    assert!(Path::new(&fork_tree).join("notes.txt").exists());
    assert!(
        git(
            &repo,
            &["for-each-ref", &format!("refs/switchboard/{parent}/")]
        )
        .is_empty()
    );

    let left: serde_json::Value = serde_json::from_str(&home.ok(&["worktrees", "--json"])).unwrap();
    assert_eq!(left.as_array().unwrap().len(), 1, "{left}");
    assert_eq!(left[0]["path"], fork_tree);
    assert_eq!(left[0]["state"], "dirty");
    assert_eq!(left[0]["session_exists"], false);
    assert!(home.ok(&["worktrees"]).contains("(session removed)"));
    // With its session gone the base is unknown; a commit no other branch holds still counts.
    git(Path::new(&fork_tree), &["add", "notes.txt"]);
    git(Path::new(&fork_tree), &["commit", "-qm", "notes"]);
    let left: serde_json::Value = serde_json::from_str(&home.ok(&["worktrees", "--json"])).unwrap();
    assert_eq!(left[0]["state"], "unmerged", "{left}");
    assert!(left[0]["unmerged"].as_u64().unwrap() >= 1, "{left}");

    // --force removes a worktree that holds work.
    ok_in(
        &home,
        &repo,
        &[
            "exec",
            "--skip-git-repo-check",
            "--demo",
            "--approval",
            "never",
            "--worktree",
            "again",
        ],
    );
    let forced = newest(&home);
    let forced_tree = path_of(&forced);
    std::fs::write(Path::new(&forced_tree).join("scratch.txt"), "x\n").unwrap();
    let done = home.ok(&["sessions", "rm", &forced, "--force"]);
    assert!(
        done.contains(&format!("removed worktree {forced_tree}")),
        "{done}"
    );
    assert!(!Path::new(&forced_tree).exists());
}
