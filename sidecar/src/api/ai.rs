//! `/api/v1/ai/*`: investigations (start, list, get, cancel, export, import), status, and the LLM
//! API keys handed to the running backend.
//! Translation only: the work is in `crate::ai`.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::error::{ApiError, Json, Path, Query};
use crate::ai::engine::EngineError;
use crate::ai::investigation::{Investigation, State as InvState, TargetSpec};
use crate::store::ai::InvestigationFilter;

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> ApiError {
        match e {
            EngineError::BadRequest(m) => ApiError::bad_request(m),
            EngineError::NotFound(_) => ApiError::not_found(e.to_string()),
            EngineError::NotCancellable { .. } => ApiError::new(StatusCode::CONFLICT, "conflict", e.to_string()),
            EngineError::Store(s) => s.into(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct StartInvestigation {
    /// The kubeconfig context.
    pub context: String,
    /// An object (kind, namespace, name), a namespace, or absent for the whole cluster.
    #[serde(default)]
    pub target: Option<TargetSpec>,
    #[serde(default)]
    pub question: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Started {
    pub investigation_id: String,
}

#[utoipa::path(post, path = "/api/v1/ai/investigations", tag = "ai", security(("bearer" = [])),
    request_body = StartInvestigation,
    responses((status = 202, body = Started), (status = 400, body = super::error::ErrorBody)))]
pub async fn start(
    State(s): State<AppState>,
    Json(req): Json<StartInvestigation>,
) -> Result<(StatusCode, Json<Started>), ApiError> {
    let id =
        s.ai.engine
            .start(req.context, req.target.unwrap_or_default(), req.question)
            .await?;
    Ok((StatusCode::ACCEPTED, Json(Started { investigation_id: id })))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListQuery {
    /// At most this many (default 50, at most 1000).
    pub limit: Option<u32>,
    pub offset: Option<u32>,
    /// queued, gathering, analyzing, reasoning, concluded, failed, timed_out, cancelled.
    pub state: Option<String>,
    pub namespace: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InvestigationList {
    pub items: Vec<Investigation>,
    pub total: u64,
}

#[utoipa::path(get, path = "/api/v1/ai/investigations", tag = "ai", security(("bearer" = [])),
    params(ListQuery), responses((status = 200, body = InvestigationList)))]
pub async fn list(State(s): State<AppState>, Query(q): Query<ListQuery>) -> Result<Json<InvestigationList>, ApiError> {
    if let Some(st) = &q.state
        && InvState::parse(st).is_none()
    {
        return Err(ApiError::bad_request(format!(
            "state '{st}' is not one of queued, gathering, analyzing, reasoning, concluded, failed, timed_out, cancelled"
        )));
    }
    let filter = InvestigationFilter {
        state: q.state,
        namespace: q.namespace,
        limit: q.limit.unwrap_or(50).min(1000),
        offset: q.offset.unwrap_or(0),
    };
    let (items, total) = s.ai.engine.list(&filter).await?;
    Ok(Json(InvestigationList { items, total }))
}

#[utoipa::path(get, path = "/api/v1/ai/investigations/{id}", tag = "ai", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = Investigation), (status = 404, body = super::error::ErrorBody)))]
pub async fn get(State(s): State<AppState>, Path(id): Path<String>) -> Result<Json<Investigation>, ApiError> {
    Ok(Json(s.ai.engine.get(&id).await?))
}

#[utoipa::path(post, path = "/api/v1/ai/investigations/{id}/cancel", tag = "ai", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = Investigation), (status = 409, body = super::error::ErrorBody)))]
pub async fn cancel(State(s): State<AppState>, Path(id): Path<String>) -> Result<Json<Investigation>, ApiError> {
    Ok(Json(s.ai.engine.cancel(&id).await?))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InvestigationExport {
    /// Format version of this document.
    pub version: u32,
    pub exported_at: String,
    pub investigations: Vec<Investigation>,
}

#[utoipa::path(get, path = "/api/v1/ai/investigations/export", tag = "ai", security(("bearer" = [])),
    responses((status = 200, body = InvestigationExport)))]
pub async fn export(State(s): State<AppState>) -> Result<Json<InvestigationExport>, ApiError> {
    Ok(Json(InvestigationExport {
        version: 1,
        exported_at: crate::ai::engine::now(),
        investigations: s.ai.engine.export().await?,
    }))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ImportResult {
    pub imported: u64,
    /// Already present (by id), left as they were.
    pub skipped: u64,
}

#[utoipa::path(post, path = "/api/v1/ai/investigations/import", tag = "ai", security(("bearer" = [])),
    request_body = InvestigationExport, responses((status = 200, body = ImportResult)))]
