//! `config.toml`: optional, every key has a default. Unknown keys are an error, so a typo never
//! silently does nothing, and every error says in one line which key, what its value must be
//! and what was found.
//!
//! | module | owns |
//! |---|---|
//! | `config.rs` | the config types, their defaults, loading and parsing |
//! | `config/schema.rs` | every key: path, kind of value, what it does, an example |
//! | `config/check.rs` | checking the parsed file against the schema (errors in the user's words) |
//! | `config/doc.rs` | `docs/CONFIG.md`, generated from the schema and the defaults |

mod check;
pub mod doc;
pub mod schema;
#[cfg(test)]
mod tests;

use std::path::Path;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Default)]
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
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
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
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
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

/// `[keys]`: key bindings that can be changed: the leader, and a `[keys.MODE]` table per mode
/// mapping a chord to a command name (see `docs/KEYS.md`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct KeysConfig {
    /// The chord that takes keys back from a focused pane, e.g. "ctrl-g", "ctrl-]", "f12".
    pub leader: String,
    /// `[keys.palette]` and the like, checked when the keymap is built.
    #[serde(flatten)]
    pub modes: std::collections::BTreeMap<String, toml::Value>,
}

impl Default for KeysConfig {
    fn default() -> Self {
        Self {
            leader: "ctrl-g".to_owned(),
            modes: Default::default(),
        }
    }
}

/// `[model]`: where the native agent's model lives. The API key is never read from this file,
/// only from the environment variable `env_key` names, so the config can be shared safely.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
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
    /// Estimated tokens of conversation beyond which the agent has the model summarise it
    /// before the next request (see `docs/AGENT.md`, "Compaction"); 0 never compacts.
    pub compact_at: u64,
}

impl ModelConfig {
    /// `compact_at` as the agent takes it (`None`: never).
    pub fn compact_at(&self) -> Option<u64> {
        (self.compact_at > 0).then_some(self.compact_at)
    }
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
            compact_at: crate::model::conversation::DEFAULT_COMPACT_AT,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// Events between checkpoints (see `StoreOptions::checkpoint_every`).
    pub checkpoint_every: u64,
    /// Output each PTY session keeps, e.g. `"256 MiB"` (or bytes, or `"unlimited"`); older
    /// output is dropped in whole chunks (see `store::retention`).
    pub pane_history: ByteLimit,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            checkpoint_every: crate::store::StoreOptions::default().checkpoint_every,
            pane_history: ByteLimit(Some(crate::store::DEFAULT_PANE_HISTORY)),
        }
    }
}

/// A size limit written as a number of bytes, a size with a unit (`"512 KiB"`, `"256 MiB"`,
/// `"2 GB"`), or `"unlimited"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteLimit(pub Option<u64>);

impl ByteLimit {
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("unlimited") {
            return Some(Self(None));
        }
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let number: u64 = number.parse().ok()?;
        let scale: u64 = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 1,
            "kb" => 1000,
            "mb" => 1000 * 1000,
            "gb" => 1000 * 1000 * 1000,
            "kib" => 1 << 10,
            "mib" => 1 << 20,
            "gib" => 1 << 30,
            _ => return None,
        };
        number.checked_mul(scale).map(|bytes| Self(Some(bytes)))
    }
}

impl std::fmt::Display for ByteLimit {
    /// The largest binary unit that divides the size exactly (`256 MiB`), else bytes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Some(bytes) = self.0 else {
            return f.write_str("unlimited");
        };
        for (unit, scale) in [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
            if bytes >= scale && bytes % scale == 0 {
                return write!(f, "{} {unit}", bytes / scale);
            }
        }
        write!(f, "{bytes}")
    }
}

impl Serialize for ByteLimit {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ByteLimit {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Bytes(u64),
            Text(String),
        }
        match Raw::deserialize(deserializer)? {
            Raw::Bytes(bytes) => Ok(Self(Some(bytes))),
            Raw::Text(text) => Self::parse(&text).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "{text:?} is not a size (try \"256 MiB\", \"2 GB\" or \"unlimited\")"
                ))
            }),
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

    /// Parses config text; errors are one line with the line number, the key path, what its
    /// value must be and what was found (see `check`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let line_of = |at: usize| text[..at.min(text.len())].matches('\n').count() + 1;
        let one_line = |e: toml::de::Error| {
            let message = e.message().lines().next().unwrap_or("invalid").to_owned();
            match e.span() {
                Some(span) => format!("line {}: {message}", line_of(span.start)),
                None => message,
            }
        };
        let root = toml::de::DeTable::parse(text).map_err(one_line)?;
        if let Some((at, message)) = check::check(root.get_ref()) {
            return Err(format!("line {}: {message}", line_of(at)));
        }
        toml::from_str(text).map_err(one_line)
    }

    /// The keymap: defaults, the leader and `[keys.MODE]` rebindings, or a one-line error
    /// naming the bad entry.
    pub fn keymap(&self) -> Result<crate::tui::keymap::Keymap, crate::tui::keymap::KeymapError> {
        crate::tui::keymap::Keymap::configured(&self.keys.leader, &self.keys.modes)
    }

    pub fn store_options(&self) -> crate::store::StoreOptions {
        crate::store::StoreOptions {
            checkpoint_every: self.store.checkpoint_every.max(1),
            pane_history: self
                .store
                .pane_history
                .0
                .map(|limit| limit.max(crate::store::MIN_PANE_HISTORY)),
            ..Default::default()
        }
    }
}
