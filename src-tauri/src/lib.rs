//! The Kubilitics desktop shell: a thin Tauri v2 host around the `kubilitics` sidecar.
//!
//! Everything Kubernetes, AI and storage lives in the sidecar (`sidecar/`), which does not know it
//! runs inside a desktop app. This crate only does what needs the desktop: it starts and supervises
//! the sidecar ([`sidecar`]), shows the UI in a webview that trusts exactly the sidecar's
//! certificate ([`pin`]), and offers the page the OS services a browser cannot reach: the keyring
//! ([`secrets`]), native dialogs, external links and updates ([`updates`]), as Tauri commands
//! ([`commands`]). Its own log and the UI's go to `~/.kubilitics/ui.log` ([`logging`]).

pub mod commands;
pub mod home;
pub mod logging;
pub mod pin;
pub mod secrets;
pub mod shell_env;
pub mod sidecar;
pub mod updates;
pub mod webview;

use std::sync::Arc;

use tauri::{Manager, RunEvent};

use crate::sidecar::Supervisor;

/// Builds and runs the app until the user quits; the sidecar is stopped before returning.
pub fn run() {
    // One crypto provider for every TLS client in the process (reqwest, the updater).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let home = home::resolve();
    if let Err(e) = home::ensure(&home) {
        eprintln!("kubilitics: cannot create {}: {e}", home.display());
    }
    if !logging::init(&home) {
        eprintln!("kubilitics: cannot write {}", home.join(logging::LOG_FILE).display());
    }
    tracing::info!(version = env!("CARGO_PKG_VERSION"), home = %home.display(), "desktop shell starting");
    secrets::init();

    let supervisor = Arc::new(Supervisor::new(home.clone()));
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_shell::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(updates::plugin())
        .manage(supervisor.clone())
        .manage(updates::Pending::default())
        .invoke_handler(tauri::generate_handler![
            commands::sidecar_connection,
            commands::connection_details,
            commands::sidecar_status,
            commands::restart_sidecar,
            commands::pick_kubeconfig,
            commands::keyring_get,
            commands::keyring_set,
            commands::keyring_delete,
            commands::store_llm_api_key,
            commands::delete_llm_api_key,
            commands::open_external,
            commands::app_version,
            commands::check_for_updates,
            commands::ui_log,
        ])
        .setup(move |app| {
            let handle = app.handle().clone();
            webview::use_less_memory(&handle);
            supervisor.start(handle.clone());
            quit_on_signals(handle);
            Ok(())
        })
        .build(tauri::generate_context!())
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "the desktop shell could not start");
            eprintln!("kubilitics: the desktop shell could not start: {e}");
            std::process::exit(1);
        });

    app.run(|handle, event| {
        if let RunEvent::Exit = event {
            // Runs on quit, on closing the last window and on SIGTERM/SIGINT (see below).
            handle.state::<Arc<Supervisor>>().stop();
            updates::install_pending_on_exit(handle);
            tracing::info!("desktop shell stopped");
        }
    });
}

/// SIGTERM/SIGINT (logout, `kill`, Ctrl+C in a terminal) exit through Tauri's normal path, so the
/// sidecar is stopped instead of being left behind.
fn quit_on_signals(handle: tauri::AppHandle) {
    #[cfg(unix)]
    tauri::async_runtime::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) else {
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        tracing::info!("signal received: quitting");
        handle.exit(0);
    });
    #[cfg(not(unix))]
    let _ = handle;
}
