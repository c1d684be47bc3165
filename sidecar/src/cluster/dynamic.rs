//! Kinds the cache does not hold (custom resources above all), read on demand through API
//! discovery and the dynamic API. Only what the user opens is fetched.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{ApiResource, DynamicObject, ListParams};
use kube::discovery::{ApiGroup, Discovery, Scope, verbs};
use kube::{Api, Client, Resource};
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

/// Every served group and kind: two requests with aggregated discovery (Kubernetes 1.26+), else
/// (an older server, or one that answers with the classic documents) a request per group version.
async fn discover(client: &Client) -> Result<Discovery, kube::Error> {
    match Discovery::new(client.clone()).run_aggregated().await {
        // A classic answer parses as an empty aggregated one; every server has the core group.
        Ok(d) if d.has_group(ApiGroup::CORE_GROUP) => Ok(d),
        Ok(_) => Discovery::new(client.clone()).run().await,
        Err(e) => {
            tracing::debug!(error = %e, "no aggregated discovery; walking the API groups");
            Discovery::new(client.clone()).run().await
        }
    }
}

/// Every listable kind, built-in and custom.
pub async fn kinds(client: &Client) -> Result<Vec<KindDescription>, kube::Error> {
    let discovery = discover(client).await?;
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

/// Finds `name` (plural, Kind, or `plural.group`) among the served kinds. When groups share a
/// name (`pods` is also metrics.k8s.io's PodMetrics, `events` also events.k8s.io's), the core
/// group wins, the metrics API comes last and the rest go alphabetically, so the same name always
/// means the same kind, as with kubectl; `plural.group` picks any one exactly.
async fn resolve(client: &Client, name: &str) -> Result<(ApiResource, bool), DynamicError> {
    let discovery = discover(client).await?;
    let lower = name.to_ascii_lowercase();
    let mut found = Vec::new();
    for group in discovery.groups() {
        for (ar, caps) in group.recommended_resources() {
            if ar.group.is_empty() && ar.kind == "Secret" {
                // Secrets are only ever read as metadata (the cache); never through here.
                continue;
            }
            let exact = format!("{}.{}", ar.plural, ar.group) == lower;
            if exact || ar.plural == lower || ar.kind.to_ascii_lowercase() == lower {
                let rank = (
                    !exact,
                    !ar.group.is_empty(),
                    ar.group == "metrics.k8s.io",
                    ar.group.clone(),
                );
                found.push((rank, ar, caps.scope == Scope::Namespaced));
            }
        }
    }
    found
        .into_iter()
        .min_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, ar, namespaced)| (ar, namespaced))
        .ok_or_else(|| DynamicError::UnknownKind(name.to_string()))
}

/// What `kubectl get` asks for: the API server renders the kind's columns (a CRD's
/// additionalPrinterColumns, a built-in kind's own) as a Table, with each row's metadata.
const TABLE_ACCEPT: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

