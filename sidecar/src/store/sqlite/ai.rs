//! [`AiStore`] for SQLite.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, Row, params};

use super::{SqliteStore, json_value, utc};
use crate::store::StoreError;
use crate::store::ai::{
    AiStore, ChatMessageRow, DayUsage, InsightFilter, InsightRow, InvestigationFilter, InvestigationRow, UsageRecord,
    UsageTotals,
};

const INVESTIGATION_COLUMNS: &str = "id, created_at, updated_at, context, target_kind, target_namespace, target_name, question, state, root_cause_code, document";

fn investigation(r: &Row<'_>) -> rusqlite::Result<InvestigationRow> {
    Ok(InvestigationRow {
        id: r.get(0)?,
        created_at: r.get(1)?,
        updated_at: r.get(2)?,
        context: r.get(3)?,
        target_kind: r.get(4)?,
        target_namespace: r.get(5)?,
        target_name: r.get(6)?,
        question: r.get(7)?,
        state: r.get(8)?,
        root_cause_code: r.get(9)?,
        document: json_value(r.get(10)?).unwrap_or_default(),
    })
}

const INSIGHT_COLUMNS: &str = "id, fingerprint, context, code, severity, kind, namespace, name, summary, evidence, first_seen, last_seen, resolved_at";

fn insight(r: &Row<'_>) -> rusqlite::Result<InsightRow> {
    Ok(InsightRow {
        id: r.get(0)?,
        fingerprint: r.get(1)?,
        context: r.get(2)?,
        code: r.get(3)?,
        severity: r.get(4)?,
        kind: r.get(5)?,
        namespace: r.get(6)?,
        name: r.get(7)?,
        summary: r.get(8)?,
        evidence: json_value(r.get(9)?).unwrap_or_default(),
        first_seen: r.get(10)?,
        last_seen: r.get(11)?,
        resolved_at: r.get(12)?,
    })
}

