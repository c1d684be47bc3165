//! Small helpers the controllers share: owner references, readiness, status fields that the
//! API omits when zero (so a recomputed status equals a recorded one and nothing churns).

use serde_json::{Value, json};

use crate::store::now;

pub fn owner_ref(owner: &Value, kind: &str, api_version: &str) -> Value {
    json!({"apiVersion": api_version, "kind": kind, "name": owner["metadata"]["name"], "uid": owner["metadata"]["uid"],
        "controller": true, "blockOwnerDeletion": true})
}

pub fn controlled_by(obj: &Value, uid: &Value) -> bool {
    obj["metadata"]["ownerReferences"]
        .as_array()
        .is_some_and(|refs| refs.iter().any(|r| r["uid"] == *uid && r["controller"] == true))
}

pub fn pod_ready(pod: &Value) -> bool {
    pod["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Ready" && c["status"] == "True")
}

/// Set an `omitempty` integer status field: absent when zero, as the API serializes it.
pub fn set_count(status: &mut Value, key: &str, n: i64) {
    if n == 0 {
        if let Some(m) = status.as_object_mut() {
            m.remove(key);
        }
    } else {
        status[key] = json!(n);
    }
}

/// Replace or add a condition, keeping its transition time when its status did not change and
/// its update time when nothing about it changed.
pub fn set_condition(
    status: &mut Value,
    cond_type: &str,
    value: bool,
    reason: &str,
    message: &str,
    with_update_time: bool,
) {
    if !status["conditions"].is_array() {
        status["conditions"] = json!([]);
    }
    let st = if value { "True" } else { "False" };
    let list = status["conditions"].as_array_mut().expect("array just set");
    let t = now();
    if let Some(c) = list.iter_mut().find(|c| c["type"] == cond_type) {
        let same_status = c["status"] == st;
        let unchanged = same_status && c["reason"] == reason && c["message"] == message;
        if unchanged {
            return;
        }
        if !same_status {
            c["lastTransitionTime"] = json!(t);
        }
        c["status"] = json!(st);
        c["reason"] = json!(reason);
        c["message"] = json!(message);
        if with_update_time {
            c["lastUpdateTime"] = json!(t);
        }
        return;
    }
    let mut c = json!({"type": cond_type, "status": st, "lastTransitionTime": t, "reason": reason, "message": message});
    if with_update_time {
        c["lastUpdateTime"] = json!(t);
    }
    list.push(c);
}

/// An int-or-percent (maxSurge "25%") resolved against `total`, rounding up or down.
pub fn int_or_percent(v: &Value, total: i64, round_up: bool) -> i64 {
    match v {
        Value::Number(n) => n.as_i64().unwrap_or(0),
        Value::String(s) => match s.strip_suffix('%').and_then(|p| p.parse::<i64>().ok()) {
            Some(p) if round_up => (p * total + 99) / 100,
            Some(p) => p * total / 100,
            None => s.parse().unwrap_or(0),
        },
        _ => 0,
    }
}

/// The template's hash as the deployment controller names ReplicaSets: a 32-bit FNV-1a of the
/// template, its decimal digits mapped into the API server's vowel-free alphabet.
pub fn template_hash(template: &Value) -> String {
    let h = template
        .to_string()
        .bytes()
        .fold(2166136261u32, |h, b| (h ^ u32::from(b)).wrapping_mul(16777619));
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    h.to_string()
        .bytes()
        .map(|d| ALPHABET[usize::from(d) % ALPHABET.len()] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_like_the_deployment_controller() {
        assert_eq!(int_or_percent(&json!("25%"), 3, true), 1);
        assert_eq!(int_or_percent(&json!("25%"), 3, false), 0);
        assert_eq!(int_or_percent(&json!(2), 3, false), 2);
    }

    #[test]
    fn zero_counts_are_omitted() {
        let mut s = json!({"readyReplicas": 2});
        set_count(&mut s, "readyReplicas", 0);
        assert_eq!(s, json!({}));
    }
}