/// `Desired Replicas` → `desired_replicas`: the rows' snake_case column names.
fn column_key(name: &str) -> String {
    name.trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

fn row_of(meta: &ObjectMeta, columns: serde_json::Map<String, Value>, now: i64) -> Row {
    let created = meta.creation_timestamp.as_ref().map(|t| t.0);
    Row {
        name: meta.name.clone().unwrap_or_default(),
        namespace: meta.namespace.clone(),
        created: created.map(|t| t.to_string()),
        age: created
            .map(|t| kinds::short_duration((now - t.as_second()).max(0)))
            .unwrap_or_default(),
        columns,
    }
}

/// Rows from a Table: the columns kubectl shows by default (priority 0), NAME and AGE aside
/// (every row has them); None when the answer is not a Table (a server that ignores `as=Table`).
fn table_rows(table: &Value, filter: &Filter, now: i64) -> Option<Vec<Row>> {
    if table.get("kind").and_then(Value::as_str) != Some("Table") {
        return None;
    }
    let defs = table.get("columnDefinitions")?.as_array()?;
    let shown: Vec<(usize, String)> = defs
        .iter()
        .enumerate()
        .filter(|(_, d)| d.get("priority").and_then(Value::as_i64).unwrap_or(0) == 0)
        .filter_map(|(i, d)| {
            let key = column_key(d.get("name")?.as_str()?);
            (!matches!(key.as_str(), "name" | "namespace" | "age" | "created")).then_some((i, key))
        })
        .collect();
    let mut rows = Vec::new();
    for r in table.get("rows")?.as_array()? {
        let meta: ObjectMeta = serde_json::from_value(r.pointer("/object/metadata")?.clone()).ok()?;
        if !filter.accepts(&meta) {
            continue;
        }
        let cells = r.get("cells").and_then(Value::as_array);
        let columns = shown
            .iter()
            .filter_map(|(i, key)| Some((key.clone(), cells?.get(*i)?.clone())))
            .filter(|(_, v)| !v.is_null())
            .collect();
        rows.push(row_of(&meta, columns, now));
    }
    Some(rows)
}

/// The fallback when the server sends objects: NAME, AGE and a status phase if there is one.
fn summary(o: &DynamicObject, now: i64) -> Row {
    let mut columns = serde_json::Map::new();
    if let Some(phase) = o.data.pointer("/status/phase").and_then(Value::as_str) {
        columns.insert("status".into(), Value::String(phase.into()));
    }
    row_of(&o.metadata, columns, now)
}

/// What [`list`] read.
#[derive(Debug)]
pub struct Listed {
    pub rows: Vec<Row>,
    /// Set when every namespace was asked for but the credentials may only list this kind in
    /// the context's namespace, so that one was read (as the watch cache does for its kinds).
    pub namespace_only: Option<String>,
}

/// Rows of any served kind with kubectl's columns, read from the API server now.
pub async fn list(client: &Client, kind: &str, filter: &Filter) -> Result<Listed, DynamicError> {
    let (ar, namespaced) = resolve(client, kind).await?;
    // A namespace filter means nothing to a cluster-scoped kind (as with kubectl -n).
    let filter = Filter {
        namespace: filter.namespace.clone().filter(|_| namespaced),
        ..filter.clone()
    };
    match list_in(client, &ar, &filter).await {
        Err(kube::Error::Api(s)) if s.code == 403 && namespaced && filter.namespace.is_none() => {
            let namespace = client.default_namespace().to_string();
            let narrowed = Filter {
                namespace: Some(namespace.clone()),
                ..filter
            };
            Ok(Listed {
                rows: list_in(client, &ar, &narrowed).await?,
                namespace_only: Some(namespace),
            })
        }
        read => Ok(Listed {
            rows: read?,
            namespace_only: None,
        }),
    }
}

/// One list request for `filter`'s namespace (all when None).
async fn list_in(client: &Client, ar: &ApiResource, filter: &Filter) -> Result<Vec<Row>, kube::Error> {
    let mut lp = ListParams::default();
    if let Some(s) = &filter.label_selector {
        lp = lp.labels(s);
    }
    let url = DynamicObject::url_path(ar, filter.namespace.as_deref());
    let mut req = kube::core::Request::new(url)
        .list(&lp)
        .map_err(kube::Error::BuildRequest)?;
    req.headers_mut()
        .insert(http::header::ACCEPT, http::HeaderValue::from_static(TABLE_ACCEPT));
    // Only the metadata of each object comes along: the cells are what the rows show.
    let uri = format!("{}&includeObject=Metadata", req.uri());
    *req.uri_mut() = uri.parse().map_err(|e: http::uri::InvalidUri| {
        kube::Error::BuildRequest(kube::core::request::Error::Validation(e.to_string()))
    })?;
    let answer: Value = client.request(req).await?;
    let now = chrono::Utc::now().timestamp();
    if let Some(rows) = table_rows(&answer, filter, now) {
        return Ok(rows);
    }
    let list: kube::core::ObjectList<DynamicObject> =
        serde_json::from_value(answer).map_err(kube::Error::SerdeError)?;
    Ok(list
        .items
        .iter()
        .filter(|o| filter.accepts(&o.metadata))
        .map(|o| summary(o, now))
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn table() -> Value {
        json!({
            "kind": "Table", "apiVersion": "meta.k8s.io/v1",
            "columnDefinitions": [
                {"name": "Name", "type": "string", "priority": 0},
                {"name": "Size", "type": "integer", "priority": 0},
                {"name": "Desired Replicas", "type": "integer", "priority": 0},
                {"name": "Owner", "type": "string", "priority": 1},
                {"name": "Age", "type": "date", "priority": 0}
            ],
            "rows": [
                {"cells": ["small", 1, 2, "team-a", "5m"],
                 "object": {"kind": "PartialObjectMetadata", "metadata": {"name": "small", "namespace": "shop",
                     "labels": {"tier": "front"}, "creationTimestamp": "2026-11-26T10:00:00Z"}}},
                {"cells": ["large", 9, null, "team-b", "1d"],
                 "object": {"kind": "PartialObjectMetadata", "metadata": {"name": "large", "namespace": "shop",
                     "creationTimestamp": "2026-11-26T10:00:00Z"}}}
            ]
        })
    }

    #[test]
    fn a_tables_default_columns_become_the_rows_columns_as_kubectl_prints_them() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-26T10:05:00Z")
            .unwrap()
            .timestamp();
        let rows = table_rows(&table(), &Filter::default(), now).unwrap();
        assert_eq!(rows.len(), 2);
        let small = &rows[0];
        assert_eq!(
            (small.name.as_str(), small.namespace.as_deref()),
            ("small", Some("shop"))
        );
        assert_eq!(small.age, "5m", "age from the object, not the cell");
        assert_eq!(small.columns["size"], 1);
        assert_eq!(small.columns["desired_replicas"], 2);
        assert!(
            !small.columns.contains_key("owner"),
            "wide-only columns stay out, as in kubectl get"
        );
        assert!(!small.columns.contains_key("name") && !small.columns.contains_key("age"));
        assert!(
            !rows[1].columns.contains_key("desired_replicas"),
            "an empty cell is no column"
        );
    }

    #[test]
    fn the_text_and_label_filters_apply_to_table_rows() {
        let only_front = Filter {
            label_selector: Some("tier=front".into()),
            ..Filter::default()
        };
        let rows = table_rows(&table(), &only_front, 0).unwrap();
        assert_eq!(rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["small"]);
        let text = Filter {
            q: Some("LAR".into()),
            ..Filter::default()
        };
        assert_eq!(table_rows(&table(), &text, 0).unwrap()[0].name, "large");
    }

    #[test]
    fn an_answer_that_is_not_a_table_falls_back_to_the_objects() {
        assert!(table_rows(&json!({"kind": "WidgetList", "items": []}), &Filter::default(), 0).is_none());
    }
}
