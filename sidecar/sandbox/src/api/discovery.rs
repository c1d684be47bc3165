//! Discovery as client-go reads it: `/version`, `/api` (APIVersions), `/apis` (APIGroupList),
//! and each group version's APIResourceList with kinds, verbs, short names and subresources.
//! Only the legacy (unaggregated) form is served: clients that ask for aggregated discovery
//! (`apidiscovery.k8s.io/v2`) fall back to it when the answer is a plain list.

use axum::extract::State;
use axum::response::Response;
use serde_json::{Value, json};

use super::{AppState, json_response};
use crate::resources::{self, ALL};

/// The Kubernetes version the sandbox imitates: the real control plane's (tests/cluster).
pub const MAJOR: &str = "1";
pub const MINOR: &str = "36";
pub const GIT_VERSION: &str = "v1.36.3";

pub async fn version() -> Response {
    json_response(
        200,
        &json!({
            "major": MAJOR,
            "minor": MINOR,
            "emulationMajor": MAJOR,
            "emulationMinor": MINOR,
            "minCompatibilityMajor": MAJOR,
            "minCompatibilityMinor": "35",
            "gitVersion": GIT_VERSION,
            "gitCommit": "kubilitics-sandbox",
            "gitTreeState": "clean",
            "buildDate": "2026-01-01T00:00:00Z",
            "goVersion": "rust",
            "compiler": "rustc",
            "platform": format!("{}/{}", std::env::consts::OS, if cfg!(target_arch = "x86_64") { "amd64" } else { std::env::consts::ARCH }),
        }),
    )
}

pub async fn core_versions(State(state): State<AppState>) -> Response {
    json_response(
        200,
        &json!({
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": &*state.address}],
        }),
    )
}

fn group_json(group: &str) -> Value {
    let versions: Vec<Value> = resources::group_versions()
        .into_iter()
        .filter(|(g, _)| *g == group)
        .map(|(g, v)| json!({"groupVersion": format!("{g}/{v}"), "version": v}))
        .collect();
    json!({"name": group, "versions": versions, "preferredVersion": versions[0]})
}

pub async fn groups() -> Response {
    let mut names: Vec<&str> = Vec::new();
    for (g, _) in resources::group_versions() {
        if !g.is_empty() && !names.contains(&g) {
            names.push(g);
        }
    }
    let groups: Vec<Value> = names.into_iter().map(group_json).collect();
    json_response(
        200,
        &json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}),
    )
}

/// `/apis/{group}`: one APIGroup.
pub fn group(path: &str) -> Option<Response> {
    let g = path.trim_matches('/').strip_prefix("apis/")?;
    if g.contains('/') || !resources::group_versions().iter().any(|(x, _)| *x == g) {
        return None;
    }
    let mut body = group_json(g);
    body["kind"] = json!("APIGroup");
    body["apiVersion"] = json!("v1");
    Some(json_response(200, &body))
}

/// `/api/v1` or `/apis/{group}/{version}`: the APIResourceList.
pub fn resource_list(path: &str) -> Option<Response> {
    let trimmed = path.trim_matches('/');
    let (group, version) = match trimmed.split('/').collect::<Vec<_>>().as_slice() {
        ["api", v] => ("", *v),
        ["apis", g, v] => (*g, *v),
        _ => return None,
    };
    if !resources::group_versions().contains(&(group, version)) {
        return None;
    }
    let mut list = Vec::new();
    for r in ALL.iter().filter(|r| r.group == group && r.version == version) {
        let mut entry = json!({
            "name": r.plural,
            "singularName": r.singular,
            "namespaced": r.namespaced,
            "kind": r.kind,
            "verbs": r.verbs,
        });
        if !r.short_names.is_empty() {
            entry["shortNames"] = json!(r.short_names);
        }
        if !r.categories.is_empty() {
            entry["categories"] = json!(r.categories);
        }
        list.push(entry);
        for s in r.subresources {
            let mut sub = json!({
                "name": format!("{}/{}", r.plural, s.name),
                "singularName": "",
                "namespaced": r.namespaced,
                "kind": if s.kind.is_empty() { r.kind } else { s.kind },
                "verbs": s.verbs,
            });
            if !s.group.is_empty() {
                sub["group"] = json!(s.group);
            }
            if !s.version.is_empty() {
                sub["version"] = json!(s.version);
            }
            list.push(sub);
        }
    }
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    Some(json_response(
        200,
        &json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": list}),
    ))
}
