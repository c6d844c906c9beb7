//! `config.toml`: optional, every key has a default. Unknown keys are an error, so a typo never
//! silently does nothing.

use std::path::Path;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub store: StoreConfig,
    pub model: ModelConfig,
    pub pty: PtyConfig,
    pub keys: KeysConfig,
    pub tasks: TasksConfig,
    /// A command run (with a JSON payload as its last argument) whenever a task or a slot
    /// waits for a person, e.g. `["notify-send-wrapper"]` (Codex's `notify` setting).
    pub notify: Vec<String>,
}

/// `[tasks]`: the task board (see `docs/TASKS.md`).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct TasksConfig {
    /// Tasks running at once, across every repository.
    pub max_running: u32,
    /// Tasks of one repository running at once (`task submit --max-running` overrides it).
    pub max_running_per_repo: u32,
    /// Approval policy of agent executors unless a task gives its own.
    pub approval: String,
    /// Seconds one validation command may run.
    pub validation_timeout_secs: u64,
    /// The command (and leading arguments) that runs the Codex CLI.
    pub codex: Vec<String>,
    /// Command presets: an executor name → a command line with a `{prompt}` placeholder.
    pub commands: std::collections::BTreeMap<String, String>,
}

impl Default for TasksConfig {
    fn default() -> Self {
        Self {
            max_running: crate::tasks::schedule::DEFAULT_MAX_RUNNING,
            max_running_per_repo: crate::tasks::schedule::DEFAULT_MAX_RUNNING,
            approval: "on-request".to_owned(),
            // A test suite or a build; a validation that hangs fails in ten minutes.
            validation_timeout_secs: 600,
            codex: vec!["codex".to_owned()],
            commands: Default::default(),
        }
    }
}

/// `[pty]`: PTY panes.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct PtyConfig {
    /// Lines of history each pane keeps (memory: about 2.6 KB per line at 80 columns).
    pub scrollback_lines: usize,
    /// Seconds without output after which a pane shows as idle.
    pub idle_after_secs: u64,
}

impl Default for PtyConfig {
    fn default() -> Self {
        Self {
            scrollback_lines: crate::pty::DEFAULT_SCROLLBACK_LINES,
            idle_after_secs: crate::pty::ActivityPolicy::default().idle_after.as_secs(),
        }
    }
}

/// `[keys]`: key bindings that can be changed.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct KeysConfig {
    /// The chord that takes keys back from a focused pane, e.g. "ctrl-g", "ctrl-]", "f12".
    pub leader: String,
}

impl Default for KeysConfig {
    fn default() -> Self {
        Self {
            leader: "ctrl-g".to_owned(),
        }
    }
}

/// `[model]`: where the native agent's model lives. The API key is never read from this file,
/// only from the environment variable `env_key` names, so the config can be shared safely.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct ModelConfig {
    /// Endpoint root (e.g. `http://localhost:8080/v1`); `OPENAI_BASE_URL` overrides it.
    pub base_url: Option<String>,
    /// Model name; a command-line choice overrides it.
    pub model: Option<String>,
    /// Environment variable holding the API key (default `OPENAI_API_KEY`).
    pub env_key: Option<String>,
    /// Seconds without a byte from the stream before the attempt counts as failed.
    pub idle_timeout_secs: u64,
    /// Attempts per request in total, the first included.
    pub max_attempts: u32,
    /// Delay before the first retry in milliseconds; doubled for each later one.
    pub retry_base_ms: u64,
}

impl Default for ModelConfig {
    fn default() -> Self {
        use crate::model::settings;
        Self {
            base_url: None,
            model: None,
            env_key: None,
            idle_timeout_secs: settings::DEFAULT_IDLE_TIMEOUT.as_secs(),
            max_attempts: settings::DEFAULT_MAX_ATTEMPTS,
            retry_base_ms: settings::DEFAULT_RETRY_BASE.as_millis() as u64,
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// Events between checkpoints (see `StoreOptions::checkpoint_every`).
    pub checkpoint_every: u64,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            checkpoint_every: crate::store::StoreOptions::default().checkpoint_every,
        }
    }
}

impl Config {
    /// Reads the file if it exists; a missing file means defaults.
    pub fn load(path: &Path) -> Result<Self, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text).map_err(|e| format!("config {}: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(format!("cannot read config {}: {e}", path.display())),
        }
    }

    /// Parses config text; errors are one line with the line number.
    pub fn parse(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
            let message = e.message().lines().next().unwrap_or("invalid").to_owned();
            match line {
                Some(line) => format!("line {line}: {message}"),
                None => message,
            }
        })
    }

    /// The leader chord, or a one-line error naming the bad value.
    pub fn leader(&self) -> Result<crate::tui::commands::Chord, String> {
        crate::tui::commands::Chord::parse(&self.keys.leader).ok_or_else(|| {
            format!(
                "[keys] leader = {:?} is not a key chord (try \"ctrl-g\", \"ctrl-]\" or \"f12\")",
                self.keys.leader
            )
        })
    }

    pub fn store_options(&self) -> crate::store::StoreOptions {
        crate::store::StoreOptions {
            checkpoint_every: self.store.checkpoint_every.max(1),
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_config_is_defaults() {
        assert_eq!(Config::parse("").unwrap(), Config::default());
    }

    #[test]
    fn errors_name_the_line() {
        let err = Config::parse("[store]\ncheckpoint_every = 10\nbogus = 1\n").unwrap_err();
        assert!(err.starts_with("line 3:"), "{err}");
        assert!(err.contains("bogus"), "{err}");
        assert!(!err.contains('\n'));
    }

    #[test]
    fn model_section_parses_and_rejects_typos() {
        let config = Config::parse(
            "[model]\nbase_url = \"http://localhost:9/v1\"\nmodel = \"m\"\nenv_key = \"K\"\n\
             idle_timeout_secs = 9\nmax_attempts = 2\nretry_base_ms = 5\n",
        )
        .unwrap();
        assert_eq!(
            config.model.base_url.as_deref(),
            Some("http://localhost:9/v1")
        );
        assert_eq!(config.model.max_attempts, 2);
        assert_eq!(config.model.retry_base_ms, 5);
        let err = Config::parse("[model]\napi_key = \"sk\"\n").unwrap_err();
        assert!(err.contains("api_key"), "{err}");
    }
}
