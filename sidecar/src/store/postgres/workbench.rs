//! [`WorkbenchStore`] for PostgreSQL.

use std::collections::HashMap;

use async_trait::async_trait;
use tokio_postgres::Row;

use super::{PostgresStore, insert_audit, opt_rfc3339, rfc3339, runner_key, time};
use crate::store::workbench::{ActionRecord, ApprovalRecord, ExecApproval, WorkbenchStore};
use crate::store::{NewAuditRecord, StoreError};

const ACTION_COLUMNS: &str = "id, created_at, updated_at, origin, investigation_id, operation, context, kind, namespace, name, params, risk, state, result";
const APPROVAL_COLUMNS: &str =
    "id, action_id, requested_at, decided_at, decision, decided_by, reason, requested_because";

fn action(r: &Row, at: usize) -> ActionRecord {
    ActionRecord {
        id: r.get(at),
        created_at: rfc3339(r.get(at + 1)),
        updated_at: rfc3339(r.get(at + 2)),
        origin: r.get(at + 3),
        investigation_id: r.get(at + 4),
        operation: r.get(at + 5),
        context: r.get(at + 6),
        kind: r.get(at + 7),
        namespace: r.get(at + 8),
        name: r.get(at + 9),
        params: r.get(at + 10),
        risk: r.get(at + 11),
        state: r.get(at + 12),
        result: r.get(at + 13),
    }
}

fn approval(r: &Row) -> ApprovalRecord {
    ApprovalRecord {
        id: r.get(0),
        action_id: r.get(1),
        requested_at: rfc3339(r.get(2)),
        decided_at: opt_rfc3339(r.get(3)),
        decision: r.get(4),
        decided_by: r.get(5),
        reason: r.get(6),
        requested_because: r.get(7),
    }
}

#[async_trait]
impl WorkbenchStore for PostgresStore {
    async fn exec_approval(&self, context: &str, path: &str, sha256: &str) -> Result<Option<ExecApproval>, StoreError> {
        self.with("exec_approval", async |c| {
            let row = c
                .query_opt(
                    "SELECT context, kubeconfig_path, command_sha256, command_line, approved_at FROM exec_approvals
                     WHERE context = $1 AND kubeconfig_path = $2 AND command_sha256 = $3",
                    &[&context, &path, &sha256],
                )
                .await?;
            Ok(row.map(|r| ExecApproval {
                context: r.get(0),
                kubeconfig_path: r.get(1),
                command_sha256: r.get(2),
                command_line: r.get(3),
                approved_at: rfc3339(r.get(4)),
            }))
        })
        .await
    }

    async fn approve_exec(&self, a: &ExecApproval) -> Result<(), StoreError> {
        self.with("approve_exec", async |c| {
            c.execute(
                "INSERT INTO exec_approvals (context, kubeconfig_path, command_sha256, command_line, approved_at)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (context, kubeconfig_path, command_sha256)
                 DO UPDATE SET command_line = excluded.command_line, approved_at = excluded.approved_at",
                &[
                    &a.context,
                    &a.kubeconfig_path,
                    &a.command_sha256,
                    &a.command_line,
                    &time(&a.approved_at),
                ],
            )
            .await
            .map(|_| ())
        })
        .await
    }

    async fn insert_action(&self, a: &ActionRecord) -> Result<(), StoreError> {
        self.with("insert_action", async |c| {
            c.execute(
                &format!(
                    "INSERT INTO actions ({ACTION_COLUMNS}, runner)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
                ),
                &[
                    &a.id,
                    &time(&a.created_at),
                    &time(&a.updated_at),
                    &a.origin,
                    &a.investigation_id,
                    &a.operation,
                    &a.context,
                    &a.kind,
                    &a.namespace,
                    &a.name,
                    &a.params,
                    &a.risk,
                    &a.state,
                    &a.result,
                    &&*self.runner,
                ],
            )
            .await
            .map(|_| ())
        })
        .await
    }

    async fn get_action(&self, id: &str) -> Result<Option<ActionRecord>, StoreError> {
        self.with("get_action", async |c| {
            let row = c
                .query_opt(&format!("SELECT {ACTION_COLUMNS} FROM actions WHERE id = $1"), &[&id])
                .await?;
            Ok(row.map(|r| action(&r, 0)))
        })
        .await
    }

