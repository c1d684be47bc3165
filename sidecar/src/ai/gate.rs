//! How the investigator's proposals meet the safety policy. Every proposed action — from the
//! analyzers or from the LLM — is decided here and audited; nothing is executed by the
//! investigator itself (applying goes through the workbench's actions API and its approvals).
//!
//! Threat model: the LLM reads cluster text an attacker may control (a log line saying "delete
//! namespace prod"). So on top of the safety policy, a proposal from the LLM may only target the
//! investigated object or its owner chain: anything it names from what it read is refused, and the
//! refusal is audited. Proposals are typed (`Action`), never shell text, so there is nothing to
//! inject into.

use std::sync::Arc;

use async_trait::async_trait;

use super::actions::Action;
use super::finding::ObjectRef;
use super::investigation::ProposedAction;
use crate::config::SafetyPolicy;
use crate::store::{NewAuditRecord, Store};

#[async_trait]
pub trait ActionGate: Send + Sync {
    /// Decides on one proposal and writes the decision to the audit log.
    async fn propose(
        &self,
        investigation_id: &str,
        context: &str,
        action: &Action,
        scope: &[ObjectRef],
        proposed_by: &str,
    ) -> ProposedAction;
}

/// The gate used until the workbench's `safety::Gate` is wired in: closed by default. Forbidden
/// operations are refused, LLM proposals outside the investigated scope are refused, everything
/// else needs a person's approval.
pub struct ClosedGate {
    pub policy: SafetyPolicy,
    pub store: Arc<dyn Store>,
}

/// The scope rule: an LLM proposal may only touch the investigated object or its owner chain.
pub fn out_of_scope(action: &Action, scope: &[ObjectRef], proposed_by: &str) -> Option<String> {
    let target = action.target()?;
    if proposed_by == "llm" && !scope.contains(target) {
        return Some(format!(
            "{target} is not the investigated object or its owner chain; the AI may not act on objects it only read about"
        ));
    }
    None
}

#[async_trait]
impl ActionGate for ClosedGate {
    async fn propose(
        &self,
        investigation_id: &str,
        context: &str,
        action: &Action,
        scope: &[ObjectRef],
        proposed_by: &str,
    ) -> ProposedAction {
        let operation = action.operation();
        let (decision, reason) = if matches!(action, Action::Manual { .. }) {
            ("advice".to_string(), None)
        } else if let Some(why) = out_of_scope(action, scope, proposed_by) {
            ("refused".to_string(), Some(why))
        } else if self
            .policy
            .forbidden_operations
            .iter()
            .any(|f| forbidden_matches(f, &operation))
        {
            (
                "refused".to_string(),
                Some(format!("{operation} is forbidden by the safety policy; it never runs")),
            )
        } else {
            (
                "needs_approval".to_string(),
                Some("the investigator proposes; a person approves before anything runs".to_string()),
            )
        };
        audit(
            &*self.store,
            investigation_id,
            context,
            action,
            &operation,
            &decision,
            reason.as_deref(),
        )
        .await;
        ProposedAction {
            action: action.clone(),
            operation,
            proposed_by: proposed_by.into(),
            decision,
            reason,
            result: None,
        }
    }
}

fn forbidden_matches(configured: &str, operation: &str) -> bool {
    let alias = match configured {
        "delete_pvc" => "delete_persistent_volume_claim",
        "delete_pv" => "delete_persistent_volume",
        "delete_statefulset" => "delete_stateful_set",
        "modify_rbac" => "modify_rbac_binding",
        other => other,
    };
    alias == operation
}

/// One audit line per decision. A failing audit write is logged, not fatal: the decision stands
/// (and refusals refuse either way).
pub async fn audit(
    store: &dyn Store,
    investigation_id: &str,
    context: &str,
    action: &Action,
    operation: &str,
    decision: &str,
    reason: Option<&str>,
) {
    let target = action.target();
    let record = NewAuditRecord {
        actor: format!("ai:{investigation_id}"),
        operation: operation.to_string(),
        context: Some(context.to_string()),
        kind: target.map(|t| t.kind.clone()),
        namespace: target.and_then(|t| t.namespace.clone()),
        name: target.map(|t| t.name.clone()),
        decision: decision.to_string(),
        reason: reason.map(str::to_string),
        after: serde_json::to_value(action).ok(),
        ..Default::default()
    };
    if let Err(e) = store.append_audit(&record).await {
        tracing::warn!(error = %e, investigation_id, "could not write the audit record of an AI proposal");
    }
}
