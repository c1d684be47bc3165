//! Taking an action through the gate: decide, then run now, park it for approval, or refuse;
//! every decision and every execution is written to the audit log with who asked, what, on
//! which object, before/after, the result and the request id.

use std::sync::Arc;

use serde::Serialize;
use utoipa::ToSchema;

use super::{Actor, AiProposal, Decision, Gate, Target, risk};
use crate::cluster::ClusterManager;
use crate::cluster::ops::{self, Action, Outcome};
use crate::store::{ActionRecord, NewAuditRecord, Store, StoreError};

/// What happened to a submitted action.
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Submitted {
    Applied {
        action_id: String,
        outcome: Outcome,
    },
    PendingApproval {
        action_id: String,
        approval_id: String,
        reason: String,
    },
    Refused {
        action_id: String,
        reason: String,
    },
    Failed {
        action_id: String,
        reason: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error("no such approval request: {0}")]
    UnknownApproval(String),
    #[error("approval {0} was already decided")]
    AlreadyDecided(String),
    #[error("{0}")]
    Cluster(#[from] crate::cluster::ClusterError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The gate plus what it needs to run and record actions.
#[derive(Clone)]
pub struct Actions {
    pub gate: Arc<Gate>,
    pub store: Arc<dyn Store>,
    pub clusters: Arc<ClusterManager>,
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl Actions {
    async fn audit(
        &self,
        a: &ActionRecord,
        actor: &str,
        (decision, reason): (&str, Option<String>),
        outcome: Option<&Outcome>,
        result: Option<String>,
        request_id: Option<&str>,
    ) {
        let record = NewAuditRecord {
            actor: actor.to_string(),
            operation: a.operation.clone(),
            context: Some(a.context.clone()),
            kind: Some(a.kind.clone()),
            namespace: a.namespace.clone(),
            name: Some(a.name.clone()),
            decision: decision.to_string(),
            reason,
            before: outcome.and_then(|o| o.before.clone()),
            after: outcome.and_then(|o| o.after.clone()),
            result,
            request_id: request_id.map(str::to_string),
            action_id: Some(a.id.clone()),
        };
        if let Err(e) = self.store.append_audit(&record).await {
            tracing::error!(error = %e, action = %a.id, "could not write the audit record");
        }
    }

    /// Decides on `action` against `target` for `actor` and acts on the decision.
    pub async fn submit(
        &self,
        action: Action,
        target: Target,
        actor: &Actor,
        request_id: Option<&str>,
    ) -> Result<Submitted, ActionError> {
        let decision = self.gate.evaluate(action.operation(&target.kind), &target, actor);
        self.act(action, target, actor, decision, request_id).await
    }

    /// An action the AI proposes for investigation `proposal.investigation_id`: the same gate
    /// (with the AI's scope rule, [`Gate::evaluate_ai`]), the same approvals and audit log.
    pub async fn submit_ai(
        &self,
        action: Action,
        target: Target,
        proposal: &AiProposal<'_>,
    ) -> Result<Submitted, ActionError> {
        let decision = self.gate.evaluate_ai(action.operation(&target.kind), &target, proposal);
        let actor = Actor::Ai(proposal.investigation_id.to_string());
        self.act(action, target, &actor, decision, None).await
    }

    /// A change proposed rather than clicked (a kubectl-like command in chat, typed by a person
    /// or asked for by the LLM): the gate decides as for any action, and what it would let run
    /// now waits for a person's approval instead. Nothing proposed this way runs on submission.
    pub async fn propose(
        &self,
        action: Action,
        target: Target,
        actor: &Actor,
        why: &str,
        request_id: Option<&str>,
    ) -> Result<Submitted, ActionError> {
        let decision = match self.gate.evaluate(action.operation(&target.kind), &target, actor) {
            Decision::Allowed => Decision::NeedsApproval(why.to_string()),
            other => other,
        };
        self.act(action, target, actor, decision, request_id).await
    }

    /// Records the decision and acts on it: refuse, park for approval, or run.
    async fn act(
        &self,
        action: Action,
        target: Target,
        actor: &Actor,
        decision: Decision,
        request_id: Option<&str>,
    ) -> Result<Submitted, ActionError> {
        let operation = action.operation(&target.kind);
        let (origin, investigation) = match actor {
            Actor::User(_) => ("user", None),
            Actor::Ai(i) => ("ai", Some(i.clone())),
        };
        let mut record = ActionRecord {
            id: format!("act-{}", uuid::Uuid::new_v4().simple()),
            created_at: now(),
            updated_at: now(),
            origin: origin.into(),
            investigation_id: investigation,
            operation: operation.into(),
            context: target.context.clone(),
            kind: target.kind.clone(),
            namespace: target.namespace.clone(),
            name: target.name.clone(),
            params: serde_json::to_value(&action).unwrap_or_default(),
            risk: format!("{:?}", risk(operation).unwrap_or(super::Risk::High)).to_lowercase(),
            state: "proposed".into(),
            result: None,
        };
        let actor_label = actor.label();
        match decision {
            Decision::Refused(reason) => {
                record.state = "refused".into();
                self.store.insert_action(&record).await?;
                self.audit(
                    &record,
                    &actor_label,
                    ("refused", Some(reason.clone())),
                    None,
                    None,
                    request_id,
                )
                .await;
                Ok(Submitted::Refused {
                    action_id: record.id,
                    reason,
                })
            }
            Decision::NeedsApproval(reason) => {
                record.state = "pending_approval".into();
                self.store.insert_action(&record).await?;
                let approval_id = self.store.request_approval(&record.id).await?;
                self.audit(
                    &record,
                    &actor_label,
                    ("needs_approval", Some(reason.clone())),
                    None,
                    None,
                    request_id,
                )
                .await;
                Ok(Submitted::PendingApproval {
                    action_id: record.id,
                    approval_id,
                    reason,
                })
            }
            Decision::Allowed => {
                self.store.insert_action(&record).await?;
                self.run(record, action, &actor_label, "allowed", None, request_id)
                    .await
            }
        }
    }

    async fn run(
        &self,
        record: ActionRecord,
        action: Action,
        actor: &str,
        decision: &str,
        reason: Option<String>,
        request_id: Option<&str>,
    ) -> Result<Submitted, ActionError> {
        let conn = self.clusters.connect(&record.context).await?;
        let (kind, ns, name) = (&record.kind, record.namespace.as_deref(), &record.name);
        // A server-side dry run first: the API server validates the change (admission, schema,
        // quota) before anything is stored.
        let result = match ops::execute(&conn.client, &action, kind, ns, name, true).await {
            Ok(_) => ops::execute(&conn.client, &action, kind, ns, name, false).await,
            Err(e) => Err(e),
        };
        match result {
            Ok(outcome) => {
                let summary = serde_json::json!({"summary": outcome.summary});
                self.store
                    .set_action_state(&record.id, "applied", Some(&summary))
                    .await?;
                self.audit(
                    &record,
                    actor,
                    (decision, reason),
                    Some(&outcome),
                    Some(format!("applied: {}", outcome.summary)),
                    request_id,
                )
                .await;
                Ok(Submitted::Applied {
                    action_id: record.id,
                    outcome,
                })
            }
            Err(e) => {
                let why = match &e {
                    kube::Error::Api(s) => format!("the API server refused ({}): {}", s.code, s.message),
                    other => crate::cluster::credentials::chain(other),
                };
                self.store
                    .set_action_state(&record.id, "failed", Some(&serde_json::json!({"error": why})))
                    .await?;
                self.audit(
                    &record,
                    actor,
                    (decision, reason),
                    None,
                    Some(format!("failed: {why}")),
                    request_id,
                )
                .await;
                Ok(Submitted::Failed {
                    action_id: record.id,
                    reason: why,
                })
            }
        }
    }

    /// A person approves a pending action: the gate is asked again (a forbidden operation never
    /// runs, whoever approves), then it runs.
    pub async fn approve(
        &self,
        approval_id: &str,
        by: &str,
        request_id: Option<&str>,
    ) -> Result<Submitted, ActionError> {
        let (record, action) = self.pending(approval_id).await?;
        if !self.store.decide_approval(approval_id, "approved", by, None).await? {
            return Err(ActionError::AlreadyDecided(approval_id.into()));
        }
        let target = Target {
            context: record.context.clone(),
            kind: record.kind.clone(),
            namespace: record.namespace.clone(),
            name: record.name.clone(),
        };
        if let Decision::Refused(reason) = self.gate.evaluate(&record.operation, &target, &Actor::User(by.into())) {
            self.store.set_action_state(&record.id, "refused", None).await?;
            self.audit(
                &record,
                &format!("user:{by}"),
                ("refused", Some(reason.clone())),
                None,
                None,
                request_id,
            )
            .await;
            return Ok(Submitted::Refused {
                action_id: record.id,
                reason,
            });
        }
        self.store.set_action_state(&record.id, "approved", None).await?;
        self.run(
            record,
            action,
            &format!("user:{by}"),
            "approved",
            Some(format!("approved by {by} ({approval_id})")),
            request_id,
        )
        .await
    }

    /// A person rejects a pending action, with a reason.
    pub async fn reject(
        &self,
        approval_id: &str,
        by: &str,
        reason: &str,
        request_id: Option<&str>,
    ) -> Result<ActionRecord, ActionError> {
        let (mut record, _) = self.pending(approval_id).await?;
        if !self
            .store
            .decide_approval(approval_id, "rejected", by, Some(reason))
            .await?
        {
            return Err(ActionError::AlreadyDecided(approval_id.into()));
        }
        self.store.set_action_state(&record.id, "rejected", None).await?;
        self.audit(
            &record,
            &format!("user:{by}"),
            ("rejected", Some(reason.to_string())),
            None,
            None,
            request_id,
        )
        .await;
        record.state = "rejected".into();
        Ok(record)
    }

    async fn pending(&self, approval_id: &str) -> Result<(ActionRecord, Action), ActionError> {
        let approval = self
            .store
            .get_approval(approval_id)
            .await?
            .ok_or_else(|| ActionError::UnknownApproval(approval_id.into()))?;
        if approval.decision.is_some() {
            return Err(ActionError::AlreadyDecided(approval_id.into()));
        }
        let record = self
            .store
            .get_action(&approval.action_id)
            .await?
            .ok_or_else(|| ActionError::UnknownApproval(approval_id.into()))?;
        let action: Action = serde_json::from_value(record.params.clone())
            .map_err(|_| ActionError::UnknownApproval(approval_id.into()))?;
        Ok((record, action))
    }
}
