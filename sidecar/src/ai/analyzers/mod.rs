//! Deterministic analyzers: pure functions from a [`Snapshot`] to findings, each naming a
//! root-cause code of the taxonomy with its evidence. No LLM, no I/O: this is what an
//! investigation concludes without a provider, and what the LLM's conclusion is checked against.
//!
//! [`analyze`] reports every problem in the snapshot; [`conclude`] answers for one target (or a
//! namespace, or the cluster): the finding that explains the others, `HEALTHY` when the target is
//! in its desired state with nothing wrong, and `UNKNOWN` with what was seen when the evidence
//! does not settle it.

pub mod deps;
pub mod logs;
pub mod network;
pub mod nodes;
pub mod pods;
pub mod storage;
pub mod workloads;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::finding::{Evidence, Finding, ObjectRef};
use super::snapshot::{Snapshot, name, namespace, object_ref};
use super::taxonomy::Code;

/// What an investigation is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", tag = "scope")]
pub enum Scope {
    Object { target: ObjectRef },
    Namespace { namespace: String },
    Cluster,
}

impl Scope {
    pub fn namespace(&self) -> Option<&str> {
        match self {
            Scope::Object { target } => target.namespace.as_deref(),
            Scope::Namespace { namespace } => Some(namespace),
            Scope::Cluster => None,
        }
    }
}

/// The analyzers' answer for a scope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Verdict {
    pub code: Code,
    pub summary: String,
    pub confidence: f64,
    /// The findings about the scope, the one that explains the others first.
    pub findings: Vec<Finding>,
    /// What was seen when nothing was found (or the cause is unknown).
    pub observed: Vec<Evidence>,
}

/// Every problem in the snapshot.
pub fn analyze(s: &Snapshot) -> Vec<Finding> {
    let mut out = Vec::new();
    nodes::analyze(s, &mut out);
    pods::analyze(s, &mut out);
    storage::analyze(s, &mut out);
    workloads::analyze(s, &mut out);
    network::analyze(s, &mut out);
    out
}

/// The workload a pod belongs to: the top of its owner chain (Deployment, StatefulSet, Job...).
pub fn workload_of(s: &Snapshot, pod: &ObjectRef) -> Option<ObjectRef> {
    s.owner_chain(pod).last().cloned()
}

/// The answer for `scope`.
pub fn conclude(s: &Snapshot, scope: &Scope) -> Verdict {
    let all = analyze(s);
    match scope {
        Scope::Object { target } => conclude_object(s, all, target),
        Scope::Namespace { namespace } => {
            let relevant: Vec<Finding> = all
                .into_iter()
                .filter(|f| {
                    f.objects
                        .iter()
                        .any(|o| o.namespace.as_deref() == Some(namespace.as_str()))
                })
                .collect();
            pick(relevant, None, Vec::new(), &format!("namespace {namespace}"))
        }
        Scope::Cluster => pick(all, None, Vec::new(), "the cluster"),
    }
}

fn conclude_object(s: &Snapshot, all: Vec<Finding>, target: &ObjectRef) -> Verdict {
    if s.meta_of(target).is_none() {
        return Verdict {
            code: Code::Unknown,
            summary: format!("{target} was not found in the cluster"),
            confidence: 0.2,
            findings: Vec::new(),
            observed: vec![Evidence::field(target, "metadata", "not found")],
        };
    }
    let related = s.related(target);
    let relevant: Vec<Finding> = all
        .into_iter()
        .filter(|f| f.objects.iter().any(|o| related.contains(o)))
        .collect();
    let observed = observe(s, target, &related);
    pick(relevant, Some(target), observed, &target.to_string())
}

