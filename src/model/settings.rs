//! Where the model lives and how hard to try: endpoint, model name, API key, idle timeout and
//! retry policy, resolved from the environment, `config.toml` and the command line by one pure
//! function ([`resolve`]) so the precedence rules are tested without touching the process env.

use std::fmt;
use std::time::Duration;

use crate::config::ModelConfig;

/// The public OpenAI endpoint, used when neither the environment nor the config names one.
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
/// The model used when neither the command line nor the config chooses one.
pub const DEFAULT_MODEL: &str = "gpt-5";
/// The environment variable holding the key, unless the config's `env_key` names another.
pub const DEFAULT_KEY_VAR: &str = "OPENAI_API_KEY";
/// The variable the official Codex SDK passes its key in; `switchboard exec` takes it before
/// the usual key variable, and commands never see it.
pub const CODEX_KEY_VAR: &str = "CODEX_API_KEY";
/// The environment variable that overrides the endpoint.
pub const BASE_URL_VAR: &str = "OPENAI_BASE_URL";

/// Why this value: reasoning models can think for minutes before the first byte of visible
/// output, and the API does not promise keep-alives meanwhile; five minutes (what Codex uses)
/// tells a dead connection from a slow model without cutting real work short.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(300);
/// Why this value: a handful of tries rides out a rate-limit window or a deploy blip (about
/// eight seconds of backoff in total) without keeping the user waiting on a real outage.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;
/// Why this value: short enough that a one-off 500 costs a user a blink, long enough that
/// doubling reaches a rate-limit window within the default attempts.
pub const DEFAULT_RETRY_BASE: Duration = Duration::from_millis(500);
/// Why this value: beyond half a minute a user would rather see the error and decide.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// Why this value: a server's `retry-after` is honoured as asked up to two minutes; past that
/// the wait is capped so one odd header cannot park a slot for an hour.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

/// An API key. `Debug` and `Display` print `[redacted]`; the only way to the text is
/// [`ApiKey::expose`], which the client calls when it sets the `Authorization` header. It has no
/// `Serialize`, so it cannot end up in the store or an export by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    /// The key itself. Call only to build the request header, never to format or log.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Replaces every occurrence of the key in `text` (error bodies, transport messages) with
    /// `[redacted]`, so a server or proxy that echoes it cannot leak it through an error.
    pub fn redact(&self, text: &str) -> String {
        if self.0.is_empty() {
            text.to_owned()
        } else {
            text.replace(&self.0, "[redacted]")
        }
    }

    /// A redactor for byte streams (a tool's output) that may contain the key, split anywhere.
    pub fn stream_redactor(&self) -> StreamRedactor {
        StreamRedactor {
            secret: self.0.as_bytes().to_vec(),
            carry: Vec::new(),
        }
    }
}

/// Replaces a secret in a byte stream, also when it is split across chunks: the last
/// `secret.len() - 1` bytes are held back until the next chunk shows whether they start it.
pub struct StreamRedactor {
    secret: Vec<u8>,
    carry: Vec<u8>,
}

impl fmt::Debug for StreamRedactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StreamRedactor([redacted])")
    }
}

/// What a redacted secret is replaced with.
const REDACTED: &[u8] = b"[redacted]";

impl StreamRedactor {
    /// A redactor that passes everything through (no key).
    pub fn none() -> Self {
        Self {
            secret: Vec::new(),
            carry: Vec::new(),
        }
    }

