//! Light controllers so the sandbox reacts as a cluster does: one reconcile pass over every
//! object after each change (debounced), plus a slow tick that moves failing pods along
//! (restarts, back-offs). Every controller writes only when its result differs from what is
//! stored, so the recorded demo stays as recorded until something changes it.

pub mod events;
pub mod gc;
pub mod kubelet;
pub mod others;
pub mod util;
pub mod workloads;

use std::sync::Arc;
use std::time::Duration;

use crate::resources;
use crate::store::Store;

/// Resource indexes the controllers use, looked up once.
pub struct Ids {
    pub pods: usize,
    pub nodes: usize,
    pub secrets: usize,
    pub configmaps: usize,
    pub services: usize,
    pub endpoints: usize,
    pub endpointslices: usize,
    pub deployments: usize,
    pub replicasets: usize,
    pub statefulsets: usize,
    pub daemonsets: usize,
    pub pdbs: usize,
}

impl Ids {
    pub fn new() -> Self {
        let f = |g: &str, p: &str| resources::find(g, "v1", p).unwrap_or_default();
        Self {
            pods: f("", "pods"),
            nodes: f("", "nodes"),
            secrets: f("", "secrets"),
            configmaps: f("", "configmaps"),
            services: f("", "services"),
            endpoints: f("", "endpoints"),
            endpointslices: f("discovery.k8s.io", "endpointslices"),
            deployments: f("apps", "deployments"),
            replicasets: f("apps", "replicasets"),
            statefulsets: f("apps", "statefulsets"),
            daemonsets: f("apps", "daemonsets"),
            pdbs: f("policy", "poddisruptionbudgets"),
        }
    }
}

impl Default for Ids {
    fn default() -> Self {
        Self::new()
    }
}

/// One pass of every controller. Returns whether anything was written.
pub fn reconcile(store: &Store, ids: &Ids, faults: &kubelet::Faults) -> bool {
    let before = store.resource_version();
    for n in store.all_of(ids.nodes) {
        others::node_taints(store, ids, &n);
    }
    let rss = store.all_of(ids.replicasets);
    for d in store.all_of(ids.deployments) {
        workloads::deployment(store, ids, &d, &rss);
    }
    let pods = store.all_of(ids.pods);
    // Pods by controller uid, so each ReplicaSet looks only at its own (large --scale runs).
    let mut by_owner: std::collections::HashMap<String, Vec<Arc<serde_json::Value>>> = Default::default();
    for p in &pods {
        for r in p["metadata"]["ownerReferences"].as_array().into_iter().flatten() {
            if r["controller"] == true {
                by_owner
                    .entry(r["uid"].as_str().unwrap_or_default().to_string())
                    .or_default()
                    .push(p.clone());
            }
        }
    }
    for rs in store.all_of(ids.replicasets) {
        let uid = rs["metadata"]["uid"].as_str().unwrap_or_default().to_string();
        workloads::replicaset(store, ids, &rs, by_owner.get(&uid).map(Vec::as_slice).unwrap_or(&[]));
    }
    for s in store.all_of(ids.statefulsets) {
        others::statefulset(store, ids, &s, &pods);
    }
    let nodes = store.all_of(ids.nodes);
    for ds in store.all_of(ids.daemonsets) {
        others::daemonset(store, ids, &ds, &pods, &nodes);
    }
    let pods = store.all_of(ids.pods);
    let mut used = kubelet::usage(&pods);
    for p in pods.iter().filter(|p| !p["spec"]["nodeName"].is_string()) {
        kubelet::schedule(store, ids, p, &nodes, &mut used);
    }
    for p in store
        .all_of(ids.pods)
        .iter()
        .filter(|p| p["spec"]["nodeName"].is_string())
    {
        kubelet::run_pod(store, ids, faults, p);
    }
    let pods = store.all_of(ids.pods);
    for svc in store.all_of(ids.services) {
        others::endpoints(store, ids, &svc, &pods, &nodes);
    }
    for b in store.all_of(ids.pdbs) {
        others::pdb(store, ids, &b, &pods);
    }
    store.resource_version() != before
}

/// Reconcile until nothing changes (bounded), e.g. before serving.
pub fn settle(store: &Store, ids: &Ids, faults: &kubelet::Faults) {
    for _ in 0..20 {
        if !reconcile(store, ids, faults) {
            break;
        }
    }
}

/// Run the controllers until the process ends.
pub async fn run(store: Arc<Store>, faults: Arc<kubelet::Faults>, tick_every: Duration) {
    let ids = Ids::new();
    let mut tick = tokio::time::interval(tick_every);
    loop {
        tokio::select! {
            _ = store.changed.notified() => {
                // Let a burst of writes land before reacting (kubectl apply of many objects).
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            _ = tick.tick() => {
                for p in store.all_of(ids.pods) {
                    kubelet::tick(&store, &ids, &p, 30);
                }
            }
        }
        reconcile(&store, &ids, &faults);
    }
}
