//! The kinds the watch cache holds, how the API names them, and how each becomes a summary row
//! with kubectl's columns.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{
    ConfigMap, Namespace, Node, PersistentVolume, PersistentVolumeClaim, Pod, Secret, Service,
};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::Resource;
use kube::core::PartialObjectMeta;
use serde::Serialize;
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

/// One kind the cache knows.
#[derive(Debug, PartialEq, Eq)]
pub struct KindInfo {
    /// The URL name: lowercase plural (`pods`).
    pub name: &'static str,
    /// The Kubernetes kind (`Pod`).
    pub kind: &'static str,
    pub group: &'static str,
    pub version: &'static str,
    pub namespaced: bool,
    /// Short names and singulars accepted in URLs.
    pub aliases: &'static [&'static str],
}

macro_rules! kind {
    ($name:literal, $kind:literal, $group:literal, $version:literal, $ns:literal, [$($a:literal),*]) => {
        KindInfo { name: $name, kind: $kind, group: $group, version: $version, namespaced: $ns, aliases: &[$($a),*] }
    };
}

pub const KINDS: &[KindInfo] = &[
    kind!("pods", "Pod", "", "v1", true, ["pod", "po"]),
    kind!("nodes", "Node", "", "v1", false, ["node", "no"]),
    kind!("namespaces", "Namespace", "", "v1", false, ["namespace", "ns"]),
    kind!("services", "Service", "", "v1", true, ["service", "svc"]),
    kind!(
        "endpointslices",
        "EndpointSlice",
        "discovery.k8s.io",
        "v1",
        true,
        ["endpointslice"]
    ),
    kind!(
        "deployments",
        "Deployment",
        "apps",
        "v1",
        true,
        ["deployment", "deploy"]
    ),
    kind!("replicasets", "ReplicaSet", "apps", "v1", true, ["replicaset", "rs"]),
    kind!(
        "statefulsets",
        "StatefulSet",
        "apps",
        "v1",
        true,
        ["statefulset", "sts"]
    ),
    kind!("daemonsets", "DaemonSet", "apps", "v1", true, ["daemonset", "ds"]),
    kind!("jobs", "Job", "batch", "v1", true, ["job"]),
    kind!("cronjobs", "CronJob", "batch", "v1", true, ["cronjob", "cj"]),
    kind!("configmaps", "ConfigMap", "", "v1", true, ["configmap", "cm"]),
    kind!("secrets", "Secret", "", "v1", true, ["secret"]),
    kind!(
        "persistentvolumeclaims",
        "PersistentVolumeClaim",
        "",
        "v1",
        true,
        ["persistentvolumeclaim", "pvc", "pvcs"]
    ),
    kind!(
        "persistentvolumes",
        "PersistentVolume",
        "",
        "v1",
        false,
        ["persistentvolume", "pv", "pvs"]
    ),
    kind!(
        "storageclasses",
        "StorageClass",
        "storage.k8s.io",
        "v1",
        false,
        ["storageclass", "sc"]
    ),
    kind!(
        "ingresses",
        "Ingress",
        "networking.k8s.io",
        "v1",
        true,
        ["ingress", "ing"]
    ),
    kind!("events", "Event", "", "v1", true, ["event", "ev"]),
    kind!(
        "horizontalpodautoscalers",
        "HorizontalPodAutoscaler",
        "autoscaling",
        "v2",
        true,
        ["horizontalpodautoscaler", "hpa", "hpas"]
    ),
    kind!(
        "poddisruptionbudgets",
        "PodDisruptionBudget",
        "policy",
        "v1",
        true,
        ["poddisruptionbudget", "pdb", "pdbs"]
    ),
    kind!(
        "networkpolicies",
        "NetworkPolicy",
        "networking.k8s.io",
        "v1",
        true,
        ["networkpolicy", "netpol"]
    ),
];

/// Finds a cached kind by URL name, alias or Kind (case-insensitive).
pub fn find(name: &str) -> Option<&'static KindInfo> {
    let lower = name.to_ascii_lowercase();
    KINDS
        .iter()
        .find(|k| k.name == lower || k.aliases.contains(&lower.as_str()) || k.kind.eq_ignore_ascii_case(name))
}

/// One line of a resource list: the name, namespace, age and kubectl's columns for the kind.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Row {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// RFC 3339 creation time.
    pub created: Option<String>,
    /// kubectl's AGE (`5m`, `3d`).
    pub age: String,
    /// Kind-specific columns (`ready`, `status`, `restarts`, `node`, ...), named in snake_case.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub columns: Map<String, Value>,
}

