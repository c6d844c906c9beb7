//! SSE frames → typed Responses API events. Pure: no I/O, no clock.
//!
//! Dispatch is on the JSON `type` (the `event:` line is only a fallback for naming what broke).
//! An event type this build does not know is skipped with a `tracing` debug line, never an
//! error: the API adds event kinds over time. A known event whose JSON is malformed or lacks a
//! required field is a [`StreamError`] value, never a panic.

mod fast;
mod parse;

pub use parse::{EventRef, parse_event, parse_frame, parse_frame_with};

use super::sse::{SseDecoder, SseError};
use crate::event::{DeltaChannel, OutputItem, Usage};

/// One typed event of a streamed response. Field names follow the wire; indexes are the
/// API's (`output_index` orders items in the response, `content_index`/`summary_index` order
/// parts within an item). Response objects are boxed: they are rare and large, and deltas,
/// which are most of a stream, should not pay for their size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseEvent {
    Created(Box<ResponseInfo>),
    InProgress(Box<ResponseInfo>),
    OutputItemAdded {
        output_index: u32,
        item: OutputItem,
    },
    /// The authoritative copy of an item: run tool calls from this one.
    OutputItemDone {
        output_index: u32,
        item: OutputItem,
    },
    ContentPartAdded {
        at: PartAt,
        part: ContentPart,
    },
    ContentPartDone {
        at: PartAt,
        part: ContentPart,
    },
    OutputTextDelta {
        at: PartAt,
        delta: String,
    },
    OutputTextDone {
        at: PartAt,
        text: String,
    },
    RefusalDelta {
        at: PartAt,
        delta: String,
    },
    RefusalDone {
        at: PartAt,
        refusal: String,
    },
    FunctionCallArgumentsDelta {
        at: ItemAt,
        delta: String,
    },
    FunctionCallArgumentsDone {
        at: ItemAt,
        arguments: String,
    },
    ReasoningSummaryPartAdded {
        at: PartAt,
        part: ContentPart,
    },
    ReasoningSummaryPartDone {
        at: PartAt,
        part: ContentPart,
    },
    ReasoningSummaryTextDelta {
        at: PartAt,
        delta: String,
    },
    ReasoningSummaryTextDone {
        at: PartAt,
        text: String,
    },
    ReasoningTextDelta {
        at: PartAt,
        delta: String,
    },
    ReasoningTextDone {
        at: PartAt,
        text: String,
    },
    /// The response finished; `usage` is set.
    Completed(Box<ResponseInfo>),
    /// The response stopped early; `incomplete_reason` says why (e.g. `max_output_tokens`).
    Incomplete(Box<ResponseInfo>),
    /// The response failed; `error` holds the API's code and message.
    Failed(Box<ResponseInfo>),
    /// A stream-level error event.
    Error(ApiError),
}

/// A streamed fragment on one channel of one output item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delta<'a> {
    pub channel: DeltaChannel,
    pub item_id: &'a str,
    pub output_index: u32,
    /// `content_index` or `summary_index`; 0 for function call arguments.
    pub index: u32,
    pub text: &'a str,
}

/// Where an item-level event belongs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ItemAt {
    pub item_id: String,
    pub output_index: u32,
}

/// Where a part-level event belongs; `index` is the `content_index` or the `summary_index`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PartAt {
    pub item_id: String,
    pub output_index: u32,
    pub index: u32,
}

/// A content part (`output_text`, `refusal`, `summary_text`, `reasoning_text`, …) with its text
/// (`text`, or `refusal` for refusal parts). Annotations are not modelled.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContentPart {
    pub kind: String,
    pub text: String,
}

/// An `error` object, from an `error` event, a failed response or an HTTP error body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApiError {
    pub code: Option<String>,
    pub message: String,
    pub param: Option<String>,
}

/// The parts of a `response` object a client acts on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResponseInfo {
    pub id: String,
    pub status: Option<String>,
    pub model: Option<String>,
    /// The full output, on terminal events (empty on `created`/`in_progress`).
    pub output: Vec<OutputItem>,
    pub usage: Option<Usage>,
    pub error: Option<ApiError>,
    pub incomplete_reason: Option<String>,
}

/// A frame that could not become a typed event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StreamError {
    #[error("malformed `{event}` event: {detail}")]
    Malformed { event: String, detail: String },
    #[error(transparent)]
    Sse(#[from] SseError),
}

