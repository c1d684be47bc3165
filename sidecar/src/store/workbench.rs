//! What the workbench persists beyond settings and the audit log: approved exec-plugin
//! commands, and actions with their approvals (tables from migrations 0001 and 0002).

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{NewAuditRecord, StoreError};

/// An exec / auth-provider command the user approved for one context of one kubeconfig file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ExecApproval {
    pub context: String,
    pub kubeconfig_path: String,
    pub command_sha256: String,
    pub command_line: String,
    /// RFC 3339.
    pub approved_at: String,
}

/// An action against a cluster, proposed or taken by a person or by the AI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ActionRecord {
    pub id: String,
    pub created_at: String,
    pub updated_at: String,
    /// `user` or `ai`.
    pub origin: String,
    pub investigation_id: Option<String>,
    pub operation: String,
    pub context: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    #[schema(value_type = Object)]
    pub params: serde_json::Value,
    pub risk: String,
    /// proposed, pending_approval, approved, rejected, running (the change is being made),
    /// applied, failed, refused, interrupted (the sidecar stopped while it was running).
    pub state: String,
    #[schema(value_type = Option<Object>)]
    pub result: Option<serde_json::Value>,
}

/// A request for approval of one action, and its decision once made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ApprovalRecord {
    pub id: String,
    pub action_id: String,
    pub requested_at: String,
    pub decided_at: Option<String>,
    /// `approved` or `rejected`; absent while pending.
    pub decision: Option<String>,
    pub decided_by: Option<String>,
    /// Why it was rejected (given by the person who decided).
    pub reason: Option<String>,
    /// Why the safety gate asked for an approval (absent for requests from before this was kept).
    pub requested_because: Option<String>,
}

#[async_trait]
pub trait WorkbenchStore: Send + Sync {
    async fn exec_approval(
        &self,
        context: &str,
        kubeconfig_path: &str,
        sha256: &str,
    ) -> Result<Option<ExecApproval>, StoreError>;
    async fn approve_exec(&self, approval: &ExecApproval) -> Result<(), StoreError>;

    async fn insert_action(&self, action: &ActionRecord) -> Result<(), StoreError>;
    async fn get_action(&self, id: &str) -> Result<Option<ActionRecord>, StoreError>;
    /// Actions left `running` by a sidecar that is no longer running (killed, crashed, the
    /// machine lost power), oldest first: each is set to `interrupted` with `result` and
    /// audited with the record `audit` makes of it, in one transaction, so both happen or
    /// neither. Actions another replica is making while it runs are left alone (PostgreSQL: each
    /// sidecar holds a session lock while it runs; a SQLite file has one sidecar at a time).
    async fn interrupt_orphaned(
        &self,
        result: &serde_json::Value,
        audit: for<'a> fn(&'a ActionRecord) -> NewAuditRecord,
    ) -> Result<Vec<ActionRecord>, StoreError>;
    async fn set_action_state(
        &self,
        id: &str,
        state: &str,
        result: Option<&serde_json::Value>,
    ) -> Result<(), StoreError>;

    /// Opens an approval request for `action_id`; returns its id.
    /// Parks the action for a person's decision; `because` is the safety gate's reason.
    async fn request_approval(&self, action_id: &str, because: &str) -> Result<String, StoreError>;
    /// Pending requests, oldest first, each with its action.
    async fn pending_approvals(&self) -> Result<Vec<(ApprovalRecord, ActionRecord)>, StoreError>;
    async fn get_approval(&self, id: &str) -> Result<Option<ApprovalRecord>, StoreError>;
    /// Records the decision once; false when it was already decided (or does not exist).
    async fn decide_approval(
        &self,
        id: &str,
        decision: &str,
        by: &str,
        reason: Option<&str>,
    ) -> Result<bool, StoreError>;
}
