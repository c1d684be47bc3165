//! [`WorkbenchStore`] for SQLite.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, Row, params};

use super::{SqliteStore, insert_audit, json_value, now};
use crate::store::workbench::{ActionRecord, ApprovalRecord, ExecApproval, WorkbenchStore};
use crate::store::{NewAuditRecord, StoreError};

const ACTION_COLUMNS: &str = "id, created_at, updated_at, origin, investigation_id, operation, context, kind, namespace, name, params, risk, state, result";

fn action(r: &Row<'_>, at: usize) -> rusqlite::Result<ActionRecord> {
    Ok(ActionRecord {
        id: r.get(at)?,
        created_at: r.get(at + 1)?,
        updated_at: r.get(at + 2)?,
        origin: r.get(at + 3)?,
        investigation_id: r.get(at + 4)?,
        operation: r.get(at + 5)?,
        context: r.get(at + 6)?,
        kind: r.get(at + 7)?,
        namespace: r.get(at + 8)?,
        name: r.get(at + 9)?,
        params: json_value(r.get(at + 10)?).unwrap_or_default(),
        risk: r.get(at + 11)?,
        state: r.get(at + 12)?,
        result: json_value(r.get(at + 13)?),
    })
}

fn approval(r: &Row<'_>) -> rusqlite::Result<ApprovalRecord> {
    Ok(ApprovalRecord {
        id: r.get(0)?,
        action_id: r.get(1)?,
        requested_at: r.get(2)?,
        decided_at: r.get(3)?,
        decision: r.get(4)?,
        decided_by: r.get(5)?,
        reason: r.get(6)?,
        requested_because: r.get(7)?,
    })
}

#[async_trait]
impl WorkbenchStore for SqliteStore {
    async fn exec_approval(&self, context: &str, path: &str, sha256: &str) -> Result<Option<ExecApproval>, StoreError> {
        let (context, path, sha) = (context.to_string(), path.to_string(), sha256.to_string());
        self.with("exec_approval", move |c| {
            c.query_row(
                "SELECT context, kubeconfig_path, command_sha256, command_line, approved_at FROM exec_approvals
                 WHERE context = ?1 AND kubeconfig_path = ?2 AND command_sha256 = ?3",
                params![context, path, sha],
                |r| {
                    Ok(ExecApproval {
                        context: r.get(0)?,
                        kubeconfig_path: r.get(1)?,
                        command_sha256: r.get(2)?,
                        command_line: r.get(3)?,
                        approved_at: r.get(4)?,
                    })
                },
            )
            .optional()
        })
        .await
    }

    async fn approve_exec(&self, a: &ExecApproval) -> Result<(), StoreError> {
        let a = a.clone();
        self.with("approve_exec", move |c| {
            c.execute(
                "INSERT OR REPLACE INTO exec_approvals (context, kubeconfig_path, command_sha256, command_line, approved_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![a.context, a.kubeconfig_path, a.command_sha256, a.command_line, a.approved_at],
            )
            .map(|_| ())
        })
        .await
    }

    async fn insert_action(&self, a: &ActionRecord) -> Result<(), StoreError> {
        let (a, runner) = (a.clone(), self.runner.clone());
        self.with("insert_action", move |c| {
            c.execute(
                &format!("INSERT INTO actions ({ACTION_COLUMNS}, runner) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"),
                params![
                    a.id,
                    a.created_at,
                    a.updated_at,
                    a.origin,
                    a.investigation_id,
                    a.operation,
                    a.context,
                    a.kind,
                    a.namespace,
                    a.name,
                    a.params.to_string(),
                    a.risk,
                    a.state,
                    a.result.as_ref().map(|v| v.to_string()),
                    &*runner
                ],
            )
            .map(|_| ())
        })
        .await
    }

    async fn get_action(&self, id: &str) -> Result<Option<ActionRecord>, StoreError> {
        let id = id.to_string();
        self.with("get_action", move |c| {
            c.query_row(
                &format!("SELECT {ACTION_COLUMNS} FROM actions WHERE id = ?1"),
                [id],
                |r| action(r, 0),
            )
            .optional()
        })
        .await
    }