pub async fn import(
    State(s): State<AppState>,
    Json(doc): Json<InvestigationExport>,
) -> Result<Json<ImportResult>, ApiError> {
    if doc.version != 1 {
        return Err(ApiError::bad_request(format!(
            "export version {} is not supported (this release reads version 1)",
            doc.version
        )));
    }
    let (imported, skipped) = s.ai.engine.import(doc.investigations).await?;
    Ok(Json(ImportResult { imported, skipped }))
}

pub use crate::ai::service::{AiStatus, InvestigationCounts, LlmProviderStatus, SafetyStatus};

#[utoipa::path(get, path = "/api/v1/ai/status", tag = "ai", security(("bearer" = [])),
    responses((status = 200, body = AiStatus)))]
pub async fn status(State(s): State<AppState>) -> Json<AiStatus> {
    let mut status = s.ai.status().await;
    status.safety = SafetyStatus {
        autonomy_level: s.gate.autonomy_level(),
        pinned_by: s.pinned.get(crate::config::load::AUTONOMY_LEVEL).cloned(),
    };
    Json(status)
}

/// An LLM provider's API key, handed to the running backend. Deliberately not `Debug`: nothing
/// may print it.
#[derive(Deserialize, ToSchema)]
pub struct LlmKey {
    pub key: String,
}

fn key_refused(e: crate::ai::service::HandKeyError) -> ApiError {
    use crate::ai::service::HandKeyError;
    match e {
        HandKeyError::Invalid(m) => ApiError::bad_request(m),
        HandKeyError::Configured => ApiError::conflict(e.to_string()),
    }
}

/// The desktop app hands over the key it just saved in the OS keyring (and, at each start, the
/// one it saved last), so no restart is needed and the backend never reads the app's keyring
/// entry itself. Used while `provider` is the one in force, from the next investigation and chat
/// answer; held in memory only.
#[utoipa::path(put, path = "/api/v1/ai/llm/keys/{provider}", tag = "ai", security(("bearer" = [])),
    params(("provider" = String, Path, description = "as `ai.llm.provider` names it: openai, anthropic, azure or openai_compatible")),
    request_body = LlmKey,
    responses((status = 204, description = "in use from the next investigation and chat answer while the provider is in force"),
        (status = 400, body = super::error::ErrorBody),
        (status = 409, description = "the operator configured a key (AI_LLM_API_KEY or the config file), which stays the one used", body = super::error::ErrorBody)))]
pub async fn hand_llm_key(
    State(s): State<AppState>,
    Path(provider): Path<String>,
    Json(body): Json<LlmKey>,
) -> Result<StatusCode, ApiError> {
    let (ai, p) = (s.ai.clone(), provider.clone());
    // It may wait for a setting's provider rebuild, which can block on the keyring: off the runtime.
    tokio::task::spawn_blocking(move || ai.hand_key(&p, &body.key))
        .await
        .map_err(|e| ApiError::internal("taking the LLM API key", &e))?
        .map_err(key_refused)?;
    tracing::info!(provider = %provider.trim(), "LLM API key handed to the backend; in use from the next investigation and chat answer");
    Ok(StatusCode::NO_CONTENT)
}

/// The desktop app removed the key it saved for `provider`: the backend forgets the one it was
/// handed, and from the next investigation and chat answer uses none for that provider but one
/// the operator configured or the OS keyring holds. Forgetting a key it does not hold is not an
/// error.
#[utoipa::path(delete, path = "/api/v1/ai/llm/keys/{provider}", tag = "ai", security(("bearer" = [])),
    params(("provider" = String, Path, description = "as `ai.llm.provider` names it")),
    responses((status = 204, description = "forgotten"), (status = 400, body = super::error::ErrorBody)))]
pub async fn forget_llm_key(State(s): State<AppState>, Path(provider): Path<String>) -> Result<StatusCode, ApiError> {
    let (ai, p) = (s.ai.clone(), provider.clone());
    // Rebuilding the provider without the key may read the OS keyring: off the runtime.
    tokio::task::spawn_blocking(move || ai.forget_key(&p))
        .await
        .map_err(|e| ApiError::internal("forgetting the LLM API key", &e))?
        .map_err(key_refused)?;
    tracing::info!(provider = %provider.trim(), "the LLM API key handed to the backend is forgotten");
    Ok(StatusCode::NO_CONTENT)
}
