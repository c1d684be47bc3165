//! Webview settings that keep an idle window light.
//!
//! WebKitGTK composites the page through an accelerated (GL) layer tree by default; without a
//! GPU, as under Xvfb or in a VM, that runs in software and the web process holds the layers'
//! backing stores on top of the page. The UI is tables, forms and an SVG topology, with no
//! 3D transforms, video or WebGL, so non-composited rendering shows the same thing: with it the idle web process went
//! from 227 to 133 MB (PSS) in `scripts/desktop.sh bench`. WebDriver's screenshot command needs
//! the compositor, so the desktop test captures the X screen instead.

use tauri::{AppHandle, Manager};

/// Applies the lean settings to the main window's webview.
pub fn use_less_memory(app: &AppHandle) {
    let Some(window) = app.get_webview_window("main") else {
        return;
    };
    if let Err(e) = window.with_webview(platform::lean) {
        tracing::warn!(error = %e, "could not apply the webview's memory settings");
    }
}

#[cfg(target_os = "linux")]
mod platform {
    use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};

    pub fn lean(webview: tauri::webview::PlatformWebview) {
        if let Some(settings) = webview.inner().settings() {
            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod platform {
    pub fn lean(_: tauri::webview::PlatformWebview) {}
}
