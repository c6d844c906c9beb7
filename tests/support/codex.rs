//! The real Codex CLI (npm `@openai/codex`), installed once per target directory, for the
//! tests that prove switchboard works with it: the task board's Codex executor, and Codex as
//! an MCP client of `switchboard mcp`.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Pinned so a new release cannot change what the tests prove without a commit.
pub const VERSION: &str = "0.171.0";

/// The `codex` binary, installed with npm on first use (fails loudly without npm).
pub fn cli() -> PathBuf {
    let prefix = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("codex-{VERSION}"));
    let bin = prefix.join("node_modules/.bin/codex");
    if bin.exists() {
        return bin;
    }
    let lock =
        std::fs::File::create(std::env::temp_dir().join("switchboard-codex-install.lock")).unwrap();
    let _guard = nix::fcntl::Flock::lock(lock, nix::fcntl::FlockArg::LockExclusive).unwrap();
    if !bin.exists() {
        let status = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&prefix)
            .arg(format!("@openai/codex@{VERSION}"))
            .status()
            .expect("npm is needed to install the Codex CLI for this test");
        assert!(
            status.success(),
            "npm install @openai/codex@{VERSION} failed"
        );
    }
    assert!(
        bin.exists(),
        "npm installed no codex binary at {}",
        bin.display()
    );
    bin
}

/// A `CODEX_HOME` under `dir` whose config points Codex at a scripted provider (the key in
/// `SCRIPTED_KEY`), plus `extra` TOML.
pub fn home(dir: &Path, base_url: &str, extra: &str) -> PathBuf {
    let home = dir.join("codex-home");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(
        home.join("config.toml"),
        format!(
            "model = \"gpt-5\"\nmodel_provider = \"scripted\"\n{extra}\n\n[model_providers.scripted]\n\
             name = \"scripted\"\nbase_url = \"{base_url}\"\nwire_api = \"responses\"\n\
             env_key = \"SCRIPTED_KEY\"\n"
        ),
    )
    .unwrap();
    home
}
