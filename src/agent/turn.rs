//! The turn loop: user message → stream → run the calls → send their outputs → stream again,
//! until a response has no calls. Interrupts, failures and the worktree snapshot at the end.

use std::path::PathBuf;
use std::time::Instant as WallInstant;

use tokio::time::Instant;

use super::approval::{self, ApprovalDecision, Verdict};
use super::inbox::{Control, Inbox, TurnSignal};
use super::output::StoredOutput;
use super::shell::{self, RunningShell, ShellEvent, ShellExit};
use super::{Agent, AgentUpdate};
use crate::event::{
    ApprovalScope, Decider, EventKind, OutputItem, ResponseCompleted, ResponseFailed,
    ResponseItemDone, ResponseRetrying, ResponseStarted, ToolApproved, ToolDenied, ToolFinished,
    ToolRequested, ToolStarted, TurnEnded, TurnOutcome, TurnStarted, Usage, UserMessage,
};
use crate::model::request::SHELL_TOOL;
use crate::model::{
    ResponseEvent, ResponsesRequest, ShellArgs, StreamRedactor, StreamUpdate, Tool,
    settings::DEFAULT_KEY_VAR,
};
use crate::store::StoreError;

/// Why a turn stopped before its natural end.
#[derive(Debug)]
enum Stop {
    Interrupted,
    Failed(String),
}

impl From<StoreError> for Stop {
    fn from(err: StoreError) -> Self {
        Self::Failed(format!("the event store failed: {err}"))
    }
}

/// What a turn gathers for its report.
#[derive(Debug, Default)]
struct TurnTally {
    usage: Usage,
    final_message: Option<String>,
}

/// A function call of a response, from its authoritative item.
#[derive(Debug)]
struct Call {
    call_id: String,
    name: String,
    arguments: String,
}

/// Interrupt text for a killed command (what the model reads after `killed: `).
const INTERRUPTED: &str = "interrupted by the user";

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

impl Agent {
    /// The spawned task: turns one after another until every handle is gone.
    pub(super) async fn run(mut self, mut inbox: Inbox) -> Agent {
        while let Some(control) = inbox.next_idle().await {
            match control {
                Control::Submit(text) => self.run_turn(text, &mut inbox).await,
                Control::AttachWorktree(worktree) => {
                    if let Err(err) = self.attach_worktree(&worktree).await {
                        tracing::error!(error = %err, "cannot record the session's worktree");
                    }
                }
                // Nothing to decide or interrupt between turns.
                Control::Decide { .. } | Control::Interrupt => {}
            }
        }
        // Receivers see the end of the updates once the agent stops.
        self.rec.set_updates_closed();
        self
    }

    /// One turn, from the user's message to `turn.ended` (durable) and `TurnFinished`.
    async fn run_turn(&mut self, text: String, inbox: &mut Inbox) {
        let mut tally = TurnTally::default();
        if let Err(err) = self.rec.catch_up().await {
            tracing::warn!(error = %err, "cannot read what others appended to the session");
        }
        let turn = self.state().turns + 1;
        let result = self.turn_body(turn, text, &mut tally, inbox).await;
        let (outcome, error) = match result {
            Ok(()) => (TurnOutcome::Completed, None),
            Err(Stop::Interrupted) => (TurnOutcome::Interrupted, None),
            Err(Stop::Failed(message)) => (TurnOutcome::Failed, Some(message)),
        };
        let (commit, error) = match self.end_turn(turn, outcome, error.clone()).await {
            Ok(commit) => (commit, error),
            Err(err) => (None, Some(error.unwrap_or_else(|| err.to_string()))),
        };
        self.rec
            .notify(AgentUpdate::TurnFinished {
                turn,
                outcome,
                error,
                usage: tally.usage,
                final_message: tally.final_message,
                commit,
            })
            .await;
    }

    async fn turn_body(
        &mut self,
        turn: u32,
        text: String,
        tally: &mut TurnTally,
        inbox: &mut Inbox,
    ) -> Result<(), Stop> {
        self.rec
            .emit(EventKind::UserMessage(UserMessage { text }))
            .await?;
        self.rec
            .emit(EventKind::TurnStarted(TurnStarted { turn }))
            .await?;
        loop {
            let calls = self.respond(tally, inbox).await?;
            if calls.is_empty() {
                return Ok(());
            }
            for call in calls {
                self.run_call(call, inbox).await?;
            }
        }
    }

    /// Records the snapshot and `turn.ended`, and waits until the whole turn is durable.
    async fn end_turn(
        &mut self,
        turn: u32,
        outcome: TurnOutcome,
        error: Option<String>,
    ) -> Result<Option<String>, StoreError> {
        self.rec.flush().await?;
        let commit = self.snapshot().await;
        self.rec
            .emit(EventKind::TurnEnded(TurnEnded {
                turn,
                outcome,
                error,
                commit: commit.clone(),
            }))
            .await?;
        self.rec.sync().await?;
        Ok(commit)
    }

