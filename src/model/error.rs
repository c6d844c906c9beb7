//! What can go wrong talking to the model, as values a view can show and a test can match.
//!
//! Every text that came from outside (an API message, a transport error) passed through
//! [`super::ApiKey::redact`] before it was stored here, and no variant holds the key, so
//! `Display` and `Debug` of any `ModelError` are safe to log, store and show.

use std::fmt;
use std::time::{Duration, SystemTime};

use super::stream::{ApiError, StreamError};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// No key in the environment.
    #[error("no API key: set {var} (or run with --demo for the scripted provider)")]
    MissingKey { var: String },
    /// The HTTP client could not be built or the URL is unusable.
    #[error("cannot use the model endpoint: {0}")]
    Setup(String),
    /// The server answered with an error status.
    #[error("{}", HttpText { status: *.status, code: code.as_deref(), message })]
    Http {
        status: u16,
        code: Option<String>,
        message: String,
        /// What the server asked us to wait before retrying, if it said.
        retry_after: Option<Duration>,
    },
    /// Connecting, sending or reading the body failed at the transport level.
    #[error("connection to the model failed: {0}")]
    Connection(String),
    /// No byte arrived for longer than the idle timeout.
    #[error("the model stream was idle for {}s", .0.as_secs())]
    IdleTimeout(Duration),
    /// The body ended before `response.completed`, `.incomplete` or `.failed`.
    #[error("the model stream ended before the response finished")]
    Truncated,
    /// A 2xx answer that is not an event stream (a proxy's HTML page, a JSON body).
    #[error("expected an event stream, got {content_type}: {snippet}")]
    NotAnEventStream {
        content_type: String,
        snippet: String,
    },
    /// A known event could not be decoded (malformed or cut JSON, a frame over the size
    /// limit): the attempt's stream cannot be trusted past it, so it is retried.
    #[error(transparent)]
    Stream(#[from] StreamError),
    /// `response.failed`.
    #[error("the response failed{}: {message}", code_suffix(code.as_deref()))]
    ResponseFailed {
        code: Option<String>,
        message: String,
    },
    /// An `error` event in the stream.
    #[error("the model stream reported an error{}: {}", code_suffix(.0.code.as_deref()), .0.message)]
    Api(ApiError),
    /// A retryable failure kept happening until the attempts ran out.
    #[error(
        "gave up after {attempts} attempt{}: {last}{}",
        if *.attempts == 1 { "" } else { "s" },
        ServerRetryText(.server_retry.as_ref())
    )]
    GaveUp {
        attempts: u32,
        last: Box<ModelError>,
        /// When the last failure carried `retry-after`: when the server asked to be retried.
        server_retry: Option<ServerRetry>,
    },
}

impl ModelError {
    /// Whether another attempt of the same request may succeed: connection trouble, idle,
    /// cut or garbled streams, and HTTP 408, 409, 429 and 5xx. Everything else is final.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Connection(_) | Self::IdleTimeout(_) | Self::Truncated | Self::Stream(_) => true,
            Self::Http { status, .. } => retryable_status(*status),
            _ => false,
        }
    }

    /// The server's requested wait, for retryable HTTP errors.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Http { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The API's error code, when the failure carried one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Http { code, .. } | Self::ResponseFailed { code, .. } => code.as_deref(),
            Self::Api(error) => error.code.as_deref(),
            Self::GaveUp { last, .. } => last.code(),
            _ => None,
        }
    }
}

/// What a server asked for with `retry-after` on the last failed attempt: the wait, and the
/// moment it points at (the wait added to the time the answer arrived).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerRetry {
    pub after: Duration,
    pub at: SystemTime,
}

impl ServerRetry {
    /// The server asked for `after`, counted from now.
    pub fn from_now(after: Duration) -> Self {
        Self {
            after,
            at: SystemTime::now()
                .checked_add(after)
                .unwrap_or_else(SystemTime::now),
        }
    }
}

/// `; the server asked to be retried in 20s (at 2025-01-01T12:00:20Z)`, or nothing.
struct ServerRetryText<'a>(Option<&'a ServerRetry>);

impl fmt::Display for ServerRetryText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(retry) = self.0 else {
            return Ok(());
        };
        // Whole milliseconds: `retry-after: 0.25` reads as 250ms, not as nanoseconds.
        let after = Duration::from_millis(retry.after.as_millis().try_into().unwrap_or(u64::MAX));
        write!(
            f,
            "; the server asked to be retried in {} (at {})",
            humantime::format_duration(after),
            humantime::format_rfc3339_seconds(retry.at)
        )
    }
}

/// 408 (timeout), 409 (conflict, e.g. a concurrent update), 429 (rate limit) and 5xx.
pub fn retryable_status(status: u16) -> bool {
    matches!(status, 408 | 409 | 429) || (500..600).contains(&status)
}

fn code_suffix(code: Option<&str>) -> String {
    code.map(|c| format!(" ({c})")).unwrap_or_default()
}

struct HttpText<'a> {
    status: u16,
    code: Option<&'a str>,
    message: &'a str,
}

impl fmt::Display for HttpText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hint = match self.status {
            401 => " — check the API key",
            403 => " — the key may lack access to this model",
            404 => " — check the endpoint and model name",
            _ => "",
        };
        write!(f, "HTTP {}{}", self.status, code_suffix(self.code))?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        f.write_str(hint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_errors_read_well() {
        let err = ModelError::Http {
            status: 401,
            code: Some("invalid_api_key".into()),
            message: "Incorrect API key provided".into(),
            retry_after: None,
        };
        assert_eq!(
            err.to_string(),
            "HTTP 401 (invalid_api_key): Incorrect API key provided — check the API key"
        );
        assert!(!err.is_retryable());
        for status in [408, 409, 429, 500, 503] {
            assert!(retryable_status(status), "{status}");
        }
        for status in [400, 401, 403, 404, 422] {
            assert!(!retryable_status(status), "{status}");
        }
    }

    #[test]
    fn giving_up_says_when_the_server_asked_to_be_retried() {
        let last = ModelError::Http {
            status: 429,
            code: Some("rate_limit_exceeded".into()),
            message: "Slow down".into(),
            retry_after: Some(Duration::from_secs(90)),
        };
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_090);
        let err = ModelError::GaveUp {
            attempts: 5,
            last: Box::new(last.clone()),
            server_retry: Some(ServerRetry {
                after: Duration::from_secs(90),
                at,
            }),
        };
        assert_eq!(
            err.to_string(),
            "gave up after 5 attempts: HTTP 429 (rate_limit_exceeded): Slow down; the server \
             asked to be retried in 1m 30s (at 2023-11-14T22:14:50Z)"
        );
        let err = ModelError::GaveUp {
            attempts: 1,
            last: Box::new(ModelError::Truncated),
            server_retry: None,
        };
        assert_eq!(
            err.to_string(),
            "gave up after 1 attempt: the model stream ended before the response finished"
        );
        assert!(
            ModelError::Stream(StreamError::Malformed {
                event: "response.output_text.delta".into(),
                detail: "EOF while parsing".into()
            })
            .is_retryable()
        );
    }
}
