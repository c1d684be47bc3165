//! Per-request observability: the request id (honoured from `X-Request-ID` or generated, echoed
//! in the response), a tracing span carrying request_id / trace_id / span_id so every log line
//! of the request has them, the request counter and latency histogram, an access log line, and
//! the request timeout.

use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument;

use super::error::ApiError;
use crate::telemetry::metrics;

pub const REQUEST_ID: &str = "x-request-id";

/// The request id of the request being served, for handlers that record it (audit log).
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

pub async fn observe(State(timeout): State<Duration>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| valid_id(v))
        .map(str::to_string)
        .unwrap_or_else(|| format!("req-{}", uuid::Uuid::new_v4().simple()));
    let trace_id = req
        .headers()
        .get("traceparent")
        .and_then(|v| v.to_str().ok())
        .and_then(trace_id_of)
        .unwrap_or_else(|| random_hex(16));
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    req.extensions_mut().insert(RequestId(request_id.clone()));

    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        trace_id = %trace_id,
        span_id = %random_hex(8),
        method = %method,
        path = %route,
    );
    let mut response = async {
        match tokio::time::timeout(timeout, next.run(req)).await {
            Ok(r) => r,
            Err(_) => ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "request_timeout",
                format!(
                    "the request took longer than {}s; try again, or raise server.request_timeout",
                    timeout.as_secs()
                ),
            )
            .into_response(),
        }
    }
    .instrument(span.clone())
    .await;

    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    metrics::REQUESTS_TOTAL
        .with_label_values(&[method.as_str(), &route, &status.to_string()])
        .inc();
    metrics::REQUEST_DURATION
        .with_label_values(&[method.as_str(), &route])
        .observe(elapsed.as_secs_f64());
    span.in_scope(|| tracing::info!(status, duration_ms = elapsed.as_millis() as u64, "request served"));
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID, v);
    }
    response
}

/// Client-supplied ids are kept only when short and plain, so they cannot forge log content.
fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 128 && id.chars().all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
}

/// The trace id of a W3C `traceparent` header (`00-<32 hex>-<16 hex>-<2 hex>`).
fn trace_id_of(traceparent: &str) -> Option<String> {
    let parts: Vec<&str> = traceparent.split('-').collect();
    match parts.as_slice() {
        [_, trace, _, _] if trace.len() == 32 && trace.chars().all(|c| c.is_ascii_hexdigit()) => {
            Some(trace.to_string())
        }
        _ => None,
    }
}

fn random_hex(bytes: usize) -> String {
    (0..bytes).map(|_| format!("{:02x}", rand::random::<u8>())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_request_ids_are_kept_only_when_plain() {
        assert!(valid_id("req-20260210-abc123"));
        assert!(!valid_id("abc\"}{\"level\":\"ERROR"));
        assert!(!valid_id(&"a".repeat(200)));
    }

    #[test]
    fn traceparent_gives_the_trace_id() {
        assert_eq!(
            trace_id_of("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").as_deref(),
            Some("4bf92f3577b34da6a3ce929d0e0e4736")
        );
        assert_eq!(trace_id_of("garbage"), None);
    }
}
