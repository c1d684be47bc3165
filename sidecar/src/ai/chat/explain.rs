//! `explain KIND` from chat: what a kind is for, how the API names it, and its top-level fields.
//! Modest on purpose: the kinds the workbench caches get a short description written here; any
//! other kind the cluster serves is named from discovery only. Field paths (`pod.spec`) would
//! need the cluster's OpenAPI schema, which chat does not read.

use serde_json::{Value, json};

/// One-line descriptions of the kinds the workbench caches.
const DESCRIPTIONS: &[(&str, &str)] = &[
    (
        "Pod",
        "The smallest unit Kubernetes runs: one or more containers scheduled together on a node, sharing its network namespace and volumes. Usually created by a workload controller, not by hand.",
    ),
    (
        "Node",
        "A machine (virtual or physical) that runs pods; its conditions, capacity, taints and whether it accepts new pods.",
    ),
    (
        "Namespace",
        "A scope for names and a unit of access control and quota; most objects live in one.",
    ),
    (
        "Service",
        "A stable name and virtual IP in front of the pods its selector matches; its endpoints are the ready ones.",
    ),
    (
        "EndpointSlice",
        "The addresses (and their readiness) behind a Service, maintained by the control plane.",
    ),
    (
        "Deployment",
        "Keeps a number of identical, interchangeable pods running and rolls out changes to their template through ReplicaSets, one per revision.",
    ),
    (
        "ReplicaSet",
        "Keeps a number of pods from one template running; Deployments own one per revision.",
    ),
    (
        "StatefulSet",
        "Runs pods with stable names and per-pod storage, created and updated in order.",
    ),
    (
        "DaemonSet",
        "Runs one pod on each node (or on the nodes its selector and tolerations allow).",
    ),
    (
        "Job",
        "Runs pods until a number of them complete successfully, retrying up to its backoff limit.",
    ),
    ("CronJob", "Creates Jobs on a schedule written in cron syntax."),
    (
        "ConfigMap",
        "Non-secret configuration as key-value pairs, mounted as files or passed as environment variables.",
    ),
    (
        "Secret",
        "Sensitive data (passwords, tokens, keys) mounted or passed like a ConfigMap; chat shows only its metadata.",
    ),
    (
        "PersistentVolumeClaim",
        "A request for storage of a size and access mode, bound to a PersistentVolume.",
    ),
    (
        "PersistentVolume",
        "A piece of storage in the cluster, provisioned by an administrator or by a StorageClass.",
    ),
    (
        "StorageClass",
        "How volumes of a class are provisioned: the provisioner, its parameters and the binding mode.",
    ),
    (
        "Ingress",
        "HTTP routing from hosts and paths to Services, carried out by an ingress controller of its class.",
    ),
    (
        "Event",
        "A record of something that happened to an object (scheduled, pulled, killed, failed), kept for a short while.",
    ),
    (
        "HorizontalPodAutoscaler",
        "Scales a workload's replicas between a minimum and a maximum to meet metric targets.",
    ),
    (
        "PodDisruptionBudget",
        "Limits how many of a set of pods voluntary disruptions (drains, evictions) may take down at once.",
    ),
    (
        "NetworkPolicy",
        "Which traffic may reach or leave the pods it selects; once a pod is selected, what is not allowed is denied.",
    ),
];

/// A cached kind's top-level fields (most have a spec and a status).
fn fields(kind: &str) -> &'static str {
    match kind {
        "ConfigMap" | "Secret" => "apiVersion, kind, metadata, data, binaryData/stringData, immutable",
        "Event" => {
            "apiVersion, kind, metadata, involvedObject, reason, message, type, count, firstTimestamp, lastTimestamp"
        }
        "EndpointSlice" => "apiVersion, kind, metadata, addressType, endpoints, ports",
        "StorageClass" => "apiVersion, kind, metadata, provisioner, parameters, reclaimPolicy, volumeBindingMode",
        _ => "apiVersion, kind, metadata, spec, status",
    }
}

/// What `explain` names about a kind, from the kinds table or the cluster's discovery.
pub struct KindFacts<'a> {
    pub kind: &'a str,
    pub group: &'a str,
    pub version: &'a str,
    pub plural: &'a str,
    pub short_names: Vec<&'a str>,
    pub namespaced: bool,
}

/// The text and JSON of `explain` for a kind.
pub fn explain(k: &KindFacts<'_>) -> (String, Value) {
    let description = DESCRIPTIONS
        .iter()
        .find(|(kind, _)| *kind == k.kind)
        .map(|(_, d)| *d)
        .unwrap_or("(not described here: a kind the cluster serves that the workbench does not cache)");
    let group_version = if k.group.is_empty() {
        k.version.to_string()
    } else {
        format!("{}/{}", k.group, k.version)
    };
    let scope = if k.namespaced { "Namespaced" } else { "Cluster" };
    let known = DESCRIPTIONS.iter().any(|(kind, _)| *kind == k.kind);
    let mut text = format!(
        "KIND:        {}\nVERSION:     {group_version}\nRESOURCE:    {}\n",
        k.kind, k.plural
    );
    if !k.short_names.is_empty() {
        text.push_str(&format!("SHORT NAMES: {}\n", k.short_names.join(", ")));
    }
    text.push_str(&format!("SCOPE:       {scope}\n\nDESCRIPTION:\n  {description}\n"));
    if known {
        text.push_str(&format!("\nFIELDS:\n  {}\n", fields(k.kind)));
    }
    text.push_str(
        "\n(Field-level documentation needs the cluster's OpenAPI schema: `kubectl explain KIND.FIELD` outside chat.)",
    );
    let json = json!({"kind": k.kind, "group": k.group, "version": k.version, "resource": k.plural,
        "short_names": k.short_names, "namespaced": k.namespaced, "description": description});
    (text, json)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::kinds;

    #[test]
    fn every_cached_kind_is_described() {
        for k in kinds::KINDS {
            assert!(
                DESCRIPTIONS.iter().any(|(kind, _)| *kind == k.kind),
                "{} has no description",
                k.kind
            );
        }
    }
}
