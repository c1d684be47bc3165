//! How objects hang together, computed from the cache: typed edges (ownership, selection,
//! routing, scheduling, storage, configuration, autoscaling, disruption budgets, network
//! policies) and a health state with its reason for every node.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use kube::{Resource, ResourceExt};
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

/// The graph of `namespace` (every namespace when None), or the part within `depth` hops of
/// `root` (`Kind/namespace/name`).
pub fn build(s: &Stores, namespace: Option<&str>, root: Option<&str>, depth: u32) -> Graph {
    let in_ns = |m: &ObjectMeta| namespace.is_none_or(|ns| m.namespace.as_deref() == Some(ns));
    let mut b = Builder {
        nodes: HashMap::new(),
        edges: Vec::new(),
    };
    // Kept compact: each pod is decoded only for its own node and edges below; the selector
    // walks read the labels the compact form keeps typed.
    let pods: Vec<_> = s.pods.state().into_iter().filter(|p| in_ns(p.meta())).collect();

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
    let mut wanted_nodes = HashSet::new();
    let mut wanted_claims = HashSet::new();
    for compact in &pods {
        let p = &compact.decode();
        let pid = b.node("Pod", &p.metadata, pod_health(p));
        b.owners(&pid, &p.metadata);
        let ns = p.metadata.namespace.as_deref();
        let Some(spec) = &p.spec else { continue };
        if let Some(n) = &spec.node_name {
            wanted_nodes.insert(n.clone());
            b.edge(pid.clone(), id("Node", None, n), EdgeType::ScheduledOn);
        }
        let mut cms = HashSet::new();
        let mut secrets = HashSet::new();
        for v in spec.volumes.iter().flatten() {
            if let Some(c) = &v.persistent_volume_claim {
                wanted_claims.insert(id("PersistentVolumeClaim", ns, &c.claim_name));
                b.edge(
                    pid.clone(),
                    id("PersistentVolumeClaim", ns, &c.claim_name),
                    EdgeType::Mounts,
                );
            }
            if let Some(c) = &v.config_map {
                cms.insert(c.name.clone());
            }
            if let Some(sv) = v.secret.as_ref().and_then(|s| s.secret_name.clone()) {
                secrets.insert(sv);
            }
            for src in v.projected.iter().flat_map(|p| p.sources.iter().flatten()) {
                if let Some(c) = &src.config_map {
                    cms.insert(c.name.clone());
                }
                if let Some(sc) = &src.secret {
                    secrets.insert(sc.name.clone());
                }
            }
        }
        for c in spec.containers.iter().chain(spec.init_containers.iter().flatten()) {
            for e in c.env_from.iter().flatten() {
                if let Some(r) = &e.config_map_ref {
                    cms.insert(r.name.clone());
                }
                if let Some(r) = &e.secret_ref {
                    secrets.insert(r.name.clone());
                }
            }
            for e in c.env.iter().flatten() {
                let Some(from) = &e.value_from else { continue };
                if let Some(r) = &from.config_map_key_ref {
                    cms.insert(r.name.clone());
                }
                if let Some(r) = &from.secret_key_ref {
                    secrets.insert(r.name.clone());
                }
            }
        }
        for c in cms {
            b.edge(pid.clone(), id("ConfigMap", ns, &c), EdgeType::UsesConfigMap);
        }
        for sname in secrets {
            b.edge(pid.clone(), id("Secret", ns, &sname), EdgeType::UsesSecret);
        }
    }
    for svc in s.services.state().iter().filter(|x| in_ns(&x.metadata)) {
        let sel = svc.spec.as_ref().and_then(|s| s.selector.clone()).unwrap_or_default();
        let targets: Vec<String> = pods
            .iter()
            .filter(|p| p.meta().namespace == svc.metadata.namespace && selects(&sel, p.meta()))
            .map(|p| id("Pod", p.meta().namespace.as_deref(), &p.name_any()))
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
            b.edge(
                did.clone(),
                id("Pod", p.meta().namespace.as_deref(), &p.name_any()),
                EdgeType::Protects,
            );
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
            b.edge(
                nid.clone(),
                id("Pod", p.meta().namespace.as_deref(), &p.name_any()),
                EdgeType::AppliesTo,
            );
        }
    }
    for c in s.pvcs.state().iter().filter(|x| {
        in_ns(&x.metadata)
            || wanted_claims.contains(&id(
                "PersistentVolumeClaim",
                x.metadata.namespace.as_deref(),
                &x.name_any(),
            ))
    }) {
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
        }
        if let Some(sc) = spec.storage_class_name {
            b.edge(cid, id("StorageClass", None, &sc), EdgeType::UsesClass);
        }
    }
    // Cluster-scoped objects that something above points at.
    let pointed: HashSet<String> = b.edges.iter().map(|e| e.to.clone()).collect();
    for n in s.nodes.state() {
        if !wanted_nodes.contains(&n.name_any()) && namespace.is_some() {
            continue;
        }
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
    for pv in s
        .pvs
        .state()
        .iter()
        .filter(|v| pointed.contains(&id("PersistentVolume", None, &v.name_any())))
    {
        let phase = pv.status.as_ref().and_then(|s| s.phase.clone()).unwrap_or_default();
        let h = if phase == "Failed" {
            Health::Error
        } else {
            Health::Healthy
        };
        let vid = b.node("PersistentVolume", &pv.metadata, (h, phase));
        if let Some(sc) = pv.spec.as_ref().and_then(|s| s.storage_class_name.clone()) {
            b.edge(vid, id("StorageClass", None, &sc), EdgeType::UsesClass);
        }
    }
    let pointed: HashSet<String> = b.edges.iter().map(|e| e.to.clone()).collect();
    for sc in s
        .storageclasses
        .state()
        .iter()
        .filter(|c| pointed.contains(&id("StorageClass", None, &c.name_any())))
    {
        b.node("StorageClass", &sc.metadata, (Health::Healthy, sc.provisioner.clone()));
    }
    for cm in s
        .configmaps
        .state()
        .iter()
        .filter(|c| pointed.contains(&id("ConfigMap", c.metadata.namespace.as_deref(), &c.name_any())))
    {
        b.node("ConfigMap", &cm.metadata, (Health::Healthy, String::new()));
    }
    for sec in s
        .secrets
        .state()
        .iter()
        .filter(|c| pointed.contains(&id("Secret", c.metadata.namespace.as_deref(), &c.name_any())))
    {
        b.node("Secret", &sec.metadata, (Health::Healthy, String::new()));
    }
    // A reference to something missing is itself a finding.
    for e in &b.edges.clone() {
        if !b.nodes.contains_key(&e.to) {
            let mut parts = e.to.splitn(3, '/');
            let (kind, ns, name) = (
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
            );
            b.nodes.insert(
                e.to.clone(),
                TopoNode {
                    id: e.to.clone(),
                    kind: kind.into(),
                    namespace: (!ns.is_empty()).then(|| ns.to_string()),
                    name: name.into(),
                    health: Health::Error,
                    reason: "referenced but not found".into(),
                },
            );
        }
    }
    // Edges only between nodes that exist (owners outside the namespace filter are dropped).
    let known: HashSet<&String> = b.nodes.keys().collect();
    let edges: Vec<Edge> = b
        .edges
        .iter()
        .filter(|e| known.contains(&e.from) && known.contains(&e.to))
        .cloned()
        .collect();
    let mut graph = match root {
        Some(r) => walk(&b.nodes, edges, r, depth),
        None => Graph {
            nodes: b.nodes.into_values().collect(),
            edges,
            truncated: false,
        },
    };
    graph.nodes.sort_by(|a, b| a.id.cmp(&b.id));
    graph
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
