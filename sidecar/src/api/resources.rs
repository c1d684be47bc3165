//! `/api/v1/clusters/{context}/resources/...`: lists, objects and their events, all answered
//! from the watch cache; custom resources through the dynamic API on demand.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::clusters::connection;
use super::error::{ApiError, Json, Path, Query};
use crate::cluster::cache::KindCache;
use crate::cluster::events::EventRow;
use crate::cluster::kinds::{self, Row};
use crate::cluster::rows::{ReadyRow, write_list};
use crate::cluster::{Filter, KindStatus, SyncState, dynamic, overview};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct ListQuery {
    /// Only this namespace (all when absent).
    pub namespace: Option<String>,
    /// Kubernetes label selector: `app=web,tier!=db,env in (a,b)`.
    pub label_selector: Option<String>,
    /// Case-insensitive text in the name.
    pub q: Option<String>,
    /// A column (`name`, `namespace`, `age`, `status`, `restarts`, ...); `-` first for descending.
    pub sort: Option<String>,
    /// At most this many rows (all when absent).
    pub limit: Option<usize>,
    /// The `continue` token of the previous page.
    #[serde(rename = "continue")]
    pub continue_: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ListResponse {
    pub items: Vec<Row>,
    /// Rows matching the filters, over all pages.
    pub total: usize,
    /// Pass as `continue` for the next page; absent on the last.
    #[serde(rename = "continue")]
    pub continue_: Option<String>,
    /// How current the cache of this kind is. Absent for custom resources (read live), unless
    /// the read was narrowed to the context's namespace (then `namespace` says which).
    pub sync: Option<KindStatus>,
    /// The context's last delta number when the list was read (cached kinds only): the list
    /// holds every change numbered up to it, so a client applies the WebSocket deltas after it,
    /// including those that arrived while the list was on its way.
    pub seq: Option<u64>,
}

/// Orders rows by the query's `sort` column (`-` first for descending); by namespace, then name,
/// when it names none.
fn order<T>(rows: &mut [T], sort: Option<&str>, row: impl Fn(&T) -> &Row) {
    let (column, descending) = match sort {
        Some(s) if s.starts_with('-') => (&s[1..], true),
        Some(s) => (s, false),
        None => ("", false),
    };
    if column.is_empty() {
        rows.sort_by(|a, b| {
            let (a, b) = (row(a), row(b));
            (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name))
        });
        return;
    }
    rows.sort_by(|a, b| {
        let (a, b) = (row(a), row(b));
        let (ka, kb) = (kinds::sort_key(a, column), kinds::sort_key(b, column));
        ka.0.total_cmp(&kb.0)
            .then_with(|| ka.1.cmp(&kb.1))
            .then_with(|| a.name.cmp(&b.name))
    });
    // Age sorts by creation time: newest first reads as "smallest age".
    if descending != (column == "age") {
        rows.reverse();
    }
}

/// The `start..end` of the page the query asks for, out of `total` rows.
fn window(total: usize, q: &ListQuery) -> Result<(usize, usize), ApiError> {
    let start = match q.continue_.as_deref() {
        Some(t) => t
            .parse::<usize>()
            .map_err(|_| ApiError::bad_request("'continue' must be the token returned by the previous page"))?,
        None => 0,
    };
    let limit = q.limit.unwrap_or(usize::MAX).max(1);
    Ok((start.min(total), start.saturating_add(limit).min(total)))
}

/// Sorts, pages and wraps rows.
pub fn page(mut rows: Vec<Row>, q: &ListQuery, sync: Option<KindStatus>) -> Result<ListResponse, ApiError> {
    order(&mut rows, q.sort.as_deref(), |r| r);
    let total = rows.len();
    let (start, end) = window(total, q)?;
    Ok(ListResponse {
        items: rows.drain(start..end).collect(),
        total,
        continue_: (end < total).then(|| end.to_string()),
        sync,
        seq: None,
    })
}

/// [`ListResponse`] without its `items`, which [`ready_page`] writes from ready rows.
#[derive(Serialize)]
struct ListRest {
    total: usize,
    #[serde(rename = "continue")]
    continue_: Option<String>,
    sync: Option<KindStatus>,
    seq: u64,
}

