//! create, replace (PUT), patch, delete and deletecollection, with the API server's checks that
//! clients depend on: kind/namespace/name consistency, optimistic concurrency, dry runs, and
//! owner garbage collection on delete.

use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};

use super::read::with_type;
use super::{AppState, Query, Target, json_response, patch};
use crate::controllers::gc;
use crate::resources::{self, ResIdx};
use crate::status::{self, ApiError};
use crate::store::{now, ns_of};

/// Decode a request body: JSON, or YAML (apply patches and some clients send YAML).
pub fn decode_body(body: &[u8]) -> Result<Value, ApiError> {
    if body.is_empty() {
        return Err(ApiError::bad_request("the request body is empty"));
    }
    serde_json::from_slice(body).or_else(|_| {
        serde_norway::from_slice::<Value>(body)
            .map_err(|e| ApiError::bad_request(format!("the body of the request could not be decoded: {e}")))
    })
}

fn is_dns_subdomain(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// Validate and default a new object as the API server would before storing it.
pub fn prepare_new(res: ResIdx, obj: &mut Value) -> Result<(), ApiError> {
    let rt = resources::get(res);
    if !obj["metadata"].is_object() {
        obj["metadata"] = json!({});
    }
    let name = obj["metadata"]["name"].as_str().unwrap_or_default().to_string();
    if !name.is_empty() && !is_dns_subdomain(&name) {
        return Err(ApiError::invalid(
            rt.kind,
            &name,
            &[(
                "metadata.name",
                format!(
                    "Invalid value: \"{name}\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
                ),
            )],
        ));
    }
    if matches!(rt.kind, "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet") {
        let sel = super::selectors::LabelSelector::from_object(&obj["spec"]["selector"]);
        if sel.is_empty() {
            return Err(ApiError::invalid(
                rt.kind,
                &name,
                &[("spec.selector", "Required value".into())],
            ));
        }
        if !sel.matches(&obj["spec"]["template"]["metadata"]["labels"]) {
            return Err(ApiError::invalid(
                rt.kind,
                &name,
                &[(
                    "spec.template.metadata.labels",
                    format!(
                        "Invalid value: {}: `selector` does not match template `labels`",
                        obj["spec"]["template"]["metadata"]["labels"]
                    ),
                )],
            ));
        }
    }
    if rt.kind == "Secret" {
        crate::defaults::secret_string_data(obj);
    }
    crate::defaults::apply(rt.kind, obj);
    Ok(())
}

fn check_type(target: &Target, obj: &Value) -> Result<(), ApiError> {
    let rt = target.rt();
    let kind = obj["kind"].as_str().unwrap_or(rt.kind);
    let api_version = obj["apiVersion"]
        .as_str()
        .map(String::from)
        .unwrap_or_else(|| rt.api_version());
    if kind != rt.kind || api_version != rt.api_version() {
        return Err(ApiError::bad_request(format!(
            "the API version in the data ({api_version}) does not match the expected API version ({})",
            rt.api_version()
        )));
    }
    Ok(())
}

fn fix_namespace(target: &Target, obj: &mut Value) -> Result<(), ApiError> {
    if let Some(ns) = &target.namespace {
        match obj["metadata"]["namespace"].as_str() {
            Some(given) if !given.is_empty() && given != ns => {
                return Err(ApiError::bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ));
            }
            _ => obj["metadata"]["namespace"] = json!(ns),
        }
    }
    Ok(())
}

fn dry_run(query: &Query) -> bool {
    query.get("dryRun").is_some_and(|v| v == "All")
}

/// A delete's dry run can also come in its body's DeleteOptions (`"dryRun": ["All"]`), which is
/// where kube-rs puts it; the API server honours both.
fn delete_dry_run(query: &Query, options: &Value) -> bool {
    dry_run(query)
        || options["dryRun"]
            .as_array()
            .is_some_and(|v| v.iter().any(|d| d == "All"))
}

/// A delete's DeleteOptions: the body when there is one (an unreadable one counts as none, as
/// before), else empty.
fn delete_options(body: &Bytes) -> Value {
    if body.is_empty() {
        json!({})
    } else {
        decode_body(body).unwrap_or(json!({}))
    }
}

