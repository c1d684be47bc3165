//! The shell's and the UI's log: `~/.kubilitics/ui.log` (the runbook's troubleshooting reads it),
//! one JSON object per line. The sidecar writes its own `kubilitics.log`. Never log the API token,
//! keyring contents or the sidecar's one-time login link.

use std::path::Path;

use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

pub const LOG_FILE: &str = "ui.log";

/// Starts logging to `home/ui.log`. Writes are synchronous (a few lines a minute): Tauri ends the
/// process right after the exit handlers, and a background writer would lose the last lines.
pub fn init(home: &Path) -> bool {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(home.join(LOG_FILE));
    let Ok(file) = file else { return false };
    let filter = EnvFilter::try_from_env("KUBILITICS_UI_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let result = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_writer(Mutex::new(file))
        .with_target(true)
        .try_init();
    result.is_ok()
}

/// A line from the UI (`ui_log` command): its level and message, capped in size.
pub fn from_ui(level: &str, message: &str) {
    let message: String = message.chars().take(4000).collect();
    match level {
        "error" => tracing::error!(target: "ui", "{message}"),
        "warn" => tracing::warn!(target: "ui", "{message}"),
        "debug" => tracing::debug!(target: "ui", "{message}"),
        _ => tracing::info!(target: "ui", "{message}"),
    }
}
