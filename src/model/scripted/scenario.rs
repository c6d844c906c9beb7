//! Scenario files: what the scripted provider answers. JSON, documented in `docs/MODEL.md`.
//!
//! A scenario is either a **sequence** (the Nth request gets the Nth reply; tests) or a list of
//! **rules** (the first rule whose `when` matches the request's last input item answers, as
//! often as it matches; the demo). Unknown fields are errors so a typo never silently changes
//! what a test exercises.

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

/// A whole scenario file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// What the scenario exercises (for people; ignored by the server).
    #[serde(default)]
    pub description: String,
    /// Sequence mode: reply N answers request N (1-based).
    #[serde(default)]
    pub sequence: Option<Vec<Reply>>,
    /// Rule mode: the first matching rule answers.
    #[serde(default)]
    pub rules: Option<Vec<Rule>>,
}

/// A reply in rule mode, and when it applies.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    #[serde(default)]
    pub when: Condition,
    pub reply: Reply,
}

/// A condition on the request's last input item; an empty condition always matches.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// What the last input item must be.
    #[serde(default)]
    pub last_item: Option<LastItem>,
    /// The last item's text (a message's text, a tool output) must contain one of these,
    /// compared case-insensitively.
    #[serde(default)]
    pub contains: Vec<String>,
    /// The last item's text must start with one of these, compared case-insensitively
    /// (a denied call's output starts with "denied").
    #[serde(default)]
    pub starts_with: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LastItem {
    UserMessage,
    FunctionCallOutput,
}

/// One scripted answer: an HTTP error, or a stream of output items with an ending.
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Reply {
    /// Answer with this error status instead of a stream.
    #[serde(default)]
    pub http_error: Option<HttpError>,
    /// The items the response streams, in order.
    #[serde(default)]
    pub output: Vec<ItemSpec>,
    /// How the stream ends (default `completed`).
    #[serde(default)]
    pub end: End,
    /// Split the body into writes of this many bytes (ignoring event and character
    /// boundaries). Default: one write per event.
    #[serde(default)]
    pub chunk_bytes: Option<usize>,
    /// Pause between writes, for a demo that visibly streams.
    #[serde(default)]
    pub delay_ms: u64,
    /// Characters per text delta. Default: one word (with its trailing space) per delta.
    #[serde(default)]
    pub delta_chars: Option<usize>,
    /// Token counts to report; default: estimated from the text sizes.
    #[serde(default)]
    pub usage: Option<UsageSpec>,
}

/// An HTTP error answer; the body is `{"error":{"message","type","param","code"}}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpError {
    pub status: u16,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Seconds, sent as the `retry-after` header.
    #[serde(default)]
    pub retry_after: Option<f64>,
}

/// An output item to stream. Text fields may use `{{user}}` (the last user message) and
/// `{{tool_output}}` (the last tool output, first lines); `function_call` arguments too.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ItemSpec {
    Message {
        #[serde(default)]
        text: String,
        /// A refusal part after (or instead of) the text.
        #[serde(default)]
        refusal: Option<String>,
    },
    FunctionCall {
        #[serde(default = "shell_name")]
        name: String,
        /// A JSON object (sent as its JSON text) or a string sent as is.
        arguments: Value,
        /// Default: `call_<request>_<index>`, unique per request.
        #[serde(default)]
        call_id: Option<String>,
        /// The tool namespace the call belongs to, as the Responses API names a function of a
        /// `namespace` tool (Codex offers each MCP server's tools as `mcp__<server>`).
        #[serde(default)]
        namespace: Option<String>,
    },
    Reasoning {
        /// Summary parts, streamed as `reasoning_summary_*` events.
        #[serde(default)]
        summary: Vec<String>,
        /// Raw reasoning text, streamed as `reasoning_text` events.
        #[serde(default)]
        text: Option<String>,
        /// Default: an opaque stand-in, so clients exercise sending it back.
        #[serde(default)]
        encrypted_content: Option<String>,
    },
}

fn shell_name() -> String {
    "shell".to_owned()
}

