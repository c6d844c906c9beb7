//! Is a pane busy, waiting for the user, or idle? Pure functions over the time since its last
//! output and the line the cursor sits on, so the UI can badge panes without guessing.
//!
//! The "waiting for input" heuristic and its limits:
//! - it needs output to have settled (nothing for [`ActivityPolicy::settle_after`]) and a
//!   visible cursor that sits right after a prompt-looking text: the text before the cursor
//!   ends in one of `$ # % > ❯ › » ? ) ]` followed by a space (prompts leave one; progress
//!   output like `45%` or `(3/10)` does not), or in `:` (as `Password:` does), and nothing but
//!   blanks or box-drawing borders follows it on that row;
//! - so shells, REPLs, `[y/N]` questions and agent composers (`› `, `> ` inside a box) are
//!   recognised, while a prompt ending in another character, or one the user already started
//!   typing into, reads as merely idle;
//! - a program that prints `Progress: ` and then works silently looks like a prompt; programs
//!   that hide the cursor (most full-screen ones while drawing) never do.

use std::time::Duration;

use super::screen::PaneModes;

/// Characters a prompt usually ends with, before the space it leaves for the answer.
const PROMPT_ENDINGS: &[char] = &['$', '#', '%', '>', '❯', '›', '»', ':', '?', ')', ']'];

/// How long quiet means what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivityPolicy {
    /// Quiet this long and output has settled. Half a second: shells print a prompt in one
    /// burst, while a progress bar redraws several times a second and stays busy.
    pub settle_after: Duration,
    /// Quiet this long and the pane is idle: a few seconds, long enough that a pause between
    /// two build steps does not flicker the badge.
    pub idle_after: Duration,
}

impl Default for ActivityPolicy {
    fn default() -> Self {
        Self {
            settle_after: Duration::from_millis(500),
            idle_after: Duration::from_secs(3),
        }
    }
}

/// What a pane seems to be doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activity {
    /// Output arrived recently.
    Busy,
    /// Output settled at what looks like a prompt.
    WaitingForInput,
    /// No output for a while, and no prompt in sight.
    Idle,
}

/// The row the cursor is on, split at the cursor (live screen, whatever the scroll offset).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CursorLine {
    pub before: String,
    pub after: String,
}

/// Whether the cursor sits at the end of a prompt-looking line (see the module docs).
pub fn looks_like_prompt(line: &CursorLine, modes: &PaneModes) -> bool {
    if modes.hide_cursor {
        return false;
    }
    let after_is_blank = line
        .after
        .chars()
        .all(|c| c.is_whitespace() || ('\u{2500}'..='\u{257f}').contains(&c));
    let text = line.before.trim_end();
    let spaced = text.len() < line.before.len();
    after_is_blank
        && text
            .chars()
            .last()
            .is_some_and(|c| PROMPT_ENDINGS.contains(&c) && (spaced || c == ':'))
}

/// Classifies a pane from how long it has been quiet (`None`: it never printed anything) and
/// whether it sits at a prompt.
pub fn classify(quiet_for: Option<Duration>, at_prompt: bool, policy: &ActivityPolicy) -> Activity {
    let quiet_for = quiet_for.unwrap_or(Duration::MAX);
    if quiet_for < policy.settle_after {
        Activity::Busy
    } else if at_prompt {
        Activity::WaitingForInput
    } else if quiet_for >= policy.idle_after {
        Activity::Idle
    } else {
        Activity::Busy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(before: &str, after: &str) -> CursorLine {
        CursorLine {
            before: before.into(),
            after: after.into(),
        }
    }

    #[test]
    fn prompts_are_recognised() {
        let modes = PaneModes::default();
        let yes = [
            line("user@host:~/src$ ", ""),
            line("root@box:/# ", ""),
            line(">>> ", ""),
            line("❯ ", ""),
            line("│ › ", "                 │"),
            line("Overwrite file? [y/N] ", ""),
            line("Password:", ""),
            line("➜  project git:(main) ", ""),
        ];
        for l in &yes {
            assert!(looks_like_prompt(l, &modes), "{l:?}");
        }
        let no = [
            line("", ""),
            line("Compiling foo v0.1.0", ""),
            line("$ ls -l", ""),
            line("$ ", "typed text"),
            line("building 45%", ""),
            line("tests (3/10)", ""),
        ];
        for l in &no {
            assert!(!looks_like_prompt(l, &modes), "{l:?}");
        }
        let hidden = PaneModes {
            hide_cursor: true,
            ..PaneModes::default()
        };
        assert!(!looks_like_prompt(&line("$ ", ""), &hidden));
    }

    #[test]
    fn activity_follows_quiet_time() {
        let policy = ActivityPolicy::default();
        let ms = Duration::from_millis;
        assert_eq!(classify(Some(ms(10)), true, &policy), Activity::Busy);
        assert_eq!(
            classify(Some(ms(600)), true, &policy),
            Activity::WaitingForInput
        );
        assert_eq!(classify(Some(ms(600)), false, &policy), Activity::Busy);
        assert_eq!(classify(Some(ms(3000)), false, &policy), Activity::Idle);
        assert_eq!(classify(None, false, &policy), Activity::Idle);
        assert_eq!(classify(None, true, &policy), Activity::WaitingForInput);
    }
}
