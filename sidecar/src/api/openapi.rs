//! The OpenAPI document, generated from the Rust types and handlers; the UI's TypeScript types
//! are generated from it.

use axum::Json;
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use super::{error, health, settings};
use crate::store;

#[derive(OpenApi)]
#[openapi(
    info(title = "Kubilitics API", description = "The Kubilitics sidecar's HTTP API. Every /api request needs 'Authorization: Bearer <token>'."),
    paths(health::health, document, version, settings::list, settings::get, settings::put, settings::audit),
    components(schemas(error::ErrorBody, error::ErrorDetail, health::Health, health::Dependencies,
        health::DependencyState, store::Setting, store::AuditRecord, store::NewAuditRecord, Version)),
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
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    doc
}

#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "system", security(("bearer" = [])),
    responses((status = 200, description = "this document")))]
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(spec())
}

#[derive(Serialize, ToSchema)]
pub struct Version {
    pub version: String,
}

#[utoipa::path(get, path = "/api/v1/version", tag = "system", security(("bearer" = [])),
    responses((status = 200, body = Version)))]
pub async fn version() -> Json<Version> {
    Json(Version {
        version: env!("CARGO_PKG_VERSION").to_string(),
    })
}
