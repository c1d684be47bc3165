use kube::runtime::reflector::Store;
use serde_json::json;

use super::*;
use crate::cluster::cache::{filled, rows_of};

fn store_of<K>(objs: Vec<serde_json::Value>) -> Store<K>
where
    K: kube::Resource<DynamicType = ()> + Clone + serde::de::DeserializeOwned + 'static,
{
    filled(objs.into_iter().map(|o| serde_json::from_value(o).unwrap())).0
}

/// Replaces the cached pods, rows included, as a relist would.
fn set_pods(s: &mut Stores, pods: Vec<serde_json::Value>) {
    s.pods = store_of(pods);
    s.pod_rows = rows_of(&s.pods);
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
    let pod_store = store_of(pod_list);
    Stores {
        pod_rows: rows_of(&pod_store),
        pods: pod_store,
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
    let g = build(&shop(2), &Memo::default(), Some("shop"), None, 5);
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
    let g = build(&shop(2), &Memo::default(), Some("shop"), None, 5);
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
    let g = build(&shop(3), &Memo::default(), Some("shop"), Some("Deployment/shop/web"), 1);
    let ids: Vec<&str> = g.nodes.iter().map(|n| n.id.as_str()).collect();
    assert!(
        ids.contains(&"ReplicaSet/shop/web-1") && ids.contains(&"HorizontalPodAutoscaler/shop/web"),
        "{ids:?}"
    );
    assert!(!ids.contains(&"Pod/shop/web-0"), "two hops away");
    assert!(g.truncated);
    let deeper = build(&shop(3), &Memo::default(), Some("shop"), Some("Deployment/shop/web"), 2);
    assert!(deeper.nodes.iter().any(|n| n.id == "Pod/shop/web-0"));
}

#[test]
fn a_namespace_of_a_thousand_pods_is_one_graph() {
    let g = build(&shop(1000), &Memo::default(), Some("shop"), None, 5);
    assert_eq!(g.nodes.iter().filter(|n| n.kind == "Pod").count(), 1001);
    assert_eq!(
        g.edges.iter().filter(|e| e.edge_type == EdgeType::Selects).count(),
        1000
    );
}

fn pod(name: &str, owners: serde_json::Value, spec: serde_json::Value) -> serde_json::Value {
    json!({
        "metadata": {"name": name, "namespace": "shop", "ownerReferences": owners},
        "spec": spec,
        "status": {"phase": "Running"}
    })
}

#[test]
fn statefulsets_daemonsets_jobs_and_cronjobs_own_what_they_create() {
    let mut s = shop(0);
    let plain = json!({"containers": [{"name": "c"}]});
    s.statefulsets = store_of(vec![
        json!({"metadata": {"name": "db", "namespace": "shop"}, "spec": {"replicas": 1, "selector": {}, "serviceName": "db", "template": {}}, "status": {"replicas": 1, "readyReplicas": 1}}),
    ]);
    s.daemonsets = store_of(vec![
        json!({"metadata": {"name": "agent", "namespace": "shop"}, "spec": {"selector": {}, "template": {}}, "status": {"numberReady": 1, "desiredNumberScheduled": 1, "currentNumberScheduled": 1, "numberMisscheduled": 0}}),
    ]);
    s.cronjobs = store_of(vec![
        json!({"metadata": {"name": "nightly", "namespace": "shop"}, "spec": {"schedule": "0 3 * * *", "jobTemplate": {}}}),
    ]);
    let cronjob_owner = json!([{"apiVersion": "batch/v1", "kind": "CronJob", "name": "nightly", "uid": "nightly"}]);
    let job_owner = json!([{"apiVersion": "batch/v1", "kind": "Job", "name": "nightly-29000000", "uid": "j"}]);
    s.jobs = store_of(vec![
        json!({"metadata": {"name": "nightly-29000000", "namespace": "shop", "ownerReferences": cronjob_owner}, "spec": {"template": {}}, "status": {"conditions": [{"type": "Complete", "status": "True"}]}}),
    ]);
    set_pods(
        &mut s,
        vec![
            pod("db-0", owner("StatefulSet", "db"), plain.clone()),
            pod("agent-x7k2p", owner("DaemonSet", "agent"), plain.clone()),
            pod("nightly-29000000-abcde", job_owner, plain.clone()),
        ],
    );
    let g = build(&s, &Memo::default(), Some("shop"), None, 5);
    let owns = [
        ("StatefulSet/shop/db", "Pod/shop/db-0"),
        ("DaemonSet/shop/agent", "Pod/shop/agent-x7k2p"),
        ("Job/shop/nightly-29000000", "Pod/shop/nightly-29000000-abcde"),
        ("CronJob/shop/nightly", "Job/shop/nightly-29000000"),
    ];
    for (from, to) in owns {
        assert!(has(&g, from, to, EdgeType::Owns), "{from} owns {to}: {:?}", g.edges);
        // Both ends are in the graph, not dangling.
        node(&g, from);
        node(&g, to);
    }
    // Nothing else is claimed: each of these has exactly its one owner.
    for (_, to) in owns {
        assert_eq!(
            g.edges
                .iter()
                .filter(|e| e.edge_type == EdgeType::Owns && e.to == to)
                .count(),
            1,
            "{to}: {:?}",
            g.edges
        );
    }
    assert_eq!(node(&g, "Job/shop/nightly-29000000").reason, "complete");
    assert_eq!(node(&g, "CronJob/shop/nightly").reason, "0 3 * * *");

    // From the CronJob, the walk reaches the job's pod two hops down.
    let g = build(&s, &Memo::default(), Some("shop"), Some("CronJob/shop/nightly"), 2);
    assert!(
        g.nodes.iter().any(|n| n.id == "Pod/shop/nightly-29000000-abcde"),
        "{:?}",
        g.nodes
    );
}

#[test]
fn secrets_and_configmaps_are_found_through_every_way_a_pod_uses_them() {
    let mut s = shop(0);
    s.configmaps = store_of(vec![
        json!({"metadata": {"name": "env-cm", "namespace": "shop"}}),
        json!({"metadata": {"name": "projected-cm", "namespace": "shop"}}),
    ]);
    s.secrets = store_of(vec![
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "tls", "namespace": "shop"}}),
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "env-all", "namespace": "shop"}}),
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "projected-secret", "namespace": "shop"}}),
    ]);
    let one = |spec: serde_json::Value| pod("p", json!([]), spec);
    let cases = [
        (
            json!({"containers": [{"name": "c"}], "volumes": [{"name": "v", "secret": {"secretName": "tls"}}]}),
            "Secret/shop/tls",
            EdgeType::UsesSecret,
        ),
        (
            json!({"containers": [{"name": "c", "envFrom": [{"secretRef": {"name": "env-all"}}]}]}),
            "Secret/shop/env-all",
            EdgeType::UsesSecret,
        ),
        (
            json!({"containers": [{"name": "c", "env": [{"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "env-cm", "key": "mode"}}}]}]}),
            "ConfigMap/shop/env-cm",
            EdgeType::UsesConfigMap,
        ),
        (
            json!({"containers": [{"name": "c"}], "volumes": [{"name": "v", "projected": {"sources": [{"configMap": {"name": "projected-cm"}}]}}]}),
            "ConfigMap/shop/projected-cm",
            EdgeType::UsesConfigMap,
        ),
        (
            json!({"containers": [{"name": "c"}], "volumes": [{"name": "v", "projected": {"sources": [{"secret": {"name": "projected-secret"}}]}}]}),
            "Secret/shop/projected-secret",
            EdgeType::UsesSecret,
        ),
        // An init container's references count as much as the main container's.
        (
            json!({"containers": [{"name": "c"}], "initContainers": [{"name": "i", "envFrom": [{"secretRef": {"name": "env-all"}}]}]}),
            "Secret/shop/env-all",
            EdgeType::UsesSecret,
        ),
    ];
    for (spec, to, t) in cases {
        set_pods(&mut s, vec![one(spec.clone())]);
        let g = build(&s, &Memo::default(), Some("shop"), None, 5);
        assert!(has(&g, "Pod/shop/p", to, t), "{spec} -> {to}: {:?}", g.edges);
        // That pod uses nothing else.
        let uses: Vec<_> = g
            .edges
            .iter()
            .filter(|e| matches!(e.edge_type, EdgeType::UsesSecret | EdgeType::UsesConfigMap))
            .collect();
        assert_eq!(uses.len(), 1, "{spec}: {uses:?}");
        assert_eq!(
            node(&g, to).reason,
            "",
            "{to} exists, so it is not 'referenced but not found'"
        );
    }

    // All at once, each named once even when used twice.
    set_pods(
        &mut s,
        vec![one(json!({
            "containers": [{"name": "c",
                "envFrom": [{"secretRef": {"name": "env-all"}}],
                "env": [{"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "env-cm", "key": "mode"}}},
                        {"name": "KEY", "valueFrom": {"secretKeyRef": {"name": "tls", "key": "tls.key"}}}]}],
            "volumes": [{"name": "a", "secret": {"secretName": "tls"}},
                        {"name": "b", "projected": {"sources": [{"configMap": {"name": "projected-cm"}}, {"secret": {"name": "projected-secret"}}]}}]
        }))],
    );
    let g = build(&s, &Memo::default(), Some("shop"), None, 5);
    for (to, t) in [
        ("Secret/shop/tls", EdgeType::UsesSecret),
        ("Secret/shop/env-all", EdgeType::UsesSecret),
        ("Secret/shop/projected-secret", EdgeType::UsesSecret),
        ("ConfigMap/shop/env-cm", EdgeType::UsesConfigMap),
        ("ConfigMap/shop/projected-cm", EdgeType::UsesConfigMap),
    ] {
        assert_eq!(
            g.edges
                .iter()
                .filter(|e| e.from == "Pod/shop/p" && e.to == to && e.edge_type == t)
                .count(),
            1,
            "{to}: {:?}",
            g.edges
        );
    }
}

/// A pod as the watch keeps it, at `version`, crash-looping or not, mounting `claim`.
fn versioned_pod(name: &str, version: u32, crashing: bool, claim: &str) -> serde_json::Value {
    let state = if crashing {
        json!({"waiting": {"reason": "CrashLoopBackOff"}})
    } else {
        json!({"running": {}})
    };
    json!({
        "metadata": {"name": name, "namespace": "shop", "uid": format!("uid-{name}"), "resourceVersion": version.to_string()},
        "spec": {"containers": [{"name": "c"}], "volumes": [{"name": "v", "persistentVolumeClaim": {"claimName": claim}}]},
        "status": {"phase": "Running", "containerStatuses": [{"name": "c", "ready": !crashing, "restartCount": 0, "image": "", "imageID": "", "state": state}]}
    })
}

#[test]
fn graphs_after_the_first_show_each_pod_as_it_is_now() {
    let memo = Memo::default();
    let mut s = shop(0);
    set_pods(
        &mut s,
        vec![
            versioned_pod("api-1", 1, false, "data"),
            versioned_pod("api-2", 1, false, "data"),
        ],
    );
    let first = build(&s, &memo, Some("shop"), None, 5);
    assert_eq!(node(&first, "Pod/shop/api-1").health, Health::Healthy);

    // api-1 starts crash-looping and now mounts another claim; api-2 is deleted.
    set_pods(&mut s, vec![versioned_pod("api-1", 2, true, "scratch")]);
    let next = build(&s, &memo, Some("shop"), None, 5);
    let api1 = node(&next, "Pod/shop/api-1");
    assert_eq!((api1.health, api1.reason.as_str()), (Health::Error, "CrashLoopBackOff"));
    assert!(has(
        &next,
        "Pod/shop/api-1",
        "PersistentVolumeClaim/shop/scratch",
        EdgeType::Mounts
    ));
    assert!(!has(
        &next,
        "Pod/shop/api-1",
        "PersistentVolumeClaim/shop/data",
        EdgeType::Mounts
    ));
    assert!(!next.nodes.iter().any(|n| n.id == "Pod/shop/api-2"));
    assert_eq!(memo.len(), 1, "the memo forgets a deleted pod");
}

#[test]
fn a_graph_of_every_namespace_empties_the_memo() {
    let memo = Memo::default();
    let mut s = shop(0);
    set_pods(&mut s, vec![versioned_pod("api-1", 1, false, "data")]);
    build(&s, &memo, Some("shop"), None, 5);
    set_pods(&mut s, vec![]);
    let all = build(&s, &memo, None, None, 5);
    assert!(!all.nodes.iter().any(|n| n.kind == "Pod"));
    assert_eq!(memo.len(), 0);
}
