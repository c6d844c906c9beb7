//! The task board end to end: the real binary, its server, real git and real processes. A
//! plan through to completed with evidence whose hashes verify; retries with the failure as
//! context; blocked dependents; gates; the cap; bad input refused with nothing admitted.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::process::Command;

use support::tasks::{
    history, home, list, ok, record, refused, repo, submit, task_in, wait_state, write,
};

#[test]
fn a_plan_completes_with_dependencies_merged_and_evidence_that_verifies() {
    let home = home();
    let (_dir, repo) = repo();
    let plan = write(
        &repo,
        "plan.toml",
        r#"
name = "three"
executor = "shell"

[[task]]
name = "make-a"
goal = "echo from-a > a.txt"
validations = ["test -f a.txt"]

[[task]]
name = "use-a"
goal = "cat a.txt > b.txt && echo more >> b.txt"
depends = ["make-a"]
validations = ["grep -q from-a b.txt", "test -f README.md"]

[[task]]
name = "alone"
goal = "true"
"#,
    );
    let output = task_in(
        &home,
        &repo,
        &["submit", plan.to_str().unwrap(), "--wait", "--json"],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        support::tasks::stderr(&output)
    );
    let records: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(records.len(), 3);
    assert!(
        records.iter().all(|r| r["state"] == "completed"),
        "{records:#?}"
    );
    let use_a = &records[1];
    assert_eq!(use_a["depends"][0], records[0]["id"]);
    let attempt = &use_a["attempt_records"][0];
    // The dependency's result was merged into the attempt's start.
    assert_eq!(
        attempt["merged"][0]["commit"],
        records[0]["attempt_records"][0]["result"]["commit"]
    );
    assert!(
        attempt["branch"]
            .as_str()
            .unwrap()
            .starts_with("switchboard/task/")
    );
    assert_eq!(attempt["validations"].as_array().unwrap().len(), 2);

    // Evidence exported as files that `sha256sum -c` verifies, hashes matching the board's.
    let out = repo.parent().unwrap().join("evidence");
    let id = use_a["id"].as_str().unwrap();
    ok(
        &home,
        &repo,
        &["evidence", id, "--export", out.to_str().unwrap()],
    );
    let check = Command::new("sha256sum")
        .args(["-c", "SHA256SUMS"])
        .current_dir(&out)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    let patch = std::fs::read(out.join("patch.diff")).unwrap();
    assert_eq!(
        attempt["result"]["patch_sha256"].as_str().unwrap(),
        switchboard::tasks::evidence::sha256_hex(&patch)
    );
    let patch = String::from_utf8(patch).unwrap();
    assert!(
        patch.contains("+from-a") && patch.contains("b.txt"),
        "{patch}"
    );
    let file = &attempt["result"]["files"][0];
    assert_eq!(file["path"], "b.txt");
    assert_eq!(
        file["sha256"].as_str().unwrap(),
        switchboard::tasks::evidence::sha256_hex(b"from-a\nmore\n")
    );
    for name in [
        "input.txt",
        "task.json",
        "prompt.txt",
        "transcript.jsonl",
        "validation-1.log",
        "validation-2.log",
        "result.json",
    ] {
        assert!(out.join(name).is_file(), "{name} missing");
    }
    assert!(
        std::fs::read_to_string(out.join("input.txt"))
            .unwrap()
            .contains("[[task]]")
    );
    let transcript = std::fs::read_to_string(out.join("transcript.jsonl")).unwrap();
    assert!(transcript.contains("tool.started") && transcript.contains("task.patch"));

    // The text surfaces name what happened.
    let show = ok(&home, &repo, &["show", "use-a"]);
    assert!(
        show.contains("completed") && show.contains("grep -q from-a b.txt"),
        "{show}"
    );
    let graph = ok(&home, &repo, &["graph", "use-a"]);
    assert!(graph.contains("make-a"), "{graph}");
    let logs = ok(&home, &repo, &["logs", "use-a"]);
    assert!(logs.contains("$ cat a.txt > b.txt"), "{logs}");
    let listed = ok(&home, &repo, &["list", "--state", "completed"]);
    assert_eq!(listed.lines().count(), 3, "{listed}");
}

