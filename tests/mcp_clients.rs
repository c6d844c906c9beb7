#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Proof with clients we did not write: the official MCP Python SDK (PyPI `mcp`) lists the
//! tools of `switchboard mcp` and calls a session tool and a task tool
//! (`tests/mcp/python_client.py`); the real Codex CLI (npm `@openai/codex`), configured with
//! `[mcp_servers.switchboard]`, lists our server, offers our tools to its model (the scripted
//! provider) and runs the `status` call that model makes. Both are installed once per target
//! directory; without python3/pip or npm the tests fail, saying so.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use support::exec::project_repo;
use support::mcp::wait_for_records;
use support::tasks::home;
use switchboard::model::scripted::{Scenario, ScriptedProvider};

/// Pinned so a new SDK release cannot change what this proves without a commit.
const PYTHON_SDK: &str = "2.3.0";

/// Installing, then one run of a client: generous for a shared machine.
const WAIT: Duration = Duration::from_secs(300);

/// A venv holding `mcp==PYTHON_SDK`, made on first use; its python.
fn python() -> PathBuf {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("mcp-python-{PYTHON_SDK}"));
    let python = venv.join("bin/python");
    let done = venv.join("installed");
    if done.exists() && python.exists() {
        return python;
    }
    let lock =
        std::fs::File::create(std::env::temp_dir().join("switchboard-mcp-python.lock")).unwrap();
    let _guard = nix::fcntl::Flock::lock(lock, nix::fcntl::FlockArg::LockExclusive).unwrap();
    if !done.exists() {
        let venv_made = std::process::Command::new("python3")
            .args(["-m", "venv", "--clear"])
            .arg(&venv)
            .output()
            .unwrap_or_else(|e| panic!("this test needs python3 (with venv) on PATH: {e}"));
        assert!(
            venv_made.status.success(),
            "python3 -m venv failed: {}",
            String::from_utf8_lossy(&venv_made.stderr)
        );
        let installed = std::process::Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .arg(format!("mcp=={PYTHON_SDK}"))
            .output()
            .unwrap();
        assert!(
            installed.status.success(),
            "pip could not install the MCP Python SDK (mcp=={PYTHON_SDK}): {}",
            String::from_utf8_lossy(&installed.stderr)
        );
        std::fs::write(&done, PYTHON_SDK).unwrap();
    }
    python
}

/// Runs `command` to its end within [`WAIT`].
async fn finish(mut command: tokio::process::Command) -> std::process::Output {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let child = command.spawn().unwrap();
    tokio::time::timeout(WAIT, child.wait_with_output())
        .await
        .expect("the client finished in time")
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_python_sdk_lists_and_calls_tools() {
    let python = python();
    let home = home();
    let (_dir, repo) = project_repo();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mcp/python_client.py");
    let mut command = tokio::process::Command::new(python);
    command
        .arg(script)
        .env("SWITCHBOARD_BIN", support::bin())
        .env("SWITCHBOARD_HOME", home.path())
        .env("HOME", home.path())
        .env("WORKDIR", &repo)
        .env_remove("OPENAI_API_KEY")
        .env_remove("CODEX_API_KEY");
    let output = finish(command).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the Python client failed: {stderr}"
    );
    let seen: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)));

    assert_eq!(seen["server"], "switchboard");
    let tools: Vec<&str> = seen["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(tools.len(), 14, "{tools:?}");
    for tool in ["session_start", "task_submit", "status"] {
        assert!(tools.contains(&tool), "{tools:?}");
    }
    assert_eq!(
        seen["schemas"]["task_reject"]["required"],
        serde_json::json!(["id", "reason"])
    );
    let session = seen["started"]["session"].as_str().unwrap();
    assert_eq!(seen["started"]["outcome"], "completed", "{seen:#}");
    assert_eq!(seen["shown"]["session"], session);
    let task = seen["submitted"]["task"].as_str().unwrap();
    let listed = seen["listed"]["tasks"].as_array().unwrap();
    assert!(listed.iter().any(|t| t["id"] == task), "{seen:#}");
    assert_eq!(seen["refused"]["is_error"], true);
    assert!(
        seen["refused"]["text"]
            .as_str()
            .unwrap()
            .contains("no session matches")
    );

    // The SDK's calls are in the store's MCP log, under the name it gave.
    let records = tokio::task::spawn_blocking(move || {
        let records = wait_for_records(&home, 5);
        drop(home);
        records
    })
    .await
    .unwrap();
    let called: Vec<&str> = records
        .iter()
        .map(|r| r["tool"].as_str().unwrap())
        .collect();
    assert_eq!(
        called,
        [
            "session_start",
            "session_show",
            "task_submit",
            "task_list",
            "session_show"
        ]
    );
    assert!(
        records
            .iter()
            .all(|r| r["client"].as_str().is_some_and(|c| !c.is_empty()))
    );
}

