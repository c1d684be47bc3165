//! Webview settings that keep an idle window light.
//!
//! WebKitGTK composites the page through an accelerated (GL) layer tree by default; without a
//! GPU, as under Xvfb or in a VM, that runs in software and the web process holds the layers'
//! backing stores on top of the page. The UI is tables, forms and an SVG topology, with no
//! 3D transforms, video or WebGL, so non-composited rendering shows the same thing: with it the idle web process went
//! from 227 to 133 MB (PSS) in `scripts/desktop.sh bench`. WebDriver's screenshot command needs
//! the compositor, so the desktop test captures the X screen instead.
//!
//! Some of WebKitGTK's settings exist only as environment variables that its processes read when
//! they start: [`ENV_DEFAULTS`] lists the ones the shell sets for itself (from `main`, before any
//! thread exists) and so for the web processes it starts, unless the user has set them.

use tauri::{AppHandle, Manager};

/// Environment variables the shell gives WebKit when the user has not set them, with why.
///
/// - `WEBKIT_DISABLE_DMABUF_RENDERER=1`: WebKitGTK 2.42+ draws through DMA-BUF buffers shared
///   with the UI process, which sets up a GL display in the shell and buffers in the web process
///   even with compositing off. The non-composited path needs neither: 9-13 MB less PSS in
///   `scripts/desktop.sh bench` (src-tauri/BENCHMARKS.md), same pixels.
#[cfg(target_os = "linux")]
pub const ENV_DEFAULTS: &[(&str, &str)] = &[("WEBKIT_DISABLE_DMABUF_RENDERER", "1")];
#[cfg(not(target_os = "linux"))]
pub const ENV_DEFAULTS: &[(&str, &str)] = &[];

/// The entries of [`ENV_DEFAULTS`] to set, given whether each variable is set already: a value the
/// user chose, even an empty one, always wins.
pub fn env_defaults_to_set(is_set: impl Fn(&str) -> bool) -> Vec<(&'static str, &'static str)> {
    ENV_DEFAULTS.iter().copied().filter(|(name, _)| !is_set(name)).collect()
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_only_to_variables_the_user_left_unset() {
        assert_eq!(env_defaults_to_set(|_| false), ENV_DEFAULTS.to_vec());
        assert!(env_defaults_to_set(|_| true).is_empty());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_user_choice_of_the_dmabuf_renderer_is_kept() {
        let set = env_defaults_to_set(|name| name == "WEBKIT_DISABLE_DMABUF_RENDERER");
        assert!(
            set.iter().all(|(name, _)| *name != "WEBKIT_DISABLE_DMABUF_RENDERER"),
            "{set:?}"
        );
    }
}
