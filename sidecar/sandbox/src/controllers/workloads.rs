//! The deployment and replicaset controllers, lightly: a Deployment owns one ReplicaSet per
//! pod template (matched by template, so recorded ReplicaSets are adopted, not replaced) and
//! rolls from old to new within maxSurge/maxUnavailable; a ReplicaSet keeps its pod count.
//! Undo is a template change back to an old ReplicaSet's, which then gets the next revision.

use std::sync::Arc;

use serde_json::{Value, json};

use super::Ids;
use super::events::{self, Note, Source};
use super::util::{controlled_by, int_or_percent, owner_ref, pod_ready, set_condition, set_count, template_hash};
use crate::store::{Store, name_of, ns_of, random_suffix};

const REVISION: &str = "deployment.kubernetes.io/revision";

fn without_hash(template: &Value) -> Value {
    let mut t = template.clone();
    if let Some(l) = t.pointer_mut("/metadata/labels").and_then(Value::as_object_mut) {
        l.remove("pod-template-hash");
    }
    if t["metadata"]["creationTimestamp"].is_null()
        && let Some(m) = t["metadata"].as_object_mut()
    {
        m.remove("creationTimestamp");
    }
    t
}

fn revision(rs: &Value) -> i64 {
    rs["metadata"]["annotations"][REVISION]
        .as_str()
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

fn scale_rs(store: &Store, ids: &Ids, d: &Value, rs: &Value, to: i64) {
    let from = rs["spec"]["replicas"].as_i64().unwrap_or(0);
    if from == to {
        return;
    }
    let _ = store.modify(ids.replicasets, ns_of(rs), name_of(rs), |r| {
        r["spec"]["replicas"] = json!(to);
        true
    });
    let verb = if to > from { "up" } else { "down" };
    events::record(
        store,
        d,
        "Deployment",
        None,
        Note::new(
            false,
            "ScalingReplicaSet",
            &format!("Scaled {verb} replica set {} from {from} to {to}", name_of(rs)),
        ),
        Source {
            component: "deployment-controller",
            host: None,
        },
    );
}

pub fn deployment(store: &Store, ids: &Ids, d: &Arc<Value>, all_rs: &[Arc<Value>]) {
    let ns = ns_of(d);
    let uid = &d["metadata"]["uid"];
    let desired = d["spec"]["replicas"].as_i64().unwrap_or(1);
    let rss: Vec<&Arc<Value>> = all_rs
        .iter()
        .filter(|r| ns_of(r) == ns && controlled_by(r, uid))
        .collect();
    let template = without_hash(&d["spec"]["template"]);
    let max_rev = rss.iter().map(|r| revision(r)).max().unwrap_or(0);
    let Some(new_rs) = rss.iter().find(|r| without_hash(&r["spec"]["template"]) == template) else {
        if d["spec"]["paused"] == true {
            return;
        }
        let hash = template_hash(&template);
        let mut t = d["spec"]["template"].clone();
        t["metadata"]["labels"]["pod-template-hash"] = json!(hash);
        let mut selector = d["spec"]["selector"].clone();
        selector["matchLabels"]["pod-template-hash"] = json!(hash);
        let rs = json!({
            "metadata": {"name": format!("{}-{hash}", name_of(d)), "namespace": ns,
                "labels": t["metadata"]["labels"],
                "annotations": {REVISION: (max_rev + 1).to_string(), "deployment.kubernetes.io/desired-replicas": desired.to_string(),
                    "deployment.kubernetes.io/max-replicas": (desired + int_or_percent(&d["spec"]["strategy"]["rollingUpdate"]["maxSurge"], desired, true)).to_string()},
                "ownerReferences": [owner_ref(d, "Deployment", "apps/v1")]},
            "spec": {"replicas": 0, "selector": selector, "template": t},
            "status": {"replicas": 0},
        });
        let _ = store.create(ids.replicasets, rs);
        return;
    };
    if revision(new_rs) < max_rev || revision(new_rs) == 0 {
        let _ = store.modify(ids.replicasets, ns, name_of(new_rs), |r| {
            r["metadata"]["annotations"][REVISION] = json!((max_rev + 1).to_string());
            true
        });
    }
    let old: Vec<&&Arc<Value>> = rss
        .iter()
        .filter(|r| r["metadata"]["uid"] != new_rs["metadata"]["uid"])
        .collect();
    let old_replicas: i64 = old.iter().map(|r| r["spec"]["replicas"].as_i64().unwrap_or(0)).sum();
    let new_replicas = new_rs["spec"]["replicas"].as_i64().unwrap_or(0);
    let recreate = d["spec"]["strategy"]["type"] == "Recreate";
    let ru = &d["spec"]["strategy"]["rollingUpdate"];
    let surge = if recreate {
        0
    } else {
        int_or_percent(&ru["maxSurge"], desired, true)
    };
    let mut unavailable = if recreate {
        desired
    } else {
        int_or_percent(&ru["maxUnavailable"], desired, false)
    };
    if surge == 0 && unavailable == 0 {
        unavailable = 1;
    }
    if d["spec"]["paused"] != true {
        if old_replicas == 0 || new_replicas > desired {
            scale_rs(store, ids, d, new_rs, desired);
        } else if !recreate || old.iter().all(|r| r["status"]["replicas"].as_i64().unwrap_or(0) == 0) {
            let room = (desired + surge - new_replicas - old_replicas).max(0);
            scale_rs(store, ids, d, new_rs, (new_replicas + room).min(desired));
        }
        // Old ReplicaSets shrink as far as availability allows; their unready pods go first.
        let available: i64 = rss
            .iter()
            .map(|r| r["status"]["availableReplicas"].as_i64().unwrap_or(0))
            .sum();
        let mut can_remove = (available - (desired - unavailable)).max(0);
        for r in &old {
            let replicas = r["spec"]["replicas"].as_i64().unwrap_or(0);
            let unready = replicas - r["status"]["availableReplicas"].as_i64().unwrap_or(0);
            let remove = (unready.max(0) + can_remove).min(replicas);
            if remove > 0 {
                can_remove -= (remove - unready.max(0)).max(0);
                scale_rs(store, ids, d, r, replicas - remove);
            }
        }
    }
    deployment_status(store, ids, d, new_rs, &rss, desired, unavailable);
}

fn deployment_status(
    store: &Store,
    ids: &Ids,
    d: &Value,
    new_rs: &Value,
    rss: &[&Arc<Value>],
    desired: i64,
    unavailable: i64,
) {
    let sum = |k: &str| rss.iter().map(|r| r["status"][k].as_i64().unwrap_or(0)).sum::<i64>();
    let spec_total: i64 = rss.iter().map(|r| r["spec"]["replicas"].as_i64().unwrap_or(0)).sum();
    let available = sum("availableReplicas");
    let updated = new_rs["status"]["replicas"].as_i64().unwrap_or(0);
    let mut st = d["status"].clone();
    if !st.is_object() {
        st = json!({});
    }
    st["observedGeneration"] = d["metadata"]["generation"].clone();
    set_count(&mut st, "replicas", sum("replicas"));
    set_count(&mut st, "updatedReplicas", updated);
    set_count(&mut st, "readyReplicas", sum("readyReplicas"));
    set_count(&mut st, "availableReplicas", available);
    set_count(
        &mut st,
        "unavailableReplicas",
        (spec_total.max(desired) - available).max(0),
    );
    if available >= desired - unavailable {
        set_condition(
            &mut st,
            "Available",
            true,
            "MinimumReplicasAvailable",
            "Deployment has minimum availability.",
            true,
        );
    } else {
        set_condition(
            &mut st,
            "Available",
            false,
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.",
            true,
        );
    }
    let rs_name = name_of(new_rs);
    // As the deployment controller: Complete, else Progressing only when a count moved (the
    // condition's update time is the last progress), else timed out after the deadline.
    let old = &d["status"];
    let moved = ["updatedReplicas", "readyReplicas", "availableReplicas"]
        .iter()
        .any(|k| st[*k].as_i64().unwrap_or(0) > old[*k].as_i64().unwrap_or(0))
        || st["replicas"].as_i64().unwrap_or(0) < old["replicas"].as_i64().unwrap_or(0)
        || !old["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["type"] == "Progressing");
    let complete = updated == desired && sum("replicas") == desired && available == desired;
    let progressing_reason = st["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["type"] == "Progressing")
        .and_then(|c| {
            Some((
                c["reason"].as_str()?.to_string(),
                c["lastUpdateTime"].as_str()?.to_string(),
            ))
        });
    let rollout_started = progressing_reason
        .as_ref()
        .is_some_and(|(r, _)| r == "NewReplicaSetAvailable")
        && !st["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["type"] == "Progressing" && c["message"].as_str().is_some_and(|m| m.contains(rs_name)));
    if complete {
        set_condition(
            &mut st,
            "Progressing",
            true,
            "NewReplicaSetAvailable",
            &format!("ReplicaSet \"{rs_name}\" has successfully progressed."),
            true,
        );
    } else if moved || rollout_started {
        set_condition(
            &mut st,
            "Progressing",
            true,
            "ReplicaSetUpdated",
            &format!("ReplicaSet \"{rs_name}\" is progressing."),
            true,
        );
    } else if let Some((reason, updated_at)) = progressing_reason
        && reason == "ReplicaSetUpdated"
    {
        let deadline = d["spec"]["progressDeadlineSeconds"].as_i64().unwrap_or(600);
        let idle = chrono::DateTime::parse_from_rfc3339(&updated_at)
            .map(|t| (chrono::Utc::now() - t.with_timezone(&chrono::Utc)).num_seconds())
            .unwrap_or(0);
        if idle > deadline {
            set_condition(
                &mut st,
                "Progressing",
                false,
                "ProgressDeadlineExceeded",
                &format!("ReplicaSet \"{rs_name}\" has timed out progressing."),
                true,
            );
        }
    }
    if st != d["status"] {
        let _ = store.modify(ids.deployments, ns_of(d), name_of(d), |o| {
            o["status"] = st;
            true
        });
    }
}

/// A pod for a controller: the template's metadata and spec, owned by `owner`.
pub fn pod_from_template(owner: &Value, kind: &str, name: String, template: &Value) -> Value {
    let mut pod = json!({
        "metadata": {"name": name, "namespace": ns_of(owner), "labels": template["metadata"]["labels"],
            "ownerReferences": [owner_ref(owner, kind, "apps/v1")]},
        "spec": template["spec"],
    });
    if template["metadata"]["annotations"].is_object() {
        pod["metadata"]["annotations"] = template["metadata"]["annotations"].clone();
    }
    if template["metadata"]["labels"].is_null() {
        pod["metadata"]["labels"] = json!({});
    }
    crate::defaults::apply("Pod", &mut pod);
    pod
}

pub fn replicaset(store: &Store, ids: &Ids, rs: &Arc<Value>, pods: &[Arc<Value>]) {
    let ns = ns_of(rs);
    let uid = &rs["metadata"]["uid"];
    let desired = rs["spec"]["replicas"].as_i64().unwrap_or(1);
    let mut mine: Vec<&Arc<Value>> = pods
        .iter()
        .filter(|p| ns_of(p) == ns && controlled_by(p, uid) && p["metadata"]["deletionTimestamp"].is_null())
        .collect();
    let have = mine.len() as i64;
    let source = || Source {
        component: "replicaset-controller",
        host: None,
    };
    if have < desired {
        for _ in have..desired {
            let pod = pod_from_template(
                rs,
                "ReplicaSet",
                format!("{}-{}", name_of(rs), random_suffix(5)),
                &rs["spec"]["template"],
            );
            if let Ok(p) = store.create(ids.pods, pod) {
                events::record(
                    store,
                    rs,
                    "ReplicaSet",
                    None,
                    Note::new(false, "SuccessfulCreate", &format!("Created pod: {}", name_of(&p))),
                    source(),
                );
            }
        }
    } else if have > desired {
        // Delete the least useful first: unscheduled, then unready, then the newest.
        mine.sort_by_key(|p| {
            (
                p["spec"]["nodeName"].is_string(),
                pod_ready(p),
                std::cmp::Reverse(p["metadata"]["creationTimestamp"].as_str().unwrap_or("").to_string()),
            )
        });
        for p in mine.iter().take((have - desired) as usize) {
            if store.delete(ids.pods, ns, name_of(p)).is_ok() {
                events::record(
                    store,
                    rs,
                    "ReplicaSet",
                    None,
                    Note::new(false, "SuccessfulDelete", &format!("Deleted pod: {}", name_of(p))),
                    source(),
                );
            }
        }
    }
    let live: Vec<&&Arc<Value>> = mine.iter().collect();
    let count = if have > desired { desired } else { live.len() as i64 };
    let ready = live.iter().filter(|p| pod_ready(p)).count() as i64;
    let mut st = rs["status"].clone();
    if !st.is_object() {
        st = json!({});
    }
    st["replicas"] = json!(count);
    set_count(&mut st, "fullyLabeledReplicas", count);
    set_count(&mut st, "readyReplicas", ready.min(count));
    set_count(&mut st, "availableReplicas", ready.min(count));
    st["observedGeneration"] = rs["metadata"]["generation"].clone();
    if st != rs["status"] {
        let _ = store.modify(ids.replicasets, ns, name_of(rs), |o| {
            o["status"] = st;
            true
        });
    }
}