/// What every cached kind can say about itself.
pub trait Summary {
    fn columns(&self, c: &mut Map<String, Value>);
}

pub fn row<K: Resource + Summary>(obj: &K, now: DateTime<Utc>) -> Row {
    let meta = obj.meta();
    let created = meta.creation_timestamp.as_ref().map(|t| t.0);
    let mut columns = Map::new();
    obj.columns(&mut columns);
    Row {
        name: meta.name.clone().unwrap_or_default(),
        namespace: meta.namespace.clone(),
        created: created.map(|t| t.to_string()),
        age: created
            .map(|t| short_duration((now.timestamp() - t.as_second()).max(0)))
            .unwrap_or_default(),
        columns,
    }
}

/// kubectl's short duration: `45s`, `12m`, `5h`, `3d`, `2y`.
pub fn short_duration(s: i64) -> String {
    match s {
        s if s < 120 => format!("{s}s"),
        s if s < 3600 * 3 => format!("{}m", s / 60),
        s if s < 86_400 * 2 => format!("{}h", s / 3600),
        s if s < 86_400 * 365 * 2 => format!("{}d", s / 86_400),
        s => format!("{}y", s / (86_400 * 365)),
    }
}

fn put(c: &mut Map<String, Value>, key: &str, v: impl Into<Value>) {
    c.insert(key.to_string(), v.into());
}

fn joined<I: IntoIterator<Item = String>>(it: I, empty: &str) -> String {
    let v: Vec<String> = it.into_iter().collect();
    if v.is_empty() { empty.to_string() } else { v.join(",") }
}

impl Summary for Pod {
    fn columns(&self, c: &mut Map<String, Value>) {
        let status = self.status.clone().unwrap_or_default();
        let statuses = status.container_statuses.clone().unwrap_or_default();
        let total = self.spec.as_ref().map(|s| s.containers.len()).unwrap_or(0);
        let ready = statuses.iter().filter(|s| s.ready).count();
        let restarts: i32 = statuses.iter().map(|s| s.restart_count).sum();
        put(c, "ready", format!("{ready}/{total}"));
        put(c, "status", pod_status(self));
        put(c, "restarts", restarts);
        put(c, "ip", status.pod_ip.unwrap_or_default());
        put(
            c,
            "node",
            self.spec.as_ref().and_then(|s| s.node_name.clone()).unwrap_or_default(),
        );
    }
}

/// The STATUS column of `kubectl get pods`.
pub fn pod_status(pod: &Pod) -> String {
    let status = pod.status.clone().unwrap_or_default();
    let mut reason = status
        .reason
        .clone()
        .or(status.phase.clone())
        .unwrap_or_else(|| "Unknown".into());
    let init = status.init_container_statuses.clone().unwrap_or_default();
    let mut initializing = false;
    for (i, s) in init.iter().enumerate() {
        let st = s.state.clone().unwrap_or_default();
        if let Some(t) = st.terminated {
            if t.exit_code == 0 {
                continue;
            }
            reason = format!(
                "Init:{}",
                t.reason.unwrap_or_else(|| format!("ExitCode:{}", t.exit_code))
            );
        } else if let Some(w) = st
            .waiting
            .filter(|w| w.reason.as_deref().is_some_and(|r| r != "PodInitializing"))
        {
            reason = format!("Init:{}", w.reason.unwrap_or_default());
        } else {
            reason = format!("Init:{}/{}", i, init.len());
        }
        initializing = true;
        break;
    }
    if !initializing {
        let mut has_running = false;
        for s in status.container_statuses.clone().unwrap_or_default().iter().rev() {
            let st = s.state.clone().unwrap_or_default();
            if let Some(w) = st.waiting.and_then(|w| w.reason) {
                reason = w;
            } else if let Some(t) = st.terminated {
                reason = t.reason.unwrap_or_else(|| format!("ExitCode:{}", t.exit_code));
            } else if st.running.is_some() && s.ready {
                has_running = true;
            }
        }
        if reason == "Completed" && has_running {
            reason = "Running".into();
        }
    }
    if pod.metadata.deletion_timestamp.is_some() {
        reason = if status.reason.as_deref() == Some("NodeLost") {
            "Unknown".into()
        } else {
            "Terminating".into()
        };
    }
    reason
}

