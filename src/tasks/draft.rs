//! A task as a client submits it (`task submit` flags, or one `[[task]]` of a plan), before
//! the server resolves it: dependencies by name or id, the repository as a path, the base as
//! a ref. The server checks and normalizes it into a [`crate::event::TaskSpec`].

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What runs a task's attempts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Executor {
    /// Our own agent, with the configured provider.
    Native,
    /// The Codex CLI (`codex exec --json`).
    Codex,
    /// The goal is a command line, run with `bash -lc`.
    Shell,
    /// A `[tasks.commands]` preset: a command line with a `{prompt}` placeholder.
    Preset(String),
}

impl Executor {
    /// `native`, `codex`, `shell`, or a preset's name (checked against the config by the
    /// server).
    pub fn parse(text: &str) -> Result<Self, DraftError> {
        let text = text.trim();
        match text {
            "native" => Ok(Self::Native),
            "codex" => Ok(Self::Codex),
            "shell" => Ok(Self::Shell),
            "" => Err(DraftError::Executor(text.to_owned())),
            name if name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
            {
                Ok(Self::Preset(name.to_owned()))
            }
            other => Err(DraftError::Executor(other.to_owned())),
        }
    }

    pub fn label(&self) -> &str {
        match self {
            Self::Native => "native",
            Self::Codex => "codex",
            Self::Shell => "shell",
            Self::Preset(name) => name,
        }
    }

    /// Agent executors get the prompt with acceptance text and earlier failures; the others
    /// run their command as given.
    pub fn is_agent(&self) -> bool {
        matches!(self, Self::Native | Self::Codex)
    }
}

impl fmt::Display for Executor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One task as submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TaskDraft {
    /// Its name in a plan (what `depends` names there).
    pub name: Option<String>,
    pub title: Option<String>,
    pub goal: String,
    /// `native`, `codex`, `shell` or a preset (default `native`).
    pub executor: Option<String>,
    pub validations: Vec<String>,
    /// Names of tasks of the same plan, or ids (unique prefixes) of tasks on the board.
    pub depends: Vec<String>,
    /// A directory inside the repository (absolute: the client resolves it).
    pub repo: Option<String>,
    pub base: Option<String>,
    pub timeout_ms: Option<u64>,
    pub attempts: Option<u32>,
    pub gate: bool,
    pub approval: Option<String>,
    pub priority: i32,
    pub labels: Vec<String>,
    pub acceptance: Option<String>,
    pub max_running: Option<u32>,
}

impl TaskDraft {
    /// The title to show: the given one, else the name, else the goal's first line.
    pub fn title(&self) -> String {
        self.title
            .clone()
            .or_else(|| self.name.clone())
            .unwrap_or_else(|| crate::text::truncate(self.goal.lines().next().unwrap_or(""), 60))
    }
}

/// What is wrong with a draft or a plan; every message is one line naming the culprit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DraftError {
    #[error(
        "unknown executor {0:?}: use native, codex, shell or a [tasks.commands] preset of config.toml"
    )]
    Executor(String),
    #[error("task {0}: the goal is empty")]
    EmptyGoal(String),
    #[error("task name {0:?} appears more than once in the plan")]
    DuplicateName(String),
    #[error("task {task}: unknown dependency {dependency:?}")]
    UnknownDependency { task: String, dependency: String },
    #[error("task {0} depends on itself")]
    SelfDependency(String),
    #[error("dependency cycle: {0}")]
    Cycle(String),
    #[error("{0:?} is not a duration (try 90s, 30m, 2h)")]
    Duration(String),
    #[error("task {0}: attempts must be at least 1")]
    Attempts(String),
    #[error("unknown approval policy {0:?}: use untrusted, on-request or never")]
    Approval(String),
    #[error("the plan holds no task")]
    EmptyPlan,
    #[error("{0}")]
    Plan(String),
}

/// Parses `90s`, `30m`, `1h 30m`, `500ms`; a bare number is seconds.
pub fn parse_duration(text: &str) -> Result<Duration, DraftError> {
    let trimmed = text.trim();
    if let Ok(secs) = trimmed.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    match humantime::parse_duration(trimmed) {
        Ok(d) if !d.is_zero() => Ok(d),
        _ => Err(DraftError::Duration(text.to_owned())),
    }
}

/// Checks an approval policy's spelling.
pub fn parse_approval(text: &str) -> Result<crate::agent::ApprovalPolicy, DraftError> {
    text.parse()
        .map_err(|_| DraftError::Approval(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn executors_parse() {
        assert_eq!(Executor::parse("native").unwrap(), Executor::Native);
        assert_eq!(Executor::parse("codex").unwrap(), Executor::Codex);
        assert_eq!(Executor::parse("shell").unwrap(), Executor::Shell);
        assert_eq!(
            Executor::parse("claude").unwrap(),
            Executor::Preset("claude".into())
        );
        assert!(Executor::parse("rm -rf").is_err());
        assert!(Executor::parse("").is_err());
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("30m").unwrap(), Duration::from_secs(1800));
        assert_eq!(parse_duration("1h 30m").unwrap(), Duration::from_secs(5400));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("0s").is_err());
    }
}
