//! Logs go to a file under the log directory, never to the terminal (the workstation owns it).
//! `SWITCHBOARD_LOG` sets the filter (default `info`).

use std::path::Path;

use tracing_subscriber::EnvFilter;

/// Starts file logging; logging is best effort, so failures are returned for a warning only.
pub fn init(log_dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(log_dir)
        .map_err(|e| format!("cannot create log directory {}: {e}", log_dir.display()))?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_dir.join("switchboard.log"))
        .map_err(|e| format!("cannot open log file in {}: {e}", log_dir.display()))?;
    let filter =
        EnvFilter::try_from_env("SWITCHBOARD_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .try_init()
        .map_err(|e| e.to_string())
}
