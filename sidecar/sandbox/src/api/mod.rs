//! The HTTP side: one router for discovery, OpenAPI and every resource URL, behind bearer-token
//! authentication. Resource URLs are parsed once into a [`Target`] and dispatched by verb.

pub mod discovery;
pub mod metrics;
pub mod openapi;
pub mod patch;
pub mod protobuf;
pub mod read;
pub mod selectors;
pub mod subresources;
pub mod table;
pub mod write;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::controllers::kubelet::Faults;
use crate::logs::Logs;
use crate::resources::{self, ResIdx};
use crate::status::ApiError;
use crate::store::Store;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<Store>,
    pub logs: Arc<Logs>,
    pub faults: Arc<Faults>,
    pub token: Arc<str>,
    /// Host:port clients reach us at (discovery's serverAddressByClientCIDRs).
    pub address: Arc<str>,
    /// How often a watch that asked for bookmarks gets one.
    pub bookmark_every: Duration,
}

pub type Query = HashMap<String, String>;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/version", get(discovery::version))
        .route("/version/", get(discovery::version))
        .route("/healthz", get(|| async { "ok" }))
        .route("/livez", get(|| async { "ok" }))
        .route("/readyz", get(|| async { "ok" }))
        .route("/api", get(discovery::core_versions))
        .route("/api/", get(discovery::core_versions))
        .route("/apis", get(discovery::groups))
        .route("/apis/", get(discovery::groups))
        .route("/openapi/v2", get(openapi::v2))
        .route("/openapi/v3", get(openapi::v3_index))
        .route("/openapi/v3/{*path}", get(openapi::v3_doc))
        .fallback(dispatch)
        .layer(middleware::from_fn_with_state(state.clone(), authenticate))
        .with_state(state)
}

/// Every request carries the kubeconfig's bearer token, except the health probes.
async fn authenticate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if matches!(path, "/healthz" | "/livez" | "/readyz") {
        return next.run(request).await;
    }
    let ok = request
        .headers()
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| constant_time_eq(t.trim().as_bytes(), state.token.as_bytes()));
    if !ok {
        return ApiError::unauthorized().into_response();
    }
    next.run(request).await
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A resource URL, parsed.
#[derive(Debug, Clone)]
pub struct Target {
    pub res: ResIdx,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub sub: Option<String>,
}

impl Target {
    pub fn rt(&self) -> &'static resources::ResourceType {
        resources::get(self.res)
    }
}

/// Parse `/api/v1/...` or `/apis/{group}/{version}/...` into a target; None if no such resource.
pub fn parse_path(path: &str) -> Option<Target> {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (group, version, rest) = match segs.as_slice() {
        ["api", v, rest @ ..] => ("", *v, rest),
        ["apis", g, v, rest @ ..] => (*g, *v, rest),
        _ => return None,
    };
    let find = |plural: &str| resources::find(group, version, plural);
    let target = |res, namespace: Option<&str>, name: Option<&&str>, sub: Option<&&str>| Target {
        res,
        namespace: namespace.map(String::from),
        name: name.map(|s| s.to_string()),
        sub: sub.map(|s| s.to_string()),
    };
    match rest {
        ["namespaces", ns, plural, tail @ ..] if find(plural).is_some_and(|r| resources::get(r).namespaced) => {
            if tail.len() > 2 {
                return None;
            }
            Some(target(find(plural)?, Some(ns), tail.first(), tail.get(1)))
        }
        [plural, tail @ ..] if tail.len() <= 2 => {
            let res = find(plural)?;
            Some(target(res, None, tail.first(), tail.get(1)))
        }
        _ => None,
    }
}