impl ResponseEvent {
    /// The wire `type` of this event.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Created(_) => "response.created",
            Self::InProgress(_) => "response.in_progress",
            Self::OutputItemAdded { .. } => "response.output_item.added",
            Self::OutputItemDone { .. } => "response.output_item.done",
            Self::ContentPartAdded { .. } => "response.content_part.added",
            Self::ContentPartDone { .. } => "response.content_part.done",
            Self::OutputTextDelta { .. } => "response.output_text.delta",
            Self::OutputTextDone { .. } => "response.output_text.done",
            Self::RefusalDelta { .. } => "response.refusal.delta",
            Self::RefusalDone { .. } => "response.refusal.done",
            Self::FunctionCallArgumentsDelta { .. } => "response.function_call_arguments.delta",
            Self::FunctionCallArgumentsDone { .. } => "response.function_call_arguments.done",
            Self::ReasoningSummaryPartAdded { .. } => "response.reasoning_summary_part.added",
            Self::ReasoningSummaryPartDone { .. } => "response.reasoning_summary_part.done",
            Self::ReasoningSummaryTextDelta { .. } => "response.reasoning_summary_text.delta",
            Self::ReasoningSummaryTextDone { .. } => "response.reasoning_summary_text.done",
            Self::ReasoningTextDelta { .. } => "response.reasoning_text.delta",
            Self::ReasoningTextDone { .. } => "response.reasoning_text.done",
            Self::Completed(_) => "response.completed",
            Self::Incomplete(_) => "response.incomplete",
            Self::Failed(_) => "response.failed",
            Self::Error(_) => "error",
        }
    }

    /// The streamed fragment this event carries, if it is a delta: what a live view appends
    /// and what the agent stores as a `response.delta` event.
    pub fn delta(&self) -> Option<Delta<'_>> {
        let (channel, item_id, output_index, index, text) = match self {
            Self::OutputTextDelta { at, delta } => (
                DeltaChannel::Text,
                &at.item_id,
                at.output_index,
                at.index,
                delta,
            ),
            Self::RefusalDelta { at, delta } => (
                DeltaChannel::Refusal,
                &at.item_id,
                at.output_index,
                at.index,
                delta,
            ),
            Self::ReasoningSummaryTextDelta { at, delta } => (
                DeltaChannel::ReasoningSummary,
                &at.item_id,
                at.output_index,
                at.index,
                delta,
            ),
            Self::ReasoningTextDelta { at, delta } => (
                DeltaChannel::Reasoning,
                &at.item_id,
                at.output_index,
                at.index,
                delta,
            ),
            Self::FunctionCallArgumentsDelta { at, delta } => (
                DeltaChannel::Arguments,
                &at.item_id,
                at.output_index,
                0,
                delta,
            ),
            _ => return None,
        };
        Some(Delta {
            channel,
            item_id,
            output_index,
            index,
            text,
        })
    }

    /// The text of a delta event, for trimming a replayed prefix.
    pub(crate) fn delta_text_mut(&mut self) -> Option<&mut String> {
        match self {
            Self::OutputTextDelta { delta, .. }
            | Self::RefusalDelta { delta, .. }
            | Self::ReasoningSummaryTextDelta { delta, .. }
            | Self::ReasoningTextDelta { delta, .. }
            | Self::FunctionCallArgumentsDelta { delta, .. } => Some(delta),
            _ => None,
        }
    }

    /// Whether the stream ends after this event (no more events belong to the response).
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            Self::Completed(_) | Self::Incomplete(_) | Self::Failed(_) | Self::Error(_)
        )
    }
}

/// Bytes → typed events in one step: the SSE decoder and [`parse_event`] together.
#[derive(Debug, Default)]
pub struct EventDecoder {
    sse: SseDecoder,
}

impl EventDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Decodes `bytes`, appending each complete event (or the error it produced) to `out`.
    /// Unknown events are skipped. An SSE-level error is pushed once and decoding continues
    /// with the next feed.
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<Result<ResponseEvent, StreamError>>) {
        self.feed_with(bytes, |result| out.push(result.map(EventRef::into_owned)));
    }

    /// Decodes `bytes`, calling `on_event` with each complete event (or the error it
    /// produced), deltas borrowed from the decoder's buffers: a consumer that appends delta
    /// text to its own transcript allocates nothing per delta in this layer.
    pub fn feed_with(
        &mut self,
        bytes: &[u8],
        mut on_event: impl FnMut(Result<EventRef<'_>, StreamError>),
    ) {
        let fed = self.sse.feed_with(bytes, |frame| {
            if let Err(err) = parse_frame_with(frame, |event| on_event(Ok(event))) {
                on_event(Err(err));
            }
        });
        if let Err(err) = fed {
            on_event(Err(err.into()));
        }
    }

    /// Whether the stream stopped in the middle of an event.
    pub fn has_partial(&self) -> bool {
        self.sse.has_partial()
    }
}
