//! The workbench's quick path against the built-in sandbox (`kubilitics sandbox`, a Kubernetes
//! API of its own): what a user does first on the demo cluster, through the same HTTP API and
//! WebSocket as on a real one. Fast enough for every `cargo test`; the real control plane runs
//! the full tests (cluster_*.rs, workbench_*.rs).

mod common;
mod sandbox_support;
#[path = "workbench/mod.rs"]
mod workbench;

use sandbox_support::SandboxProc;
use serde_json::{Value, json};
use workbench::{Workbench, items};

const BASE: &str = "/api/v1/clusters/kubilitics-sandbox";

fn pod_named<'a>(list: &'a Value, prefix: &str) -> &'a Value {
    items(list)
        .iter()
        .find(|p| p["name"].as_str().unwrap().starts_with(prefix))
        .unwrap_or_else(|| panic!("no {prefix} pod in {list}"))
}

#[test]
fn the_demo_reads_like_a_cluster_through_the_workbench() {
    let sb = SandboxProc::start(&[]);
    let w = Workbench::start(&sb.kubeconfig, &[]);
    let pods = w.wait_for(&format!("{BASE}/resources/pods?namespace=shop"), |v| {
        v["sync"]["state"] == "synced" && v["total"].as_u64() > Some(5)
    });

    // kubectl's columns for the planted faults.
    let checkout = pod_named(&pods, "checkout-");
    assert_eq!(checkout["status"], "CrashLoopBackOff", "{checkout}");
    assert_eq!(checkout["ready"], "0/1");
    assert!(checkout["restarts"].as_u64() > Some(0), "{checkout}");
    assert_eq!(pod_named(&pods, "cart-")["status"], "ImagePullBackOff");
    let sorted = w.get(&format!("{BASE}/resources/pods?namespace=shop&sort=-restarts&limit=1"));
    assert!(
        sorted["items"][0]["name"].as_str().unwrap().starts_with("checkout-"),
        "{sorted}"
    );
    // Each kind's cache syncs on its own: the pods' being synced says nothing of deployments'.
    let deps = w.wait_for(
        &format!("{BASE}/resources/deployments?namespace=shop&labelSelector=app%3Dfrontend"),
        |v| v["sync"]["state"] == "synced",
    );
    assert_eq!(deps["total"], 1, "{deps}");
    assert_eq!(deps["items"][0]["ready"], "3/3");

    // One object as YAML; its events; its logs; its related objects.
    let name = checkout["name"].as_str().unwrap();
    let yaml = w.get_text(&format!("{BASE}/resources/pods/shop/{name}?format=yaml"));
    assert!(yaml.contains("kind: Pod") && !yaml.contains("managedFields"), "{yaml}");
    let events = w.get(&format!("{BASE}/resources/pods/shop/{name}/events"));
    assert!(
        items(&events).iter().any(|e| e["type"] == "Warning"),
        "a crash-looping pod has warnings: {events}"
    );
    let logs = w.get_text(&format!("{BASE}/resources/pods/shop/{name}/logs?tail=5&previous=true"));
    assert!(logs.contains("redis"), "the crash's cause is in its log: {logs}");
    let related = w.get(&format!("{BASE}/resources/pods/shop/{name}/related"));
    let related_kinds: Vec<&str> = related["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    for k in ["ReplicaSet", "Service", "Node"] {
        assert!(related_kinds.contains(&k), "{k} is related to the pod: {related}");
    }

    // The namespace as a graph, every node with its health.
    let graph = w.get(&format!("{BASE}/topology?namespace=shop"));
    let node = |id: &str| {
        graph["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["id"] == id)
            .unwrap_or_else(|| panic!("{id} not in {graph}"))
            .clone()
    };
    assert_eq!(node("Deployment/shop/frontend")["health"], "healthy");
    assert_eq!(node(&format!("Pod/shop/{name}"))["health"], "error");
    assert!(
        graph["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["from"] == "Service/shop/checkout" && e["type"] == "selects"),
        "{graph}"
    );

    // The overview counts the faults; search finds by label across kinds.
    let overview = w.get(&format!("{BASE}/overview"));
    assert!(
        overview["pods_by_status"]["CrashLoopBackOff"].as_u64() >= Some(2),
        "{overview}"
    );
    assert!(!overview["warnings"].as_array().unwrap().is_empty());
    let found = w.get(&format!("{BASE}/search?q=app%3Dcheckout"));
    let found_kinds: Vec<&str> = items(&found).iter().map(|h| h["kind"].as_str().unwrap()).collect();
    assert!(
        found_kinds.contains(&"Pod") && found_kinds.contains(&"Deployment"),
        "{found}"
    );
}

#[test]
fn a_scale_through_the_gate_reaches_the_demo_and_its_live_view() {
    let sb = SandboxProc::start(&[]);
    let w = Workbench::start(&sb.kubeconfig, &[]);
    w.wait_for(&format!("{BASE}/resources/deployments?namespace=shop"), |v| {
        v["sync"]["state"] == "synced"
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let url = workbench::ws_url_with_ticket(&w);
    let mut ws = rt.block_on(async {
        let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        let sub = json!({"type": "subscribe", "id": "d", "context": "kubilitics-sandbox", "kind": "deployments", "namespace": "shop"});
        workbench::ws_send(&mut ws, sub).await;
        ws
    });

    let (s, r) = w.post(
        &format!("{BASE}/actions"),
        json!({"kind": "Deployment", "namespace": "shop", "name": "search", "action": {"type": "scale", "replicas": 3}}),
    );
    assert_eq!((s, r["state"].as_str()), (200, Some("applied")), "{r}");
    let out = workbench::replicas(&sb.kubeconfig, "shop", "search");
    assert_eq!(out, "3");
    // The live view hears of it.
    rt.block_on(workbench::ws_until(&mut ws, 10, |v| {
        workbench::has_delta(v, "MODIFIED", "search")
    }));
    let audit = w.get("/api/v1/audit?limit=5");
    assert!(
        items(&audit)
            .iter()
            .any(|a| a["action_id"] == r["action_id"] && a["operation"] == "scale_deployment"),
        "{audit}"
    );
}