/// Everything under /api and /apis that is not discovery: resources and their subresources.
async fn dispatch(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path();
    let query: Query = uri
        .query()
        .map(|q| {
            q.split('&')
                .filter_map(|kv| {
                    let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                    Some((decode(k)?, decode(v)?))
                })
                .collect()
        })
        .unwrap_or_default();
    // /apis/{group}/{version} and /api/v1: a group version's resource list.
    if let Some(resp) = discovery::resource_list(path) {
        return resp;
    }
    if let Some(resp) = discovery::group(path) {
        return resp;
    }
    let Some(target) = parse_path(path) else {
        return ApiError::no_route().into_response();
    };
    // Bodies are JSON (or YAML for apply). kubectl's typed clients send protobuf: the kinds of
    // `kubectl create secret|configmap|namespace|serviceaccount` and access reviews are decoded
    // (protobuf.rs); an eviction's body is not needed; anything else binary gets the real 415.
    let content_type = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // Reviews (virtual kinds) not decoded are answered from the path alone.
    let body_unneeded = target.rt().virtual_only || target.sub.as_deref() == Some("eviction");
    let binary = content_type.contains("protobuf") || content_type.contains("cbor");
    let body = match () {
        _ if !binary || body.is_empty() => body,
        _ if protobuf::is_protobuf(content_type) => match protobuf::to_json(&body) {
            Ok(v) => Bytes::from(v.to_string()),
            Err(_) if body_unneeded => Bytes::new(),
            Err(e) => return e.into_response(),
        },
        _ if body_unneeded => Bytes::new(),
        _ => return ApiError::unsupported_media_type(&["application/json", "application/yaml"]).into_response(),
    };
    let result = match (&method, target.name.as_deref(), target.sub.as_deref()) {
        (&Method::GET, None, None) => read::list_or_watch(&state, &target, &query, &headers).await,
        (&Method::GET, Some(_), None) => read::get(&state, &target, &headers, &query),
        (&Method::POST, None, None) => write::create(&state, &target, &query, &headers, &body),
        (&Method::PUT, Some(_), None) => write::replace(&state, &target, &query, &headers, &body),
        (&Method::PATCH, Some(_), None) => write::patch(&state, &target, &query, &headers, &body),
        (&Method::DELETE, Some(_), None) => write::delete(&state, &target, &query, &body),
        (&Method::DELETE, None, None) => write::delete_collection(&state, &target, &query, &body),
        (_, Some(_), Some(_)) => subresources::handle(&state, &method, &target, &query, &headers, &body).await,
        _ => Err(ApiError::method_not_allowed(format!(
            "the server does not allow this method on the requested resource ({method} {path})"
        ))),
    };
    match result {
        Ok(resp) => resp,
        Err(e) => e.into_response(),
    }
}

fn decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// A JSON response with the API server's content type.
pub fn json_response(code: u16, body: &serde_json::Value) -> Response {
    let status = http::StatusCode::from_u16(code).unwrap_or(http::StatusCode::OK);
    (
        status,
        [(http::header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_to_targets() {
        let t = parse_path("/api/v1/namespaces/shop/pods/web-1/log").expect("pod log");
        assert_eq!(t.rt().plural, "pods");
        assert_eq!(t.namespace.as_deref(), Some("shop"));
        assert_eq!(t.name.as_deref(), Some("web-1"));
        assert_eq!(t.sub.as_deref(), Some("log"));
        let ns = parse_path("/api/v1/namespaces/shop").expect("namespace");
        assert_eq!(ns.rt().plural, "namespaces");
        assert_eq!(ns.name.as_deref(), Some("shop"));
        let all = parse_path("/apis/apps/v1/deployments").expect("all deployments");
        assert!(all.namespace.is_none() && all.name.is_none());
        assert!(parse_path("/apis/apps/v1/namespaces/a/nothings").is_none());
        assert!(parse_path("/api/v1/nodes/n1/status").is_some_and(|t| t.sub.as_deref() == Some("status")));
    }

    #[test]
    fn query_values_are_percent_decoded() {
        assert_eq!(decode("app%3Dweb%2Ctier+in").as_deref(), Some("app=web,tier in"));
    }
}
