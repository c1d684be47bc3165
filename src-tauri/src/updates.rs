//! Updates through tauri-plugin-updater: the manifest comes from the endpoint in
//! `tauri.conf.json` (`plugins.updater.endpoints`; `KUBILITICS_UPDATE_ENDPOINT` overrides it) and
//! every package must carry a minisign signature made with the key whose public half is
//! `plugins.updater.pubkey`. "Check for updates" downloads and verifies the package; it is
//! installed when the app quits (the next start runs it), unless `update_on_restart` is false in
//! `~/.kubilitics/desktop.json`.

use std::sync::Mutex;

use serde::Serialize;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_updater::{Update, UpdaterExt};

pub const ENDPOINT_ENV: &str = "KUBILITICS_UPDATE_ENDPOINT";

#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    #[error("{ENDPOINT_ENV} is not a URL: {0}")]
    BadEndpoint(String),
    #[error("checking for updates failed: {0}")]
    Updater(#[from] tauri_plugin_updater::Error),
}

/// What the About page shows.
#[derive(Debug, Clone, Serialize)]
pub struct UpdateInfo {
    pub available: bool,
    pub current_version: String,
    pub version: Option<String>,
    pub notes: Option<String>,
    /// The package is downloaded and its signature verified; it installs on quit.
    pub staged: bool,
}

/// A downloaded, verified package waiting for the app to quit.
#[derive(Default)]
pub struct Pending(pub Mutex<Option<(Update, Vec<u8>)>>);

pub fn plugin<R: Runtime>() -> tauri::plugin::TauriPlugin<R, tauri_plugin_updater::Config> {
    tauri_plugin_updater::Builder::new().build()
}

/// The endpoint override from `KUBILITICS_UPDATE_ENDPOINT`, if set.
pub fn endpoint_from_env() -> Result<Option<url::Url>, UpdateError> {
    match std::env::var(ENDPOINT_ENV) {
        Ok(e) if !e.is_empty() => url::Url::parse(&e).map(Some).map_err(|_| UpdateError::BadEndpoint(e)),
        _ => Ok(None),
    }
}

/// Asks the endpoint (the configured ones unless `endpoint` is given) whether a newer version exists.
pub async fn check<R: Runtime>(app: &AppHandle<R>, endpoint: Option<url::Url>) -> Result<Option<Update>, UpdateError> {
    let mut builder = app.updater_builder();
    if let Some(url) = endpoint {
        builder = builder.endpoints(vec![url])?;
    }
    Ok(builder.build()?.check().await?)
}

/// Downloads the package and verifies its signature against the configured public key.
pub async fn download_verified(update: &Update) -> Result<Vec<u8>, UpdateError> {
    Ok(update.download(|_, _| {}, || {}).await?)
}

/// Check, and when `stage` download and verify for installation on quit.
pub async fn check_and_stage<R: Runtime>(
    app: &AppHandle<R>,
    endpoint: Option<url::Url>,
    stage: bool,
) -> Result<UpdateInfo, UpdateError> {
    let current_version = app.package_info().version.to_string();
    let Some(update) = check(app, endpoint).await? else {
        tracing::info!("no update available");
        return Ok(UpdateInfo {
            available: false,
            current_version,
            version: None,
            notes: None,
            staged: false,
        });
    };
    tracing::info!(version = %update.version, "update available");
    let mut info = UpdateInfo {
        available: true,
        current_version,
        version: Some(update.version.clone()),
        notes: update.body.clone(),
        staged: false,
    };
    if stage {
        let bytes = download_verified(&update).await?;
        tracing::info!(version = %update.version, bytes = bytes.len(), "update downloaded and verified; installs on quit");
        if let Some(pending) = app.try_state::<Pending>()
            && let Ok(mut slot) = pending.0.lock()
        {
            *slot = Some((update, bytes));
            info.staged = true;
        }
    }
    Ok(info)
}

/// On quit: install the staged package, if any.
pub fn install_pending_on_exit<R: Runtime>(app: &AppHandle<R>) {
    let Some(pending) = app.try_state::<Pending>() else {
        return;
    };
    let staged = pending.0.lock().ok().and_then(|mut s| s.take());
    if let Some((update, bytes)) = staged {
        match update.install(bytes) {
            Ok(()) => tracing::info!(version = %update.version, "update installed; it runs on the next start"),
            Err(e) => tracing::error!(error = %e, "installing the update failed"),
        }
    }
}
