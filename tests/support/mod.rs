//! Shared helpers for integration tests: the real binary, a private home per test.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod agent;
pub mod codex;
pub mod damage;
pub mod e2e;
pub mod exec;
pub mod mcp;
pub mod procs;
pub mod snap;
pub mod tasks;

#[allow(unused_imports)]
pub use procs::{kill_servers, process_runs, server_pids};

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Path of the switchboard binary cargo built for these tests.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_switchboard"))
}

/// A temporary `SWITCHBOARD_HOME`, removed when dropped.
pub struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        // As switchboard creates its own directories: private (otherwise the first command
        // tightens it and says so on stderr).
        std::fs::set_permissions(
            dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )
        .expect("chmod temp dir");
        Self { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn store_file(&self) -> PathBuf {
        self.path().join("store.redb")
    }

    /// A `switchboard` command with this home and a neutral environment.
    pub fn command(&self) -> Command {
        let mut command = Command::new(bin());
        command
            .env("SWITCHBOARD_HOME", self.path())
            .env_remove("OPENAI_API_KEY")
            .env_remove("CODEX_API_KEY")
            .env("NO_COLOR", "1")
            .current_dir(self.path());
        command
    }

    /// Runs `switchboard ARGS` to completion.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().expect("run switchboard")
    }

    /// Runs and insists on success, returning stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "switchboard {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("utf-8 stdout")
    }

    /// Runs and insists on failure with a one-line message; returns it.
    pub fn fails(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(!output.status.success(), "switchboard {args:?} should fail");
        let stderr = String::from_utf8(output.stderr).expect("utf-8 stderr");
        assert_eq!(
            stderr.trim_end().lines().count(),
            1,
            "not one line: {stderr:?}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        stderr.trim_end().to_owned()
    }

    /// The running server's pid, if one runs for this home.
    pub fn server_pid(&self) -> Option<u32> {
        server_pids(self.path()).into_iter().next()
    }

    /// Generates a synthetic session of `events` events and returns its id.
    pub fn gen_fixture(&self, events: u64) -> String {
        let out = self.ok(&["debug", "gen-fixture", "--events", &events.to_string()]);
        out.lines().next().expect("id line").to_owned()
    }
}

impl Drop for Home {
    /// Ends the servers this home's clients started: no test leaves a process behind.
    fn drop(&mut self) {
        kill_servers(self.path());
    }
}

/// Polls `done` until it holds or `timeout` passes; whether it held.
pub fn wait_for(timeout: std::time::Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + timeout;
    while std::time::Instant::now() < deadline {
        if done() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    done()
}
