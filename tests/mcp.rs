#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `switchboard mcp` driven as a child over stdio with raw JSON-RPC lines: the handshake, the
//! tool list and its schemas, malformed lines answered, every session tool against the
//! scripted demo provider, every task tool with shell tasks in a real git repository, status,
//! and every call recorded in the store's MCP log. The key test runs against a scripted
//! provider with a real key in the environment and looks for it everywhere.

mod support;

use std::collections::BTreeSet;

use serde_json::{Value, json};
use support::exec::project_repo;
use support::mcp::{CLIENT, Mcp, poll, wait_for_records};
use support::tasks::home;

const TOOLS: [&str; 14] = [
    "session_start",
    "session_reply",
    "session_list",
    "session_show",
    "session_fork",
    "task_submit",
    "task_list",
    "task_show",
    "task_evidence",
    "task_approve",
    "task_reject",
    "task_retry",
    "task_cancel",
    "status",
];

#[test]
fn the_handshake_lists_described_tools_and_bad_lines_are_answered() {
    let home = home();
    let (_dir, repo) = project_repo();
    let (mut mcp, init) = Mcp::start(&home, &repo, &["--demo"], &[]);
    assert_eq!(init["serverInfo"]["name"], "switchboard");
    assert!(init["capabilities"]["tools"].is_object(), "{init:#}");
    assert!(
        init["instructions"]
            .as_str()
            .unwrap()
            .contains("session_start")
    );

    let listed = mcp.request("tools/list", json!({}));
    let tools = listed["result"]["tools"].as_array().unwrap();
    let names: BTreeSet<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, TOOLS.into_iter().collect());
    for tool in tools {
        let name = &tool["name"];
        assert!(
            tool["description"].as_str().is_some_and(|d| d.len() > 40),
            "{name} needs a description a model can use"
        );
        let schema = &tool["inputSchema"];
        assert_eq!(schema["type"], "object", "{name}");
        for (property, body) in schema["properties"].as_object().unwrap() {
            assert!(
                body["description"].is_string(),
                "{name}.{property} has no description"
            );
        }
    }
    let start = tools.iter().find(|t| t["name"] == "session_start").unwrap();
    assert_eq!(start["inputSchema"]["required"], json!(["prompt"]));

    // Lines that are not requests are answered, and the server reads on.
    mcp.send_line("{this is not json");
    let parse = mcp.next_message();
    assert_eq!(parse["error"]["code"], -32700, "{parse}");
    assert_eq!(parse["id"], Value::Null);
    mcp.send_line(r#"{"jsonrpc":"2.0","id":"odd","method":42}"#);
    let invalid = mcp.next_message();
    assert_eq!(invalid["error"]["code"], -32600, "{invalid}");
    assert_eq!(invalid["id"], "odd");
    mcp.send_line("[1, 2, 3]");
    assert_eq!(mcp.next_message()["error"]["code"], -32600);
    let pong = mcp.request("ping", json!({}));
    assert!(pong["result"].is_object(), "{pong}");

    // Arguments a tool cannot take are refused with the reason, as a tool error the model
    // reads and can correct (MCP's rule for input errors); an unknown tool is a protocol error.
    let message = mcp.tool_error("session_list", json!({"status": "sleeping"}));
    assert!(
        message.contains("unknown `status` \"sleeping\""),
        "{message}"
    );
    let message = mcp.tool_error("session_reply", json!({"session_id": "01"}));
    assert!(message.contains("unknown field `session_id`"), "{message}");
    let message = mcp.tool_error("session_start", json!({"prompt": "  "}));
    assert!(message.contains("`prompt` is empty"), "{message}");
    let (code, message) = mcp.rpc_error("no_such_tool", json!({}));
    assert_eq!(code, -32602);
    assert!(
        message.contains("no tool named \"no_such_tool\""),
        "{message}"
    );
    assert!(message.contains("session_start"), "{message}");

    // Every call is in the store, failures included, with who made it.
    let records = wait_for_records(&home, 4);
    let tools: Vec<&str> = records
        .iter()
        .map(|r| r["tool"].as_str().unwrap())
        .collect();
    assert_eq!(
        tools,
        [
            "session_list",
            "session_reply",
            "session_start",
            "no_such_tool"
        ]
    );
    for record in &records {
        assert_eq!(record["outcome"], "error", "{record}");
        assert_eq!(record["client"], format!("{CLIENT} 1.0"));
        assert!(record["pid"].as_u64().unwrap() > 0);
    }
    assert!(
        records[0]["error"]
            .as_str()
            .unwrap()
            .contains("unknown `status`")
    );
    assert!(mcp.close().success());
}