impl Summary for Node {
    fn columns(&self, c: &mut Map<String, Value>) {
        let conds = self
            .status
            .as_ref()
            .and_then(|s| s.conditions.clone())
            .unwrap_or_default();
        let ready = conds.iter().find(|c| c.type_ == "Ready").map(|c| c.status == "True");
        let mut status = match ready {
            Some(true) => "Ready".to_string(),
            Some(false) => "NotReady".into(),
            None => "Unknown".into(),
        };
        if self.spec.as_ref().and_then(|s| s.unschedulable).unwrap_or(false) {
            status.push_str(",SchedulingDisabled");
        }
        let labels = self.metadata.labels.clone().unwrap_or_default();
        let roles = labels
            .keys()
            .filter_map(|k| k.strip_prefix("node-role.kubernetes.io/").map(str::to_string));
        put(c, "status", status);
        put(c, "roles", joined(roles, "<none>"));
        put(
            c,
            "version",
            self.status
                .as_ref()
                .and_then(|s| s.node_info.as_ref())
                .map(|i| i.kubelet_version.clone())
                .unwrap_or_default(),
        );
    }
}

impl Summary for Namespace {
    fn columns(&self, c: &mut Map<String, Value>) {
        put(
            c,
            "status",
            self.status.as_ref().and_then(|s| s.phase.clone()).unwrap_or_default(),
        );
    }
}

impl Summary for Service {
    fn columns(&self, c: &mut Map<String, Value>) {
        let spec = self.spec.clone().unwrap_or_default();
        let ports = spec.ports.unwrap_or_default().into_iter().map(|p| match p.node_port {
            Some(n) => format!("{}:{}/{}", p.port, n, p.protocol.unwrap_or_else(|| "TCP".into())),
            None => format!("{}/{}", p.port, p.protocol.unwrap_or_else(|| "TCP".into())),
        });
        let lb = self
            .status
            .as_ref()
            .and_then(|s| s.load_balancer.as_ref())
            .and_then(|l| l.ingress.clone())
            .unwrap_or_default();
        let external = lb
            .into_iter()
            .filter_map(|i| i.ip.or(i.hostname))
            .chain(spec.external_ips.unwrap_or_default());
        put(c, "type", spec.type_.unwrap_or_else(|| "ClusterIP".into()));
        put(c, "cluster_ip", spec.cluster_ip.unwrap_or_default());
        put(c, "external_ip", joined(external, "<none>"));
        put(c, "ports", joined(ports, "<none>"));
    }
}

impl Summary for EndpointSlice {
    fn columns(&self, c: &mut Map<String, Value>) {
        let ports = self
            .ports
            .clone()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|p| p.port.map(|p| p.to_string()));
        let addrs = self.endpoints.iter().flatten().flat_map(|e| e.addresses.clone());
        put(c, "address_type", self.address_type.clone());
        put(c, "ports", joined(ports, "<unset>"));
        put(c, "endpoints", joined(addrs, "<unset>"));
    }
}

impl Summary for Deployment {
    fn columns(&self, c: &mut Map<String, Value>) {
        let s = self.status.clone().unwrap_or_default();
        let want = self.spec.replicas.unwrap_or(1);
        put(c, "ready", format!("{}/{}", s.ready_replicas.unwrap_or(0), want));
        put(c, "up_to_date", s.updated_replicas.unwrap_or(0));
        put(c, "available", s.available_replicas.unwrap_or(0));
        put(c, "status", deployment_status(self));
    }
}

/// What a Deployment is doing, read as `kubectl rollout status` and the controller's conditions
/// say: scaled to zero; a rollout past its deadline; every wanted replica available; a paused
/// rollout; a rollout under way (a spec the controller has not seen, old replicas left, new ones
/// not all created or not yet available); or a finished rollout whose pods are not all available
/// (crashing, unready): none (Unavailable) or some (Degraded).
fn deployment_status(d: &Deployment) -> &'static str {
    let want = d.spec.replicas.unwrap_or(1);
    let Some(s) = d.status.as_ref() else {
        return "Progressing";
    };
    let progressing = s
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_.as_deref() == Some("Progressing"));
    let reason = progressing.and_then(|c| c.reason.as_deref());
    if reason == Some("ProgressDeadlineExceeded") && progressing.is_some_and(|c| c.status.as_deref() == Some("False")) {
        return "ProgressDeadlineExceeded";
    }
    let (updated, available) = (s.updated_replicas.unwrap_or(0), s.available_replicas.unwrap_or(0));
    let seen = s.observed_generation.unwrap_or(0) >= d.metadata.generation.unwrap_or(0);
    if want == 0 && seen && s.replicas.unwrap_or(0) == 0 {
        return "ScaledToZero";
    }
    if seen && updated >= want && available >= want && s.replicas.unwrap_or(0) <= updated {
        return "Available";
    }
    if d.spec.paused == Some(true) {
        // `kubectl rollout pause`: nothing moves until it is resumed.
        return "Paused";
    }
    let rolled_out = seen && reason == Some("NewReplicaSetAvailable") && updated >= want;
    match (rolled_out, available) {
        (false, _) => "Progressing",
        (true, 0) => "Unavailable",
        // Some replicas serve; the others are gone or not ready (a crash, a node lost).
        (true, _) => "Degraded",
    }
}

