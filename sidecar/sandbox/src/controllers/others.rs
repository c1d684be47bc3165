//! The smaller controllers: StatefulSet and DaemonSet pod counts, Service endpoints (Endpoints
//! and EndpointSlices), PodDisruptionBudget status, and the cordon taint on nodes.

use std::sync::Arc;

use serde_json::{Value, json};

use super::Ids;
use super::events::{self, Note, Source};
use super::util::{controlled_by, int_or_percent, owner_ref, pod_ready, set_condition, set_count};
use super::workloads::pod_from_template;
use crate::api::selectors::LabelSelector;
use crate::store::{Store, name_of, now, ns_of, random_suffix};

fn write_status(store: &Store, res: usize, obj: &Value, st: Value) {
    if st != obj["status"] {
        let _ = store.modify(res, ns_of(obj), name_of(obj), |o| {
            o["status"] = st;
            true
        });
    }
}

pub fn statefulset(store: &Store, ids: &Ids, sts: &Arc<Value>, pods: &[Arc<Value>]) {
    let ns = ns_of(sts);
    let desired = sts["spec"]["replicas"].as_i64().unwrap_or(1);
    let mine: Vec<&Arc<Value>> = pods
        .iter()
        .filter(|p| ns_of(p) == ns && controlled_by(p, &sts["metadata"]["uid"]))
        .collect();
    for i in 0..desired {
        let pname = format!("{}-{i}", name_of(sts));
        if mine.iter().any(|p| name_of(p) == pname) {
            continue;
        }
        let mut pod = pod_from_template(sts, "StatefulSet", pname.clone(), &sts["spec"]["template"]);
        pod["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"] = json!(pname);
        pod["metadata"]["labels"]["apps.kubernetes.io/pod-index"] = json!(i.to_string());
        if let Some(rev) = sts["status"]["updateRevision"].as_str() {
            pod["metadata"]["labels"]["controller-revision-hash"] = json!(rev);
        }
        pod["spec"]["hostname"] = json!(pname);
        if let Some(svc) = sts["spec"]["serviceName"].as_str() {
            pod["spec"]["subdomain"] = json!(svc);
        }
        if store.create(ids.pods, pod).is_ok() {
            events::record(
                store,
                sts,
                "StatefulSet",
                None,
                Note::new(
                    false,
                    "SuccessfulCreate",
                    &format!("create Pod {pname} in StatefulSet {} successful", name_of(sts)),
                ),
                Source {
                    component: "statefulset-controller",
                    host: None,
                },
            );
        }
    }
    for p in &mine {
        let idx = name_of(p)
            .rsplit('-')
            .next()
            .and_then(|i| i.parse::<i64>().ok())
            .unwrap_or(0);
        if idx >= desired && store.delete(ids.pods, ns, name_of(p)).is_ok() {
            events::record(
                store,
                sts,
                "StatefulSet",
                None,
                Note::new(
                    false,
                    "SuccessfulDelete",
                    &format!("delete Pod {} in StatefulSet {} successful", name_of(p), name_of(sts)),
                ),
                Source {
                    component: "statefulset-controller",
                    host: None,
                },
            );
        }
    }
    let live = mine
        .iter()
        .filter(|p| {
            name_of(p)
                .rsplit('-')
                .next()
                .and_then(|i| i.parse::<i64>().ok())
                .unwrap_or(0)
                < desired
        })
        .count() as i64;
    let ready = mine.iter().filter(|p| pod_ready(p)).count() as i64;
    let mut st = if sts["status"].is_object() {
        sts["status"].clone()
    } else {
        json!({})
    };
    st["replicas"] = json!(live);
    st["observedGeneration"] = sts["metadata"]["generation"].clone();
    set_count(&mut st, "readyReplicas", ready.min(live));
    set_count(&mut st, "availableReplicas", ready.min(live));
    set_count(&mut st, "currentReplicas", live);
    set_count(&mut st, "updatedReplicas", live);
    write_status(store, ids.statefulsets, sts, st);
}