#[test]
fn sessions_start_reply_list_show_and_fork_with_the_demo_provider() {
    let home = home();
    let (_dir, repo) = project_repo();
    let (mut mcp, _) = Mcp::start(&home, &repo, &["--demo", "--approval", "never"], &[]);

    let (started, progress) = mcp.call_with_progress(
        "session_start",
        json!({"prompt": "list the files here", "worktree": true}),
    );
    let id = started["session"].as_str().unwrap().to_owned();
    // The client asked for progress: the turn's steps came first, in order.
    let steps: Vec<&str> = progress
        .iter()
        .map(|p| p["message"].as_str().unwrap())
        .collect();
    assert!(steps.len() >= 3, "{progress:#?}");
    assert!(steps[0].contains("the turn started"), "{steps:?}");
    assert!(
        steps.iter().any(|s| s.starts_with("running: uname")),
        "{steps:?}"
    );
    assert!(
        steps.iter().any(|s| s.starts_with("exit 0: uname")),
        "{steps:?}"
    );
    assert!(progress.iter().all(|p| {
        p["progressToken"]
            .as_str()
            .unwrap()
            .starts_with("progress-")
    }));
    let counts: Vec<f64> = progress
        .iter()
        .map(|p| p["progress"].as_f64().unwrap())
        .collect();
    assert!(counts.windows(2).all(|w| w[0] < w[1]), "{counts:?}");
    assert_eq!(started["outcome"], "completed", "{started:#}");
    let answer = started["final_message"].as_str().unwrap();
    assert!(answer.contains("The command ran"), "{answer}");
    assert_eq!(started["commands"][0]["exit_code"], 0, "{started:#}");
    let worktree = started["worktree"]["path"].as_str().unwrap();
    assert!(std::path::Path::new(worktree).is_dir());
    assert_eq!(started["cwd"], worktree);
    assert!(started["usage"]["output_tokens"].as_u64().unwrap() > 0);

    let replied = mcp.call(
        "session_reply",
        json!({"session": &id[..13], "prompt": "help: what is this?"}),
    );
    assert_eq!(replied["session"], id);
    assert_eq!(replied["resumed"], true);
    assert!(
        replied["final_message"]
            .as_str()
            .unwrap()
            .contains("scripted demo provider")
    );

    let listed = mcp.call("session_list", json!({"query": "LIST THE FILES"}));
    assert_eq!(listed["matched"], 1, "{listed:#}");
    assert_eq!(listed["sessions"][0]["id"], id);
    assert_eq!(listed["sessions"][0]["turns"], 2);
    let by_dir = mcp.call("session_list", json!({"cwd": worktree, "status": "idle"}));
    assert_eq!(by_dir["matched"], 1, "{by_dir:#}");
    let none = mcp.call("session_list", json!({"status": "failed"}));
    assert_eq!(none["matched"], 0);

    let shown = mcp.call("session_show", json!({"session": &id[..13]}));
    assert_eq!(shown["session"], id);
    assert_eq!(shown["turn_list"].as_array().unwrap().len(), 2, "{shown:#}");
    assert_eq!(shown["turn_list"][0]["prompt"], "list the files here");
    assert_eq!(shown["turn_list"][1]["outcome"], "completed");
    assert!(
        shown["last_message"]
            .as_str()
            .unwrap()
            .contains("scripted demo provider")
    );
    assert!(!shown["preview"].as_array().unwrap().is_empty());

    // A fork after the first turn, with the code as it was then.
    let forked = mcp.call("session_fork", json!({"session": id, "turn": 1}));
    let child = forked["session"].as_str().unwrap().to_owned();
    assert_ne!(child, id);
    assert_eq!(forked["parent"]["id"], id);
    assert!(forked["parent"]["at"].as_u64().is_some());
    let fork_tree = forked["worktree"].as_str().unwrap();
    assert!(std::path::Path::new(fork_tree).join("README.md").exists());
    let fork = mcp.call("session_show", json!({"session": child}));
    assert_eq!(fork["parent"]["id"], id);
    assert_eq!(fork["turn_list"].as_array().unwrap().len(), 1);

    // The server's refusals come back as tool errors with its words.
    let missing = mcp.tool_error("session_show", json!({"session": "ffffffff"}));
    assert!(missing.contains("no session matches"), "{missing}");
    let bad_turn = mcp.tool_error("session_fork", json!({"session": id, "turn": 9}));
    assert!(bad_turn.contains('9'), "{bad_turn}");

    // Each call is recorded with what it concerned; the arguments are summarised.
    let records = wait_for_records(&home, 10);
    let start = &records[0];
    assert_eq!(start["tool"], "session_start");
    assert_eq!(start["outcome"], "ok");
    assert_eq!(start["session"], id);
    let arguments: Value = serde_json::from_str(start["arguments"].as_str().unwrap()).unwrap();
    assert_eq!(
        arguments,
        json!({"prompt": "list the files here", "worktree": true})
    );
    assert!(start["duration_ms"].as_u64().is_some());
    let fork_record = records
        .iter()
        .find(|r| r["tool"] == "session_fork")
        .unwrap();
    assert_eq!(fork_record["session"], child);
    let failed: Vec<&Value> = records.iter().filter(|r| r["outcome"] == "error").collect();
    assert_eq!(failed.len(), 2, "{records:#?}");
    assert!(
        failed[0]["error"]
            .as_str()
            .unwrap()
            .contains("no session matches")
    );
    // The MCP log is not a session of the lists.
    let listed = home.ok(&["sessions", "list", "--json"]);
    assert!(!listed.contains(support::mcp::LOG), "{listed}");
    assert!(mcp.close().success());
}