impl Summary for ReplicaSet {
    fn columns(&self, c: &mut Map<String, Value>) {
        let s = self.status.clone().unwrap_or_default();
        put(c, "desired", self.spec.replicas.unwrap_or(1));
        put(c, "current", s.replicas);
        put(c, "ready", s.ready_replicas.unwrap_or(0));
    }
}

impl Summary for StatefulSet {
    fn columns(&self, c: &mut Map<String, Value>) {
        let s = self.status.clone().unwrap_or_default();
        put(
            c,
            "ready",
            format!("{}/{}", s.ready_replicas.unwrap_or(0), self.spec.replicas.unwrap_or(1)),
        );
    }
}

impl Summary for DaemonSet {
    fn columns(&self, c: &mut Map<String, Value>) {
        let s = self.status.clone().unwrap_or_default();
        put(c, "desired", s.desired_number_scheduled);
        put(c, "current", s.current_number_scheduled);
        put(c, "ready", s.number_ready);
        put(c, "up_to_date", s.updated_number_scheduled.unwrap_or(0));
        put(c, "available", s.number_available.unwrap_or(0));
    }
}

impl Summary for Job {
    fn columns(&self, c: &mut Map<String, Value>) {
        let s = self.status.clone().unwrap_or_default();
        let completions = self.spec.as_ref().and_then(|s| s.completions).unwrap_or(1);
        let conds = s.conditions.clone().unwrap_or_default();
        let has = |t: &str| conds.iter().any(|c| c.type_ == t && c.status == "True");
        // kubectl's order: a finished Job, then one paused by `spec.suspend`, one whose pods are
        // being stopped because it has failed (FailureTarget, before Failed is set), one being
        // deleted; anything else runs.
        let status = if has("Complete") {
            "Complete"
        } else if has("Failed") {
            "Failed"
        } else if has("Suspended") {
            "Suspended"
        } else if has("FailureTarget") {
            "FailureTarget"
        } else if self.metadata.deletion_timestamp.is_some() {
            "Terminating"
        } else {
            "Running"
        };
        put(c, "status", status);
        put(
            c,
            "completions",
            format!("{}/{}", s.succeeded.unwrap_or(0), completions),
        );
        if let (Some(a), Some(b)) = (s.start_time.as_ref(), s.completion_time.as_ref()) {
            put(c, "duration", short_duration(b.0.as_second() - a.0.as_second()));
        }
    }
}

impl Summary for CronJob {
    fn columns(&self, c: &mut Map<String, Value>) {
        let spec = self.spec.clone();
        let s = self.status.clone().unwrap_or_default();
        put(c, "schedule", spec.schedule);
        put(c, "suspend", spec.suspend.unwrap_or(false));
        put(c, "active", s.active.map(|a| a.len()).unwrap_or(0));
        put(
            c,
            "last_schedule",
            s.last_schedule_time.map(|t| t.0.to_string()).unwrap_or_default(),
        );
    }
}

impl Summary for ConfigMap {
    fn columns(&self, c: &mut Map<String, Value>) {
        let n = self.data.as_ref().map(BTreeMap::len).unwrap_or(0)
            + self.binary_data.as_ref().map(BTreeMap::len).unwrap_or(0);
        put(c, "data", n);
    }
}

impl Summary for PartialObjectMeta<Secret> {
    fn columns(&self, _: &mut Map<String, Value>) {
        // Metadata only: the type and data are never read.
    }
}

