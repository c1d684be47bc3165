//! The OpenAPI document, generated from the Rust types and handlers; the UI's TypeScript types
//! are generated from it.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use super::{ai, error, health, session, settings};
use crate::store;

#[derive(OpenApi)]
#[openapi(
    info(title = "Kubilitics API", description = "The Kubilitics sidecar's HTTP API. Every /api request needs 'Authorization: Bearer <token>'."),
    paths(health::health, document, version, ai::status, ai::hand_llm_key, ai::forget_llm_key, ai::start, ai::list, ai::get, ai::cancel, ai::export, ai::import, session::info, session::new_login_url, settings::list, settings::get,
        settings::put, settings::audit),
    components(schemas(error::ErrorBody, error::ErrorDetail, health::Health, health::Dependencies,
        health::DependencyState, store::Setting, store::AuditRecord, store::NewAuditRecord, Version,
        ai::StartInvestigation, ai::Started, ai::LlmKey, ai::InvestigationList, ai::InvestigationExport, ai::ImportResult, ai::AiStatus, ai::LlmProviderStatus, ai::InvestigationCounts, ai::SafetyStatus, crate::ai::budget::TokenUsage,
        crate::ai::investigation::Investigation, crate::ai::investigation::TargetSpec, crate::ai::engine::Progress,
        session::SessionInfo, session::LoginUrl)),
    modifiers(&BearerAuth),
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// The document with this build's version.
pub fn spec() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(super::workbench::WorkbenchDoc::openapi());
    doc.merge(super::sandbox::SandboxDoc::openapi());
    doc.merge(super::ai_insights::InsightsDoc::openapi());
    doc.merge(super::ai_chat::ChatDoc::openapi());
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    unique_operation_ids(&mut doc);
    doc
}

/// Handlers in different modules share names (`get`, `list`, `start`), and utoipa uses the
/// function name as the operationId; generated clients key operations by it, so the UI's
/// `settings::get` came out typed as `ai::get`. Prefixing the tag makes every id unique.
fn unique_operation_ids(doc: &mut utoipa::openapi::OpenApi) {
    for item in doc.paths.paths.values_mut() {
        let ops = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for op in ops.into_iter().flatten() {
            let tag = op.tags.as_ref().and_then(|t| t.first()).cloned();
            if let (Some(id), Some(tag)) = (op.operation_id.as_mut(), tag) {
                *id = format!("{tag}_{id}");
            }
        }
    }
}

/// The document as pretty JSON with a trailing newline, as committed in
/// `ui/src/api/openapi.json`.
pub fn pretty() -> String {
    let mut text = serde_json::to_string_pretty(&spec()).expect("the document serialises");
    text.push('\n');
    text
}

#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "system", security(("bearer" = [])),
    responses((status = 200, description = "this document")))]
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(spec())
}

#[derive(Serialize, ToSchema)]
pub struct Version {
    pub version: String,
    pub database: DatabaseInfo,
}

/// Where this sidecar keeps its data: chosen by the deployment (database.type), not from the UI.
#[derive(Serialize, ToSchema)]
pub struct DatabaseInfo {
    /// `sqlite` or `postgresql`.
    pub backend: String,
    /// The SQLite file, or `user@host:port/database` (never a password).
    pub location: String,
}

#[utoipa::path(get, path = "/api/v1/version", tag = "system", security(("bearer" = [])),
    responses((status = 200, body = Version)))]
pub async fn version(State(state): State<super::AppState>) -> Json<Version> {
    Json(Version {
        version: env!("CARGO_PKG_VERSION").to_string(),
        database: DatabaseInfo {
            backend: state.store.backend().to_string(),
            location: state.store.location(),
        },
    })
}

#[cfg(test)]
mod tests {
    /// The UI generates its types from the committed copy; it must match what the sidecar
    /// serves. To refresh it: `cargo run -p kubilitics -- openapi > ui/src/api/openapi.json`.
    #[test]
    fn the_committed_openapi_snapshot_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/api/openapi.json");
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == super::pretty(),
            "{} is stale: run `cargo run -p kubilitics -- openapi > ui/src/api/openapi.json`",
            path.display()
        );
    }

    #[test]
    fn every_operation_id_is_unique() {
        let doc = serde_json::to_value(super::spec()).unwrap();
        let mut seen = std::collections::HashSet::new();
        for item in doc["paths"].as_object().unwrap().values() {
            for op in item.as_object().unwrap().values() {
                if let Some(id) = op.get("operationId").and_then(|i| i.as_str()) {
                    assert!(seen.insert(id.to_string()), "operationId {id} is used twice");
                }
            }
        }
    }
}
