//! One function call of a response: checked, approved (or denied, or refused with a tool
//! error), run in a PTY to its end, timeout or interrupt, and recorded so its
//! `function_call_output` follows from the events.

use std::path::PathBuf;
use std::time::Instant as WallInstant;

use tokio::time::Instant;

use super::approval::{self, ApprovalDecision, Verdict};
use super::inbox::{Inbox, TurnSignal};
use super::output::StoredOutput;
use super::shell::{self, RunningShell, ShellEvent, ShellExit};
use super::turn::{Call, Stop, sleep_until};
use super::{Agent, AgentUpdate};
use crate::event::{
    ApprovalScope, Decider, EventKind, ToolApproved, ToolDenied, ToolFinished, ToolRequested,
    ToolStarted,
};
use crate::model::request::SHELL_TOOL;
use crate::model::settings::{CODEX_KEY_VAR, DEFAULT_KEY_VAR};
use crate::model::{ShellArgs, StreamRedactor};

/// Interrupt text for a killed command (what the model reads after `killed: `).
const INTERRUPTED: &str = "interrupted by the user";

impl Agent {
    /// Requests, checks, approves and runs one call; its output (or error, or denial) becomes
    /// the call's `function_call_output` through the recorded events.
    pub(super) async fn run_call(&mut self, call: Call, inbox: &mut Inbox) -> Result<(), Stop> {
        let Call {
            call_id,
            name,
            arguments,
        } = call;
        self.rec
            .emit(EventKind::ToolRequested(ToolRequested {
                call_id: call_id.clone(),
                name: name.clone(),
                arguments: arguments.clone(),
            }))
            .await?;
        let checked = if name != SHELL_TOOL {
            Err(format!(
                "unknown tool `{name}`; the only tool is `{SHELL_TOOL}`"
            ))
        } else {
            ShellArgs::parse(&arguments).and_then(|args| {
                if args.command.trim().is_empty() {
                    return Err("the command is empty".to_owned());
                }
                let cwd = shell::resolve_workdir(&self.directory(), args.workdir.as_deref())?;
                Ok((args, cwd))
            })
        };
        let (args, cwd) = match checked {
            Ok(checked) => checked,
            Err(error) => return self.call_failed(call_id, error, 0).await,
        };
        let verdict = approval::assess(self.config.policy, &args.command, self.rules());
        let approved = match verdict {
            Verdict::Approve { by, scope } => ToolApproved {
                call_id: call_id.clone(),
                by,
                scope,
            },
            Verdict::Ask { reason } => {
                match self
                    .ask(&call_id, &args.command, &cwd, reason, inbox)
                    .await?
                {
                    Some(approved) => approved,
                    None => return Ok(()),
                }
            }
        };
        self.rec.emit(EventKind::ToolApproved(approved)).await?;
        // The decision is on disk before anything runs.
        self.rec.sync().await?;
        self.execute(call_id, args, cwd, inbox).await
    }

    /// Asks the owner (or denies, when nobody can answer). `None` when the call was denied.
    async fn ask(
        &mut self,
        call_id: &str,
        command: &str,
        cwd: &std::path::Path,
        reason: String,
        inbox: &mut Inbox,
    ) -> Result<Option<ToolApproved>, Stop> {
        if let Some(unattended) = &self.config.unattended {
            let denied = ToolDenied {
                call_id: call_id.to_owned(),
                by: Decider::Policy,
                reason: Some(format!("{reason}; {unattended}")),
            };
            self.rec.emit(EventKind::ToolDenied(denied)).await?;
            return Ok(None);
        }
        self.rec.flush().await?;
        self.rec
            .notify(AgentUpdate::ApprovalNeeded {
                call_id: call_id.to_owned(),
                command: command.to_owned(),
                cwd: cwd.display().to_string(),
                reason,
            })
            .await;
        let decision = loop {
            match inbox.next_in_turn().await {
                TurnSignal::Interrupt => return Err(Stop::Interrupted),
                TurnSignal::Decide {
                    call_id: id,
                    decision,
                } if id == call_id => break decision,
                TurnSignal::Decide { .. } => {}
            }
        };
        let (by, call_id) = (Decider::User, call_id.to_owned());
        let approved = match decision {
            ApprovalDecision::ApproveOnce => ToolApproved {
                call_id,
                by,
                scope: ApprovalScope::Once,
            },
            ApprovalDecision::ApproveForSession => ToolApproved {
                call_id,
                by,
                scope: ApprovalScope::Session,
            },
            ApprovalDecision::Deny { reason } => {
                let reason = reason.filter(|r| !r.trim().is_empty());
                let denied = ToolDenied {
                    call_id,
                    by,
                    reason,
                };
                self.rec.emit(EventKind::ToolDenied(denied)).await?;
                return Ok(None);
            }
        };
        Ok(Some(approved))
    }

