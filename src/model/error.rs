//! What can go wrong talking to the model, as values a view can show and a test can match.
//!
//! Every text that came from outside (an API message, a transport error) passed through
//! [`super::ApiKey::redact`] before it was stored here, and no variant holds the key, so
//! `Display` and `Debug` of any `ModelError` are safe to log, store and show.

use std::fmt;
use std::time::Duration;

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
    /// A known event could not be decoded.
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
    #[error("gave up after {attempts} attempts: {last}")]
    GaveUp {
        attempts: u32,
        last: Box<ModelError>,
    },
}

impl ModelError {
    /// Whether another attempt of the same request may succeed: connection trouble, idle or
    /// cut streams, and HTTP 408, 409, 429 and 5xx. Everything else is final.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Connection(_) | Self::IdleTimeout(_) | Self::Truncated => true,
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
}
