//! What `exec` prints while its turn runs and when it ends, the same whether the turn runs in
//! this process or in the server: Codex's JSON Lines (`--json`), switchboard's event lines
//! (`--events`), or the final answer alone on stdout with progress and the session id on
//! stderr.

use std::collections::HashMap;
use std::io::Write;
use std::process::ExitCode;

use serde::Serialize;

use super::codex::{CodexLines, ThreadEvent};
use super::events::EventLines;
use super::plan::{OutputMode, Plan};
use crate::event::{Decider, Event, EventKind, OutputItem, SessionWorktree, TurnOutcome};
use crate::ids::SessionId;
use crate::model::ShellArgs;

/// Exit status of a turn that failed (the model, the endpoint, the store, the schema).
const EXIT_FAILED: u8 = 1;
/// Exit status after Ctrl+C interrupted the turn (128 + SIGINT, as shells report it).
const EXIT_INTERRUPTED: u8 = 130;

/// Where the session runs, once the turn started.
#[derive(Debug, Clone, Copy)]
pub struct SessionStart<'a> {
    pub session: SessionId,
    pub cwd: &'a str,
    pub worktree: Option<&'a SessionWorktree>,
    pub resumed: bool,
}

/// How the turn ended, as the agent reported it.
#[derive(Debug)]
pub struct TurnEnd {
    pub session: SessionId,
    pub outcome: TurnOutcome,
    pub error: Option<String>,
    pub final_message: Option<String>,
}

pub struct Printer<'a> {
    plan: &'a Plan,
    codex: CodexLines,
    events: EventLines,
    /// Commands of requested calls, to name them in progress and denial lines.
    commands: HashMap<String, String>,
    /// The last assistant message seen, for the schema check at the turn's end.
    last_message: Option<String>,
    /// The schema check's verdict, once the turn ended.
    verdict: Option<Result<(), String>>,
}

fn line(value: &impl Serialize) -> std::io::Result<()> {
    let text = serde_json::to_string(value).map_err(std::io::Error::other)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")?;
    out.flush()
}

impl<'a> Printer<'a> {
    pub fn new(plan: &'a Plan) -> Self {
        Self {
            plan,
            codex: CodexLines::default(),
            events: EventLines::default(),
            commands: HashMap::new(),
            last_message: None,
            verdict: None,
        }
    }

    /// The session is known: `thread.started`, the `session` line, or its id on stderr.
    pub fn start(&mut self, start: SessionStart<'_>) -> std::io::Result<()> {
        if let Some(source) = &self.plan.thread_source {
            tracing::info!(session = %start.session, thread_source = %source, "exec thread source");
        }
        match self.plan.output {
            OutputMode::Codex => line(&CodexLines::thread_started(start.session)),
            OutputMode::Events => {
                let mut session = serde_json::json!({
                    "type": "session",
                    "session": start.session.to_string(),
                    "cwd": start.cwd,
                    "worktree": start.worktree.map(|w| &w.path),
                    "branch": start.worktree.map(|w| &w.branch),
                    "resumed": start.resumed,
                });
                if let (Some(source), Some(map)) =
                    (&self.plan.thread_source, session.as_object_mut())
                {
                    map.insert("thread_source".into(), source.clone().into());
                }
                line(&session)
            }
            OutputMode::Human => {
                let how = if start.resumed { "continued" } else { "new" };
                eprintln!(
                    "switchboard: session {} ({how}, in {})",
                    start.session, start.cwd
                );
                Ok(())
            }
        }
    }

    pub fn event(&mut self, event: &Event) -> std::io::Result<()> {
        self.progress(&event.kind);
        match &event.kind {
            EventKind::ResponseItemDone(done) => {
                if let OutputItem::Message { text, refusal, .. } = &done.item {
                    let shown = if text.is_empty() {
                        refusal.as_ref()
                    } else {
                        Some(text)
                    };
                    if let Some(shown) = shown.filter(|t| !t.is_empty()) {
                        self.last_message = Some(shown.clone());
                    }
                }
            }
            EventKind::TurnEnded(ended)
                if matches!(ended.outcome, TurnOutcome::Completed | TurnOutcome::Other) =>
            {
                self.verdict = Some(self.check(self.last_message.clone().as_deref()));
            }
            _ => {}
        }
        match self.plan.output {
            OutputMode::Codex => {
                let schema_error = match &self.verdict {
                    Some(Err(why)) => Some(why.as_str()),
                    _ => None,
                };
                for thread_event in self.codex.lines(&event.kind, schema_error) {
                    line(&thread_event)?;
                }
                Ok(())
            }
            OutputMode::Events => match self.events.line(event) {
                Some(value) => line(&value),
                None => Ok(()),
            },
            OutputMode::Human => Ok(()),
        }
    }