    async fn call_failed(
        &mut self,
        call_id: String,
        error: String,
        duration_ms: u64,
    ) -> Result<(), Stop> {
        let finished = ToolFinished {
            call_id,
            exit_code: None,
            duration_ms,
            killed: None,
            error: Some(error),
        };
        self.rec.emit(EventKind::ToolFinished(finished)).await?;
        Ok(())
    }

    /// Runs an approved command to its end (or its timeout, or an interrupt).
    async fn execute(
        &mut self,
        call_id: String,
        args: ShellArgs,
        cwd: PathBuf,
        inbox: &mut Inbox,
    ) -> Result<(), Stop> {
        let timeout = shell::timeout_for(args.timeout_ms);
        let started = ToolStarted {
            call_id: call_id.clone(),
            command: args.command.clone(),
            cwd: cwd.display().to_string(),
        };
        self.rec.emit(EventKind::ToolStarted(started)).await?;
        let clock = WallInstant::now();
        let settings = self.config.client.settings();
        let hidden = [settings.key_var.as_str(), DEFAULT_KEY_VAR, CODEX_KEY_VAR];
        let mut redactor = match &settings.api_key {
            Some(key) => key.stream_redactor(),
            None => StreamRedactor::none(),
        };
        let login = self.config.login_shell;
        let mut shell = match RunningShell::spawn(&args.command, &cwd, &hidden, login) {
            Ok(shell) => shell,
            Err(error) => {
                let elapsed = clock.elapsed().as_millis() as u64;
                return self.call_failed(call_id, error, elapsed).await;
            }
        };
        let mut stored = StoredOutput::default();
        let deadline = Instant::now() + timeout;
        let mut killed: Option<String> = None;
        let mut interrupted = false;
        let exit = loop {
            let flush_at = self.rec.flush_deadline();
            tokio::select! {
                biased;
                signal = inbox.next_in_turn(), if !interrupted => {
                    if let TurnSignal::Interrupt = signal {
                        shell.kill();
                        interrupted = true;
                        killed = Some(INTERRUPTED.to_owned());
                    }
                }
                () = tokio::time::sleep_until(deadline), if killed.is_none() => {
                    shell.kill();
                    killed = Some(format!("timed out after {} ms", timeout.as_millis()));
                }
                () = sleep_until(flush_at), if flush_at.is_some() => self.rec.flush().await?,
                event = shell.next() => match event {
                    Some(ShellEvent::Output(chunk)) => {
                        let clean = redactor.feed(&chunk);
                        let admitted = stored.admit(&clean);
                        self.rec.output(&call_id, admitted).await?;
                    }
                    Some(ShellEvent::Exited(exit)) => break exit,
                    None => break ShellExit { code: None, signal: None },
                },
            }
        };
        let rest = redactor.finish();
        let admitted = stored.admit(&rest);
        self.rec.output(&call_id, admitted).await?;
        if let Some(tail) = stored.finish() {
            self.rec.output(&call_id, &tail).await?;
        }
        let (exit_code, killed) = match (killed, exit.signal) {
            (Some(reason), _) => (exit.code, Some(reason)),
            (None, Some(signal)) => (None, Some(format!("by signal {signal}"))),
            (None, None) => (exit.code, None),
        };
        let finished = ToolFinished {
            call_id,
            exit_code,
            duration_ms: clock.elapsed().as_millis() as u64,
            killed,
            error: None,
        };
        self.rec.emit(EventKind::ToolFinished(finished)).await?;
        if interrupted {
            return Err(Stop::Interrupted);
        }
        Ok(())
    }
}