/// How a stream ends.
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum End {
    /// `response.completed` with usage.
    #[default]
    Completed,
    /// `response.incomplete` with `incomplete_details.reason`.
    Incomplete {
        #[serde(default = "max_output_tokens")]
        reason: String,
    },
    /// `response.failed` with `error {code, message}`.
    Failed { code: String, message: String },
    /// An `error` event.
    Error {
        #[serde(default)]
        code: Option<String>,
        message: String,
        #[serde(default)]
        param: Option<String>,
    },
    /// The connection closes after `after_events` events (default: all but the terminal one).
    /// `abrupt` drops it without ending the chunked body (a transport error for the client);
    /// otherwise the body ends cleanly, just too early.
    Cut {
        #[serde(default)]
        after_events: Option<usize>,
        #[serde(default)]
        abrupt: bool,
    },
    /// After `after_events` events (default: all but the terminal one) the server sends
    /// nothing more and keeps the connection open until the client goes away.
    Stall {
        #[serde(default)]
        after_events: Option<usize>,
    },
    /// After `after_events` events (default: half of them) one event arrives whose JSON is
    /// well-formed but of the wrong shape (`output_index` is a string); the rest of the
    /// stream, terminal event included, follows as if nothing happened.
    Malformed {
        #[serde(default)]
        after_events: Option<usize>,
    },
    /// After `after_events` events (default: half of them) one event's data is cut in the
    /// middle of its JSON. Without `end_stream` the frame is still closed by a blank line and
    /// the rest follows (a proxy that truncates events); with it the body ends cleanly right
    /// there, in the middle of the line.
    TruncatedEvent {
        #[serde(default)]
        after_events: Option<usize>,
        #[serde(default)]
        end_stream: bool,
    },
}

fn max_output_tokens() -> String {
    "max_output_tokens".to_owned()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct UsageSpec {
    pub input_tokens: u64,
    pub cached_tokens: u64,
    pub output_tokens: u64,
    pub reasoning_tokens: u64,
}

/// What the server looks at to pick a rule and fill templates.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RequestView {
    pub last_item: Option<LastItem>,
    /// Text of the last input item (message text or tool output).
    pub last_text: String,
    /// Text of the last user message anywhere in the input.
    pub last_user: String,
    /// Text of the first user message in the input (in a compaction request: the previous
    /// summary or the oldest prompt it covers).
    pub first_user: String,
    /// Output of the last `function_call_output` anywhere in the input.
    pub last_tool_output: String,
}

impl RequestView {
    /// Reads the request body's `input` array; tolerant of shapes it does not know.
    pub fn of(body: &Value) -> Self {
        let mut view = Self::default();
        let Some(items) = body.get("input").and_then(Value::as_array) else {
            if let Some(text) = body.get("input").and_then(Value::as_str) {
                view.last_item = Some(LastItem::UserMessage);
                view.last_text = text.to_owned();
                view.last_user = text.to_owned();
                view.first_user = text.to_owned();
            }
            return view;
        };
        for item in items {
            let kind = item
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("message");
            let role = item.get("role").and_then(Value::as_str);
            match (kind, role) {
                ("message", Some("user")) => {
                    let text = message_text(item);
                    view.last_item = Some(LastItem::UserMessage);
                    view.last_text = text.clone();
                    if view.first_user.is_empty() {
                        view.first_user = text.clone();
                    }
                    view.last_user = text;
                }
                ("function_call_output", _) => {
                    let output = match item.get("output") {
                        Some(Value::String(text)) => text.clone(),
                        Some(other) => other.to_string(),
                        None => String::new(),
                    };
                    view.last_item = Some(LastItem::FunctionCallOutput);
                    view.last_text = output.clone();
                    view.last_tool_output = output;
                }
                _ => {
                    view.last_item = None;
                    view.last_text = message_text(item);
                }
            }
        }
        view
    }
}

