use kube::runtime::reflector::{self, Store};
use kube::runtime::watcher;
use serde_json::json;

use super::*;

fn store_of<K>(objs: Vec<serde_json::Value>) -> Store<K>
where
    K: kube::Resource<DynamicType = ()> + Clone + serde::de::DeserializeOwned + 'static,
{
    let (reader, mut writer) = reflector::store::<K>();
    writer.apply_watcher_event(&watcher::Event::Init);
    for o in objs {
        writer.apply_watcher_event(&watcher::Event::InitApply(serde_json::from_value(o).unwrap()));
    }
    writer.apply_watcher_event(&watcher::Event::InitDone);
    reader
}

fn owner(kind: &str, name: &str) -> serde_json::Value {
    json!([{"apiVersion": "apps/v1", "kind": kind, "name": name, "uid": name}])
}

fn shop(pods: usize) -> Stores {
    let mut pod_list = Vec::new();
    for i in 0..pods {
        pod_list.push(json!({
            "metadata": {"name": format!("web-{i}"), "namespace": "shop", "labels": {"app": "web"}, "ownerReferences": owner("ReplicaSet", "web-1")},
            "spec": {"nodeName": "node-a", "containers": [{"name": "c", "envFrom": [{"configMapRef": {"name": "web-config"}}],
                "env": [{"name": "PW", "valueFrom": {"secretKeyRef": {"name": "db", "key": "pw"}}}]}],
                "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]},
            "status": {"phase": "Running", "containerStatuses": [{"name": "c", "ready": true, "restartCount": 0, "image": "", "imageID": "", "state": {"running": {}}}]}
        }));
    }
    pod_list.push(json!({
        "metadata": {"name": "crashy", "namespace": "shop", "labels": {"app": "crashy"}},
        "spec": {"containers": [{"name": "c"}]},
        "status": {"phase": "Running", "containerStatuses": [{"name": "c", "ready": false, "restartCount": 7, "image": "", "imageID": "", "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}
    }));
    Stores {
        pods: store_of(pod_list),
        nodes: store_of(vec![
            json!({"metadata": {"name": "node-a"}, "status": {"conditions": [{"type": "Ready", "status": "True"}]}}),
        ]),
        namespaces: store_of(vec![]),
        services: store_of(vec![
            json!({"metadata": {"name": "web", "namespace": "shop"}, "spec": {"selector": {"app": "web"}}}),
            json!({"metadata": {"name": "orphan", "namespace": "shop"}, "spec": {"selector": {"app": "nothing"}}}),
        ]),
        endpointslices: store_of(vec![]),
        deployments: store_of(vec![
            json!({"metadata": {"name": "web", "namespace": "shop"}, "spec": {"replicas": pods, "selector": {}, "template": {}}, "status": {"readyReplicas": pods}}),
        ]),
        replicasets: store_of(vec![
            json!({"metadata": {"name": "web-1", "namespace": "shop", "ownerReferences": owner("Deployment", "web")}, "spec": {"replicas": pods, "selector": {}}, "status": {"replicas": pods, "readyReplicas": pods}}),
        ]),
        statefulsets: store_of(vec![]),
        daemonsets: store_of(vec![]),
        jobs: store_of(vec![]),
        cronjobs: store_of(vec![]),
        configmaps: store_of(vec![json!({"metadata": {"name": "web-config", "namespace": "shop"}})]),
        secrets: store_of(vec![
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "shop"}}),
        ]),
        pvcs: store_of(vec![
            json!({"metadata": {"name": "data", "namespace": "shop"}, "spec": {"volumeName": "pv-1", "storageClassName": "fast"}, "status": {"phase": "Bound"}}),
        ]),
        pvs: store_of(vec![
            json!({"metadata": {"name": "pv-1"}, "spec": {"storageClassName": "fast"}, "status": {"phase": "Bound"}}),
        ]),
        storageclasses: store_of(vec![json!({"metadata": {"name": "fast"}, "provisioner": "x"})]),
        ingresses: store_of(vec![
            json!({"metadata": {"name": "shop", "namespace": "shop"}, "spec": {"rules": [{"http": {"paths": [
            {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}},
            {"path": "/old", "pathType": "Prefix", "backend": {"service": {"name": "gone", "port": {"number": 80}}}}]}}]}}),
        ]),
        hpas: store_of(vec![
            json!({"metadata": {"name": "web", "namespace": "shop"}, "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 5}}),
        ]),
        pdbs: store_of(vec![
            json!({"metadata": {"name": "web", "namespace": "shop"}, "spec": {"selector": {"matchLabels": {"app": "web"}}}, "status": {"disruptionsAllowed": 0, "currentHealthy": 1, "desiredHealthy": 1, "expectedPods": 1}}),
        ]),
        networkpolicies: store_of(vec![
            json!({"metadata": {"name": "deny", "namespace": "shop"}, "spec": {"podSelector": {"matchLabels": {"app": "crashy"}}}}),
        ]),
    }
}

fn has(g: &Graph, from: &str, to: &str, t: EdgeType) -> bool {
    g.edges.iter().any(|e| e.from == from && e.to == to && e.edge_type == t)
}

fn node<'a>(g: &'a Graph, id: &str) -> &'a TopoNode {
    g.nodes
        .iter()
        .find(|n| n.id == id)
        .unwrap_or_else(|| panic!("no node {id}"))
}

