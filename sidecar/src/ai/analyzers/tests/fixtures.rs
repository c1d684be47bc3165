//! Builders for API objects as the API server returns them.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use super::super::super::finding::ObjectRef;
use super::super::super::snapshot::{LogExcerpt, Snapshot};
use super::super::{Scope, Verdict, conclude};

pub const NS: &str = "shop";

pub fn ago(secs: i64) -> String {
    (Utc::now() - Duration::seconds(secs))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

pub fn from<T: serde::de::DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).expect("fixture has the API's shape")
}

/// A Deployment `name` with one ReplicaSet `name-7d4b9c` and the given pod statuses.
pub fn deployment(s: &mut Snapshot, name: &str, replicas: i32, ready: i32) {
    s.deployments.push(from(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": NS, "uid": format!("uid-{name}"), "creationTimestamp": ago(600)},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "app", "image": "registry.example.com/shop/api:1.4.2"}]}}},
        "status": {"replicas": replicas, "readyReplicas": ready, "updatedReplicas": replicas, "availableReplicas": ready,
                   "conditions": [{"type": "Available", "status": if ready >= replicas {"True"} else {"False"}, "reason": "MinimumReplicasAvailable"},
                                  {"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated"}]}
    })));
    s.replicasets.push(from(json!({
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": format!("{name}-7d4b9c"), "namespace": NS, "labels": {"app": name},
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": name, "uid": format!("uid-{name}"), "controller": true}]},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}}},
        "status": {"replicas": replicas, "readyReplicas": ready}
    })));
}

/// A pod of Deployment `app` with `status` as given (phase, conditions, containerStatuses...).
pub fn pod(s: &mut Snapshot, app: &str, suffix: &str, spec_extra: Value, status: Value) -> String {
    let name = format!("{app}-7d4b9c-{suffix}");
    let mut spec = json!({"nodeName": "node-1", "containers": [{"name": "app", "image": "registry.example.com/shop/api:1.4.2"}], "restartPolicy": "Always"});
    merge(&mut spec, spec_extra);
    s.pods.push(from(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": NS, "labels": {"app": app, "pod-template-hash": "7d4b9c"}, "creationTimestamp": ago(300),
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("{app}-7d4b9c"), "uid": "u", "controller": true}]},
        "spec": spec,
        "status": status
    })));
    name
}

pub fn merge(a: &mut Value, b: Value) {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                merge(a.entry(k).or_insert(Value::Null), v);
            }
        }
        (a, b) => *a = b,
    }
}

pub fn running_ready(restarts: i32) -> Value {
    json!({"phase": "Running", "podIP": "10.244.1.7",
        "conditions": [{"type": "PodScheduled", "status": "True"}, {"type": "Initialized", "status": "True"},
                       {"type": "ContainersReady", "status": "True"}, {"type": "Ready", "status": "True"}],
        "containerStatuses": [{"name": "app", "image": "registry.example.com/shop/api:1.4.2", "imageID": "", "ready": true, "started": true,
                               "restartCount": restarts, "state": {"running": {"startedAt": ago(250)}}}]})
}

/// A container waiting with `reason`/`message` (and a last termination when given).
pub fn waiting(reason: &str, message: &str, restarts: i32, last: Option<Value>) -> Value {
    let mut cs = json!({"name": "app", "image": "registry.example.com/shop/api:1.4.2", "imageID": "", "ready": false, "started": false,
                        "restartCount": restarts, "state": {"waiting": {"reason": reason, "message": message}}});
    if let Some(l) = last {
        cs["lastState"] = json!({"terminated": l});
    }
    json!({"phase": if restarts > 0 || reason == "CrashLoopBackOff" {"Running"} else {"Pending"},
        "conditions": [{"type": "PodScheduled", "status": "True"}, {"type": "Ready", "status": "False", "reason": "ContainersNotReady"}],
        "containerStatuses": [cs]})
}

pub fn terminated(reason: &str, exit: i32, secs_ago: i64) -> Value {
    json!({"exitCode": exit, "reason": reason, "startedAt": ago(secs_ago + 5), "finishedAt": ago(secs_ago), "containerID": "containerd://abc"})
}

pub fn unschedulable(message: &str) -> Value {
    json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": message}]})
}

/// A core/v1 Event about `kind/name` in NS.
pub fn event(s: &mut Snapshot, kind: &str, name: &str, type_: &str, reason: &str, message: &str) {
    let n = s.events.len();
    s.events.push(from(json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": format!("{name}.{n:x}"), "namespace": NS},
        "involvedObject": {"kind": kind, "namespace": NS, "name": name, "apiVersion": "v1"},
        "type": type_, "reason": reason, "message": message, "count": 3,
        "firstTimestamp": ago(200), "lastTimestamp": ago(20),
        "source": {"component": "kubelet", "host": "node-1"}
    })));
}

pub fn logs(s: &mut Snapshot, pod: &str, previous: bool, lines: &[&str]) {
    s.logs.push(LogExcerpt {
        namespace: NS.into(),
        pod: pod.into(),
        container: "app".into(),
        previous,
        lines: lines.iter().map(|l| l.to_string()).collect(),
    });
}

pub fn service(s: &mut Snapshot, name: &str, selector: Value, port: i32, target_port: Value) {
    let mut spec = json!({"type": "ClusterIP", "clusterIP": format!("10.96.0.{}", 10 + s.services.len()),
                          "ports": [{"name": "http", "port": port, "protocol": "TCP", "targetPort": target_port}]});
    if !selector.is_null() {
        spec["selector"] = selector;
    }
    s.services.push(from(
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": NS}, "spec": spec}),
    ));
}

pub fn endpoints(s: &mut Snapshot, service: &str, ready: usize) {
    let eps: Vec<Value> = (0..ready)
        .map(|i| json!({"addresses": [format!("10.244.1.{}", 20 + i)], "conditions": {"ready": true}}))
        .collect();
    s.endpointslices.push(from(json!({
        "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
        "metadata": {"name": format!("{service}-abcde"), "namespace": NS, "labels": {"kubernetes.io/service-name": service}},
        "endpoints": eps, "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]
    })));
}

pub fn node(s: &mut Snapshot, name: &str, conditions: Value) {
    s.nodes.push(from(json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
        "spec": {}, "status": {"conditions": conditions}})));
}

pub fn healthy_node(s: &mut Snapshot) {
    node(
        s,
        "node-1",
        json!([
        {"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory"},
        {"type": "DiskPressure", "status": "False", "reason": "KubeletHasNoDiskPressure"},
        {"type": "PIDPressure", "status": "False", "reason": "KubeletHasSufficientPID"},
        {"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status"}]),
    );
}

/// A snapshot with one healthy node.
pub fn base() -> Snapshot {
    let mut s = Snapshot::default();
    healthy_node(&mut s);
    s
}

pub fn investigate(s: &Snapshot, kind: &str, name: &str) -> Verdict {
    conclude(
        s,
        &Scope::Object {
            target: ObjectRef::namespaced(kind, NS, name),
        },
    )
}
