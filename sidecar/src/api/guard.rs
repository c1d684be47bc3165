//! Who may talk to the API. Threat model: the sidecar holds the user's cluster credentials and
//! listens on loopback, where every local process and every web page the user opens can reach
//! it. So, closed by default:
//!
//! - DNS rebinding: a page on `evil.example` that resolves to 127.0.0.1 sends `Host:
//!   evil.example`; only loopback names and configured names are served.
//! - Cross-origin pages: CORS answers only the configured origins (see `api::app`).
//! - Other local processes: every `/api` request carries the bearer token issued at launch,
//!   compared in constant time.
//! - Memory exhaustion: bodies over `server.max_body_bytes` are refused before they are read.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use super::error::ApiError;
use super::session::Sessions;

/// What the guards check against.
#[derive(Clone)]
pub struct GuardConfig {
    pub token: Arc<str>,
    /// Browser sessions opened through a one-time login link (see `api::session`).
    pub sessions: Arc<Sessions>,
    pub allowed_hosts: Arc<Vec<String>>,
    pub max_body_bytes: usize,
}

/// Refuses requests whose Host is neither a loopback name nor configured.
pub async fn host_check(State(g): State<GuardConfig>, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().authority().map(|a| a.to_string()));
    match host {
        Some(h) if host_allowed(&h, &g.allowed_hosts) => next.run(req).await,
        Some(h) => ApiError::new(
            StatusCode::FORBIDDEN,
            "host_not_allowed",
            format!("requests for host '{}' are refused; reach Kubilitics as localhost, or add the name to server.allowed_hosts (KUBILITICS_ALLOWED_HOSTS)", strip_port(&h)),
        )
        .into_response(),
        None => ApiError::new(StatusCode::BAD_REQUEST, "host_missing", "the request has no Host header").into_response(),
    }
}

fn strip_port(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) && !name.contains(':') => name,
        _ => host,
    }
}

pub fn host_allowed(host: &str, allowed: &[String]) -> bool {
    let name = strip_port(host).trim_end_matches('.').to_ascii_lowercase();
    let loopback = name == "localhost"
        || name.ends_with(".localhost")
        || name == "::1"
        || name.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback());
    loopback || allowed.iter().any(|a| a.eq_ignore_ascii_case(&name))
}

/// Requires `Authorization: Bearer <token>`, or a browser session cookie (with the CSRF
/// token for anything but reads).
pub async fn require_token(State(g): State<GuardConfig>, req: Request, next: Next) -> Response {
    let is_write = !matches!(*req.method(), axum::http::Method::GET | axum::http::Method::HEAD);
    if token_matches(req.headers(), &g.token) || g.sessions.authorizes(req.headers(), is_write) {
        next.run(req).await
    } else {
        ApiError::unauthorized().into_response()
    }
}

fn token_matches(headers: &HeaderMap, token: &str) -> bool {
    let Some(presented) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    presented.as_bytes().ct_eq(token.as_bytes()).into()
}

/// Refuses a declared body over the limit before reading it (extractors enforce the same limit
/// on bodies without a length).
pub async fn body_limit(State(g): State<GuardConfig>, req: Request, next: Next) -> Response {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    match declared {
        Some(n) if n > g.max_body_bytes => ApiError::payload_too_large(g.max_body_bytes).into_response(),
        _ => next.run(req).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_names_pass_and_others_need_configuring() {
        let none: Vec<String> = vec![];
        for ok in [
            "localhost",
            "localhost:8080",
            "127.0.0.1:8080",
            "127.1.2.3",
            "[::1]:8080",
            "app.localhost",
        ] {
            assert!(host_allowed(ok, &none), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:8080",
            "127.0.0.1.evil.example",
            "localhost.evil.example",
            "0.0.0.0",
        ] {
            assert!(!host_allowed(bad, &none), "{bad}");
        }
        assert!(host_allowed(
            "kubilitics.example.com:443",
            &["kubilitics.example.com".to_string()]
        ));
    }

    #[test]
    fn only_the_exact_bearer_token_passes() {
        let mut h = HeaderMap::new();
        assert!(!token_matches(&h, "secret-token"));
        h.insert(header::AUTHORIZATION, "Bearer secret-token".parse().unwrap());
        assert!(token_matches(&h, "secret-token"));
        h.insert(header::AUTHORIZATION, "Bearer secret-toke".parse().unwrap());
        assert!(!token_matches(&h, "secret-token"));
        h.insert(header::AUTHORIZATION, "Basic secret-token".parse().unwrap());
        assert!(!token_matches(&h, "secret-token"));
    }
}