#[test]
fn edges_are_typed_from_owners_selectors_volumes_and_references() {
    let g = build(&shop(2), Some("shop"), None, 5);
    assert!(has(&g, "Deployment/shop/web", "ReplicaSet/shop/web-1", EdgeType::Owns));
    assert!(has(&g, "ReplicaSet/shop/web-1", "Pod/shop/web-0", EdgeType::Owns));
    assert!(has(&g, "Service/shop/web", "Pod/shop/web-1", EdgeType::Selects));
    assert!(has(&g, "Ingress/shop/shop", "Service/shop/web", EdgeType::Routes));
    assert!(has(&g, "Pod/shop/web-0", "Node//node-a", EdgeType::ScheduledOn));
    assert!(has(
        &g,
        "Pod/shop/web-0",
        "PersistentVolumeClaim/shop/data",
        EdgeType::Mounts
    ));
    assert!(has(
        &g,
        "PersistentVolumeClaim/shop/data",
        "PersistentVolume//pv-1",
        EdgeType::BoundTo
    ));
    assert!(has(
        &g,
        "PersistentVolume//pv-1",
        "StorageClass//fast",
        EdgeType::UsesClass
    ));
    assert!(has(
        &g,
        "Pod/shop/web-0",
        "ConfigMap/shop/web-config",
        EdgeType::UsesConfigMap
    ));
    assert!(has(&g, "Pod/shop/web-0", "Secret/shop/db", EdgeType::UsesSecret));
    assert!(has(
        &g,
        "HorizontalPodAutoscaler/shop/web",
        "Deployment/shop/web",
        EdgeType::Scales
    ));
    assert!(has(
        &g,
        "PodDisruptionBudget/shop/web",
        "Pod/shop/web-0",
        EdgeType::Protects
    ));
    assert!(has(
        &g,
        "NetworkPolicy/shop/deny",
        "Pod/shop/crashy",
        EdgeType::AppliesTo
    ));
    assert!(!has(
        &g,
        "NetworkPolicy/shop/deny",
        "Pod/shop/web-0",
        EdgeType::AppliesTo
    ));
}

#[test]
fn every_node_has_a_health_and_the_reason() {
    let g = build(&shop(2), Some("shop"), None, 5);
    assert_eq!(node(&g, "Pod/shop/web-0").health, Health::Healthy);
    let crashy = node(&g, "Pod/shop/crashy");
    assert_eq!(
        (crashy.health, crashy.reason.as_str()),
        (Health::Error, "CrashLoopBackOff")
    );
    let orphan = node(&g, "Service/shop/orphan");
    assert_eq!(
        (orphan.health, orphan.reason.as_str()),
        (Health::Warning, "selects no pods")
    );
    let ing = node(&g, "Ingress/shop/shop");
    assert_eq!(ing.health, Health::Error);
    assert!(ing.reason.contains("gone"), "{}", ing.reason);
    assert_eq!(node(&g, "Service/shop/gone").reason, "referenced but not found");
    assert_eq!(node(&g, "PodDisruptionBudget/shop/web").health, Health::Warning);
    assert_eq!(node(&g, "Deployment/shop/web").reason, "2/2 ready");
}

#[test]
fn a_root_and_a_depth_bound_the_walk() {
    let g = build(&shop(3), Some("shop"), Some("Deployment/shop/web"), 1);
    let ids: Vec<&str> = g.nodes.iter().map(|n| n.id.as_str()).collect();
    assert!(
        ids.contains(&"ReplicaSet/shop/web-1") && ids.contains(&"HorizontalPodAutoscaler/shop/web"),
        "{ids:?}"
    );
    assert!(!ids.contains(&"Pod/shop/web-0"), "two hops away");
    assert!(g.truncated);
    let deeper = build(&shop(3), Some("shop"), Some("Deployment/shop/web"), 2);
    assert!(deeper.nodes.iter().any(|n| n.id == "Pod/shop/web-0"));
}

#[test]
fn a_namespace_of_a_thousand_pods_is_one_graph() {
    let g = build(&shop(1000), Some("shop"), None, 5);
    assert_eq!(g.nodes.iter().filter(|n| n.kind == "Pod").count(), 1001);
    assert_eq!(
        g.edges.iter().filter(|e| e.edge_type == EdgeType::Selects).count(),
        1000
    );
}
