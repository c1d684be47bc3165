//! Insights: problems found without being asked. For every connected context, the deterministic
//! analyzers run again over what the watch cache's events changed: each ADDED / MODIFIED /
//! DELETED marks its namespace (or, for nodes and other cluster-scoped kinds, the cluster scope)
//! for a rescan; changes are gathered until the stream is quiet for [`QUIET`] (at most
//! [`MAX_WAIT`]), then only the marked scopes are analyzed, from the cache. Nothing polls the
//! cluster: a context that does not change costs nothing after its first full scan.
//!
//! What a scan finds is stored deduplicated: one insight per context, root-cause code and object
//! (a pod's finding is about its workload, so replicas and replacements count once), with
//! `first_seen`, `last_seen`, and `resolved_at` once a rescan of its scope no longer finds it (a
//! recurrence reopens it). Text is masked like an investigation's.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use k8s_openapi::api::core::v1::{Event, Pod, Secret};
use k8s_openapi::api::networking::v1::IngressClass;
use kube::api::{Api, ListParams};
use kube::runtime::reflector::Store as Reader;
use kube::{Resource, ResourceExt};
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;

use super::analyzers::{self, Scope};
use super::evidence::{self, EvidenceError, EvidenceSource};
use super::finding::{Finding, ObjectRef};
use super::mask;
use super::snapshot::Snapshot;
use crate::cluster::cache::{Delta, DeltaType, Stores, now};
use crate::cluster::{ClusterManager, Connection};
use crate::notices::{Notice, Notices};
use crate::store::Store;
use crate::store::ai::InsightRow;
use crate::telemetry::metrics;

/// A change stream quiet this long ends a batch.
pub const QUIET: Duration = Duration::from_millis(800);
/// A batch waits at most this long for quiet (a cluster that never stops changing still gets
/// its insights refreshed).
pub const MAX_WAIT: Duration = Duration::from_secs(5);
/// How often the set of connected contexts is looked at (an in-memory read, not the cluster).
const CONNECTIONS_EVERY: Duration = Duration::from_secs(1);
/// How long a new connection's caches may take to sync before the first scan runs anyway.
const SYNC_WAIT: Duration = Duration::from_secs(60);

/// What one scan looks at.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Key {
    /// Cluster-scoped objects (nodes).
    Cluster,
    Namespace(String),
}

/// Starts the scanner: one task per connected context, started as contexts connect and ended
/// when they disconnect.
/// Each scan that changes what a context's insights say is announced on `notices`.
pub fn spawn(clusters: Arc<ClusterManager>, store: Arc<dyn Store>, notices: Notices) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut watched: HashMap<String, Weak<Connection>> = HashMap::new();
        loop {
            for conn in clusters.connections() {
                let same = watched
                    .get(&conn.context)
                    .and_then(Weak::upgrade)
                    .is_some_and(|w| Arc::ptr_eq(&w, &conn));
                if !same {
                    watched.insert(conn.context.clone(), Arc::downgrade(&conn));
                    tokio::spawn(watch(Arc::downgrade(&conn), store.clone(), notices.clone()));
                }
            }
            watched.retain(|_, w| w.strong_count() > 0);
            tokio::time::sleep(CONNECTIONS_EVERY).await;
        }
    })
}

/// Marks what a change needs rescanned; false when everything does (a relist).
fn mark(dirty: &mut BTreeSet<Key>, d: &Delta) -> bool {
    if d.kind_of_change == DeltaType::Resync {
        return false;
    }
    match (d.kind, d.namespace.as_deref().filter(|n| !n.is_empty())) {
        ("namespaces", _) => {
            dirty.insert(Key::Namespace(d.name.clone()));
        }
        (_, Some(ns)) => {
            dirty.insert(Key::Namespace(ns.to_string()));
        }
        (_, None) => {
            dirty.insert(Key::Cluster);
        }
    }
    true
}

