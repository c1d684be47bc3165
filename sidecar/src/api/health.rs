//! `GET /health`, exactly as the runbook shows: overall status, timestamp, and each dependency
//! healthy / degraded / unhealthy / not_configured. No auth, no secrets. 200 unless the
//! sidecar cannot do its job (503).

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DependencyState {
    Healthy,
    Degraded,
    Unhealthy,
    NotConfigured,
}

#[derive(Serialize, ToSchema)]
pub struct Dependencies {
    pub kubernetes_api: DependencyState,
    pub database: DependencyState,
    pub ai_service: DependencyState,
    pub redis_cache: DependencyState,
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// healthy, degraded or unhealthy.
    pub status: &'static str,
    /// RFC 3339.
    pub timestamp: String,
    pub dependencies: Dependencies,
    /// Per connected context, each cached kind's state (syncing, synced, stale, forbidden, error).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kubernetes: Vec<super::clusters::ContextHealth>,
}

#[utoipa::path(get, path = "/health", tag = "system",
    responses((status = 200, body = Health), (status = 503, description = "the database is unusable", body = Health)))]
pub async fn health(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let database = match tokio::time::timeout(Duration::from_secs(2), state.store.ping()).await {
        // Reads work, writes are refused (507 disk_full) until there is room.
        Ok(Ok(())) if state.store.low_on_space() => DependencyState::Degraded,
        Ok(Ok(())) => DependencyState::Healthy,
        _ => DependencyState::Unhealthy,
    };
    let dependencies = Dependencies {
        kubernetes_api: super::clusters::kubernetes_state(&state),
        database,
        ai_service: ai_state(&state),
        redis_cache: redis_state(&state).await,
    };
    let (code, status) = overall(&dependencies);
    let timestamp = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    (
        code,
        Json(Health {
            status,
            timestamp,
            dependencies,
            kubernetes: super::clusters::context_health(&state),
        }),
    )
}

/// Unhealthy only when the database is; any dependency down or degraded (the database on a
/// full disk too) makes it degraded.
fn overall(d: &Dependencies) -> (StatusCode, &'static str) {
    if d.database == DependencyState::Unhealthy {
        return (StatusCode::SERVICE_UNAVAILABLE, "unhealthy");
    }
    let all = [d.database, d.kubernetes_api, d.ai_service, d.redis_cache];
    if all
        .iter()
        .any(|s| matches!(s, DependencyState::Unhealthy | DependencyState::Degraded))
    {
        (StatusCode::OK, "degraded")
    } else {
        (StatusCode::OK, "healthy")
    }
}

fn ai_state(state: &AppState) -> DependencyState {
    // Investigations always work (deterministic analyzers); the LLM is the optional part.
    match state.ai.configured_provider().as_str() {
        "none" | "" => DependencyState::NotConfigured,
        // Named but not buildable (no key, no endpoint): the analyzers answer alone.
        _ if state.ai.provider().is_none() => DependencyState::Degraded,
        _ => DependencyState::Healthy,
    }
}

/// With `cache.type: redis`, whether its port answers.
async fn redis_state(state: &AppState) -> DependencyState {
    if state.config.cache.kind != "redis" {
        return DependencyState::NotConfigured;
    }
    let Some(addr) = redis_address(&state.config.cache.redis.url) else {
        return DependencyState::Unhealthy;
    };
    match tokio::time::timeout(Duration::from_secs(1), tokio::net::TcpStream::connect(&addr)).await {
        Ok(Ok(_)) => DependencyState::Healthy,
        _ => DependencyState::Unhealthy,
    }
}

/// `redis://[user:pass@]host[:port][/db]` → `host:port`.
fn redis_address(url: &str) -> Option<String> {
    let rest = url.strip_prefix("redis://").or_else(|| url.strip_prefix("rediss://"))?;
    let authority = rest.split('/').next()?;
    let host_port = authority.rsplit('@').next()?;
    if host_port.is_empty() {
        return None;
    }
    Some(if host_port.contains(':') {
        host_port.to_string()
    } else {
        format!("{host_port}:6379")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_urls_give_host_and_port() {
        assert_eq!(
            redis_address("redis://localhost:6379").as_deref(),
            Some("localhost:6379")
        );
        assert_eq!(redis_address("redis://:pw@cache/0").as_deref(), Some("cache:6379"));
        assert_eq!(redis_address("http://x"), None);
    }

    #[test]
    fn only_the_database_makes_it_unhealthy() {
        use DependencyState::*;
        let d = |db, k| Dependencies {
            kubernetes_api: k,
            database: db,
            ai_service: NotConfigured,
            redis_cache: NotConfigured,
        };
        assert_eq!(overall(&d(Healthy, NotConfigured)).1, "healthy");
        assert_eq!(overall(&d(Healthy, Unhealthy)), (StatusCode::OK, "degraded"));
        // A full disk: reads work, writes wait for room.
        assert_eq!(overall(&d(Degraded, Healthy)), (StatusCode::OK, "degraded"));
        assert_eq!(
            overall(&d(Unhealthy, Healthy)),
            (StatusCode::SERVICE_UNAVAILABLE, "unhealthy")
        );
    }
}
