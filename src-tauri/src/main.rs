// No console window on Windows release builds; the logs are in ~/.kubilitics/ui.log.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    set_webkit_environment();
    kubilitics_desktop::run();
}

/// Sets the webview's environment defaults (`webview::ENV_DEFAULTS`) in the shell's own
/// environment, which the WebKit processes it starts inherit. WebKitGTK reads them only from the
/// environment, so there is no API call to use instead.
#[allow(unsafe_code)]
fn set_webkit_environment() {
    for (name, value) in kubilitics_desktop::webview::env_defaults_to_set(|name| std::env::var_os(name).is_some()) {
        // SAFETY: `set_var` is unsound only while another thread may read or write the
        // environment. This runs as the first statement of `main`: the Rust runtime starts no
        // thread before `main`, and nothing here has started one yet (no Tauri, GTK, tokio,
        // logging or keyring: `run()` is called after this loop returns).
        unsafe { std::env::set_var(name, value) };
    }
}
