//! The evidence an investigation gathered: the objects of one namespace (or the cluster), the
//! cluster-scoped objects they depend on, events and log excerpts, at one instant. Analyzers are
//! pure functions over it, so a fixture in the exact shape a cluster returns is a complete test.
//!
//! Secret values never enter a snapshot (only key names, for "couldn't find key" checks), and
//! ConfigMap values are dropped the same way: analyzers need names and keys only.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{
    ConfigMap, Event, Namespace, Node, PersistentVolume, PersistentVolumeClaim, Pod, Secret, Service,
};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::networking::v1::{Ingress, IngressClass, NetworkPolicy};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use serde::{Deserialize, Serialize};

use super::finding::ObjectRef;

/// Log lines of one container, current or previous instance.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LogExcerpt {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    pub previous: bool,
    pub lines: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Snapshot {
    pub now: Option<DateTime<Utc>>,
    pub namespaces: Vec<Namespace>,
    pub pods: Vec<Pod>,
    pub deployments: Vec<Deployment>,
    pub replicasets: Vec<ReplicaSet>,
    pub statefulsets: Vec<StatefulSet>,
    pub daemonsets: Vec<DaemonSet>,
    pub jobs: Vec<Job>,
    pub cronjobs: Vec<CronJob>,
    pub services: Vec<Service>,
    pub endpointslices: Vec<EndpointSlice>,
    pub ingresses: Vec<Ingress>,
    pub ingressclasses: Vec<IngressClass>,
    pub networkpolicies: Vec<NetworkPolicy>,
    pub pvcs: Vec<PersistentVolumeClaim>,
    pub pvs: Vec<PersistentVolume>,
    pub storageclasses: Vec<StorageClass>,
    pub nodes: Vec<Node>,
    pub hpas: Vec<HorizontalPodAutoscaler>,
    pub pdbs: Vec<PodDisruptionBudget>,
    /// Names and keys only: values are blanked when gathered.
    pub configmaps: Vec<ConfigMap>,
    /// Names and keys only: values are blanked when gathered.
    pub secrets: Vec<Secret>,
    pub events: Vec<Event>,
    pub logs: Vec<LogExcerpt>,
}

/// `kind/namespace/name` of any object's metadata.
pub fn object_ref(kind: &str, meta: &ObjectMeta) -> ObjectRef {
    ObjectRef::new(kind, meta.namespace.as_deref(), meta.name.as_deref().unwrap_or(""))
}

pub fn name(meta: &ObjectMeta) -> &str {
    meta.name.as_deref().unwrap_or("")
}

pub fn namespace(meta: &ObjectMeta) -> &str {
    meta.namespace.as_deref().unwrap_or("")
}

