//! Logs go to a file under the log directory, never to the terminal (the workstation owns it).
//! `SWITCHBOARD_LOG` sets the filter (default `info`). The directory is `0700` and the file
//! `0600` (see `paths::private`).

use std::path::Path;

use tracing_subscriber::EnvFilter;

use crate::paths::private::{self, PermissionError, Tightened};

/// Why logging could not start.
#[derive(Debug, thiserror::Error)]
pub enum LoggingError {
    #[error(transparent)]
    File(#[from] PermissionError),
    #[error("cannot start logging: {0}")]
    Subscriber(String),
}

/// Starts file logging; logging is best effort, so failures are returned for a warning only.
/// Returns the log directory or file if an older install had left it readable by others.
pub fn init(log_dir: &Path) -> Result<Vec<Tightened>, LoggingError> {
    let mut tightened: Vec<Tightened> = private::private_dir(log_dir)?.into_iter().collect();
    let (file, file_tightened) = private::private_append(&log_dir.join("switchboard.log"))?;
    tightened.extend(file_tightened);
    let filter =
        EnvFilter::try_from_env("SWITCHBOARD_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .try_init()
        .map_err(|e| LoggingError::Subscriber(e.to_string()))?;
    Ok(tightened)
}
