//! Typed remediation actions: what an analyzer or the LLM may propose. Never shell text; every
//! action names its target as an [`ObjectRef`], has an operation name (the names
//! `safety_policy.forbidden_operations` and `require_approval` use) and a risk class. Whether
//! an action runs is not decided here: each becomes a workbench action ([`Action::cluster_action`])
//! that the one safety gate (`crate::safety`) decides on, as it does for a person's click.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::finding::ObjectRef;
use crate::cluster::ops;

/// How much damage an action can do if it is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RiskClass {
    /// Reversible, keeps the workload's data and shape (restart, resume).
    Low,
    /// Changes a workload's spec or removes a replaceable object (a pod).
    Medium,
    /// Removes or rewrites something not recreated by a controller.
    High,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    /// `kubectl rollout restart` of a Deployment, StatefulSet or DaemonSet.
    RestartWorkload {
        target: ObjectRef,
    },
    ScaleWorkload {
        target: ObjectRef,
        replicas: i32,
    },
    /// `kubectl rollout undo` to the previous revision.
    RollbackDeployment {
        target: ObjectRef,
    },
    SetImage {
        target: ObjectRef,
        container: String,
        image: String,
    },
    SetMemoryLimit {
        target: ObjectRef,
        container: String,
        memory: String,
    },
    DeletePod {
        target: ObjectRef,
    },
    /// Deleting any other object (Secret, Namespace, PVC, NetworkPolicy...).
    DeleteObject {
        target: ObjectRef,
    },
    ResumeCronJob {
        target: ObjectRef,
    },
    SetHpaMaxReplicas {
        target: ObjectRef,
        max_replicas: i32,
    },
    UncordonNode {
        target: ObjectRef,
    },
    /// Advice for a person (create a ConfigMap, fix a registry credential...). Never executed.
    Manual {
        description: String,
    },
}

impl Action {
    pub fn target(&self) -> Option<&ObjectRef> {
        match self {
            Action::RestartWorkload { target }
            | Action::ScaleWorkload { target, .. }
            | Action::RollbackDeployment { target }
            | Action::SetImage { target, .. }
            | Action::SetMemoryLimit { target, .. }
            | Action::DeletePod { target }
            | Action::DeleteObject { target }
            | Action::ResumeCronJob { target }
            | Action::SetHpaMaxReplicas { target, .. }
            | Action::UncordonNode { target } => Some(target),
            Action::Manual { .. } => None,
        }
    }

    /// The workbench action that carries this out, or None for advice. Field changes become a
    /// strategic merge patch built here from the typed fields, never text from the LLM.
    pub fn cluster_action(&self) -> Option<ops::Action> {
        Some(match self {
            Action::RestartWorkload { .. } => ops::Action::RolloutRestart,
            Action::ScaleWorkload { replicas, .. } => ops::Action::Scale { replicas: *replicas },
            Action::RollbackDeployment { .. } => ops::Action::Rollback { revision: None },
            Action::SetImage {
                target,
                container,
                image,
            } => ops::Action::Patch {
                patch: container_patch(&target.kind, json!({"name": container, "image": image})),
            },
            Action::SetMemoryLimit {
                target,
                container,
                memory,
            } => ops::Action::Patch {
                patch: container_patch(
                    &target.kind,
                    json!({"name": container, "resources": {"limits": {"memory": memory}}}),
                ),
            },
            Action::DeletePod { .. } => ops::Action::DeletePod,
            Action::DeleteObject { .. } => ops::Action::Delete,
            Action::ResumeCronJob { .. } => ops::Action::Patch {
                patch: json!({"spec": {"suspend": false}}),
            },
            Action::SetHpaMaxReplicas { max_replicas, .. } => ops::Action::Patch {
                patch: json!({"spec": {"maxReplicas": max_replicas}}),
            },
            Action::UncordonNode { .. } => ops::Action::Uncordon,
            Action::Manual { .. } => return None,
        })
    }

