//! The safety gate: the one place that decides whether a change to a cluster may run now,
//! needs a person's approval first, or never runs. Every mutation — a click in the UI or an
//! action the AI proposes — asks [`Gate::evaluate`] and lands in the audit log.
//!
//! Threat model. The sidecar holds credentials that can change production clusters. The
//! dangers are (1) an LLM, or text an attacker planted in logs, events or annotations that the
//! LLM read, asking for a destructive change; (2) a mistaken click on a protected namespace;
//! (3) a policy typo quietly allowing more than intended. So the gate:
//!
//! - is closed by default: an operation it does not know is refused; autonomy level 1 (the
//!   default) lets the AI propose but never apply;
//! - refuses `forbidden_operations` at every level, for every actor, with no approval path;
//! - always asks for approval in `protected_namespaces` (and for cluster-wide operations on
//!   nodes when the actor is the AI), whatever the autonomy level;
//! - asks for approval for the `require_approval` operations (delete_pod, RBAC, scale to zero,
//!   network policies) and for every AI action above the risk the autonomy level allows;
//! - decides only from the typed operation and target, never from free text.
//!
//! What it is not: authorization. Kubernetes RBAC (checked with SelfSubjectAccessReview before
//! an action is offered) still applies to whatever the gate lets through.

pub mod actions;

use std::sync::atomic::{AtomicU8, Ordering};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::config::SafetyPolicy;
use crate::config::settings::{OPERATION_ALIASES, OPERATIONS};

/// Who asks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Actor {
    /// A person using the UI or API.
    User(String),
    /// The AI investigator, with the investigation that proposed the action.
    Ai(String),
}

impl Actor {
    pub fn label(&self) -> String {
        match self {
            Actor::User(u) => format!("user:{u}"),
            Actor::Ai(i) => format!("ai:{i}"),
        }
    }
}

/// What an operation would touch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Target {
    pub context: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

/// How much harm an operation can do if it is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    /// Reversible, no data loss (scale up/down, rollout restart, cordon).
    Low,
    /// Disrupts running work or changes configuration (rollback, drain, evict, apply, edit).
    Medium,
    /// Deletes things or changes who may do what.
    High,
}

/// The gate's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(tag = "decision", content = "reason", rename_all = "snake_case")]
pub enum Decision {
    Allowed,
    NeedsApproval(String),
    Refused(String),
}

impl Decision {
    pub fn label(&self) -> &'static str {
        match self {
            Decision::Allowed => "allowed",
            Decision::NeedsApproval(_) => "needs_approval",
            Decision::Refused(_) => "refused",
        }
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            Decision::Allowed => None,
            Decision::NeedsApproval(r) | Decision::Refused(r) => Some(r),
        }
    }
}

/// The canonical name of an operation (aliases like `delete_pvc` accepted), or None.
pub fn canonical(op: &str) -> Option<&'static str> {
    OPERATIONS
        .iter()
        .find(|o| **o == op)
        .copied()
        .or_else(|| OPERATION_ALIASES.iter().find(|(a, _)| *a == op).map(|(_, c)| *c))
}

/// The risk class of each known operation.
pub fn risk(op: &str) -> Option<Risk> {
    let op = canonical(op)?;
    Some(match op {
        "scale_deployment" | "scale_stateful_set" | "restart_rollout" | "cordon_node" | "uncordon_node" => Risk::Low,
        "rollback_deployment"
        | "drain_node"
        | "evict_pod"
        | "apply_manifest"
        | "edit_resource"
        | "patch_resource"
        | "scale_to_zero" => Risk::Medium,
        _ => Risk::High,
    })
}

/// The policy in force, from `ai.safety_policy`.
#[derive(Debug)]
pub struct Gate {
    /// Changed while running when a person picks another level in the UI.
    autonomy_level: AtomicU8,
    protected: Vec<String>,
    forbidden: Vec<&'static str>,
    require_approval: Vec<&'static str>,
}

/// Anything outside 1..=3 means the most careful level.
fn careful_level(level: u8) -> u8 {
    if (1..=3).contains(&level) { level } else { 1 }
}

