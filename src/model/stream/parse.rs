//! The JSON half of the typed layer: one frame's `data` → a [`ResponseEvent`].

use std::borrow::Cow;

use serde::Deserialize;

use super::{
    ApiError, ContentPart, Delta, ItemAt, PartAt, ResponseEvent, ResponseInfo, StreamError,
};
use crate::event::{DeltaChannel, OutputItem};
use crate::model::sse::{FrameRef, SseFrame};
use crate::model::wire::{WireItem, WireResponse};

/// Every event type this build decodes, so a malformed one can be told from an unknown one.
const KNOWN_TYPES: &[&str] = &[
    "response.created",
    "response.in_progress",
    "response.output_item.added",
    "response.output_item.done",
    "response.content_part.added",
    "response.content_part.done",
    "response.output_text.delta",
    "response.output_text.done",
    "response.refusal.delta",
    "response.refusal.done",
    "response.function_call_arguments.delta",
    "response.function_call_arguments.done",
    "response.reasoning_summary_part.added",
    "response.reasoning_summary_part.done",
    "response.reasoning_summary_text.delta",
    "response.reasoning_summary_text.done",
    "response.reasoning_text.delta",
    "response.reasoning_text.done",
    "response.completed",
    "response.incomplete",
    "response.failed",
    "error",
];

/// One flat shape for every event: each event fills the fields it has. Deserialising into it
/// is a single pass with no intermediate `Value`, which keeps the hot delta path fast.
#[derive(Deserialize)]
struct WireEvent<'a> {
    /// Borrowed: event types never contain escapes, so this costs no allocation.
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    /// Borrowed from the frame when it has no escapes (ids never do): no allocation per
    /// delta on the borrowed path ([`parse_frame_with`]).
    #[serde(borrow)]
    item_id: Option<Borrowed<'a>>,
    output_index: Option<u32>,
    content_index: Option<u32>,
    summary_index: Option<u32>,
    /// Borrowed unless the text has escapes (`\n`, `\"`), which must be decoded.
    #[serde(borrow)]
    delta: Option<Borrowed<'a>>,
    text: Option<String>,
    refusal: Option<String>,
    arguments: Option<String>,
    item: Option<WireItem>,
    part: Option<WirePart>,
    response: Option<WireResponse>,
    code: Option<String>,
    message: Option<String>,
    param: Option<String>,
}

/// A string that borrows from the JSON when it can. A newtype because serde borrows a bare
/// `Cow<str>` field but not one inside an `Option`.
#[derive(Deserialize)]
struct Borrowed<'a>(#[serde(borrow)] Cow<'a, str>);

impl Borrowed<'_> {
    fn into_owned(self) -> String {
        self.0.into_owned()
    }
}

/// A decoded event whose delta text and item id may borrow from the frame: what
/// [`parse_frame_with`] hands out, so a consumer that copies a delta straight into its
/// transcript allocates nothing for it here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventRef<'a> {
    Delta(Delta<'a>),
    Other(ResponseEvent),
}

impl EventRef<'_> {
    /// The owned event, as [`parse_frame`] returns it.
    pub fn into_owned(self) -> ResponseEvent {
        match self {
            Self::Other(event) => event,
            Self::Delta(d) => {
                let delta = d.text.to_owned();
                let at = PartAt {
                    item_id: d.item_id.to_owned(),
                    output_index: d.output_index,
                    index: d.index,
                };
                match d.channel {
                    DeltaChannel::Text | DeltaChannel::Other => {
                        ResponseEvent::OutputTextDelta { at, delta }
                    }
                    DeltaChannel::Refusal => ResponseEvent::RefusalDelta { at, delta },
                    DeltaChannel::ReasoningSummary => {
                        ResponseEvent::ReasoningSummaryTextDelta { at, delta }
                    }
                    DeltaChannel::Reasoning => ResponseEvent::ReasoningTextDelta { at, delta },
                    DeltaChannel::Arguments => ResponseEvent::FunctionCallArgumentsDelta {
                        at: ItemAt {
                            item_id: at.item_id,
                            output_index: at.output_index,
                        },
                        delta,
                    },
                }
            }
        }
    }
}

