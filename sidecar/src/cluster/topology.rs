//! How objects hang together, computed from the cache: typed edges (ownership, selection,
//! routing, scheduling, storage, configuration, autoscaling, disruption budgets, network
//! policies) and a health state with its reason for every node.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use kube::Resource;
use kube::runtime::reflector::ObjectRef;
use serde::Serialize;
use utoipa::ToSchema;

use super::cache::Stores;
use super::kinds::pod_status;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
// Named apart from the health endpoint's `Health`: with one name for both, the OpenAPI document
// kept only one and TopoNode's `health` pointed at the health check's shape.
#[schema(as = TopologyHealth)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    Healthy,
    Warning,
    Error,
    Unknown,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TopoNode {
    /// `Kind/namespace/name` (`Kind//name` when cluster-scoped).
    pub id: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    pub health: Health,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EdgeType {
    /// Owner reference (Deployment→ReplicaSet→Pod, CronJob→Job, ...).
    Owns,
    /// Service → Pod by selector.
    Selects,
    /// Ingress → Service.
    Routes,
    /// Pod → Node.
    ScheduledOn,
    /// Pod → PersistentVolumeClaim.
    Mounts,
    /// PersistentVolumeClaim → PersistentVolume.
    BoundTo,
    /// PersistentVolume/Claim → StorageClass.
    UsesClass,
    /// Pod → ConfigMap (volume, env, envFrom).
    UsesConfigMap,
    /// Pod → Secret (volume, env, envFrom).
    UsesSecret,
    /// HorizontalPodAutoscaler → its target.
    Scales,
    /// PodDisruptionBudget → Pod.
    Protects,
    /// NetworkPolicy → Pod.
    AppliesTo,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Edge {
    pub from: String,
    pub to: String,
    #[serde(rename = "type")]
    pub edge_type: EdgeType,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct Graph {
    pub nodes: Vec<TopoNode>,
    pub edges: Vec<Edge>,
    /// True when `depth` cut the walk short.
    pub truncated: bool,
}

pub fn id(kind: &str, namespace: Option<&str>, name: &str) -> String {
    format!("{kind}/{}/{name}", namespace.unwrap_or(""))
}

fn selects(sel: &BTreeMap<String, String>, meta: &ObjectMeta) -> bool {
    !sel.is_empty()
        && meta
            .labels
            .as_ref()
            .is_some_and(|l| sel.iter().all(|(k, v)| l.get(k) == Some(v)))
}

fn label_selects(sel: &LabelSelector, meta: &ObjectMeta) -> bool {
    let empty = BTreeMap::new();
    let labels = meta.labels.as_ref().unwrap_or(&empty);
    let ok_labels = sel
        .match_labels
        .as_ref()
        .is_none_or(|m| m.iter().all(|(k, v)| labels.get(k) == Some(v)));
    let ok_expr = sel.match_expressions.iter().flatten().all(|e| {
        let vals = e.values.clone().unwrap_or_default();
        match e.operator.as_str() {
            "In" => labels.get(&e.key).is_some_and(|v| vals.contains(v)),
            "NotIn" => labels.get(&e.key).is_none_or(|v| !vals.contains(v)),
            "Exists" => labels.contains_key(&e.key),
            "DoesNotExist" => !labels.contains_key(&e.key),
            _ => false,
        }
    });
    ok_labels && ok_expr
}

fn pod_health(p: &Pod) -> (Health, String) {
    let status = pod_status(p);
    let ready = p
        .status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .is_some_and(|c| !c.is_empty() && c.iter().all(|c| c.ready));
    let h = match status.as_str() {
        "Running" if ready => Health::Healthy,
        "Completed" | "Succeeded" => Health::Healthy,
        "Running" | "Pending" | "ContainerCreating" | "PodInitializing" | "Terminating" => Health::Warning,
        s if s.starts_with("Init:") && s.contains('/') => Health::Warning,
        _ => Health::Error,
    };
    let reason = if status == "Running" && !ready {
        "Running but not ready".to_string()
    } else {
        status
    };
    (h, reason)
}

fn replicas_health(ready: i32, want: i32) -> (Health, String) {
    let reason = format!("{ready}/{want} ready");
    if ready >= want {
        (Health::Healthy, reason)
    } else if ready == 0 {
        (Health::Error, reason)
    } else {
        (Health::Warning, reason)
    }
}

struct Builder {
    nodes: HashMap<String, TopoNode>,
    edges: Vec<Edge>,
}

impl Builder {
    fn node(&mut self, kind: &str, meta: &ObjectMeta, health: (Health, String)) -> String {
        let id = id(kind, meta.namespace.as_deref(), meta.name.as_deref().unwrap_or(""));
        self.nodes.insert(
            id.clone(),
            TopoNode {
                id: id.clone(),
                kind: kind.into(),
                namespace: meta.namespace.clone(),
                name: meta.name.clone().unwrap_or_default(),
                health: health.0,
                reason: health.1,
            },
        );
        id
    }

    fn edge(&mut self, from: String, to: String, t: EdgeType) {
        self.edges.push(Edge { from, to, edge_type: t });
    }

    fn owners(&mut self, child: &str, meta: &ObjectMeta) {
        for o in meta.owner_references.iter().flatten() {
            self.edge(
                id(&o.kind, meta.namespace.as_deref(), &o.name),
                child.to_string(),
                EdgeType::Owns,
            );
        }
    }
}

/// What one pod adds to the graph: its health and what its spec points at. Read from the pod's
/// JSON once per version of the pod (see [`Memo`]).
#[derive(Debug)]
struct PodFacts {
    resource_version: Option<String>,
    health: Health,
    reason: String,
    node: Option<String>,
    claims: BTreeSet<String>,
    config_maps: BTreeSet<String>,
    secrets: BTreeSet<String>,
}

impl PodFacts {
    fn of(p: &Pod) -> PodFacts {
        let (health, reason) = pod_health(p);
        let mut f = PodFacts {
            resource_version: p.metadata.resource_version.clone(),
            health,
            reason,
            node: None,
            claims: BTreeSet::new(),
            config_maps: BTreeSet::new(),
            secrets: BTreeSet::new(),
        };
        let Some(spec) = &p.spec else { return f };
        f.node = spec.node_name.clone();
        for v in spec.volumes.iter().flatten() {
            if let Some(c) = &v.persistent_volume_claim {
                f.claims.insert(c.claim_name.clone());
            }
            if let Some(c) = &v.config_map {
                f.config_maps.insert(c.name.clone());
            }
            if let Some(sv) = v.secret.as_ref().and_then(|s| s.secret_name.clone()) {
                f.secrets.insert(sv);
            }
            for src in v.projected.iter().flat_map(|p| p.sources.iter().flatten()) {
                if let Some(c) = &src.config_map {
                    f.config_maps.insert(c.name.clone());
                }
                if let Some(sc) = &src.secret {
                    f.secrets.insert(sc.name.clone());
                }
            }
        }
        for c in spec.containers.iter().chain(spec.init_containers.iter().flatten()) {
            for e in c.env_from.iter().flatten() {
                if let Some(r) = &e.config_map_ref {
                    f.config_maps.insert(r.name.clone());
                }
                if let Some(r) = &e.secret_ref {
                    f.secrets.insert(r.name.clone());
                }
            }
            for e in c.env.iter().flatten() {
                let Some(from) = &e.value_from else { continue };
                if let Some(r) = &from.config_map_key_ref {
                    f.config_maps.insert(r.name.clone());
                }
                if let Some(r) = &from.secret_key_ref {
                    f.secrets.insert(r.name.clone());
                }
            }
        }
        f
    }
}

/// The pod facts of each namespace's last graph, for its next one: pods are cached as packed
/// JSON (see `compact.rs`) and reading one back takes about 9 µs, which a namespace of 1,000
/// pods would otherwise pay on every request. A pod whose resourceVersion moved is read again;
/// the facts of pods that are gone leave with the next graph of their namespace, so the memo
/// holds at most one entry per cached pod of the namespaces looked at.
#[derive(Default)]
pub struct Memo {
    /// namespace → uid → facts.
    by_namespace: Mutex<HashMap<String, HashMap<String, Arc<PodFacts>>>>,
}

impl Memo {
    fn get(&self, meta: &ObjectMeta) -> Option<Arc<PodFacts>> {
        let memo = self.by_namespace.lock().unwrap_or_else(|e| e.into_inner());
        let facts = memo.get(meta.namespace.as_deref()?)?.get(meta.uid.as_deref()?)?;
        (facts.resource_version == meta.resource_version).then(|| facts.clone())
    }

    /// Pods whose facts are kept.
    pub fn len(&self) -> usize {
        let memo = self.by_namespace.lock().unwrap_or_else(|e| e.into_inner());
        memo.values().map(HashMap::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Keeps what one graph read: of `namespace`, or of every namespace when None.
    fn keep(&self, namespace: Option<&str>, read: HashMap<String, Arc<PodFacts>>) {
        let mut memo = self.by_namespace.lock().unwrap_or_else(|e| e.into_inner());
        match namespace {
            Some(ns) => {
                memo.insert(ns.to_string(), read);
            }
            // A graph of every namespace is rare and, at 50,000 pods, would make the memo
            // tens of MB: it keeps nothing, and lets go of what earlier graphs kept.
            None => memo.clear(),
        }
    }
}

/// The graph of `namespace` (every namespace when None), or the part within `depth` hops of
/// `root` (`Kind/namespace/name`). `memo` carries pod facts from one graph to the next.
pub fn build(s: &Stores, memo: &Memo, namespace: Option<&str>, root: Option<&str>, depth: u32) -> Graph {
    let in_ns = |m: &ObjectMeta| namespace.is_none_or(|ns| m.namespace.as_deref() == Some(ns));
    let mut b = Builder {
        nodes: HashMap::new(),
        edges: Vec::new(),
    };
    // Kept compact: a pod is decoded only when the memo has nothing for its version; the
    // selector walks read the labels the compact form keeps typed.
    let pods = s.pods_in(namespace);

    for d in s.deployments.state().iter().filter(|d| in_ns(&d.metadata)) {
        let st = d.status.clone().unwrap_or_default();
        let h = replicas_health(st.ready_replicas.unwrap_or(0), d.spec.replicas.unwrap_or(1));
        let id = b.node("Deployment", &d.metadata, h);
        b.owners(&id, &d.metadata);
    }
    for r in s.replicasets.state().iter().filter(|r| in_ns(&r.metadata)) {
        let want = r.spec.replicas.unwrap_or(1);
        let h = if want == 0 {
            (Health::Healthy, "scaled to 0".into())
        } else {
            replicas_health(r.status.as_ref().and_then(|s| s.ready_replicas).unwrap_or(0), want)
        };
        let id = b.node("ReplicaSet", &r.metadata, h);
        b.owners(&id, &r.metadata);
    }
    for x in s.statefulsets.state().iter().filter(|x| in_ns(&x.metadata)) {
        let h = replicas_health(
            x.status.as_ref().and_then(|s| s.ready_replicas).unwrap_or(0),
            x.spec.replicas.unwrap_or(1),
        );
        let id = b.node("StatefulSet", &x.metadata, h);
        b.owners(&id, &x.metadata);
    }
    for x in s.daemonsets.state().iter().filter(|x| in_ns(&x.metadata)) {
        let st = x.status.clone().unwrap_or_default();
        let id = b.node(
            "DaemonSet",
            &x.metadata,
            replicas_health(st.number_ready, st.desired_number_scheduled),
        );
        b.owners(&id, &x.metadata);
    }
    for j in s.jobs.state().iter().filter(|j| in_ns(&j.metadata)) {
        let conds = j.status.as_ref().and_then(|s| s.conditions.clone()).unwrap_or_default();
        let has = |t: &str| conds.iter().find(|c| c.type_ == t && c.status == "True");
        let h = if let Some(c) = has("Failed") {
            (
                Health::Error,
                format!("failed: {}", c.reason.clone().unwrap_or_default()),
            )
        } else if has("Complete").is_some() {
            (Health::Healthy, "complete".into())
        } else {
            (Health::Warning, "running".into())
        };
        let id = b.node("Job", &j.metadata, h);
        b.owners(&id, &j.metadata);
    }
    for c in s.cronjobs.state().iter().filter(|c| in_ns(&c.metadata)) {
        let suspended = c.spec.suspend.unwrap_or(false);
        b.node(
            "CronJob",
            &c.metadata,
            (
                Health::Healthy,
                if suspended {
                    "suspended".into()
                } else {
                    c.spec.schedule.clone()
                },
            ),
        );
    }
    let facts: Vec<Arc<PodFacts>> = pods
        .iter()
        .map(|p| {
            memo.get(p.meta())
                .unwrap_or_else(|| Arc::new(PodFacts::of(&p.decode())))
        })
        .collect();
    let mut wanted_nodes = BTreeSet::new();
    // (namespace, name) of what pods point at; only pods point at these.
    let mut wanted_config_maps = BTreeSet::new();
    let mut wanted_secrets = BTreeSet::new();
    for (pod, facts) in pods.iter().zip(&facts) {
        let meta = pod.meta();
        let pid = b.node("Pod", meta, (facts.health, facts.reason.clone()));
        b.owners(&pid, meta);
        let ns = meta.namespace.as_deref();
        if let Some(n) = &facts.node {
            wanted_nodes.insert(n.as_str());
            b.edge(pid.clone(), id("Node", None, n), EdgeType::ScheduledOn);
        }
        for c in &facts.claims {
            b.edge(pid.clone(), id("PersistentVolumeClaim", ns, c), EdgeType::Mounts);
        }
        for c in &facts.config_maps {
            wanted_config_maps.insert((ns.unwrap_or_default(), c.as_str()));
            b.edge(pid.clone(), id("ConfigMap", ns, c), EdgeType::UsesConfigMap);
        }
        for sname in &facts.secrets {
            wanted_secrets.insert((ns.unwrap_or_default(), sname.as_str()));
            b.edge(pid.clone(), id("Secret", ns, sname), EdgeType::UsesSecret);
        }
    }
    memo.keep(
        namespace,
        pods.iter()
            .zip(&facts)
            .filter_map(|(p, f)| Some((p.meta().uid.clone()?, f.clone())))
            .collect(),
    );
    for svc in s.services.state().iter().filter(|x| in_ns(&x.metadata)) {
        let sel = svc.spec.as_ref().and_then(|s| s.selector.clone()).unwrap_or_default();
        let targets: Vec<String> = pods
            .iter()
            .filter(|p| p.meta().namespace == svc.metadata.namespace && selects(&sel, p.meta()))
            .map(|p| pod_id(p.meta()))
            .collect();
        let h = if sel.is_empty() {
            (Health::Healthy, "no selector (endpoints managed elsewhere)".into())
        } else if targets.is_empty() {
            (Health::Warning, "selects no pods".into())
        } else {
            (Health::Healthy, format!("{} pods", targets.len()))
        };
        let sid = b.node("Service", &svc.metadata, h);
        for t in targets {
            b.edge(sid.clone(), t, EdgeType::Selects);
        }
    }
    for ing in s.ingresses.state().iter().filter(|x| in_ns(&x.metadata)) {
        let ns = ing.metadata.namespace.as_deref();
        let spec = ing.spec.clone().unwrap_or_default();
        let backends: HashSet<String> = spec
            .default_backend
            .iter()
            .chain(
                spec.rules
                    .iter()
                    .flatten()
                    .flat_map(|r| r.http.iter().flat_map(|h| h.paths.iter().map(|p| &p.backend))),
            )
            .filter_map(|be| be.service.as_ref().map(|s| s.name.clone()))
            .collect();
        let missing: Vec<&String> = backends
            .iter()
            .filter(|n| !b.nodes.contains_key(&id("Service", ns, n)))
            .collect();
        let h = if missing.is_empty() {
            (Health::Healthy, format!("{} backends", backends.len()))
        } else {
            (Health::Error, format!("backend service {} does not exist", missing[0]))
        };
        let iid = b.node("Ingress", &ing.metadata, h);
        for n in backends {
            b.edge(iid.clone(), id("Service", ns, &n), EdgeType::Routes);
        }
    }
    for h in s.hpas.state().iter().filter(|x| in_ns(&x.metadata)) {
        let t = &h.spec.scale_target_ref;
        let hid = b.node(
            "HorizontalPodAutoscaler",
            &h.metadata,
            (
                Health::Healthy,
                format!("{}..{} replicas", h.spec.min_replicas.unwrap_or(1), h.spec.max_replicas),
            ),
        );
        b.edge(
            hid,
            id(&t.kind, h.metadata.namespace.as_deref(), &t.name),
            EdgeType::Scales,
        );
    }
    for pdb in s.pdbs.state().iter().filter(|x| in_ns(&x.metadata)) {
        let sel = pdb.spec.as_ref().and_then(|s| s.selector.clone()).unwrap_or_default();
        let allowed = pdb.status.as_ref().and_then(|s| s.disruptions_allowed).unwrap_or(0);
        let h = if allowed > 0 {
            (Health::Healthy, format!("{allowed} disruptions allowed"))
        } else {
            (Health::Warning, "no disruption allowed now (drains will wait)".into())
        };
        let did = b.node("PodDisruptionBudget", &pdb.metadata, h);
        for p in pods
            .iter()
            .filter(|p| p.meta().namespace == pdb.metadata.namespace && label_selects(&sel, p.meta()))
        {
            b.edge(did.clone(), pod_id(p.meta()), EdgeType::Protects);
        }
    }
    for np in s.networkpolicies.state().iter().filter(|x| in_ns(&x.metadata)) {
        let sel = np
            .spec
            .as_ref()
            .and_then(|s| s.pod_selector.clone())
            .unwrap_or_default();
        let nid = b.node("NetworkPolicy", &np.metadata, (Health::Healthy, String::new()));
        for p in pods
            .iter()
            .filter(|p| p.meta().namespace == np.metadata.namespace && label_selects(&sel, p.meta()))
        {
            b.edge(nid.clone(), pod_id(p.meta()), EdgeType::AppliesTo);
        }
    }
    // Pods mount claims of their own namespace only, so the namespace's claims are all there is.
    let mut wanted_pvs = BTreeSet::new();
    let mut wanted_classes = BTreeSet::new();
    for c in s.pvcs.state().iter().filter(|x| in_ns(&x.metadata)) {
        let phase = c.status.as_ref().and_then(|s| s.phase.clone()).unwrap_or_default();
        let h = match phase.as_str() {
            "Bound" => Health::Healthy,
            "Lost" => Health::Error,
            _ => Health::Warning,
        };
        let cid = b.node("PersistentVolumeClaim", &c.metadata, (h, phase));
        let spec = c.spec.clone().unwrap_or_default();
        if let Some(v) = spec.volume_name {
            b.edge(cid.clone(), id("PersistentVolume", None, &v), EdgeType::BoundTo);
            wanted_pvs.insert(v);
        }
        if let Some(sc) = spec.storage_class_name {
            b.edge(cid, id("StorageClass", None, &sc), EdgeType::UsesClass);
            wanted_classes.insert(sc);
        }
    }
    // Cluster-scoped and referenced objects: looked up by name, not found by visiting them all
    // (a cluster can hold thousands of nodes and tens of thousands of Secrets).
    let nodes = match namespace {
        Some(_) => wanted_nodes
            .iter()
            .filter_map(|n| s.nodes.get(&ObjectRef::new(n)))
            .collect(),
        None => s.nodes.state(),
    };
    for n in nodes {
        let ready = n
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .and_then(|c| c.iter().find(|c| c.type_ == "Ready"))
            .map(|c| c.status == "True");
        let cordoned = n.spec.as_ref().and_then(|s| s.unschedulable).unwrap_or(false);
        let h = match (ready, cordoned) {
            (Some(true), false) => (Health::Healthy, "Ready".into()),
            (Some(true), true) => (Health::Warning, "Ready, cordoned".into()),
            (Some(false), _) => (Health::Error, "NotReady".into()),
            (None, _) => (Health::Unknown, "no Ready condition".into()),
        };
        b.node("Node", &n.metadata, h);
    }
    for pv in wanted_pvs.iter().filter_map(|v| s.pvs.get(&ObjectRef::new(v))) {
        let phase = pv.status.as_ref().and_then(|s| s.phase.clone()).unwrap_or_default();
        let h = if phase == "Failed" {
            Health::Error
        } else {
            Health::Healthy
        };
        let vid = b.node("PersistentVolume", &pv.metadata, (h, phase));
        if let Some(sc) = pv.spec.as_ref().and_then(|s| s.storage_class_name.clone()) {
            b.edge(vid, id("StorageClass", None, &sc), EdgeType::UsesClass);
            wanted_classes.insert(sc);
        }
    }
    for sc in wanted_classes
        .iter()
        .filter_map(|c| s.storageclasses.get(&ObjectRef::new(c)))
    {
        b.node("StorageClass", &sc.metadata, (Health::Healthy, sc.provisioner.clone()));
    }
    for cm in wanted_config_maps
        .iter()
        .filter_map(|(ns, name)| s.configmaps.get(&ObjectRef::new(name).within(ns)))
    {
        b.node("ConfigMap", &cm.metadata, (Health::Healthy, String::new()));
    }
    for sec in wanted_secrets
        .iter()
        .filter_map(|(ns, name)| s.secrets.get(&ObjectRef::new(name).within(ns)))
    {
        b.node("Secret", &sec.metadata, (Health::Healthy, String::new()));
    }
    let Builder { mut nodes, mut edges } = b;
    // A reference to something missing is itself a finding.
    let missing: BTreeSet<&str> = edges
        .iter()
        .map(|e| e.to.as_str())
        .filter(|to| !nodes.contains_key(*to))
        .collect();
    for to in missing {
        let mut parts = to.splitn(3, '/');
        let (kind, ns, name) = (
            parts.next().unwrap_or(""),
            parts.next().unwrap_or(""),
            parts.next().unwrap_or(""),
        );
        nodes.insert(
            to.to_string(),
            TopoNode {
                id: to.to_string(),
                kind: kind.into(),
                namespace: (!ns.is_empty()).then(|| ns.to_string()),
                name: name.into(),
                health: Health::Error,
                reason: "referenced but not found".into(),
            },
        );
    }
    // Edges only between nodes that exist (owners outside the namespace filter are dropped).
    edges.retain(|e| nodes.contains_key(&e.from));
    let mut graph = match root {
        Some(r) => walk(&nodes, edges, r, depth),
        None => Graph {
            nodes: nodes.into_values().collect(),
            edges,
            truncated: false,
        },
    };
    graph.nodes.sort_by(|a, b| a.id.cmp(&b.id));
    graph
}

fn pod_id(meta: &ObjectMeta) -> String {
    id(
        "Pod",
        meta.namespace.as_deref(),
        meta.name.as_deref().unwrap_or_default(),
    )
}

/// The nodes within `depth` hops of `root`, following edges both ways.
fn walk(nodes: &HashMap<String, TopoNode>, edges: Vec<Edge>, root: &str, depth: u32) -> Graph {
    let mut adj: HashMap<&str, Vec<&str>> = HashMap::new();
    for e in &edges {
        adj.entry(&e.from).or_default().push(&e.to);
        adj.entry(&e.to).or_default().push(&e.from);
    }
    let mut seen: HashMap<&str, u32> = HashMap::new();
    let mut queue = VecDeque::new();
    let mut truncated = false;
    if nodes.contains_key(root) {
        seen.insert(root, 0);
        queue.push_back(root);
    }
    while let Some(n) = queue.pop_front() {
        let d = seen[n];
        for &m in adj.get(n).map(Vec::as_slice).unwrap_or(&[]) {
            if seen.contains_key(m) {
                continue;
            }
            if d >= depth {
                truncated = true;
                continue;
            }
            seen.insert(m, d + 1);
            queue.push_back(m);
        }
    }
    let keep: HashSet<String> = seen.keys().map(|k| k.to_string()).collect();
    drop(adj);
    Graph {
        nodes: keep.iter().filter_map(|k| nodes.get(k).cloned()).collect(),
        edges: edges
            .into_iter()
            .filter(|e| keep.contains(&e.from) && keep.contains(&e.to))
            .collect(),
        truncated,
    }
}

#[cfg(test)]
#[path = "topology_tests.rs"]
mod tests;
