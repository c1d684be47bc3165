//! The Tauri commands the page may call. Each returns `Result<_, CommandError>`, which reaches
//! JavaScript as `{code, message}`.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_opener::OpenerExt;

use crate::home::DesktopSettings;
use crate::secrets;
use crate::sidecar::{Connection, Status, Supervisor, forget_llm_key, hand_llm_key, pinned_client};

#[derive(Debug, Serialize)]
pub struct CommandError {
    pub code: &'static str,
    pub message: String,
}

impl CommandError {
    fn new(code: &'static str, message: impl ToString) -> CommandError {
        CommandError {
            code,
            message: message.to_string(),
        }
    }
}

impl From<crate::sidecar::SidecarError> for CommandError {
    fn from(e: crate::sidecar::SidecarError) -> Self {
        let code = match e {
            crate::sidecar::SidecarError::Refused(_) => "refused",
            _ => "sidecar_unavailable",
        };
        CommandError::new(code, e)
    }
}

impl From<secrets::SecretError> for CommandError {
    fn from(e: secrets::SecretError) -> Self {
        let code = match e {
            secrets::SecretError::BadAccount(_) | secrets::SecretError::BadSecret => "invalid_argument",
            secrets::SecretError::Keyring(_) => "keyring_unavailable",
        };
        CommandError::new(code, e)
    }
}

impl From<crate::updates::UpdateError> for CommandError {
    fn from(e: crate::updates::UpdateError) -> Self {
        CommandError::new("update_failed", e)
    }
}

type Result<T> = std::result::Result<T, CommandError>;
type Sup<'a> = State<'a, Arc<Supervisor>>;

const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// Where the sidecar is, its bearer token and its certificate; waits until it is ready.
#[tauri::command]
pub async fn sidecar_connection(sup: Sup<'_>) -> Result<Connection> {
    Ok(sup.connection(READY_TIMEOUT).await?)
}

/// Same as `sidecar_connection` (the name in the desktop notes).
#[tauri::command]
pub async fn connection_details(sup: Sup<'_>) -> Result<Connection> {
    Ok(sup.connection(READY_TIMEOUT).await?)
}

/// Phase, URL, pid and restart count; also pushed as the `sidecar-status` event.
#[tauri::command]
pub fn sidecar_status(sup: Sup<'_>) -> Status {
    sup.status()
}

/// Restarts the sidecar and returns once the new one answers, so the page's next request finds
/// it. (Settings and keys saved in the UI apply without one.)
#[tauri::command]
pub async fn restart_sidecar(sup: Sup<'_>) -> Result<()> {
    restart_and_wait(sup.inner().clone()).await
}

/// Restarts the sidecar (stopping it blocks, so off the async runtime) and waits until the new
/// one is ready.
async fn restart_and_wait(sup: Arc<Supervisor>) -> Result<()> {
    let restarting = sup.clone();
    blocking(move || {
        restarting.restart();
        Ok(())
    })
    .await?;
    sup.connection(READY_TIMEOUT).await?;
    Ok(())
}

#[derive(Debug, Serialize)]
pub struct PickedFile {
    pub path: String,
    pub yaml: String,
}

/// The native "open file" dialog for a kubeconfig; `None` when cancelled.
#[tauri::command]
pub async fn pick_kubeconfig(app: AppHandle) -> Result<Option<PickedFile>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let mut dialog = app.dialog().file().set_title("Import a kubeconfig");
    if let Some(home) = std::env::var_os("HOME") {
        let kube = std::path::Path::new(&home).join(".kube");
        if kube.is_dir() {
            dialog = dialog.set_directory(kube);
        }
    }
    dialog.pick_file(move |f| {
        let _ = tx.send(f);
    });
    let Some(picked) = rx.await.ok().flatten() else {
        return Ok(None);
    };
    let path = picked
        .into_path()
        .map_err(|e| CommandError::new("invalid_argument", format!("not a local file: {e}")))?;
    let meta = std::fs::metadata(&path).map_err(|e| CommandError::new("io", format!("{}: {e}", path.display())))?;
    if meta.len() > 4 * 1024 * 1024 {
        return Err(CommandError::new(
            "invalid_argument",
            format!("{} is larger than 4 MiB; is it a kubeconfig?", path.display()),
        ));
    }
    let yaml =
        std::fs::read_to_string(&path).map_err(|e| CommandError::new("io", format!("{}: {e}", path.display())))?;
    tracing::info!(path = %path.display(), "kubeconfig picked for import");
    Ok(Some(PickedFile {
        path: path.display().to_string(),
        yaml,
    }))
}

#[tauri::command]
pub async fn keyring_get(account: String) -> Result<Option<String>> {
    blocking(move || Ok(secrets::get(&account)?)).await
}