    /// The operation name the safety policy speaks of (`config::settings::OPERATIONS`:
    /// `delete_pod`, `scale_to_zero`, `delete_secret`, `delete_persistent_volume_claim`...).
    pub fn operation(&self) -> String {
        match (self.cluster_action(), self.target()) {
            (Some(a), Some(t)) => a.operation(&t.kind).to_string(),
            _ => "manual".into(),
        }
    }

    pub fn risk(&self) -> RiskClass {
        match self {
            Action::RestartWorkload { .. } | Action::ResumeCronJob { .. } | Action::Manual { .. } => RiskClass::Low,
            Action::ScaleWorkload { replicas: 0, .. } => RiskClass::High,
            Action::ScaleWorkload { .. }
            | Action::RollbackDeployment { .. }
            | Action::SetImage { .. }
            | Action::SetMemoryLimit { .. }
            | Action::SetHpaMaxReplicas { .. }
            | Action::UncordonNode { .. }
            | Action::DeletePod { .. } => RiskClass::Medium,
            Action::DeleteObject { .. } => RiskClass::High,
        }
    }

    /// One line for people and the audit log.
    pub fn describe(&self) -> String {
        match self {
            Action::RestartWorkload { target } => format!("restart {target}"),
            Action::ScaleWorkload { target, replicas } => format!("scale {target} to {replicas}"),
            Action::RollbackDeployment { target } => format!("roll {target} back to its previous revision"),
            Action::SetImage {
                target,
                container,
                image,
            } => format!("set image of {container} in {target} to {image}"),
            Action::SetMemoryLimit {
                target,
                container,
                memory,
            } => {
                format!("set memory limit of {container} in {target} to {memory}")
            }
            Action::DeletePod { target } => format!("delete {target}"),
            Action::DeleteObject { target } => format!("delete {target}"),
            Action::ResumeCronJob { target } => format!("resume {target}"),
            Action::SetHpaMaxReplicas { target, max_replicas } => {
                format!("set maxReplicas of {target} to {max_replicas}")
            }
            Action::UncordonNode { target } => format!("uncordon {target}"),
            Action::Manual { description } => description.clone(),
        }
    }
}

/// A patch of one container, wherever `kind` keeps its pod template.
fn container_patch(kind: &str, container: Value) -> Value {
    let pod_spec = json!({"containers": [container]});
    match kind {
        "Pod" => json!({"spec": pod_spec}),
        "CronJob" => json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": pod_spec}}}}}),
        _ => json!({"spec": {"template": {"spec": pod_spec}}}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names_match_the_policy_vocabulary() {
        let pvc = Action::DeleteObject {
            target: ObjectRef::namespaced("PersistentVolumeClaim", "a", "b"),
        };
        assert_eq!(pvc.operation(), "delete_persistent_volume_claim");
        let zero = Action::ScaleWorkload {
            target: ObjectRef::namespaced("Deployment", "a", "b"),
            replicas: 0,
        };
        assert_eq!(zero.operation(), "scale_to_zero");
        assert_eq!(zero.risk(), RiskClass::High);
        let json = serde_json::to_value(&zero).unwrap();
        assert_eq!(json["type"], "scale_workload");
        let image = Action::SetImage {
            target: ObjectRef::namespaced("Deployment", "a", "web"),
            container: "app".into(),
            image: "web:2".into(),
        };
        assert_eq!(image.operation(), "patch_resource");
        let Some(ops::Action::Patch { patch }) = image.cluster_action() else {
            panic!("a patch")
        };
        assert_eq!(patch["spec"]["template"]["spec"]["containers"][0]["image"], "web:2");
        let ns = Action::DeleteObject {
            target: ObjectRef::new("Namespace", None, "prod"),
        };
        assert_eq!(ns.operation(), "delete_namespace");
        assert!(
            Action::Manual {
                description: "x".into()
            }
            .cluster_action()
            .is_none()
        );
    }
}
