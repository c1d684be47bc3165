//! The topology benchmark (not a test): how long one namespace's graph takes to compute from a
//! cache holding a large cluster, without a cluster. It fills the cache's stores the way the
//! watches do (pods decoded into their compact form) with BENCH_TOPO_NAMESPACES namespaces of
//! BENCH_TOPO_PODS pods (default 50 of 1,000: 50,000 pods) on 500 nodes, each namespace holding
//! Deployments of 50 pods with a ReplicaSet, a Service, a PodDisruptionBudget, a ConfigMap and a
//! Secret each, and prints p50/p99 over BENCH_TOPO_RUNS (default 50) of:
//! - the first graph of a namespace (nothing memoised from an earlier graph);
//! - the next graphs, with BENCH_TOPO_CHANGED (default 10) of its pods changed before each, as
//!   pod churn changes them;
//! - such a graph written as JSON, and one pod's related objects (`/related`).
//!
//!   cargo bench -p kubilitics --bench topology
//!
//! The figures against the real control plane, over HTTP and with pod churn, come from the
//! workbench benchmark.

use std::time::Instant;

use k8s_openapi::api::core::v1::Pod;
use kube::runtime::reflector::{Store, store::Writer};
use kube::runtime::watcher;
use kubilitics::cluster::cache::{Stores, filled, rows_of};
use kubilitics::cluster::compact::Compact;
use kubilitics::cluster::topology::{self, Memo};
use serde_json::{Value, json};

const NODES: usize = 500;
const PODS_PER_DEPLOYMENT: usize = 50;

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn store_of<K>(objs: impl IntoIterator<Item = Value>) -> Store<K>
where
    K: kube::Resource<DynamicType = ()> + Clone + serde::de::DeserializeOwned + 'static,
{
    from_json(objs).0
}

/// A store filled as a watch's first list fills it, and its writer.
fn from_json<K>(objs: impl IntoIterator<Item = Value>) -> (Store<K>, Writer<K>)
where
    K: kube::Resource<DynamicType = ()> + Clone + serde::de::DeserializeOwned + 'static,
{
    filled(objs.into_iter().map(|o| serde_json::from_value(o).unwrap()))
}

