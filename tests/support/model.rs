//! Helpers for the model tests: fixture streams, a compact description of typed events, and a
//! harness that starts the scripted provider and a client pointed at it.
//!
//! Included with `#[path = "support/model.rs"] mod model_support;` so it stays separate from
//! the PTY/CLI helpers in `support/mod.rs`.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use switchboard::event::OutputItem;
use switchboard::model::scripted::{Scenario, ScriptedProvider};
use switchboard::model::stream::StreamError;
use switchboard::model::{
    EventDecoder, ModelError, ModelSettings, ResponseEvent, ResponseStream, ResponsesClient,
    Sleeper, StreamUpdate,
};

/// The key tests send. Assertions check it never shows up in errors.
pub const TEST_KEY: &str = "sk-test-0123456789-SECRET";
/// Upper bound for anything a test waits on; generous because the machine is shared.
pub const WAIT: Duration = Duration::from_secs(60);

pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

pub fn stream_fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixtures().join("streams").join(name)).expect("fixture stream")
}

pub fn scenario(name: &str) -> Scenario {
    Scenario::load(&fixtures().join("scenarios").join(format!("{name}.json"))).expect("scenario")
}

/// Decodes `bytes` fed in pieces cut at `cuts` (sorted byte offsets).
pub fn decode_cut(bytes: &[u8], cuts: &[usize]) -> Vec<Result<ResponseEvent, StreamError>> {
    let mut decoder = EventDecoder::new();
    let mut out = Vec::new();
    let mut start = 0;
    for &cut in cuts.iter().chain(std::iter::once(&bytes.len())) {
        decoder.feed(&bytes[start..cut], &mut out);
        start = cut;
    }
    out
}

fn item_text(item: &OutputItem) -> String {
    match item {
        OutputItem::Message { text, refusal, .. } => match refusal {
            Some(refusal) => format!("message {text:?} refusal={refusal:?}"),
            None => format!("message {text:?}"),
        },
        OutputItem::FunctionCall {
            call_id,
            name,
            arguments,
            ..
        } => format!("function_call {call_id} {name} {arguments}"),
        OutputItem::Reasoning {
            summary,
            encrypted_content,
            ..
        } => format!("reasoning {summary:?} enc={}", encrypted_content.is_some()),
        OutputItem::Other { raw } => {
            let kind: serde_json::Value = serde_json::from_str(raw).unwrap();
            format!("other {}", kind["type"].as_str().unwrap_or("?"))
        }
    }
}

/// One line per event, enough to tell every event kind and its key fields apart.
pub fn describe(event: &ResponseEvent) -> String {
    use ResponseEvent as E;
    match event {
        E::Created(info) => format!("created {}", info.id),
        E::InProgress(info) => format!("in_progress {}", info.id),
        E::OutputItemAdded { output_index, item } => {
            format!("item.added {output_index} {}", item_text(item))
        }
        E::OutputItemDone { output_index, item } => {
            format!("item.done {output_index} {}", item_text(item))
        }
        E::ContentPartAdded { at, part } => format!(
            "part.added {}/{} {} {:?}",
            at.output_index, at.index, part.kind, part.text
        ),
        E::ContentPartDone { at, part } => format!(
            "part.done {}/{} {} {:?}",
            at.output_index, at.index, part.kind, part.text
        ),
        E::ReasoningSummaryPartAdded { at, part } => format!(
            "summary_part.added {}/{} {} {:?}",
            at.output_index, at.index, part.kind, part.text
        ),
        E::ReasoningSummaryPartDone { at, part } => format!(
            "summary_part.done {}/{} {} {:?}",
            at.output_index, at.index, part.kind, part.text
        ),
        E::OutputTextDone { at, text } => {
            format!("text.done {}/{} {text:?}", at.output_index, at.index)
        }
        E::RefusalDone { at, refusal } => {
            format!("refusal.done {}/{} {refusal:?}", at.output_index, at.index)
        }
        E::FunctionCallArgumentsDone { at, arguments } => {
            format!("arguments.done {} {arguments}", at.output_index)
        }
        E::ReasoningSummaryTextDone { at, text } => {
            format!("summary.done {}/{} {text:?}", at.output_index, at.index)
        }
        E::ReasoningTextDone { at, text } => {
            format!("reasoning.done {}/{} {text:?}", at.output_index, at.index)
        }
        E::Completed(info) => {
            let u = info.usage.unwrap_or_default();
            format!(
                "completed {} usage={}/{}/{}/{} items={}",
                info.id,
                u.input_tokens,
                u.cached_tokens,
                u.output_tokens,
                u.reasoning_tokens,
                info.output.len()
            )
        }
        E::Incomplete(info) => format!(
            "incomplete {} {}",
            info.id,
            info.incomplete_reason.as_deref().unwrap_or("?")
        ),
        E::Failed(info) => {
            let error = info.error.clone().unwrap_or_default();
            format!(
                "failed {} {}: {}",
                info.id,
                error.code.unwrap_or_default(),
                error.message
            )
        }
        E::Error(error) => format!(
            "error {}: {} ({})",
            error.code.clone().unwrap_or_default(),
            error.message,
            error.param.clone().unwrap_or_default()
        ),
        delta => {
            let d = delta.delta().expect("every other event is a delta");
            format!(
                "{:?}.delta {}/{} {:?}",
                d.channel, d.output_index, d.index, d.text
            )
        }
    }
}

