//! How a row stores its items (projection version 2): each item as a tuple variant of an
//! externally tagged enum (`{"FunctionCallOutput": [call_id, output]}`), every text as
//! MessagePack `bin`.
//!
//! Why not the API's form (`{"type": …}`, internally tagged): decoding it makes serde buffer
//! every item into an intermediate tree first, a sixth of reading a long conversation back.
//! Why tuples: a field name is a string the decoder checks and matches for every item; the
//! variant name is the only one left. Why `bin`: a `str` is checked as UTF-8 by the decoder
//! with the standard library's check, which slows to about a byte a cycle on text with
//! non-ASCII characters scattered through it (tool output with `✓`, box drawing, other
//! languages); `bin` reaches [`Utf8`], which checks it with `simdutf8` instead — still
//! checked, since a row is read back from disk. Written from borrowed items, so a row costs no
//! copy of its text.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_bytes::Bytes;

use crate::model::InputItem;
use crate::model::request::{InputContent, Role, SummaryPart};

#[derive(Serialize)]
enum ItemRef<'a> {
    Message(Role, Vec<TextRef<'a>>),
    /// `call_id`, `name`, `arguments`.
    FunctionCall(&'a Bytes, &'a Bytes, &'a Bytes),
    /// `call_id`, `output`.
    FunctionCallOutput(&'a Bytes, &'a Bytes),
    /// `summary`, `encrypted_content`.
    Reasoning(Vec<&'a Bytes>, Option<&'a Bytes>),
}

#[derive(Serialize)]
enum TextRef<'a> {
    Input(&'a Bytes),
    Output(&'a Bytes),
}

#[derive(Deserialize)]
enum Item {
    Message(Role, Vec<Text>),
    FunctionCall(Utf8, Utf8, Utf8),
    FunctionCallOutput(Utf8, Utf8),
    Reasoning(Vec<Utf8>, Option<Utf8>),
}

#[derive(Deserialize)]
enum Text {
    Input(Utf8),
    Output(Utf8),
}

/// A text stored as `bin` (or, read from anything else, as `str`), checked as UTF-8.
struct Utf8(String);

impl<'de> Deserialize<'de> for Utf8 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_bytes(Utf8Visitor)
    }
}

struct Utf8Visitor;

impl<'de> Visitor<'de> for Utf8Visitor {
    type Value = Utf8;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UTF-8 text as bytes")
    }

    fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<Utf8, E> {
        match simdutf8::basic::from_utf8(bytes) {
            Ok(text) => Ok(Utf8(text.to_owned())),
            Err(_) => Err(E::invalid_value(de::Unexpected::Bytes(bytes), &self)),
        }
    }

    fn visit_byte_buf<E: de::Error>(self, bytes: Vec<u8>) -> Result<Utf8, E> {
        String::from_utf8(bytes)
            .map(Utf8)
            .map_err(|e| E::invalid_value(de::Unexpected::Bytes(e.as_bytes()), &self))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Utf8, E> {
        Ok(Utf8(text.to_owned()))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Utf8, E> {
        Ok(Utf8(text))
    }
}

fn bytes(text: &str) -> &Bytes {
    Bytes::new(text.as_bytes())
}

impl<'a> From<&'a InputItem> for ItemRef<'a> {
    fn from(item: &'a InputItem) -> Self {
        match item {
            InputItem::Message { role, content } => ItemRef::Message(
                *role,
                content
                    .iter()
                    .map(|part| match part {
                        InputContent::InputText { text } => TextRef::Input(bytes(text)),
                        InputContent::OutputText { text } => TextRef::Output(bytes(text)),
                    })
                    .collect(),
            ),
            InputItem::FunctionCall {
                call_id,
                name,
                arguments,
            } => ItemRef::FunctionCall(bytes(call_id), bytes(name), bytes(arguments)),
            InputItem::FunctionCallOutput { call_id, output } => {
                ItemRef::FunctionCallOutput(bytes(call_id), bytes(output))
            }
            InputItem::Reasoning {
                summary,
                encrypted_content,
            } => ItemRef::Reasoning(
                summary
                    .iter()
                    .map(|SummaryPart::SummaryText { text }| bytes(text))
                    .collect(),
                encrypted_content.as_deref().map(bytes),
            ),
        }
    }
}

