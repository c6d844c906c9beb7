//! The request as the bytes `ResponsesClient::stream` sends: byte for byte what `serde_json`
//! makes of [`ResponsesRequest`], written into one allocation of about its size.
//!
//! The input items are written here rather than by `serde_json`, which escapes text a byte at
//! a time: on the first request of a long session's next turn (its summarisation request,
//! about a megabyte of tool output) that was half of what the process did between reading the
//! conversation and sending it. Here text is scanned eight bytes at a time. Everything else
//! goes through `serde_json`; tests hold the two outputs equal, for arbitrary text.

use serde::Serialize;

use super::{InputContent, InputItem, ResponsesRequest, Role, SummaryPart};
use crate::model::conversation::compact::text_bytes;

/// Why this value: an item's JSON framing (type, role, content part, call id and field names,
/// quotes) is 60–90 bytes; a little over.
const JSON_BYTES_PER_ITEM: usize = 96;
/// Why this value: text grows by its escapes, mostly one byte per line break; tool output
/// averages lines of 30–80 bytes, so 1/32 of the text covers it.
const JSON_ESCAPE_SHARE: usize = 32;
/// Why this value: the fixed fields, the `shell` tool and a typical output schema fit in
/// 1.5 KiB; a larger schema only costs one reallocation.
const JSON_FIXED_BYTES: usize = 16 * JSON_BYTES_PER_ITEM;

impl ResponsesRequest<'_> {
    /// About how many bytes the JSON body takes, so it is written into one allocation: the
    /// text of the items and a [`JSON_ESCAPE_SHARE`] more for escapes, [`JSON_BYTES_PER_ITEM`]
    /// each, and room for the fixed fields. A body that outgrows it costs one reallocation.
    pub fn size_hint(&self) -> usize {
        let text: usize = self.input.iter().map(|item| text_bytes(item)).sum();
        let text = text + self.instructions.as_ref().map_or(0, String::len);
        text + text / JSON_ESCAPE_SHARE + self.input.len() * JSON_BYTES_PER_ITEM + JSON_FIXED_BYTES
    }

    /// The JSON body: the same bytes as `serde_json::to_vec(self)`, made faster.
    pub fn to_json(&self) -> Result<Vec<u8>, serde_json::Error> {
        let mut out = Vec::with_capacity(self.size_hint());
        // Destructured, so a new field cannot be left out of the body unnoticed.
        let ResponsesRequest {
            model,
            instructions,
            input,
            tools,
            tool_choice,
            parallel_tool_calls,
            reasoning,
            store,
            stream,
            include,
            prompt_cache_key,
            text,
        } = self;
        out.extend_from_slice(b"{\"model\":");
        string(model, &mut out);
        if let Some(instructions) = instructions {
            out.extend_from_slice(b",\"instructions\":");
            string(instructions, &mut out);
        }
        out.extend_from_slice(b",\"input\":[");
        for (i, item) in input.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_item(item, &mut out);
        }
        out.push(b']');
        field(&mut out, "tools", tools)?;
        field(&mut out, "tool_choice", tool_choice)?;
        field(&mut out, "parallel_tool_calls", parallel_tool_calls)?;
        field(&mut out, "reasoning", reasoning)?;
        field(&mut out, "store", store)?;
        field(&mut out, "stream", stream)?;
        field(&mut out, "include", include)?;
        if let Some(key) = prompt_cache_key {
            field(&mut out, "prompt_cache_key", key)?;
        }
        if let Some(text) = text {
            field(&mut out, "text", text)?;
        }
        out.push(b'}');
        Ok(out)
    }
}

/// `,"name":value`, the value by `serde_json`.
fn field(out: &mut Vec<u8>, name: &str, value: &impl Serialize) -> serde_json::Result<()> {
    out.extend_from_slice(b",\"");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":");
    serde_json::to_writer(&mut *out, value)
}