impl Summary for PersistentVolumeClaim {
    fn columns(&self, c: &mut Map<String, Value>) {
        let spec = self.spec.clone().unwrap_or_default();
        let s = self.status.clone().unwrap_or_default();
        put(c, "status", s.phase.unwrap_or_default());
        put(c, "volume", spec.volume_name.unwrap_or_default());
        put(
            c,
            "capacity",
            s.capacity
                .and_then(|c| c.get("storage").map(|q| q.0.clone()))
                .unwrap_or_default(),
        );
        put(c, "access_modes", joined(spec.access_modes.unwrap_or_default(), ""));
        put(c, "storage_class", spec.storage_class_name.unwrap_or_default());
    }
}

impl Summary for PersistentVolume {
    fn columns(&self, c: &mut Map<String, Value>) {
        let spec = self.spec.clone().unwrap_or_default();
        put(
            c,
            "capacity",
            spec.capacity
                .and_then(|c| c.get("storage").map(|q| q.0.clone()))
                .unwrap_or_default(),
        );
        put(c, "access_modes", joined(spec.access_modes.unwrap_or_default(), ""));
        put(
            c,
            "reclaim_policy",
            spec.persistent_volume_reclaim_policy.unwrap_or_default(),
        );
        put(
            c,
            "status",
            self.status.as_ref().and_then(|s| s.phase.clone()).unwrap_or_default(),
        );
        let claim = spec
            .claim_ref
            .map(|r| format!("{}/{}", r.namespace.unwrap_or_default(), r.name.unwrap_or_default()));
        put(c, "claim", claim.unwrap_or_default());
        put(c, "storage_class", spec.storage_class_name.unwrap_or_default());
    }
}

impl Summary for StorageClass {
    fn columns(&self, c: &mut Map<String, Value>) {
        put(c, "provisioner", self.provisioner.clone());
        put(
            c,
            "reclaim_policy",
            self.reclaim_policy.clone().unwrap_or_else(|| "Delete".into()),
        );
    }
}

impl Summary for Ingress {
    fn columns(&self, c: &mut Map<String, Value>) {
        let spec = self.spec.clone().unwrap_or_default();
        let hosts = spec
            .rules
            .clone()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|r| r.host);
        let lb = self
            .status
            .as_ref()
            .and_then(|s| s.load_balancer.as_ref())
            .and_then(|l| l.ingress.clone())
            .unwrap_or_default();
        put(c, "class", spec.ingress_class_name.unwrap_or_else(|| "<none>".into()));
        put(c, "hosts", joined(hosts, "*"));
        put(
            c,
            "address",
            joined(lb.into_iter().filter_map(|i| i.ip.or(i.hostname)), ""),
        );
        put(c, "ports", if spec.tls.is_some() { "80, 443" } else { "80" });
    }
}

impl Summary for HorizontalPodAutoscaler {
    fn columns(&self, c: &mut Map<String, Value>) {
        let spec = self.spec.clone();
        put(
            c,
            "reference",
            format!("{}/{}", spec.scale_target_ref.kind, spec.scale_target_ref.name),
        );
        put(c, "min_pods", spec.min_replicas.unwrap_or(1));
        put(c, "max_pods", spec.max_replicas);
        put(
            c,
            "replicas",
            self.status.as_ref().and_then(|s| s.current_replicas).unwrap_or(0),
        );
    }
}

impl Summary for PodDisruptionBudget {
    fn columns(&self, c: &mut Map<String, Value>) {
        let spec = self.spec.clone().unwrap_or_default();
        let q = |v: Option<k8s_openapi::apimachinery::pkg::util::intstr::IntOrString>| match v {
            Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(i)) => i.to_string(),
            Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(s)) => s,
            None => "N/A".into(),
        };
        put(c, "min_available", q(spec.min_available));
        put(c, "max_unavailable", q(spec.max_unavailable));
        put(
            c,
            "allowed_disruptions",
            self.status.as_ref().and_then(|s| s.disruptions_allowed).unwrap_or(0),
        );
    }
}

impl Summary for NetworkPolicy {
    fn columns(&self, c: &mut Map<String, Value>) {
        let sel = self
            .spec
            .as_ref()
            .and_then(|s| s.pod_selector.clone())
            .and_then(|s| s.match_labels)
            .unwrap_or_default();
        put(
            c,
            "pod_selector",
            joined(sel.into_iter().map(|(k, v)| format!("{k}={v}")), "<none>"),
        );
    }
}

