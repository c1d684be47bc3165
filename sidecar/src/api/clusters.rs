//! `/api/v1/clusters`: the contexts found, connecting and switching, importing and removing
//! kubeconfigs, and approving exec / auth-provider commands.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AppState;
use super::error::{ApiError, Json, Path};
use super::health::DependencyState;
use crate::cluster::{ClusterError, Connection, ContextView, FailureKind, KindStatus, PluginCommand, SyncState};

impl From<ClusterError> for ApiError {
    fn from(e: ClusterError) -> ApiError {
        let message = e.to_string();
        match e {
            ClusterError::UnknownContext(c) => {
                ApiError::not_found(message).with_details(serde_json::json!({"context": c}))
            }
            ClusterError::Connect { context, failure } => {
                let (status, code) = match failure.kind {
                    FailureKind::Unauthorized => (StatusCode::BAD_GATEWAY, "cluster_unauthorized"),
                    FailureKind::Forbidden => (StatusCode::BAD_GATEWAY, "cluster_forbidden"),
                    FailureKind::Tls => (StatusCode::BAD_GATEWAY, "cluster_tls"),
                    FailureKind::Timeout => (StatusCode::GATEWAY_TIMEOUT, "cluster_timeout"),
                    FailureKind::Unreachable => (StatusCode::BAD_GATEWAY, "cluster_unreachable"),
                    FailureKind::Config => (StatusCode::UNPROCESSABLE_ENTITY, "kubeconfig_invalid"),
                    _ => (StatusCode::BAD_GATEWAY, "cluster_error"),
                };
                ApiError::new(status, code, failure.message.clone())
                    .with_details(serde_json::json!({"context": context, "failure": failure}))
            }
            ClusterError::NeedsApproval { context, command } | ClusterError::PluginChanged { context, command } => {
                ApiError::new(StatusCode::CONFLICT, "plugin_not_approved", message)
                    .with_details(serde_json::json!({"context": context, "plugin": command}))
            }
            ClusterError::NoPlugin(_) => ApiError::bad_request(message),
            ClusterError::Import(problem) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "kubeconfig_invalid",
                problem.to_string(),
            )
            .with_details(serde_json::to_value(&problem).unwrap_or_default()),
            ClusterError::NotImported { .. } => ApiError::new(StatusCode::CONFLICT, "not_imported", message),
            ClusterError::Unreadable(..) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "file_unreadable", message),
            ClusterError::DiskFull(_) => ApiError::disk_full(message),
            ClusterError::Io(ref what, ref source) => ApiError::internal(what, source),
            ClusterError::Store(s) => s.into(),
        }
    }
}

/// The live connection to `context`, connecting first when needed.
pub async fn connection(state: &AppState, context: &str) -> Result<Arc<Connection>, ApiError> {
    Ok(state.clusters.connect(context).await?)
}

#[derive(Serialize, ToSchema)]
pub struct ClusterList {
    pub items: Vec<ContextView>,
    pub current: Option<String>,
    /// Kubeconfig files that could not be read, with why.
    pub problems: Vec<KubeconfigProblem>,
}

#[derive(Serialize, ToSchema)]
pub struct KubeconfigProblem {
    pub path: String,
    pub message: String,
}

#[utoipa::path(get, path = "/api/v1/clusters", tag = "clusters", security(("bearer" = [])),
    responses((status = 200, body = ClusterList)))]
pub async fn list(State(state): State<AppState>) -> Json<ClusterList> {
    let merged = state.clusters.merged();
    Json(ClusterList {
        items: state.clusters.contexts().await,
        current: state.clusters.current(),
        problems: merged
            .problems
            .iter()
            .map(|(p, m)| KubeconfigProblem {
                path: p.display().to_string(),
                message: m.clone(),
            })
            .collect(),
    })
}

#[derive(Serialize, ToSchema)]
pub struct ClusterStatus {
    pub context: String,
    pub server: String,
    pub connected_at: String,
    /// True when every kind is synced (or forbidden).
    pub synced: bool,
    pub kinds: Vec<KindStatus>,
}

fn status_of(c: &Connection) -> ClusterStatus {
    ClusterStatus {
        context: c.context.clone(),
        server: c.server.clone(),
        connected_at: c.connected_at.clone(),
        synced: c.cache.all_synced(),
        kinds: c.cache.statuses(),
    }
}

#[utoipa::path(get, path = "/api/v1/clusters/{context}", tag = "clusters", security(("bearer" = [])),
    params(("context" = String, Path)),
    responses((status = 200, body = ClusterStatus), (status = 502, body = super::error::ErrorBody), (status = 409, description = "its exec command needs approval", body = super::error::ErrorBody)))]
pub async fn status(
    State(state): State<AppState>,
    Path(context): Path<String>,
) -> Result<Json<ClusterStatus>, ApiError> {
    let c = connection(&state, &context).await?;
    Ok(Json(status_of(&c)))
}

#[utoipa::path(post, path = "/api/v1/clusters/{context}/connect", tag = "clusters", security(("bearer" = [])),
    params(("context" = String, Path)), responses((status = 200, body = ClusterStatus)))]
pub async fn connect(
    State(state): State<AppState>,
    Path(context): Path<String>,
) -> Result<Json<ClusterStatus>, ApiError> {
    status(State(state), Path(context)).await
}

