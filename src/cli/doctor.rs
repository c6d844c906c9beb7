//! `switchboard doctor`: one line per check, `ok`, `warn` or `fail`, each with what to do.
//! Exits non-zero when a check fails; `--json` prints the same as one object.
//!
//! Nothing here can hang or change anything: the terminal is queried only when stdin and
//! stdout are a terminal (crossterm's query gives up after 2 s), the endpoint and the agent
//! CLIs get [`PROBE_TIMEOUT`], the store is opened the way every command opens it (several
//! processes may, a running server included) and only its index is read — never the
//! copy-based `store check`, and never a store created where none exists.
//!
//! | module | owns |
//! |---|---|
//! | `doctor.rs` | the command, the line format, the JSON |
//! | `doctor/checks.rs` | each check |

mod checks;

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use serde_json::json;

use super::Context;

/// How long the endpoint and each agent CLI's `--version` may take: a reachable endpoint
/// answers well within it, and a doctor should never keep anyone waiting.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Ok,
    /// Works, with something to know or improve.
    Warn,
    /// Something switchboard needs is broken.
    Fail,
}

impl Level {
    fn word(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Warn => "warn",
            Self::Fail => "fail",
        }
    }
}

/// One line of the report.
#[derive(Debug, Clone)]
pub struct Check {
    pub name: &'static str,
    pub level: Level,
    /// What was found.
    pub detail: String,
    /// What to do about it (empty when nothing).
    pub hint: String,
}

impl Check {
    fn new(name: &'static str, level: Level, detail: impl Into<String>) -> Self {
        Self {
            name,
            level,
            detail: detail.into(),
            hint: String::new(),
        }
    }

    pub fn ok(name: &'static str, detail: impl Into<String>) -> Self {
        Self::new(name, Level::Ok, detail)
    }

    pub fn warn(name: &'static str, detail: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::new(name, Level::Warn, detail).hint(hint)
    }

    pub fn fail(name: &'static str, detail: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::new(name, Level::Fail, detail).hint(hint)
    }

    fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = hint.into();
        self
    }
}

pub fn run(
    context: &Context,
    config_error: Option<String>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let config = match config_error {
        Some(error) => Check::fail(
            "config",
            error,
            "fix it (docs/CONFIG.md lists every key); the other checks used the defaults",
        ),
        None if context.paths.config_file.exists() => {
            Check::ok("config", context.paths.config_file.display().to_string())
        }
        None => Check::ok(
            "config",
            format!(
                "none at {}: the defaults",
                context.paths.config_file.display()
            ),
        ),
    };
    let mut report = vec![config, checks::git(), checks::shell()];
    report.extend(checks::terminal());
    report.push(checks::api_key(context));
    report.push(runtime.block_on(checks::endpoint(context)));
    report.push(checks::store(context));
    report.push(checks::server(context));
    report.push(runtime.block_on(checks::agent_clis()));
    let failed = report.iter().any(|c| c.level == Level::Fail);
    let mut out = std::io::stdout().lock();
    if json {
        let checks: Vec<_> = report
            .iter()
            .map(|c| {
                json!({
                    "name": c.name,
                    "status": c.level.word(),
                    "detail": c.detail,
                    "hint": (!c.hint.is_empty()).then_some(&c.hint),
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &json!({ "ok": !failed, "checks": checks }))?;
        writeln!(out)?;
    } else {
        let width = report.iter().map(|c| c.name.len()).max().unwrap_or(0);
        for check in &report {
            let hint = if check.hint.is_empty() {
                String::new()
            } else {
                format!("; {}", check.hint)
            };
            writeln!(
                out,
                "{:<4}  {:<width$}  {}{hint}",
                check.level.word(),
                check.name,
                check.detail
            )?;
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
