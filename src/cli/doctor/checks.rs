//! The checks of `switchboard doctor`, each one [`Check`] (or a few for the terminal).

use std::io::IsTerminal;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::{Check, Level, PROBE_TIMEOUT};
use crate::cli::Context;

/// The agent CLIs switchboard can run in slots.
const AGENT_CLIS: [&str; 3] = ["codex", "claude", "aider"];

/// Free space under which the store's disk gets a warning: a flooding pane records up to
/// `[store] pane_history` (256 MiB by default) before dropping, and a few of them fit in this.
const LOW_DISK: u64 = 1 << 30;

/// Longest version line quoted from an agent CLI.
const VERSION_CHARS: usize = 40;

/// The oldest git with everything switchboard runs: `git worktree remove` came in 2.17.
const MIN_GIT: (u32, u32) = (2, 17);

pub fn git() -> Check {
    match std::process::Command::new("git").arg("--version").output() {
        Ok(output) if output.status.success() => {
            let line = String::from_utf8_lossy(&output.stdout).trim().to_owned();
            match git_version(&line) {
                Some(version) if version < MIN_GIT => Check::fail(
                    "git",
                    format!("{line} is older than {}.{}", MIN_GIT.0, MIN_GIT.1),
                    "upgrade git; removing worktrees needs `git worktree remove`",
                ),
                Some(_) => Check::ok("git", line),
                None => Check::warn(
                    "git",
                    format!("cannot read a version in {line:?}"),
                    format!("worktrees need git {}.{} or newer", MIN_GIT.0, MIN_GIT.1),
                ),
            }
        }
        Ok(output) => Check::fail(
            "git",
            format!(
                "`git --version` failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ),
            "reinstall git; worktrees, snapshots and diffs need it",
        ),
        Err(_) => Check::fail(
            "git",
            "git is not on PATH",
            "install git; worktrees, snapshots and diffs need it",
        ),
    }
}

/// Major and minor of `git version 2.47.3` (also `git version 2.39.5 (Apple Git-154)`).
fn git_version(line: &str) -> Option<(u32, u32)> {
    let number = line
        .strip_prefix("git version ")?
        .split_whitespace()
        .next()?;
    let mut parts = number.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

pub fn shell() -> Check {
    let Some(shell) = std::env::var_os("SHELL").filter(|s| !s.is_empty()) else {
        return Check::warn(
            "shell",
            "SHELL is not set",
            format!(
                "shell slots run {}; set SHELL to your shell",
                crate::pty::FALLBACK_SHELL
            ),
        );
    };
    let path = PathBuf::from(&shell);
    let runnable =
        std::fs::metadata(&path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0);
    if runnable {
        Check::ok("shell", path.display().to_string())
    } else {
        Check::fail(
            "shell",
            format!("SHELL={} is not a program that can run", path.display()),
            "set SHELL to an installed shell such as /bin/bash",
        )
    }
}

/// The terminal, its colours, its keyboard protocol and its clipboard.
pub fn terminal() -> Vec<Check> {
    let tty = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let term = std::env::var("TERM").ok().filter(|t| !t.is_empty());
    let not_a_terminal = "run `switchboard doctor` in the terminal you use";
    let first = match (&term, tty) {
        (_, false) => Check::warn(
            "terminal",
            format!(
                "not a terminal (TERM={})",
                term.as_deref().unwrap_or("unset")
            ),
            format!("the workstation needs one; {not_a_terminal}"),
        ),
        (None, true) => Check::warn(
            "terminal",
            "TERM is not set",
            "set TERM to your terminal's type, e.g. xterm-256color",
        ),
        (Some(t), true) if t == "dumb" => Check::warn(
            "terminal",
            "TERM=dumb",
            "the workstation needs cursor movement; set TERM, e.g. xterm-256color",
        ),
        (Some(t), true) => Check::ok("terminal", format!("TERM={t}")),
    };
    let keyboard = if tty {
        match crossterm::terminal::supports_keyboard_enhancement() {
            Ok(true) => Check::ok("keyboard", "the kitty keyboard protocol"),
            Ok(false) => Check::warn(
                "keyboard",
                "legacy key codes only",
                "a few chords look alike (Ctrl+I and Tab); kitty, WezTerm, foot or Ghostty tell them apart",
            ),
            Err(_) => Check::warn(
                "keyboard",
                "unknown: the terminal did not answer within 2 s",
                "keys work; a few chords may look alike",
            ),
        }
    } else {
        Check::warn("keyboard", "unknown (not a terminal)", not_a_terminal)
    };
    let clipboard = match (tty, std::env::var_os("TMUX").is_some()) {
        (false, _) => Check::warn("clipboard", "unknown (not a terminal)", not_a_terminal),
        (true, true) => Check::warn(
            "clipboard",
            "copies go out as OSC 52, through tmux",
            "tmux passes them on with `set -g set-clipboard on`",
        ),
        (true, false) => Check::ok(
            "clipboard",
            "copies go out as OSC 52 (no terminal reports whether it allows them)",
        ),
    };
    vec![first, colours(term.as_deref()), keyboard, clipboard]
}

fn colours(term: Option<&str>) -> Check {
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        return Check::ok("colours", "off: NO_COLOR is set");
    }
    let colorterm = std::env::var("COLORTERM").unwrap_or_default();
    if matches!(colorterm.as_str(), "truecolor" | "24bit") {
        return Check::ok("colours", format!("24-bit (COLORTERM={colorterm})"));
    }
    let more = "set COLORTERM=truecolor or TERM=xterm-256color if your terminal has more";
    let Some(term) = term else {
        return Check::warn("colours", "unknown: TERM is not set", more);
    };
    let from_terminfo = std::process::Command::new("tput")
        .args(["-T", term, "colors"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .trim()
                .parse::<i64>()
                .ok()
        });
    match from_terminfo {
        Some(n) if n >= 256 => Check::ok("colours", format!("{n} (terminfo of {term})")),
        Some(n) => Check::warn("colours", format!("{n} (terminfo of {term})"), more),
        None if term.contains("256color") => Check::ok("colours", format!("256 ({term})")),
        None => Check::warn("colours", format!("unknown: no terminfo for {term}"), more),
    }
}

/// Whether the key variable is set; never a byte of the key itself.
pub fn api_key(context: &Context) -> Check {
    let settings = resolved(context);
    match settings.api_key {
        Some(_) => Check::ok("api key", format!("{} is set", settings.key_var)),
        None => Check::warn(
            "api key",
            format!("{} is not set", settings.key_var),
            format!(
                "native agents need it: export {}=…, or try them with --demo",
                settings.key_var
            ),
        ),
    }
}

fn resolved(context: &Context) -> crate::model::ModelSettings {
    let env = |name: &str| std::env::var(name).ok();
    crate::model::resolve(env, &context.config.model, None)
}

/// Whether anything answers HTTP at the endpoint (any status counts: no key is sent). An
/// endpoint out of reach fails only when a key is set: without one the native agent cannot
/// run anyway (the key line says so), and agent CLIs and `--demo` do not need it.
pub async fn endpoint(context: &Context) -> Check {
    let settings = resolved(context);
    let url = settings.base_url;
    let unreachable = |detail: String, hint: &str| {
        let level = if settings.api_key.is_some() {
            Level::Fail
        } else {
            Level::Warn
        };
        Check::new("endpoint", level, detail).hint(hint)
    };
    let client = match reqwest::Client::builder().timeout(PROBE_TIMEOUT).build() {
        Ok(client) => client,
        Err(err) => return Check::fail("endpoint", format!("cannot make a client: {err}"), ""),
    };
    let hint = "check the network, or OPENAI_BASE_URL / [model] base_url in config.toml";
    match client.get(&url).send().await {
        Ok(response) => Check::ok(
            "endpoint",
            format!("{url} answers (HTTP {})", response.status().as_u16()),
        ),
        Err(err) if err.is_timeout() => unreachable(
            format!("{url} did not answer within {} s", PROBE_TIMEOUT.as_secs()),
            hint,
        ),
        Err(err) => unreachable(
            format!("{url} cannot be reached ({})", root_cause(&err)),
            hint,
        ),
    }
}

/// The innermost cause of an error ("Connection refused (os error 111)").
fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// The store file: its size, whether its index reads, the disk's free space.
pub fn store(context: &Context) -> Check {
    let path = &context.paths.store_file;
    let Ok(meta) = std::fs::metadata(path) else {
        return Check::ok(
            "store",
            format!("none yet; the first session creates {}", path.display()),
        );
    };
    let size = crate::cli::maintenance::bytes(meta.len());
    let opened = crate::store::Store::open(path, context.config.store_options())
        .and_then(|store| store.sessions().map(|sessions| sessions.len()));
    let sessions = match opened {
        Ok(sessions) => sessions,
        Err(err) => {
            return Check::fail(
                "store",
                format!("{size}: {err}"),
                "see `switchboard store check`",
            );
        }
    };
    let plural = if sessions == 1 { "" } else { "s" };
    let found = format!("{}: {size}, {sessions} session{plural}", path.display());
    match free_space(path) {
        Some(free) if free < LOW_DISK => Check::warn(
            "store",
            format!(
                "{found}; {} free on its disk",
                crate::cli::maintenance::bytes(free)
            ),
            "free some space, `switchboard sessions prune` old sessions or `switchboard store compact`",
        ),
        _ => Check::ok("store", found),
    }
}

fn free_space(path: &Path) -> Option<u64> {
    let stat = nix::sys::statvfs::statvfs(path).ok()?;
    Some((stat.blocks_available() as u64).saturating_mul(stat.fragment_size() as u64))
}

pub fn server(context: &Context) -> Check {
    match crate::cli::server_cmd::running_status_within(context, PROBE_TIMEOUT) {
        Ok(Some(status)) => Check::ok(
            "server",
            format!(
                "running: pid {}, up {}, {} client(s), {} slot(s)",
                status.pid,
                humantime::format_duration(std::time::Duration::from_secs(status.uptime_secs)),
                status.clients.len(),
                status.slots.len()
            ),
        ),
        Ok(None) => Check::ok(
            "server",
            "not running (the first window or `switchboard server` starts one)",
        ),
        Err(err) => Check::fail(
            "server",
            crate::cli::one_line(&err),
            "`switchboard server stop --force`, then open a window again",
        ),
    }
}

/// Which agent CLIs are on PATH, with their versions.
pub async fn agent_clis() -> Check {
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for name in AGENT_CLIS {
        match on_path(name) {
            Some(path) => found.push(format!("{name} {}", version(&path).await)),
            None => missing.push(name),
        }
    }
    let missing = if missing.is_empty() {
        String::new()
    } else {
        format!("; not on PATH: {}", missing.join(", "))
    };
    if found.is_empty() {
        Check::warn(
            "agent CLIs",
            format!("none{missing}"),
            "optional: the native agent needs none; install one to run it in a slot (--slot codex)",
        )
    } else {
        Check::ok("agent CLIs", format!("{}{missing}", found.join(", ")))
    }
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| {
            std::fs::metadata(candidate)
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// The first line of `PROGRAM --version`, or why there is none.
async fn version(program: &Path) -> String {
    let mut command = tokio::process::Command::new(program);
    command
        .arg("--version")
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    match tokio::time::timeout(PROBE_TIMEOUT, command.output()).await {
        Ok(Ok(output)) => {
            let text = String::from_utf8_lossy(&output.stdout);
            let line: String = text
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("(no version)")
                .trim()
                .chars()
                .take(VERSION_CHARS)
                .collect();
            format!("{line} ({})", program.display())
        }
        Ok(Err(err)) => format!("(cannot run: {err})"),
        Err(_) => format!("(no version within {} s)", PROBE_TIMEOUT.as_secs()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_versions_read_as_major_and_minor() {
        assert_eq!(git_version("git version 2.47.3"), Some((2, 47)));
        assert_eq!(
            git_version("git version 2.39.5 (Apple Git-154)"),
            Some((2, 39))
        );
        assert_eq!(git_version("git version 2.17.0.windows.1"), Some((2, 17)));
        assert_eq!(git_version("hub version 2.14"), None);
        assert!(git_version("git version 2.16.6").unwrap() < MIN_GIT);
        assert!(git_version("git version 3.0.0").unwrap() >= MIN_GIT);
    }
}