/// Every scope of a context: its namespaces, those it still has open insights in (a deleted
/// namespace's insights resolve), and the cluster scope.
async fn everything(conn: &Connection, store: &dyn Store) -> BTreeSet<Key> {
    let mut keys: BTreeSet<Key> = conn
        .cache
        .stores
        .namespaces
        .state()
        .iter()
        .map(|n| Key::Namespace(n.name_any()))
        .collect();
    // A user who may not list namespaces still has the one their kinds are watched in.
    keys.extend(
        conn.cache
            .statuses()
            .into_iter()
            .filter_map(|k| k.namespace)
            .map(Key::Namespace),
    );
    let filter = crate::store::ai::InsightFilter {
        state: Some("open".into()),
        context: Some(conn.context.clone()),
        limit: 10_000,
        ..Default::default()
    };
    if let Ok((open, _)) = store.list_insights(&filter).await {
        keys.extend(open.into_iter().filter_map(|i| i.namespace).map(Key::Namespace));
    }
    keys.insert(Key::Cluster);
    keys
}

/// One context: a full scan once its caches are synced, then a scan of what each batch of
/// changes touched, until the connection goes away.
async fn watch(conn: Weak<Connection>, store: Arc<dyn Store>, notices: Notices) {
    let Some(c) = conn.upgrade() else { return };
    let context = c.context.clone();
    let mut rx = c.cache.deltas.subscribe();
    let started = Instant::now();
    while !c.cache.all_synced() && started.elapsed() < SYNC_WAIT {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let keys = everything(&c, &*store).await;
    announce(&notices, &c.context, scan(&c, &*store, keys).await);
    drop(c);
    tracing::debug!(context = %context, "insights: first scan done; following changes");
    loop {
        let mut dirty = BTreeSet::new();
        let mut all = false;
        match rx.recv().await {
            Ok(d) => all |= !mark(&mut dirty, &d),
            Err(RecvError::Lagged(_)) => all = true,
            Err(RecvError::Closed) => return,
        }
        let batch = Instant::now();
        loop {
            let left = MAX_WAIT.saturating_sub(batch.elapsed());
            if left.is_zero() {
                break;
            }
            match tokio::time::timeout(QUIET.min(left), rx.recv()).await {
                Err(_) => break,
                Ok(Ok(d)) => all |= !mark(&mut dirty, &d),
                Ok(Err(RecvError::Lagged(_))) => all = true,
                Ok(Err(RecvError::Closed)) => return,
            }
        }
        let Some(c) = conn.upgrade() else { return };
        if all {
            dirty = everything(&c, &*store).await;
        }
        announce(&notices, &c.context, scan(&c, &*store, dirty).await);
    }
}

fn announce(notices: &Notices, context: &str, changed: bool) {
    if changed {
        notices.send(Notice::Insights {
            context: context.to_string(),
        });
    }
}

/// Analyzes each scope from the cache, stores what it found and resolves what it no longer
/// finds there. True when that changed what the context's insights say (not merely when they
/// were last seen).
pub async fn scan(conn: &Connection, store: &dyn Store, keys: BTreeSet<Key>) -> bool {
    let source = CacheSource { conn };
    let mut changed = false;
    for key in keys {
        let started = Instant::now();
        let (namespace, scope) = match &key {
            Key::Cluster => (None, Scope::Cluster),
            Key::Namespace(ns) => (Some(ns.as_str()), Scope::Namespace { namespace: ns.clone() }),
        };
        let snapshot = match &key {
            Key::Cluster => Ok(source.cluster_snapshot()),
            Key::Namespace(_) => evidence::gather(&source, &conn.context, &scope).await,
        };
        let snapshot = match snapshot {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(context = %conn.context, scope = ?key, error = %e, "insight scan failed");
                continue;
            }
        };
        let at = now();
        let found = insights(&conn.context, &snapshot, namespace, &at);
        let seen: Vec<String> = found.keys().cloned().collect();
        for row in found.values() {
            match store.upsert_insight(row).await {
                Ok(new) => changed |= new,
                Err(e) => tracing::warn!(error = %e, "cannot store an insight"),
            }
        }
        match store.resolve_insights_in(&conn.context, namespace, &seen, &at).await {
            Ok(n) if n > 0 => {
                changed = true;
                tracing::info!(context = %conn.context, scope = ?key, resolved = n, "insights resolved");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "cannot resolve insights"),
        }
        metrics::AI_INSIGHT_DURATION.observe(started.elapsed().as_secs_f64());
    }
    changed
}

