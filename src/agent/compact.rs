//! Compaction before a request: when the conversation is estimated (or was reported) to exceed
//! `compact_at` tokens, the model is asked for a handoff summary of it (the conversation up to
//! a cut plus [`COMPACT_PROMPT`]), which is recorded as `conversation.compacted`; the request
//! then carries the summary in place of the items it covers. The raw events stay in the store.
//!
//! The summarisation request keeps the agent's instructions and tools (the same prefix, so the
//! server's prompt cache still applies) with `tool_choice: "none"`. Its stream is not recorded
//! as `response.*` events: its text is the summary, not an answer in the conversation.
//!
//! [`COMPACT_PROMPT`]: crate::model::conversation::compact::COMPACT_PROMPT

use super::Agent;
use super::inbox::{Inbox, TurnSignal};
use super::turn::Stop;
use crate::event::{ConversationCompacted, EventKind, OutputItem, Usage};
use crate::ids::Seq;
use crate::model::conversation::summary_budget;
use crate::model::{ResponseEvent, ResponseStream, ResponsesRequest, StreamUpdate, Tool};

/// Where a compaction cuts.
#[derive(Debug, Clone, Copy)]
pub(super) enum Cut {
    /// Before the turn's user message (the first request of a turn): the new prompt is kept
    /// word for word.
    BeforeSeq(Seq),
    /// Everything so far (a later request of a long turn).
    Everything,
}

/// What the summarisation stream gave.
#[derive(Debug, Default)]
struct Handoff {
    text: String,
    usage: Usage,
}

impl Agent {
    /// Compacts the conversation first if it is due: over `compact_at`, or only partly loaded
    /// (a resume of a conversation that was already over it). Failing to compact ends the
    /// turn: a conversation over the model's context cannot be sent anyway.
    pub(super) async fn compact_if_due(
        &mut self,
        cut: Cut,
        usage: &mut Usage,
        inbox: &mut Inbox,
    ) -> Result<(), Stop> {
        let Some(compact_at) = self.config.compact_at else {
            return Ok(());
        };
        let conversation = self.conversation();
        let tokens_before = conversation.estimated_tokens();
        if !conversation.is_partial() && tokens_before <= compact_at {
            return Ok(());
        }
        let through = match cut {
            Cut::BeforeSeq(seq) => seq.0.saturating_sub(1),
            Cut::Everything => self.rec.next_seq().0.saturating_sub(1),
        };
        let Some(input) = conversation.summary_input(through, summary_budget(compact_at)) else {
            if conversation.is_partial() {
                return Err(Stop::Failed(
                    "compaction failed: nothing to summarise in a conversation too large to send"
                        .into(),
                ));
            }
            return Ok(());
        };
        let stream = {
            // The request borrows the conversation and is serialised by `stream`, so it is
            // dropped before anything needs `&mut self`.
            let model = self.config.client.settings().model.clone();
            let mut request = ResponsesRequest::borrowing(model, input)
                .with_tools(vec![Tool::shell()])
                .with_prompt_cache_key(self.session().to_string());
            request.tool_choice = "none";
            if let Some(instructions) = &self.config.instructions {
                request = request.with_instructions(instructions.clone());
            }
            self.config.client.stream(&request)
        };
        let handoff = summarise(stream, inbox).await?;
        usage.add(&handoff.usage);
        self.rec
            .emit(EventKind::ConversationCompacted(ConversationCompacted {
                summary: handoff.text,
                through: Seq(through),
                tokens_before,
                usage: handoff.usage,
            }))
            .await?;
        Ok(())
    }
}

/// Reads the summarisation stream and returns its text (interrupts end it at once).
async fn summarise(mut stream: ResponseStream, inbox: &mut Inbox) -> Result<Handoff, Stop> {
    let mut handoff = Handoff::default();
    loop {
        let update = tokio::select! {
            biased;
            signal = inbox.next_in_turn() => match signal {
                TurnSignal::Interrupt => return Err(Stop::Interrupted),
                TurnSignal::Decide { .. } => continue,
            },
            update = stream.next_update() => update,
        };
        match update {
            None => break,
            Some(Err(err)) => return Err(Stop::Failed(format!("compaction failed: {err}"))),
            Some(Ok(StreamUpdate::Retrying { .. })) => {}
            Some(Ok(StreamUpdate::Event(event))) => match event {
                ResponseEvent::OutputItemDone {
                    item: OutputItem::Message { text, .. },
                    ..
                } => {
                    if !handoff.text.is_empty() && !text.is_empty() {
                        handoff.text.push_str("\n\n");
                    }
                    handoff.text.push_str(&text);
                }
                ResponseEvent::Completed(info) | ResponseEvent::Incomplete(info) => {
                    handoff.usage = info.usage.unwrap_or_default();
                }
                _ => {}
            },
        }
    }
    if handoff.text.trim().is_empty() {
        return Err(Stop::Failed(
            "compaction failed: the model returned no summary".into(),
        ));
    }
    Ok(handoff)
}
