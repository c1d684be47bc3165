//! The evidence tools as the LLM calls them: each one, by its name, over a small shop (a
//! Deployment whose pod crash-loops on a node with a taint, a Service and an HPA in front of it,
//! a neighbour pod with events of its own), answers with what the cluster says and nothing else.

use serde_json::{Value, json};

use super::{StaticSource, tool, tool_specs};
use crate::ai::snapshot::Snapshot;

const POD: &str = "api-7d4b9c-x1";

fn owned_by(kind: &str, name: &str) -> Value {
    json!([{"apiVersion": "apps/v1", "kind": kind, "name": name, "uid": format!("uid-{name}"), "controller": true}])
}

fn event(pod: &str, time: &str, type_: &str, reason: &str, message: &str) -> Value {
    json!({"metadata": {"name": format!("{pod}.{reason}"), "namespace": "shop"},
        "involvedObject": {"kind": "Pod", "namespace": "shop", "name": pod},
        "type": type_, "reason": reason, "message": message, "count": 3, "lastTimestamp": time})
}

fn shop() -> Snapshot {
    let template = json!({"metadata": {"labels": {"app": "api"}},
        "spec": {"containers": [{"name": "app", "image": "registry.example.com/shop/api:1.4.2"}]}});
    serde_json::from_value(json!({
        "deployments": [{"metadata": {"name": "api", "namespace": "shop"},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "api"}}, "template": template}}],
        "replicasets": [{"metadata": {"name": "api-7d4b9c", "namespace": "shop", "ownerReferences": owned_by("Deployment", "api")},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "api"}}}}],
        "pods": [
            {"metadata": {"name": POD, "namespace": "shop", "labels": {"app": "api"}, "ownerReferences": owned_by("ReplicaSet", "api-7d4b9c")},
             "spec": {"nodeName": "node-1", "containers": [
                {"name": "app", "image": "registry.example.com/shop/api:1.4.2",
                 "env": [{"name": "DB_PASSWORD", "value": "hunter2"}, {"name": "LOG_LEVEL", "value": "debug"}],
                 "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}}},
                {"name": "proxy", "image": "envoyproxy/envoy:v1.31"}]},
             "status": {"phase": "Running", "containerStatuses": [
                {"name": "app", "image": "i", "imageID": "", "ready": false, "restartCount": 4},
                {"name": "proxy", "image": "i", "imageID": "", "ready": true, "restartCount": 0}]}},
            {"metadata": {"name": "web-1", "namespace": "shop", "labels": {"app": "web"}},
             "spec": {"containers": [{"name": "web", "image": "nginx"}]}}],
        "services": [{"metadata": {"name": "api", "namespace": "shop"}, "spec": {"selector": {"app": "api"}}}],
        "hpas": [{"metadata": {"name": "api", "namespace": "shop"},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"}, "maxReplicas": 3}}],
        "nodes": [{"metadata": {"name": "node-1"},
            "spec": {"taints": [{"key": "dedicated", "value": "shop", "effect": "NoSchedule"}]},
            "status": {"conditions": [
                {"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory"},
                {"type": "Ready", "status": "True", "reason": "KubeletReady"}]}}],
        "events": [
            event(POD, "2026-11-25T10:05:00Z", "Warning", "BackOff", "Back-off restarting failed container app"),
            event("web-1", "2026-11-25T10:01:00Z", "Normal", "Pulled", "Container image \"nginx\" already present"),
            event(POD, "2026-11-25T10:00:00Z", "Normal", "Started", "Started container app")],
        "logs": [
            {"namespace": "shop", "pod": POD, "container": "app", "previous": false,
             "lines": ["starting api v1.4.2", "2026-11-25T10:06:00.1Z stdout F connecting with password=hunter2"]},
            {"namespace": "shop", "pod": POD, "container": "app", "previous": true,
             "lines": ["FATAL: required environment variable DATABASE_URL is not set"]},
            {"namespace": "shop", "pod": POD, "container": "proxy", "previous": false, "lines": ["envoy ready"]}]
    }))
    .expect("the fixture has the snapshot's shape")
}

/// Runs tool `name` with `args` as the LLM would: against the gathered snapshot (no logs in it)
/// and the source for logs.
async fn call(name: &str, args: Value) -> Value {
    let s = shop();
    let source = StaticSource(s.clone());
    let mut gathered = s;
    gathered.logs.clear();
    tool(&source, "ctx", &gathered, name, &args).await
}

fn pod(kind: &str, name: &str) -> Value {
    json!({"kind": kind, "namespace": "shop", "name": name})
}

#[tokio::test]
async fn get_object_returns_the_object_masked_or_says_not_found() {
    let v = call("get_object", pod("Pod", POD)).await;
    assert_eq!(v["kind"], "Pod");
    assert_eq!(v["metadata"]["name"], POD);
    assert_eq!(v["spec"]["nodeName"], "node-1");
    let env = &v["spec"]["containers"][0]["env"];
    assert_eq!(env[0], json!({"name": "DB_PASSWORD", "value": "***"}), "{env}");
    assert_eq!(env[1], json!({"name": "LOG_LEVEL", "value": "debug"}));
    assert!(!v.to_string().contains("hunter2"));
    assert_eq!(
        call("get_object", pod("Pod", "api-7d4b9c-gone")).await,
        json!({"error": "not found"})
    );
    // Another namespace's object of that name is not this one.
    let other = json!({"kind": "Pod", "namespace": "payments", "name": POD});
    assert_eq!(call("get_object", other).await, json!({"error": "not found"}));
}