/// The object an insight is about: a pod's (or ReplicaSet's) workload when it has one, so that
/// replicas and replacement pods are one insight.
fn insight_object(s: &Snapshot, f: &Finding) -> ObjectRef {
    let subject = f.subject();
    if matches!(subject.kind.as_str(), "Pod" | "ReplicaSet")
        && let Some(w) = analyzers::workload_of(s, subject)
    {
        return w;
    }
    subject.clone()
}

/// What the analyzers find in `s` about objects of `namespace` (None: cluster-scoped objects),
/// deduplicated by fingerprint (context, code, object).
pub fn insights(context: &str, s: &Snapshot, namespace: Option<&str>, at: &str) -> BTreeMap<String, InsightRow> {
    let mut out = BTreeMap::new();
    for f in analyzers::analyze(s) {
        let object = insight_object(s, &f);
        if object.namespace.as_deref() != namespace {
            continue;
        }
        let fingerprint = format!("{context}|{}|{object}", f.code);
        if out.contains_key(&fingerprint) {
            continue;
        }
        let mut evidence = f.evidence.clone();
        evidence.truncate(8);
        for e in &mut evidence {
            e.text = mask::text(&e.text);
        }
        out.insert(
            fingerprint.clone(),
            InsightRow {
                id: uuid::Uuid::new_v4().to_string(),
                fingerprint,
                context: context.to_string(),
                code: f.code.as_str().to_string(),
                severity: serde_json::to_value(f.severity)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                kind: Some(object.kind.clone()),
                namespace: object.namespace.clone(),
                name: Some(object.name.clone()),
                summary: mask::text(&f.summary),
                evidence: serde_json::to_value(&evidence).unwrap_or_default(),
                first_seen: at.to_string(),
                last_seen: at.to_string(),
                resolved_at: None,
            },
        );
    }
    out
}

/// The evidence source a scan reads: the connection's watch cache (no list calls), its client
/// for container logs and IngressClasses (not cached).
struct CacheSource<'a> {
    conn: &'a Connection,
}

fn all<K>(r: &Reader<K>) -> Vec<K>
where
    K: Clone + Resource<DynamicType = ()> + 'static,
{
    r.state().iter().map(|o| (**o).clone()).collect()
}

fn within<K>(r: &Reader<K>, ns: Option<&str>) -> Vec<K>
where
    K: Clone + Resource<DynamicType = ()> + 'static,
{
    r.state()
        .iter()
        .filter(|o| ns.is_none() || o.meta().namespace.as_deref() == ns)
        .map(|o| (**o).clone())
        .collect()
}

/// The pods of `ns` (all when None), decoded from their compact form.
fn pods_within(st: &Stores, ns: Option<&str>) -> Vec<Pod> {
    st.pods_in(ns).iter().map(|o| o.decode()).collect()
}

/// A cached event row in the shape the analyzers read.
fn event(r: &crate::cluster::events::EventRow) -> Option<Event> {
    serde_json::from_value(json!({
        "metadata": {"name": r.name, "namespace": r.namespace},
        "type": r.type_, "reason": r.reason, "message": r.message, "count": r.count,
        "firstTimestamp": r.first_seen, "lastTimestamp": r.last_seen,
        "involvedObject": {"kind": r.object_kind, "namespace": r.object_namespace, "name": r.object_name},
        "source": {"component": r.source},
    }))
    .ok()
}

/// The nodes a namespace's scan needs: those its pods run on, or every node when one of its
/// pods is not scheduled (the unschedulable analysis weighs the pod against every node). Node
/// faults themselves are the cluster scope's insights, so a namespace scan of a 2,000-node
/// cluster copies a handful of nodes instead of all of them. None: every node.
fn nodes_needed(pods: &[Pod]) -> Option<BTreeSet<&str>> {
    pods.iter()
        .map(|p| p.spec.as_ref().and_then(|s| s.node_name.as_deref()))
        .collect()
}