#[utoipa::path(post, path = "/api/v1/clusters/{context}/disconnect", tag = "clusters", security(("bearer" = [])),
    params(("context" = String, Path)), responses((status = 204)))]
pub async fn disconnect(State(state): State<AppState>, Path(context): Path<String>) -> StatusCode {
    state.clusters.disconnect(&context);
    StatusCode::NO_CONTENT
}

#[utoipa::path(post, path = "/api/v1/clusters/{context}/switch", tag = "clusters", security(("bearer" = [])),
    params(("context" = String, Path)), responses((status = 200, body = ClusterStatus)))]
pub async fn switch(
    State(state): State<AppState>,
    Path(context): Path<String>,
) -> Result<Json<ClusterStatus>, ApiError> {
    let c = state.clusters.switch(&context).await?;
    Ok(Json(status_of(&c)))
}

#[derive(Deserialize, ToSchema)]
pub struct ApprovePlugin {
    /// The `plugin.sha256` the user was shown; approval fails if the command changed since.
    pub sha256: String,
}

#[utoipa::path(post, path = "/api/v1/clusters/{context}/approve-plugin", tag = "clusters", security(("bearer" = [])),
    params(("context" = String, Path)), request_body = ApprovePlugin,
    responses((status = 200, body = PluginCommand), (status = 409, description = "the command changed", body = super::error::ErrorBody)))]
pub async fn approve_plugin(
    State(state): State<AppState>,
    Path(context): Path<String>,
    Json(body): Json<ApprovePlugin>,
) -> Result<Json<PluginCommand>, ApiError> {
    let cmd = state.clusters.approve_plugin(&context, &body.sha256).await?;
    // The program and the approval's hash, not the arguments: a command line can carry a
    // credential (`--token ...`), and the log must never hold one. The store keeps the exact line.
    let program = cmd.command_line.split_whitespace().next().unwrap_or_default();
    tracing::info!(context = %context, program = %program, sha256 = %cmd.sha256, "exec plugin approved");
    Ok(Json(cmd))
}

#[derive(Deserialize, ToSchema)]
pub struct ImportRequest {
    /// The kubeconfig text (pasted).
    pub yaml: Option<String>,
    /// Or a file to copy it from.
    pub path: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Imported {
    pub contexts: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/clusters/import", tag = "clusters", security(("bearer" = [])),
    request_body = ImportRequest,
    responses((status = 201, body = Imported), (status = 422, description = "the kubeconfig has a problem; details name line and field", body = super::error::ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    Json(body): Json<ImportRequest>,
) -> Result<(StatusCode, Json<Imported>), ApiError> {
    let contexts = match (body.yaml, body.path) {
        (Some(y), None) => state.clusters.import_yaml(&y)?,
        (None, Some(p)) => state.clusters.import_path(std::path::Path::new(&p))?,
        _ => {
            return Err(ApiError::bad_request(
                "send exactly one of 'yaml' (the kubeconfig text) or 'path' (a file to import)",
            ));
        }
    };
    Ok((StatusCode::CREATED, Json(Imported { contexts })))
}

#[utoipa::path(delete, path = "/api/v1/clusters/{context}", tag = "clusters", security(("bearer" = [])),
    params(("context" = String, Path)),
    responses((status = 200, description = "the contexts removed with its imported kubeconfig", body = Imported), (status = 409, body = super::error::ErrorBody)))]
pub async fn remove(State(state): State<AppState>, Path(context): Path<String>) -> Result<Json<Imported>, ApiError> {
    Ok(Json(Imported {
        contexts: state.clusters.remove_imported(&context)?,
    }))
}

/// `/health`'s `kubernetes_api`: not configured without contexts or connections; unhealthy
/// when the current context failed; degraded while a connected context has a kind stale or
/// failing; healthy otherwise (forbidden kinds are a permission, not a fault).
pub fn kubernetes_state(state: &AppState) -> DependencyState {
    let connections = state.clusters.connections();
    if connections.is_empty() {
        return match state.clusters.current() {
            Some(c) if state.clusters.failure(&c).is_some() => DependencyState::Unhealthy,
            _ => DependencyState::NotConfigured,
        };
    }
    let bad = connections.iter().any(|c| {
        c.cache
            .statuses()
            .iter()
            .any(|k| matches!(k.state, SyncState::Stale | SyncState::Error))
    });
    if bad {
        DependencyState::Degraded
    } else {
        DependencyState::Healthy
    }
}

/// One connected context in `/health`.
#[derive(Serialize, ToSchema)]
pub struct ContextHealth {
    pub context: String,
    /// kind → syncing / synced / stale / forbidden / error.
    pub kinds: std::collections::BTreeMap<String, SyncState>,
    /// For stale kinds: since when (RFC 3339).
    pub stale_since: std::collections::BTreeMap<String, String>,
}

pub fn context_health(state: &AppState) -> Vec<ContextHealth> {
    let mut out: Vec<ContextHealth> = state
        .clusters
        .connections()
        .iter()
        .map(|c| {
            let statuses = c.cache.statuses();
            ContextHealth {
                context: c.context.clone(),
                stale_since: statuses
                    .iter()
                    .filter(|k| k.state == SyncState::Stale)
                    .filter_map(|k| Some((k.kind.clone(), k.since.clone()?)))
                    .collect(),
                kinds: statuses.into_iter().map(|k| (k.kind, k.state)).collect(),
            }
        })
        .collect();
    out.sort_by(|a, b| a.context.cmp(&b.context));
    out
}
