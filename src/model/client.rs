//! The streaming HTTP client for `POST {base_url}/responses`.
//!
//! [`ResponsesClient::stream`] returns a [`ResponseStream`]: typed events, retry notices and at
//! most one final error, in order. It is a plain value: nothing runs unless it is polled, and
//! dropping it cancels the request and closes the connection. Retries, the idle timeout and
//! the suppression of replayed text (see [`super::replay`]) all happen inside it.

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::future::BoxFuture;
use futures_util::{Stream, StreamExt};
use reqwest::header::{ACCEPT, CONTENT_TYPE};

use super::error::{ModelError, ServerRetry};
use super::replay::ReplayFilter;
use super::request::ResponsesRequest;
use super::settings::{ApiKey, ModelSettings};
use super::stream::{ApiError, EventDecoder, ResponseEvent, StreamError};
use super::wire::parse_error_body;

mod http;

pub use http::retry_after;
use http::{describe, header_text, is_loopback, read_limited, snippet};

/// Why this value: a TCP/TLS handshake that takes longer than this is a network problem worth
/// a retry, not a slow model (model latency is covered by the idle timeout).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// One thing the stream reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamUpdate {
    /// A typed event (already de-duplicated after a retry). The last one is `Completed` or
    /// `Incomplete`; a failed response ends the stream with an error instead.
    Event(ResponseEvent),
    /// An attempt failed; attempt `attempt` of `max_attempts` starts after `delay`.
    Retrying {
        attempt: u32,
        max_attempts: u32,
        /// The wait before the attempt: the server's `retry-after` when it sent one, else the
        /// backoff.
        delay: Duration,
        /// Why the previous attempt failed (safe to show: no key).
        reason: String,
    },
}

/// How the client waits between attempts: real time by default. Tests pass one that records
/// the requested delay and returns at once, so backoff is asserted on values, not clocks.
#[derive(Clone)]
pub struct Sleeper(Arc<dyn Fn(Duration) -> BoxFuture<'static, ()> + Send + Sync>);

impl Sleeper {
    pub fn new(sleep: impl Fn(Duration) -> BoxFuture<'static, ()> + Send + Sync + 'static) -> Self {
        Self(Arc::new(sleep))
    }

    /// `tokio::time::sleep`.
    pub fn tokio() -> Self {
        Self::new(|delay| Box::pin(tokio::time::sleep(delay)))
    }

    /// No wait at all.
    pub fn none() -> Self {
        Self::new(|_| Box::pin(async {}))
    }
}

impl Default for Sleeper {
    fn default() -> Self {
        Self::tokio()
    }
}

impl fmt::Debug for Sleeper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sleeper")
    }
}

/// The process's HTTP client for remote or for loopback endpoints. Why shared: building one
/// loads the platform's root certificates (about 150 files here, several milliseconds), which
/// every agent a server starts would pay before its first event; the two configurations never
/// change, so each is built once and cloned (clones share the connection pool). Every command
/// runs its model clients on one runtime for its whole life (a pooled connection belongs to
/// the runtime that opened it).
fn shared_http(loopback: bool) -> Result<reqwest::Client, reqwest::Error> {
    static REMOTE: OnceLock<reqwest::Client> = OnceLock::new();
    static LOOPBACK: OnceLock<reqwest::Client> = OnceLock::new();
    let cell = if loopback { &LOOPBACK } else { &REMOTE };
    if let Some(http) = cell.get() {
        return Ok(http.clone());
    }
    let mut builder = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .user_agent(concat!("switchboard/", env!("CARGO_PKG_VERSION")));
    if loopback {
        // A local endpoint (the scripted provider, a local gateway) must never be sent
        // through an HTTP proxy from the environment.
        builder = builder.no_proxy();
    }
    let http = builder.build()?;
    // Two racing first builds are harmless: one is kept, the other dropped.
    Ok(cell.get_or_init(|| http).clone())
}

/// A client for one endpoint and key. Cheap to clone; clones share the connection pool.
#[derive(Clone, Debug)]
pub struct ResponsesClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    settings: ModelSettings,
    key: ApiKey,
    url: String,
    sleeper: Sleeper,
}

impl ResponsesClient {
    /// Fails when the settings carry no key or the HTTP client cannot be built.
    pub fn new(settings: ModelSettings) -> Result<Self, ModelError> {
        Self::with_sleeper(settings, Sleeper::tokio())
    }