/// Records every requested backoff and returns at once, so tests assert on delay values.
#[derive(Clone, Default)]
pub struct Delays(Arc<Mutex<Vec<Duration>>>);

impl Delays {
    pub fn sleeper(&self) -> Sleeper {
        let delays = self.0.clone();
        Sleeper::new(move |delay| {
            delays.lock().unwrap().push(delay);
            Box::pin(async {})
        })
    }

    pub fn taken(&self) -> Vec<Duration> {
        self.0.lock().unwrap().clone()
    }
}

/// A scripted provider and a client pointed at it.
pub struct Harness {
    pub provider: ScriptedProvider,
    pub client: ResponsesClient,
    pub delays: Delays,
}

impl Harness {
    pub async fn start(scenario: Scenario) -> Self {
        Self::start_with(scenario, |_| {}).await
    }

    /// Starts with settings adjusted by `tweak` (idle timeout, attempts…).
    pub async fn start_with(scenario: Scenario, tweak: impl FnOnce(&mut ModelSettings)) -> Self {
        let provider = ScriptedProvider::start(scenario).await.expect("provider");
        let mut settings = ModelSettings::local(provider.base_url(), TEST_KEY);
        settings.model = "test-model".into();
        tweak(&mut settings);
        let delays = Delays::default();
        let client = ResponsesClient::with_sleeper(settings, delays.sleeper()).expect("client");
        Self {
            provider,
            client,
            delays,
        }
    }

    pub fn request_body(&self, index: usize) -> serde_json::Value {
        self.provider.requests()[index].body.clone()
    }
}

/// Everything one stream produced.
#[derive(Debug, Default)]
pub struct Outcome {
    pub events: Vec<ResponseEvent>,
    pub retries: Vec<(u32, u32, Duration, String)>,
    pub error: Option<ModelError>,
    /// Updates in arrival order, described (retries included), for order assertions.
    pub log: Vec<String>,
}

impl Outcome {
    /// Concatenated output text deltas.
    pub fn text(&self) -> String {
        self.events
            .iter()
            .filter_map(|e| match e {
                ResponseEvent::OutputTextDelta { delta, .. } => Some(delta.as_str()),
                _ => None,
            })
            .collect()
    }

    /// The authoritative items, in order.
    pub fn items(&self) -> Vec<OutputItem> {
        self.events
            .iter()
            .filter_map(|e| match e {
                ResponseEvent::OutputItemDone { item, .. } => Some(item.clone()),
                _ => None,
            })
            .collect()
    }

    pub fn last_event(&self) -> Option<&ResponseEvent> {
        self.events.last()
    }
}

/// Drains a stream (bounded by [`WAIT`] so a bug fails instead of hanging).
pub async fn collect(mut stream: ResponseStream) -> Outcome {
    let mut outcome = Outcome::default();
    let drain = async {
        while let Some(update) = stream.next_update().await {
            match update {
                Ok(StreamUpdate::Event(event)) => {
                    outcome.log.push(describe(&event));
                    outcome.events.push(event);
                }
                Ok(StreamUpdate::Retrying {
                    attempt,
                    max_attempts,
                    delay,
                    reason,
                }) => {
                    outcome
                        .log
                        .push(format!("retrying {attempt}/{max_attempts}"));
                    outcome.retries.push((attempt, max_attempts, delay, reason));
                }
                Err(err) => {
                    assert!(outcome.error.is_none(), "two final errors");
                    outcome.log.push(format!("error {err}"));
                    outcome.error = Some(err);
                }
            }
        }
    };
    tokio::time::timeout(WAIT, drain)
        .await
        .expect("stream finished in time");
    outcome
}
