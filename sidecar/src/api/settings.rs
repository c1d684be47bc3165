//! User settings (theme, last context, window geometry, wizard progress) and the audit log.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::error::{ApiError, ErrorBody, Json, Path, Query};
use crate::config::load::{AUTONOMY_LEVEL, USER_SETTABLE, check_user_value};
use crate::store::{AuditPage, AuditRecord, Setting};

#[derive(Serialize, ToSchema)]
pub struct SettingList {
    pub items: Vec<Setting>,
}

#[derive(Deserialize, ToSchema)]
pub struct SettingValue {
    #[schema(value_type = Object)]
    pub value: serde_json::Value,
}

fn check_key(key: &str) -> Result<(), ApiError> {
    let ok = !key.is_empty() && key.len() <= 128 && key.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "setting key '{key}' is not allowed: use 1-128 letters, digits, '.', '_' or '-'"
        )))
    }
}

#[utoipa::path(get, path = "/api/v1/settings", tag = "settings", security(("bearer" = [])),
    responses((status = 200, body = SettingList), (status = 401, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>) -> Result<Json<SettingList>, ApiError> {
    Ok(Json(SettingList {
        items: state.store.list_settings().await?,
    }))
}

#[utoipa::path(get, path = "/api/v1/settings/{key}", tag = "settings", security(("bearer" = [])),
    params(("key" = String, Path, description = "setting key")),
    responses((status = 200, body = Setting), (status = 404, body = ErrorBody)))]
pub async fn get(State(state): State<AppState>, Path(key): Path<String>) -> Result<Json<Setting>, ApiError> {
    check_key(&key)?;
    state
        .store
        .get_setting(&key)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("there is no setting '{key}'")))
}

#[utoipa::path(put, path = "/api/v1/settings/{key}", tag = "settings", security(("bearer" = [])),
    params(("key" = String, Path, description = "setting key")), request_body = SettingValue,
    responses((status = 200, body = Setting), (status = 400, body = ErrorBody), (status = 409, description = "an operator pinned this key (environment or flag)", body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn put(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Json(body): Json<SettingValue>,
) -> Result<Json<Setting>, ApiError> {
    check_key(&key)?;
    if !USER_SETTABLE.contains(&key.as_str()) {
        return Ok(Json(state.store.put_setting(&key, &body.value).await?));
    }
    // A configuration key the UI may set: checked as the config file's value would be, refused
    // when the operator pinned it, stored typed, and applied at once: the safety level to the
    // gate, the LLM provider, model and endpoint to the investigator and chat (the API key is
    // the environment's or the OS keyring's, read as the provider is rebuilt).
    if let Some(by) = state.pinned.get(&key) {
        return Err(ApiError::conflict(format!(
            "{key} is set by {by} where the backend runs, which the UI does not override; change it there and restart"
        )));
    }
    let typed = check_user_value(&key, &body.value)
        .map_err(|allowed| ApiError::bad_request(format!("{key} must be {allowed}")))?;
    let saved = state.store.put_setting(&key, &typed).await?;
    if key == AUTONOMY_LEVEL
        && let Some(level) = typed.as_u64()
    {
        state.gate.set_autonomy_level(u8::try_from(level).unwrap_or(1));
        tracing::info!(level, "safety autonomy level changed in the UI");
    }
    if key.starts_with("ai.llm.") {
        // Rebuilding the provider may read the OS keyring, which can block: off the runtime.
        let (ai, k, v) = (state.ai.clone(), key.clone(), typed.clone());
        tokio::task::spawn_blocking(move || ai.apply_llm_setting(&k, &v))
            .await
            .map_err(|e| ApiError::internal("applying the LLM setting", &e))?;
        let provider = state.ai.provider().map(|p| format!("{} ({})", p.name, p.model));
        tracing::info!(
            key,
            provider = provider.as_deref().unwrap_or("none"),
            "LLM setting changed in the UI; in use from the next investigation and chat answer"
        );
    }
    Ok(Json(saved))
}

#[derive(Deserialize, IntoParams)]
pub struct Page {
    /// At most 1000; default 100.
    pub limit: Option<u32>,
    /// Records older than this id: pass the last id of a page for the next one (stable while
    /// new records are written, unlike `offset`).
    pub before: Option<i64>,
    /// Skip this many of the newest records (ignored with `before`).
    pub offset: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditList {
    pub items: Vec<AuditRecord>,
    pub total: u64,
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "safety", security(("bearer" = [])), params(Page),
    responses((status = 200, body = AuditList)))]
pub async fn audit(State(state): State<AppState>, Query(page): Query<Page>) -> Result<Json<AuditList>, ApiError> {
    let limit = page.limit.unwrap_or(100).min(1000);
    let from = match (page.before, page.offset) {
        (Some(id), _) => AuditPage::Before(id),
        (None, n) => AuditPage::Offset(n.unwrap_or(0)),
    };
    let (items, total) = state.store.list_audit(limit, from).await?;
    Ok(Json(AuditList { items, total }))
}
