//! Wire shapes of output items, `response` objects, usage and error bodies, and their
//! conversion into the types the rest of switchboard uses (`OutputItem`, `Usage`,
//! [`ResponseInfo`], [`ApiError`]). Only what a client acts on is modelled; the rest is ignored.

use serde::Deserialize;
use serde_json::Value;

use super::stream::{ApiError, ResponseInfo};
use crate::event::{OutputItem, Usage};

/// An output item as it arrives. Kept as JSON until converted, so an item type this build does
/// not model survives as [`OutputItem::Other`] with its exact text.
#[derive(Deserialize)]
#[serde(transparent)]
pub(crate) struct WireItem(Value);

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum KnownItem {
    Message {
        id: Option<String>,
        #[serde(default)]
        content: Vec<WireContent>,
    },
    FunctionCall {
        id: Option<String>,
        call_id: String,
        name: String,
        #[serde(default)]
        arguments: String,
    },
    Reasoning {
        id: Option<String>,
        #[serde(default)]
        summary: Vec<WireContent>,
        encrypted_content: Option<String>,
    },
}

#[derive(Deserialize)]
struct WireContent {
    #[serde(rename = "type")]
    kind: String,
    text: Option<String>,
    refusal: Option<String>,
}

impl WireItem {
    pub(crate) fn into_output_item(self) -> OutputItem {
        output_item_from_json(self.0)
    }
}

/// Converts one item object. Known types that do not fit their shape, and unknown types,
/// become [`OutputItem::Other`] holding the JSON text, so nothing the model sent is lost.
pub(crate) fn output_item_from_json(value: Value) -> OutputItem {
    let known = matches!(
        value.get("type").and_then(Value::as_str),
        Some("message" | "function_call" | "reasoning")
    );
    if known && let Ok(item) = KnownItem::deserialize(&value) {
        return match item {
            KnownItem::Message { id, content } => {
                let mut text = String::new();
                let mut refusal: Option<String> = None;
                for part in content {
                    match part.kind.as_str() {
                        "refusal" => refusal
                            .get_or_insert_default()
                            .push_str(&part.refusal.or(part.text).unwrap_or_default()),
                        _ => text.push_str(&part.text.unwrap_or_default()),
                    }
                }
                OutputItem::Message { id, text, refusal }
            }
            KnownItem::FunctionCall {
                id,
                call_id,
                name,
                arguments,
            } => OutputItem::FunctionCall {
                id,
                call_id,
                name,
                arguments,
            },
            KnownItem::Reasoning {
                id,
                summary,
                encrypted_content,
            } => OutputItem::Reasoning {
                id,
                summary: summary.into_iter().filter_map(|s| s.text).collect(),
                encrypted_content,
            },
        };
    }
    OutputItem::Other {
        raw: value.to_string(),
    }
}

#[derive(Deserialize)]
pub(crate) struct WireResponse {
    #[serde(default)]
    id: String,
    status: Option<String>,
    model: Option<String>,
    #[serde(default)]
    output: Vec<WireItem>,
    usage: Option<WireUsage>,
    error: Option<WireError>,
    incomplete_details: Option<IncompleteDetails>,
}

#[derive(Deserialize)]
struct IncompleteDetails {
    reason: Option<String>,
}

impl WireResponse {
    pub(crate) fn into_info(self) -> ResponseInfo {
        ResponseInfo {
            id: self.id,
            status: self.status,
            model: self.model,
            output: self
                .output
                .into_iter()
                .map(WireItem::into_output_item)
                .collect(),
            usage: self.usage.map(WireUsage::into_usage),
            error: self.error.map(WireError::into_api_error),
            incomplete_reason: self.incomplete_details.and_then(|d| d.reason),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WireUsage {
    input_tokens: u64,
    input_tokens_details: Option<InputDetails>,
    output_tokens: u64,
    output_tokens_details: Option<OutputDetails>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct InputDetails {
    cached_tokens: u64,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OutputDetails {
    reasoning_tokens: u64,
}

impl WireUsage {
    fn into_usage(self) -> Usage {
        Usage {
            input_tokens: self.input_tokens,
            cached_tokens: self.input_tokens_details.map_or(0, |d| d.cached_tokens),
            output_tokens: self.output_tokens,
            reasoning_tokens: self.output_tokens_details.map_or(0, |d| d.reasoning_tokens),
        }
    }
}

/// `{"code", "message", "param"}`; codes and params are strings on the wire but tolerated as
/// any JSON value, since proxies are not always careful.
#[derive(Deserialize, Default)]
#[serde(default)]
struct WireError {
    code: Option<Value>,
    message: Option<String>,
    param: Option<Value>,
}

fn value_text(value: Option<Value>) -> Option<String> {
    match value? {
        Value::Null => None,
        Value::String(text) => Some(text),
        other => Some(other.to_string()),
    }
}

impl WireError {
    fn into_api_error(self) -> ApiError {
        ApiError {
            code: value_text(self.code),
            message: self.message.unwrap_or_default(),
            param: value_text(self.param),
        }
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    error: WireError,
}

/// Parses an HTTP error body (`{"error":{...}}`). `None` when the body has another shape.
pub fn parse_error_body(body: &[u8]) -> Option<ApiError> {
    serde_json::from_slice::<ErrorBody>(body)
        .ok()
        .map(|body| body.error.into_api_error())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn message_parts_split_into_text_and_refusal() {
        let item = output_item_from_json(json!({
            "type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
            "content": [
                {"type": "output_text", "text": "Hello ", "annotations": []},
                {"type": "output_text", "text": "there", "annotations": []},
                {"type": "refusal", "refusal": "no"}
            ]
        }));
        assert_eq!(
            item,
            OutputItem::Message {
                id: Some("msg_1".into()),
                text: "Hello there".into(),
                refusal: Some("no".into())
            }
        );
    }

    #[test]
    fn unknown_and_misshapen_items_are_kept_as_json() {
        let item = output_item_from_json(json!({"type": "web_search_call", "id": "ws_1"}));
        assert!(matches!(item, OutputItem::Other { raw } if raw.contains("ws_1")));
        let item = output_item_from_json(json!({"type": "function_call", "name": "shell"}));
        assert!(matches!(item, OutputItem::Other { .. }));
    }

    #[test]
    fn error_bodies_parse_with_odd_codes() {
        let error = parse_error_body(
            br#"{"error":{"message":"Rate limited","type":"requests","code":429,"param":null}}"#,
        )
        .unwrap();
        assert_eq!(error.code.as_deref(), Some("429"));
        assert_eq!(error.message, "Rate limited");
        assert_eq!(error.param, None);
        assert!(parse_error_body(b"<html>bad gateway</html>").is_none());
    }
}
