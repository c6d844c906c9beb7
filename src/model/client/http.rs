//! HTTP details of the client: error bodies, `retry-after`, transport error text.

use std::time::Duration;

use reqwest::header::HeaderMap;

use crate::model::settings::ApiKey;

/// Why this value: error bodies are small JSON; reading more would only hold a broken proxy's
/// page in memory.
const MAX_ERROR_BODY: usize = 64 * 1024;
/// Why this value: enough of an unexpected body to recognise it in an error message.
const SNIPPET_CHARS: usize = 200;

/// Reads at most [`MAX_ERROR_BODY`] bytes of a body, giving up quietly on errors or idleness:
/// the body only decorates an error that is already known.
pub(super) async fn read_limited(mut response: reqwest::Response, idle: Duration) -> Vec<u8> {
    let mut body = Vec::new();
    while body.len() < MAX_ERROR_BODY {
        match tokio::time::timeout(idle, response.chunk()).await {
            Ok(Ok(Some(chunk))) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    body.truncate(MAX_ERROR_BODY);
    body
}

pub(super) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = flat.chars().take(SNIPPET_CHARS).collect();
    if flat.chars().count() > SNIPPET_CHARS {
        out.push('…');
    }
    out
}

pub(super) fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_owned())
}

/// The server's requested wait: `retry-after-ms` (OpenAI sends it) or `retry-after` in
/// seconds (integer or decimal). The HTTP-date form is not used by the API and is ignored.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let parse = |name: &str, scale: f64| {
        header_text(headers, name)?
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0)
            .map(|v| Duration::from_secs_f64((v * scale).min(86_400.0)))
    };
    parse("retry-after-ms", 0.001).or_else(|| parse("retry-after", 1.0))
}

/// A transport error as one line: the error and its causes, without the URL, key redacted.
pub(super) fn describe(err: &reqwest::Error, key: &ApiKey) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    let url = err.url().map(|u| u.as_str().to_owned());
    let mut line = parts.join(": ");
    if let Some(url) = url {
        line = line.replace(&url, "the endpoint");
    }
    key.redact(&line)
}

pub(super) fn is_loopback(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_prefers_milliseconds_and_accepts_decimals() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert("retry-after", HeaderValue::from_static("2"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(2)));
        headers.insert("retry-after", HeaderValue::from_static("0.5"));
        assert_eq!(retry_after(&headers), Some(Duration::from_millis(500)));
        headers.insert("retry-after-ms", HeaderValue::from_static("250"));
        assert_eq!(retry_after(&headers), Some(Duration::from_millis(250)));
        headers.remove("retry-after-ms");
        headers.insert(
            "retry-after",
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn snippets_are_short_and_single_line() {
        let long = "x ".repeat(500);
        let text = snippet(long.as_bytes());
        assert!(text.chars().count() <= SNIPPET_CHARS + 1);
        assert!(!snippet(b"<html>\n<body>bad</body>\n</html>").contains('\n'));
    }
}