    /// Progress on stderr: denials always (a script must see why nothing ran), commands and
    /// retries when stdout carries only the answer.
    fn progress(&mut self, kind: &EventKind) {
        let human = self.plan.output == OutputMode::Human;
        match kind {
            EventKind::ToolRequested(requested) => {
                if let Ok(args) = ShellArgs::parse(&requested.arguments) {
                    self.commands
                        .insert(requested.call_id.clone(), args.command);
                }
            }
            EventKind::ToolDenied(denied) if denied.by == Decider::Policy => {
                let command = self.command(&denied.call_id);
                let reason = denied.reason.as_deref().unwrap_or("not allowed");
                eprintln!("switchboard: denied `{command}`: {reason}");
            }
            EventKind::ConversationCompacted(compacted) if human => {
                eprintln!(
                    "switchboard: conversation compacted: the model now gets a summary of the ~{} tokens so far (the session keeps all of it)",
                    crate::text::thousands(compacted.tokens_before)
                );
            }
            EventKind::ToolStarted(started) if human => {
                eprintln!("switchboard: running `{}`", started.command);
            }
            EventKind::ToolFinished(finished) if human => {
                let command = self.command(&finished.call_id);
                let how = match (&finished.error, &finished.killed, finished.exit_code) {
                    (Some(error), _, _) => format!("could not run: {error}"),
                    (None, Some(killed), _) => format!("killed: {killed}"),
                    (None, None, code) => format!(
                        "exit code {}",
                        code.map_or_else(|| "?".to_owned(), |c| c.to_string())
                    ),
                };
                eprintln!(
                    "switchboard: `{command}`: {how} ({} ms)",
                    finished.duration_ms
                );
            }
            EventKind::ResponseRetrying(retrying) if human => {
                eprintln!(
                    "switchboard: retrying (attempt {} of {}): {}",
                    retrying.attempt, retrying.max_attempts, retrying.reason
                );
            }
            _ => {}
        }
    }

    fn command(&self, call_id: &str) -> &str {
        self.commands
            .get(call_id)
            .map(String::as_str)
            .unwrap_or("?")
    }

    fn check(&self, message: Option<&str>) -> Result<(), String> {
        match &self.plan.output_schema {
            Some(schema) => schema.check(message).map_err(|why| schema.mismatch(&why)),
            None => Ok(()),
        }
    }

    /// A failure after the session started: Codex's stream ends with an `error` line.
    pub fn fatal(&mut self, message: &str) -> std::io::Result<()> {
        if self.plan.output == OutputMode::Codex {
            line(&ThreadEvent::Error {
                message: message.to_owned(),
            })?;
        }
        Ok(())
    }

    /// Writes the answer where it was asked for and turns the outcome into the exit status.
    /// As Codex, `--output-last-message` is written only for a turn that completed.
    pub fn finish(&mut self, end: TurnEnd) -> anyhow::Result<ExitCode> {
        let outcome = match end.outcome {
            // The verdict of `turn.ended`; checked here only if that event never came.
            TurnOutcome::Completed | TurnOutcome::Other => match self.verdict.take() {
                Some(verdict) => verdict,
                None => self.check(end.final_message.as_deref()),
            },
            TurnOutcome::Interrupted => {
                eprintln!("switchboard: interrupted (session {})", end.session);
                return Ok(ExitCode::from(EXIT_INTERRUPTED));
            }
            TurnOutcome::Failed => Err(end.error.unwrap_or_else(|| "the turn failed".to_owned())),
        };
        if let Err(error) = outcome {
            // `--json` has the session in its first line; a person gets it on this one.
            let which = if self.plan.output == OutputMode::Human {
                format!(" (session {})", end.session)
            } else {
                String::new()
            };
            eprintln!("switchboard: {}{which}", error.replace('\n', " "));
            return Ok(ExitCode::from(EXIT_FAILED));
        }
        if let (Some(path), Some(message)) = (&self.plan.output_last_message, &end.final_message) {
            std::fs::write(path, format!("{message}\n"))
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        }
        if self.plan.output == OutputMode::Human
            && let Some(message) = &end.final_message
        {
            let mut out = std::io::stdout().lock();
            writeln!(out, "{message}")?;
            out.flush()?;
        }
        if self.plan.output == OutputMode::Human {
            // Last on stderr, where a person looks when the answer is in: how to go on.
            eprintln!(
                "switchboard: session {id}; continue it with `switchboard exec --session {id} PROMPT`",
                id = end.session
            );
        }
        Ok(ExitCode::SUCCESS)
    }
}