    /// The bytes that can be released after `chunk`.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<u8> {
        if self.secret.is_empty() {
            return chunk.to_vec();
        }
        self.carry.extend_from_slice(chunk);
        let replaced = self.replace_all();
        let hold = (self.secret.len() - 1).min(replaced.len());
        // Hold back only a suffix that could begin the secret.
        let keep_from = (replaced.len() - hold..replaced.len())
            .find(|&start| self.secret.starts_with(&replaced[start..]))
            .unwrap_or(replaced.len());
        self.carry = replaced[keep_from..].to_vec();
        replaced[..keep_from].to_vec()
    }

    /// Whatever is still held back (the stream ended).
    pub fn finish(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.carry)
    }

    fn replace_all(&mut self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.carry.len());
        let mut rest = self.carry.as_slice();
        while let Some(at) = memchr::memmem::find(rest, &self.secret) {
            out.extend_from_slice(&rest[..at]);
            out.extend_from_slice(REDACTED);
            rest = &rest[at + self.secret.len()..];
        }
        out.extend_from_slice(rest);
        out
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey([redacted])")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// How often and how patiently a request is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included (at least 1).
    pub max_attempts: u32,
    /// Delay before the first retry; doubled for each later one.
    pub base_delay: Duration,
    /// Cap on the computed (not server-requested) delay.
    pub max_delay: Duration,
    /// Cap on a server's `retry-after`.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            base_delay: DEFAULT_RETRY_BASE,
            max_delay: MAX_BACKOFF,
            max_retry_after: MAX_RETRY_AFTER,
        }
    }
}

impl RetryPolicy {
    /// The wait before attempt `next` (2 = first retry). A server's `retry_after` wins (capped);
    /// otherwise `base * 2^(next-2)`, capped, times `jitter` (callers pass a factor in
    /// `0.8..=1.2` so many slots retrying together spread out).
    pub fn delay(&self, next: u32, retry_after: Option<Duration>, jitter: f64) -> Duration {
        if let Some(requested) = retry_after {
            return requested.min(self.max_retry_after);
        }
        let doublings = next.saturating_sub(2).min(20);
        let backoff = self
            .base_delay
            .saturating_mul(1u32 << doublings)
            .min(self.max_delay);
        backoff.mul_f64(jitter.clamp(0.0, 2.0))
    }
}

/// Everything the client needs, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelSettings {
    /// Endpoint root without a trailing slash; requests go to `{base_url}/responses`.
    pub base_url: String,
    pub model: String,
    /// `None` when the key variable is unset or empty.
    pub api_key: Option<ApiKey>,
    /// The environment variable the key came from (or should come from), for messages.
    pub key_var: String,
    pub idle_timeout: Duration,
    pub retry: RetryPolicy,
}

impl ModelSettings {
    /// Settings for a local endpoint such as the scripted provider: a fixed key and model,
    /// default timeouts.
    pub fn local(base_url: impl Into<String>, key: &str) -> Self {
        Self {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            model: "scripted".to_owned(),
            api_key: Some(ApiKey::new(key)),
            key_var: DEFAULT_KEY_VAR.to_owned(),
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            retry: RetryPolicy::default(),
        }
    }

    /// `{base_url}/responses`.
    pub fn responses_url(&self) -> String {
        format!("{}/responses", self.base_url)
    }
}