#[test]
fn a_failed_validation_starts_a_second_attempt_with_the_failure_as_context() {
    let home = home();
    write(
        home.path(),
        "config.toml",
        "[tasks.commands]\nrecord = \"printf '%s' {prompt} > prompt.txt\"\n",
    );
    let (dir, repo) = repo();
    let counter = dir.path().join("count");
    // Fails the first time it runs, passes the second.
    let check = format!(
        "n=$(cat {c} 2>/dev/null || echo 0); echo $((n+1)) > {c}; echo check run $n; [ $n -ge 1 ]",
        c = counter.display()
    );
    let output = task_in(
        &home,
        &repo,
        &[
            "submit",
            "--goal",
            "write the thing",
            "--executor",
            "record",
            "--validation",
            &check,
            "--wait",
            "--json",
        ],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        support::tasks::stderr(&output)
    );
    let record: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(record["state"], "completed");
    let attempts = record["attempt_records"].as_array().unwrap();
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[0]["validations"][0]["passed"], false);
    assert_eq!(attempts[1]["validations"][0]["passed"], true);
    assert_eq!(
        history(&record),
        [
            "queued",
            "running",
            "validating",
            "queued",
            "running",
            "validating",
            "completed"
        ]
    );
    // The second attempt's prompt carries the first one's failure.
    let prompt = std::fs::read_to_string(format!(
        "{}/prompt.txt",
        attempts[1]["worktree"].as_str().unwrap()
    ))
    .unwrap();
    assert!(prompt.starts_with("write the thing"), "{prompt}");
    assert!(
        prompt.contains("did not pass") && prompt.contains("check run 0"),
        "{prompt}"
    );
}

#[test]
fn a_failed_dependency_blocks_its_dependents_and_retry_unblocks_them() {
    let home = home();
    let (dir, repo) = repo();
    let flag = dir.path().join("ok");
    let plan = write(
        &repo,
        "plan.toml",
        &format!(
            r#"
executor = "shell"
[[task]]
name = "base"
goal = "test -f {}"
[[task]]
name = "mid"
goal = "true"
depends = ["base"]
[[task]]
name = "top"
goal = "true"
depends = ["mid"]
"#,
            flag.display()
        ),
    );
    let output = task_in(&home, &repo, &["submit", plan.to_str().unwrap(), "--wait"]);
    // The first task that did not complete decides the code: failed_agent.
    assert_eq!(
        output.status.code(),
        Some(4),
        "{}",
        support::tasks::stdout(&output)
    );
    let mid = record(&home, &repo, "mid");
    assert_eq!(mid["state"], "blocked");
    assert!(
        mid["note"].as_str().unwrap().contains("dependency base"),
        "{mid:#}"
    );
    assert_eq!(record(&home, &repo, "top")["state"], "blocked");
    assert_eq!(record(&home, &repo, "top")["attempts"], 0);

    std::fs::write(&flag, "").unwrap();
    ok(&home, &repo, &["retry", "base"]);
    wait_state(&home, &repo, "top", "completed");
    assert_eq!(record(&home, &repo, "base")["attempts"], 2);
}

#[test]
fn gates_wait_for_a_person_approved_or_rejected() {
    let home = home();
    // Whoever is needed is told: the configured notify command gets a JSON payload.
    let told = home.path().join("told.jsonl");
    write(
        home.path(),
        "config.toml",
        &format!(
            "notify = [\"sh\", \"-c\", \"echo \\\"$1\\\" >> {}\", \"notify\"]\n",
            told.display()
        ),
    );
    let (_dir, repo) = repo();
    let a = submit(
        &home,
        &repo,
        &[
            "--goal",
            "echo a > a.txt",
            "--executor",
            "shell",
            "--gate",
            "--title",
            "gated-a",
        ],
    );
    let b = submit(
        &home,
        &repo,
        &[
            "--goal",
            "true",
            "--executor",
            "shell",
            "--gate",
            "--title",
            "gated-b",
        ],
    );
    let after = submit(
        &home,
        &repo,
        &["--goal", "true", "--executor", "shell", "--depends", &b],
    );
    let waiting = wait_state(&home, &repo, &a, "awaiting_approval");
    assert!(
        waiting["note"].as_str().unwrap().starts_with("gate"),
        "{waiting:#}"
    );
    wait_state(&home, &repo, &b, "awaiting_approval");
    // Its dependent waits too.
    assert_eq!(record(&home, &repo, &after)["state"], "queued");

    let said = ok(&home, &repo, &["approve", &a]);
    assert!(said.contains("completed"), "{said}");
    assert_eq!(record(&home, &repo, &a)["state"], "completed");
    let last = record(&home, &repo, &a)["history"]
        .as_array()
        .unwrap()
        .last()
        .cloned()
        .unwrap();
    assert_eq!(last["by"], "user");

    ok(
        &home,
        &repo,
        &["reject", &b, "--reason", "not what we want"],
    );
    let rejected = record(&home, &repo, &b);
    assert_eq!(rejected["state"], "rejected");
    assert!(
        rejected["note"]
            .as_str()
            .unwrap()
            .contains("not what we want")
    );
    wait_state(&home, &repo, &after, "blocked");

    // Approving what does not wait is refused.
    let line = refused(&home, &repo, &["approve", &a]);
    assert!(line.contains("not awaiting approval"), "{line}");
    let told = std::fs::read_to_string(&told).unwrap();
    assert!(
        told.contains("\"type\":\"needs-you\"") && told.contains("gated-a is awaiting approval"),
        "{told}"
    );
}