fn pick(mut findings: Vec<Finding>, target: Option<&ObjectRef>, observed: Vec<Evidence>, what: &str) -> Verdict {
    findings.sort_by(|a, b| {
        let own = |f: &Finding| target.is_none_or(|t| f.subject() != t);
        (own(a), a.code.rank(), std::cmp::Reverse(a.severity))
            .cmp(&(own(b), b.code.rank(), std::cmp::Reverse(b.severity)))
            .then(b.confidence.total_cmp(&a.confidence))
    });
    findings.dedup_by(|a, b| a.code == b.code && a.subject() == b.subject());
    if let Some(first) = findings.first() {
        let mut summary = first.summary.clone();
        // A stuck rollout names why its new pods fail too.
        if first.code == Code::RolloutStuck
            && let Some(cause) = findings.iter().find(|f| f.subject().kind == "Pod")
        {
            summary = format!("{summary}; its new pods fail with {}: {}", cause.code, cause.summary);
        }
        return Verdict {
            code: first.code,
            summary,
            confidence: first.confidence,
            observed,
            findings,
        };
    }
    // Nothing found: healthy if the target is where it should be, otherwise unknown.
    let unhealthy: Vec<&Evidence> = observed.iter().filter(|e| e.at.starts_with("unhealthy:")).collect();
    if unhealthy.is_empty() {
        let warnings = observed
            .iter()
            .any(|e| e.source == super::finding::EvidenceSource::Event);
        Verdict {
            code: Code::Healthy,
            summary: format!("{what} is in its desired state; no fault found"),
            confidence: if warnings { 0.6 } else { 0.9 },
            findings,
            observed,
        }
    } else {
        Verdict {
            code: Code::Unknown,
            summary: format!("{what} is not in its desired state, and the evidence does not settle why"),
            confidence: 0.3,
            findings,
            observed,
        }
    }
}

/// What the target and its pods look like: `unhealthy:` entries mark what is not as desired;
/// recent warning events are listed too.
fn observe(s: &Snapshot, target: &ObjectRef, related: &[ObjectRef]) -> Vec<Evidence> {
    let mut out = Vec::new();
    // (kind, metadata, desired replicas, ready replicas) of the workloads that count replicas.
    let replicated = s
        .deployments
        .iter()
        .map(|d| {
            (
                "Deployment",
                &d.metadata,
                d.spec.replicas,
                d.status.as_ref().and_then(|s| s.ready_replicas),
            )
        })
        .chain(s.statefulsets.iter().map(|d| {
            (
                "StatefulSet",
                &d.metadata,
                d.spec.replicas,
                d.status.as_ref().and_then(|s| s.ready_replicas),
            )
        }));
    for (_, _, want, ready) in replicated.filter(|(kind, meta, ..)| &object_ref(kind, meta) == target) {
        let (want, ready) = (want.unwrap_or(1), ready.unwrap_or(0));
        let at = if ready < want {
            "unhealthy:status.readyReplicas"
        } else {
            "status.readyReplicas"
        };
        out.push(Evidence::field(target, at, format!("{ready}/{want}")));
    }
    for d in s
        .daemonsets
        .iter()
        .filter(|d| &object_ref("DaemonSet", &d.metadata) == target)
    {
        let st = d.status.clone().unwrap_or_default();
        let at = if st.number_ready < st.desired_number_scheduled {
            "unhealthy:status.numberReady"
        } else {
            "status.numberReady"
        };
        out.push(Evidence::field(
            target,
            at,
            format!("{}/{}", st.number_ready, st.desired_number_scheduled),
        ));
    }
    for p in s
        .pods
        .iter()
        .filter(|p| related.contains(&object_ref("Pod", &p.metadata)))
    {
        let r = object_ref("Pod", &p.metadata);
        let phase = p.status.as_ref().and_then(|s| s.phase.clone()).unwrap_or_default();
        let ok = phase == "Succeeded" || (phase == "Running" && pods::is_ready(p));
        let waiting: Vec<String> = p
            .status
            .iter()
            .flat_map(|s| {
                s.container_statuses
                    .iter()
                    .flatten()
                    .chain(s.init_container_statuses.iter().flatten())
            })
            .filter_map(|c| c.state.as_ref()?.waiting.as_ref()?.reason.clone())
            .collect();
        let text = if waiting.is_empty() {
            phase
        } else {
            format!("{phase} ({})", waiting.join(", "))
        };
        out.push(Evidence::field(
            &r,
            if ok { "status.phase" } else { "unhealthy:status.phase" },
            text,
        ));
        out.extend(pods::recent_warnings(s, &r));
    }
    out.extend(pods::recent_warnings(s, target));
    let _ = (name, namespace);
    out
}
