//! The body of `POST {base_url}/responses` and the conversation it carries.
//!
//! Requests are stateless (`store: false`): every request sends the whole conversation as
//! input items, and reasoning comes back encrypted (`include: ["reasoning.encrypted_content"]`)
//! so it can be sent again. The conversation itself is [`super::Conversation`].
//!
//! A request borrows the conversation's items rather than copying them: the first request of
//! a long session's next turn carries about a megabyte of them, and it is serialised once
//! (see `client.rs`) and dropped.
//!
//! | file | owns |
//! |---|---|
//! | this file | [`ResponsesRequest`], [`InputItem`], [`Tool`] and the other typed parts |
//! | `body.rs` | the bytes sent: [`ResponsesRequest::to_json`], [`ResponsesRequest::size_hint`] |

mod body;

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::json;

pub use super::conversation::CALL_ABORTED;
pub use super::tool_output::{denial_text, tool_error_text, tool_output_text};
use crate::event::OutputItem;

/// A typed request body; serialise it with `serde_json`. `'a` is the conversation its input
/// items borrow from (`'static` when they are owned).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResponsesRequest<'a> {
    pub model: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    pub input: Vec<Cow<'a, InputItem>>,
    pub tools: Vec<Tool>,
    pub tool_choice: &'static str,
    pub parallel_tool_calls: bool,
    pub reasoning: Reasoning,
    pub store: bool,
    pub stream: bool,
    pub include: Vec<&'static str>,
    /// Groups requests that share a prompt prefix for the server's prompt cache (what Codex
    /// sends). The agent uses the session id, so separate runs of the same prompt send
    /// different bodies while the retries of one request send the very same one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt_cache_key: Option<String>,
    /// Structured output: `{"format": {"type": "json_schema", …, "strict": true}}`, so the
    /// final message is JSON matching a schema (`exec --output-schema`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<TextControls>,
}

impl ResponsesRequest<'static> {
    /// A request that owns its `input`; see [`ResponsesRequest::borrowing`].
    pub fn new(model: impl Into<String>, input: Vec<InputItem>) -> Self {
        ResponsesRequest::borrowing(model, input.into_iter().map(Cow::Owned).collect())
    }
}

impl<'a> ResponsesRequest<'a> {
    /// A streaming, stateless request for `input` with the defaults switchboard always uses:
    /// automatic tool choice, parallel calls allowed, reasoning summaries on, encrypted
    /// reasoning included so it can be sent back.
    pub fn borrowing(model: impl Into<String>, input: Vec<Cow<'a, InputItem>>) -> Self {
        Self {
            model: model.into(),
            instructions: None,
            input,
            tools: Vec::new(),
            tool_choice: "auto",
            parallel_tool_calls: true,
            reasoning: Reasoning::default(),
            store: false,
            stream: true,
            include: vec!["reasoning.encrypted_content"],
            prompt_cache_key: None,
            text: None,
        }
    }

    /// Asks for a final message that is JSON matching `schema` (strict structured output).
    pub fn with_output_schema(mut self, schema: Option<serde_json::Value>) -> Self {
        self.text = schema.map(|schema| TextControls {
            format: TextFormat {
                kind: "json_schema",
                name: "output_schema",
                schema,
                strict: true,
            },
        });
        self
    }

    pub fn with_prompt_cache_key(mut self, key: impl Into<String>) -> Self {
        self.prompt_cache_key = Some(key.into());
        self
    }

    pub fn with_instructions(mut self, instructions: impl Into<String>) -> Self {
        self.instructions = Some(instructions.into());
        self
    }

    pub fn with_tools(mut self, tools: Vec<Tool>) -> Self {
        self.tools = tools;
        self
    }

    pub fn with_effort(mut self, effort: Option<String>) -> Self {
        self.reasoning.effort = effort;
        self
    }
}

/// The request's `text` field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextControls {
    pub format: TextFormat,
}

/// `text.format` for structured output.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextFormat {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub name: &'static str,
    pub schema: serde_json::Value,
    pub strict: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reasoning {
    /// `minimal`, `low`, `medium`, `high`…; omitted means the model's default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effort: Option<String>,
    pub summary: &'static str,
}

impl Default for Reasoning {
    fn default() -> Self {
        Self {
            effort: None,
            summary: "auto",
        }
    }
}

/// A function tool the model may call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tool {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub name: String,
    pub description: String,
    pub strict: bool,
    pub parameters: serde_json::Value,
}

/// Name of the one tool the native agent offers.
pub const SHELL_TOOL: &str = "shell";

impl Tool {
    /// The `shell` tool: `{"command": string, "workdir"?: string, "timeout_ms"?: integer}`.
    pub fn shell() -> Self {
        Self {
            kind: "function",
            name: SHELL_TOOL.to_owned(),
            description: "Runs a shell command with `bash -lc` in the session's worktree and \
                          returns its exit code and output."
                .to_owned(),
            strict: false,
            parameters: json!({
                "type": "object",
                "properties": {
                    "command": {"type": "string", "description": "The command line to run."},
                    "workdir": {"type": "string", "description": "Directory to run in, relative to the worktree; defaults to its root."},
                    "timeout_ms": {"type": "integer", "description": "Kill the command after this many milliseconds."}
                },
                "required": ["command"],
                "additionalProperties": false
            }),
        }
    }
}

/// Arguments of a `shell` call, as the model sends them (a JSON string).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct ShellArgs {
    pub command: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workdir: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
}