#[async_trait]
impl AiStore for SqliteStore {
    async fn put_investigation(&self, row: &InvestigationRow) -> Result<(), StoreError> {
        let row = row.clone();
        self.with("put_investigation", move |c| {
            c.execute(
                &format!("INSERT OR REPLACE INTO investigations ({INVESTIGATION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"),
                params![
                    row.id,
                    row.created_at,
                    row.updated_at,
                    row.context,
                    row.target_kind,
                    row.target_namespace,
                    row.target_name,
                    row.question,
                    row.state,
                    row.root_cause_code,
                    row.document.to_string()
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn get_investigation(&self, id: &str) -> Result<Option<InvestigationRow>, StoreError> {
        let id = id.to_string();
        self.with("get_investigation", move |c| {
            c.query_row(
                &format!("SELECT {INVESTIGATION_COLUMNS} FROM investigations WHERE id = ?1"),
                params![id],
                investigation,
            )
            .optional()
        })
        .await
    }

    async fn list_investigations(&self, f: &InvestigationFilter) -> Result<(Vec<InvestigationRow>, u64), StoreError> {
        let f = f.clone();
        self.with("list_investigations", move |c| {
            // NULL parameters match everything: one statement for every filter combination.
            let filter = "(?1 IS NULL OR state = ?1) AND (?2 IS NULL OR target_namespace = ?2)";
            let total: i64 = c.query_row(
                &format!("SELECT COUNT(*) FROM investigations WHERE {filter}"),
                params![f.state, f.namespace],
                |r| r.get(0),
            )?;
            let mut stmt = c.prepare(&format!(
                "SELECT {INVESTIGATION_COLUMNS} FROM investigations WHERE {filter} ORDER BY created_at DESC, id DESC LIMIT ?3 OFFSET ?4"
            ))?;
            let rows = stmt
                .query_map(params![f.state, f.namespace, f.limit, f.offset], investigation)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok((rows, total as u64))
        })
        .await
    }

    async fn upsert_insight(&self, row: &InsightRow) -> Result<bool, StoreError> {
        let row = row.clone();
        self.with("upsert_insight", move |c| {
            let evidence = row.evidence.to_string();
            let before: Option<(String, String, String, bool)> = c
                .query_row(
                    "SELECT summary, severity, evidence, resolved_at IS NOT NULL FROM insights WHERE fingerprint = ?1",
                    params![row.fingerprint],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?;
            let changed = before.is_none_or(|(summary, severity, was_evidence, resolved)| {
                resolved || summary != row.summary || severity != row.severity || was_evidence != evidence
            });
            c.execute(
                &format!(
                    "INSERT INTO insights ({INSIGHT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, NULL)
                     ON CONFLICT(fingerprint) DO UPDATE SET last_seen = excluded.last_seen, summary = excluded.summary,
                     severity = excluded.severity, evidence = excluded.evidence, resolved_at = NULL"
                ),
                params![
                    row.id,
                    row.fingerprint,
                    row.context,
                    row.code,
                    row.severity,
                    row.kind,
                    row.namespace,
                    row.name,
                    row.summary,
                    evidence,
                    row.first_seen,
                    row.last_seen
                ],
            )?;
            Ok(changed)
        })
        .await
    }

    async fn resolve_insights_except(&self, context: &str, seen: &[String], at: &str) -> Result<u64, StoreError> {
        let (context, seen, at) = (
            context.to_string(),
            serde_json::to_string(seen).unwrap_or_default(),
            at.to_string(),
        );
        self.with("resolve_insights", move |c| {
            let n = c.execute(
                "UPDATE insights SET resolved_at = ?3 WHERE context = ?1 AND resolved_at IS NULL
                 AND fingerprint NOT IN (SELECT value FROM json_each(?2))",
                params![context, seen, at],
            )?;
            Ok(n as u64)
        })
        .await
    }

    async fn resolve_insights_in(
        &self,
        context: &str,
        namespace: Option<&str>,
        seen: &[String],
        at: &str,
    ) -> Result<u64, StoreError> {
        let (context, namespace, seen, at) = (
            context.to_string(),
            namespace.map(str::to_string),
            serde_json::to_string(seen).unwrap_or_default(),
            at.to_string(),
        );
        self.with("resolve_insights_in", move |c| {
            let n = c.execute(
                "UPDATE insights SET resolved_at = ?3 WHERE context = ?1 AND namespace IS ?4 AND resolved_at IS NULL
                 AND fingerprint NOT IN (SELECT value FROM json_each(?2))",
                params![context, seen, at, namespace],
            )?;
            Ok(n as u64)
        })
        .await
    }

    async fn list_insights(&self, f: &InsightFilter) -> Result<(Vec<InsightRow>, u64), StoreError> {
        let f = f.clone();
        self.with("list_insights", move |c| {
            let filter =
                "(?1 IS NULL OR (?1 = 'open' AND resolved_at IS NULL) OR (?1 = 'resolved' AND resolved_at IS NOT NULL))
                 AND (?2 IS NULL OR context = ?2) AND (?3 IS NULL OR namespace = ?3) AND (?4 IS NULL OR code = ?4)";
            let total: i64 = c.query_row(
                &format!("SELECT COUNT(*) FROM insights WHERE {filter}"),
                params![f.state, f.context, f.namespace, f.code],
                |r| r.get(0),
            )?;
            let mut stmt = c.prepare(&format!(
                "SELECT {INSIGHT_COLUMNS} FROM insights WHERE {filter}
                 ORDER BY resolved_at IS NOT NULL, last_seen DESC, id LIMIT ?5 OFFSET ?6"
            ))?;
            let rows = stmt
                .query_map(
                    params![f.state, f.context, f.namespace, f.code, f.limit, f.offset],
                    insight,
                )?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok((rows, total as u64))
        })
        .await
    }

    async fn append_chat(&self, row: &ChatMessageRow) -> Result<(), StoreError> {
        let row = row.clone();
        self.with("append_chat", move |c| {
            c.execute(
                "INSERT INTO chat_messages (conversation_id, at, role, context, content) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![row.conversation_id, row.at, row.role, row.context, row.content],
            )?;
            Ok(())
        })
        .await
    }

    async fn chat_history(&self, conversation_id: &str, limit: u32) -> Result<Vec<ChatMessageRow>, StoreError> {
        let id = conversation_id.to_string();
        self.with("chat_history", move |c| {
            let mut stmt = c.prepare(
                "SELECT conversation_id, at, role, context, content FROM
                 (SELECT * FROM chat_messages WHERE conversation_id = ?1 ORDER BY id DESC LIMIT ?2) ORDER BY id",
            )?;
            stmt.query_map(params![id, limit], |r| {
                Ok(ChatMessageRow {
                    conversation_id: r.get(0)?,
                    at: r.get(1)?,
                    role: r.get(2)?,
                    context: r.get(3)?,
                    content: r.get(4)?,
                })
            })?
            .collect()
        })
        .await
    }

    async fn record_usage(&self, row: &UsageRecord) -> Result<(), StoreError> {
        let row = row.clone();
        self.with("record_usage", move |c| {
            c.execute(
                "INSERT INTO llm_usage (at, provider, model, operation, investigation_id, conversation_id, prompt_tokens, completion_tokens, cost_usd)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    utc(&row.at),
                    row.provider,
                    row.model,
                    row.operation,
                    row.investigation_id,
                    row.conversation_id,
                    row.prompt_tokens as i64,
                    row.completion_tokens as i64,
                    row.cost_usd
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn usage_since(&self, since: &str) -> Result<UsageTotals, StoreError> {
        let since = utc(since);
        self.with("usage_since", move |c| {
            c.query_row(&format!("{USAGE_TOTALS} WHERE at >= ?1"), params![since], usage_totals)
        })
        .await
    }

    async fn usage_by_day(&self, since: &str) -> Result<Vec<DayUsage>, StoreError> {
        let since = utc(since);
        self.with("usage_by_day", move |c| {
            // `at` is RFC 3339 in UTC, so its first ten characters are the UTC day.
            let mut stmt = c.prepare(
                "SELECT substr(at, 1, 10) AS day, COALESCE(SUM(prompt_tokens + completion_tokens), 0),
                 COALESCE(SUM(cost_usd), 0.0), COUNT(*) FROM llm_usage WHERE at >= ?1 GROUP BY day ORDER BY day",
            )?;
            let rows = stmt
                .query_map(params![since], |r| {
                    Ok(DayUsage {
                        day: r.get(0)?,
                        tokens: r.get::<_, i64>(1)? as u64,
                        cost_usd: r.get(2)?,
                        calls: r.get::<_, i64>(3)? as u64,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .await
    }

    async fn usage_of_conversation(&self, conversation_id: &str) -> Result<UsageTotals, StoreError> {
        let id = conversation_id.to_string();
        self.with("usage_of_conversation", move |c| {
            c.query_row(
                &format!("{USAGE_TOTALS} WHERE conversation_id = ?1"),
                params![id],
                usage_totals,
            )
        })
        .await
    }
}

const USAGE_TOTALS: &str =
    "SELECT COALESCE(SUM(prompt_tokens + completion_tokens), 0), COALESCE(SUM(cost_usd), 0.0), COUNT(*) FROM llm_usage";

fn usage_totals(r: &rusqlite::Row<'_>) -> rusqlite::Result<UsageTotals> {
    Ok(UsageTotals {
        tokens: r.get::<_, i64>(0)? as u64,
        cost_usd: r.get(1)?,
        calls: r.get::<_, i64>(2)? as u64,
    })
}