fn namespace_exists(state: &AppState, target: &Target) -> Result<(), ApiError> {
    if let Some(ns) = &target.namespace {
        let nsr = resources::find("", "v1", "namespaces").unwrap_or_default();
        if state.store.get(nsr, "", ns).is_none() {
            return Err(ApiError::not_found("namespaces", ns));
        }
    }
    Ok(())
}

pub fn create(
    state: &AppState,
    target: &Target,
    query: &Query,
    _headers: &HeaderMap,
    body: &Bytes,
) -> Result<Response, ApiError> {
    if target.rt().virtual_only && body.is_empty() {
        let rt = target.rt();
        let empty = json!({"kind": rt.kind, "apiVersion": rt.api_version(), "metadata": {}, "spec": {}});
        return super::subresources::review(state, target, empty);
    }
    let mut obj = decode_body(body)?;
    check_type(target, &obj)?;
    if target.rt().virtual_only {
        return super::subresources::review(state, target, obj);
    }
    fix_namespace(target, &mut obj)?;
    namespace_exists(state, target)?;
    prepare_new(target.res, &mut obj)?;
    if dry_run(query) {
        obj["metadata"]["uid"] = json!(uuid::Uuid::new_v4().to_string());
        obj["metadata"]["creationTimestamp"] = json!(now());
        return Ok(json_response(201, &with_type(target, &obj)));
    }
    let created = state.store.create(target.res, obj)?;
    Ok(json_response(201, &with_type(target, &created)))
}

pub fn replace(
    state: &AppState,
    target: &Target,
    query: &Query,
    _headers: &HeaderMap,
    body: &Bytes,
) -> Result<Response, ApiError> {
    let mut obj = decode_body(body)?;
    check_type(target, &obj)?;
    fix_namespace(target, &mut obj)?;
    let name = target.name.as_deref().unwrap_or_default();
    if obj["metadata"]["name"].as_str() != Some(name) {
        return Err(ApiError::bad_request(
            "the name of the object does not match the name on the URL",
        ));
    }
    if target.rt().kind == "Secret" {
        crate::defaults::secret_string_data(&mut obj);
    }
    // Status is its own subresource: a PUT of the object keeps the stored status.
    if let Some(old) = state
        .store
        .get(target.res, target.namespace.as_deref().unwrap_or(""), name)
        && !old["status"].is_null()
    {
        obj["status"] = old["status"].clone();
    }
    if dry_run(query) {
        return Ok(json_response(200, &with_type(target, &obj)));
    }
    let updated = state.store.update(target.res, obj, true)?;
    Ok(json_response(200, &with_type(target, &updated)))
}

/// Apply a patch of any flavour to `current` (None: the object does not exist yet).
pub fn apply_patch(current: Option<&Value>, content_type: &str, body: &[u8]) -> Result<Value, ApiError> {
    let kind = patch::kind_of(content_type)?;
    let patch_doc = decode_body(body)?;
    let mut obj = current.cloned().unwrap_or_else(|| json!({}));
    match kind {
        patch::Kind::Merge => patch::merge(&mut obj, &patch_doc),
        patch::Kind::Json => patch::json_patch(&mut obj, &patch_doc)?,
        patch::Kind::Strategic | patch::Kind::Apply => patch::strategic(&mut obj, &patch_doc),
    }
    Ok(obj)
}