impl From<Item> for InputItem {
    fn from(item: Item) -> Self {
        match item {
            Item::Message(role, content) => InputItem::Message {
                role,
                content: content
                    .into_iter()
                    .map(|part| match part {
                        Text::Input(Utf8(text)) => InputContent::InputText { text },
                        Text::Output(Utf8(text)) => InputContent::OutputText { text },
                    })
                    .collect(),
            },
            Item::FunctionCall(Utf8(call_id), Utf8(name), Utf8(arguments)) => {
                InputItem::FunctionCall {
                    call_id,
                    name,
                    arguments,
                }
            }
            Item::FunctionCallOutput(Utf8(call_id), Utf8(output)) => {
                InputItem::FunctionCallOutput { call_id, output }
            }
            Item::Reasoning(summary, encrypted_content) => InputItem::Reasoning {
                summary: summary
                    .into_iter()
                    .map(|Utf8(text)| SummaryPart::SummaryText { text })
                    .collect(),
                encrypted_content: encrypted_content.map(|Utf8(text)| text),
            },
        }
    }
}

/// `#[serde(with = "items")]` for a row's `Vec<InputItem>`.
pub(crate) fn serialize<S: Serializer>(
    items: &[InputItem],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(items.iter().map(ItemRef::from))
}

pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<InputItem>, D::Error> {
    let items = Vec::<Item>::deserialize(deserializer)?;
    Ok(items.into_iter().map(InputItem::from).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;
    use crate::fixture::conversation::{RandomTurns, Shape};
    use crate::ids::{Seq, SessionId, Timestamp};
    use crate::model::Conversation;

    #[derive(Serialize, Deserialize)]
    struct Wrapped {
        #[serde(with = "super")]
        items: Vec<InputItem>,
    }

    #[test]
    fn every_item_kind_round_trips() {
        let events: Vec<Event> = RandomTurns::new(3, Shape::default(), 1)
            .turns(40)
            .into_iter()
            .enumerate()
            .map(|(i, kind)| Event {
                session: SessionId(1),
                seq: Seq(i as u64 + 1),
                at: Timestamp(0),
                kind,
            })
            .collect();
        let mut items = Conversation::from_events(&events).items().to_vec();
        items.push(InputItem::developer("rules"));
        items.push(InputItem::assistant("done ✓ — 数据"));
        items.push(InputItem::Reasoning {
            summary: vec![SummaryPart::SummaryText {
                text: "thinking".into(),
            }],
            encrypted_content: Some("gAAA".into()),
        });
        items.push(InputItem::Reasoning {
            summary: Vec::new(),
            encrypted_content: None,
        });
        let bytes = rmp_serde::to_vec_named(&Wrapped {
            items: items.clone(),
        })
        .unwrap();
        let back: Wrapped = rmp_serde::from_slice(&bytes).unwrap();
        assert_eq!(back.items, items);
    }

    #[test]
    fn text_that_is_not_utf8_is_an_error_not_a_panic() {
        let item = ItemRef::FunctionCallOutput(Bytes::new(b"call_1"), Bytes::new(b"ok \xff\xfe"));
        #[derive(Serialize)]
        struct Raw<'a> {
            items: Vec<ItemRef<'a>>,
        }
        let bytes = rmp_serde::to_vec_named(&Raw { items: vec![item] }).unwrap();
        assert!(rmp_serde::from_slice::<Wrapped>(&bytes).is_err());
    }

    #[test]
    fn text_stored_as_str_still_reads() {
        #[derive(Serialize)]
        enum Plain<'a> {
            FunctionCallOutput(&'a str, &'a str),
        }
        #[derive(Serialize)]
        struct Raw<'a> {
            items: Vec<Plain<'a>>,
        }
        let raw = Raw {
            items: vec![Plain::FunctionCallOutput("call_1", "ok ✓")],
        };
        let bytes = rmp_serde::to_vec_named(&raw).unwrap();
        let back: Wrapped = rmp_serde::from_slice(&bytes).unwrap();
        assert_eq!(back.items, vec![InputItem::tool_output("call_1", "ok ✓")]);
    }
}
