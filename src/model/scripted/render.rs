//! Turns a scripted [`Reply`] into the exact event sequence the real API streams: full
//! `response` objects, `content_part` events around text, `sequence_number` on every event, and
//! the authoritative item in each `output_item.done`, so strict consumers (the official SDKs)
//! accept it.

use serde_json::{Value, json};

use super::scenario::{End, ItemSpec, Reply, RequestView};

/// Lines of a tool's output `{{tool_output}}` expands to. Why this value: enough to show a
/// directory listing or a `git status` in the demo answer without flooding the view.
const TOOL_OUTPUT_LINES: usize = 20;
/// Bytes of JSON arguments per `function_call_arguments.delta`. Why this value: the real API
/// streams arguments in small pieces; a handful per call exercises reassembly.
const ARGUMENT_DELTA_BYTES: usize = 12;
/// Stand-in for encrypted reasoning: opaque text the client must send back untouched.
const OPAQUE_REASONING: &str = "c2NyaXB0ZWQtcmVhc29uaW5n";

/// Everything the renderer needs besides the reply.
pub struct RenderContext<'a> {
    /// 1-based request number, used in ids so every id is unique within a server's life.
    pub number: usize,
    pub view: &'a RequestView,
    pub body: &'a Value,
}

/// One SSE event, already framed (`event: …\ndata: …\n\n`).
pub type Framed = String;

/// The events of a streamed reply, in order, terminal event included (when the ending has one).
pub fn render(reply: &Reply, ctx: &RenderContext<'_>) -> Vec<Framed> {
    let mut out = Renderer {
        events: Vec::new(),
        sequence: 0,
    };
    let n = ctx.number;
    let model = ctx
        .body
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or("scripted");
    let mut response = json!({
        "id": format!("resp_{n:04}"), "object": "response", "created_at": 1_760_000_000 + n,
        "status": "in_progress", "background": false, "error": null, "incomplete_details": null,
        "instructions": ctx.body.get("instructions").cloned().unwrap_or(Value::Null),
        "max_output_tokens": null, "model": model, "output": [],
        "parallel_tool_calls": true, "previous_response_id": null,
        "reasoning": ctx.body.get("reasoning").cloned().unwrap_or(json!({"effort": null, "summary": null})),
        "store": false, "temperature": 1.0, "text": {"format": {"type": "text"}},
        "tool_choice": "auto", "tools": ctx.body.get("tools").cloned().unwrap_or(json!([])),
        "top_p": 1.0, "truncation": "disabled", "usage": null, "user": null, "metadata": {}
    });
    out.push("response.created", json!({ "response": response }));
    out.push("response.in_progress", json!({ "response": response }));
    let mut done_items = Vec::new();
    let mut output_chars = 0usize;
    let mut reasoning_chars = 0usize;
    for (index, spec) in reply.output.iter().enumerate() {
        let item = out.item(spec, index, reply, ctx);
        match spec {
            ItemSpec::Reasoning { .. } => reasoning_chars += item.to_string().len(),
            _ => output_chars += item.to_string().len(),
        }
        done_items.push(item);
    }
    response["output"] = Value::Array(done_items);
    let usage = reply.usage.unwrap_or_default();
    let estimate = |explicit: u64, chars: usize| {
        if explicit > 0 {
            explicit
        } else {
            (chars / 4) as u64
        }
    };
    let input_tokens = estimate(usage.input_tokens, ctx.body.to_string().len());
    let reasoning_tokens = estimate(usage.reasoning_tokens, reasoning_chars);
    let output_tokens = estimate(usage.output_tokens, output_chars) + reasoning_tokens;
    let usage = json!({
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": usage.cached_tokens},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": reasoning_tokens},
        "total_tokens": input_tokens + output_tokens
    });
    match &reply.end {
        End::Completed
        | End::Cut { .. }
        | End::Stall { .. }
        | End::Malformed { .. }
        | End::TruncatedEvent { .. } => {
            response["status"] = json!("completed");
            response["usage"] = usage;
            out.push("response.completed", json!({ "response": response }));
        }
        End::Incomplete { reason } => {
            response["status"] = json!("incomplete");
            response["incomplete_details"] = json!({ "reason": reason });
            response["usage"] = usage;
            out.push("response.incomplete", json!({ "response": response }));
        }
        End::Failed { code, message } => {
            response["status"] = json!("failed");
            response["error"] = json!({ "code": code, "message": message });
            out.push("response.failed", json!({ "response": response }));
        }
        End::Error {
            code,
            message,
            param,
        } => out.push(
            "error",
            json!({ "code": code, "message": message, "param": param }),
        ),
    }
    out.events
}

