//! Subresources: status, scale (autoscaling/v1 Scale), pods/log, pods/eviction (honouring
//! PodDisruptionBudgets), and the create-only reviews `kubectl auth can-i` / `whoami` send.

use std::convert::Infallible;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use serde_json::{Value, json};

use super::read::with_type;
use super::selectors::LabelSelector;
use super::write::{apply_patch, decode_body};
use super::{AppState, Query, Target, json_response};
use crate::logs;
use crate::resources;
use crate::status::ApiError;

pub async fn handle(
    state: &AppState,
    method: &Method,
    target: &Target,
    query: &Query,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Response, ApiError> {
    let rt = target.rt();
    let sub = target.sub.as_deref().unwrap_or_default();
    if !rt.has_subresource(sub) {
        return Err(ApiError::no_route());
    }
    let name = target.name.as_deref().unwrap_or_default();
    let ns = target.namespace.as_deref().unwrap_or("");
    let current = state
        .store
        .get(target.res, ns, name)
        .ok_or_else(|| ApiError::not_found(&rt.qualified(), name))?;
    let ct = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match (sub, method) {
        ("status", &Method::GET) => Ok(json_response(200, &with_type(target, &current))),
        ("status", &Method::PUT | &Method::PATCH) => {
            let new = if method == Method::PUT {
                decode_body(body)?
            } else {
                apply_patch(Some(&current), ct, body)?
            };
            let mut obj = (*current).clone();
            obj["status"] = new["status"].clone();
            let updated = state.store.update(target.res, obj, method == Method::PUT)?;
            Ok(json_response(200, &with_type(target, &updated)))
        }
        ("scale", &Method::GET) => Ok(json_response(200, &scale_of(target, &current))),
        ("scale", &Method::PUT | &Method::PATCH) => {
            let scale = scale_of(target, &current);
            let new = if method == Method::PUT {
                decode_body(body)?
            } else {
                apply_patch(Some(&scale), ct, body)?
            };
            let replicas = new["spec"]["replicas"].as_i64().filter(|r| *r >= 0).ok_or_else(|| {
                ApiError::invalid(
                    "Scale",
                    name,
                    &[(
                        "spec.replicas",
                        "Invalid value: must be greater than or equal to 0".into(),
                    )],
                )
            })?;
            let updated = state.store.modify(target.res, ns, name, |o| {
                o["spec"]["replicas"] = json!(replicas);
                true
            })?;
            let mut out = scale_of(target, &updated);
            out["spec"]["replicas"] = json!(replicas);
            Ok(json_response(200, &out))
        }
        ("log", &Method::GET) => pod_log(state, &current, query),
        ("eviction", &Method::POST) => evict(state, &current),
        _ => Err(ApiError::method_not_allowed(format!(
            "{method} is not supported on {}/{sub}",
            rt.plural
        ))),
    }
}

fn scale_of(target: &Target, obj: &Value) -> Value {
    let selector = LabelSelector::from_object(&obj["spec"]["selector"]).to_string_form();
    json!({
        "kind": "Scale", "apiVersion": "autoscaling/v1",
        "metadata": {"name": obj["metadata"]["name"], "namespace": obj["metadata"]["namespace"],
            "uid": obj["metadata"]["uid"], "resourceVersion": obj["metadata"]["resourceVersion"],
            "creationTimestamp": obj["metadata"]["creationTimestamp"]},
        "spec": {"replicas": obj["spec"]["replicas"].as_i64().unwrap_or(0)},
        "status": {"replicas": obj["status"]["replicas"].as_i64().unwrap_or(0), "selector": selector},
    })
    .as_object()
    .map(|m| {
        let _ = target;
        Value::Object(m.clone())
    })
    .unwrap_or_default()
}

fn pod_log(state: &AppState, pod: &Value, query: &Query) -> Result<Response, ApiError> {
    let pod_name = pod["metadata"]["name"].as_str().unwrap_or_default();
    let ns = pod["metadata"]["namespace"].as_str().unwrap_or_default();
    let containers: Vec<&str> = pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str())
        .collect();
    let container = match query.get("container").filter(|c| !c.is_empty()) {
        Some(c) => {
            if !containers.contains(&c.as_str()) {
                return Err(ApiError::bad_request(format!(
                    "container {c} is not valid for pod {pod_name}"
                )));
            }
            c.as_str()
        }
        None if containers.len() == 1 => containers[0],
        None => {
            return Err(ApiError::bad_request(format!(
                "a container name must be specified for pod {pod_name}, choose one of: [{}]",
                containers.join(" ")
            )));
        }
    };
    let status = pod["status"]["containerStatuses"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["name"] == container);
    let waiting = status.and_then(|s| s["state"]["waiting"]["reason"].as_str());
    let previous = query.get("previous").is_some_and(|v| v == "true");
    let source = state.logs.find(ns, pod_name, container);
    let text = if previous {
        let restarted = status.is_some_and(|s| s["restartCount"].as_i64().unwrap_or(0) > 0);
        match source.and_then(|s| s.previous.clone()) {
            Some(t) if restarted => t,
            _ => {
                return Err(ApiError::bad_request(format!(
                    "previous terminated container \"{container}\" in pod \"{pod_name}\" not found"
                )));
            }
        }
    } else {
        if let Some(reason) = waiting.filter(|r| *r != "CrashLoopBackOff") {
            let why = match reason {
                "ImagePullBackOff" | "ErrImagePull" => "trying and failing to pull image",
                "ContainerCreating" => "ContainerCreating",
                _ => reason,
            };
            return Err(ApiError::bad_request(format!(
                "container \"{container}\" in pod \"{pod_name}\" is waiting to start: {why}"
            )));
        }
        source.map(|s| s.current.clone()).unwrap_or_default()
    };
    let timestamps = query.get("timestamps").is_some_and(|v| v == "true");
    let text = logs::render(&text, timestamps);
    let tail = query.get("tailLines").and_then(|t| t.parse::<usize>().ok());
    let mut out = logs::tail(&text, tail).to_string();
    if let Some(limit) = query.get("limitBytes").and_then(|l| l.parse::<usize>().ok())
        && out.len() > limit
    {
        out.truncate(limit);
    }
    let follow = query.get("follow").is_some_and(|v| v == "true") && !previous;
    let builder = Response::builder()
        .status(200)
        .header(http::header::CONTENT_TYPE, "text/plain");
    if !follow {
        return builder
            .body(Body::from(out))
            .map_err(|e| ApiError::internal(e.to_string()));
    }
    // follow: the lines so far, then an open stream (the demo's containers write no more),
    // ended when the client hangs up.
    let stream = futures_util::stream::unfold(Some(out), |first| async move {
        match first {
            Some(text) => Some((Ok::<_, Infallible>(Bytes::from(text)), None)),
            None => {
                std::future::pending::<()>().await;
                None
            }
        }
    });
    builder
        .body(Body::from_stream(stream))
        .map_err(|e| ApiError::internal(e.to_string()))
}