    /// The worktree's exact state as a commit on `refs/switchboard/<session>/<seq>`, where
    /// `seq` is the coming `turn.ended`'s. `None` without a worktree or when git fails (the
    /// turn still ends; the failure is logged).
    async fn snapshot(&self) -> Option<String> {
        let worktree = PathBuf::from(&self.state().worktree.as_ref()?.path);
        let session = self.session();
        let seq = self.rec.next_seq();
        let result = tokio::task::spawn_blocking(move || {
            crate::workspace::checkpoint(&worktree, session, seq)
        })
        .await;
        match result {
            Ok(Ok(commit)) => Some(commit),
            Ok(Err(err)) => {
                tracing::warn!(error = %err, "cannot snapshot the worktree");
                None
            }
            Err(err) => {
                tracing::warn!(error = %err, "the snapshot task failed");
                None
            }
        }
    }

    /// One model request with the whole conversation; returns the response's calls.
    async fn respond(
        &mut self,
        tally: &mut TurnTally,
        inbox: &mut Inbox,
    ) -> Result<Vec<Call>, Stop> {
        let model = self.config.client.settings().model.clone();
        let mut request =
            ResponsesRequest::new(model.clone(), self.conversation().items().to_vec())
                .with_tools(vec![Tool::shell()]);
        if let Some(instructions) = &self.config.instructions {
            request = request.with_instructions(instructions.clone());
        }
        self.rec
            .emit(EventKind::ResponseStarted(ResponseStarted {
                model: model.clone(),
                attempt: 1,
            }))
            .await?;
        // Dropping the stream (an interrupt returns early) cancels the request.
        let mut stream = self.config.client.stream(&request);
        let mut calls = Vec::new();
        loop {
            let flush_at = self.rec.flush_deadline();
            let update = tokio::select! {
                biased;
                signal = inbox.next_in_turn() => match signal {
                    TurnSignal::Interrupt => return Err(Stop::Interrupted),
                    TurnSignal::Decide { .. } => continue,
                },
                () = sleep_until(flush_at), if flush_at.is_some() => {
                    self.rec.flush().await?;
                    continue;
                }
                update = stream.next_update() => update,
            };
            match update {
                None => return Ok(calls),
                Some(Err(err)) => {
                    let message = err.to_string();
                    self.rec
                        .emit(EventKind::ResponseFailed(ResponseFailed {
                            code: err.code().map(str::to_owned),
                            message: message.clone(),
                        }))
                        .await?;
                    return Err(Stop::Failed(message));
                }
                Some(Ok(StreamUpdate::Retrying {
                    attempt,
                    max_attempts,
                    delay,
                    reason,
                })) => {
                    let retrying = ResponseRetrying {
                        attempt,
                        max_attempts,
                        delay_ms: delay.as_millis() as u64,
                        reason,
                    };
                    self.rec.emit(EventKind::ResponseRetrying(retrying)).await?;
                    let started = ResponseStarted {
                        model: model.clone(),
                        attempt,
                    };
                    self.rec.emit(EventKind::ResponseStarted(started)).await?;
                }
                Some(Ok(StreamUpdate::Event(event))) => {
                    self.on_stream_event(event, tally, &mut calls).await?;
                }
            }
        }
    }

    async fn on_stream_event(
        &mut self,
        event: ResponseEvent,
        tally: &mut TurnTally,
        calls: &mut Vec<Call>,
    ) -> Result<(), Stop> {
        if let Some(delta) = event.delta() {
            let item_id = (!delta.item_id.is_empty()).then(|| delta.item_id.to_owned());
            self.rec.delta(delta.channel, item_id, delta.text).await?;
            return Ok(());
        }
        match event {
            ResponseEvent::OutputItemDone { item, .. } => {
                match &item {
                    OutputItem::FunctionCall {
                        call_id,
                        name,
                        arguments,
                        ..
                    } => calls.push(Call {
                        call_id: call_id.clone(),
                        name: name.clone(),
                        arguments: arguments.clone(),
                    }),
                    OutputItem::Message { text, refusal, .. } => {
                        let shown = if text.is_empty() {
                            refusal.clone()
                        } else {
                            Some(text.clone())
                        };
                        if let Some(shown) = shown.filter(|t| !t.is_empty()) {
                            tally.final_message = Some(shown);
                        }
                    }
                    OutputItem::Reasoning { .. } | OutputItem::Other { .. } => {}
                }
                let done = ResponseItemDone { item };
                self.rec.emit(EventKind::ResponseItemDone(done)).await?;
            }
            ResponseEvent::Completed(info) | ResponseEvent::Incomplete(info) => {
                let usage = info.usage.unwrap_or_default();
                tally.usage.add(&usage);
                let completed = ResponseCompleted {
                    response_id: (!info.id.is_empty()).then(|| info.id.clone()),
                    usage,
                    incomplete_reason: info.incomplete_reason.clone(),
                };
                self.rec
                    .emit(EventKind::ResponseCompleted(completed))
                    .await?;
            }
            // Lifecycle and part events carry nothing the store needs: items and deltas do.
            _ => {}
        }
        Ok(())
    }

    /// Requests, checks, approves and runs one call; its output (or error, or denial) becomes
    /// the call's `function_call_output` through the recorded events.
    async fn run_call(&mut self, call: Call, inbox: &mut Inbox) -> Result<(), Stop> {
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
        let hidden = [settings.key_var.as_str(), DEFAULT_KEY_VAR];
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
