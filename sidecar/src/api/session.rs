//! Browser sign-in, the way Jupyter does it: `serve` prints a one-time login URL; opening it
//! sets an HttpOnly, SameSite=Strict session cookie, and the long-lived API token never sits in
//! a URL or in script-readable storage. Writes with a cookie must carry the session's CSRF token
//! in `X-CSRF-Token` (a page on another origin can make the browser send the cookie, but cannot
//! read the CSRF token).
//!
//! Login codes are single-use and expire; sessions live in memory and end with the process.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use utoipa::ToSchema;

use super::AppState;
use super::error::{ApiError, Json, Query};

pub const COOKIE: &str = "kubilitics_session";
pub const CSRF_HEADER: &str = "x-csrf-token";
const CODE_LIFETIME: Duration = Duration::from_secs(15 * 60);
const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 60 * 60);

struct Session {
    csrf: String,
    created: Instant,
}

/// One-time login codes and the browser sessions they opened.
#[derive(Default)]
pub struct Sessions {
    codes: Mutex<HashMap<String, Instant>>,
    sessions: Mutex<HashMap<String, Session>>,
}

fn random_token() -> String {
    (0..32).map(|_| format!("{:02x}", rand::random::<u8>())).collect()
}

impl Sessions {
    /// A fresh single-use login code.
    pub fn new_login_code(&self) -> String {
        let code = random_token();
        let mut codes = self.codes.lock().expect("codes lock");
        codes.retain(|_, issued| issued.elapsed() < CODE_LIFETIME);
        codes.insert(code.clone(), Instant::now());
        code
    }

    /// Consumes a login code; returns the new session id.
    fn redeem(&self, code: &str) -> Option<String> {
        let issued = self.codes.lock().expect("codes lock").remove(code)?;
        if issued.elapsed() >= CODE_LIFETIME {
            return None;
        }
        let id = random_token();
        let session = Session {
            csrf: random_token(),
            created: Instant::now(),
        };
        let mut sessions = self.sessions.lock().expect("sessions lock");
        sessions.retain(|_, s| s.created.elapsed() < SESSION_LIFETIME);
        sessions.insert(id.clone(), session);
        Some(id)
    }

    /// The CSRF token of a live session.
    fn csrf_of(&self, id: &str) -> Option<String> {
        let sessions = self.sessions.lock().expect("sessions lock");
        sessions
            .get(id)
            .filter(|s| s.created.elapsed() < SESSION_LIFETIME)
            .map(|s| s.csrf.clone())
    }

    /// Whether a request carrying these headers is signed in by cookie, and (for writes)
    /// carries the matching CSRF token.
    pub fn authorizes(&self, headers: &HeaderMap, is_write: bool) -> bool {
        let Some(id) = session_id(headers) else { return false };
        let Some(csrf) = self.csrf_of(&id) else { return false };
        if !is_write {
            return true;
        }
        headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|presented| presented.as_bytes().ct_eq(csrf.as_bytes()).into())
    }
}

fn session_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_string())
}

#[derive(Deserialize)]
pub struct LoginQuery {
    code: String,
}

/// `GET /login?code=...`: trades a one-time code for a session cookie, then opens the UI.
pub async fn login(State(state): State<AppState>, Query(q): Query<LoginQuery>) -> Response {
    let Some(id) = state.sessions.redeem(&q.code) else {
        return ApiError::new(
            axum::http::StatusCode::UNAUTHORIZED,
            "login_link_invalid",
            "this login link was already used or has expired; restart 'kubilitics serve' for a new one, or POST /api/v1/session/login-url with the API token",
        )
        .into_response();
    };
    let secure = if state.config.server.tls.enabled {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!("{COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict{secure}");
    let mut response = Redirect::to("/").into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[derive(Serialize, ToSchema)]
pub struct SessionInfo {
    /// "cookie" for a browser session, "token" for a bearer-token client.
    pub mode: &'static str,
    /// Send as `X-CSRF-Token` with every write made with the cookie.
    pub csrf_token: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/session", tag = "system", security(("bearer" = [])),
    responses((status = 200, body = SessionInfo)))]
pub async fn info(State(state): State<AppState>, headers: HeaderMap) -> Json<SessionInfo> {
    let csrf = session_id(&headers).and_then(|id| state.sessions.csrf_of(&id));
    Json(SessionInfo {
        mode: if csrf.is_some() { "cookie" } else { "token" },
        csrf_token: csrf,
    })
}

#[derive(Serialize, ToSchema)]
pub struct LoginUrl {
    /// Single use, valid for 15 minutes.
    pub path: String,
}

#[utoipa::path(post, path = "/api/v1/session/login-url", tag = "system", security(("bearer" = [])),
    responses((status = 200, body = LoginUrl)))]
pub async fn new_login_url(State(state): State<AppState>) -> Json<LoginUrl> {
    Json(LoginUrl {
        path: format!("/login?code={}", state.sessions.new_login_code()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cookie_headers(id: &str, csrf: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, format!("theme=dark; {COOKIE}={id}").parse().unwrap());
        if let Some(c) = csrf {
            h.insert(CSRF_HEADER, c.parse().unwrap());
        }
        h
    }

    #[test]
    fn a_code_works_once_and_writes_need_the_csrf_token() {
        let s = Sessions::default();
        let code = s.new_login_code();
        let id = s.redeem(&code).expect("first use");
        assert!(s.redeem(&code).is_none(), "single use");
        let csrf = s.csrf_of(&id).unwrap();
        assert!(s.authorizes(&cookie_headers(&id, None), false));
        assert!(!s.authorizes(&cookie_headers(&id, None), true));
        assert!(!s.authorizes(&cookie_headers(&id, Some("forged")), true));
        assert!(s.authorizes(&cookie_headers(&id, Some(&csrf)), true));
        assert!(!s.authorizes(&cookie_headers("unknown", None), false));
    }
}