/// The delta event types, their channel and the field holding their part index (`None`:
/// function call arguments have no part).
pub(super) fn delta_kind(kind: &str) -> Option<(DeltaChannel, Option<&'static str>)> {
    Some(match kind {
        "response.output_text.delta" => (DeltaChannel::Text, Some("content_index")),
        "response.refusal.delta" => (DeltaChannel::Refusal, Some("content_index")),
        "response.reasoning_summary_text.delta" => {
            (DeltaChannel::ReasoningSummary, Some("summary_index"))
        }
        "response.reasoning_text.delta" => (DeltaChannel::Reasoning, Some("content_index")),
        "response.function_call_arguments.delta" => (DeltaChannel::Arguments, None),
        _ => return None,
    })
}

#[derive(Deserialize)]
struct WirePart {
    #[serde(rename = "type")]
    kind: String,
    text: Option<String>,
    refusal: Option<String>,
}

/// Only the type, for telling an unknown event from a malformed known one.
#[derive(Deserialize)]
struct TypeOnly<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
}

/// Decodes one frame. `Ok(None)` for event types this build does not know (and for frames
/// that are not JSON and do not claim a known type).
pub fn parse_event(frame: &SseFrame) -> Result<Option<ResponseEvent>, StreamError> {
    parse_frame(frame.as_ref())
}

/// [`parse_event`] on a borrowed frame.
pub fn parse_frame(frame: FrameRef<'_>) -> Result<Option<ResponseEvent>, StreamError> {
    parse_frame_with(frame, |event| event.into_owned())
}

