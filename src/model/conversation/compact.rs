//! Compaction: when a conversation outgrows the model's context, the model writes a handoff
//! summary of it, recorded as `conversation.compacted`; later requests send the summary in place
//! of the items it covers. Here: the words of the request and of the summary item, the token
//! estimate that decides when, and the limits.

use crate::model::request::{InputContent, InputItem, SummaryPart};

/// Default of `[model] compact_at`, in estimated tokens. Why this value: gpt-5-class models
/// take 272k input tokens; compacting at 200k leaves room for one more turn's tool outputs
/// (each at most ~4k tokens, see `tool_output`) and for the summarisation request itself,
/// which carries the conversation once more plus the instruction.
pub const DEFAULT_COMPACT_AT: u64 = 200_000;

/// Why this value: the summarisation request carries at most this share of `compact_at`
/// (5/4: 250k tokens at the default, under a 272k window); older items beyond it are left out
/// of the summary request (the previous summary, if any, always goes first). They stay in the
/// store and in the transcript.
pub const SUMMARY_INPUT_NUMERATOR: u64 = 5;
pub const SUMMARY_INPUT_DENOMINATOR: u64 = 4;

/// The tokens of conversation a summarisation request may carry for a given `compact_at`.
pub fn summary_budget(compact_at: u64) -> u64 {
    compact_at.saturating_mul(SUMMARY_INPUT_NUMERATOR) / SUMMARY_INPUT_DENOMINATOR
}

/// The instruction that ends a summarisation request. Scenario files match on "handoff
/// summary" (see `fixtures/scenarios/agent_compact.json`).
pub const COMPACT_PROMPT: &str = "Write a handoff summary of this conversation so far. It \
replaces the conversation: the next request will carry only your summary and what follows \
it, so a model that never saw the rest can carry on. Include the user's goals and \
constraints, what was done and found (files, commands, results, errors), decisions and why, \
and what remains to do next. Be specific and concise; do not call tools.";

/// What a request carries in place of the compacted items: this line, then the summary.
pub const SUMMARY_PREFIX: &str = "[switchboard] The earlier part of this conversation was \
compacted. The summary below was written as a handoff by the model that did that work; \
continue from it.";

/// Why this value: the common rule of thumb for English text and code in OpenAI's tokenizers
/// (about four bytes a token); the estimate only decides when to compact, and a response's
/// reported `input_tokens` corrects it while a session runs.
const BYTES_PER_TOKEN: u64 = 4;
/// Why this value: each item costs a few tokens of framing (type, role, call id) beyond its
/// text.
const ITEM_OVERHEAD_BYTES: u64 = 16;

/// Estimated tokens of one input item: the bytes of its text fields, plus framing, over four.
pub fn estimate_tokens(item: &InputItem) -> u64 {
    (text_bytes(item) as u64 + ITEM_OVERHEAD_BYTES).div_ceil(BYTES_PER_TOKEN)
}

/// The bytes of an item's text fields (what its size is, framing aside).
pub fn text_bytes(item: &InputItem) -> usize {
    match item {
        InputItem::Message { content, .. } => content
            .iter()
            .map(|part| match part {
                InputContent::InputText { text } | InputContent::OutputText { text } => text.len(),
            })
            .sum(),
        InputItem::FunctionCall {
            call_id,
            name,
            arguments,
        } => call_id.len() + name.len() + arguments.len(),
        InputItem::FunctionCallOutput { call_id, output } => call_id.len() + output.len(),
        InputItem::Reasoning {
            summary,
            encrypted_content,
        } => {
            summary
                .iter()
                .map(|SummaryPart::SummaryText { text }| text.len())
                .sum::<usize>()
                + encrypted_content.as_ref().map_or(0, String::len)
        }
    }
}

/// The item a request carries for a summary.
pub fn summary_item(summary: &str) -> InputItem {
    InputItem::user(format!("{SUMMARY_PREFIX}\n\n{summary}"))
}

/// The latest compaction of a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The handoff text.
    pub text: String,
    /// Items of events up to this seq are replaced.
    pub through: u64,
    /// Estimated tokens of [`summary_item`] for it.
    pub tokens: u64,
}

impl Summary {
    pub fn new(text: impl Into<String>, through: u64) -> Self {
        let text = text.into();
        let tokens = estimate_tokens(&summary_item(&text));
        Self {
            text,
            through,
            tokens,
        }
    }

    pub fn item(&self) -> InputItem {
        summary_item(&self.text)
    }
}
