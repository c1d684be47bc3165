//! `POST /api/v1/sandbox`: start the built-in sandbox cluster and connect it (the work is in
//! [`crate::sandbox`]).

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use super::error::{ApiError, ErrorBody, Json};
use crate::sandbox::SandboxStartError;

impl From<SandboxStartError> for ApiError {
    fn from(e: SandboxStartError) -> ApiError {
        match e {
            SandboxStartError::Context(c) => c.into(),
            e @ SandboxStartError::Start(_) => {
                tracing::warn!(error = %e, "sandbox start failed");
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "sandbox_failed", e.to_string())
            }
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SandboxStarted {
    /// The sandbox's kubeconfig context, connected.
    pub context: String,
}

#[utoipa::path(post, path = "/api/v1/sandbox", tag = "clusters", security(("bearer" = [])),
    responses((status = 200, description = "the in-process demo cluster (with its planted faults) is running and its context connected; idempotent", body = SandboxStarted),
        (status = 503, description = "the sandbox could not start", body = ErrorBody)))]
pub async fn start(State(state): State<AppState>) -> Result<Json<SandboxStarted>, ApiError> {
    let context = crate::sandbox::start(&state.clusters).await?;
    Ok(Json(SandboxStarted { context }))
}

/// Routes behind the bearer-token guard.
pub fn routes() -> Router<AppState> {
    Router::new().route("/sandbox", post(start))
}

/// This endpoint's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(start), components(schemas(SandboxStarted)))]
pub struct SandboxDoc;
