//! The workbench's routes (clusters, resources, live updates, topology, actions, approvals),
//! mounted under `/api/v1` by [`super::app`].

use axum::Router;
use axum::routing::{get, post};

use super::{AppState, actions, clusters, resources, topology, ws};

/// Routes behind the bearer-token guard.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/clusters", get(clusters::list))
        .route("/clusters/import", post(clusters::import))
        .route("/clusters/{context}", get(clusters::status).delete(clusters::remove))
        .route("/clusters/{context}/connect", post(clusters::connect))
        .route("/clusters/{context}/disconnect", post(clusters::disconnect))
        .route("/clusters/{context}/switch", post(clusters::switch))
        .route("/clusters/{context}/approve-plugin", post(clusters::approve_plugin))
        .route("/clusters/{context}/kinds", get(resources::kinds))
        .route("/clusters/{context}/overview", get(resources::overview))
        .route("/clusters/{context}/search", get(resources::search))
        .route("/clusters/{context}/metrics", get(resources::usage))
        .route("/clusters/{context}/topology", get(topology::topology))
        .route("/clusters/{context}/actions", post(actions::run))
        .route("/clusters/{context}/apply/dry-run", post(actions::dry_run))
        .route("/clusters/{context}/resources/{kind}", get(resources::list))
        .route(
            "/clusters/{context}/resources/{kind}/{namespace}/{name}",
            get(resources::get),
        )
        .route(
            "/clusters/{context}/resources/{kind}/{namespace}/{name}/events",
            get(resources::events),
        )
        .route(
            "/clusters/{context}/resources/{kind}/{namespace}/{name}/logs",
            get(resources::logs),
        )
        .route(
            "/clusters/{context}/resources/{kind}/{namespace}/{name}/related",
            get(topology::related),
        )
        .route(
            "/clusters/{context}/resources/{kind}/{namespace}/{name}/actions",
            get(actions::offered),
        )
        .route("/approvals", get(actions::pending))
        .route("/approvals/{id}/approve", post(actions::approve))
        .route("/approvals/{id}/reject", post(actions::reject))
        .route("/ws/ticket", post(ws::ticket))
}

/// The workbench's part of the OpenAPI document (merged into [`super::openapi::spec`]).
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        clusters::list, clusters::status, clusters::connect, clusters::disconnect, clusters::switch,
        clusters::approve_plugin, clusters::import, clusters::remove,
        resources::list, resources::get, resources::events, resources::kinds, resources::overview,
        resources::search, resources::logs, resources::usage,
        ws::ticket, ws::upgrade, topology::topology, topology::related,
        actions::offered, actions::run, actions::dry_run, actions::pending, actions::approve, actions::reject,
    ),
    components(schemas(crate::cluster::cache::Delta, crate::cluster::cache::DeltaType, clusters::ContextHealth)),
    tags(
        (name = "clusters", description = "Kubeconfig contexts: list, connect, switch, import, approve exec plugins"),
        (name = "resources", description = "Objects from the watch cache; custom resources on demand"),
        (name = "live", description = "WebSocket deltas and log following"),
        (name = "topology", description = "How objects hang together, with health"),
        (name = "actions", description = "Changes through the safety gate, and approvals"),
    )
)]
pub struct WorkbenchDoc;
