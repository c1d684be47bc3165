//! metrics.k8s.io/v1beta1 (what metrics-server serves, for `kubectl top` and the UI's usage
//! bars): usage is synthetic but stable, derived from each pod's requests and name, so the same
//! pod reports the same figures on every read, and a pod near its memory limit looks it.

use axum::response::Response;
use serde_json::{Value, json};

use super::{AppState, Query, Target, json_response};
use crate::quantity::{bytes, cpu_milli, format_ki};
use crate::resources;
use crate::status::ApiError;
use crate::store::now;

fn hash(s: &str) -> u64 {
    s.bytes().fold(1469598103934665603u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(1099511628211)
    })
}

fn running(pod: &Value) -> bool {
    pod["status"]["phase"] == "Running"
}

/// (millicores, bytes) a container uses: 10-60% of its CPU request, 30-80% of its memory
/// request (or of its limit when it keeps being OOM-killed).
fn container_usage(pod_name: &str, c: &Value, oom: bool) -> (i64, i64) {
    let h = hash(&format!("{pod_name}/{}", c["name"].as_str().unwrap_or_default()));
    let req = &c["resources"]["requests"];
    let cpu_req = req["cpu"].as_str().map(cpu_milli).unwrap_or(100);
    let mem_req = req["memory"].as_str().map(bytes).unwrap_or(64 << 20);
    let cpu = (cpu_req * (10 + (h % 50) as i64) / 100).max(1);
    let mut mem = mem_req * (30 + ((h >> 8) % 50) as i64) / 100;
    if oom && let Some(limit) = c["resources"]["limits"]["memory"].as_str().map(bytes) {
        mem = limit * 97 / 100;
    }
    (cpu, mem)
}

fn pod_metrics(pod: &Value) -> Value {
    let name = pod["metadata"]["name"].as_str().unwrap_or_default();
    let oom = pod["status"]["containerStatuses"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|s| s["lastState"]["terminated"]["reason"] == "OOMKilled");
    let containers: Vec<Value> = pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            let (cpu, mem) = container_usage(name, c, oom);
            json!({"name": c["name"], "usage": {"cpu": format!("{}n", cpu * 1_000_000), "memory": format_ki(mem)}})
        })
        .collect();
    json!({
        "kind": "PodMetrics", "apiVersion": "metrics.k8s.io/v1beta1",
        "metadata": {"name": name, "namespace": pod["metadata"]["namespace"], "labels": pod["metadata"]["labels"], "creationTimestamp": now()},
        "timestamp": now(), "window": "15s", "containers": containers,
    })
}

fn node_metrics(state: &AppState, node: &Value) -> Value {
    let name = node["metadata"]["name"].as_str().unwrap_or_default();
    let pods = resources::find("", "v1", "pods").unwrap_or_default();
    let (mut cpu, mut mem) = (
        150 + (hash(name) % 100) as i64,
        (900 << 20) + ((hash(name) % 300) as i64) * (1 << 20),
    );
    for p in state
        .store
        .all_of(pods)
        .iter()
        .filter(|p| p["spec"]["nodeName"] == name && running(p))
    {
        for c in p["spec"]["containers"].as_array().into_iter().flatten() {
            let (c_cpu, c_mem) = container_usage(p["metadata"]["name"].as_str().unwrap_or_default(), c, false);
            cpu += c_cpu;
            mem += c_mem;
        }
    }
    json!({
        "kind": "NodeMetrics", "apiVersion": "metrics.k8s.io/v1beta1",
        "metadata": {"name": name, "labels": node["metadata"]["labels"], "creationTimestamp": now()},
        "timestamp": now(), "window": "20s",
        "usage": {"cpu": format!("{}n", cpu * 1_000_000), "memory": format_ki(mem)},
    })
}

fn source(target: &Target) -> (usize, bool) {
    let nodes = target.rt().plural == "nodes";
    let res = if nodes {
        resources::find("", "v1", "nodes")
    } else {
        resources::find("", "v1", "pods")
    };
    (res.unwrap_or_default(), nodes)
}

pub fn list(state: &AppState, target: &Target, query: &Query) -> Result<Response, ApiError> {
    let (res, nodes) = source(target);
    let sel = super::selectors::LabelSelector::parse(query.get("labelSelector").map(String::as_str).unwrap_or(""))?;
    let (objs, _) = state.store.list(res, target.namespace.as_deref());
    let items: Vec<Value> = objs
        .iter()
        .filter(|o| sel.matches(&o["metadata"]["labels"]))
        .filter(|o| nodes || running(o))
        .map(|o| if nodes { node_metrics(state, o) } else { pod_metrics(o) })
        .collect();
    let kind = if nodes { "NodeMetricsList" } else { "PodMetricsList" };
    Ok(json_response(
        200,
        &json!({"kind": kind, "apiVersion": "metrics.k8s.io/v1beta1", "metadata": {}, "items": items}),
    ))
}

pub fn get(state: &AppState, target: &Target) -> Result<Response, ApiError> {
    let (res, nodes) = source(target);
    let name = target.name.as_deref().unwrap_or_default();
    let obj = state
        .store
        .get(res, target.namespace.as_deref().unwrap_or(""), name)
        .filter(|o| nodes || running(o))
        .ok_or_else(|| ApiError::not_found(&target.rt().qualified(), name))?;
    Ok(json_response(
        200,
        &if nodes {
            node_metrics(state, &obj)
        } else {
            pod_metrics(&obj)
        },
    ))
}
