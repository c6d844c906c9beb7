//! The turn loop: user message → stream → run the calls → send their outputs → stream again,
//! until a response has no calls. Interrupts, failures and the worktree snapshot at the end.

use std::path::PathBuf;

use tokio::time::Instant;

use super::compact::Cut;
use super::inbox::{Control, Inbox, TurnSignal};
use super::{Agent, AgentUpdate};
use crate::event::{
    EventKind, OutputItem, ResponseCompleted, ResponseFailed, ResponseItemDone, ResponseRetrying,
    ResponseStarted, TurnEnded, TurnOutcome, TurnStarted, Usage, UserMessage,
};
use crate::model::{ResponseEvent, ResponsesRequest, StreamUpdate, Tool};
use crate::store::StoreError;

/// Why a turn stopped before its natural end.
#[derive(Debug)]
pub(super) enum Stop {
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
pub(super) struct Call {
    pub call_id: String,
    pub name: String,
    pub arguments: String,
}

pub(super) async fn sleep_until(deadline: Option<Instant>) {
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
                Control::Reconfigure { config, record } => {
                    if let Some(config) = config {
                        self.config = *config;
                    }
                    if let Err(err) = self.record(record).await {
                        tracing::error!(error = %err, "cannot record the session's new settings");
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
        let user_seq = self.rec.next_seq();
        self.rec
            .emit(EventKind::UserMessage(UserMessage { text }))
            .await?;
        self.rec
            .emit(EventKind::TurnStarted(TurnStarted { turn }))
            .await?;
        let mut cut = Cut::BeforeSeq(user_seq);
        loop {
            self.compact_if_due(cut, &mut tally.usage, inbox).await?;
            cut = Cut::Everything;
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
        self.rec
            .emit(EventKind::ResponseStarted(ResponseStarted {
                model: model.clone(),
                attempt: 1,
            }))
            .await?;
        // Dropping the stream (an interrupt returns early) cancels the request.
        let mut stream = {
            // The request borrows the conversation and is serialised by `stream`, so it is
            // built after the last `&mut self` before it and dropped right away.
            let mut request =
                ResponsesRequest::borrowing(model.clone(), self.conversation().input_refs())
                    .with_tools(vec![Tool::shell()])
                    .with_prompt_cache_key(self.session().to_string())
                    .with_effort(self.config.reasoning_effort.clone())
                    .with_output_schema(self.config.output_schema.clone());
            if let Some(instructions) = &self.config.instructions {
                request = request.with_instructions(instructions.clone());
            }
            self.config.client.stream(&request)
        };
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
}