pub fn patch(
    state: &AppState,
    target: &Target,
    query: &Query,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Response, ApiError> {
    let rt = target.rt();
    let ct = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let name = target.name.as_deref().unwrap_or_default();
    let ns = target.namespace.as_deref().unwrap_or("");
    let current = state.store.get(target.res, ns, name);
    let is_apply = matches!(patch::kind_of(ct)?, patch::Kind::Apply);
    let Some(current) = current else {
        if !is_apply {
            return Err(ApiError::not_found(&rt.qualified(), name));
        }
        // Server-side apply of an object that does not exist creates it.
        let mut obj = apply_patch(None, ct, body)?;
        check_type(target, &obj)?;
        fix_namespace(target, &mut obj)?;
        namespace_exists(state, target)?;
        obj["metadata"]["name"] = json!(name);
        prepare_new(target.res, &mut obj)?;
        if dry_run(query) {
            return Ok(json_response(201, &with_type(target, &obj)));
        }
        let created = state.store.create(target.res, obj)?;
        return Ok(json_response(201, &with_type(target, &created)));
    };
    let mut obj = apply_patch(Some(&current), ct, body)?;
    if is_apply {
        check_type(target, &obj)?;
    }
    // Patches cannot rename or move an object, nor (without the status subresource) touch status.
    obj["metadata"]["name"] = json!(name);
    if rt.namespaced {
        obj["metadata"]["namespace"] = json!(ns);
    }
    if rt.has_subresource("status") {
        obj["status"] = current["status"].clone();
    }
    if rt.kind == "Secret" {
        crate::defaults::secret_string_data(&mut obj);
    }
    if dry_run(query) {
        return Ok(json_response(200, &with_type(target, &obj)));
    }
    let updated = state.store.update(target.res, obj, true)?;
    Ok(json_response(200, &with_type(target, &updated)))
}

pub fn delete(state: &AppState, target: &Target, query: &Query, body: &Bytes) -> Result<Response, ApiError> {
    let rt = target.rt();
    let name = target.name.as_deref().unwrap_or_default();
    let ns = target.namespace.as_deref().unwrap_or("");
    let options = delete_options(body);
    let propagation = query
        .get("propagationPolicy")
        .map(String::as_str)
        .or(options["propagationPolicy"].as_str())
        .unwrap_or("Background")
        .to_string();
    let current = state
        .store
        .get(target.res, ns, name)
        .ok_or_else(|| ApiError::not_found(&rt.qualified(), name))?;
    let mut shown = with_type(target, &current);
    if rt.kind == "Pod" {
        let grace = options["gracePeriodSeconds"].as_i64().unwrap_or(30);
        shown["metadata"]["deletionTimestamp"] = json!(now());
        shown["metadata"]["deletionGracePeriodSeconds"] = json!(grace);
    }
    if delete_dry_run(query, &options) {
        return Ok(json_response(200, &shown));
    }
    let uid = current["metadata"]["uid"].as_str().unwrap_or_default().to_string();
    state.store.delete(target.res, ns, name)?;
    gc::after_delete(&state.store, target.res, ns_of(&current), name, &uid, &propagation);
    if rt.kind == "Pod" || rt.kind == "Namespace" {
        return Ok(json_response(200, &shown));
    }
    let mut details = json!({"name": name, "kind": rt.plural, "uid": uid});
    if !rt.group.is_empty() {
        details["group"] = json!(rt.group);
    }
    Ok(json_response(200, &status::success(details)))
}

pub fn delete_collection(state: &AppState, target: &Target, query: &Query, body: &Bytes) -> Result<Response, ApiError> {
    let filter = super::read::Filter::from_query(target, query)?;
    let dry = delete_dry_run(query, &delete_options(body));
    let (items, _) = state.store.list(target.res, filter.namespace.as_deref());
    let mut deleted = Vec::new();
    for o in items.iter().filter(|o| filter.matches(o)) {
        if dry {
            deleted.push(with_type(target, o));
            continue;
        }
        let (ns, name) = (ns_of(o).to_string(), crate::store::name_of(o).to_string());
        let uid = o["metadata"]["uid"].as_str().unwrap_or_default().to_string();
        if let Ok(gone) = state.store.delete(target.res, &ns, &name) {
            gc::after_delete(&state.store, target.res, &ns, &name, &uid, "Background");
            deleted.push(with_type(target, &gone));
        }
    }
    let rt = target.rt();
    Ok(json_response(
        200,
        &json!({"kind": rt.list_kind(), "apiVersion": rt.api_version(), "metadata": {"resourceVersion": state.store.resource_version().to_string()}, "items": deleted}),
    ))
}