/// Does `meta` match a label selector like `app=web,tier!=db,env in (a,b),!legacy,team`?
pub fn matches_selector(meta: &ObjectMeta, selector: &str) -> bool {
    let empty = BTreeMap::new();
    let labels = meta.labels.as_ref().unwrap_or(&empty);
    split_selector(selector).iter().all(|req| {
        let req = req.trim();
        if req.is_empty() {
            return true;
        }
        if let Some((k, rest)) = req.split_once(" notin ") {
            let set = parse_set(rest);
            return labels.get(k.trim()).is_none_or(|v| !set.contains(&v.as_str()));
        }
        if let Some((k, rest)) = req.split_once(" in ") {
            let set = parse_set(rest);
            return labels.get(k.trim()).is_some_and(|v| set.contains(&v.as_str()));
        }
        if let Some((k, v)) = req.split_once("!=") {
            return labels.get(k.trim()).is_none_or(|x| x != v.trim());
        }
        if let Some((k, v)) = req.split_once("==").or_else(|| req.split_once('=')) {
            return labels.get(k.trim()).is_some_and(|x| x == v.trim());
        }
        if let Some(k) = req.strip_prefix('!') {
            return !labels.contains_key(k.trim());
        }
        labels.contains_key(req)
    })
}

/// Checks a label selector's syntax as the API server does, so a typo gets a 400 that says which
/// requirement is wrong instead of silently matching nothing (or everything).
pub fn validate_selector(selector: &str) -> Result<(), String> {
    let bad = |req: &str, why: &str| Err(format!("unable to parse requirement {req:?} in label selector: {why}"));
    let depth = selector.chars().fold(0i32, |d, c| match c {
        '(' => d + 1,
        ')' => d - 1,
        _ => d,
    });
    if depth != 0 {
        return bad(selector, "unbalanced parentheses");
    }
    for req in split_selector(selector)
        .into_iter()
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        let (key, values): (&str, Vec<&str>) = if let Some(k) = req.strip_prefix('!') {
            (k, vec![])
        } else if let Some((k, rest)) = req.split_once(" notin ").or_else(|| req.split_once(" in ")) {
            let rest = rest.trim();
            if !(rest.starts_with('(') && rest.ends_with(')')) {
                return bad(req, "a set is written (a,b)");
            }
            (k, parse_set(rest))
        } else if let Some((k, v)) = req
            .split_once("!=")
            .or_else(|| req.split_once("=="))
            .or_else(|| req.split_once('='))
        {
            (k, vec![v.trim()])
        } else {
            (req, vec![])
        };
        let key = key.trim();
        let (prefix, name) = key.rsplit_once('/').unwrap_or(("", key));
        let name_ok = !name.is_empty()
            && name.len() <= 63
            && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        let prefix_ok = prefix.len() <= 253 && prefix.chars().all(|c| c.is_ascii_alphanumeric() || "-.".contains(c));
        if !name_ok || !prefix_ok || key.contains(' ') {
            return bad(
                req,
                "a key is a name of letters, digits, '-', '_' and '.', with an optional DNS prefix and '/'",
            );
        }
        if let Some(v) = values
            .iter()
            .find(|v| v.len() > 63 || !v.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)))
        {
            return bad(req, &format!("{v:?} is not a valid label value"));
        }
    }
    Ok(())
}

/// Splits on commas outside parentheses.
fn split_selector(s: &str) -> Vec<&str> {
    let (mut out, mut depth, mut start) = (Vec::new(), 0, 0);
    for (i, ch) in s.char_indices() {
        match ch {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

fn parse_set(s: &str) -> Vec<&str> {
    s.trim()
        .trim_start_matches('(')
        .trim_end_matches(')')
        .split(',')
        .map(str::trim)
        .collect()
}

/// A JSON value for a row column, comparable for sorting: numbers as numbers, else text.
pub fn sort_key(row: &Row, column: &str) -> (f64, String) {
    let v = match column {
        "name" => return (0.0, row.name.clone()),
        "namespace" => return (0.0, row.namespace.clone().unwrap_or_default()),
        "age" | "created" => return (0.0, row.created.clone().unwrap_or_default()),
        c => row.columns.get(c).cloned().unwrap_or(Value::Null),
    };
    match v {
        Value::Number(n) => (n.as_f64().unwrap_or(0.0), String::new()),
        Value::String(s) => (0.0, s),
        other => (0.0, other.to_string()),
    }
}

/// A compact reference to an object, used by events, topology and search.
pub fn object_ref(kind: &str, namespace: Option<&str>, name: &str) -> Value {
    json!({"kind": kind, "namespace": namespace, "name": name})
}

#[cfg(test)]
#[path = "kinds_tests.rs"]
mod tests;
