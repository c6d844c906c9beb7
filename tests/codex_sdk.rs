#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The proof with a client we did not write: the official Codex TypeScript SDK (npm
//! `@openai/codex-sdk`), pointed at our binary (`codexPathOverride`) and at the scripted
//! provider (`baseUrl`), runs `thread.run`, `thread.runStreamed`, `codex.resumeThread(id).run`
//! and a run with `outputSchema` (`tests/codex_sdk/drive.mjs`), with the turn in the exec
//! process and through a running server. npm installs the SDK once per test binary into
//! `CARGO_TARGET_TMPDIR`; without node or npm the test fails, saying so.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use serde_json::{Value, json};
use support::Home;
use support::agent::{WAIT, scenario};
use support::exec::{files, project_repo};
use switchboard::model::scripted::ScriptedProvider;

/// Pinned so a new SDK release cannot change what this proves without a commit; to move it,
/// read the new `dist/index.js` (the class that spawns `exec`) and update docs/EXEC.md.
const SDK_VERSION: &str = "0.163.0";
/// What the SDK hands our binary as `CODEX_API_KEY`; it must never reach the disk.
const SDK_KEY: &str = "sk-sdk-SECRET-90210";

/// The SDK's entry module, installed on first use.
fn sdk_entry() -> &'static Path {
    static ENTRY: OnceLock<PathBuf> = OnceLock::new();
    ENTRY.get_or_init(install_sdk)
}

fn install_sdk() -> PathBuf {
    let prefix = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("codex-sdk-{SDK_VERSION}"));
    let entry = prefix.join("node_modules/@openai/codex-sdk/dist/index.js");
    let done = prefix.join("installed");
    if done.exists() && entry.exists() {
        return entry;
    }
    // --omit=optional: the SDK depends on @openai/codex, whose optional dependencies are
    // Codex's own native binaries (hundreds of MB); the override makes them unnecessary.
    let output = Command::new("npm")
        .args([
            "install",
            "--no-audit",
            "--no-fund",
            "--omit=optional",
            "--prefix",
        ])
        .arg(&prefix)
        .arg(format!("@openai/codex-sdk@{SDK_VERSION}"))
        .output()
        .unwrap_or_else(|e| panic!("this test needs npm (and node) on PATH: {e}"));
    assert!(
        output.status.success() && entry.exists(),
        "npm could not install @openai/codex-sdk@{SDK_VERSION}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::write(&done, SDK_VERSION).unwrap();
    entry
}

/// Runs the driver script against `provider` with `home` as switchboard's home.
async fn drive(home: &Home, provider: &ScriptedProvider, workdir: &Path) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/codex_sdk/drive.mjs");
    let mut command = tokio::process::Command::new("node");
    command
        .arg(script)
        .env("SDK_ENTRY", sdk_entry())
        .env("SWITCHBOARD_BIN", support::bin())
        .env("BASE_URL", provider.base_url())
        .env("API_KEY", SDK_KEY)
        .env("WORKDIR", workdir)
        .env("CHILD_HOME", home.path())
        .env("SWITCHBOARD_HOME", home.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let child = command
        .spawn()
        .unwrap_or_else(|e| panic!("this test needs node on PATH: {e}"));
    let output = tokio::time::timeout(WAIT * 2, child.wait_with_output())
        .await
        .expect("the SDK driver finished in time")
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the SDK driver failed: {stderr}\n{stdout}"
    );
    assert!(!stdout.contains(SDK_KEY) && !stderr.contains(SDK_KEY));
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

fn types(items: &Value) -> Vec<&str> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["type"].as_str().unwrap())
        .collect()
}

