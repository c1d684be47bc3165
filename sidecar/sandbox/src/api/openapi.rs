//! `/openapi/v3` (index + one document per group version) and `/openapi/v2`, generated from
//! k8s-openapi's schemas for exactly the kinds the sandbox serves. kubectl reads v3 to explain
//! kinds and to learn that the server validates fields itself (the `fieldValidation`
//! parameter on each PATCH), so `kubectl apply` works without client-side schemas.
//! Documents are built on first request and cached: start-up does not pay for them.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use axum::extract::{Path, RawQuery};
use axum::response::{IntoResponse, Response};
use k8s_openapi::schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use super::json_response;
use crate::resources::{self, ALL, ResourceType};
use crate::status::ApiError;

fn gvk(r: &ResourceType) -> Value {
    json!({"group": r.group, "kind": r.kind, "version": r.version})
}

fn operation(r: &ResourceType, verb: &str, ref_prefix: &str) -> Value {
    let action = match verb {
        "get" => "get",
        "put" => "put",
        "patch" => "patch",
        "delete" => "delete",
        _ => "post",
    };
    let mut params = vec![json!({"name": "dryRun", "in": "query", "schema": {"type": "string"}})];
    if matches!(verb, "post" | "put" | "patch") {
        params.push(json!({"name": "fieldManager", "in": "query", "schema": {"type": "string"}}));
        params.push(json!({"name": "fieldValidation", "in": "query", "schema": {"type": "string"}}));
    }
    if verb == "patch" {
        params.push(json!({"name": "force", "in": "query", "schema": {"type": "boolean"}}));
    }
    let schema_ref = r
        .schema_name
        .as_deref()
        .map(|n| json!({"$ref": format!("{ref_prefix}{n}")}))
        .unwrap_or(json!({}));
    json!({
        "operationId": format!("{action}{}", r.kind),
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": gvk(r),
        "parameters": params,
        "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": schema_ref}}}},
    })
}

/// Paths for one resource: its collection and its item, with the verbs it supports.
fn paths_for(r: &ResourceType, ref_prefix: &str, paths: &mut Map<String, Value>) {
    let base = if r.namespaced {
        format!("{}/namespaces/{{namespace}}/{}", r.gv_path(), r.plural)
    } else {
        format!("{}/{}", r.gv_path(), r.plural)
    };
    let mut collection = Map::new();
    if r.verbs.contains(&"create") {
        collection.insert("post".into(), operation(r, "post", ref_prefix));
    }
    if r.verbs.contains(&"list") {
        collection.insert("get".into(), operation(r, "get", ref_prefix));
    }
    paths.insert(base.clone(), Value::Object(collection));
    if r.verbs.contains(&"get") {
        let mut item = Map::new();
        for verb in ["get", "put", "patch", "delete"] {
            item.insert(verb.into(), operation(r, verb, ref_prefix));
        }
        paths.insert(format!("{base}/{{name}}"), Value::Object(item));
    }
}

/// Schemas (name -> schema) for every served kind matching `keep`, kinds tagged with their GVK.
fn schemas(settings: SchemaSettings, keep: impl Fn(&ResourceType) -> bool) -> Map<String, Value> {
    let mut generator = settings.into_generator();
    for r in ALL.iter().filter(|r| keep(r)) {
        if let Some(f) = r.schema {
            let _ = f(&mut generator);
        }
    }
    let mut defs = generator.take_definitions(true);
    for r in ALL.iter().filter(|r| keep(r)) {
        if let Some(def) = r.schema_name.as_deref().and_then(|n| defs.get_mut(n)) {
            def["x-kubernetes-group-version-kind"] = json!([gvk(r)]);
        }
    }
    defs
}

fn gv_key(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

fn v3_docs() -> &'static BTreeMap<String, Value> {
    static DOCS: OnceLock<BTreeMap<String, Value>> = OnceLock::new();
    DOCS.get_or_init(|| {
        let mut docs = BTreeMap::new();
        for (g, v) in resources::group_versions() {
            if !ALL.iter().any(|r| r.group == g && r.version == v && r.schema.is_some()) {
                continue;
            }
            let in_gv = |r: &ResourceType| r.group == g && r.version == v;
            let components = schemas(SchemaSettings::openapi3(), in_gv);
            let mut paths = Map::new();
            for r in ALL.iter().filter(|r| in_gv(r)) {
                paths_for(r, "#/components/schemas/", &mut paths);
            }
            docs.insert(
                gv_key(g, v),
                json!({
                    "openapi": "3.0.0",
                    "info": {"title": "Kubernetes", "version": super::discovery::GIT_VERSION},
                    "paths": paths,
                    "components": {"schemas": components},
                }),
            );
        }
        docs
    })
}

fn hash_of(v: &Value) -> String {
    let text = v.to_string();
    let h = text.bytes().fold(1469598103934665603u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(1099511628211)
    });
    format!("{h:016X}")
}

pub async fn v3_index() -> Response {
    let paths: Map<String, Value> = v3_docs()
        .iter()
        .map(|(k, doc)| {
            (
                k.clone(),
                json!({"serverRelativeURL": format!("/openapi/v3/{k}?hash={}", hash_of(doc))}),
            )
        })
        .collect();
    json_response(200, &json!({"paths": paths}))
}

pub async fn v3_doc(Path(path): Path<String>, RawQuery(_q): RawQuery) -> Response {
    match v3_docs().get(path.trim_matches('/')) {
        Some(doc) => json_response(200, doc),
        None => ApiError::no_route().into_response(),
    }
}

pub async fn v2(headers: axum::http::HeaderMap) -> Response {
    static DOC: OnceLock<Value> = OnceLock::new();
    // Only JSON is served; a client that accepts nothing but protobuf is told so (406), as the
    // real server tells clients asking for a format it lacks.
    let accept = headers
        .get(http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("*/*");
    if !accept.contains("json") && !accept.contains("*/*") {
        return ApiError::not_acceptable().into_response();
    }
    let doc = DOC.get_or_init(|| {
        let settings = SchemaSettings::draft07().with(|s| s.definitions_path = "/definitions".into());
        let definitions = schemas(settings, |_| true);
        let mut paths = Map::new();
        for r in ALL.iter().filter(|r| r.schema.is_some()) {
            paths_for(r, "#/definitions/", &mut paths);
        }
        json!({"swagger": "2.0", "info": {"title": "Kubernetes", "version": super::discovery::GIT_VERSION}, "paths": paths, "definitions": definitions})
    });
    json_response(200, doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v3_documents_tag_kinds_and_declare_field_validation() {
        let docs = v3_docs();
        let apps = &docs["apis/apps/v1"];
        let dep = &apps["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"];
        assert_eq!(dep["x-kubernetes-group-version-kind"][0]["kind"], "Deployment");
        assert!(apps["components"]["schemas"]["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"].is_object());
        let patch = &apps["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
        assert!(
            patch["parameters"]
                .as_array()
                .expect("params")
                .iter()
                .any(|p| p["name"] == "fieldValidation")
        );
        assert!(docs.contains_key("api/v1"));
    }
}