/// Whether `labels` satisfy a Service-style equality selector (an empty selector matches nothing:
/// a Service without selector selects no pods on purpose).
pub fn matches_map(selector: &BTreeMap<String, String>, labels: Option<&BTreeMap<String, String>>) -> bool {
    if selector.is_empty() {
        return false;
    }
    let Some(labels) = labels else { return false };
    selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// Whether `labels` satisfy a `LabelSelector` (an empty selector matches everything, as the API
/// defines it for NetworkPolicy and PDB).
pub fn matches_selector(selector: &LabelSelector, labels: Option<&BTreeMap<String, String>>) -> bool {
    let empty = BTreeMap::new();
    let labels = labels.unwrap_or(&empty);
    if let Some(ml) = &selector.match_labels
        && !ml.iter().all(|(k, v)| labels.get(k) == Some(v))
    {
        return false;
    }
    for expr in selector.match_expressions.iter().flatten() {
        let values = expr.values.clone().unwrap_or_default();
        let value = labels.get(&expr.key);
        let ok = match expr.operator.as_str() {
            "In" => value.is_some_and(|v| values.contains(v)),
            "NotIn" => value.is_none_or(|v| !values.contains(v)),
            "Exists" => value.is_some(),
            "DoesNotExist" => value.is_none(),
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    true
}

impl Snapshot {
    pub fn now(&self) -> DateTime<Utc> {
        self.now.unwrap_or_else(Utc::now)
    }

    /// Events whose involvedObject is `object`, oldest first.
    pub fn events_for(&self, object: &ObjectRef) -> Vec<&Event> {
        let mut events: Vec<&Event> = self
            .events
            .iter()
            .filter(|e| {
                let io = &e.involved_object;
                io.kind.as_deref() == Some(object.kind.as_str())
                    && io.name.as_deref() == Some(object.name.as_str())
                    && (object.namespace.is_none() || io.namespace == object.namespace)
            })
            .collect();
        events.sort_by_key(|e| event_time(e));
        events
    }

    /// Lines of one container's log; previous instance when `previous`.
    pub fn logs(&self, namespace: &str, pod: &str, container: &str, previous: bool) -> &[String] {
        self.logs
            .iter()
            .find(|l| l.namespace == namespace && l.pod == pod && l.container == container && l.previous == previous)
            .map(|l| l.lines.as_slice())
            .unwrap_or(&[])
    }

    /// Every log line of a pod (previous instances first, they hold the crash).
    pub fn pod_log_lines<'a>(&'a self, namespace: &str, pod: &str) -> Vec<(&'a str, &'a str)> {
        let mut out = Vec::new();
        for previous in [true, false] {
            for l in self
                .logs
                .iter()
                .filter(|l| l.namespace == namespace && l.pod == pod && l.previous == previous)
            {
                out.extend(l.lines.iter().map(|line| (l.container.as_str(), line.as_str())));
            }
        }
        out
    }

    pub fn pods_selected_by(&self, namespace: &str, selector: &BTreeMap<String, String>) -> Vec<&Pod> {
        self.pods
            .iter()
            .filter(|p| self::namespace(&p.metadata) == namespace && matches_map(selector, p.metadata.labels.as_ref()))
            .collect()
    }

    pub fn service(&self, namespace: &str, name: &str) -> Option<&Service> {
        self.services
            .iter()
            .find(|s| self::namespace(&s.metadata) == namespace && self::name(&s.metadata) == name)
    }

    pub fn node(&self, name: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| self::name(&n.metadata) == name)
    }

    pub fn pvc(&self, namespace: &str, name: &str) -> Option<&PersistentVolumeClaim> {
        self.pvcs
            .iter()
            .find(|p| self::namespace(&p.metadata) == namespace && self::name(&p.metadata) == name)
    }

    /// Ready endpoint addresses of a Service, from its EndpointSlices.
    pub fn ready_endpoints(&self, namespace: &str, service: &str) -> usize {
        self.endpointslices
            .iter()
            .filter(|s| {
                self::namespace(&s.metadata) == namespace
                    && s.metadata
                        .labels
                        .as_ref()
                        .and_then(|l| l.get("kubernetes.io/service-name"))
                        .is_some_and(|n| n == service)
            })
            .flat_map(|s| s.endpoints.iter().flatten())
            .filter(|e| e.conditions.as_ref().and_then(|c| c.ready).unwrap_or(true))
            .map(|e| e.addresses.len())
            .sum()
    }

    /// The owner of an object as recorded in its ownerReferences (the controller one).
    pub fn owner_of(meta: &ObjectMeta) -> Option<(String, String)> {
        meta.owner_references
            .iter()
            .flatten()
            .find(|o| o.controller == Some(true))
            .or_else(|| meta.owner_references.as_ref().and_then(|o| o.first()))
            .map(|o| (o.kind.clone(), o.name.clone()))
    }

    /// The chain of controllers above an object: Pod → ReplicaSet → Deployment, Pod → Job →
    /// CronJob. Owners not in the snapshot end the chain after being named.
    pub fn owner_chain(&self, object: &ObjectRef) -> Vec<ObjectRef> {
        let mut chain = Vec::new();
        let mut current = object.clone();
        for _ in 0..5 {
            let Some(meta) = self.meta_of(&current) else { break };
            let Some((kind, name)) = Self::owner_of(meta) else {
                break;
            };
            let next = ObjectRef::new(&kind, current.namespace.as_deref(), &name);
            chain.push(next.clone());
            current = next;
        }
        chain
    }

    /// The metadata of any object the snapshot holds.
    pub fn meta_of(&self, o: &ObjectRef) -> Option<&ObjectMeta> {
        fn find<'a, T, F: Fn(&'a T) -> &'a ObjectMeta>(
            items: &'a [T],
            o: &ObjectRef,
            meta: F,
        ) -> Option<&'a ObjectMeta> {
            items
                .iter()
                .map(meta)
                .find(|m| name(m) == o.name && (o.namespace.is_none() || m.namespace == o.namespace))
        }
        match o.kind.as_str() {
            "Pod" => find(&self.pods, o, |x| &x.metadata),
            "Deployment" => find(&self.deployments, o, |x| &x.metadata),
            "ReplicaSet" => find(&self.replicasets, o, |x| &x.metadata),
            "StatefulSet" => find(&self.statefulsets, o, |x| &x.metadata),
            "DaemonSet" => find(&self.daemonsets, o, |x| &x.metadata),
            "Job" => find(&self.jobs, o, |x| &x.metadata),
            "CronJob" => find(&self.cronjobs, o, |x| &x.metadata),
            "Service" => find(&self.services, o, |x| &x.metadata),
            "Ingress" => find(&self.ingresses, o, |x| &x.metadata),
            "IngressClass" => find(&self.ingressclasses, o, |x| &x.metadata),
            "NetworkPolicy" => find(&self.networkpolicies, o, |x| &x.metadata),
            "PersistentVolumeClaim" => find(&self.pvcs, o, |x| &x.metadata),
            "PersistentVolume" => find(&self.pvs, o, |x| &x.metadata),
            "StorageClass" => find(&self.storageclasses, o, |x| &x.metadata),
            "Node" => find(&self.nodes, o, |x| &x.metadata),
            "HorizontalPodAutoscaler" => find(&self.hpas, o, |x| &x.metadata),
            "PodDisruptionBudget" => find(&self.pdbs, o, |x| &x.metadata),
            "ConfigMap" => find(&self.configmaps, o, |x| &x.metadata),
            "Secret" => find(&self.secrets, o, |x| &x.metadata),
            "Namespace" => find(&self.namespaces, o, |x| &x.metadata),
            _ => None,
        }
    }

    /// The objects an investigation of `target` is about: the target, what it owns (down to
    /// pods), the pods a Service selects, an Ingress's Services, the PVCs its pods mount, and the
    /// HPAs and PDBs that act on it.
    pub fn related(&self, target: &ObjectRef) -> Vec<ObjectRef> {
        let mut out = vec![target.clone()];
        let ns = target.namespace.as_deref().unwrap_or("");
        let mut i = 0;
        while i < out.len() {
            let o = out[i].clone();
            i += 1;
            let mut add = |r: ObjectRef| {
                if !out.contains(&r) {
                    out.push(r);
                }
            };
            // What `o` owns.
            let owned_by = |meta: &ObjectMeta| {
                meta.owner_references
                    .iter()
                    .flatten()
                    .any(|r| r.kind == o.kind && r.name == o.name)
                    && meta.namespace.as_deref() == o.namespace.as_deref()
            };
            for x in &self.replicasets {
                if owned_by(&x.metadata) {
                    add(object_ref("ReplicaSet", &x.metadata));
                }
            }
            for x in &self.jobs {
                if owned_by(&x.metadata) {
                    add(object_ref("Job", &x.metadata));
                }
            }
            for x in &self.pods {
                if owned_by(&x.metadata) {
                    add(object_ref("Pod", &x.metadata));
                }
            }
            match o.kind.as_str() {
                "Service" => {
                    if let Some(sel) = self
                        .service(ns, &o.name)
                        .and_then(|s| s.spec.as_ref()?.selector.as_ref())
                    {
                        for p in self.pods_selected_by(ns, sel) {
                            add(object_ref("Pod", &p.metadata));
                        }
                    }
                }
                "Ingress" => {
                    for svc in super::analyzers::network::ingress_backends(self, ns, &o.name) {
                        add(ObjectRef::namespaced("Service", ns, &svc.0));
                    }
                }
                "Pod" => {
                    if let Some(p) = self
                        .pods
                        .iter()
                        .find(|p| name(&p.metadata) == o.name && namespace(&p.metadata) == ns)
                    {
                        for v in p.spec.iter().flat_map(|s| s.volumes.iter().flatten()) {
                            if let Some(c) = &v.persistent_volume_claim {
                                add(ObjectRef::namespaced("PersistentVolumeClaim", ns, &c.claim_name));
                            }
                        }
                        if let Some(node) = p.spec.as_ref().and_then(|s| s.node_name.as_ref()) {
                            add(ObjectRef::cluster("Node", node));
                        }
                    }
                }
                "Deployment" | "StatefulSet" | "ReplicaSet" => {
                    for h in &self.hpas {
                        let spec = &h.spec;
                        if spec.scale_target_ref.kind == o.kind
                            && spec.scale_target_ref.name == o.name
                            && namespace(&h.metadata) == ns
                        {
                            add(object_ref("HorizontalPodAutoscaler", &h.metadata));
                        }
                    }
                }
                _ => {}
            }
        }
        out
    }
}

/// When an event last happened: lastTimestamp, else eventTime, else firstTimestamp.
pub fn event_time(e: &Event) -> Option<DateTime<Utc>> {
    e.last_timestamp
        .as_ref()
        .map(|t| chrono_time(&t.0))
        .or_else(|| e.event_time.as_ref().map(|t| chrono_time(&t.0)))
        .or_else(|| e.first_timestamp.as_ref().map(|t| chrono_time(&t.0)))
        .or_else(|| e.metadata.creation_timestamp.as_ref().map(|t| chrono_time(&t.0)))
}

/// k8s-openapi speaks jiff; the rest of the sidecar speaks chrono.
pub fn chrono_time(t: &k8s_openapi::jiff::Timestamp) -> DateTime<Utc> {
    DateTime::from_timestamp(t.as_second(), t.subsec_nanosecond().max(0) as u32).unwrap_or_default()
}