/// Evict a pod unless a PodDisruptionBudget selecting it allows no disruption (429).
fn evict(state: &AppState, pod: &Value) -> Result<Response, ApiError> {
    let ns = pod["metadata"]["namespace"].as_str().unwrap_or_default();
    let name = pod["metadata"]["name"].as_str().unwrap_or_default();
    let pdbs = resources::find("policy", "v1", "poddisruptionbudgets").unwrap_or_default();
    let pods = resources::find("", "v1", "pods").unwrap_or_default();
    let (budgets, _) = state.store.list(pdbs, Some(ns));
    let matching: Vec<_> = budgets
        .iter()
        .filter(|b| LabelSelector::from_object(&b["spec"]["selector"]).matches(&pod["metadata"]["labels"]))
        .collect();
    if matching.len() > 1 {
        return Err(ApiError::internal(
            "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
        ));
    }
    let running_ready = pod["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Ready" && c["status"] == "True");
    if let Some(b) = matching.first()
        && running_ready
    {
        let allowed = b["status"]["disruptionsAllowed"].as_i64().unwrap_or(0);
        if allowed <= 0 {
            let bname = b["metadata"]["name"].as_str().unwrap_or_default();
            let desired = b["status"]["desiredHealthy"].as_i64().unwrap_or(0);
            let current = b["status"]["currentHealthy"].as_i64().unwrap_or(0);
            return Err(ApiError::disruption_budget(
                bname,
                format!("needs {desired} healthy pods and has {current} currently"),
            ));
        }
        // Count the disruption now, as the API server does, so a second eviction in a row sees it.
        let bname = b["metadata"]["name"].as_str().unwrap_or_default().to_string();
        let _ = state.store.modify(pdbs, ns, &bname, |p| {
            p["status"]["disruptionsAllowed"] = json!(allowed - 1);
            p["status"]["disruptedPods"][name] = json!(crate::store::now());
            true
        });
    }
    let uid = pod["metadata"]["uid"].as_str().unwrap_or_default().to_string();
    state.store.delete(pods, ns, name)?;
    crate::controllers::gc::after_delete(&state.store, pods, ns, name, &uid, "Background");
    Ok(json_response(
        201,
        &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}),
    ))
}

/// SelfSubjectAccessReview / SelfSubjectRulesReview / SelfSubjectReview: the sandbox's one user
/// is its administrator, so every access is allowed.
pub fn review(_state: &AppState, target: &Target, mut obj: Value) -> Result<Response, ApiError> {
    match target.rt().kind {
        "SelfSubjectAccessReview" => {
            obj["status"] = json!({"allowed": true, "reason": "the kubilitics sandbox user is cluster-admin"});
        }
        "SelfSubjectRulesReview" => {
            obj["status"] = json!({"resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
                "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}], "incomplete": false});
        }
        _ => {
            obj["status"] = json!({"userInfo": {"username": "kubilitics-sandbox-admin", "groups": ["system:masters", "system:authenticated"]}});
        }
    }
    if !obj["metadata"].is_object() {
        obj["metadata"] = json!({});
    }
    obj["metadata"]["creationTimestamp"] = Value::Null;
    Ok(json_response(201, &with_type(target, &obj)))
}
