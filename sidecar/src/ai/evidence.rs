//! Evidence: the one interface through which the investigator reads a cluster, and the tools
//! (the same for the deterministic path and for the LLM) built on it.
//!
//! [`EvidenceSource`] is small on purpose (list what a scope holds, read a container's log) so a
//! cluster-backed implementation (`kube_source`, later the workbench's watch caches) and the
//! in-memory one tests use ([`StaticSource`]) satisfy it alike. Everything else — owner chains,
//! related objects, node conditions, rollout history — is computed from the snapshot by [`tool`].

use async_trait::async_trait;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;
use serde_json::{Value, json};

use super::analyzers::{self, Scope};
use super::finding::ObjectRef;
use super::mask;
use super::snapshot::{LogExcerpt, Snapshot, name, namespace, object_ref};

#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error("context {0} is not known (or not usable without the workbench's approval)")]
    UnknownContext(String),
    #[error("reading {what} from the cluster failed: {reason}")]
    Read { what: String, reason: String },
}

#[async_trait]
pub trait EvidenceSource: Send + Sync {
    /// The objects of the scope's namespace (every namespace for the cluster scope), the
    /// cluster-scoped objects they depend on, and events. No logs.
    async fn snapshot(&self, context: &str, scope: &Scope) -> Result<Snapshot, EvidenceError>;
    /// The last `tail` lines of a container's log (its previous instance when `previous`).
    async fn logs(
        &self,
        context: &str,
        namespace: &str,
        pod: &str,
        container: &str,
        previous: bool,
        tail: i64,
    ) -> Result<Vec<String>, EvidenceError>;
}

/// A fixed snapshot (tests, imported evidence).
pub struct StaticSource(pub Snapshot);

#[async_trait]
impl EvidenceSource for StaticSource {
    async fn snapshot(&self, _context: &str, _scope: &Scope) -> Result<Snapshot, EvidenceError> {
        let mut s = self.0.clone();
        s.logs.clear();
        Ok(s)
    }
    async fn logs(
        &self,
        _c: &str,
        ns: &str,
        pod: &str,
        container: &str,
        previous: bool,
        tail: i64,
    ) -> Result<Vec<String>, EvidenceError> {
        let lines = self.0.logs(ns, pod, container, previous);
        let skip = lines.len().saturating_sub(tail.max(0) as usize);
        Ok(lines[skip..].to_vec())
    }
}

/// Log lines fetched per container while gathering.
pub const LOG_TAIL: i64 = 60;
/// Containers whose logs are fetched while gathering, at most.
const MAX_LOG_CONTAINERS: usize = 24;

/// The snapshot plus the logs of the containers worth reading: those of the target's pods,
/// and any that restarted or are not ready.
pub async fn gather(source: &dyn EvidenceSource, context: &str, scope: &Scope) -> Result<Snapshot, EvidenceError> {
    let mut s = source.snapshot(context, scope).await?;
    let related = match scope {
        Scope::Object { target } => s.related(target),
        _ => Vec::new(),
    };
    let mut wanted = Vec::new();
    for p in &s.pods {
        let r = object_ref("Pod", &p.metadata);
        let Some(status) = &p.status else { continue };
        let troubled = status
            .container_statuses
            .iter()
            .flatten()
            .chain(status.init_container_statuses.iter().flatten())
            .any(|c| c.restart_count > 0 || !c.ready);
        if !(related.contains(&r) || troubled) {
            continue;
        }
        for c in status
            .container_statuses
            .iter()
            .flatten()
            .chain(status.init_container_statuses.iter().flatten())
        {
            wanted.push((
                namespace(&p.metadata).to_string(),
                name(&p.metadata).to_string(),
                c.name.clone(),
                c.restart_count > 0,
            ));
        }
    }
    // The target's own pods first.
    wanted.sort_by_key(|(ns, pod, _, _)| !related.contains(&ObjectRef::namespaced("Pod", ns, pod)));
    for (ns, pod, container, restarted) in wanted.into_iter().take(MAX_LOG_CONTAINERS) {
        for previous in [false, true] {
            if previous && !restarted {
                continue;
            }
            // A container that never started has no log; that is evidence too, not an error.
            if let Ok(lines) = source.logs(context, &ns, &pod, &container, previous, LOG_TAIL).await
                && !lines.is_empty()
            {
                s.logs.push(LogExcerpt {
                    namespace: ns.clone(),
                    pod: pod.clone(),
                    container: container.clone(),
                    previous,
                    lines: lines.iter().map(|l| strip_cri(l).to_string()).collect(),
                });
            }
        }
    }
    Ok(s)
}

