//! Taking an action through the gate: decide, then run now, park it for approval, or refuse;
//! every decision and every execution is written to the audit log with who asked, what, on
//! which object, before/after, the result and the request id.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use utoipa::ToSchema;

use super::{Actor, AiProposal, Decision, Gate, Target, risk};
use crate::cluster::ClusterManager;
use crate::cluster::ops::{self, Action, Outcome};
use crate::notices::{ApprovalState, Notice, Notices};
use crate::store::kept::{self, RETRY_EVERY};
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
    /// Where approvals requested and decided are announced (the UI's Approvals list).
    pub notices: Notices,
}

/// A write that records an action after it ran: kept until written when the disk is full.
#[derive(Clone)]
enum Record {
    Audit(Box<NewAuditRecord>),
    State {
        action_id: String,
        state: &'static str,
        result: Option<serde_json::Value>,
    },
}

impl Record {
    async fn write(&self, store: &dyn Store) -> Result<(), StoreError> {
        match self {
            Record::Audit(r) => store.append_audit(r).await.map(drop),
            Record::State {
                action_id,
                state,
                result,
            } => store.set_action_state(action_id, state, result.as_ref()).await,
        }
    }

    /// What the record says, for the log: never the objects' before and after, which are the
    /// store's to keep (a Secret's data must not reach the log).
    fn summary(&self) -> String {
        match self {
            Record::Audit(r) => format!(
                "audit of {}: {} {} {} {}/{} by {}: {}",
                r.action_id.as_deref().unwrap_or_default(),
                r.decision,
                r.operation,
                r.kind.as_deref().unwrap_or_default(),
                r.namespace.as_deref().unwrap_or_default(),
                r.name.as_deref().unwrap_or_default(),
                r.actor,
                r.result.as_deref().unwrap_or_default()
            ),
            Record::State { action_id, state, .. } => format!("state of {action_id}: {state}"),
        }
    }

    /// Writes it, or keeps it until there is room ([`kept::write_or_keep`]).
    async fn keep(self, store: Arc<dyn Store>, every: Duration) {
        let what = self.summary();
        kept::write_or_keep(what, every, move || {
            let (record, store) = (self.clone(), store.clone());
            async move { record.write(store.as_ref()).await }
        })
        .await;
    }
}

const INTERRUPTED: &str =
    "the sidecar stopped while this change was being made; whether it reached the cluster is unknown: check the object";