fn message_text(item: &Value) -> String {
    match item.get("content") {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

impl Condition {
    pub fn matches(&self, view: &RequestView) -> bool {
        if self.last_item.is_some() && self.last_item != view.last_item {
            return false;
        }
        let text = view.last_text.to_lowercase();
        let starts = self.starts_with.is_empty()
            || self
                .starts_with
                .iter()
                .any(|prefix| text.starts_with(&prefix.to_lowercase()));
        starts
            && (self.contains.is_empty()
                || self
                    .contains
                    .iter()
                    .any(|needle| text.contains(&needle.to_lowercase())))
    }
}

impl Scenario {
    /// Parses and checks a scenario; errors name what is wrong.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let scenario: Self = serde_json::from_str(text).map_err(|e| e.to_string())?;
        match (&scenario.sequence, &scenario.rules) {
            (Some(_), None) | (None, Some(_)) => {}
            _ => return Err("a scenario needs exactly one of `sequence` and `rules`".to_owned()),
        }
        for reply in scenario.replies() {
            if let Some(error) = &reply.http_error
                && !(400..600).contains(&error.status)
            {
                return Err(format!(
                    "http_error.status {} is not an error status",
                    error.status
                ));
            }
            if reply.chunk_bytes == Some(0) || reply.delta_chars == Some(0) {
                return Err("chunk_bytes and delta_chars must be at least 1".to_owned());
            }
        }
        Ok(scenario)
    }

    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read scenario {}: {e}", path.display()))?;
        Self::from_json(&text).map_err(|e| format!("scenario {}: {e}", path.display()))
    }

    /// The demo scenario shipped in `fixtures/scenarios/demo.json`, built into the binary so
    /// `--demo` works from any directory.
    pub fn demo() -> Self {
        Self::from_json(DEMO).unwrap_or_else(|err| Self {
            description: format!("broken demo scenario: {err}"),
            sequence: Some(Vec::new()),
            rules: None,
        })
    }

    fn replies(&self) -> impl Iterator<Item = &Reply> {
        let sequence = self.sequence.iter().flatten();
        let rules = self.rules.iter().flatten().map(|rule| &rule.reply);
        sequence.chain(rules)
    }

    /// The reply for request number `number` (1-based), or why there is none.
    pub fn reply_for(&self, number: usize, view: &RequestView) -> Result<&Reply, String> {
        if let Some(sequence) = &self.sequence {
            return sequence.get(number.wrapping_sub(1)).ok_or_else(|| {
                format!(
                    "scripted provider: no reply for request #{number}; the scenario scripts {}",
                    sequence.len()
                )
            });
        }
        self.rules
            .iter()
            .flatten()
            .find(|rule| rule.when.matches(view))
            .map(|rule| &rule.reply)
            .ok_or_else(|| "scripted provider: no rule matches this request".to_owned())
    }
}

const DEMO: &str = include_str!("../../../fixtures/scenarios/demo.json");

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn demo_scenario_parses() {
        let demo = Scenario::from_json(DEMO).unwrap();
        assert!(demo.rules.is_some());
    }

    #[test]
    fn exactly_one_mode_and_no_typos() {
        assert!(Scenario::from_json(r#"{"sequence": [], "rules": []}"#).is_err());
        assert!(Scenario::from_json(r#"{}"#).is_err());
        let err = Scenario::from_json(r#"{"sequence": [{"outptu": []}]}"#).unwrap_err();
        assert!(err.contains("outptu"), "{err}");
        assert!(Scenario::from_json(r#"{"sequence": [{"http_error": {"status": 200}}]}"#).is_err());
    }

    #[test]
    fn rules_match_on_the_last_item() {
        let scenario = Scenario::from_json(
            r#"{"rules": [
                {"when": {"last_item": "function_call_output"}, "reply": {"delay_ms": 1}},
                {"when": {"last_item": "user_message", "contains": ["GIT"]}, "reply": {"delay_ms": 2}},
                {"reply": {"delay_ms": 3}}
            ]}"#,
        )
        .unwrap();
        let pick = |input: Value| {
            let view = RequestView::of(&json!({ "input": input }));
            scenario.reply_for(1, &view).unwrap().delay_ms
        };
        let user = |text: &str| json!({"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]});
        assert_eq!(pick(json!([user("show git status")])), 2);
        assert_eq!(pick(json!([user("hello")])), 3);
        assert_eq!(
            pick(
                json!([user("git"), {"type": "function_call_output", "call_id": "c", "output": "x"}])
            ),
            1
        );
    }

    #[test]
    fn the_demo_answers_a_denial_as_a_denial() {
        let demo = Scenario::demo();
        let view = |output: &str| RequestView {
            last_item: Some(LastItem::FunctionCallOutput),
            last_text: output.to_owned(),
            last_tool_output: output.to_owned(),
            ..RequestView::default()
        };
        let text = |reply: &Reply| format!("{:?}", reply.output);
        let denied = demo.reply_for(2, &view("denied by the user")).unwrap();
        assert!(text(denied).contains("did not run"), "{}", text(denied));
        let ran = demo.reply_for(2, &view("Linux 6.1\nCargo.toml")).unwrap();
        assert!(text(ran).contains("The command ran"), "{}", text(ran));
    }
}
