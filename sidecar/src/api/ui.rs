//! The web UI in browser and in-cluster mode: the built `ui/dist` directory named by
//! `server.ui_dir` (KUBILITICS_UI_DIR), served at `/` with a single-page-app fallback and
//! headers that keep it from being framed or fed foreign scripts. The desktop app hosts the UI
//! in its webview instead, so there it is usually unset.

use std::path::Path;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use super::error::ApiError;

/// Serves `dir` (falling back to its index.html for client-side routes), or a JSON 404 that
/// says how to install the UI when there is none.
pub fn router(dir: &str) -> Router {
    let index = Path::new(dir).join("index.html");
    if dir.is_empty() || !index.exists() {
        return Router::new().fallback(|| async {
            ApiError::not_found(
                "no such endpoint (the web UI is not installed here: build ui/ and set KUBILITICS_UI_DIR to its dist folder)",
            )
        });
    }
    let files = ServeDir::new(dir).fallback(ServeFile::new(index));
    let with_headers = tower::ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
            ),
        ))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("x-frame-options"),
            HeaderValue::from_static("DENY"),
        ))
        .service(files);
    Router::new().fallback_service(with_headers)
}