    async fn interrupt_orphaned(
        &self,
        result: &serde_json::Value,
        audit: for<'a> fn(&'a ActionRecord) -> NewAuditRecord,
    ) -> Result<Vec<ActionRecord>, StoreError> {
        let (result, runner) = (result.to_string(), self.runner.clone());
        self.with("interrupt_orphaned", move |c| {
            let tx = c.transaction()?;
            // Any other runner's: one sidecar serves a SQLite file, so theirs has stopped.
            let orphans = tx
                .prepare(&format!(
                    "SELECT {ACTION_COLUMNS} FROM actions WHERE state = 'running' AND runner IS NOT ?1 ORDER BY created_at"
                ))?
                .query_map([&*runner], |r| action(r, 0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            for a in &orphans {
                insert_audit(&tx, &audit(a))?;
                tx.execute(
                    "UPDATE actions SET state = 'interrupted', result = ?2, updated_at = ?3, runner = ?4 WHERE id = ?1",
                    params![a.id, result, now(), &*runner],
                )?;
            }
            tx.commit()?;
            Ok(orphans)
        })
        .await
    }

    async fn set_action_state(
        &self,
        id: &str,
        state: &str,
        result: Option<&serde_json::Value>,
    ) -> Result<(), StoreError> {
        let (id, state, result) = (id.to_string(), state.to_string(), result.map(|v| v.to_string()));
        let runner = self.runner.clone();
        self.with("set_action_state", move |c| {
            c.execute(
                "UPDATE actions SET state = ?2, result = COALESCE(?3, result), updated_at = ?4, runner = ?5 WHERE id = ?1",
                params![id, state, result, now(), &*runner],
            )
            .map(|_| ())
        })
        .await
    }

    async fn request_approval(&self, action_id: &str, because: &str) -> Result<String, StoreError> {
        let (action_id, because) = (action_id.to_string(), because.to_string());
        let id = format!("apr-{}", uuid::Uuid::new_v4().simple());
        let out = id.clone();
        self.with("request_approval", move |c| {
            c.execute(
                "INSERT INTO approvals (id, action_id, requested_at, requested_because) VALUES (?1, ?2, ?3, ?4)",
                params![id, action_id, now(), because],
            )
        })
        .await?;
        Ok(out)
    }

    async fn pending_approvals(&self) -> Result<Vec<(ApprovalRecord, ActionRecord)>, StoreError> {
        self.with("pending_approvals", |c| {
            let cols: String = ACTION_COLUMNS
                .split(", ")
                .map(|k| format!("a.{k}"))
                .collect::<Vec<_>>()
                .join(", ");
            let mut stmt = c.prepare(&format!(
                "SELECT p.id, p.action_id, p.requested_at, p.decided_at, p.decision, p.decided_by, p.reason, p.requested_because, {cols}
                 FROM approvals p JOIN actions a ON a.id = p.action_id
                 WHERE p.decision IS NULL ORDER BY p.requested_at, p.id"
            ))?;
            let rows = stmt.query_map([], |r| Ok((approval(r)?, action(r, 8)?)))?;
            rows.collect()
        })
        .await
    }

    async fn get_approval(&self, id: &str) -> Result<Option<ApprovalRecord>, StoreError> {
        let id = id.to_string();
        self.with("get_approval", move |c| {
            c.query_row(
                "SELECT id, action_id, requested_at, decided_at, decision, decided_by, reason, requested_because FROM approvals WHERE id = ?1",
                [id],
                approval,
            )
            .optional()
        })
        .await
    }

    async fn decide_approval(
        &self,
        id: &str,
        decision: &str,
        by: &str,
        reason: Option<&str>,
    ) -> Result<bool, StoreError> {
        let (id, decision, by, reason) = (
            id.to_string(),
            decision.to_string(),
            by.to_string(),
            reason.map(str::to_string),
        );
        self.with("decide_approval", move |c| {
            c.execute(
                "UPDATE approvals SET decision = ?2, decided_by = ?3, reason = ?4, decided_at = ?5
                 WHERE id = ?1 AND decision IS NULL",
                params![id, decision, by, reason, now()],
            )
            .map(|n| n == 1)
        })
        .await
    }
}
