//! The four PATCH flavours clients send: JSON merge patch (RFC 7386), JSON patch (RFC 6902),
//! strategic merge patch (lists of named things merged by key, `$patch` directives), and
//! server-side apply, which the sandbox treats as a strategic merge of the applied
//! configuration (no managedFields ownership: see the fidelity test's known differences).

use serde_json::{Map, Value};

use crate::status::ApiError;

pub enum Kind {
    Merge,
    Json,
    Strategic,
    Apply,
}

pub fn kind_of(content_type: &str) -> Result<Kind, ApiError> {
    let ct = content_type.split(';').next().unwrap_or("").trim();
    match ct {
        "application/merge-patch+json" => Ok(Kind::Merge),
        "application/json-patch+json" => Ok(Kind::Json),
        "application/strategic-merge-patch+json" => Ok(Kind::Strategic),
        "application/apply-patch+yaml" | "application/apply-patch+cbor" => Ok(Kind::Apply),
        _ => Err(ApiError::unsupported_media_type(&[
            "application/json-patch+json",
            "application/merge-patch+json",
            "application/apply-patch+yaml",
            "application/strategic-merge-patch+json",
        ])),
    }
}

/// RFC 7386: objects merge recursively, null deletes, anything else replaces.
pub fn merge(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(t) = target else { return };
    for (k, v) in p {
        if v.is_null() {
            t.remove(k);
        } else {
            merge(t.entry(k.clone()).or_insert(Value::Null), v);
        }
    }
}

pub fn json_patch(target: &mut Value, patch: &Value) -> Result<(), ApiError> {
    let ops: json_patch::Patch =
        serde_json::from_value(patch.clone()).map_err(|e| ApiError::bad_request(format!("invalid JSON patch: {e}")))?;
    json_patch::patch(target, &ops).map_err(|e| ApiError::invalid("", "", &[("patch", e.to_string())]))
}

/// The merge key of a list field, as the Kubernetes types declare it (`patchMergeKey`).
/// `ports` is a container's (containerPort) or a Service's (port): decided by the elements.
fn merge_key(field: &str, sample: &Value) -> Option<&'static str> {
    Some(match field {
        "containers" | "initContainers" | "ephemeralContainers" | "env" | "volumes" | "imagePullSecrets" => "name",
        "volumeMounts" => "mountPath",
        "volumeDevices" => "devicePath",
        "conditions" | "addresses" => "type",
        "ownerReferences" => "uid",
        "hostAliases" => "ip",
        "taints" => "key",
        "ports" if sample.get("containerPort").is_some() => "containerPort",
        "ports" => "port",
        _ => return None,
    })
}

/// Strategic merge patch over JSON: like a merge patch, but keyed lists merge element by
/// element and `$patch: delete|replace`, `$deleteFromPrimitiveList/<f>` are honoured;
/// `$setElementOrder/<f>` and `$retainKeys` only order or prune and are dropped.
pub fn strategic(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if p.get("$patch").and_then(Value::as_str) == Some("replace") {
        let mut replacement = patch.clone();
        if let Some(m) = replacement.as_object_mut() {
            m.remove("$patch");
        }
        *target = replacement;
        return;
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(t) = target else { return };
    for (k, v) in p {
        if k.starts_with("$setElementOrder/") || k == "$retainKeys" || k == "$patch" {
            continue;
        }
        if let Some(field) = k.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(list)), Value::Array(gone)) = (t.get_mut(field), v) {
                list.retain(|x| !gone.contains(x));
            }
            continue;
        }
        match v {
            Value::Null => {
                t.remove(k);
            }
            Value::Array(items) => {
                let key = items.first().and_then(|s| merge_key(k, s));
                match (key, t.get_mut(k)) {
                    (Some(key), Some(Value::Array(existing))) => merge_list(existing, items, key),
                    (None, Some(Value::Array(existing))) if k == "finalizers" => {
                        for x in items {
                            if !existing.contains(x) {
                                existing.push(x.clone());
                            }
                        }
                    }
                    _ => {
                        let cleaned: Vec<Value> = items
                            .iter()
                            .filter(|i| i.get("$patch").and_then(Value::as_str) != Some("delete"))
                            .cloned()
                            .collect();
                        t.insert(k.clone(), Value::Array(cleaned));
                    }
                }
            }
            Value::Object(_) => strategic(t.entry(k.clone()).or_insert(Value::Null), v),
            _ => {
                t.insert(k.clone(), v.clone());
            }
        }
    }
}

fn merge_list(existing: &mut Vec<Value>, patch: &[Value], key: &str) {
    for item in patch {
        let id = item.get(key).cloned().unwrap_or(Value::Null);
        let pos = existing.iter().position(|e| e.get(key) == Some(&id));
        if item.get("$patch").and_then(Value::as_str) == Some("delete") {
            if let Some(pos) = pos {
                existing.remove(pos);
            }
            continue;
        }
        match pos {
            Some(pos) => strategic(&mut existing[pos], item),
            None => {
                let mut fresh = Value::Null;
                strategic(&mut fresh, item);
                existing.push(fresh);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_deletes_with_null() {
        let mut t = json!({"a": 1, "b": {"c": 2, "d": 3}});
        merge(&mut t, &json!({"a": null, "b": {"c": 5}}));
        assert_eq!(t, json!({"b": {"c": 5, "d": 3}}));
    }

    #[test]
    fn strategic_patch_merges_containers_by_name() {
        let mut t = json!({"spec": {"containers": [{"name": "a", "image": "x:1"}, {"name": "b", "image": "y:1"}]}});
        strategic(
            &mut t,
            &json!({"spec": {"$setElementOrder/containers": [{"name": "a"}, {"name": "b"}],
                "containers": [{"name": "b", "image": "y:2"}]}}),
        );
        assert_eq!(t["spec"]["containers"][0]["image"], "x:1");
        assert_eq!(t["spec"]["containers"][1]["image"], "y:2");
        strategic(
            &mut t,
            &json!({"spec": {"containers": [{"name": "a", "$patch": "delete"}]}}),
        );
        assert_eq!(t["spec"]["containers"].as_array().map(Vec::len), Some(1));
    }

    #[test]
    fn json_patch_applies_operations() {
        let mut t = json!({"spec": {"replicas": 1}});
        json_patch(
            &mut t,
            &json!([{"op": "replace", "path": "/spec/replicas", "value": 3}]),
        )
        .expect("patch");
        assert_eq!(t["spec"]["replicas"], 3);
    }
}