impl Gate {
    pub fn new(policy: &SafetyPolicy) -> Gate {
        let ra = &policy.require_approval;
        let mut require_approval = Vec::new();
        if ra.delete_pod {
            require_approval.extend(["delete_pod", "evict_pod"]);
        }
        if ra.modify_rbac {
            require_approval.push("modify_rbac_binding");
        }
        if ra.scale_to_zero {
            require_approval.push("scale_to_zero");
        }
        if ra.modify_network_policy {
            require_approval.extend(["modify_network_policy", "disable_network_policy"]);
        }
        Gate {
            // Anything outside 1..=3 means the most careful level.
            autonomy_level: AtomicU8::new(careful_level(policy.autonomy_level)),
            protected: policy.protected_namespaces.clone(),
            forbidden: policy
                .forbidden_operations
                .iter()
                .filter_map(|o| canonical(o))
                .collect(),
            require_approval,
        }
    }

    /// The autonomy level decisions use now.
    pub fn autonomy_level(&self) -> u8 {
        self.autonomy_level.load(Ordering::SeqCst)
    }

    /// Applies a level chosen in the UI to every decision from now on.
    pub fn set_autonomy_level(&self, level: u8) {
        self.autonomy_level.store(careful_level(level), Ordering::SeqCst);
    }

    /// Whether `operation` on `target` by `actor` may run now.
    pub fn evaluate(&self, operation: &str, target: &Target, actor: &Actor) -> Decision {
        let Some(op) = canonical(operation) else {
            return Decision::Refused(format!(
                "'{operation}' is not an operation the safety policy knows; nothing runs that the policy cannot name"
            ));
        };
        if self.forbidden.contains(&op) {
            return Decision::Refused(format!(
                "{op} is forbidden by the safety policy (ai.safety_policy.forbidden_operations); it never runs, at any autonomy level"
            ));
        }
        // Deleting a namespace or a protected namespace itself is always at least approval.
        let ns = target
            .namespace
            .as_deref()
            .or((target.kind == "Namespace").then_some(target.name.as_str()));
        if let Some(ns) = ns.filter(|ns| self.protected.iter().any(|p| p == ns)) {
            return Decision::NeedsApproval(format!(
                "namespace '{ns}' is protected (ai.safety_policy.protected_namespaces): every change there needs approval"
            ));
        }
        if self.require_approval.contains(&op) {
            return Decision::NeedsApproval(format!("{op} needs approval (ai.safety_policy.require_approval)"));
        }
        let risk = risk(op).unwrap_or(Risk::High);
        match actor {
            // A person acting directly has already decided; RBAC and the rules above apply.
            Actor::User(_) => Decision::Allowed,
            Actor::Ai(_) => match (self.autonomy_level(), risk) {
                (1, _) => Decision::NeedsApproval("autonomy level 1: the AI proposes, a person applies".into()),
                (2, Risk::Low) => Decision::Allowed,
                (2, r) => Decision::NeedsApproval(
                    format!("autonomy level 2 applies only low-risk operations on its own; {op} is {r:?} risk")
                        .to_lowercase(),
                ),
                (_, Risk::High) if target.kind == "Node" => Decision::NeedsApproval(format!(
                    "{op} on a node affects every workload on it; it needs approval"
                )),
                _ => Decision::Allowed,
            },
        }
    }
}

/// Where an AI proposal comes from: the investigation, the objects it investigated (the target
/// and its owner chain; empty for a namespace or the whole cluster) and whether the LLM named
/// the action (rather than the deterministic analyzers, whose targets come from the cluster's
/// structure, not from text).
#[derive(Debug, Clone)]
pub struct AiProposal<'a> {
    pub investigation_id: &'a str,
    pub investigated: &'a [Target],
    pub from_llm: bool,
}

impl Gate {
    /// [`Gate::evaluate`] for the AI, plus its own rule: an action that runs without a person's
    /// approval may only touch the investigated object or its owner chain. The LLM reads text an
    /// attacker may have written, so anything else it names is refused outright; an analyzer's
    /// proposal outside that scope waits for approval.
    pub fn evaluate_ai(&self, operation: &str, target: &Target, proposal: &AiProposal) -> Decision {
        let decision = self.evaluate(operation, target, &Actor::Ai(proposal.investigation_id.into()));
        if matches!(decision, Decision::Refused(_)) || proposal.investigated.contains(target) {
            return decision;
        }
        let what = format!(
            "{} {}{}",
            target.kind,
            target.namespace.as_deref().map(|n| format!("{n}/")).unwrap_or_default(),
            target.name
        );
        if proposal.from_llm {
            return Decision::Refused(format!(
                "{what} is not the investigated object or its owner chain; the AI may not act on objects it only read about"
            ));
        }
        match decision {
            Decision::Allowed => Decision::NeedsApproval(format!(
                "{what} is outside the investigated object and its owner chain; a person approves"
            )),
            other => other,
        }
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
