//! `/topology` and `/related`: graphs from the cache (computed in `cluster::topology`).

use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;

use super::AppState;
use super::clusters::connection;
use super::error::{ApiError, Json, Path, Query};
use crate::cluster::kinds;
use crate::cluster::topology::{self, Graph};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TopologyQuery {
    /// Only this namespace (all when absent).
    pub namespace: Option<String>,
    /// Start from this object (`Kind/namespace/name`, empty namespace for cluster-scoped).
    pub root: Option<String>,
    /// Hops from `root`; at most `kubernetes.topology_cache_depth` (KUBILITICS_TOPOLOGY_CACHE_DEPTH).
    pub depth: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/clusters/{context}/topology", tag = "topology", security(("bearer" = [])),
    params(("context" = String, Path), TopologyQuery),
    responses((status = 200, description = "nodes with health and reason, typed edges", body = Graph)))]
pub async fn topology(
    State(state): State<AppState>,
    Path(context): Path<String>,
    Query(q): Query<TopologyQuery>,
) -> Result<Json<Graph>, ApiError> {
    let conn = connection(&state, &context).await?;
    let max = state.config.kubernetes.topology_cache_depth;
    let depth = q.depth.unwrap_or(max).min(max);
    let g = tokio::task::spawn_blocking(move || {
        topology::build(
            &conn.cache.stores,
            &conn.cache.topology,
            q.namespace.as_deref().filter(|n| !n.is_empty()),
            q.root.as_deref(),
            depth,
        )
    })
    .await
    .map_err(|e| ApiError::internal("the topology", &e))?;
    Ok(Json(g))
}

#[utoipa::path(get, path = "/api/v1/clusters/{context}/resources/{kind}/{namespace}/{name}/related", tag = "topology", security(("bearer" = [])),
    params(("context" = String, Path), ("kind" = String, Path), ("namespace" = String, Path), ("name" = String, Path)),
    responses((status = 200, description = "the object's direct neighbours in the topology", body = Graph)))]
pub async fn related(
    State(state): State<AppState>,
    Path((context, kind, namespace, name)): Path<(String, String, String, String)>,
) -> Result<Json<Graph>, ApiError> {
    let conn = connection(&state, &context).await?;
    let kind_name = kinds::find(&kind).map(|k| k.kind.to_string()).unwrap_or(kind);
    let ns = (namespace != "_").then_some(namespace);
    let root = topology::id(&kind_name, ns.as_deref(), &name);
    let g = tokio::task::spawn_blocking(move || {
        topology::build(&conn.cache.stores, &conn.cache.topology, ns.as_deref(), Some(&root), 1)
    })
    .await
    .map_err(|e| ApiError::internal("the related objects", &e))?;
    Ok(Json(g))
}