#[tokio::test]
async fn owner_chain_climbs_from_the_pod_to_its_deployment() {
    assert_eq!(
        call("owner_chain", pod("Pod", POD)).await,
        json!([{"kind": "ReplicaSet", "namespace": "shop", "name": "api-7d4b9c"},
               {"kind": "Deployment", "namespace": "shop", "name": "api"}])
    );
    assert_eq!(call("owner_chain", pod("Pod", "web-1")).await, json!([]));
}

#[tokio::test]
async fn events_are_the_objects_own_oldest_first_with_reason_and_message() {
    assert_eq!(
        call("events", pod("Pod", POD)).await,
        json!([
            {"type": "Normal", "reason": "Started", "message": "Started container app", "count": 3},
            {"type": "Warning", "reason": "BackOff", "message": "Back-off restarting failed container app", "count": 3}])
    );
}

#[tokio::test]
async fn logs_are_read_from_the_source_current_or_previous_masked() {
    // No container named: the pod's first; the CRI prefix is stripped and the password masked.
    let current = call("logs", json!({"namespace": "shop", "pod": POD})).await;
    assert_eq!(current["container"], "app");
    assert_eq!(current["previous"], false);
    let lines = current["lines"].as_array().unwrap();
    assert_eq!(lines[0], "starting api v1.4.2");
    assert!(
        lines[1].as_str().unwrap().starts_with("connecting with password="),
        "{lines:?}"
    );
    assert!(!current.to_string().contains("hunter2"), "{current}");
    let previous = call(
        "logs",
        json!({"namespace": "shop", "pod": POD, "container": "app", "previous": true}),
    )
    .await;
    assert_eq!(
        previous["lines"],
        json!(["FATAL: required environment variable DATABASE_URL is not set"])
    );
    let proxy = call("logs", json!({"namespace": "shop", "pod": POD, "container": "proxy"})).await;
    assert_eq!(proxy["lines"], json!(["envoy ready"]));
}

#[tokio::test]
async fn related_objects_follow_ownership_selectors_and_autoscalers() {
    let names = |v: Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|o| format!("{}/{}", o["kind"].as_str().unwrap(), o["name"].as_str().unwrap()))
            .collect()
    };
    let of_deployment = names(call("related_objects", pod("Deployment", "api")).await);
    for want in [
        "Deployment/api",
        "ReplicaSet/api-7d4b9c",
        &format!("Pod/{POD}"),
        "HorizontalPodAutoscaler/api",
        "Node/node-1",
    ] {
        assert!(of_deployment.iter().any(|o| o == want), "{want} in {of_deployment:?}");
    }
    assert!(!of_deployment.iter().any(|o| o == "Pod/web-1"), "{of_deployment:?}");
    assert_eq!(
        names(call("related_objects", pod("Service", "api")).await),
        ["Service/api", &format!("Pod/{POD}"), "Node/node-1"]
    );
}

#[tokio::test]
async fn node_conditions_give_conditions_and_taints() {
    let v = call("node_conditions", json!({"name": "node-1"})).await;
    let conditions: Vec<(&str, &str)> = v["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["type"].as_str().unwrap(), c["status"].as_str().unwrap()))
        .collect();
    assert_eq!(conditions, [("MemoryPressure", "False"), ("Ready", "True")]);
    assert_eq!(
        v["taints"],
        json!([{"key": "dedicated", "value": "shop", "effect": "NoSchedule"}])
    );
    assert_eq!(
        call("node_conditions", json!({"name": "node-9"})).await,
        json!({"error": "node not found"})
    );
}

#[tokio::test]
async fn metrics_give_requests_limits_and_restarts_per_container() {
    let v = call("metrics", pod("Pod", POD)).await;
    assert_eq!(
        v["containers"],
        json!([
            {"name": "app", "requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}, "restarts": 4},
            {"name": "proxy", "requests": null, "limits": null, "restarts": 0}])
    );
    assert_eq!(
        call("metrics", pod("Pod", "nope")).await,
        json!({"error": "pod not found"})
    );
}

#[tokio::test]
async fn every_offered_tool_answers_and_unknown_ones_say_so() {
    let names: Vec<&str> = tool_specs().iter().map(|(n, _, _)| *n).collect();
    assert_eq!(
        names,
        [
            "get_object",
            "owner_chain",
            "events",
            "logs",
            "related_objects",
            "node_conditions",
            "rollout_history",
            "metrics",
            "analyzer_findings"
        ]
    );
    for name in names {
        let v = call(name, pod("Pod", POD)).await;
        let unknown = v["error"].as_str().is_some_and(|e| e.starts_with("no tool"));
        assert!(!unknown, "{name}: {v}");
    }
    assert_eq!(
        call("kubectl", json!({})).await,
        json!({"error": "no tool named kubectl"})
    );
}
