//! Read-only views computed from a context's cache: the overview, search across kinds, pod
//! logs, and CPU/memory from metrics.k8s.io when the cluster serves it.

use std::collections::BTreeMap;

use futures::{AsyncBufReadExt, Stream, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ApiResource, DynamicObject, ListParams, LogParams};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::cache::{ContextCache, Filter, KindStatus};
use super::events::EventRow;
use super::kinds::Row;

#[derive(Debug, Serialize, ToSchema)]
pub struct Overview {
    /// Objects per cached kind.
    pub counts: BTreeMap<String, usize>,
    /// Pods per namespace and STATUS (`Running`, `CrashLoopBackOff`, ...).
    pub pods_by_namespace: BTreeMap<String, BTreeMap<String, usize>>,
    pub pods_by_status: BTreeMap<String, usize>,
    pub nodes: Vec<Row>,
    /// Deployments, StatefulSets and DaemonSets with fewer ready replicas than wanted.
    pub unhealthy_workloads: Vec<Row>,
    /// Recent Warning events, newest first.
    pub warnings: Vec<EventRow>,
    /// Recent events of any type, newest first.
    pub recent_events: Vec<EventRow>,
    pub sync: Vec<KindStatus>,
}

pub fn overview(cache: &ContextCache) -> Overview {
    let mut counts = BTreeMap::new();
    for k in &cache.kinds {
        counts.insert(k.info().name.to_string(), k.len());
    }
    let mut pods_by_namespace: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let mut pods_by_status = BTreeMap::new();
    let all = Filter::default();
    // From the rows the pod list shows, so the counts and the table always agree.
    for r in cache.kind("pods").map(|k| k.ready(&all)).unwrap_or_default() {
        let status = r.status.as_deref().unwrap_or_default().to_string();
        *pods_by_namespace
            .entry(r.namespace.clone().unwrap_or_default())
            .or_default()
            .entry(status.clone())
            .or_default() += 1;
        *pods_by_status.entry(status).or_default() += 1;
    }
    let nodes = cache.kind("nodes").map(|k| k.rows(&all)).unwrap_or_default();
    let mut unhealthy_workloads = Vec::new();
    for kind in ["deployments", "statefulsets"] {
        if let Some(k) = cache.kind(kind) {
            unhealthy_workloads.extend(k.rows(&all).into_iter().filter(|r| {
                let ready = r.columns.get("ready").and_then(Value::as_str).unwrap_or("0/0");
                let (a, b) = ready.split_once('/').unwrap_or(("0", "0"));
                a != b
            }));
        }
    }
    if let Some(k) = cache.kind("daemonsets") {
        unhealthy_workloads.extend(
            k.rows(&all)
                .into_iter()
                .filter(|r| r.columns.get("ready") != r.columns.get("desired")),
        );
    }
    let warnings = cache
        .events
        .all(|e| e.type_ == "Warning")
        .into_iter()
        .take(50)
        .map(|e| e.as_ref().clone())
        .collect();
    let recent_events = cache
        .events
        .all(|_| true)
        .into_iter()
        .take(50)
        .map(|e| e.as_ref().clone())
        .collect();
    Overview {
        counts,
        pods_by_namespace,
        pods_by_status,
        nodes,
        unhealthy_workloads,
        warnings,
        recent_events,
        sync: cache.statuses(),
    }
}

/// One search hit.
#[derive(Debug, Serialize, ToSchema)]
pub struct Hit {
    pub kind: String,
    pub row: Row,
}

/// Objects of every cached kind whose name contains `q`, or whose labels match `q` when it is
/// a selector (`app=web`). At most `limit` hits, exact names first.
pub fn search(cache: &ContextCache, q: &str, namespace: Option<&str>, limit: usize) -> Vec<Hit> {
    let q = q.trim();
    if q.is_empty() {
        return Vec::new();
    }
    let selector = q.contains('=') || q.contains(" in ");
    let filter = Filter {
        namespace: namespace.map(str::to_string),
        label_selector: selector.then(|| q.to_string()),
        q: (!selector).then(|| q.to_string()),
    };
    let mut hits: Vec<Hit> = Vec::new();
    for k in &cache.kinds {
        if k.info().name == "events" {
            continue;
        }
        hits.extend(k.rows(&filter).into_iter().map(|row| Hit {
            kind: k.info().kind.to_string(),
            row,
        }));
    }
    let lower = q.to_lowercase();
    hits.sort_by_key(|h| {
        (
            h.row.name.to_lowercase() != lower,
            !h.row.name.to_lowercase().starts_with(&lower),
            h.row.name.len(),
        )
    });
    hits.truncate(limit);
    hits
}