/// `2026-11-25T09:59:50.1Z stdout F message` → `message` (CRI log format, as some kubelets
/// and simulators return it).
pub fn strip_cri(line: &str) -> &str {
    let mut parts = line.splitn(4, ' ');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(ts), Some("stdout" | "stderr"), Some("F" | "P"), Some(rest)) if ts.ends_with('Z') && ts.contains('T') => {
            rest
        }
        (Some(ts), Some("stdout" | "stderr"), Some("F" | "P"), None) if ts.ends_with('Z') => "",
        _ => line,
    }
}

/// The evidence tools, by name, as the LLM sees them (JSON Schema parameters).
pub fn tool_specs() -> Vec<(&'static str, &'static str, Value)> {
    let obj = json!({"type": "object", "properties": {
        "kind": {"type": "string"}, "namespace": {"type": "string"}, "name": {"type": "string"}}, "required": ["kind", "name"]});
    vec![
        (
            "get_object",
            "Read one object (masked) by kind, namespace and name.",
            obj.clone(),
        ),
        (
            "owner_chain",
            "The controllers above an object (Pod → ReplicaSet → Deployment).",
            obj.clone(),
        ),
        ("events", "Events about an object, oldest first.", obj.clone()),
        (
            "logs",
            "The last lines of a container's log; previous=true for the instance that crashed.",
            json!({"type": "object", "properties": {"namespace": {"type": "string"}, "pod": {"type": "string"},
                   "container": {"type": "string"}, "previous": {"type": "boolean"}}, "required": ["namespace", "pod"]}),
        ),
        (
            "related_objects",
            "Objects related to one: what it owns, the pods a Service selects, an Ingress's Services, claims, HPAs.",
            obj.clone(),
        ),
        (
            "node_conditions",
            "The conditions and taints of a node.",
            json!({"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}),
        ),
        (
            "rollout_history",
            "A Deployment's ReplicaSets by revision, with their images and ready counts.",
            obj.clone(),
        ),
        (
            "metrics",
            "Resource requests, limits and restart counts of a pod's containers.",
            obj,
        ),
        (
            "analyzer_findings",
            "What the deterministic analyzers found in the gathered evidence.",
            json!({"type": "object", "properties": {}}),
        ),
    ]
}

/// Runs one tool over the gathered snapshot (and the source for logs). Results are masked JSON:
/// cluster text stays data, whoever reads it.
pub async fn tool(source: &dyn EvidenceSource, context: &str, s: &Snapshot, name_: &str, args: &Value) -> Value {
    let arg = |k: &str| args.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let target = || {
        ObjectRef::new(
            &arg("kind"),
            args.get("namespace").and_then(Value::as_str).filter(|n| !n.is_empty()),
            &arg("name"),
        )
    };
    let mut out = match name_ {
        "get_object" => get_object(s, &target()).unwrap_or_else(|| json!({"error": "not found"})),
        "owner_chain" => json!(s.owner_chain(&target())),
        "events" => json!(
            s.events_for(&target())
                .iter()
                .map(|e| json!({
                    "type": e.type_, "reason": e.reason, "message": e.message, "count": e.count,
                }))
                .collect::<Vec<_>>()
        ),
        "logs" => {
            let (ns, pod) = (arg("namespace"), arg("pod"));
            let container = match arg("container") {
                c if c.is_empty() => s
                    .pods
                    .iter()
                    .find(|p| namespace(&p.metadata) == ns && name(&p.metadata) == pod)
                    .and_then(|p| p.spec.as_ref()?.containers.first().map(|c| c.name.clone()))
                    .unwrap_or_default(),
                c => c,
            };
            let previous = args.get("previous").and_then(Value::as_bool).unwrap_or(false);
            match source.logs(context, &ns, &pod, &container, previous, LOG_TAIL).await {
                Ok(lines) => json!({"container": container, "previous": previous,
                    "lines": lines.iter().map(|l| strip_cri(l).to_string()).collect::<Vec<_>>()}),
                Err(e) => json!({"error": e.to_string()}),
            }
        }
        "related_objects" => json!(s.related(&target())),
        "node_conditions" => match s.node(&arg("name")) {
            Some(n) => json!({"conditions": n.status.as_ref().and_then(|s| s.conditions.clone()),
                              "taints": n.spec.as_ref().and_then(|s| s.taints.clone()),
                              "unschedulable": n.spec.as_ref().and_then(|s| s.unschedulable)}),
            None => json!({"error": "node not found"}),
        },
        "rollout_history" => rollout_history(s, &target()),
        "metrics" => metrics(s, &target()),
        "analyzer_findings" => json!(analyzers::analyze(s)),
        other => json!({"error": format!("no tool named {other}")}),
    };
    mask::object(&mut out);
    out
}

fn get_object(s: &Snapshot, o: &ObjectRef) -> Option<Value> {
    fn find<T: Serialize>(
        items: &[T],
        meta: impl Fn(&T) -> &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
        o: &ObjectRef,
    ) -> Option<Value> {
        items
            .iter()
            .find(|x| name(meta(x)) == o.name && (o.namespace.is_none() || meta(x).namespace == o.namespace))
            .and_then(|x| serde_json::to_value(x).ok())
    }
    let mut v = match o.kind.as_str() {
        "Pod" => find(&s.pods, |x| &x.metadata, o),
        "Deployment" => find(&s.deployments, |x| &x.metadata, o),
        "ReplicaSet" => find(&s.replicasets, |x| &x.metadata, o),
        "StatefulSet" => find(&s.statefulsets, |x| &x.metadata, o),
        "DaemonSet" => find(&s.daemonsets, |x| &x.metadata, o),
        "Job" => find(&s.jobs, |x| &x.metadata, o),
        "CronJob" => find(&s.cronjobs, |x| &x.metadata, o),
        "Service" => find(&s.services, |x| &x.metadata, o),
        "EndpointSlice" => find(&s.endpointslices, |x| &x.metadata, o),
        "Ingress" => find(&s.ingresses, |x| &x.metadata, o),
        "NetworkPolicy" => find(&s.networkpolicies, |x| &x.metadata, o),
        "PersistentVolumeClaim" => find(&s.pvcs, |x| &x.metadata, o),
        "PersistentVolume" => find(&s.pvs, |x| &x.metadata, o),
        "StorageClass" => find(&s.storageclasses, |x| &x.metadata, o),
        "Node" => find(&s.nodes, |x| &x.metadata, o),
        "HorizontalPodAutoscaler" => find(&s.hpas, |x| &x.metadata, o),
        "PodDisruptionBudget" => find(&s.pdbs, |x| &x.metadata, o),
        "ConfigMap" => find(&s.configmaps, |x| &x.metadata, o),
        "Secret" => find(&s.secrets, |x| &x.metadata, o),
        _ => None,
    }?;
    if let Some(m) = v.as_object_mut() {
        m.entry("kind").or_insert(Value::String(o.kind.clone()));
    }
    Some(v)
}

/// A Deployment's ReplicaSets by revision, oldest first.
pub fn rollout_history(s: &Snapshot, d: &ObjectRef) -> Value {
    let mut revisions: Vec<Value> = s
        .replicasets
        .iter()
        .filter(|rs| {
            Snapshot::owner_of(&rs.metadata).is_some_and(|(k, n)| k == "Deployment" && n == d.name)
                && rs.metadata.namespace == d.namespace
        })
        .map(|rs| {
            let revision = rs
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get("deployment.kubernetes.io/revision"))
                .and_then(|r| r.parse::<i64>().ok())
                .unwrap_or(0);
            let images: Vec<String> = rs
                .spec
                .template
                .as_ref()
                .and_then(|t| t.spec.as_ref())
                .map(|p| p.containers.iter().filter_map(|c| c.image.clone()).collect())
                .unwrap_or_default();
            json!({"revision": revision, "replicaset": name(&rs.metadata), "images": images,
                   "replicas": rs.status.as_ref().map(|s| s.replicas), "ready": rs.status.as_ref().and_then(|s| s.ready_replicas)})
        })
        .collect();
    revisions.sort_by_key(|v| v["revision"].as_i64().unwrap_or(0));
    json!(revisions)
}

/// kubectl's `rollout status` for a Deployment, StatefulSet or DaemonSet, read once from the
/// snapshot (no watch): `{"done": bool, "message": "..."}`, or `{"error": ...}`.
pub fn rollout_status(s: &Snapshot, o: &ObjectRef) -> Value {
    let same = |m: &ObjectMeta| name(m) == o.name && m.namespace == o.namespace;
    let found = match o.kind.as_str() {
        "Deployment" => s.deployments.iter().find(|d| same(&d.metadata)).map(deployment_status),
        "StatefulSet" => s
            .statefulsets
            .iter()
            .find(|x| same(&x.metadata))
            .map(stateful_set_status),
        "DaemonSet" => s.daemonsets.iter().find(|x| same(&x.metadata)).map(daemon_set_status),
        other => {
            return json!({"error": format!("rollout status reads Deployments, StatefulSets and DaemonSets, not {other}")});
        }
    };
    match found {
        Some((done, message)) => json!({"done": done, "message": message}),
        None => json!({"error": "not found"}),
    }
}

/// The spec change is not yet seen by its controller.
fn unobserved(meta: &ObjectMeta, observed: Option<i64>) -> bool {
    meta.generation.unwrap_or(0) > observed.unwrap_or(0)
}

const SPEC_UPDATE: &str = "Waiting for the spec update to be observed...";

fn deployment_status(d: &Deployment) -> (bool, String) {
    let n = name(&d.metadata);
    let st = d.status.clone().unwrap_or_default();
    if unobserved(&d.metadata, st.observed_generation) {
        return (false, SPEC_UPDATE.into());
    }
    let deadline =
        st.conditions.iter().flatten().any(|c| {
            c.type_.as_deref() == Some("Progressing") && c.reason.as_deref() == Some("ProgressDeadlineExceeded")
        });
    if deadline {
        return (
            false,
            format!("error: deployment \"{n}\" exceeded its progress deadline"),
        );
    }
    let want = d.spec.replicas.unwrap_or(1);
    let (updated, replicas, available) = (
        st.updated_replicas.unwrap_or(0),
        st.replicas.unwrap_or(0),
        st.available_replicas.unwrap_or(0),
    );
    let waiting = |what: String| {
        (
            false,
            format!("Waiting for deployment \"{n}\" rollout to finish: {what}..."),
        )
    };
    if updated < want {
        return waiting(format!("{updated} out of {want} new replicas have been updated"));
    }
    if replicas > updated {
        return waiting(format!("{} old replicas are pending termination", replicas - updated));
    }
    if available < updated {
        return waiting(format!("{available} of {updated} updated replicas are available"));
    }
    (true, format!("deployment \"{n}\" successfully rolled out"))
}

fn stateful_set_status(x: &StatefulSet) -> (bool, String) {
    let st = x.status.clone().unwrap_or_default();
    if unobserved(&x.metadata, st.observed_generation) {
        return (false, SPEC_UPDATE.into());
    }
    let want = x.spec.replicas.unwrap_or(1);
    let ready = st.ready_replicas.unwrap_or(0);
    if ready < want {
        return (false, format!("Waiting for {} pods to be ready...", want - ready));
    }
    let updated = st.updated_replicas.unwrap_or(0);
    let partition = x
        .spec
        .update_strategy
        .as_ref()
        .and_then(|u| u.rolling_update.as_ref()?.partition)
        .unwrap_or(0);
    if partition > 0 {
        let target = (want - partition).max(0);
        return if updated < target {
            (
                false,
                format!(
                    "Waiting for partitioned roll out to finish: {updated} out of {target} new pods have been updated..."
                ),
            )
        } else {
            (
                true,
                format!("partitioned roll out complete: {updated} new pods have been updated..."),
            )
        };
    }
    let (current, update) = (
        st.current_revision.unwrap_or_default(),
        st.update_revision.unwrap_or_default(),
    );
    if current != update {
        return (
            false,
            format!("waiting for statefulset rolling update to complete {updated} pods at revision {update}..."),
        );
    }
    (
        true,
        format!(
            "statefulset rolling update complete {} pods at revision {current}...",
            st.current_replicas.unwrap_or(st.replicas)
        ),
    )
}

fn daemon_set_status(x: &DaemonSet) -> (bool, String) {
    let n = name(&x.metadata);
    let st = x.status.clone().unwrap_or_default();
    if unobserved(&x.metadata, st.observed_generation) {
        return (false, SPEC_UPDATE.into());
    }
    let desired = st.desired_number_scheduled;
    let updated = st.updated_number_scheduled.unwrap_or(0);
    let available = st.number_available.unwrap_or(0);
    let waiting = |what: String| {
        (
            false,
            format!("Waiting for daemon set \"{n}\" rollout to finish: {what}..."),
        )
    };
    if updated < desired {
        return waiting(format!("{updated} out of {desired} new pods have been updated"));
    }
    if available < desired {
        return waiting(format!("{available} of {desired} updated pods are available"));
    }
    (true, format!("daemon set \"{n}\" successfully rolled out"))
}

fn metrics(s: &Snapshot, o: &ObjectRef) -> Value {
    let Some(p) = s
        .pods
        .iter()
        .find(|p| name(&p.metadata) == o.name && p.metadata.namespace == o.namespace)
    else {
        return json!({"error": "pod not found"});
    };
    let containers: Vec<Value> = p
        .spec
        .iter()
        .flat_map(|sp| sp.containers.iter())
        .map(|c| {
            let restarts = p
                .status
                .as_ref()
                .and_then(|st| st.container_statuses.as_ref())
                .and_then(|cs| cs.iter().find(|x| x.name == c.name))
                .map(|x| x.restart_count);
            json!({"name": c.name, "requests": c.resources.as_ref().and_then(|r| r.requests.clone()),
                   "limits": c.resources.as_ref().and_then(|r| r.limits.clone()), "restarts": restarts})
        })
        .collect();
    json!({"containers": containers, "note": "usage figures need metrics-server; requests, limits and restarts are from the pod"})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rollout_of(objects: Value, kind: &str, name: &str) -> (bool, String) {
        let s: Snapshot = serde_json::from_value(objects).unwrap();
        let v = rollout_status(&s, &ObjectRef::namespaced(kind, "shop", name));
        (
            v["done"].as_bool().unwrap_or_else(|| panic!("{v}")),
            v["message"].as_str().unwrap().to_string(),
        )
    }

    fn deployment(generation: i64, status: Value) -> Value {
        json!({"deployments": [{"metadata": {"name": "web", "namespace": "shop", "generation": generation},
            "spec": {"replicas": 3, "selector": {}, "template": {}}, "status": status}]})
    }

    #[test]
    fn rollout_status_reads_like_kubectl() {
        let done = json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3, "availableReplicas": 3});
        assert_eq!(
            rollout_of(deployment(2, done), "Deployment", "web"),
            (true, "deployment \"web\" successfully rolled out".into())
        );
        let rolling = json!({"observedGeneration": 2, "replicas": 4, "updatedReplicas": 1, "availableReplicas": 3});
        assert_eq!(
            rollout_of(deployment(2, rolling), "Deployment", "web").1,
            "Waiting for deployment \"web\" rollout to finish: 1 out of 3 new replicas have been updated..."
        );
        let old = json!({"observedGeneration": 2, "replicas": 4, "updatedReplicas": 3, "availableReplicas": 3});
        assert!(
            rollout_of(deployment(2, old), "Deployment", "web")
                .1
                .contains("1 old replicas are pending termination")
        );
        let unobserved = json!({"observedGeneration": 1});
        assert!(!rollout_of(deployment(2, unobserved), "Deployment", "web").0);
        let stuck = json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 1,
            "conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]});
        assert!(
            rollout_of(deployment(2, stuck), "Deployment", "web")
                .1
                .contains("exceeded its progress deadline")
        );

        let sts = json!({"statefulsets": [{"metadata": {"name": "db", "namespace": "shop"},
            "spec": {"replicas": 2, "selector": {}, "template": {}, "serviceName": "db"},
            "status": {"replicas": 2, "readyReplicas": 2, "updatedReplicas": 1, "currentReplicas": 1,
                "currentRevision": "db-1", "updateRevision": "db-2"}}]});
        assert_eq!(
            rollout_of(sts, "StatefulSet", "db").1,
            "waiting for statefulset rolling update to complete 1 pods at revision db-2..."
        );
        let ds = json!({"daemonsets": [{"metadata": {"name": "agent", "namespace": "shop"},
            "spec": {"selector": {}, "template": {}},
            "status": {"desiredNumberScheduled": 3, "updatedNumberScheduled": 3, "numberAvailable": 2,
                "currentNumberScheduled": 3, "numberMisscheduled": 0, "numberReady": 2}}]});
        assert_eq!(
            rollout_of(ds, "DaemonSet", "agent").1,
            "Waiting for daemon set \"agent\" rollout to finish: 2 of 3 updated pods are available..."
        );
        let none: Snapshot = Snapshot::default();
        assert!(
            rollout_status(&none, &ObjectRef::namespaced("Deployment", "shop", "web"))
                .get("error")
                .is_some()
        );
    }

    #[test]
    fn cri_prefixes_are_stripped() {
        assert_eq!(
            strip_cri("2026-11-25T09:59:50.100000000Z stdout F panic: boom"),
            "panic: boom"
        );
        assert_eq!(strip_cri("plain line"), "plain line");
    }
}

#[cfg(test)]
#[path = "evidence_tests.rs"]
mod tool_tests;