fn scenario(name: &str) -> Scenario {
    Scenario::load(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("fixtures/scenarios/{name}.json")),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_codex_cli_lists_our_server_and_calls_its_tools() {
    let codex = tokio::task::spawn_blocking(support::codex::cli)
        .await
        .unwrap();
    let home = home();
    let (dir, repo) = project_repo();
    let provider = ScriptedProvider::start(scenario("codex_mcp"))
        .await
        .unwrap();
    let server = format!(
        "[mcp_servers.switchboard]\ncommand = \"{}\"\nargs = [\"--demo\", \"mcp\"]\n\
         env = {{ SWITCHBOARD_HOME = \"{}\" }}\n",
        support::bin().display(),
        home.path().display()
    );
    let codex_home = support::codex::home(dir.path(), &provider.base_url(), &server);
    let codex_command = |args: &[&str]| {
        let mut command = tokio::process::Command::new(&codex);
        command
            .args(args)
            .current_dir(&repo)
            .env("CODEX_HOME", &codex_home)
            .env("HOME", home.path())
            .env("SCRIPTED_KEY", "any")
            .env_remove("OPENAI_API_KEY")
            .env_remove("CODEX_API_KEY");
        command
    };

    let listed = finish(codex_command(&["mcp", "list", "--json"])).await;
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    let servers: Value = serde_json::from_slice(&listed.stdout).unwrap();
    let ours = &servers[0];
    assert_eq!(ours["name"], "switchboard", "{servers:#}");
    assert_eq!(ours["enabled"], true);
    assert_eq!(
        ours["transport"]["args"],
        serde_json::json!(["--demo", "mcp"])
    );

    let ran = finish(codex_command(&[
        "exec",
        "--skip-git-repo-check",
        "--json",
        "say hello",
    ]))
    .await;
    let stderr = String::from_utf8_lossy(&ran.stderr);
    assert!(ran.status.success(), "codex exec failed: {stderr}");

    // Codex offered our tools to its model, as the namespace of our server.
    let requests = provider.requests();
    let offered = requests[0].body["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "mcp__switchboard")
        .unwrap_or_else(|| panic!("no mcp__switchboard tools: {:#}", requests[0].body["tools"]));
    let names: BTreeSet<&str> = offered["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 14, "{names:?}");
    assert!(names.contains("session_start") && names.contains("task_submit"));

    // The scripted model called `status`; Codex ran it through our server.
    let events: Vec<Value> = String::from_utf8_lossy(&ran.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let call = events
        .iter()
        .find(|e| e["type"] == "item.completed" && e["item"]["type"] == "mcp_tool_call")
        .unwrap_or_else(|| panic!("no MCP tool call: {events:#?}"));
    assert_eq!(call["item"]["server"], "switchboard");
    assert_eq!(call["item"]["tool"], "status");
    assert_eq!(call["item"]["status"], "completed", "{call:#}");
    assert!(
        call["item"]["result"]["structured_content"]["waiting"].is_array(),
        "{call:#}"
    );
    let answer = events
        .iter()
        .rev()
        .find(|e| e["item"]["type"] == "agent_message")
        .unwrap();
    assert!(
        answer["item"]["text"]
            .as_str()
            .unwrap()
            .contains("running_tasks"),
        "{answer:#}"
    );

    // And the call is in the store's MCP log, under Codex's name.
    let records = tokio::task::spawn_blocking(move || {
        let records = wait_for_records(&home, 1);
        drop(home);
        records
    })
    .await
    .unwrap();
    assert_eq!(records[0]["tool"], "status");
    assert_eq!(records[0]["outcome"], "ok");
    let client = records[0]["client"].as_str().unwrap();
    assert!(client.contains("codex"), "{client}");
}
