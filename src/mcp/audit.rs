//! The record of one tool call (an `mcp.call` event): the arguments summarised, the API key
//! redacted wherever it appears, the session or task the call concerned, how it ended. Pure
//! functions over JSON, so what reaches the store is tested without a server.

use serde_json::Value;

use crate::event::{McpCall, McpOutcome};

/// Characters of one string argument the record keeps: a prompt's opening says what was
/// asked; the whole prompt is in the session the call started.
const STRING_CHARS: usize = 200;
/// Bytes of the whole arguments summary: a few lines in an export, whatever a client sends.
const SUMMARY_BYTES: usize = 2048;
/// Characters of an error the record keeps.
const ERROR_CHARS: usize = 500;

/// What stands in for the API key wherever it turns up.
pub const REDACTED: &str = "[redacted]";

/// `arguments` as compact JSON with long strings cut and `secret` (the API key) replaced, at
/// most [`SUMMARY_BYTES`] long.
pub fn summarize(
    arguments: Option<&serde_json::Map<String, Value>>,
    secret: Option<&str>,
) -> String {
    let Some(arguments) = arguments else {
        return "{}".to_owned();
    };
    let cut = shorten(&Value::Object(arguments.clone()), secret);
    let text = cut.to_string();
    if text.len() <= SUMMARY_BYTES {
        return text;
    }
    let mut end = SUMMARY_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

fn shorten(value: &Value, secret: Option<&str>) -> Value {
    match value {
        Value::String(text) => Value::String(cut(&redact(text, secret), STRING_CHARS)),
        Value::Array(items) => Value::Array(items.iter().map(|v| shorten(v, secret)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (redact(k, secret), shorten(v, secret)))
                .collect(),
        ),
        Value::Null | Value::Bool(_) | Value::Number(_) => value.clone(),
    }
}

/// `text` with every occurrence of `secret` replaced. A secret too short to be a key (an
/// empty or test value) is left alone rather than blanking common words.
pub fn redact(text: &str, secret: Option<&str>) -> String {
    match secret {
        Some(secret) if secret.len() >= 8 && text.contains(secret) => {
            text.replace(secret, REDACTED)
        }
        _ => text.to_owned(),
    }
}

fn cut(text: &str, keep: usize) -> String {
    let count = text.chars().count();
    if count <= keep {
        return text.to_owned();
    }
    let head: String = text.chars().take(keep).collect();
    format!("{head}… (+{} chars)", count - keep)
}

/// What a finished call's record says: how it ended and what it concerned.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ending {
    pub outcome: McpOutcome,
    pub error: Option<String>,
    pub session: Option<String>,
    pub task: Option<String>,
}

impl Ending {
    /// A call that returned: its structured result names the session or task it concerned
    /// (`session`, `task`); a failed one falls back to the arguments'.
    pub fn returned(
        failed: Option<&str>,
        structured: Option<&Value>,
        arguments: Option<&serde_json::Map<String, Value>>,
        secret: Option<&str>,
    ) -> Self {
        let named = |key: &str| {
            structured
                .and_then(|v| v.get(key))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let argument = |key: &str| {
            arguments
                .and_then(|a| a.get(key))
                .and_then(Value::as_str)
                .map(|s| cut(&redact(s, secret), 64))
        };
        Self {
            outcome: if failed.is_some() {
                McpOutcome::Error
            } else {
                McpOutcome::Ok
            },
            error: failed.map(|e| cut(&redact(e, secret), ERROR_CHARS)),
            session: named("session").or_else(|| argument("session")),
            task: named("task").or_else(|| argument("id")),
        }
    }

    /// A call the client cancelled (or left) before it ended.
    pub fn cancelled() -> Self {
        Self {
            outcome: McpOutcome::Cancelled,
            ..Self::default()
        }
    }
}

/// The event payload of a call.
pub fn record(
    tool: &str,
    arguments: String,
    client: Option<String>,
    ending: Ending,
    duration_ms: u64,
) -> McpCall {
    McpCall {
        tool: tool.to_owned(),
        arguments,
        outcome: ending.outcome,
        error: ending.error,
        client,
        pid: std::process::id(),
        session: ending.session,
        task: ending.task,
        duration_ms,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn object(value: Value) -> serde_json::Map<String, Value> {
        match value {
            Value::Object(map) => map,
            other => panic!("not an object: {other}"),
        }
    }

    #[test]
    fn summaries_cut_long_strings_and_keep_the_rest() {
        let long = "x".repeat(500);
        let args = object(json!({"prompt": long, "worktree": true, "limit": 3}));
        let text = summarize(Some(&args), None);
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["worktree"], true);
        assert_eq!(back["limit"], 3);
        let prompt = back["prompt"].as_str().unwrap();
        assert!(prompt.starts_with(&"x".repeat(200)), "{prompt}");
        assert!(prompt.ends_with("… (+300 chars)"), "{prompt}");
        assert_eq!(summarize(None, None), "{}");
    }

    #[test]
    fn summaries_are_bounded_whatever_the_client_sends() {
        let many: Vec<String> = (0..1000).map(|i| format!("validation {i}")).collect();
        let args = object(json!({"validations": many, "goal": "é".repeat(150)}));
        let text = summarize(Some(&args), None);
        assert!(
            text.len() <= SUMMARY_BYTES + '…'.len_utf8(),
            "{}",
            text.len()
        );
        assert!(text.ends_with('…'));
    }

    #[test]
    fn the_key_never_reaches_a_record() {
        let key = "sk-live-SECRET-424242";
        let args = object(json!({
            "prompt": format!("use {key} please"),
            "validations": [format!("curl -H 'Authorization: {key}'")],
            key: "as a name too",
        }));
        let text = summarize(Some(&args), Some(key));
        assert!(!text.contains(key), "{text}");
        assert!(text.contains(REDACTED), "{text}");
        let ending = Ending::returned(
            Some(&format!("refused {key}")),
            None,
            Some(&args),
            Some(key),
        );
        assert!(!ending.error.unwrap().contains(key));
        // Too short to be a key: left alone.
        assert_eq!(redact("a b c", Some("b")), "a b c");
    }

    #[test]
    fn endings_name_what_the_call_concerned() {
        let args = object(json!({"session": "0190abcd", "prompt": "hi"}));
        let result = json!({"session": "0190abcd-full", "outcome": "completed"});
        let ok = Ending::returned(None, Some(&result), Some(&args), None);
        assert_eq!(ok.outcome, McpOutcome::Ok);
        assert_eq!(ok.session.as_deref(), Some("0190abcd-full"));
        assert_eq!(ok.task, None);
        let failed = Ending::returned(Some("no session matches"), None, Some(&args), None);
        assert_eq!(failed.outcome, McpOutcome::Error);
        assert_eq!(failed.session.as_deref(), Some("0190abcd"));
        let task = Ending::returned(None, None, Some(&object(json!({"id": "build"}))), None);
        assert_eq!(task.task.as_deref(), Some("build"));
        assert_eq!(Ending::cancelled().outcome, McpOutcome::Cancelled);
    }
}
