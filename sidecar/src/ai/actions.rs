//! Typed remediation actions: what an analyzer or the LLM may propose. Never shell text; every
//! action names its target as an [`ObjectRef`], has an operation name (the names
//! `safety_policy.forbidden_operations` and `require_approval` use) and a risk class. Whether
//! an action runs is not decided here: the safety gate decides (`ai::gate`).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::finding::ObjectRef;

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

    /// The operation name the safety policy speaks of (`config::settings::OPERATIONS`:
    /// `delete_pod`, `scale_to_zero`, `delete_secret`, `delete_persistent_volume_claim`...).
    pub fn operation(&self) -> String {
        match self {
            Action::RestartWorkload { .. } => "restart_rollout".into(),
            Action::ScaleWorkload { replicas: 0, .. } => "scale_to_zero".into(),
            Action::ScaleWorkload { target, .. } if target.kind == "StatefulSet" => "scale_stateful_set".into(),
            Action::ScaleWorkload { .. } => "scale_deployment".into(),
            Action::RollbackDeployment { .. } => "rollback_deployment".into(),
            Action::SetImage { .. }
            | Action::SetMemoryLimit { .. }
            | Action::ResumeCronJob { .. }
            | Action::SetHpaMaxReplicas { .. } => "patch_resource".into(),
            Action::DeletePod { .. } => "delete_pod".into(),
            Action::DeleteObject { target } => match target.kind.as_str() {
                "NetworkPolicy" => "disable_network_policy".into(),
                "Role" | "RoleBinding" | "ClusterRole" | "ClusterRoleBinding" => "modify_rbac_binding".into(),
                "Deployment"
                | "StatefulSet"
                | "DaemonSet"
                | "Job"
                | "Service"
                | "ConfigMap"
                | "Secret"
                | "Namespace"
                | "PersistentVolumeClaim"
                | "PersistentVolume"
                | "Pod" => format!("delete_{}", snake(&target.kind)),
                _ => "delete_resource".into(),
            },
            Action::UncordonNode { .. } => "uncordon_node".into(),
            Action::Manual { .. } => "manual".into(),
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

/// `PersistentVolumeClaim` → `persistent_volume_claim`.
fn snake(kind: &str) -> String {
    let mut out = String::new();
    for (i, c) in kind.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
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
    }
}