/// Resolves settings. Precedence: key from the variable the config's `env_key` names, else
/// `OPENAI_API_KEY`; endpoint from `OPENAI_BASE_URL`, then the config's `base_url`, then
/// [`DEFAULT_BASE_URL`]; model from `model_override` (the command line), then the config, then
/// [`DEFAULT_MODEL`]. Empty values count as unset.
pub fn resolve(
    env: impl Fn(&str) -> Option<String>,
    config: &ModelConfig,
    model_override: Option<&str>,
) -> ModelSettings {
    let present = |value: Option<String>| value.filter(|v| !v.trim().is_empty());
    let key_var = present(config.env_key.clone()).unwrap_or_else(|| DEFAULT_KEY_VAR.to_owned());
    let api_key = present(env(&key_var)).map(|key| ApiKey::new(key.trim()));
    let base_url = present(env(BASE_URL_VAR))
        .or_else(|| present(config.base_url.clone()))
        .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
    let model = present(model_override.map(str::to_owned))
        .or_else(|| present(config.model.clone()))
        .unwrap_or_else(|| DEFAULT_MODEL.to_owned());
    ModelSettings {
        base_url: base_url.trim().trim_end_matches('/').to_owned(),
        model,
        api_key,
        key_var,
        idle_timeout: Duration::from_secs(config.idle_timeout_secs.max(1)),
        retry: RetryPolicy {
            max_attempts: config.max_attempts.max(1),
            base_delay: Duration::from_millis(config.retry_base_ms),
            ..RetryPolicy::default()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn defaults_when_nothing_is_set() {
        let settings = resolve(env(&[]), &ModelConfig::default(), None);
        assert_eq!(settings.base_url, DEFAULT_BASE_URL);
        assert_eq!(settings.model, DEFAULT_MODEL);
        assert_eq!(settings.api_key, None);
        assert_eq!(settings.key_var, "OPENAI_API_KEY");
        assert_eq!(settings.idle_timeout, DEFAULT_IDLE_TIMEOUT);
        assert_eq!(settings.retry, RetryPolicy::default());
    }

    #[test]
    fn precedence_env_then_config_then_default() {
        let config = ModelConfig {
            base_url: Some("http://config/v1/".into()),
            model: Some("config-model".into()),
            env_key: Some("MY_KEY".into()),
            ..ModelConfig::default()
        };
        let settings = resolve(
            env(&[
                ("OPENAI_BASE_URL", "http://env/v1"),
                ("MY_KEY", "sk-mine"),
                ("OPENAI_API_KEY", "sk-other"),
            ]),
            &config,
            Some("cli-model"),
        );
        assert_eq!(settings.base_url, "http://env/v1");
        assert_eq!(settings.model, "cli-model");
        assert_eq!(settings.api_key, Some(ApiKey::new("sk-mine")));
        assert_eq!(settings.responses_url(), "http://env/v1/responses");

        let settings = resolve(env(&[("OPENAI_BASE_URL", " ")]), &config, None);
        assert_eq!(settings.base_url, "http://config/v1");
        assert_eq!(settings.model, "config-model");
        assert_eq!(settings.api_key, None);
        assert_eq!(settings.key_var, "MY_KEY");
    }

    #[test]
    fn key_is_redacted_everywhere_it_could_be_printed() {
        let key = ApiKey::new("sk-very-secret");
        let settings = ModelSettings::local("http://127.0.0.1:1/v1", "sk-very-secret");
        for text in [
            format!("{key}"),
            format!("{key:?}"),
            format!("{settings:?}"),
            format!("{settings:#?}"),
        ] {
            assert!(!text.contains("sk-very-secret"), "{text}");
        }
        assert_eq!(key.redact("bad key sk-very-secret!"), "bad key [redacted]!");
    }

    fn redact_in_chunks(key: &str, text: &[u8], size: usize) -> Vec<u8> {
        let mut redactor = ApiKey::new(key).stream_redactor();
        let mut out = Vec::new();
        for chunk in text.chunks(size) {
            out.extend(redactor.feed(chunk));
        }
        out.extend(redactor.finish());
        out
    }

    #[test]
    fn keys_in_streams_are_redacted_across_any_chunking() {
        let text = b"KEY=sk-abc123\nagain sk-abc123sk-abc123 and sk-ab end sk-abc12";
        let expected =
            b"KEY=[redacted]\nagain [redacted][redacted] and sk-ab end sk-abc12".to_vec();
        for size in 1..text.len() {
            assert_eq!(
                redact_in_chunks("sk-abc123", text, size),
                expected,
                "{size}"
            );
        }
        assert_eq!(redact_in_chunks("", text, 3), text.to_vec());
        let mut none = StreamRedactor::none();
        assert_eq!(none.feed(b"abc"), b"abc");
        assert!(!format!("{:?}", ApiKey::new("sk-abc123").stream_redactor()).contains("abc"));
    }

    #[test]
    fn backoff_doubles_caps_and_honours_retry_after() {
        let policy = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
            ..RetryPolicy::default()
        };
        let delays: Vec<_> = (2..=5).map(|n| policy.delay(n, None, 1.0)).collect();
        assert_eq!(
            delays,
            [100, 200, 350, 350].map(Duration::from_millis).to_vec()
        );
        assert_eq!(policy.delay(2, None, 1.2), Duration::from_millis(120));
        assert_eq!(
            policy.delay(2, Some(Duration::from_secs(7)), 1.2),
            Duration::from_secs(7)
        );
        assert_eq!(
            policy.delay(2, Some(Duration::from_secs(7200)), 1.0),
            MAX_RETRY_AFTER
        );
    }
}