/// The audit record of an action a stopped sidecar left running.
fn interrupted_record(a: &ActionRecord) -> NewAuditRecord {
    NewAuditRecord {
        actor: match &a.investigation_id {
            Some(i) if a.origin == "ai" => format!("ai:{i}"),
            _ => a.origin.clone(),
        },
        operation: a.operation.clone(),
        context: Some(a.context.clone()),
        kind: Some(a.kind.clone()),
        namespace: a.namespace.clone(),
        name: Some(a.name.clone()),
        decision: "interrupted".into(),
        result: Some(format!("interrupted: {INTERRUPTED}")),
        action_id: Some(a.id.clone()),
        ..Default::default()
    }
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
        Record::Audit(Box::new(record))
            .keep(self.store.clone(), RETRY_EVERY)
            .await;
    }

    /// At start: actions left `running` by a sidecar that stopped while making them (killed,
    /// crashed, the machine lost power). Whether each change reached the cluster is unknown, so
    /// each is marked `interrupted` and written to the audit log saying so, instead of
    /// vanishing from it. Returns how many there were.
    pub async fn audit_interrupted(&self) -> Result<usize, StoreError> {
        let error = serde_json::json!({ "error": INTERRUPTED });
        let stopped = self.store.interrupt_orphaned(&error, interrupted_record).await?;
        for a in &stopped {
            tracing::warn!(action = %a.id, operation = %a.operation, context = %a.context, name = %a.name, "an action was interrupted by the sidecar stopping; audited as interrupted");
        }
        Ok(stopped.len())
    }

    /// Decides on `action` against `target` for `actor` and acts on the decision.
    pub async fn submit(
        &self,
        action: Action,
        target: Target,
        actor: &Actor,
        request_id: Option<&str>,
    ) -> Result<Submitted, ActionError> {
        let decision = judge(&action, &target, |op, t| self.gate.evaluate(op, t, actor));
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
        let decision = judge(&action, &target, |op, t| self.gate.evaluate_ai(op, t, proposal));
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
        let decision = match judge(&action, &target, |op, t| self.gate.evaluate(op, t, actor)) {
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
                let approval_id = self.store.request_approval(&record.id, &reason).await?;
                self.audit(
                    &record,
                    &actor_label,
                    ("needs_approval", Some(reason.clone())),
                    None,
                    None,
                    request_id,
                )
                .await;
                // After the audit record, so a client that re-reads on the notice finds both.
                self.announce(&approval_id, &record.id, ApprovalState::Requested);
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
            Ok(_) => {
                // Marked before the change is made, and nothing is changed unless the mark is
                // stored: if the sidecar is killed meanwhile, its next start finds the action
                // and audits it as interrupted ([`Actions::audit_interrupted`]).
                self.store.set_action_state(&record.id, "running", None).await?;
                ops::execute(&conn.client, &action, kind, ns, name, false).await
            }
            Err(e) => Err(e),
        };
        match result {
            // The change is made (or refused by the cluster) whatever happens next, so what
            // records it is written or kept for later, never turned into an error.
            Ok(outcome) => {
                let summary = serde_json::json!({"summary": outcome.summary});
                let state = Record::State {
                    action_id: record.id.clone(),
                    state: "applied",
                    result: Some(summary),
                };
                state.keep(self.store.clone(), RETRY_EVERY).await;
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
                let state = Record::State {
                    action_id: record.id.clone(),
                    state: "failed",
                    result: Some(serde_json::json!({"error": why})),
                };
                state.keep(self.store.clone(), RETRY_EVERY).await;
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
        self.announce(approval_id, &record.id, ApprovalState::Approved);
        let target = Target {
            context: record.context.clone(),
            kind: record.kind.clone(),
            namespace: record.namespace.clone(),
            name: record.name.clone(),
        };
        let approver = Actor::User(by.into());
        if let Decision::Refused(reason) = judge(&action, &target, |op, t| self.gate.evaluate(op, t, &approver)) {
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
        self.announce(approval_id, &record.id, ApprovalState::Rejected);
        record.state = "rejected".into();
        Ok(record)
    }

    fn announce(&self, approval_id: &str, action_id: &str, state: ApprovalState) {
        self.notices.send(Notice::Approval {
            approval_id: approval_id.into(),
            action_id: action_id.into(),
            state,
        });
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

/// Kinds whose change is a change of who may do what, whatever action writes them.
const RBAC_KINDS: &[&str] = &["Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"];

/// The stricter of two decisions: refused over needs approval over allowed (the first reason
/// of the strictest kind is kept).
fn stricter(a: Decision, b: Decision) -> Decision {
    let rank = |d: &Decision| match d {
        Decision::Allowed => 0,
        Decision::NeedsApproval(_) => 1,
        Decision::Refused(_) => 2,
    };
    if rank(&b) > rank(&a) { b } else { a }
}

/// The gate's decision on everything `action` writes. The declared target is judged, and for an
/// edit or an apply so is every object its content names: a request for namespace `shop` whose
/// YAML writes into `kube-system`, or that edits another object than the one it names, is
/// refused (submit it for what it changes), and each object is judged with the operation its
/// kind means (a RoleBinding in applied YAML is `modify_rbac_binding`).
pub(super) fn judge(action: &Action, target: &Target, evaluate: impl Fn(&str, &Target) -> Decision) -> Decision {
    let mut decision = evaluate(action.operation(&target.kind), target);
    let written = match ops::written(action, target.namespace.as_deref()) {
        Ok(w) => w,
        Err(why) => return stricter(decision, Decision::Refused(format!("the change cannot be read: {why}"))),
    };
    let declared = |w: &ops::Written| {
        format!(
            "{} {}{}",
            w.kind,
            w.namespace.as_deref().map(|n| format!("{n}/")).unwrap_or_default(),
            w.name
        )
    };
    for w in &written {
        if let Some(ns) = &target.namespace
            && w.namespace.as_deref() != Some(ns.as_str())
        {
            return Decision::Refused(format!(
                "the change writes {}, outside namespace {ns} it was submitted for; submit it for the namespace it changes",
                declared(w)
            ));
        }
        if matches!(action, Action::Edit { .. })
            && (!w.kind.eq_ignore_ascii_case(&target.kind) || w.name != target.name)
        {
            return Decision::Refused(format!(
                "the edited object is {}, not the {} {} the edit was submitted for",
                declared(w),
                target.kind,
                target.name
            ));
        }
        let operation = if RBAC_KINDS.contains(&w.kind.as_str()) {
            "modify_rbac_binding"
        } else {
            action.operation(&w.kind)
        };
        let t = Target {
            context: target.context.clone(),
            kind: w.kind.clone(),
            namespace: w.namespace.clone(),
            name: w.name.clone(),
        };
        decision = stricter(decision, evaluate(operation, &t));
    }
    decision
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{AuditPage, SqliteStore};

    #[tokio::test]
    async fn an_audit_record_refused_by_a_full_disk_is_written_when_there_is_room() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&crate::store::sqlite::test_config(dir.path())).unwrap();
        let record = NewAuditRecord {
            actor: "user:ada".into(),
            operation: "scale_deployment".into(),
            kind: Some("Deployment".into()),
            name: Some("web".into()),
            decision: "allowed".into(),
            // Large enough to need pages the full database cannot add.
            result: Some(format!("applied: {}", "x".repeat(32 * 1024))),
            action_id: Some("act-1".into()),
            ..Default::default()
        };
        let audited = || async {
            let (records, _) = store.list_audit(50, AuditPage::Offset(0)).await.unwrap();
            records.iter().any(|r| r.record.action_id.as_deref() == Some("act-1"))
        };
        store.pretend_disk_full(true).await;
        Record::Audit(Box::new(record))
            .keep(Arc::new(store.clone()), Duration::from_millis(20))
            .await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!audited().await, "written while the disk was full");

        store.pretend_disk_full(false).await;
        for _ in 0..250 {
            if audited().await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the kept audit record was not written once there was room");
    }
}