/// An item as `#[serde(tag = "type", rename_all = "snake_case")]` writes it.
fn write_item(item: &InputItem, out: &mut Vec<u8>) {
    match item {
        InputItem::Message { role, content } => {
            out.extend_from_slice(b"{\"type\":\"message\",\"role\":");
            out.extend_from_slice(match role {
                Role::User => b"\"user\"",
                Role::Developer => b"\"developer\"",
                Role::Assistant => b"\"assistant\"",
            });
            out.extend_from_slice(b",\"content\":[");
            for (i, part) in content.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                let (kind, text): (&[u8], _) = match part {
                    InputContent::InputText { text } => {
                        (b"{\"type\":\"input_text\",\"text\":", text)
                    }
                    InputContent::OutputText { text } => {
                        (b"{\"type\":\"output_text\",\"text\":", text)
                    }
                };
                out.extend_from_slice(kind);
                string(text, out);
                out.push(b'}');
            }
            out.extend_from_slice(b"]}");
        }
        InputItem::FunctionCall {
            call_id,
            name,
            arguments,
        } => {
            out.extend_from_slice(b"{\"type\":\"function_call\",\"call_id\":");
            string(call_id, out);
            out.extend_from_slice(b",\"name\":");
            string(name, out);
            out.extend_from_slice(b",\"arguments\":");
            string(arguments, out);
            out.push(b'}');
        }
        InputItem::FunctionCallOutput { call_id, output } => {
            out.extend_from_slice(b"{\"type\":\"function_call_output\",\"call_id\":");
            string(call_id, out);
            out.extend_from_slice(b",\"output\":");
            string(output, out);
            out.push(b'}');
        }
        InputItem::Reasoning {
            summary,
            encrypted_content,
        } => {
            out.extend_from_slice(b"{\"type\":\"reasoning\",\"summary\":[");
            for (i, SummaryPart::SummaryText { text }) in summary.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(b"{\"type\":\"summary_text\",\"text\":");
                string(text, out);
                out.push(b'}');
            }
            out.push(b']');
            if let Some(encrypted) = encrypted_content {
                out.extend_from_slice(b",\"encrypted_content\":");
                string(encrypted, out);
            }
            out.push(b'}');
        }
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `word` that JSON escapes: below 0x20, `"` or `\`. The lowest
/// one set is exact (a borrow can only mark bytes above a byte that matched), which is the
/// only one read.
fn escapes_in(word: u64) -> u64 {
    let control = word.wrapping_sub(ONES * 0x20) & !word;
    let quote = word ^ (ONES * u64::from(b'"'));
    let backslash = word ^ (ONES * u64::from(b'\\'));
    (control | (quote.wrapping_sub(ONES) & !quote) | (backslash.wrapping_sub(ONES) & !backslash))
        & HIGH
}

/// `text` as a JSON string, escaped as `serde_json` escapes it.
fn string(text: &str, out: &mut Vec<u8>) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0;
    let mut at = 0;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let found = escapes_in(u64::from_le_bytes(word));
        if found == 0 {
            at += 8;
            continue;
        }
        at += (found.trailing_zeros() / 8) as usize;
        out.extend_from_slice(&bytes[start..at]);
        escape(bytes[at], out);
        at += 1;
        start = at;
    }
    for (offset, &byte) in bytes[at..].iter().enumerate() {
        if byte < 0x20 || byte == b'"' || byte == b'\\' {
            out.extend_from_slice(&bytes[start..at + offset]);
            escape(byte, out);
            start = at + offset + 1;
        }
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

fn escape(byte: u8, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    match byte {
        b'"' => out.extend_from_slice(b"\\\""),
        b'\\' => out.extend_from_slice(b"\\\\"),
        b'\n' => out.extend_from_slice(b"\\n"),
        b'\r' => out.extend_from_slice(b"\\r"),
        b'\t' => out.extend_from_slice(b"\\t"),
        0x08 => out.extend_from_slice(b"\\b"),
        0x0c => out.extend_from_slice(b"\\f"),
        _ => out.extend_from_slice(&[
            b'\\',
            b'u',
            b'0',
            b'0',
            HEX[usize::from(byte >> 4)],
            HEX[usize::from(byte & 0xf)],
        ]),
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use proptest::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::model::request::Tool;

    fn items(texts: &[String]) -> Vec<InputItem> {
        let text = |i: usize| texts[i % texts.len()].clone();
        vec![
            InputItem::user(text(0)),
            InputItem::developer(text(1)),
            InputItem::assistant(text(2)),
            InputItem::FunctionCall {
                call_id: text(3),
                name: text(4),
                arguments: text(5),
            },
            InputItem::tool_output(text(6), text(7)),
            InputItem::Reasoning {
                summary: vec![
                    SummaryPart::SummaryText { text: text(8) },
                    SummaryPart::SummaryText { text: text(9) },
                ],
                encrypted_content: Some(text(10)),
            },
            InputItem::Reasoning {
                summary: Vec::new(),
                encrypted_content: None,
            },
            InputItem::Message {
                role: Role::User,
                content: vec![
                    InputContent::InputText { text: text(11) },
                    InputContent::OutputText { text: text(12) },
                ],
            },
        ]
    }

    fn assert_same(request: &ResponsesRequest<'_>) {
        let ours = request.to_json().unwrap();
        let reference = serde_json::to_vec(request).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&ours),
            String::from_utf8_lossy(&reference)
        );
    }

    #[test]
    fn every_escape_at_every_offset_matches_serde_json() {
        let mut texts = Vec::new();
        for byte in (0u8..0x20).chain([b'"', b'\\', 0x7f, b'a']) {
            for offset in 0..18 {
                let mut text = "x".repeat(offset);
                text.push(char::from(byte));
                text.push_str("é✓ tail");
                texts.push(text);
            }
        }
        texts.push(String::new());
        texts.push("\"\\\n\r\t".repeat(5));
        assert_same(&ResponsesRequest::new("m", items(&texts)));
    }

    #[test]
    fn optional_fields_match_serde_json() {
        let texts = vec!["hi".to_owned()];
        assert_same(&ResponsesRequest::new("gpt-test", Vec::new()));
        let full = ResponsesRequest::new("gpt-test", items(&texts))
            .with_instructions("be \"brief\"\n")
            .with_tools(vec![Tool::shell()])
            .with_effort(Some("low".into()))
            .with_prompt_cache_key("session-1")
            .with_output_schema(Some(json!({"type": "object", "a\u{1}": [1, "x\"y"]})));
        assert_same(&full);
        let borrowed = items(&texts);
        assert_same(&ResponsesRequest::borrowing(
            "m",
            borrowed.iter().map(Cow::Borrowed).collect(),
        ));
    }

    #[test]
    fn an_ordinary_body_fits_its_size_hint() {
        let output = "test result: ok. 12 passed; 0 failed; finished in 0.42s\n".repeat(300);
        let mut input = Vec::new();
        for i in 0..50 {
            input.push(InputItem::user(format!("step {i}: run the tests")));
            input.push(InputItem::FunctionCall {
                call_id: format!("call_{i}"),
                name: crate::model::request::SHELL_TOOL.into(),
                arguments: r#"{"command":"cargo test"}"#.into(),
            });
            input.push(InputItem::tool_output(format!("call_{i}"), output.clone()));
        }
        let request = ResponsesRequest::new("gpt-test", input)
            .with_tools(vec![Tool::shell()])
            .with_instructions("be brief")
            .with_prompt_cache_key("session-1");
        let body = request.to_json().unwrap();
        assert!(
            body.len() <= request.size_hint(),
            "{} > {}",
            body.len(),
            request.size_hint()
        );
        assert!(
            request.size_hint() < body.len() + body.len() / 5,
            "not far over"
        );
    }

    proptest! {
        #[test]
        fn the_body_is_serde_jsons_for_any_text(
            texts in prop::collection::vec(
                prop_oneof![any::<String>(), "[\\x00-\\x1f\"\\\\a-z é✓]{0,40}"],
                1..14,
            ),
        ) {
            let request = ResponsesRequest::new("m", items(&texts)).with_instructions(texts[0].clone());
            prop_assert_eq!(request.to_json().unwrap(), serde_json::to_vec(&request).unwrap());
        }
    }
}