/// A cached kind's list as the JSON of [`ListResponse`]: rows kept ready by the watch cache are
/// filtered, ordered (already, unless a column is asked for), paged and concatenated. `seq` is
/// the context's last delta number, read before the rows: a change is put in the rows before its
/// delta is numbered, so the rows hold every change up to `seq` (and perhaps some after).
pub fn ready_page(kind: &dyn KindCache, filter: &Filter, q: &ListQuery, seq: u64) -> Result<Vec<u8>, ApiError> {
    let now = chrono::Utc::now().timestamp();
    let mut rows = kind.ready(filter);
    if q.sort.as_deref().is_some_and(|s| !s.is_empty()) {
        let mut keyed: Vec<(Row, Arc<ReadyRow>)> = rows.into_iter().map(|r| (r.to_row(now), r)).collect();
        order(&mut keyed, q.sort.as_deref(), |k| &k.0);
        rows = keyed.into_iter().map(|k| k.1).collect();
    }
    let total = rows.len();
    let (start, end) = window(total, q)?;
    let rest = ListRest {
        total,
        continue_: (end < total).then(|| end.to_string()),
        sync: Some(kind.status()),
        seq,
    };
    write_list(&rows[start..end], now, &rest).map_err(|e| ApiError::internal("writing the list", &e))
}

#[utoipa::path(get, path = "/api/v1/clusters/{context}/resources/{kind}", tag = "resources", security(("bearer" = [])),
    params(("context" = String, Path), ("kind" = String, Path, description = "plural, short name or Kind; custom resources too"), ListQuery),
    responses((status = 200, body = ListResponse), (status = 400, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Path((context, kind)): Path<(String, String)>,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    if let Some(sel) = q.label_selector.as_deref() {
        kinds::validate_selector(sel).map_err(ApiError::bad_request)?;
    }
    let conn = connection(&state, &context).await?;
    let filter = Filter {
        namespace: q.namespace.clone().filter(|n| !n.is_empty()),
        label_selector: q.label_selector.clone().filter(|s| !s.is_empty()),
        q: q.q.clone(),
    };
    if let Some(k) = conn.cache.kind(&kind) {
        let k = k.clone();
        let seq = conn.cache.deltas.last();
        // Tens of thousands of rows are still CPU work (a column sort parses them): off the reactor.
        let body = tokio::task::spawn_blocking(move || ready_page(k.as_ref(), &filter, &q, seq))
            .await
            .map_err(|e| ApiError::internal("listing from the cache", &e))??;
        return Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response());
    }
    let listed = dynamic::list(&conn.client, &kind, &filter)
        .await
        .map_err(dynamic_error)?;
    // Read live, so no sync state; but a read narrowed to the context's namespace says so the
    // way a cached kind does.
    let sync = listed.namespace_only.map(|namespace| KindStatus {
        kind: kind.clone(),
        state: SyncState::Synced,
        since: None,
        message: None,
        items: listed.rows.len(),
        namespace: Some(namespace),
    });
    Ok(Json(page(listed.rows, &q, sync)?).into_response())
}

pub fn dynamic_error(e: dynamic::DynamicError) -> ApiError {
    match e {
        dynamic::DynamicError::UnknownKind(k) => ApiError::not_found(format!(
            "the cluster serves no resource named '{k}'; GET /api/v1/clusters/{{context}}/kinds lists them"
        )),
        dynamic::DynamicError::Api(e) => kube_error("reading the resource", &e),
    }
}

