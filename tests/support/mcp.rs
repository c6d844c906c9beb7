//! A raw MCP client for the tests: `switchboard mcp` as a child, JSON-RPC lines written to its
//! stdin and read from its stdout, every wait bounded.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::Home;

/// Upper bound for one answer: a demo turn takes seconds, a loaded CI machine more.
pub const WAIT: Duration = Duration::from_secs(90);

/// The MCP log's session id (`server::audit::LOG`).
pub const LOG: &str = "00000000-0000-7000-8000-6d63706c6f67";

/// The name this client gives at `initialize`, which every record of its calls carries.
pub const CLIENT: &str = "switchboard-tests";

pub struct Mcp {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    stderr: Arc<Mutex<String>>,
    next_id: u64,
}

impl Mcp {
    /// `switchboard FLAGS mcp` in `cwd`, with this home and `env`.
    pub fn spawn(home: &Home, cwd: &Path, flags: &[&str], env: &[(&str, &str)]) -> Self {
        let mut command = home.command();
        command
            .env("HOME", home.path())
            .current_dir(cwd)
            .args(flags)
            .arg("mcp")
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("spawn switchboard mcp");
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let collected = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&collected);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let mut sink = sink.lock().unwrap();
                sink.push_str(&line);
                sink.push('\n');
            }
        });
        Self {
            stdin: child.stdin.take(),
            child,
            lines,
            stderr: collected,
            next_id: 0,
        }
    }

    /// `spawn`, then the `initialize` handshake; the initialize result.
    pub fn start(home: &Home, cwd: &Path, flags: &[&str], env: &[(&str, &str)]) -> (Self, Value) {
        let mut mcp = Self::spawn(home, cwd, flags, env);
        let init = mcp.request(
            "initialize",
            json!({
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": CLIENT, "version": "1.0"},
            }),
        );
        let result = init["result"].clone();
        assert!(result.is_object(), "initialize failed: {init}");
        mcp.notify("notifications/initialized", json!({}));
        (mcp, result)
    }

    pub fn send_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(line.as_bytes()).unwrap();
        stdin.write_all(b"\n").unwrap();
        stdin.flush().unwrap();
    }

    /// The next line the server writes, as JSON.
    pub fn next_message(&mut self) -> Value {
        match self.lines.recv_timeout(WAIT) {
            Ok(line) => serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("not JSON from the server ({e}): {line}")),
            Err(RecvTimeoutError::Timeout) => {
                panic!("no answer within {WAIT:?}; stderr: {}", self.stderr())
            }
            Err(RecvTimeoutError::Disconnected) => {
                panic!("the server's stdout closed; stderr: {}", self.stderr())
            }
        }
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        let line = json!({"jsonrpc": "2.0", "method": method, "params": params});
        self.send_line(&line.to_string());
    }

    /// Sends a request and returns its response (messages for other ids are skipped).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let line = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        self.send_line(&line.to_string());
        loop {
            let message = self.next_message();
            if message["id"] == id {
                return message;
            }
        }
    }

    /// `tools/call`: the whole JSON-RPC response.
    pub fn call_raw(&mut self, tool: &str, arguments: Value) -> Value {
        self.request("tools/call", json!({"name": tool, "arguments": arguments}))
    }

    /// `tools/call` that must succeed: its structured content.
    pub fn call(&mut self, tool: &str, arguments: Value) -> Value {
        let response = self.call_raw(tool, arguments.clone());
        let result = &response["result"];
        assert_eq!(
            result["isError"], false,
            "{tool} {arguments} failed: {response:#}"
        );
        assert!(
            result["content"][0]["text"].is_string(),
            "{tool}: no text: {response:#}"
        );
        result["structuredContent"].clone()
    }

    /// `tools/call` with a progress token: its structured content, and the
    /// `notifications/progress` that came before the answer (their params).
    pub fn call_with_progress(&mut self, tool: &str, arguments: Value) -> (Value, Vec<Value>) {
        self.next_id += 1;
        let id = self.next_id;
        let params = json!({
            "name": tool,
            "arguments": arguments,
            "_meta": {"progressToken": format!("progress-{id}")},
        });
        let line = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params});
        self.send_line(&line.to_string());
        let mut progress = Vec::new();
        loop {
            let message = self.next_message();
            if message["id"] == id {
                assert_eq!(message["result"]["isError"], false, "{message:#}");
                return (message["result"]["structuredContent"].clone(), progress);
            }
            if message["method"] == "notifications/progress" {
                progress.push(message["params"].clone());
            }
        }
    }

    /// `tools/call` that must fail as a tool error (`isError`): its text.
    pub fn tool_error(&mut self, tool: &str, arguments: Value) -> String {
        let response = self.call_raw(tool, arguments);
        assert_eq!(response["result"]["isError"], true, "{response:#}");
        response["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// `tools/call` refused as a JSON-RPC error: (code, message).
    pub fn rpc_error(&mut self, tool: &str, arguments: Value) -> (i64, String) {
        let response = self.call_raw(tool, arguments);
        let error = &response["error"];
        assert!(error.is_object(), "not a JSON-RPC error: {response:#}");
        (
            error["code"].as_i64().unwrap(),
            error["message"].as_str().unwrap().to_owned(),
        )
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Closes stdin (the client leaves) and waits for the exit.
    pub fn close(mut self) -> std::process::ExitStatus {
        drop(self.stdin.take());
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "switchboard mcp did not exit after stdin closed"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Mcp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls a tool until `done` holds for its structured answer, or panics at the deadline.
pub fn poll(
    mcp: &mut Mcp,
    tool: &str,
    arguments: Value,
    what: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + WAIT;
    loop {
        let value = mcp.call(tool, arguments.clone());
        if done(&value) {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "{what} never happened: {value:#}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The `mcp.call` records in the store's MCP log (through `sessions export`).
pub fn records(home: &Home) -> Vec<Value> {
    let output = home.run(&["sessions", "export", LOG]);
    if !output.status.success() {
        return Vec::new();
    }
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| e["kind"] == "mcp.call")
        .map(|e| e["data"].clone())
        .collect()
}

/// Waits until the MCP log holds at least `count` records; they.
pub fn wait_for_records(home: &Home, count: usize) -> Vec<Value> {
    let deadline = Instant::now() + WAIT;
    loop {
        let found = records(home);
        if found.len() >= count {
            return found;
        }
        assert!(
            Instant::now() < deadline,
            "the MCP log holds {} records, not {count}: {found:#?}",
            found.len()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