struct Renderer {
    events: Vec<Framed>,
    sequence: u64,
}

impl Renderer {
    fn push(&mut self, kind: &str, mut body: Value) {
        body["type"] = json!(kind);
        body["sequence_number"] = json!(self.sequence);
        self.sequence += 1;
        self.events.push(format!("event: {kind}\ndata: {body}\n\n"));
    }

    /// Streams one item and returns its finished form.
    fn item(
        &mut self,
        spec: &ItemSpec,
        index: usize,
        reply: &Reply,
        ctx: &RenderContext<'_>,
    ) -> Value {
        let n = ctx.number;
        match spec {
            ItemSpec::Message { text, refusal } => {
                let id = format!("msg_{n:04}_{index}");
                let text = expand(text, ctx.view);
                let added = json!({"id": id, "type": "message", "status": "in_progress", "role": "assistant", "content": []});
                self.push(
                    "response.output_item.added",
                    json!({"output_index": index, "item": added}),
                );
                let mut parts = Vec::new();
                if !text.is_empty() || refusal.is_none() {
                    let at =
                        json!({"item_id": id, "output_index": index, "content_index": parts.len()});
                    self.push(
                        "response.content_part.added",
                        merge(
                            &at,
                            json!({"part": {"type": "output_text", "text": "", "annotations": []}}),
                        ),
                    );
                    for delta in split_text(&text, reply.delta_chars) {
                        self.push(
                            "response.output_text.delta",
                            merge(&at, json!({"delta": delta, "logprobs": []})),
                        );
                    }
                    self.push(
                        "response.output_text.done",
                        merge(&at, json!({"text": text, "logprobs": []})),
                    );
                    let part = json!({"type": "output_text", "text": text, "annotations": []});
                    self.push(
                        "response.content_part.done",
                        merge(&at, json!({"part": part})),
                    );
                    parts.push(part);
                }
                if let Some(refusal) = refusal {
                    let refusal = expand(refusal, ctx.view);
                    let at =
                        json!({"item_id": id, "output_index": index, "content_index": parts.len()});
                    self.push(
                        "response.content_part.added",
                        merge(&at, json!({"part": {"type": "refusal", "refusal": ""}})),
                    );
                    for delta in split_text(&refusal, reply.delta_chars) {
                        self.push(
                            "response.refusal.delta",
                            merge(&at, json!({"delta": delta})),
                        );
                    }
                    self.push(
                        "response.refusal.done",
                        merge(&at, json!({"refusal": refusal})),
                    );
                    let part = json!({"type": "refusal", "refusal": refusal});
                    self.push(
                        "response.content_part.done",
                        merge(&at, json!({"part": part})),
                    );
                    parts.push(part);
                }
                let item = json!({"id": id, "type": "message", "status": "completed", "role": "assistant", "content": parts});
                self.push(
                    "response.output_item.done",
                    json!({"output_index": index, "item": item}),
                );
                item
            }
            ItemSpec::FunctionCall {
                name,
                arguments,
                call_id,
                namespace,
            } => {
                let id = format!("fc_{n:04}_{index}");
                let call_id = call_id
                    .clone()
                    .unwrap_or_else(|| format!("call_{n:04}_{index}"));
                let arguments = match expand_value(arguments, ctx.view) {
                    Value::String(text) => text,
                    other => other.to_string(),
                };
                let mut added = json!({"id": id, "type": "function_call", "status": "in_progress", "arguments": "", "call_id": call_id, "name": name});
                if let Some(namespace) = namespace {
                    added["namespace"] = json!(namespace);
                }
                self.push(
                    "response.output_item.added",
                    json!({"output_index": index, "item": added}),
                );
                let at = json!({"item_id": id, "output_index": index});
                for delta in split_bytes(&arguments, ARGUMENT_DELTA_BYTES) {
                    self.push(
                        "response.function_call_arguments.delta",
                        merge(&at, json!({"delta": delta})),
                    );
                }
                self.push(
                    "response.function_call_arguments.done",
                    merge(&at, json!({"arguments": arguments})),
                );
                let mut item = json!({"id": id, "type": "function_call", "status": "completed", "arguments": arguments, "call_id": call_id, "name": name});
                if let Some(namespace) = namespace {
                    item["namespace"] = json!(namespace);
                }
                self.push(
                    "response.output_item.done",
                    json!({"output_index": index, "item": item}),
                );
                item
            }
            ItemSpec::Reasoning {
                summary,
                text,
                encrypted_content,
            } => {
                let id = format!("rs_{n:04}_{index}");
                let added = json!({"id": id, "type": "reasoning", "summary": []});
                self.push(
                    "response.output_item.added",
                    json!({"output_index": index, "item": added}),
                );
                let mut parts = Vec::new();
                for (summary_index, part) in summary.iter().enumerate() {
                    let part = expand(part, ctx.view);
                    let at = json!({"item_id": id, "output_index": index, "summary_index": summary_index});
                    self.push(
                        "response.reasoning_summary_part.added",
                        merge(&at, json!({"part": {"type": "summary_text", "text": ""}})),
                    );
                    for delta in split_text(&part, reply.delta_chars) {
                        self.push(
                            "response.reasoning_summary_text.delta",
                            merge(&at, json!({"delta": delta})),
                        );
                    }
                    self.push(
                        "response.reasoning_summary_text.done",
                        merge(&at, json!({"text": part})),
                    );
                    let part = json!({"type": "summary_text", "text": part});
                    self.push(
                        "response.reasoning_summary_part.done",
                        merge(&at, json!({"part": part})),
                    );
                    parts.push(part);
                }
                let mut item = json!({"id": id, "type": "reasoning", "summary": parts,
                    "encrypted_content": encrypted_content.as_deref().unwrap_or(OPAQUE_REASONING)});
                if let Some(text) = text {
                    let text = expand(text, ctx.view);
                    let at = json!({"item_id": id, "output_index": index, "content_index": 0});
                    for delta in split_text(&text, reply.delta_chars) {
                        self.push(
                            "response.reasoning_text.delta",
                            merge(&at, json!({"delta": delta})),
                        );
                    }
                    self.push(
                        "response.reasoning_text.done",
                        merge(&at, json!({"text": text})),
                    );
                    item["content"] = json!([{"type": "reasoning_text", "text": text}]);
                }
                self.push(
                    "response.output_item.done",
                    json!({"output_index": index, "item": item}),
                );
                item
            }
        }
    }
}

