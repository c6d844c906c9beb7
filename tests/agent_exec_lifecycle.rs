#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `switchboard exec` over a session's life: worktrees and their snapshots, Ctrl+C, an exec
//! killed mid-turn and continued, and the key never reaching the disk.

mod support;

use std::path::Path;

use support::Home;
use support::agent::{WAIT, scenario};
use support::exec::{
    KEY, assert_ok, assert_refused, exec, exec_in, files, git, project_repo, spawn_exec, stderr,
    stdout,
};
use switchboard::model::scripted::ScriptedProvider;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_in_a_worktree_records_a_snapshot_at_the_end_of_the_turn() {
    let home = Home::new();
    let (_repo_dir, repo) = project_repo();

    let provider = ScriptedProvider::start(scenario("agent_touch"))
        .await
        .unwrap();
    let output = exec_in(
        &home,
        Some(&provider),
        &repo,
        &[
            "--worktree",
            "--approval",
            "never",
            "--events",
            "make a file",
        ],
        None,
    )
    .await;
    assert_ok(&output);
    let lines: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let session = lines[0]["session"].as_str().unwrap().to_owned();
    let worktree = lines[0]["worktree"].as_str().unwrap().to_owned();
    let branch = lines[0]["branch"].as_str().unwrap().to_owned();
    assert!(worktree.starts_with(home.path().join("worktrees").to_str().unwrap()));
    assert!(branch.starts_with("switchboard/exec-"), "{branch}");
    assert!(Path::new(&worktree).join("made-by-agent.txt").exists());
    assert!(
        !repo.join("made-by-agent.txt").exists(),
        "the main tree is untouched"
    );

    let end = lines.last().unwrap();
    assert_eq!(end["type"], "turn.completed");
    let commit = end["commit"]
        .as_str()
        .expect("a snapshot commit")
        .to_owned();
    assert_eq!(git(&repo, &["cat-file", "-t", &commit]), "commit");
    git(
        &repo,
        &["cat-file", "-e", &format!("{commit}:made-by-agent.txt")],
    );
    let seq = end["seq"].as_u64().unwrap();
    let snapshot_ref = format!("refs/switchboard/{session}/{seq}");
    assert_eq!(git(&repo, &["rev-parse", &snapshot_ref]), commit);
    assert_eq!(
        git(&repo, &["rev-parse", "main"]),
        git(&repo, &["rev-parse", &branch])
    );

    let shown: serde_json::Value =
        serde_json::from_str(&home.ok(&["sessions", "show", &session, "--json"])).unwrap();
    assert_eq!(shown["worktree"], worktree);
    assert_eq!(shown["branch"], branch);
    assert_eq!(shown["last_commit"], commit);
    let text = home.ok(&["sessions", "show", &session]);
    assert!(
        text.contains(&format!("worktree  {worktree} (branch {branch})")),
        "{text}"
    );

    // Outside a repository, --worktree is refused with one line.
    let outside = tempfile::tempdir().unwrap();
    let provider = ScriptedProvider::start(scenario("agent_touch"))
        .await
        .unwrap();
    let output = exec_in(
        &home,
        Some(&provider),
        outside.path(),
        &["--worktree", "x"],
        None,
    )
    .await;
    let line = assert_refused(&output);
    assert!(line.contains("--worktree needs a git repository"), "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_key_never_reaches_the_disk() {
    let home = Home::new();
    // A project file holding the key: the model reads it, the store must not keep it.
    let project = tempfile::tempdir().unwrap();
    std::fs::write(project.path().join("key.txt"), format!("token={KEY}\n")).unwrap();
    let scenario = switchboard::model::scripted::Scenario::from_json(
        r#"{"rules": [
            {"when": {"last_item": "function_call_output"}, "reply": {"output": [{"type": "message", "text": "Saw: {{tool_output}}"}]}},
            {"when": {"last_item": "user_message"}, "reply": {"output": [{"type": "function_call", "arguments": {"command": "printenv OPENAI_API_KEY; cat key.txt; echo done"}}]}}
        ]}"#,
    )
    .unwrap();
    let provider = ScriptedProvider::start(scenario).await.unwrap();
    let output = exec_in(
        &home,
        Some(&provider),
        project.path(),
        &["--approval", "never", "--events", "show me"],
        None,
    )
    .await;
    assert_ok(&output);
    let out = stdout(&output);
    assert!(out.contains("token=[redacted]"), "{out}");
    assert!(!out.contains(KEY) && !stderr(&output).contains(KEY));
    let session = home.ok(&["sessions", "list", "--json"]);
    let id = serde_json::from_str::<serde_json::Value>(&session).unwrap()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!home.ok(&["sessions", "export", &id]).contains(KEY));
    let all = files(home.path());
    assert!(all.iter().any(|f| f.ends_with("store.redb")));
    assert!(all.iter().any(|f| f.starts_with(home.path().join("logs"))));
    for file in all {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            memchr::memmem::find(&bytes, KEY.as_bytes()).is_none(),
            "the key is in {}",
            file.display()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_interrupts_exec_and_kills_the_command() {
    use tokio::io::AsyncBufReadExt;
    let home = Home::new();
    let provider = ScriptedProvider::start(scenario("agent_sleep"))
        .await
        .unwrap();
    let mut child = spawn_exec(&home, &provider, "wait");
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    let pid: u32 = tokio::time::timeout(WAIT, async {
        loop {
            let line = lines.next_line().await.unwrap().expect("exec still runs");
            let value: serde_json::Value = serde_json::from_str(&line).unwrap();
            seen.push(value.clone());
            if value["type"] == "tool.output"
                && let Some(rest) = value["output"].as_str().unwrap().split("pid=").nth(1)
                && let Some((digits, _)) = rest.split_once('\r')
            {
                return digits.parse().unwrap();
            }
        }
    })
    .await
    .expect("the command started");
    let exec_pid = nix::unistd::Pid::from_raw(child.id().unwrap() as i32);
    nix::sys::signal::kill(exec_pid, nix::sys::signal::Signal::SIGINT).unwrap();
    let rest = tokio::time::timeout(WAIT, async {
        let mut rest = Vec::new();
        while let Some(line) = lines.next_line().await.unwrap() {
            rest.push(serde_json::from_str::<serde_json::Value>(&line).unwrap());
        }
        rest
    })
    .await
    .expect("exec ended");
    let status = tokio::time::timeout(WAIT, child.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.code(), Some(130));
    assert_eq!(rest.last().unwrap()["type"], "turn.interrupted");
    let finished = rest.iter().find(|l| l["type"] == "tool.finished").unwrap();
    assert_eq!(finished["killed"], "interrupted by the user");
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "sleep was killed"
    );
    let mut stderr = String::new();
    tokio::io::AsyncReadExt::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr)
        .await
        .unwrap();
    assert!(stderr.contains("interrupted"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_exec_leaves_an_interrupted_session_that_can_be_continued() {
    use tokio::io::AsyncBufReadExt;
    let home = Home::new();
    let provider = ScriptedProvider::start(scenario("agent_sleep"))
        .await
        .unwrap();
    let mut child = spawn_exec(&home, &provider, "wait");
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    tokio::time::timeout(WAIT, async {
        loop {
            let line = lines.next_line().await.unwrap().expect("exec still runs");
            if line.contains("\"tool.output\"") {
                return;
            }
        }
    })
    .await
    .expect("the command started");
    child.start_kill().unwrap();
    child.wait().await.unwrap();

    // The next command that opens the store finds the owner gone.
    let listed: serde_json::Value =
        serde_json::from_str(&home.ok(&["sessions", "list", "--json"])).unwrap();
    assert_eq!(listed[0]["status"], "interrupted");

    // Continuing it sends the dangling call as aborted, then the new message.
    let output = exec(&home, Some(&provider), &["--last", "are you there?"]).await;
    assert_ok(&output);
    assert_eq!(stdout(&output), "Ready for the next thing.\n");
    let input = provider.requests()[1].body["input"].clone();
    let items = input.as_array().unwrap();
    let output_item = items
        .iter()
        .find(|i| i["type"] == "function_call_output")
        .unwrap();
    assert_eq!(output_item["call_id"], "call_sleep");
    assert_eq!(
        output_item["output"],
        switchboard::model::request::CALL_ABORTED
    );
    assert_eq!(items.last().unwrap()["role"], "user");
}