/// Decodes one frame and hands the event to `on_event`, its delta text and item id borrowed
/// from the frame where possible; returns what `on_event` returned (`None` for an event type
/// this build does not know).
pub fn parse_frame_with<T>(
    frame: FrameRef<'_>,
    on_event: impl FnOnce(EventRef<'_>) -> T,
) -> Result<Option<T>, StreamError> {
    if let Some(delta) = super::fast::delta(frame.data) {
        return Ok(Some(on_event(EventRef::Delta(delta.as_delta()))));
    }
    parse_with_serde(frame, on_event)
}

/// The general path: every event type, every error worded. [`super::fast`] agrees with it
/// wherever it answers.
pub(super) fn parse_with_serde<T>(
    frame: FrameRef<'_>,
    on_event: impl FnOnce(EventRef<'_>) -> T,
) -> Result<Option<T>, StreamError> {
    match serde_json::from_str::<WireEvent>(frame.data) {
        Ok(wire) => {
            // Deltas first: they are most of a stream.
            if let Some((channel, index_field)) = delta_kind(&wire.kind) {
                return Ok(Some(on_event(EventRef::Delta(
                    wire.delta_ref(channel, index_field)?,
                ))));
            }
            if !KNOWN_TYPES.contains(&wire.kind.as_ref()) {
                tracing::debug!(kind = %wire.kind, "ignoring unknown response event");
                return Ok(None);
            }
            Ok(Some(on_event(EventRef::Other(wire.into_event()?))))
        }
        Err(err) => {
            let kind = serde_json::from_str::<TypeOnly>(frame.data)
                .map(|t| t.kind.into_owned())
                .ok()
                .or_else(|| frame.event.map(str::to_owned));
            match kind {
                Some(kind) if KNOWN_TYPES.contains(&kind.as_str()) => Err(StreamError::Malformed {
                    event: kind,
                    detail: err.to_string(),
                }),
                kind => {
                    tracing::debug!(?kind, "ignoring unknown or non-JSON event");
                    Ok(None)
                }
            }
        }
    }
}

impl WireEvent<'_> {
    fn missing(&self, field: &str) -> StreamError {
        StreamError::Malformed {
            event: self.kind.clone().into_owned(),
            detail: format!("missing field `{field}`"),
        }
    }

    fn take<T>(&self, value: Option<T>, field: &str) -> Result<T, StreamError> {
        value.ok_or_else(|| self.missing(field))
    }

    fn item_at(&mut self) -> Result<ItemAt, StreamError> {
        Ok(ItemAt {
            item_id: self
                .item_id
                .take()
                .map(Borrowed::into_owned)
                .unwrap_or_default(),
            output_index: self.take(self.output_index, "output_index")?,
        })
    }

    fn part_at(&mut self, index_field: &str) -> Result<PartAt, StreamError> {
        let index = match index_field {
            "summary_index" => self.summary_index,
            _ => self.content_index,
        };
        Ok(PartAt {
            index: self.take(index, index_field)?,
            item_id: self
                .item_id
                .take()
                .map(Borrowed::into_owned)
                .unwrap_or_default(),
            output_index: self.take(self.output_index, "output_index")?,
        })
    }

    fn string(&mut self, field: &str) -> Result<String, StreamError> {
        let value = match field {
            "delta" => self.delta.take().map(Borrowed::into_owned),
            "text" => self.text.take(),
            "refusal" => self.refusal.take(),
            _ => self.arguments.take(),
        };
        self.take(value, field)
    }

    /// A delta event, borrowing its text and item id from the frame.
    fn delta_ref(
        &self,
        channel: DeltaChannel,
        index_field: Option<&str>,
    ) -> Result<Delta<'_>, StreamError> {
        let index = match index_field {
            Some("summary_index") => self.take(self.summary_index, "summary_index")?,
            Some(field) => self.take(self.content_index, field)?,
            None => 0,
        };
        Ok(Delta {
            channel,
            item_id: self.item_id.as_ref().map_or("", |id| &id.0),
            output_index: self.take(self.output_index, "output_index")?,
            index,
            text: &self.delta.as_ref().ok_or_else(|| self.missing("delta"))?.0,
        })
    }

    fn part(&mut self) -> Result<ContentPart, StreamError> {
        let part = self.part.take().ok_or_else(|| self.missing("part"))?;
        Ok(ContentPart {
            text: part.text.or(part.refusal).unwrap_or_default(),
            kind: part.kind,
        })
    }

    fn item(&mut self) -> Result<(u32, OutputItem), StreamError> {
        let index = self.take(self.output_index, "output_index")?;
        let item = self.item.take().ok_or_else(|| self.missing("item"))?;
        Ok((index, item.into_output_item()))
    }

    fn response(&mut self) -> Result<Box<ResponseInfo>, StreamError> {
        let response = self
            .response
            .take()
            .ok_or_else(|| self.missing("response"))?;
        Ok(Box::new(response.into_info()))
    }

    fn into_event(mut self) -> Result<ResponseEvent, StreamError> {
        use ResponseEvent as E;
        let kind = self.kind.clone();
        Ok(match kind.as_ref() {
            "response.created" => E::Created(self.response()?),
            "response.in_progress" => E::InProgress(self.response()?),
            "response.completed" => E::Completed(self.response()?),
            "response.incomplete" => E::Incomplete(self.response()?),
            "response.failed" => E::Failed(self.response()?),
            "response.output_item.added" => {
                let (output_index, item) = self.item()?;
                E::OutputItemAdded { output_index, item }
            }
            "response.output_item.done" => {
                let (output_index, item) = self.item()?;
                E::OutputItemDone { output_index, item }
            }
            "response.content_part.added" => E::ContentPartAdded {
                at: self.part_at("content_index")?,
                part: self.part()?,
            },
            "response.content_part.done" => E::ContentPartDone {
                at: self.part_at("content_index")?,
                part: self.part()?,
            },
            "response.output_text.delta" => E::OutputTextDelta {
                at: self.part_at("content_index")?,
                delta: self.string("delta")?,
            },
            "response.output_text.done" => E::OutputTextDone {
                at: self.part_at("content_index")?,
                text: self.string("text")?,
            },
            "response.refusal.delta" => E::RefusalDelta {
                at: self.part_at("content_index")?,
                delta: self.string("delta")?,
            },
            "response.refusal.done" => E::RefusalDone {
                at: self.part_at("content_index")?,
                refusal: self.string("refusal")?,
            },
            "response.function_call_arguments.delta" => E::FunctionCallArgumentsDelta {
                at: self.item_at()?,
                delta: self.string("delta")?,
            },
            "response.function_call_arguments.done" => E::FunctionCallArgumentsDone {
                at: self.item_at()?,
                arguments: self.string("arguments")?,
            },
            "response.reasoning_summary_part.added" => E::ReasoningSummaryPartAdded {
                at: self.part_at("summary_index")?,
                part: self.part()?,
            },
            "response.reasoning_summary_part.done" => E::ReasoningSummaryPartDone {
                at: self.part_at("summary_index")?,
                part: self.part()?,
            },
            "response.reasoning_summary_text.delta" => E::ReasoningSummaryTextDelta {
                at: self.part_at("summary_index")?,
                delta: self.string("delta")?,
            },
            "response.reasoning_summary_text.done" => E::ReasoningSummaryTextDone {
                at: self.part_at("summary_index")?,
                text: self.string("text")?,
            },
            "response.reasoning_text.delta" => E::ReasoningTextDelta {
                at: self.part_at("content_index")?,
                delta: self.string("delta")?,
            },
            "response.reasoning_text.done" => E::ReasoningTextDone {
                at: self.part_at("content_index")?,
                text: self.string("text")?,
            },
            "error" => E::Error(ApiError {
                message: self.message.take().ok_or_else(|| self.missing("message"))?,
                code: self.code.take(),
                param: self.param.take(),
            }),
            other => {
                return Err(StreamError::Malformed {
                    event: other.to_owned(),
                    detail: "known type without a decoder".to_owned(),
                });
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Usage;
    use crate::model::stream::PartAt;

    fn parse(data: &str) -> Result<Option<ResponseEvent>, StreamError> {
        parse_event(&SseFrame {
            event: None,
            data: data.to_owned(),
            id: None,
        })
    }

    #[test]
    fn text_delta_decodes() {
        let event = parse(
            r#"{"type":"response.output_text.delta","item_id":"msg_1","output_index":1,"content_index":0,"delta":"Hi","logprobs":[],"sequence_number":4}"#,
        )
        .unwrap();
        assert_eq!(
            event,
            Some(ResponseEvent::OutputTextDelta {
                at: PartAt {
                    item_id: "msg_1".into(),
                    output_index: 1,
                    index: 0
                },
                delta: "Hi".into()
            })
        );
    }

    #[test]
    fn unknown_types_are_skipped_even_with_odd_shapes() {
        assert_eq!(
            parse(r#"{"type":"response.web_search_call.searching","item":7}"#),
            Ok(None)
        );
        assert_eq!(parse(r#"{"type":"response.queued"}"#), Ok(None));
        assert_eq!(parse("not json at all"), Ok(None));
    }

    #[test]
    fn malformed_known_events_are_errors() {
        let err = parse(r#"{"type":"response.output_text.delta","output_index":0}"#).unwrap_err();
        assert!(err.to_string().contains("content_index"), "{err}");
        let err = parse(r#"{"type":"response.completed","response":17}"#).unwrap_err();
        assert!(err.to_string().contains("response.completed"), "{err}");
        let frame = SseFrame {
            event: Some("response.output_text.delta".into()),
            data: "{truncated".into(),
            id: None,
        };
        assert!(parse_event(&frame).is_err());
    }

    #[test]
    fn usage_maps_to_the_stored_usage() {
        let event = parse(
            r#"{"type":"response.completed","response":{"id":"resp_1","status":"completed","output":[],
            "usage":{"input_tokens":10,"input_tokens_details":{"cached_tokens":4},"output_tokens":7,
            "output_tokens_details":{"reasoning_tokens":3},"total_tokens":17}}}"#,
        )
        .unwrap();
        let Some(ResponseEvent::Completed(info)) = event else {
            panic!("{event:?}")
        };
        assert_eq!(
            info.usage,
            Some(Usage {
                input_tokens: 10,
                cached_tokens: 4,
                output_tokens: 7,
                reasoning_tokens: 3
            })
        );
    }
}
