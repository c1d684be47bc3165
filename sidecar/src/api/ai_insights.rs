//! `GET /api/v1/ai/insights`: what the background scan (`crate::ai::insights`) found without
//! being asked, open ones first, each with first/last seen and, once gone, when it resolved.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::error::{ApiError, Json, Query};
use crate::store::ai::{InsightFilter, InsightRow};

#[derive(Debug, Deserialize, IntoParams)]
pub struct InsightQuery {
    /// At most this many (default 100, at most 1000).
    pub limit: Option<u32>,
    pub offset: Option<u32>,
    /// `open`, `resolved`, or `all` (default).
    pub state: Option<String>,
    /// Only this kubeconfig context.
    pub context: Option<String>,
    pub namespace: Option<String>,
    /// Only this root-cause code.
    pub code: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InsightList {
    pub items: Vec<InsightRow>,
    pub total: u64,
}

#[utoipa::path(get, path = "/api/v1/ai/insights", tag = "ai", security(("bearer" = [])),
    params(InsightQuery), responses((status = 200, body = InsightList), (status = 400, body = super::error::ErrorBody)))]
pub async fn list_insights(
    State(s): State<AppState>,
    Query(q): Query<InsightQuery>,
) -> Result<Json<InsightList>, ApiError> {
    let state = match q.state.as_deref() {
        None | Some("all") => None,
        Some(st @ ("open" | "resolved")) => Some(st.to_string()),
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "state '{other}' is not one of open, resolved, all"
            )));
        }
    };
    if let Some(code) = &q.code
        && crate::ai::taxonomy::Code::parse(code).is_none()
    {
        return Err(ApiError::bad_request(format!(
            "code '{code}' is not a root-cause code (shared/taxonomy.md)"
        )));
    }
    let filter = InsightFilter {
        state,
        context: q.context,
        namespace: q.namespace,
        code: q.code,
        limit: q.limit.unwrap_or(100).min(1000),
        offset: q.offset.unwrap_or(0),
    };
    let (items, total) = s.store.list_insights(&filter).await?;
    Ok(Json(InsightList { items, total }))
}

/// Routes behind the bearer-token guard.
pub fn routes() -> Router<AppState> {
    Router::new().route("/ai/insights", get(list_insights))
}

/// This endpoint's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list_insights), components(schemas(InsightList, InsightRow)))]
pub struct InsightsDoc;