fn task_state(mcp: &mut Mcp, id: &str, state: &str) -> Value {
    poll(
        mcp,
        "task_show",
        json!({"id": id}),
        &format!("task {id} {state}"),
        |t| t["state"] == state,
    )
}

#[test]
fn tasks_are_submitted_inspected_and_acted_on() {
    let home = home();
    let (_dir, repo) = project_repo();
    let (mut mcp, _) = Mcp::start(&home, &repo, &["--demo"], &[]);

    // A shell task with a validation runs in its own worktree and completes.
    let submitted = mcp.call(
        "task_submit",
        json!({
            "goal": "echo made-by-mcp > out.txt",
            "executor": "shell",
            "validations": ["grep -q made-by-mcp out.txt"],
            "title": "write out.txt",
        }),
    );
    let built = submitted["task"].as_str().unwrap().to_owned();
    assert_eq!(submitted["tasks"][0]["title"], "write out.txt");
    let done = task_state(&mut mcp, &built, "completed");
    assert_eq!(done["task"], built);
    assert_eq!(done["attempts"], 1, "{done:#}");
    let evidence = mcp.call("task_evidence", json!({"id": built, "file": "patch.diff"}));
    let names: Vec<&str> = evidence["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"validation-1.log"), "{names:?}");
    assert!(
        evidence["file"]["text"]
            .as_str()
            .unwrap()
            .contains("+made-by-mcp"),
        "{evidence:#}"
    );
    let missing = mcp.tool_error("task_evidence", json!({"id": built, "file": "nope.txt"}));
    assert!(
        missing.contains("no evidence file \"nope.txt\""),
        "{missing}"
    );

    // A gated task waits for a person: status says so, and an approval completes it.
    let gated = mcp.call(
        "task_submit",
        json!({"goal": "true", "executor": "shell", "gate": true}),
    )["task"]
        .as_str()
        .unwrap()
        .to_owned();
    task_state(&mut mcp, &gated, "awaiting_approval");
    let status = mcp.call("status", json!({}));
    let waiting = status["waiting"].as_array().unwrap();
    assert!(
        waiting
            .iter()
            .any(|w| w["what"] == "task" && w["id"] == gated),
        "{status:#}"
    );
    let approved = mcp.call("task_approve", json!({"id": &gated[..8]}));
    assert_eq!(approved["action"], "approve");
    assert_eq!(approved["task"], gated);
    task_state(&mut mcp, &gated, "completed");

    // Rejected at the gate, retried, then cancelled.
    let other = mcp.call(
        "task_submit",
        json!({"goal": "true", "executor": "shell", "gate": true}),
    )["task"]
        .as_str()
        .unwrap()
        .to_owned();
    task_state(&mut mcp, &other, "awaiting_approval");
    mcp.call(
        "task_reject",
        json!({"id": other, "reason": "not this way"}),
    );
    let rejected = task_state(&mut mcp, &other, "rejected");
    assert!(
        rejected.to_string().contains("not this way"),
        "{rejected:#}"
    );
    mcp.call("task_retry", json!({"id": other}));
    task_state(&mut mcp, &other, "awaiting_approval");
    mcp.call("task_cancel", json!({"id": other}));
    task_state(&mut mcp, &other, "cancelled");

    // A plan: two tasks, the second after the first.
    let plan = "[[task]]\nname = \"one\"\ngoal = \"echo 1 > one.txt\"\nexecutor = \"shell\"\n\n\
                [[task]]\nname = \"two\"\ngoal = \"echo 2 > two.txt\"\nexecutor = \"shell\"\n\
                depends = [\"one\"]\n";
    let planned = mcp.call("task_submit", json!({"plan": plan}));
    let ids: Vec<String> = planned["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 2, "{planned:#}");
    for id in &ids {
        task_state(&mut mcp, id, "completed");
    }
    let completed = mcp.call("task_list", json!({"state": "completed"}));
    let listed: BTreeSet<&str> = completed["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    for id in [&built, &gated, &ids[0], &ids[1]] {
        assert!(listed.contains(id.as_str()), "{id} not in {listed:?}");
    }
    assert!(!listed.contains(other.as_str()));

    // Refusals: the board's words as tool errors, bad arguments as invalid params.
    let unknown = mcp.tool_error("task_show", json!({"id": "no-such-task"}));
    assert!(unknown.contains("no-such-task"), "{unknown}");
    let message = mcp.tool_error("task_submit", json!({}));
    assert!(message.contains("give `goal`"), "{message}");
    let again = mcp.tool_error("task_approve", json!({"id": built}));
    assert!(!again.is_empty());

    // The last call's record is the last written; then every earlier one is there too.
    let mut records = Vec::new();
    let last = support::wait_for(support::mcp::WAIT, || {
        records = support::mcp::records(&home);
        records
            .iter()
            .any(|r| r["tool"] == "task_approve" && r["outcome"] == "error")
    });
    assert!(last, "{records:#?}");
    let submit = records.iter().find(|r| r["tool"] == "task_submit").unwrap();
    assert_eq!(submit["task"], built);
    assert_eq!(submit["outcome"], "ok");
    let approve = records
        .iter()
        .find(|r| r["tool"] == "task_approve")
        .unwrap();
    assert_eq!(approve["task"], gated);
    assert!(records.iter().any(|r| r["tool"] == "status"));
    assert!(mcp.close().success());
}

/// The key this test's environment holds: the model gets it, nothing else does.
const KEY: &str = "sk-mcp-SECRET-31337";

#[test]
fn the_key_reaches_the_model_and_nothing_else() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let scenario = support::agent::scenario("agent_round_trip");
    let provider = runtime
        .block_on(switchboard::model::scripted::ScriptedProvider::start(
            scenario,
        ))
        .unwrap();
    let home = home();
    let (_dir, repo) = project_repo();
    let base_url = provider.base_url();
    let env = [
        ("OPENAI_API_KEY", KEY),
        ("OPENAI_BASE_URL", base_url.as_str()),
    ];
    let (mut mcp, _) = Mcp::start(&home, &repo, &["--approval", "never"], &env);

    let started = mcp.call("session_start", json!({"prompt": "run the command"}));
    assert_eq!(started["outcome"], "completed", "{started:#}");
    assert_eq!(started["commands"][0]["exit_code"], 3, "{started:#}");
    assert!(
        started["final_message"]
            .as_str()
            .unwrap()
            .contains("hello from the shell")
    );
    assert!(!provider.requests().is_empty());
    assert!(provider.requests().iter().all(|r| r.authorized));

    // A key pasted into arguments is redacted from the errors and the records.
    let refused = mcp.tool_error("session_show", json!({"session": KEY}));
    assert!(
        !refused.contains(KEY) && refused.contains("[redacted]"),
        "{refused}"
    );
    mcp.call("session_list", json!({"query": format!("about {KEY}")}));
    let records = wait_for_records(&home, 3);
    for record in &records {
        assert!(!record.to_string().contains(KEY), "{record}");
    }
    assert!(
        records[2]["arguments"]
            .as_str()
            .unwrap()
            .contains("about [redacted]")
    );
    let stderr = mcp.stderr();
    assert!(mcp.close().success());
    assert!(!stderr.contains(KEY), "{stderr}");

    // Not in any file of the home (store, logs, worktrees), nor in any session's events.
    for file in support::exec::files(home.path()) {
        let bytes = std::fs::read(&file).unwrap_or_default();
        let found = bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes());
        assert!(!found, "the key is in {}", file.display());
    }
    let export = home.ok(&["sessions", "export", support::mcp::LOG]);
    let session = started["session"].as_str().unwrap();
    let transcript = home.ok(&["sessions", "export", session]);
    assert!(!export.contains(KEY) && !transcript.contains(KEY));
}

#[test]
fn without_a_key_turns_are_refused_rather_than_faked() {
    let home = home();
    let (_dir, repo) = project_repo();
    let (mut mcp, _) = Mcp::start(&home, &repo, &[], &[]);
    let refused = mcp.tool_error("session_start", json!({"prompt": "hello"}));
    assert!(
        refused.starts_with("no API key: set OPENAI_API_KEY or CODEX_API_KEY")
            && refused.contains("--demo"),
        "{refused}"
    );
    // Reading needs no key.
    let listed = mcp.call("session_list", json!({}));
    assert_eq!(listed["total"], 0);
    assert!(mcp.close().success());
}