#[test]
fn a_timeout_and_a_cancel_stop_the_command() {
    let home = home();
    let (_dir, repo) = repo();
    let output = task_in(
        &home,
        &repo,
        &[
            "submit",
            "--goal",
            "sleep 30",
            "--executor",
            "shell",
            "--timeout",
            "1s",
            "--wait",
            "--json",
        ],
    );
    assert_eq!(
        output.status.code(),
        Some(5),
        "{}",
        support::tasks::stderr(&output)
    );
    let record: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(record["state"], "timeout");
    assert_eq!(record["attempt_records"][0]["result"]["outcome"], "timeout");

    let id = submit(
        &home,
        &repo,
        &["--goal", "touch started; sleep 30", "--executor", "shell"],
    );
    support::tasks::wait_for_worktree(&home, &repo, &id, 1);
    ok(&home, &repo, &["cancel", &id]);
    let cancelled = wait_state(&home, &repo, &id, "cancelled");
    assert_eq!(history(&cancelled).last().unwrap(), "cancelled");
    let line = refused(&home, &repo, &["cancel", &id]);
    assert!(line.contains("already cancelled"), "{line}");
}

#[test]
fn the_cap_is_never_exceeded() {
    let home = home();
    let (_dir, repo) = repo();
    let mut text = String::from("executor = \"shell\"\nmax_running = 3\n");
    for i in 0..50 {
        text.push_str(&format!(
            "[[task]]\nname = \"t{i}\"\ngoal = \"sleep 0.05; echo {i} > f{i}\"\n"
        ));
    }
    let plan = write(&repo, "plan.toml", &text);
    let output = task_in(
        &home,
        &repo,
        &["submit", plan.to_str().unwrap(), "--wait", "--json"],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        support::tasks::stderr(&output)
    );
    let records: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(records.len(), 50);
    // Each task holds a place from its start (running) to its end (completed).
    let mut edges: Vec<(String, i32)> = Vec::new();
    for r in &records {
        let h = r["history"].as_array().unwrap();
        let start = h.iter().find(|e| e["state"] == "running").unwrap()["at"]
            .as_str()
            .unwrap();
        let end = h.iter().find(|e| e["state"] == "completed").unwrap()["at"]
            .as_str()
            .unwrap();
        edges.push((start.to_owned(), 1));
        edges.push((end.to_owned(), -1));
    }
    // RFC 3339 with fixed microseconds sorts as time; at equal times ends come first.
    edges.sort();
    let (mut now, mut most) = (0, 0);
    for (_, step) in edges {
        now += step;
        most = most.max(now);
    }
    assert!(most <= 3, "{most} tasks ran at once under a cap of 3");
    assert!(most >= 2, "the cap was never used: {most}");
}