#[tauri::command]
pub async fn keyring_set(account: String, secret: String) -> Result<()> {
    blocking(move || Ok(secrets::set(&account, &secret)?)).await
}

#[tauri::command]
pub async fn keyring_delete(account: String) -> Result<()> {
    blocking(move || Ok(secrets::delete(&account)?)).await
}

/// Saves an LLM API key in the keyring and hands it to the running sidecar, which uses it from
/// the next investigation and chat answer (no restart: its watch caches stay warm); returns once
/// it has. A sidecar started later gets it as it starts.
#[tauri::command]
pub async fn store_llm_api_key(provider: String, key: String, sup: Sup<'_>) -> Result<()> {
    let (saved_provider, saved_key) = (provider.clone(), key.clone());
    blocking(move || {
        secrets::set(&format!("llm:{saved_provider}"), &saved_key)?;
        remember_llm_provider(|last| *last = Some(saved_provider.clone()))?;
        tracing::info!(provider = %saved_provider, "LLM API key stored in the keyring");
        Ok(())
    })
    .await?;
    let (client, conn) = sidecar_client(&sup).await?;
    hand_llm_key(&client, &conn.url, &conn.token, &provider, &key).await?;
    tracing::info!(provider = %provider, "LLM API key handed to the sidecar");
    Ok(())
}

/// Removes the LLM API key saved for `provider` from the keyring, and from the running sidecar,
/// which uses none for that provider from the next investigation and chat answer. Removing a key
/// that is not there is not an error.
#[tauri::command]
pub async fn delete_llm_api_key(provider: String, sup: Sup<'_>) -> Result<()> {
    let removed = provider.clone();
    blocking(move || {
        secrets::delete(&format!("llm:{removed}"))?;
        remember_llm_provider(|last| {
            if last.as_deref() == Some(removed.as_str()) {
                *last = None;
            }
        })?;
        tracing::info!(provider = %removed, "LLM API key removed from the keyring");
        Ok(())
    })
    .await?;
    let (client, conn) = sidecar_client(&sup).await?;
    forget_llm_key(&client, &conn.url, &conn.token, &provider).await?;
    Ok(())
}

/// Updates which provider's key each new sidecar is handed as it starts (`desktop.json`).
fn remember_llm_provider(update: impl FnOnce(&mut Option<String>)) -> Result<()> {
    let home = crate::home::resolve();
    let mut settings = DesktopSettings::load(&home);
    update(&mut settings.llm_provider);
    settings
        .save(&home)
        .map_err(|e| CommandError::new("io", format!("cannot save desktop.json: {e}")))
}

/// A client pinned to the ready sidecar's certificate, with where it is and its token.
async fn sidecar_client(sup: &Sup<'_>) -> Result<(reqwest::Client, Connection)> {
    let conn = sup.connection(READY_TIMEOUT).await?;
    let client = pinned_client(&conn.cert_pem).map_err(|e| CommandError::new("sidecar_unavailable", e))?;
    Ok((client, conn))
}

/// Opens http(s) and mailto links in the user's browser or mail app; nothing else.
#[tauri::command]
pub fn open_external(app: AppHandle, url: String) -> Result<()> {
    let parsed = url::Url::parse(&url).map_err(|_| CommandError::new("invalid_argument", "not a URL"))?;
    if !matches!(parsed.scheme(), "http" | "https" | "mailto") {
        return Err(CommandError::new(
            "invalid_argument",
            "only http, https and mailto links open externally",
        ));
    }
    app.opener()
        .open_url(parsed.as_str(), None::<&str>)
        .map_err(|e| CommandError::new("open_failed", e))
}

#[derive(Debug, Serialize)]
pub struct Version {
    pub version: String,
    pub tauri: &'static str,
    pub platform: &'static str,
    pub arch: &'static str,
}

#[tauri::command]
pub fn app_version(app: AppHandle) -> Version {
    Version {
        version: app.package_info().version.to_string(),
        tauri: tauri::VERSION,
        platform: std::env::consts::OS,
        arch: std::env::consts::ARCH,
    }
}

/// Settings > About > Check for updates. A found update is downloaded, verified and installed on quit.
#[tauri::command]
pub async fn check_for_updates(app: AppHandle) -> Result<crate::updates::UpdateInfo> {
    let stage = DesktopSettings::load(&crate::home::resolve()).update_on_restart;
    let endpoint = crate::updates::endpoint_from_env()?;
    Ok(crate::updates::check_and_stage(&app, endpoint, stage).await?)
}

/// A log line from the page into ui.log.
#[tauri::command]
pub fn ui_log(level: String, message: String) {
    crate::logging::from_ui(&level, &message);
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| CommandError::new("internal", e))?
}
