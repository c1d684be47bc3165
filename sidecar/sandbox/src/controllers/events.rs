//! core/v1 Events as controllers and kubelets write them: one object per (object, reason,
//! message), its count and lastTimestamp bumped when it happens again.

use serde_json::{Value, json};

use crate::resources;
use crate::store::{Store, now};

/// What happened: Normal or Warning, the reason, the message.
pub struct Note<'a> {
    pub warning: bool,
    pub reason: &'a str,
    pub message: &'a str,
}

impl<'a> Note<'a> {
    pub fn new(warning: bool, reason: &'a str, message: &'a str) -> Self {
        Self {
            warning,
            reason,
            message,
        }
    }
}

pub struct Source<'a> {
    pub component: &'a str,
    pub host: Option<&'a str>,
}

/// Record (or repeat) an event about `obj` of kind `kind`.
pub fn record(store: &Store, obj: &Value, kind: &str, field_path: Option<&str>, note: Note<'_>, source: Source<'_>) {
    let Note {
        warning,
        reason,
        message,
    } = note;
    let Some(events) = resources::find("", "v1", "events") else {
        return;
    };
    let ns = obj["metadata"]["namespace"].as_str().unwrap_or("default").to_string();
    let name = obj["metadata"]["name"].as_str().unwrap_or_default();
    let uid = obj["metadata"]["uid"].as_str().unwrap_or_default();
    // One event object per (object, reason, message): its name is derived from them, so a
    // repeat is found by name instead of by scanning the namespace's events.
    let key = format!("{uid}/{reason}/{message}");
    let h = key.bytes().fold(14695981039346656037u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(1099511628211)
    });
    let ename = format!("{name}.{:016x}", h >> 4);
    let mut existing = store.get(events, &ns, &ename).map(|_| ename.clone());
    if existing.is_none() {
        // Recorded events have the recording's names; small namespaces are searched for them.
        let (list, _) = store.list(events, Some(&ns));
        if list.len() < 2000 {
            existing = list
                .iter()
                .find(|e| e["involvedObject"]["uid"] == uid && e["reason"] == reason && e["message"] == message)
                .map(|e| e["metadata"]["name"].as_str().unwrap_or_default().to_string());
        }
    }
    if let Some(existing) = existing {
        let _ = store.modify(events, &ns, &existing, |e| {
            e["count"] = json!(e["count"].as_i64().unwrap_or(1) + 1);
            e["lastTimestamp"] = json!(now());
            true
        });
        return;
    }
    let api_version = resources::ALL
        .iter()
        .find(|r| r.kind == kind)
        .map(|r| r.api_version())
        .unwrap_or_else(|| "v1".into());
    let mut involved = json!({"apiVersion": api_version, "kind": kind, "name": name, "namespace": ns, "uid": uid,
        "resourceVersion": obj["metadata"]["resourceVersion"]});
    if let Some(fp) = field_path {
        involved["fieldPath"] = json!(fp);
    }
    let mut src = json!({"component": source.component});
    if let Some(h) = source.host {
        src["host"] = json!(h);
    }
    let t = now();
    let event = json!({
        "metadata": {"name": ename, "namespace": ns},
        "involvedObject": involved,
        "reason": reason,
        "message": message,
        "source": src,
        "firstTimestamp": t,
        "lastTimestamp": t,
        "count": 1,
        "type": if warning { "Warning" } else { "Normal" },
        "eventTime": null,
        "reportingComponent": source.component,
        "reportingInstance": source.host.unwrap_or(""),
    });
    let _ = store.create(events, event);
}
