//! Building the command a slot runs, and reading how it ended: the parts of spawning that
//! need no PTY, kept pure so they are tested alone.

use std::path::Path;

use portable_pty::CommandBuilder;

use super::{ProgramExit, SlotStatus, SpawnSpec};

/// The shell used when neither the spec's environment nor ours names one.
pub const FALLBACK_SHELL: &str = "/bin/sh";

/// The shell a spec runs: `SHELL` from its environment, else ours, else [`FALLBACK_SHELL`].
pub(super) fn shell_of(spec: &SpawnSpec) -> String {
    spec.env
        .iter()
        .rev()
        .find(|(key, _)| key == "SHELL")
        .map(|(_, value)| value.clone())
        .or_else(|| std::env::var("SHELL").ok())
        .filter(|shell| !shell.trim().is_empty())
        .unwrap_or_else(|| FALLBACK_SHELL.to_owned())
}

/// The command line recorded for a spec: the command, or the shell when there is none.
pub(super) fn label_of(spec: &SpawnSpec) -> String {
    spec.command.clone().unwrap_or_else(|| shell_of(spec))
}

/// The command to spawn, or why it cannot start (a missing working directory or shell).
pub(super) fn command(spec: &SpawnSpec) -> Result<CommandBuilder, String> {
    let cwd = &spec.cwd;
    match std::fs::metadata(cwd) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => return Err(format!("not a directory: {}", cwd.display())),
        Err(_) => {
            return Err(format!(
                "working directory does not exist: {}",
                cwd.display()
            ));
        }
    }
    let shell = shell_of(spec);
    if shell.contains('/') && !Path::new(&shell).is_file() {
        return Err(format!("shell not found: {shell}"));
    }
    let mut builder = CommandBuilder::new(&shell);
    if let Some(command) = &spec.command {
        builder.arg("-c");
        builder.arg(command);
    }
    builder.cwd(cwd);
    // What the pane emulates: xterm's sequences, 256 colours and RGB.
    builder.env("TERM", "xterm-256color");
    builder.env("COLORTERM", "truecolor");
    for (key, value) in &spec.env {
        builder.env(key, value);
    }
    Ok(builder)
}

/// How a program ended, given its exit code or signal and the text left on its screen.
///
/// A command run through `$SHELL -c` that does not exist still starts (the shell does), so
/// the shell's verdict is read back: exit 127 with "not found" on screen means the command
/// was never found, exit 126 with "Permission denied" / "Is a directory" that it could not be
/// executed. Both become [`SlotStatus::FailedToStart`] with a one-line reason.
pub(super) fn classify(command: Option<&str>, exit: ProgramExit, screen_text: &str) -> SlotStatus {
    let Some(command) = command else {
        return SlotStatus::Exited(exit);
    };
    let name = || missing_name(screen_text).unwrap_or_else(|| first_word(command));
    match exit {
        ProgramExit::Code(127) if screen_text.contains("not found") => SlotStatus::FailedToStart {
            reason: format!("command not found: {}", name()),
        },
        ProgramExit::Code(126)
            if screen_text.contains("Permission denied")
                || screen_text.contains("Is a directory") =>
        {
            SlotStatus::FailedToStart {
                reason: format!("cannot execute: {}", first_word(command)),
            }
        }
        other => SlotStatus::Exited(other),
    }
}

/// The command name in a shell's "not found" message: bash's `NAME: command not found`,
/// dash's `NAME: not found`, zsh's `command not found: NAME`.
fn missing_name(text: &str) -> Option<String> {
    let line = text.lines().rev().find(|line| line.contains("not found"))?;
    if let Some(rest) = line.split("command not found: ").nth(1) {
        return Some(rest.trim().to_owned()).filter(|n| !n.is_empty());
    }
    let head = line
        .strip_suffix(": command not found")
        .or_else(|| line.strip_suffix(": not found"))?;
    head.rsplit(": ")
        .next()
        .map(|name| name.trim().to_owned())
        .filter(|n| !n.is_empty())
}

fn first_word(command: &str) -> String {
    command
        .split_whitespace()
        .next()
        .unwrap_or(command)
        .to_owned()
}

/// `SIGHUP`-style name of a signal number.
pub(super) fn signal_name(number: i32) -> String {
    nix::sys::signal::Signal::try_from(number)
        .map(|signal| signal.as_str().to_owned())
        .unwrap_or_else(|_| format!("signal {number}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_commands_are_failures_to_start() {
        let table = [
            ("bash: line 1: nope: command not found", "nope"),
            ("sh: 1: nope: not found", "nope"),
            ("zsh:1: command not found: nope", "nope"),
            ("something else entirely not found?", "nope"),
        ];
        for (text, name) in table {
            assert_eq!(
                classify(Some("nope --flag"), ProgramExit::Code(127), text),
                SlotStatus::FailedToStart {
                    reason: format!("command not found: {name}")
                },
                "{text}"
            );
        }
        assert_eq!(
            classify(
                Some("./x"),
                ProgramExit::Code(126),
                "bash: line 1: ./x: Permission denied"
            ),
            SlotStatus::FailedToStart {
                reason: "cannot execute: ./x".into()
            }
        );
    }

    #[test]
    fn ordinary_exits_stay_exits() {
        assert_eq!(
            classify(Some("false"), ProgramExit::Code(1), ""),
            SlotStatus::Exited(ProgramExit::Code(1))
        );
        // 127 without the shell's message: the program itself chose 127.
        assert_eq!(
            classify(Some("exit 127"), ProgramExit::Code(127), "bye"),
            SlotStatus::Exited(ProgramExit::Code(127))
        );
        // The interactive shell is never "not found" this way.
        assert_eq!(
            classify(None, ProgramExit::Code(127), "x: command not found"),
            SlotStatus::Exited(ProgramExit::Code(127))
        );
        assert_eq!(
            classify(Some("sleep 9"), ProgramExit::Signal("SIGHUP".into()), ""),
            SlotStatus::Exited(ProgramExit::Signal("SIGHUP".into()))
        );
    }

    #[test]
    fn signals_have_names() {
        assert_eq!(signal_name(1), "SIGHUP");
        assert_eq!(signal_name(9), "SIGKILL");
        assert_eq!(signal_name(999), "signal 999");
    }

    #[test]
    fn shells_come_from_the_spec_first() {
        let mut spec = SpawnSpec::shell(std::env::temp_dir());
        spec.env.push(("SHELL".into(), "/bin/dash".into()));
        assert_eq!(shell_of(&spec), "/bin/dash");
        assert_eq!(label_of(&spec), "/bin/dash");
        spec.env.push(("SHELL".into(), " ".into()));
        assert!(!shell_of(&spec).trim().is_empty());
    }

    #[test]
    fn bad_directories_and_shells_are_refused() {
        let mut spec = SpawnSpec::command("true", "/definitely/not/here");
        assert_eq!(
            command(&spec).err().as_deref(),
            Some("working directory does not exist: /definitely/not/here")
        );
        spec.cwd = std::env::temp_dir();
        spec.env.push(("SHELL".into(), "/no/such/shell".into()));
        assert_eq!(
            command(&spec).err().as_deref(),
            Some("shell not found: /no/such/shell")
        );
    }
}