/// A Kubernetes API error as ours: 403/404/409/422 keep their meaning.
pub fn kube_error(what: &str, e: &kube::Error) -> ApiError {
    use axum::http::StatusCode;
    if let kube::Error::Api(s) = e {
        let (status, code) = match s.code {
            403 => (StatusCode::FORBIDDEN, "kubernetes_forbidden"),
            404 => (StatusCode::NOT_FOUND, "not_found"),
            409 => (StatusCode::CONFLICT, "kubernetes_conflict"),
            422 | 400 => (StatusCode::UNPROCESSABLE_ENTITY, "kubernetes_invalid"),
            429 => (StatusCode::TOO_MANY_REQUESTS, "kubernetes_throttled"),
            _ => (StatusCode::BAD_GATEWAY, "kubernetes_error"),
        };
        return ApiError::new(
            status,
            code,
            format!("{what}: the API server answered {}: {}", s.code, s.message),
        );
    }
    ApiError::new(
        axum::http::StatusCode::BAD_GATEWAY,
        "kubernetes_error",
        format!("{what} failed: {}", crate::cluster::credentials::chain(e)),
    )
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GetQuery {
    /// `json` (default) or `yaml`; `Accept: application/yaml` works too.
    pub format: Option<String>,
}

fn namespace_param(ns: &str) -> Option<&str> {
    (ns != "_" && !ns.is_empty()).then_some(ns)
}

#[utoipa::path(get, path = "/api/v1/clusters/{context}/resources/{kind}/{namespace}/{name}", tag = "resources", security(("bearer" = [])),
    params(("context" = String, Path), ("kind" = String, Path), ("namespace" = String, Path, description = "`_` for cluster-scoped kinds"), ("name" = String, Path), GetQuery),
    responses((status = 200, description = "the object as JSON or YAML (Secrets: metadata only)"), (status = 404, body = super::error::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Path((context, kind, namespace, name)): Path<(String, String, String, String)>,
    Query(q): Query<GetQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let conn = connection(&state, &context).await?;
    let ns = namespace_param(&namespace);
    let obj = match conn.cache.kind(&kind) {
        Some(k) => k.get(ns, &name),
        None => dynamic::get(&conn.client, &kind, ns, &name)
            .await
            .map_err(dynamic_error)?,
    };
    let Some(obj) = obj else {
        return Err(ApiError::not_found(format!(
            "{kind} {}{name} is not in the cluster (or not yet in the cache)",
            ns.map(|n| format!("{n}/")).unwrap_or_default()
        )));
    };
    let wants_yaml = q.format.as_deref() == Some("yaml")
        || headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("yaml"));
    if wants_yaml {
        let text = serde_norway::to_string(&obj).map_err(|e| ApiError::internal("rendering YAML", &e))?;
        return Ok(([(header::CONTENT_TYPE, "application/yaml")], text).into_response());
    }
    Ok(Json(obj).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct EventList {
    pub items: Vec<EventRow>,
}

#[utoipa::path(get, path = "/api/v1/clusters/{context}/resources/{kind}/{namespace}/{name}/events", tag = "resources", security(("bearer" = [])),
    params(("context" = String, Path), ("kind" = String, Path), ("namespace" = String, Path), ("name" = String, Path)),
    responses((status = 200, body = EventList)))]
pub async fn events(
    State(state): State<AppState>,
    Path((context, kind, namespace, name)): Path<(String, String, String, String)>,
) -> Result<Json<EventList>, ApiError> {
    let conn = connection(&state, &context).await?;
    let kind_name = kinds::find(&kind).map(|k| k.kind.to_string()).unwrap_or(kind);
    let items = conn
        .cache
        .events
        .for_object(&kind_name, namespace_param(&namespace), &name);
    Ok(Json(EventList {
        items: items.iter().rev().map(|e| e.as_ref().clone()).collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct KindList {
    pub items: Vec<dynamic::KindDescription>,
}

#[utoipa::path(get, path = "/api/v1/clusters/{context}/kinds", tag = "resources", security(("bearer" = [])),
    params(("context" = String, Path)),
    responses((status = 200, description = "every kind the cluster serves, CRDs included", body = KindList)))]
pub async fn kinds(State(state): State<AppState>, Path(context): Path<String>) -> Result<Json<KindList>, ApiError> {
    let conn = connection(&state, &context).await?;
    let items = dynamic::kinds(&conn.client)
        .await
        .map_err(|e| kube_error("discovering the cluster's kinds", &e))?;
    Ok(Json(KindList { items }))
}

#[utoipa::path(get, path = "/api/v1/clusters/{context}/overview", tag = "resources", security(("bearer" = [])),
    params(("context" = String, Path)), responses((status = 200, body = overview::Overview)))]
pub async fn overview(
    State(state): State<AppState>,
    Path(context): Path<String>,
) -> Result<Json<overview::Overview>, ApiError> {
    let conn = connection(&state, &context).await?;
    let o = tokio::task::spawn_blocking(move || overview::overview(&conn.cache))
        .await
        .map_err(|e| ApiError::internal("the overview", &e))?;
    Ok(Json(o))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Text in the name, or a label selector (`app=web`).
    pub q: String,
    pub namespace: Option<String>,
    /// At most this many hits (default 100).
    pub limit: Option<usize>,
}

#[derive(Serialize, ToSchema)]
pub struct SearchResult {
    pub items: Vec<overview::Hit>,
}

#[utoipa::path(get, path = "/api/v1/clusters/{context}/search", tag = "resources", security(("bearer" = [])),
    params(("context" = String, Path), SearchQuery), responses((status = 200, body = SearchResult)))]