fn merge(base: &Value, extra: Value) -> Value {
    let mut out = base.clone();
    if let (Some(out), Value::Object(extra)) = (out.as_object_mut(), extra) {
        out.extend(extra);
    }
    out
}

/// Fills `{{user}}`, `{{first_user}}` and `{{tool_output}}`.
fn expand(text: &str, view: &RequestView) -> String {
    if !text.contains("{{") {
        return text.to_owned();
    }
    let output: Vec<&str> = view
        .last_tool_output
        .lines()
        .take(TOOL_OUTPUT_LINES)
        .collect();
    let mut output = output.join("\n");
    if view.last_tool_output.lines().count() > TOOL_OUTPUT_LINES {
        output.push_str("\n…");
    }
    text.replace("{{user}}", view.last_user.trim())
        .replace("{{first_user}}", view.first_user.trim())
        .replace("{{tool_output}}", output.trim_end())
}

fn expand_value(value: &Value, view: &RequestView) -> Value {
    match value {
        Value::String(text) => Value::String(expand(text, view)),
        Value::Array(items) => Value::Array(items.iter().map(|v| expand_value(v, view)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), expand_value(v, view)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Text deltas: `chars` characters each, or one word with its trailing whitespace each.
pub fn split_text(text: &str, chars: Option<usize>) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut count = 0;
    let mut prev_space = false;
    for ch in text.chars() {
        let boundary = match chars {
            Some(limit) => count == limit.max(1),
            None => prev_space && !ch.is_whitespace(),
        };
        if boundary && !current.is_empty() {
            out.push(std::mem::take(&mut current));
            count = 0;
        }
        current.push(ch);
        count += 1;
        prev_space = ch.is_whitespace();
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Pieces of at most `size` bytes, cut at character boundaries.
fn split_bytes(text: &str, size: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let mut end = size.min(rest.len());
        while !rest.is_char_boundary(end) {
            end += 1;
        }
        out.push(&rest[..end]);
        rest = &rest[end..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_splits_by_words_or_characters() {
        assert_eq!(
            split_text("Hello big  world", None),
            ["Hello ", "big  ", "world"]
        );
        assert_eq!(split_text("h\u{e9}llo", Some(2)), ["h\u{e9}", "ll", "o"]);
        assert_eq!(split_bytes("a\u{e9}b", 1), ["a", "\u{e9}", "b"]);
    }

    #[test]
    fn templates_fill_from_the_request() {
        let view = RequestView {
            last_user: " list files ".into(),
            first_user: "hello".into(),
            last_tool_output: (1..=30).map(|i| format!("line {i}\n")).collect(),
            ..RequestView::default()
        };
        let text = expand("{{first_user}}; you said {{user}}:\n{{tool_output}}", &view);
        assert!(text.starts_with("hello; you said list files:\nline 1\n"));
        assert!(text.ends_with("line 20\n…"));
    }
}