/// Which log lines to read.
#[derive(Debug, Clone, Default)]
pub struct LogOptions {
    pub container: Option<String>,
    pub previous: bool,
    pub tail_lines: Option<i64>,
    pub since_seconds: Option<i64>,
    pub timestamps: bool,
}

impl LogOptions {
    fn params(&self, follow: bool) -> LogParams {
        LogParams {
            container: self.container.clone(),
            previous: self.previous,
            tail_lines: self.tail_lines,
            since_seconds: self.since_seconds,
            timestamps: self.timestamps,
            follow,
            ..LogParams::default()
        }
    }
}

/// A pod's log (one request; logs are not cached).
pub async fn logs(client: &kube::Client, namespace: &str, pod: &str, o: &LogOptions) -> Result<String, kube::Error> {
    let api: Api<Pod> = Api::namespaced(client.clone(), namespace);
    api.logs(pod, &o.params(false)).await
}

/// A pod's log lines as they are written.
pub async fn follow_logs(
    client: &kube::Client,
    namespace: &str,
    pod: &str,
    o: &LogOptions,
) -> Result<impl Stream<Item = Result<String, std::io::Error>> + use<>, kube::Error> {
    let api: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let reader = api.log_stream(pod, &o.params(true)).await?;
    Ok(reader.lines().boxed())
}

/// CPU (millicores) and memory (bytes) per pod or node from metrics.k8s.io; None when the
/// cluster does not serve it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Usage {
    pub namespace: Option<String>,
    pub name: String,
    pub cpu_millicores: f64,
    pub memory_bytes: f64,
}

pub async fn usage(
    client: &kube::Client,
    nodes: bool,
    namespace: Option<&str>,
) -> Result<Option<Vec<Usage>>, kube::Error> {
    let kind = if nodes { "NodeMetrics" } else { "PodMetrics" };
    let ar = ApiResource {
        group: "metrics.k8s.io".into(),
        version: "v1beta1".into(),
        api_version: "metrics.k8s.io/v1beta1".into(),
        kind: kind.into(),
        plural: if nodes { "nodes" } else { "pods" }.into(),
    };
    let api: Api<DynamicObject> = match namespace {
        Some(ns) if !nodes => Api::namespaced_with(client.clone(), ns, &ar),
        _ => Api::all_with(client.clone(), &ar),
    };
    let list = match api.list(&ListParams::default()).await {
        Ok(l) => l,
        Err(kube::Error::Api(s)) if s.code == 404 || s.code == 503 => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for item in list.items {
        let (mut cpu, mut mem) = (0.0, 0.0);
        let usages: Vec<Value> = if nodes {
            vec![item.data["usage"].clone()]
        } else {
            item.data["containers"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|c| c["usage"].clone())
                .collect()
        };
        for u in usages {
            cpu += quantity(u["cpu"].as_str().unwrap_or("0")) * 1000.0;
            mem += quantity(u["memory"].as_str().unwrap_or("0"));
        }
        out.push(Usage {
            namespace: item.metadata.namespace.clone(),
            name: item.metadata.name.clone().unwrap_or_default(),
            cpu_millicores: cpu,
            memory_bytes: mem,
        });
    }
    Ok(Some(out))
}

/// A Kubernetes quantity (`250m`, `1.5`, `128Mi`, `2G`) as a number of base units.
pub fn quantity(q: &str) -> f64 {
    let q = q.trim();
    let suffixes: [(&str, f64); 13] = [
        ("Ki", 1024.0),
        ("Mi", 1024f64.powi(2)),
        ("Gi", 1024f64.powi(3)),
        ("Ti", 1024f64.powi(4)),
        ("Pi", 1024f64.powi(5)),
        ("n", 1e-9),
        ("u", 1e-6),
        ("m", 1e-3),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
    ];
    for (s, mult) in suffixes {
        if let Some(n) = q.strip_suffix(s) {
            return n.parse::<f64>().unwrap_or(0.0) * mult;
        }
    }
    q.parse().unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn quantities_parse_like_kubernetes() {
        use super::quantity;
        assert_eq!(quantity("250m"), 0.25);
        assert_eq!(quantity("2"), 2.0);
        assert_eq!(quantity("128Mi"), 128.0 * 1024.0 * 1024.0);
        assert_eq!(quantity("1G"), 1e9);
        assert!((quantity("1500000n") - 0.0015).abs() < 1e-12);
    }
}