pub async fn search(
    State(state): State<AppState>,
    Path(context): Path<String>,
    Query(q): Query<SearchQuery>,
) -> Result<Json<SearchResult>, ApiError> {
    let conn = connection(&state, &context).await?;
    let items = tokio::task::spawn_blocking(move || {
        overview::search(&conn.cache, &q.q, q.namespace.as_deref(), q.limit.unwrap_or(100))
    })
    .await
    .map_err(|e| ApiError::internal("the search", &e))?;
    Ok(Json(SearchResult { items }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct LogQuery {
    pub container: Option<String>,
    /// The previous (crashed) container's log.
    #[serde(default)]
    pub previous: bool,
    /// The last N lines.
    pub tail: Option<i64>,
    /// Only lines newer than this many seconds.
    pub since: Option<i64>,
    #[serde(default)]
    pub timestamps: bool,
}

impl LogQuery {
    pub fn options(&self) -> overview::LogOptions {
        overview::LogOptions {
            container: self.container.clone(),
            previous: self.previous,
            tail_lines: self.tail,
            since_seconds: self.since,
            timestamps: self.timestamps,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/clusters/{context}/resources/{kind}/{namespace}/{name}/logs", tag = "resources", security(("bearer" = [])),
    params(("context" = String, Path), ("kind" = String, Path, description = "pods"), ("namespace" = String, Path), ("name" = String, Path), LogQuery),
    responses((status = 200, description = "the log as text/plain; follow it over the WebSocket with a `logs` message"), (status = 400, body = super::error::ErrorBody)))]
pub async fn logs(
    State(state): State<AppState>,
    Path((context, kind, namespace, name)): Path<(String, String, String, String)>,
    Query(q): Query<LogQuery>,
) -> Result<Response, ApiError> {
    if kinds::find(&kind).map(|k| k.name) != Some("pods") {
        return Err(ApiError::bad_request(
            "logs belong to pods: use /resources/pods/{namespace}/{name}/logs",
        ));
    }
    let conn = connection(&state, &context).await?;
    let text = overview::logs(&conn.client, &namespace, &name, &q.options())
        .await
        .map_err(|e| kube_error(&format!("reading the log of pod {namespace}/{name}"), &e))?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MetricsQuery {
    /// `pods` (default) or `nodes`.
    pub kind: Option<String>,
    pub namespace: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct UsageList {
    /// False when the cluster has no metrics.k8s.io (metrics-server not installed).
    pub available: bool,
    pub items: Vec<overview::Usage>,
}

#[utoipa::path(get, path = "/api/v1/clusters/{context}/metrics", tag = "resources", security(("bearer" = [])),
    params(("context" = String, Path), MetricsQuery), responses((status = 200, body = UsageList)))]
pub async fn usage(
    State(state): State<AppState>,
    Path(context): Path<String>,
    Query(q): Query<MetricsQuery>,
) -> Result<Json<UsageList>, ApiError> {
    if !state.config.kubernetes.metrics_server_enabled {
        return Ok(Json(UsageList {
            available: false,
            items: Vec::new(),
        }));
    }
    let conn = connection(&state, &context).await?;
    let nodes = q.kind.as_deref() == Some("nodes");
    let found = overview::usage(&conn.client, nodes, q.namespace.as_deref())
        .await
        .map_err(|e| kube_error("reading metrics.k8s.io", &e))?;
    Ok(Json(UsageList {
        available: found.is_some(),
        items: found.unwrap_or_default(),
    }))
}

/// Shared by handlers that need a kind's cache or a clear 404.
pub fn cached_kind(
    conn: &crate::cluster::Connection,
    kind: &str,
) -> Result<Arc<dyn crate::cluster::cache::KindCache>, ApiError> {
    conn.cache
        .kind(kind)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("'{kind}' is not a cached kind")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, restarts: i64) -> Row {
        let mut columns = serde_json::Map::new();
        columns.insert("restarts".into(), restarts.into());
        Row {
            name: name.into(),
            namespace: Some("ns".into()),
            created: Some(format!("2026-01-0{restarts}T00:00:00Z")),
            age: String::new(),
            columns,
        }
    }

    fn q(sort: Option<&str>, limit: Option<usize>, cont: Option<&str>) -> ListQuery {
        ListQuery {
            namespace: None,
            label_selector: None,
            q: None,
            sort: sort.map(str::to_string),
            limit,
            continue_: cont.map(str::to_string),
        }
    }

    #[test]
    fn lists_sort_by_any_column_and_page_with_a_continue_token() {
        let rows = || vec![row("b", 3), row("a", 1), row("c", 2)];
        let names = |r: ListResponse| r.items.into_iter().map(|r| r.name).collect::<Vec<_>>();
        assert_eq!(
            names(page(rows(), &q(None, None, None), None).unwrap()),
            ["a", "b", "c"]
        );
        assert_eq!(
            names(page(rows(), &q(Some("-restarts"), None, None), None).unwrap()),
            ["b", "c", "a"]
        );
        assert_eq!(
            names(page(rows(), &q(Some("age"), None, None), None).unwrap()),
            ["b", "c", "a"],
            "youngest first"
        );
        let first = page(rows(), &q(None, Some(2), None), None).unwrap();
        assert_eq!((first.total, first.continue_.clone()), (3, Some("2".to_string())));
        let second = page(rows(), &q(None, Some(2), first.continue_.as_deref()), None).unwrap();
        assert_eq!(second.continue_, None);
        assert_eq!(names(second), ["c"]);
        assert!(page(rows(), &q(None, None, Some("x")), None).is_err());
    }
}
