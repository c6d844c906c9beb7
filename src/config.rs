//! `config.toml`: optional, every key has a default. Unknown keys are an error, so a typo never
//! silently does nothing.

use std::path::Path;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub store: StoreConfig,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// Events between checkpoints (see `StoreOptions::checkpoint_every`).
    pub checkpoint_every: u64,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            checkpoint_every: crate::store::StoreOptions::default().checkpoint_every,
        }
    }
}

impl Config {
    /// Reads the file if it exists; a missing file means defaults.
    pub fn load(path: &Path) -> Result<Self, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text).map_err(|e| format!("config {}: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(format!("cannot read config {}: {e}", path.display())),
        }
    }

    /// Parses config text; errors are one line with the line number.
    pub fn parse(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
            let message = e.message().lines().next().unwrap_or("invalid").to_owned();
            match line {
                Some(line) => format!("line {line}: {message}"),
                None => message,
            }
        })
    }

    pub fn store_options(&self) -> crate::store::StoreOptions {
        crate::store::StoreOptions {
            checkpoint_every: self.store.checkpoint_every.max(1),
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_config_is_defaults() {
        assert_eq!(Config::parse("").unwrap(), Config::default());
    }

    #[test]
    fn errors_name_the_line() {
        let err = Config::parse("[store]\ncheckpoint_every = 10\nbogus = 1\n").unwrap_err();
        assert!(err.starts_with("line 3:"), "{err}");
        assert!(err.contains("bogus"), "{err}");
        assert!(!err.contains('\n'));
    }
}