    async fn interrupt_orphaned(
        &self,
        result: &serde_json::Value,
        audit: for<'a> fn(&'a ActionRecord) -> NewAuditRecord,
    ) -> Result<Vec<ActionRecord>, StoreError> {
        let fail = |e| self.error("interrupt_orphaned", e);
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(fail)?;
        // Rows another replica is recovering at this moment are skipped, not waited for.
        let rows = tx
            .query(
                &format!(
                    "SELECT {ACTION_COLUMNS}, runner FROM actions WHERE state = 'running' AND runner IS DISTINCT FROM $1
                     ORDER BY created_at FOR UPDATE SKIP LOCKED"
                ),
                &[&&*self.runner],
            )
            .await
            .map_err(fail)?;
        let mut stopped: HashMap<Option<String>, bool> = HashMap::new();
        let mut orphans = Vec::new();
        for row in &rows {
            let runner: Option<String> = row.get(14);
            let gone = match stopped.get(&runner) {
                Some(gone) => *gone,
                None => {
                    // A runner that holds its lock is alive. Taking it for the transaction
                    // also keeps a replica recovering at the same moment off its actions.
                    let gone = match &runner {
                        None => true, // marked running before runners were recorded
                        Some(r) => tx
                            .query_one("SELECT pg_try_advisory_xact_lock($1)", &[&runner_key(r)])
                            .await
                            .map_err(fail)?
                            .get(0),
                    };
                    stopped.insert(runner, gone);
                    gone
                }
            };
            if !gone {
                continue;
            }
            let a = action(row, 0);
            insert_audit(&*tx, &audit(&a)).await.map_err(fail)?;
            tx.execute(
                "UPDATE actions SET state = 'interrupted', result = $2, updated_at = now(), runner = $3 WHERE id = $1",
                &[&a.id, result, &&*self.runner],
            )
            .await
            .map_err(fail)?;
            orphans.push(a);
        }
        tx.commit().await.map_err(fail)?;
        Ok(orphans)
    }

    async fn set_action_state(
        &self,
        id: &str,
        state: &str,
        result: Option<&serde_json::Value>,
    ) -> Result<(), StoreError> {
        self.with("set_action_state", async |c| {
            c.execute(
                "UPDATE actions SET state = $2, result = COALESCE($3, result), updated_at = now(), runner = $4 WHERE id = $1",
                &[&id, &state, &result, &&*self.runner],
            )
            .await
            .map(|_| ())
        })
        .await
    }

    async fn request_approval(&self, action_id: &str, because: &str) -> Result<String, StoreError> {
        let id = format!("apr-{}", uuid::Uuid::new_v4().simple());
        self.with("request_approval", async |c| {
            c.execute(
                "INSERT INTO approvals (id, action_id, requested_at, requested_because) VALUES ($1, $2, now(), $3)",
                &[&id, &action_id, &because],
            )
            .await
        })
        .await?;
        Ok(id)
    }

    async fn pending_approvals(&self) -> Result<Vec<(ApprovalRecord, ActionRecord)>, StoreError> {
        self.with("pending_approvals", async |c| {
            let prefixed = |columns: &str, table: &str| {
                columns
                    .split(", ")
                    .map(|k| format!("{table}.{k}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let rows = c
                .query(
                    &format!(
                        "SELECT {}, {} FROM approvals p JOIN actions a ON a.id = p.action_id
                         WHERE p.decision IS NULL ORDER BY p.requested_at, p.id",
                        prefixed(APPROVAL_COLUMNS, "p"),
                        prefixed(ACTION_COLUMNS, "a")
                    ),
                    &[],
                )
                .await?;
            Ok(rows.iter().map(|r| (approval(r), action(r, 8))).collect())
        })
        .await
    }

    async fn get_approval(&self, id: &str) -> Result<Option<ApprovalRecord>, StoreError> {
        self.with("get_approval", async |c| {
            let row = c
                .query_opt(
                    &format!("SELECT {APPROVAL_COLUMNS} FROM approvals WHERE id = $1"),
                    &[&id],
                )
                .await?;
            Ok(row.as_ref().map(approval))
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
        // Decided once, whichever replica gets there first: the update only matches while
        // the request is still open.
        self.with("decide_approval", async |c| {
            c.execute(
                "UPDATE approvals SET decision = $2, decided_by = $3, reason = $4, decided_at = now()
                 WHERE id = $1 AND decision IS NULL",
                &[&id, &decision, &by, &reason],
            )
            .await
            .map(|n| n == 1)
        })
        .await
    }
}