/// A pod as KWOK runs one at `version`: scheduled, Running and Ready, with the fields a real pod
/// carries.
fn pod(ns: &str, deploy: &str, i: usize, node: usize, version: usize) -> Value {
    let ts = "2026-11-26T10:00:00Z";
    let conditions: Vec<Value> = [
        "PodReadyToStartContainers",
        "Initialized",
        "Ready",
        "ContainersReady",
        "PodScheduled",
    ]
    .iter()
    .map(|t| json!({"type": t, "status": "True", "lastTransitionTime": ts}))
    .collect();
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": format!("{deploy}-7d9f8b6c5-{i:05}"), "namespace": ns,
            "uid": format!("{ns}-{deploy}-{i}"), "resourceVersion": version.to_string(), "creationTimestamp": ts,
            "generateName": format!("{deploy}-7d9f8b6c5-"),
            "labels": {"app": deploy, "pod-template-hash": "7d9f8b6c5"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("{deploy}-7d9f8b6c5"),
                "uid": format!("{ns}-{deploy}-rs"), "controller": true, "blockOwnerDeletion": true}]
        },
        "spec": {
            "nodeName": format!("node-{node:04}"), "restartPolicy": "Always", "dnsPolicy": "ClusterFirst",
            "schedulerName": "default-scheduler", "serviceAccountName": "default", "terminationGracePeriodSeconds": 30,
            "containers": [{
                "name": "app", "image": format!("registry.example.com/{deploy}:1.0.0"), "imagePullPolicy": "IfNotPresent",
                "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                "envFrom": [{"configMapRef": {"name": format!("{deploy}-config")}}],
                "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"memory": "64Mi"}},
                "volumeMounts": [{"name": "creds", "mountPath": "/creds", "readOnly": true},
                    {"name": "kube-api-access", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true}],
                "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"
            }],
            "volumes": [
                {"name": "creds", "secret": {"secretName": format!("{deploy}-creds"), "defaultMode": 420}},
                {"name": "kube-api-access", "projected": {"defaultMode": 420, "sources": [
                    {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                    {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                    {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}
                ]}}
            ],
            "tolerations": [
                {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
                {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
            ]
        },
        "status": {
            "phase": "Running", "hostIP": "10.0.0.1", "podIP": format!("10.244.{}.{}", i / 250, i % 250), "startTime": ts,
            "qosClass": "Burstable",
            "conditions": conditions,
            "containerStatuses": [{"name": "app", "ready": true, "started": true, "restartCount": 0,
                "image": format!("registry.example.com/{deploy}:1.0.0"), "imageID": "", "containerID": "kwok://app",
                "state": {"running": {"startedAt": ts}}}]
        }
    })
}

/// Stores holding `namespaces` namespaces of `per_ns` pods each, and the pods' writer.
fn cluster(namespaces: usize, per_ns: usize) -> (Stores, Writer<Compact<Pod>>) {
    let deploys_per_ns = per_ns.div_ceil(PODS_PER_DEPLOYMENT);
    let each_ns = |f: &dyn Fn(&str, &str) -> Value| -> Vec<Value> {
        (0..namespaces)
            .flat_map(|n| (0..deploys_per_ns).map(move |d| (format!("ns-{n:02}"), format!("app-{d:03}"))))
            .map(|(ns, d)| f(&ns, &d))
            .collect()
    };
    let mut pods = Vec::with_capacity(namespaces * per_ns);
    for n in 0..namespaces {
        let ns = format!("ns-{n:02}");
        for i in 0..per_ns {
            let deploy = format!("app-{:03}", i / PODS_PER_DEPLOYMENT);
            pods.push(pod(&ns, &deploy, i, (n * per_ns + i) % NODES, 1));
        }
    }
    let ready = json!({"type": "Ready", "status": "True"});
    let (pods, pod_writer) = from_json(pods);
    let stores = Stores {
        pod_rows: rows_of(&pods),
        pods,
        nodes: store_of((0..NODES).map(|i| {
            json!({"metadata": {"name": format!("node-{i:04}")},
            "status": {"conditions": [ready]}})
        })),
        namespaces: store_of((0..namespaces).map(|n| json!({"metadata": {"name": format!("ns-{n:02}")}}))),
        services: store_of(each_ns(&|ns, d| {
            json!({"metadata": {"name": d, "namespace": ns},
            "spec": {"selector": {"app": d}, "ports": [{"port": 80}]}})
        })),
        endpointslices: store_of([]),
        deployments: store_of(each_ns(&|ns, d| {
            json!({"metadata": {"name": d, "namespace": ns},
            "spec": {"replicas": PODS_PER_DEPLOYMENT, "selector": {"matchLabels": {"app": d}}, "template": {}},
            "status": {"readyReplicas": PODS_PER_DEPLOYMENT}})
        })),
        replicasets: store_of(each_ns(&|ns, d| {
            json!({"metadata": {"name": format!("{d}-7d9f8b6c5"), "namespace": ns,
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": d, "uid": d}]},
            "spec": {"replicas": PODS_PER_DEPLOYMENT, "selector": {"matchLabels": {"app": d}}},
            "status": {"replicas": PODS_PER_DEPLOYMENT, "readyReplicas": PODS_PER_DEPLOYMENT}})
        })),
        statefulsets: store_of([]),
        daemonsets: store_of([]),
        jobs: store_of([]),
        cronjobs: store_of([]),
        configmaps: store_of(each_ns(
            &|ns, d| json!({"metadata": {"name": format!("{d}-config"), "namespace": ns}}),
        )),
        secrets: store_of(each_ns(&|ns, d| {
            json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": format!("{d}-creds"), "namespace": ns}})
        })),
        pvcs: store_of([]),
        pvs: store_of([]),
        storageclasses: store_of([]),
        ingresses: store_of([]),
        hpas: store_of([]),
        pdbs: store_of(each_ns(&|ns, d| {
            json!({"metadata": {"name": d, "namespace": ns},
            "spec": {"selector": {"matchLabels": {"app": d}}}, "status": {"disruptionsAllowed": 1,
            "currentHealthy": PODS_PER_DEPLOYMENT, "desiredHealthy": PODS_PER_DEPLOYMENT - 1, "expectedPods": PODS_PER_DEPLOYMENT}})
        })),
        networkpolicies: store_of([]),
    };
    (stores, pod_writer)
}

fn pct(mut ms: Vec<f64>, p: f64) -> f64 {
    ms.sort_by(f64::total_cmp);
    ms[((ms.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let namespaces = env_num("BENCH_TOPO_NAMESPACES", 50);
    let per_ns = env_num("BENCH_TOPO_PODS", 1000);
    let runs = env_num("BENCH_TOPO_RUNS", 50);
    let changed = env_num("BENCH_TOPO_CHANGED", 10).min(per_ns);
    let t = Instant::now();
    let (stores, mut pod_writer) = cluster(namespaces, per_ns);
    println!(
        "cache: {} pods in {namespaces} namespaces of {per_ns}, {NODES} nodes (filled in {:.1} s)",
        stores.pods.len(),
        t.elapsed().as_secs_f64()
    );

    let (mut first_ms, mut next_ms, mut json_ms, mut related_ms) = (vec![], vec![], vec![], vec![]);
    let (mut nodes, mut edges, mut bytes) = (0, 0, 0);
    let pod_id = topology::id("Pod", Some("ns-00"), "app-000-7d9f8b6c5-00000");
    let memo = Memo::default();
    topology::build(&stores, &memo, Some("ns-00"), None, 5);
    for run in 0..runs {
        let t = Instant::now();
        let g = topology::build(&stores, &Memo::default(), Some("ns-00"), None, 5);
        first_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(g.nodes.len() > per_ns, "the namespace's graph holds its pods");

        // Pod churn: a few of the namespace's pods change between two requests.
        for k in 0..changed {
            let i = (run * changed + k) % per_ns;
            let deploy = format!("app-{:03}", i / PODS_PER_DEPLOYMENT);
            let p: Compact<Pod> = serde_json::from_value(pod("ns-00", &deploy, i, i % NODES, run + 2)).unwrap();
            pod_writer.apply_watcher_event(&watcher::Event::Apply(p));
        }
        let t = Instant::now();
        let g = topology::build(&stores, &memo, Some("ns-00"), None, 5);
        next_ms.push(t.elapsed().as_secs_f64() * 1000.0);

        let t = Instant::now();
        let text = serde_json::to_vec(&g).unwrap();
        json_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        (nodes, edges, bytes) = (g.nodes.len(), g.edges.len(), text.len());

        let t = Instant::now();
        let r = topology::build(&stores, &memo, Some("ns-00"), Some(&pod_id), 1);
        related_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(
            r.nodes.iter().any(|n| n.id == pod_id),
            "the pod is in its own related graph"
        );
    }
    println!(
        "graph of one namespace: {nodes} nodes, {edges} edges, {} KB as JSON",
        bytes / 1024
    );
    let line = |what: &str, ms: Vec<f64>| {
        println!(
            "  {what:<44} p50 {:>7.2} ms   p99 {:>7.2} ms",
            pct(ms.clone(), 0.5),
            pct(ms, 0.99)
        );
    };
    line("first graph (nothing memoised)", first_ms);
    line(&format!("next graphs ({changed} pods changed before each)"), next_ms);
    line("a graph written as JSON", json_ms);
    line("related objects of one pod", related_ms);
}