    pub fn with_sleeper(settings: ModelSettings, sleeper: Sleeper) -> Result<Self, ModelError> {
        let key = settings
            .api_key
            .clone()
            .ok_or_else(|| ModelError::MissingKey {
                var: settings.key_var.clone(),
            })?;
        let url = settings.responses_url();
        let parsed = reqwest::Url::parse(&url).map_err(|e| {
            ModelError::Setup(format!("invalid base URL {}: {e}", settings.base_url))
        })?;
        let http =
            shared_http(is_loopback(&parsed)).map_err(|e| ModelError::Setup(describe(&e, &key)))?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                settings,
                key,
                url,
                sleeper,
            }),
        })
    }

    pub fn settings(&self) -> &ModelSettings {
        &self.inner.settings
    }

    /// Starts streaming `request`. Nothing is sent until the stream is first polled.
    ///
    /// The body is serialised here, once ([`ResponsesRequest::to_json`]: one allocation of
    /// about its size), and kept as [`Bytes`]: every attempt sends the same body, and handing
    /// it to an attempt is a reference count, not a copy (the first request of a long
    /// session's turn is about a megabyte).
    pub fn stream(&self, request: &ResponsesRequest<'_>) -> ResponseStream {
        let (body, queue) = match request.to_json() {
            Ok(body) => (Bytes::from(body), VecDeque::new()),
            Err(e) => (
                Bytes::new(),
                VecDeque::from([Err(ModelError::Setup(format!(
                    "cannot encode request: {e}"
                )))]),
            ),
        };
        let phase = if queue.is_empty() {
            Phase::Connect
        } else {
            Phase::Finished
        };
        let driver = Driver {
            inner: self.inner.clone(),
            body,
            attempt: 1,
            phase,
            queue,
            filter: ReplayFilter::new(),
            decoded: Vec::new(),
        };
        let updates = futures_util::stream::unfold(driver, |mut driver| async move {
            let update = driver.next().await?;
            Some((update, driver))
        });
        ResponseStream {
            inner: Box::pin(updates),
        }
    }
}

/// The updates of one request. Dropping it cancels the request.
pub struct ResponseStream {
    inner: Pin<Box<dyn Stream<Item = Result<StreamUpdate, ModelError>> + Send>>,
}

impl ResponseStream {
    /// The next update; `None` after the terminal event or the final error.
    pub async fn next_update(&mut self) -> Option<Result<StreamUpdate, ModelError>> {
        self.inner.next().await
    }
}

impl Stream for ResponseStream {
    type Item = Result<StreamUpdate, ModelError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl fmt::Debug for ResponseStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ResponseStream")
    }
}

enum Phase {
    Connect,
    Wait(Duration),
    /// Boxed: the response and decoder are large, and the phase moves on every poll.
    Read(Box<(reqwest::Response, EventDecoder)>),
    Finished,
}

struct Driver {
    inner: Arc<Inner>,
    body: Bytes,
    /// The attempt in progress, from 1.
    attempt: u32,
    phase: Phase,
    queue: VecDeque<Result<StreamUpdate, ModelError>>,
    filter: ReplayFilter,
    decoded: Vec<Result<ResponseEvent, StreamError>>,
}

impl Driver {
    async fn next(&mut self) -> Option<Result<StreamUpdate, ModelError>> {
        loop {
            if let Some(update) = self.queue.pop_front() {
                return Some(update);
            }
            match std::mem::replace(&mut self.phase, Phase::Finished) {
                Phase::Finished => return None,
                Phase::Wait(delay) => {
                    (self.inner.sleeper.0)(delay).await;
                    self.phase = Phase::Connect;
                }
                Phase::Connect => match self.connect().await {
                    Ok(response) => {
                        tracing::debug!(attempt = self.attempt, "model stream open");
                        self.filter.begin_attempt();
                        self.phase = Phase::Read(Box::new((response, EventDecoder::new())));
                    }
                    Err(err) => self.attempt_failed(err),
                },
                Phase::Read(mut reading) => {
                    let (response, decoder) = &mut *reading;
                    let idle = self.inner.settings.idle_timeout;
                    match tokio::time::timeout(idle, response.chunk()).await {
                        Err(_) => self.attempt_failed(ModelError::IdleTimeout(idle)),
                        Ok(Err(err)) => self.attempt_failed(ModelError::Connection(describe(
                            &err,
                            &self.inner.key,
                        ))),
                        Ok(Ok(None)) => self.attempt_failed(ModelError::Truncated),
                        Ok(Ok(Some(bytes))) => {
                            decoder.feed(&bytes, &mut self.decoded);
                            if !self.deliver_decoded() {
                                self.phase = Phase::Read(reading);
                            }
                        }
                    }
                }
            }
        }
    }

    /// Queues the decoded events; true when the response reached its end.
    fn deliver_decoded(&mut self) -> bool {
        let mut decoded = std::mem::take(&mut self.decoded);
        let ended = self.deliver(decoded.drain(..));
        decoded.clear();
        self.decoded = decoded;
        ended
    }