#[test]
fn bad_input_is_refused_in_one_line_and_nothing_is_admitted() {
    let home = home();
    write(
        home.path(),
        "config.toml",
        "[tasks]\ncodex = [\"/nonexistent/codex\"]\n",
    );
    let (dir, repo) = repo();
    let plain = dir.path().join("plain");
    std::fs::create_dir(&plain).unwrap();
    let cycle = write(
        &repo,
        "cycle.toml",
        "[[task]]\nname = \"a\"\ngoal = \"x\"\ndepends = [\"b\"]\n[[task]]\nname = \"b\"\ngoal = \"x\"\ndepends = [\"a\"]\n",
    );
    let dup = write(
        &repo,
        "dup.toml",
        "[[task]]\nname = \"a\"\ngoal = \"x\"\n[[task]]\nname = \"a\"\ngoal = \"y\"\n",
    );
    let unknown_dep = write(
        &repo,
        "dep.toml",
        "[[task]]\nname = \"a\"\ngoal = \"x\"\ndepends = [\"nope\"]\n",
    );
    let unknown_key = write(
        &repo,
        "key.toml",
        "[[task]]\nname = \"a\"\ngoal = \"x\"\ncolour = \"red\"\n",
    );
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["submit", cycle.to_str().unwrap()],
            "dependency cycle: a → b → a",
        ),
        (
            vec!["submit", dup.to_str().unwrap()],
            "appears more than once",
        ),
        (
            vec!["submit", unknown_dep.to_str().unwrap()],
            "unknown dependency \"nope\"",
        ),
        (
            vec!["submit", unknown_key.to_str().unwrap()],
            "plan line 4: unknown field `colour`",
        ),
        (
            vec!["submit", "--goal", "x", "--base", "no-such-ref"],
            "base \"no-such-ref\" does not exist",
        ),
        (
            vec!["submit", "--goal", "x", "--repo", plain.to_str().unwrap()],
            "is not inside a git repository",
        ),
        (
            vec!["submit", "--goal", "x", "--executor", "codex"],
            "not installed or not on PATH",
        ),
        (
            vec!["submit", "--goal", "x", "--executor", "claude"],
            "unknown executor \"claude\"",
        ),
        (
            vec!["submit", "--goal", "x", "--depends", "zzzz"],
            "unknown dependency \"zzzz\"",
        ),
        (
            vec!["submit", "--goal", "x", "--approval", "sometimes"],
            "unknown approval policy",
        ),
        (
            vec!["submit", "--goal", "x", "--timeout", "soon"],
            "not a duration",
        ),
        (vec!["show", "nope"], "no task matches"),
        (vec!["list", "--state", "sleeping"], "unknown state"),
    ];
    for (args, want) in cases {
        let line = refused(&home, &repo, &args);
        assert!(line.contains(want), "{args:?}: {line}");
    }
    assert!(list(&home, &repo).is_empty());
}

#[test]
fn a_validation_command_that_is_not_found_is_a_failed_validation_with_its_output() {
    let home = home();
    let (_dir, repo) = repo();
    let output = task_in(
        &home,
        &repo,
        &[
            "submit",
            "--goal",
            "true",
            "--executor",
            "shell",
            "--validation",
            "no-such-checker --all",
            "--attempts",
            "1",
            "--wait",
            "--json",
        ],
    );
    assert_eq!(
        output.status.code(),
        Some(3),
        "{}",
        support::tasks::stderr(&output)
    );
    let record: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(record["state"], "failed_validation");
    let v = &record["attempt_records"][0]["validations"][0];
    assert_eq!(v["exit_code"], 127);
    let logs = ok(&home, &repo, &["logs", record["id"].as_str().unwrap()]);
    assert!(
        logs.contains("no-such-checker") && logs.contains("not found"),
        "{logs}"
    );
}

#[test]
fn conflicting_dependency_results_block_the_task_naming_files_and_dependencies() {
    let home = home();
    let (_dir, repo) = repo();
    let plan = write(
        &repo,
        "plan.toml",
        r#"
executor = "shell"
[[task]]
name = "left"
goal = "echo left > README.md"
[[task]]
name = "right"
goal = "echo right > README.md"
[[task]]
name = "both"
goal = "true"
depends = ["left", "right"]
"#,
    );
    let output = task_in(&home, &repo, &["submit", plan.to_str().unwrap(), "--wait"]);
    assert_eq!(
        output.status.code(),
        Some(7),
        "{}",
        support::tasks::stdout(&output)
    );
    let both = record(&home, &repo, "both");
    assert_eq!(both["state"], "blocked");
    let note = both["note"].as_str().unwrap();
    assert!(
        note.contains("README.md") && note.contains("right"),
        "{note}"
    );
    assert_eq!(history(&both).last().unwrap(), "blocked");
    // Retried, it conflicts again the same way (its first try left nothing behind).
    ok(&home, &repo, &["retry", "both"]);
    let again = wait_state(&home, &repo, "both", "blocked");
    assert!(
        again["note"].as_str().unwrap().contains("README.md"),
        "{again:#}"
    );
}