pub fn daemonset(store: &Store, ids: &Ids, ds: &Arc<Value>, pods: &[Arc<Value>], nodes: &[Arc<Value>]) {
    let ns = ns_of(ds);
    let mine: Vec<&Arc<Value>> = pods
        .iter()
        .filter(|p| ns_of(p) == ns && controlled_by(p, &ds["metadata"]["uid"]))
        .collect();
    let tolerates_all = ds["spec"]["template"]["spec"]["tolerations"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|t| t["operator"] == "Exists" && t["key"].is_null());
    let eligible: Vec<&Arc<Value>> = nodes
        .iter()
        .filter(|n| {
            tolerates_all
                || !n["spec"]["taints"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|t| t["effect"] == "NoSchedule" && t["key"] != "node.kubernetes.io/unschedulable")
        })
        .collect();
    for n in &eligible {
        let node = name_of(n);
        let on_node = |p: &&Arc<Value>| {
            p["spec"]["nodeName"] == node
                || p["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
                    [0]["matchFields"][0]["values"][0]
                    == node
        };
        if mine.iter().any(on_node) {
            continue;
        }
        let mut pod = pod_from_template(
            ds,
            "DaemonSet",
            format!("{}-{}", name_of(ds), random_suffix(5)),
            &ds["spec"]["template"],
        );
        pod["spec"]["affinity"] = json!({"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}]}}});
        if let Ok(p) = store.create(ids.pods, pod) {
            events::record(
                store,
                ds,
                "DaemonSet",
                None,
                Note::new(false, "SuccessfulCreate", &format!("Created pod: {}", name_of(&p))),
                Source {
                    component: "daemonset-controller",
                    host: None,
                },
            );
        }
    }
    let desired = eligible.len() as i64;
    let current = (mine.len() as i64).min(desired);
    let ready = mine.iter().filter(|p| pod_ready(p)).count() as i64;
    let mut st = if ds["status"].is_object() {
        ds["status"].clone()
    } else {
        json!({})
    };
    st["desiredNumberScheduled"] = json!(desired);
    st["currentNumberScheduled"] = json!(current);
    st["numberMisscheduled"] = json!(0);
    st["numberReady"] = json!(ready);
    st["observedGeneration"] = ds["metadata"]["generation"].clone();
    set_count(&mut st, "numberAvailable", ready);
    set_count(&mut st, "updatedNumberScheduled", current);
    set_count(&mut st, "numberUnavailable", desired - ready);
    write_status(store, ids.daemonsets, ds, st);
}

/// The container port a Service port's targetPort names (numbers pass through).
fn resolve_port(target: &Value, pod: &Value) -> Option<i64> {
    match target {
        Value::Number(n) => n.as_i64(),
        Value::String(name) => pod["spec"]["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|c| c["ports"].as_array().cloned().unwrap_or_default())
            .find(|p| p["name"] == name.as_str())
            .and_then(|p| p["containerPort"].as_i64()),
        _ => None,
    }
}

pub fn endpoints(store: &Store, ids: &Ids, svc: &Arc<Value>, pods: &[Arc<Value>], nodes: &[Arc<Value>]) {
    let Some(sel) = LabelSelector::from_map(&svc["spec"]["selector"]) else {
        return;
    };
    let ns = ns_of(svc);
    let mut matching: Vec<&Arc<Value>> = pods
        .iter()
        .filter(|p| ns_of(p) == ns && sel.matches(&p["metadata"]["labels"]) && p["status"]["podIP"].is_string())
        .collect();
    matching.sort_by_key(|p| p["status"]["podIP"].as_str().unwrap_or_default().to_string());
    let ports: Vec<Value> = svc["spec"]["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|sp| {
            let port = matching
                .first()
                .and_then(|p| resolve_port(&sp["targetPort"], p))
                .or(sp["targetPort"].as_i64())
                .unwrap_or(0);
            let mut v = json!({"port": port, "protocol": sp["protocol"].as_str().unwrap_or("TCP")});
            if let Some(n) = sp["name"].as_str() {
                v["name"] = json!(n);
            }
            v
        })
        .collect();
    // Pods of a headless Service's StatefulSet are addressed by hostname too.
    let hostname = |p: &Value| {
        p["spec"]["hostname"]
            .as_str()
            .filter(|_| p["spec"]["subdomain"] == name_of(svc))
            .map(String::from)
    };
    let addr = |p: &Value| {
        let mut a = json!({"ip": p["status"]["podIP"], "nodeName": p["spec"]["nodeName"],
            "targetRef": {"kind": "Pod", "name": name_of(p), "namespace": ns, "uid": p["metadata"]["uid"]}});
        if let Some(h) = hostname(p) {
            a["hostname"] = json!(h);
        }
        a
    };
    let ready: Vec<Value> = matching.iter().filter(|p| pod_ready(p)).map(|p| addr(p)).collect();
    let not_ready: Vec<Value> = matching.iter().filter(|p| !pod_ready(p)).map(|p| addr(p)).collect();
    let subsets = if matching.is_empty() {
        Value::Null
    } else {
        let mut s = json!({"ports": ports});
        if !ready.is_empty() {
            s["addresses"] = json!(ready);
        }
        if !not_ready.is_empty() {
            s["notReadyAddresses"] = json!(not_ready);
        }
        json!([s])
    };
    let mut labels = svc["metadata"]["labels"].clone();
    if !labels.is_object() {
        labels = json!({});
    }
    match store.get(ids.endpoints, ns, name_of(svc)) {
        Some(ep) if ep["subsets"] == subsets => {}
        Some(ep) => {
            let _ = store.modify(ids.endpoints, ns, name_of(&ep), |e| {
                e["subsets"] = subsets.clone();
                e["metadata"]["annotations"]["endpoints.kubernetes.io/last-change-trigger-time"] = json!(now());
                if subsets.is_null()
                    && let Some(m) = e.as_object_mut()
                {
                    m.remove("subsets");
                }
                true
            });
        }
        None => {
            labels["endpoints.kubernetes.io/managed-by"] = json!("endpoint-controller");
            let mut ep = json!({"metadata": {"name": name_of(svc), "namespace": ns, "labels": labels}});
            if !subsets.is_null() {
                ep["subsets"] = subsets.clone();
            }
            let _ = store.create(ids.endpoints, ep);
        }
    }
    // The EndpointSlice carries the same pods with their conditions and zones.
    let zone = |p: &Value| {
        nodes
            .iter()
            .find(|n| name_of(n) == p["spec"]["nodeName"].as_str().unwrap_or_default())
            .map(|n| n["metadata"]["labels"]["topology.kubernetes.io/zone"].clone())
            .unwrap_or(Value::Null)
    };
    let eps: Vec<Value> = matching.iter().map(|p| {
        let r = pod_ready(p);
        let mut e = json!({"addresses": [p["status"]["podIP"]], "conditions": {"ready": r, "serving": r, "terminating": false},
            "nodeName": p["spec"]["nodeName"], "targetRef": {"kind": "Pod", "name": name_of(p), "namespace": ns, "uid": p["metadata"]["uid"]}});
        if zone(p).is_string() {
            e["zone"] = zone(p);
        }
        if let Some(h) = hostname(p) {
            e["hostname"] = json!(h);
        }
        e
    }).collect();
    let (slices, _) = store.list(ids.endpointslices, Some(ns));
    let existing = slices
        .iter()
        .find(|s| s["metadata"]["labels"]["kubernetes.io/service-name"] == name_of(svc));
    // With no endpoints the controller publishes no ports either (both null).
    let eps_value = if eps.is_empty() { Value::Null } else { json!(eps) };
    let ports = if eps.is_empty() { Value::Null } else { json!(ports) };
    match existing {
        Some(s) if s["endpoints"] == eps_value && s["ports"] == ports => {}
        Some(s) => {
            let _ = store.modify(ids.endpointslices, ns, name_of(s), |e| {
                e["endpoints"] = eps_value.clone();
                e["ports"] = ports.clone();
                true
            });
        }
        None => {
            let mut l = svc["metadata"]["labels"].clone();
            if !l.is_object() {
                l = json!({});
            }
            l["endpointslice.kubernetes.io/managed-by"] = json!("endpointslice-controller.k8s.io");
            l["kubernetes.io/service-name"] = json!(name_of(svc));
            let mut slice = json!({"metadata": {"generateName": format!("{}-", name_of(svc)), "namespace": ns, "labels": l,
                "ownerReferences": [owner_ref(svc, "Service", "v1")]}, "addressType": "IPv4", "ports": ports, "endpoints": null});
            slice["metadata"]["ownerReferences"][0]["apiVersion"] = json!("v1");
            slice["endpoints"] = eps_value;
            let _ = store.create(ids.endpointslices, slice);
        }
    }
}

pub fn pdb(store: &Store, ids: &Ids, pdb: &Arc<Value>, pods: &[Arc<Value>]) {
    let sel = LabelSelector::from_object(&pdb["spec"]["selector"]);
    let ns = ns_of(pdb);
    let matching: Vec<&Arc<Value>> = pods
        .iter()
        .filter(|p| ns_of(p) == ns && sel.matches(&p["metadata"]["labels"]))
        .collect();
    let expected = matching.len() as i64;
    let healthy = matching.iter().filter(|p| pod_ready(p)).count() as i64;
    let desired = if !pdb["spec"]["minAvailable"].is_null() {
        int_or_percent(&pdb["spec"]["minAvailable"], expected, true)
    } else {
        (expected - int_or_percent(&pdb["spec"]["maxUnavailable"], expected, true)).max(0)
    };
    let allowed = (healthy - desired).max(0);
    let mut st = if pdb["status"].is_object() {
        pdb["status"].clone()
    } else {
        json!({})
    };
    st["currentHealthy"] = json!(healthy);
    st["desiredHealthy"] = json!(desired);
    st["expectedPods"] = json!(expected);
    st["disruptionsAllowed"] = json!(allowed);
    st["observedGeneration"] = pdb["metadata"]["generation"].clone();
    if let Some(m) = st.as_object_mut() {
        m.remove("disruptedPods");
    }
    if allowed > 0 {
        set_condition(&mut st, "DisruptionAllowed", true, "SufficientPods", "", false);
    } else {
        set_condition(&mut st, "DisruptionAllowed", false, "InsufficientPods", "", false);
    }
    for c in st
        .get_mut("conditions")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        c["observedGeneration"] = pdb["metadata"]["generation"].clone();
    }
    write_status(store, ids.pdbs, pdb, st);
}

/// `kubectl cordon` sets spec.unschedulable; the node controller adds the matching taint.
pub fn node_taints(store: &Store, ids: &Ids, node: &Arc<Value>) {
    const KEY: &str = "node.kubernetes.io/unschedulable";
    let cordoned = node["spec"]["unschedulable"] == true;
    let has = node["spec"]["taints"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|t| t["key"] == KEY);
    if cordoned == has {
        return;
    }
    let _ = store.modify(ids.nodes, "", name_of(node), |n| {
        if cordoned {
            if !n["spec"]["taints"].is_array() {
                n["spec"]["taints"] = json!([]);
            }
            if let Some(t) = n["spec"]["taints"].as_array_mut() {
                t.push(json!({"key": KEY, "effect": "NoSchedule", "timeAdded": now()}));
            }
        } else if let Some(t) = n.pointer_mut("/spec/taints").and_then(Value::as_array_mut) {
            t.retain(|t| t["key"] != KEY);
            if t.is_empty()
                && let Some(spec) = n["spec"].as_object_mut()
            {
                spec.remove("taints");
            }
        }
        true
    });
}
