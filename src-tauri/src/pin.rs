//! The webview trusts the sidecar's self-signed certificate, and nothing else.
//!
//! The page talks to `https://127.0.0.1:<port>` directly (fetch and WebSocket). Instead of a
//! blanket "accept invalid certificates", the shell tells the webview's network layer to accept
//! exactly this certificate for exactly the loopback names: WebKitGTK's
//! `webkit_web_context_allow_tls_certificate_for_host`. Any other certificate for those hosts, and
//! any bad certificate elsewhere, is still refused.
//!
//! macOS (WKWebView) and Windows (WebView2) need their own hooks (an authentication-challenge
//! delegate, `ServerCertificateErrorDetected`); until then the page there cannot reach the sidecar
//! over TLS, which fails closed.

use tauri::{AppHandle, Manager};

/// Pins `pem` for 127.0.0.1 and localhost in the main window's webview.
pub fn trust_sidecar_certificate(app: &AppHandle, pem: &str) {
    let Some(window) = app.get_webview_window("main") else {
        tracing::warn!("no main window to pin the sidecar certificate in");
        return;
    };
    let pem = pem.to_string();
    let result = window.with_webview(move |webview| platform::allow(webview, &pem));
    if let Err(e) = result {
        tracing::error!(error = %e, "could not pin the sidecar certificate");
    }
}

#[cfg(target_os = "linux")]
mod platform {
    use webkit2gtk::gio::TlsCertificate;
    use webkit2gtk::{WebContextExt, WebViewExt};

    pub fn allow(webview: tauri::webview::PlatformWebview, pem: &str) {
        let view = webview.inner();
        let Some(context) = view.context() else {
            tracing::error!("the webview has no web context; certificate not pinned");
            return;
        };
        match TlsCertificate::from_pem(pem) {
            Ok(cert) => {
                for host in ["127.0.0.1", "localhost"] {
                    context.allow_tls_certificate_for_host(&cert, host);
                }
                tracing::info!("sidecar certificate pinned in the webview");
            }
            Err(e) => tracing::error!(error = %e, "the sidecar certificate is not valid PEM"),
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod platform {
    pub fn allow(_: tauri::webview::PlatformWebview, _: &str) {
        tracing::warn!("certificate pinning for this platform's webview is not implemented yet");
    }
}