/// The user messages of the request whose last user message is `last`.
fn conversation_ending_with(provider: &ScriptedProvider, last: &str) -> Vec<String> {
    provider
        .requests()
        .iter()
        .map(|request| {
            request.body["input"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|item| item["role"] == "user")
                .map(|item| item["content"][0]["text"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        })
        .find(|texts| texts.last().map(String::as_str) == Some(last))
        .unwrap_or_else(|| panic!("no request ended with {last:?}"))
}

fn check(result: &Value, home: &Home, provider: &ScriptedProvider) {
    // thread.run: the final response and every item, in order.
    let first = &result["first"];
    let items = &first["items"];
    assert_eq!(
        types(items),
        [
            "reasoning",
            "agent_message",
            "command_execution",
            "agent_message"
        ],
        "{first}"
    );
    let command = &items[2];
    assert_eq!(command["command"], "printf 'hello from the sdk\\n'");
    assert_eq!(command["aggregated_output"], "hello from the sdk\n");
    assert_eq!(command["exit_code"], 0);
    assert_eq!(command["status"], "completed");
    let answer = first["finalResponse"].as_str().unwrap();
    assert!(answer.starts_with("The command said:"), "{answer}");
    assert!(answer.contains("hello from the sdk"), "{answer}");
    assert!(
        first["usage"]["input_tokens"].as_u64().unwrap() > 0,
        "{first}"
    );

    // thread.runStreamed: the events in order (the SDK resumed the thread by id).
    let thread = result["threadId"].as_str().unwrap();
    let events = &result["events"];
    assert_eq!(
        types(events),
        [
            "thread.started",
            "turn.started",
            "item.completed",
            "turn.completed"
        ],
        "{events}"
    );
    assert_eq!(events[0]["thread_id"], thread);
    assert_eq!(
        events[2]["item"],
        json!({"id": "item_0", "type": "agent_message", "text": "You said: and now something else"})
    );

    // codex.resumeThread(id).run: the same session goes on, with the whole conversation.
    assert_eq!(result["resumedId"], thread);
    assert_eq!(
        result["third"]["finalResponse"],
        "You said: what did I ask first?"
    );
    assert_eq!(
        conversation_ending_with(provider, "what did I ask first?"),
        [
            "run the greeting command",
            "and now something else",
            "what did I ask first?"
        ]
    );
    let shown: Value =
        serde_json::from_str(&home.ok(&["sessions", "show", thread, "--json"])).unwrap();
    assert_eq!(shown["turns"], 3, "{shown}");

    // outputSchema: sent as strict text.format; the answer matches; a mismatch fails the run.
    let structured: Value =
        serde_json::from_str(result["structured"]["finalResponse"].as_str().unwrap()).unwrap();
    assert_eq!(structured, json!({"summary": "all good", "files": 2}));
    let format = provider
        .requests()
        .iter()
        .find_map(|r| r.body.get("text").cloned())
        .expect("a request with text.format")["format"]
        .clone();
    assert_eq!(format["type"], "json_schema");
    assert_eq!(format["strict"], true);
    assert_eq!(format["schema"]["required"], json!(["summary", "files"]));
    let mismatch = result["mismatch"].as_str().unwrap();
    assert!(
        mismatch.contains("does not match --output-schema"),
        "{mismatch}"
    );
    assert!(mismatch.contains("missing required property"), "{mismatch}");

    // What we cannot honour is refused, and the SDK reports our one line.
    let sandboxed = result["sandboxed"].as_str().unwrap();
    assert!(
        sandboxed.contains("--sandbox workspace-write: switchboard has no sandbox"),
        "{sandboxed}"
    );
    let image = result["image"].as_str().unwrap();
    assert!(image.contains("--image is not supported"), "{image}");

    // The key came from the SDK (CODEX_API_KEY), was used, and never reached the disk.
    assert!(provider.requests().iter().all(|r| r.authorized));
    for file in files(home.path()) {
        let bytes = std::fs::read(&file).unwrap_or_default();
        let found = bytes
            .windows(SDK_KEY.len())
            .any(|w| w == SDK_KEY.as_bytes());
        assert!(!found, "the key is in {}", file.display());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_codex_sdk_drives_exec() {
    let home = Home::new();
    let (_dir, repo) = project_repo();
    let provider = ScriptedProvider::start(scenario("codex_sdk"))
        .await
        .unwrap();
    let result = drive(&home, &provider, &repo).await;
    check(&result, &home, &provider);
    assert!(home.server_pid().is_none(), "exec ran the turns itself");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_codex_sdk_drives_exec_through_a_running_server() {
    let home = Home::new();
    let (_dir, repo) = project_repo();
    let provider = ScriptedProvider::start(scenario("codex_sdk"))
        .await
        .unwrap();
    // The server has no key and no endpoint of its own: both come from the SDK through exec.
    let mut server = home
        .command()
        .env("HOME", home.path())
        .env_remove("OPENAI_BASE_URL")
        .env_remove("CODEX_API_KEY")
        .arg("server")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let up = support::wait_for(WAIT, || home.run(&["server", "status"]).status.success());
    assert!(up, "the server started");
    let result = drive(&home, &provider, &repo).await;
    check(&result, &home, &provider);
    let status: Value = serde_json::from_str(&home.ok(&["server", "status", "--json"])).unwrap();
    assert_eq!(status["pid"], server.id(), "the same server ran every turn");
    let _ = server.kill();
    let _ = server.wait();
}