impl ShellArgs {
    /// Parses a call's `arguments`; the error text is safe to send back to the model.
    pub fn parse(arguments: &str) -> Result<Self, String> {
        serde_json::from_str(arguments).map_err(|e| format!("invalid shell arguments: {e}"))
    }
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    User,
    Developer,
    Assistant,
}

/// A part of a message: `input_text` for user/developer text, `output_text` for the
/// assistant's own earlier answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum InputContent {
    InputText { text: String },
    OutputText { text: String },
}

/// A reasoning summary part as the API expects it back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SummaryPart {
    SummaryText { text: String },
}

/// One item of the conversation sent as `input`.
///
/// Item ids (`msg_…`, `fc_…`, `rs_…`) are not sent: with `store: false` they name nothing the
/// server keeps, and the API rejects ids it cannot resolve. Everything else goes back as it came.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum InputItem {
    Message {
        role: Role,
        content: Vec<InputContent>,
    },
    FunctionCall {
        call_id: String,
        name: String,
        arguments: String,
    },
    FunctionCallOutput {
        call_id: String,
        output: String,
    },
    Reasoning {
        summary: Vec<SummaryPart>,
        #[serde(skip_serializing_if = "Option::is_none")]
        encrypted_content: Option<String>,
    },
}

impl InputItem {
    pub fn user(text: impl Into<String>) -> Self {
        Self::Message {
            role: Role::User,
            content: vec![InputContent::InputText { text: text.into() }],
        }
    }

    pub fn developer(text: impl Into<String>) -> Self {
        Self::Message {
            role: Role::Developer,
            content: vec![InputContent::InputText { text: text.into() }],
        }
    }

    pub fn assistant(text: impl Into<String>) -> Self {
        Self::Message {
            role: Role::Assistant,
            content: vec![InputContent::OutputText { text: text.into() }],
        }
    }

    pub fn tool_output(call_id: impl Into<String>, output: impl Into<String>) -> Self {
        Self::FunctionCallOutput {
            call_id: call_id.into(),
            output: output.into(),
        }
    }

    /// The input form of a finished output item; `None` for item types that cannot be sent
    /// back ([`OutputItem::Other`]) and for empty messages.
    pub fn from_output(item: &OutputItem) -> Option<Self> {
        match item {
            OutputItem::Message { text, refusal, .. } => {
                let text = match refusal {
                    Some(refusal) if text.is_empty() => refusal.clone(),
                    _ => text.clone(),
                };
                (!text.is_empty()).then(|| Self::assistant(text))
            }
            OutputItem::FunctionCall {
                call_id,
                name,
                arguments,
                ..
            } => Some(Self::FunctionCall {
                call_id: call_id.clone(),
                name: name.clone(),
                arguments: arguments.clone(),
            }),
            OutputItem::Reasoning {
                summary,
                encrypted_content,
                ..
            } => Some(Self::Reasoning {
                summary: summary
                    .iter()
                    .map(|text| SummaryPart::SummaryText { text: text.clone() })
                    .collect(),
                encrypted_content: encrypted_content.clone(),
            }),
            OutputItem::Other { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_body_has_the_fixed_fields() {
        let request = ResponsesRequest::new("gpt-test", vec![InputItem::user("hi")])
            .with_instructions("be brief")
            .with_tools(vec![Tool::shell()])
            .with_effort(Some("low".into()))
            .with_prompt_cache_key("session-1");
        let body = serde_json::to_value(&request).unwrap();
        assert_eq!(body["prompt_cache_key"], "session-1");
        assert_eq!(body["tool_choice"], "auto");
        assert_eq!(body["parallel_tool_calls"], true);
        assert_eq!(body["store"], false);
        assert_eq!(body["stream"], true);
        assert_eq!(body["include"], json!(["reasoning.encrypted_content"]));
        assert_eq!(
            body["reasoning"],
            json!({"effort": "low", "summary": "auto"})
        );
        assert_eq!(
            body["input"],
            json!([{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}])
        );
        assert_eq!(body["tools"][0]["name"], "shell");
        assert_eq!(
            body["tools"][0]["parameters"]["required"],
            json!(["command"])
        );
        assert!(body.get("text").is_none(), "no text.format unless asked");
        let schema = json!({"type": "object", "properties": {}, "additionalProperties": false});
        let body = serde_json::to_value(request.with_output_schema(Some(schema.clone()))).unwrap();
        assert_eq!(
            body["text"],
            json!({"format": {"type": "json_schema", "name": "output_schema", "schema": schema, "strict": true}})
        );
    }

    #[test]
    fn output_items_go_back_without_ids() {
        let reasoning = OutputItem::Reasoning {
            id: Some("rs_1".into()),
            summary: vec!["thinking".into()],
            encrypted_content: Some("gAAA".into()),
        };
        let value = serde_json::to_value(InputItem::from_output(&reasoning).unwrap()).unwrap();
        assert_eq!(
            value,
            json!({"type": "reasoning", "summary": [{"type": "summary_text", "text": "thinking"}], "encrypted_content": "gAAA"})
        );
        let call = OutputItem::FunctionCall {
            id: Some("fc_1".into()),
            call_id: "call_1".into(),
            name: "shell".into(),
            arguments: r#"{"command":"ls"}"#.into(),
        };
        let value = serde_json::to_value(InputItem::from_output(&call).unwrap()).unwrap();
        assert_eq!(
            value,
            json!({"type": "function_call", "call_id": "call_1", "name": "shell", "arguments": "{\"command\":\"ls\"}"})
        );
        assert_eq!(
            InputItem::from_output(&OutputItem::Other { raw: "{}".into() }),
            None
        );
    }
}