impl CacheSource<'_> {
    fn cluster_snapshot(&self) -> Snapshot {
        let st = &self.conn.cache.stores;
        Snapshot {
            nodes: all(&st.nodes),
            ..self.cluster_objects()
        }
    }

    /// The cluster-scoped objects every scan reads, nodes aside.
    fn cluster_objects(&self) -> Snapshot {
        let st = &self.conn.cache.stores;
        Snapshot {
            now: Some(chrono::Utc::now()),
            pvs: all(&st.pvs),
            storageclasses: all(&st.storageclasses),
            namespaces: all(&st.namespaces),
            events: self
                .conn
                .cache
                .events
                .all(|e| e.object_namespace.as_deref().unwrap_or("").is_empty())
                .iter()
                .filter_map(|r| event(r))
                .collect(),
            ..Default::default()
        }
    }
}

#[async_trait]
impl EvidenceSource for CacheSource<'_> {
    async fn snapshot(&self, _context: &str, scope: &Scope) -> Result<Snapshot, EvidenceError> {
        let ns = scope.namespace();
        let st = &self.conn.cache.stores;
        let mut s = self.cluster_objects();
        s.pods = pods_within(st, ns);
        if ns != Some("kube-system") {
            s.pods.extend(
                pods_within(st, Some("kube-system"))
                    .into_iter()
                    .filter(|p| p.labels().get("k8s-app").map(String::as_str) == Some("kube-dns")),
            );
        }
        s.nodes = match nodes_needed(&s.pods).filter(|_| ns.is_some()) {
            Some(names) => names
                .into_iter()
                .filter_map(|n| st.nodes.get(&kube::runtime::reflector::ObjectRef::new(n)))
                .map(|n| (*n).clone())
                .collect(),
            None => all(&st.nodes),
        };
        s.deployments = within(&st.deployments, ns);
        s.replicasets = within(&st.replicasets, ns);
        s.statefulsets = within(&st.statefulsets, ns);
        s.daemonsets = within(&st.daemonsets, ns);
        s.jobs = within(&st.jobs, ns);
        s.cronjobs = within(&st.cronjobs, ns);
        s.services = within(&st.services, ns);
        s.endpointslices = within(&st.endpointslices, ns);
        s.ingresses = within(&st.ingresses, ns);
        s.networkpolicies = within(&st.networkpolicies, ns);
        s.pvcs = within(&st.pvcs, ns);
        s.hpas = within(&st.hpas, ns);
        s.pdbs = within(&st.pdbs, ns);
        s.configmaps = within(&st.configmaps, ns);
        for cm in &mut s.configmaps {
            // Keys matter ("couldn't find key"); values stay out.
            for v in cm.data.iter_mut().flat_map(|d| d.values_mut()) {
                v.clear();
            }
            cm.binary_data = None;
        }
        // The cache holds Secrets' metadata only: their data never reached this process.
        s.secrets = st
            .secrets
            .state()
            .iter()
            .filter(|m| ns.is_none() || m.metadata.namespace.as_deref() == ns)
            .map(|m| Secret {
                metadata: m.metadata.clone(),
                ..Default::default()
            })
            .collect();
        s.events.extend(
            self.conn
                .cache
                .events
                .all(|e| ns.is_none() || e.object_namespace.as_deref() == ns)
                .iter()
                .filter_map(|r| event(r)),
        );
        if !s.ingresses.is_empty() {
            // Not watched; an Ingress's class is only checked where there are Ingresses.
            match Api::<IngressClass>::all(self.conn.client.clone())
                .list(&ListParams::default())
                .await
            {
                Ok(l) => s.ingressclasses = l.items,
                Err(e) => {
                    return Err(EvidenceError::Read {
                        what: "IngressClasses".into(),
                        reason: e.to_string(),
                    });
                }
            }
        }
        Ok(s)
    }

    async fn logs(
        &self,
        _context: &str,
        ns: &str,
        pod: &str,
        container: &str,
        previous: bool,
        tail: i64,
    ) -> Result<Vec<String>, EvidenceError> {
        super::kube_source::read_logs(self.conn.client.clone(), ns, pod, container, previous, tail).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delta(kind: &'static str, t: DeltaType, ns: Option<&str>, name: &str) -> Delta {
        Delta {
            seq: 1,
            kind,
            kind_of_change: t,
            namespace: ns.map(str::to_string),
            name: name.into(),
            row: None,
        }
    }

    #[test]
    fn changes_mark_their_namespace_or_the_cluster_scope() {
        let mut dirty = BTreeSet::new();
        assert!(mark(
            &mut dirty,
            &delta("pods", DeltaType::Modified, Some("shop"), "cart-1")
        ));
        assert!(mark(&mut dirty, &delta("events", DeltaType::Added, Some("shop"), "e")));
        assert!(mark(&mut dirty, &delta("nodes", DeltaType::Modified, None, "node-1")));
        assert!(mark(&mut dirty, &delta("namespaces", DeltaType::Deleted, None, "old")));
        assert_eq!(
            dirty.into_iter().collect::<Vec<_>>(),
            [
                Key::Cluster,
                Key::Namespace("old".into()),
                Key::Namespace("shop".into())
            ]
        );
        assert!(!mark(&mut BTreeSet::new(), &delta("pods", DeltaType::Resync, None, "")));
    }

    #[test]
    fn a_namespace_scan_copies_the_nodes_of_its_pods_or_all_when_one_is_unscheduled() {
        let pod = |node: Option<&str>| -> Pod {
            serde_json::from_value(json!({"metadata": {"name": "p", "namespace": "shop"},
                "spec": {"containers": [], "nodeName": node}}))
            .unwrap()
        };
        let scheduled = [pod(Some("node-2")), pod(Some("node-7")), pod(Some("node-2"))];
        assert_eq!(
            nodes_needed(&scheduled).unwrap().into_iter().collect::<Vec<_>>(),
            ["node-2", "node-7"]
        );
        let waiting = [pod(Some("node-2")), pod(None)];
        assert_eq!(
            nodes_needed(&waiting),
            None,
            "a pod still to be scheduled is weighed against every node"
        );
        assert_eq!(nodes_needed(&[]), Some(BTreeSet::new()));
    }

    #[test]
    fn replicas_of_one_workload_are_one_insight_per_code() {
        let pod = |name: &str| {
            json!({"metadata": {"name": name, "namespace": "shop",
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "cart-5d9", "uid": "r", "controller": true}]},
              "spec": {"containers": [{"name": "app", "image": "shop/cart:9.9.9"}]},
              "status": {"phase": "Pending", "containerStatuses": [{"name": "app", "image": "shop/cart:9.9.9", "imageID": "",
                  "ready": false, "restartCount": 0,
                  "state": {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image \"shop/cart:9.9.9\": not found"}}}]}})
        };
        let s: Snapshot = serde_json::from_value(json!({
            "deployments": [{"metadata": {"name": "cart", "namespace": "shop", "uid": "d"},
                "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "cart"}}, "template": {}},
                "status": {"replicas": 2, "readyReplicas": 0}}],
            "replicasets": [{"metadata": {"name": "cart-5d9", "namespace": "shop",
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "cart", "uid": "d", "controller": true}]},
                "spec": {"selector": {"matchLabels": {"app": "cart"}}}}],
            "pods": [pod("cart-5d9-a"), pod("cart-5d9-b")],
        }))
        .unwrap();
        let found = insights("ctx", &s, Some("shop"), "t1");
        let image: Vec<&InsightRow> = found.values().filter(|i| i.code == "IMAGE_NOT_FOUND").collect();
        assert_eq!(image.len(), 1, "{found:#?}");
        assert_eq!(
            (image[0].kind.as_deref(), image[0].name.as_deref()),
            (Some("Deployment"), Some("cart"))
        );
        assert_eq!(image[0].fingerprint, "ctx|IMAGE_NOT_FOUND|Deployment/shop/cart");
        assert!(insights("ctx", &s, Some("other"), "t1").is_empty());
        assert!(insights("ctx", &s, None, "t1").is_empty());
    }
}
