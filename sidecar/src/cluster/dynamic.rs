//! Kinds the cache does not hold (custom resources above all), read on demand through API
//! discovery and the dynamic API. Only what the user opens is fetched.

use kube::api::{ApiResource, DynamicObject, ListParams};
use kube::discovery::{Discovery, Scope, verbs};
use kube::{Api, Client, ResourceExt};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::cache::Filter;
use super::kinds::{self, Row};

#[derive(Debug, thiserror::Error)]
pub enum DynamicError {
    #[error("the cluster serves no resource named '{0}'")]
    UnknownKind(String),
    #[error("the Kubernetes API failed: {0}")]
    Api(#[from] kube::Error),
}

/// One kind the cluster serves.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KindDescription {
    /// Plural, as used in resource URLs.
    pub name: String,
    pub kind: String,
    pub group: String,
    pub version: String,
    pub namespaced: bool,
    /// Served from the watch cache (live) rather than read on demand.
    pub cached: bool,
}

/// Every listable kind, built-in and custom.
pub async fn kinds(client: &Client) -> Result<Vec<KindDescription>, kube::Error> {
    let discovery = Discovery::new(client.clone()).run().await?;
    let mut out = Vec::new();
    for group in discovery.groups() {
        for (ar, caps) in group.recommended_resources() {
            if !caps.supports_operation(verbs::LIST) || ar.plural.contains('/') {
                continue;
            }
            out.push(KindDescription {
                cached: kinds::KINDS.iter().any(|k| k.name == ar.plural && k.group == ar.group),
                name: ar.plural.clone(),
                kind: ar.kind.clone(),
                group: ar.group.clone(),
                version: ar.version.clone(),
                namespaced: caps.scope == Scope::Namespaced,
            });
        }
    }
    out.sort_by(|a, b| (&a.group, &a.name).cmp(&(&b.group, &b.name)));
    Ok(out)
}

/// Finds `name` (plural, singular, Kind, or `plural.group`) among the served kinds.
async fn resolve(client: &Client, name: &str) -> Result<(ApiResource, bool), DynamicError> {
    let discovery = Discovery::new(client.clone()).run().await?;
    let lower = name.to_ascii_lowercase();
    for group in discovery.groups() {
        for (ar, caps) in group.recommended_resources() {
            if ar.group.is_empty() && ar.kind == "Secret" {
                // Secrets are only ever read as metadata (the cache); never through here.
                continue;
            }
            let full = format!("{}.{}", ar.plural, ar.group);
            if ar.plural == lower
                || full == lower
                || ar.kind.eq_ignore_ascii_case(name)
                || ar.kind.to_ascii_lowercase() == lower
            {
                return Ok((ar, caps.scope == Scope::Namespaced));
            }
        }
    }
    Err(DynamicError::UnknownKind(name.to_string()))
}

fn summary(o: &DynamicObject) -> Row {
    let now = chrono::Utc::now();
    let created = o.metadata.creation_timestamp.as_ref().map(|t| t.0);
    let mut columns = serde_json::Map::new();
    if let Some(phase) = o.data.pointer("/status/phase").and_then(Value::as_str) {
        columns.insert("status".into(), Value::String(phase.into()));
    }
    Row {
        name: o.name_any(),
        namespace: o.namespace(),
        created: created.map(|t| t.to_string()),
        age: created
            .map(|t| kinds::short_duration((now.timestamp() - t.as_second()).max(0)))
            .unwrap_or_default(),
        columns,
    }
}

pub async fn list(client: &Client, kind: &str, filter: &Filter) -> Result<Vec<Row>, DynamicError> {
    let (ar, namespaced) = resolve(client, kind).await?;
    let api: Api<DynamicObject> = match filter.namespace.as_deref() {
        Some(ns) if namespaced => Api::namespaced_with(client.clone(), ns, &ar),
        _ => Api::all_with(client.clone(), &ar),
    };
    let mut lp = ListParams::default();
    if let Some(s) = &filter.label_selector {
        lp = lp.labels(s);
    }
    let list = api.list(&lp).await?;
    Ok(list
        .items
        .iter()
        .filter(|o| filter.accepts(&o.metadata))
        .map(summary)
        .collect())
}

pub async fn get(
    client: &Client,
    kind: &str,
    namespace: Option<&str>,
    name: &str,
) -> Result<Option<Value>, DynamicError> {
    let (ar, namespaced) = resolve(client, kind).await?;
    let api: Api<DynamicObject> = match namespace {
        Some(ns) if namespaced => Api::namespaced_with(client.clone(), ns, &ar),
        _ => Api::all_with(client.clone(), &ar),
    };
    let Some(mut obj) = api.get_opt(name).await? else {
        return Ok(None);
    };
    obj.metadata.managed_fields = None;
    Ok(Some(serde_json::to_value(&obj).map_err(kube::Error::SerdeError)?))
}