    fn deliver(
        &mut self,
        events: impl Iterator<Item = Result<ResponseEvent, StreamError>>,
    ) -> bool {
        let key = &self.inner.key;
        for result in events {
            let event = match result {
                Ok(event) => event,
                Err(err) => {
                    // serde messages can quote payload text, so they are redacted too.
                    let err = match err {
                        StreamError::Malformed { event, detail } => StreamError::Malformed {
                            event: key.redact(&event),
                            detail: key.redact(&detail),
                        },
                        other => other,
                    };
                    // What follows a garbled event cannot be trusted (a lost delta leaves a
                    // hole in the text), so the attempt ends here and the request is retried;
                    // the replay filter keeps what was already delivered from repeating.
                    self.attempt_failed(ModelError::Stream(err));
                    return true;
                }
            };
            let end = match event {
                ResponseEvent::Failed(info) => {
                    let error = info.error.clone().unwrap_or_default();
                    let message = match error.message.as_str() {
                        "" => "the API gave no reason".to_owned(),
                        message => key.redact(message),
                    };
                    Some(ModelError::ResponseFailed {
                        code: error.code.map(|code| key.redact(&code)),
                        message,
                    })
                }
                ResponseEvent::Error(error) => Some(ModelError::Api(ApiError {
                    code: error.code.map(|code| key.redact(&code)),
                    message: key.redact(&error.message),
                    param: error.param.map(|param| key.redact(&param)),
                })),
                event => {
                    let terminal = event.is_terminal();
                    if let Some(event) = self.filter.filter(event) {
                        self.queue.push_back(Ok(StreamUpdate::Event(event)));
                    }
                    if terminal {
                        return true;
                    }
                    None
                }
            };
            if let Some(err) = end {
                tracing::info!(error = %err, "model response ended with an error");
                self.queue.push_back(Err(err));
                return true;
            }
        }
        false
    }

    /// Decides between another attempt and the final error.
    fn attempt_failed(&mut self, err: ModelError) {
        let policy = self.inner.settings.retry;
        let max_attempts = policy.max_attempts.max(1);
        if !err.is_retryable() {
            tracing::info!(attempt = self.attempt, error = %err, "model request failed");
            self.queue.push_back(Err(err));
            return;
        }
        if self.attempt >= max_attempts {
            tracing::warn!(attempts = self.attempt, error = %err, "model request gave up");
            // The server's own word on when to come back is the most useful thing to show.
            let server_retry = err.retry_after().map(ServerRetry::from_now);
            let err = if self.attempt == 1 && server_retry.is_none() {
                err
            } else {
                ModelError::GaveUp {
                    attempts: self.attempt,
                    last: Box::new(err),
                    server_retry,
                }
            };
            self.queue.push_back(Err(err));
            return;
        }
        self.attempt += 1;
        let jitter = rand::random_range(0.8..=1.2);
        let delay = policy.delay(self.attempt, err.retry_after(), jitter);
        tracing::info!(attempt = self.attempt, ?delay, error = %err, "retrying model request");
        self.queue.push_back(Ok(StreamUpdate::Retrying {
            attempt: self.attempt,
            max_attempts,
            delay,
            reason: err.to_string(),
        }));
        self.phase = Phase::Wait(delay);
    }

    async fn connect(&self) -> Result<reqwest::Response, ModelError> {
        let inner = &self.inner;
        let idle = inner.settings.idle_timeout;
        let request = inner
            .http
            .post(&inner.url)
            .bearer_auth(inner.key.expose())
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "text/event-stream")
            .body(self.body.clone());
        let response = match tokio::time::timeout(idle, request.send()).await {
            Err(_) => return Err(ModelError::IdleTimeout(idle)),
            Ok(Err(err)) => return Err(ModelError::Connection(describe(&err, &inner.key))),
            Ok(Ok(response)) => response,
        };
        let status = response.status().as_u16();
        if response.status().is_success() {
            let content_type = header_text(response.headers(), CONTENT_TYPE.as_str());
            return match content_type {
                Some(kind) if !kind.to_ascii_lowercase().starts_with("text/event-stream") => {
                    let body = read_limited(response, idle).await;
                    Err(ModelError::NotAnEventStream {
                        content_type: kind,
                        snippet: inner.key.redact(&snippet(&body)),
                    })
                }
                _ => Ok(response),
            };
        }
        let retry_after = retry_after(response.headers());
        let reason = response.status().canonical_reason().unwrap_or("error");
        let body = read_limited(response, idle).await;
        let (code, message) = match parse_error_body(&body) {
            Some(error) => (error.code, error.message),
            None if body.is_empty() => (None, reason.to_owned()),
            None => (None, snippet(&body)),
        };
        Err(ModelError::Http {
            status,
            code: code.map(|code| inner.key.redact(&code)),
            message: inner.key.redact(&message),
            retry_after,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_clients_build_with_the_tls_backend() {
        let mut settings = ModelSettings::local(super::super::settings::DEFAULT_BASE_URL, "k");
        settings.retry.max_attempts = 1;
        let client = ResponsesClient::new(settings).unwrap();
        assert_eq!(
            client.settings().responses_url(),
            "https://api.openai.com/v1/responses"
        );
    }

    #[test]
    fn missing_key_is_reported_with_its_variable() {
        let mut settings = ModelSettings::local("http://127.0.0.1:9/v1", "k");
        settings.api_key = None;
        settings.key_var = "MY_KEY".into();
        let err = ResponsesClient::new(settings).unwrap_err();
        assert!(err.to_string().contains("MY_KEY"), "{err}");
    }
}
