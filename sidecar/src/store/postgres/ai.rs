//! [`AiStore`] for PostgreSQL.

use async_trait::async_trait;
use tokio_postgres::Row;

use super::{PostgresStore, opt_rfc3339, rfc3339, time};
use crate::store::StoreError;
use crate::store::ai::{
    AiStore, ChatMessageRow, DayUsage, InsightFilter, InsightRow, InvestigationFilter, InvestigationRow, UsageRecord,
    UsageTotals,
};

const INVESTIGATION_COLUMNS: &str = "id, created_at, updated_at, context, target_kind, target_namespace, target_name, question, state, root_cause_code, document";

fn investigation(r: &Row) -> InvestigationRow {
    InvestigationRow {
        id: r.get(0),
        created_at: rfc3339(r.get(1)),
        updated_at: rfc3339(r.get(2)),
        context: r.get(3),
        target_kind: r.get(4),
        target_namespace: r.get(5),
        target_name: r.get(6),
        question: r.get(7),
        state: r.get(8),
        root_cause_code: r.get(9),
        document: r.get(10),
    }
}

const INSIGHT_COLUMNS: &str = "id, fingerprint, context, code, severity, kind, namespace, name, summary, evidence, first_seen, last_seen, resolved_at";

fn insight(r: &Row) -> InsightRow {
    InsightRow {
        id: r.get(0),
        fingerprint: r.get(1),
        context: r.get(2),
        code: r.get(3),
        severity: r.get(4),
        kind: r.get(5),
        namespace: r.get(6),
        name: r.get(7),
        summary: r.get(8),
        evidence: r.get(9),
        first_seen: rfc3339(r.get(10)),
        last_seen: rfc3339(r.get(11)),
        resolved_at: opt_rfc3339(r.get(12)),
    }
}

const USAGE_TOTALS: &str = "SELECT COALESCE(SUM(prompt_tokens + completion_tokens), 0)::BIGINT,
     COALESCE(SUM(cost_usd), 0.0)::DOUBLE PRECISION, COUNT(*) FROM llm_usage";

fn usage_totals(r: &Row) -> UsageTotals {
    UsageTotals {
        tokens: r.get::<_, i64>(0) as u64,
        cost_usd: r.get(1),
        calls: r.get::<_, i64>(2) as u64,
    }
}

#[async_trait]
impl AiStore for PostgresStore {
    async fn put_investigation(&self, row: &InvestigationRow) -> Result<(), StoreError> {
        self.with("put_investigation", async |c| {
            c.execute(
                &format!(
                    "INSERT INTO investigations ({INVESTIGATION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                     ON CONFLICT (id) DO UPDATE SET created_at = excluded.created_at, updated_at = excluded.updated_at,
                     context = excluded.context, target_kind = excluded.target_kind,
                     target_namespace = excluded.target_namespace, target_name = excluded.target_name,
                     question = excluded.question, state = excluded.state,
                     root_cause_code = excluded.root_cause_code, document = excluded.document"
                ),
                &[
                    &row.id,
                    &time(&row.created_at),
                    &time(&row.updated_at),
                    &row.context,
                    &row.target_kind,
                    &row.target_namespace,
                    &row.target_name,
                    &row.question,
                    &row.state,
                    &row.root_cause_code,
                    &row.document,
                ],
            )
            .await
            .map(|_| ())
        })
        .await
    }

    async fn get_investigation(&self, id: &str) -> Result<Option<InvestigationRow>, StoreError> {
        self.with("get_investigation", async |c| {
            let row = c
                .query_opt(
                    &format!("SELECT {INVESTIGATION_COLUMNS} FROM investigations WHERE id = $1"),
                    &[&id],
                )
                .await?;
            Ok(row.as_ref().map(investigation))
        })
        .await
    }

    async fn list_investigations(&self, f: &InvestigationFilter) -> Result<(Vec<InvestigationRow>, u64), StoreError> {
        self.with("list_investigations", async |c| {
            // NULL parameters match everything: one statement for every filter combination.
            let filter = "($1::TEXT IS NULL OR state = $1) AND ($2::TEXT IS NULL OR target_namespace = $2)";
            let total: i64 = c
                .query_one(
                    &format!("SELECT COUNT(*) FROM investigations WHERE {filter}"),
                    &[&f.state, &f.namespace],
                )
                .await?
                .get(0);
            let rows = c
                .query(
                    &format!(
                        "SELECT {INVESTIGATION_COLUMNS} FROM investigations WHERE {filter}
                         ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4"
                    ),
                    &[&f.state, &f.namespace, &i64::from(f.limit), &i64::from(f.offset)],
                )
                .await?;
            Ok((rows.iter().map(investigation).collect(), total as u64))
        })
        .await
    }

    async fn upsert_insight(&self, row: &InsightRow) -> Result<bool, StoreError> {
        self.with("upsert_insight", async |c| {
            // The row as it was (locked) and the upsert in one statement: of two replicas
            // refreshing the same insight at once, the second sees the first's version.
            let changed: bool = c
                .query_one(
                    &format!(
                        "WITH before AS (
                             SELECT summary, severity, evidence, resolved_at IS NOT NULL AS resolved
                             FROM insights WHERE fingerprint = $2 FOR UPDATE
                         ), upsert AS (
                             INSERT INTO insights ({INSIGHT_COLUMNS})
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL)
                             ON CONFLICT (fingerprint) DO UPDATE SET last_seen = excluded.last_seen,
                             summary = excluded.summary, severity = excluded.severity,
                             evidence = excluded.evidence, resolved_at = NULL
                         )
                         SELECT NOT EXISTS (
                             SELECT 1 FROM before WHERE NOT resolved AND summary = $9 AND severity = $5
                             AND evidence = $10
                         )"
                    ),
                    &[
                        &row.id,
                        &row.fingerprint,
                        &row.context,
                        &row.code,
                        &row.severity,
                        &row.kind,
                        &row.namespace,
                        &row.name,
                        &row.summary,
                        &row.evidence,
                        &time(&row.first_seen),
                        &time(&row.last_seen),
                    ],
                )
                .await?
                .get(0);
            Ok(changed)
        })
        .await
    }

    async fn resolve_insights_except(&self, context: &str, seen: &[String], at: &str) -> Result<u64, StoreError> {
        self.with("resolve_insights", async |c| {
            c.execute(
                "UPDATE insights SET resolved_at = $3 WHERE context = $1 AND resolved_at IS NULL
                 AND NOT (fingerprint = ANY($2))",
                &[&context, &seen, &time(at)],
            )
            .await
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
        self.with("resolve_insights_in", async |c| {
            c.execute(
                "UPDATE insights SET resolved_at = $3 WHERE context = $1 AND namespace IS NOT DISTINCT FROM $4
                 AND resolved_at IS NULL AND NOT (fingerprint = ANY($2))",
                &[&context, &seen, &time(at), &namespace],
            )
            .await
        })
        .await
    }

    async fn list_insights(&self, f: &InsightFilter) -> Result<(Vec<InsightRow>, u64), StoreError> {
        self.with("list_insights", async |c| {
            let filter = "($1::TEXT IS NULL OR ($1 = 'open' AND resolved_at IS NULL) OR ($1 = 'resolved' AND resolved_at IS NOT NULL))
                 AND ($2::TEXT IS NULL OR context = $2) AND ($3::TEXT IS NULL OR namespace = $3)
                 AND ($4::TEXT IS NULL OR code = $4)";
            let params: [&(dyn tokio_postgres::types::ToSql + Sync); 4] = [&f.state, &f.context, &f.namespace, &f.code];
            let total: i64 = c
                .query_one(&format!("SELECT COUNT(*) FROM insights WHERE {filter}"), &params)
                .await?
                .get(0);
            let (limit, offset) = (i64::from(f.limit), i64::from(f.offset));
            let rows = c
                .query(
                    &format!(
                        "SELECT {INSIGHT_COLUMNS} FROM insights WHERE {filter}
                         ORDER BY resolved_at IS NOT NULL, last_seen DESC, id LIMIT $5 OFFSET $6"
                    ),
                    &[params[0], params[1], params[2], params[3], &limit, &offset],
                )
                .await?;
            Ok((rows.iter().map(insight).collect(), total as u64))
        })
        .await
    }

    async fn append_chat(&self, row: &ChatMessageRow) -> Result<(), StoreError> {
        self.with("append_chat", async |c| {
            c.execute(
                "INSERT INTO chat_messages (conversation_id, at, role, context, content) VALUES ($1, $2, $3, $4, $5)",
                &[
                    &row.conversation_id,
                    &time(&row.at),
                    &row.role,
                    &row.context,
                    &row.content,
                ],
            )
            .await
            .map(|_| ())
        })
        .await
    }

    async fn chat_history(&self, conversation_id: &str, limit: u32) -> Result<Vec<ChatMessageRow>, StoreError> {
        self.with("chat_history", async |c| {
            let rows = c
                .query(
                    "SELECT conversation_id, at, role, context, content FROM
                     (SELECT * FROM chat_messages WHERE conversation_id = $1 ORDER BY id DESC LIMIT $2) AS last
                     ORDER BY id",
                    &[&conversation_id, &i64::from(limit)],
                )
                .await?;
            Ok(rows
                .iter()
                .map(|r| ChatMessageRow {
                    conversation_id: r.get(0),
                    at: rfc3339(r.get(1)),
                    role: r.get(2),
                    context: r.get(3),
                    content: r.get(4),
                })
                .collect())
        })
        .await
    }

    async fn record_usage(&self, row: &UsageRecord) -> Result<(), StoreError> {
        self.with("record_usage", async |c| {
            c.execute(
                "INSERT INTO llm_usage (at, provider, model, operation, investigation_id, conversation_id,
                                        prompt_tokens, completion_tokens, cost_usd)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                &[
                    &time(&row.at),
                    &row.provider,
                    &row.model,
                    &row.operation,
                    &row.investigation_id,
                    &row.conversation_id,
                    &(row.prompt_tokens as i64),
                    &(row.completion_tokens as i64),
                    &row.cost_usd,
                ],
            )
            .await
            .map(|_| ())
        })
        .await
    }

    async fn usage_since(&self, since: &str) -> Result<UsageTotals, StoreError> {
        self.with("usage_since", async |c| {
            let row = c
                .query_one(&format!("{USAGE_TOTALS} WHERE at >= $1"), &[&time(since)])
                .await?;
            Ok(usage_totals(&row))
        })
        .await
    }

    async fn usage_by_day(&self, since: &str) -> Result<Vec<DayUsage>, StoreError> {
        self.with("usage_by_day", async |c| {
            let rows = c
                .query(
                    "SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
                     COALESCE(SUM(prompt_tokens + completion_tokens), 0)::BIGINT,
                     COALESCE(SUM(cost_usd), 0.0)::DOUBLE PRECISION, COUNT(*)
                     FROM llm_usage WHERE at >= $1 GROUP BY day ORDER BY day",
                    &[&time(since)],
                )
                .await?;
            Ok(rows
                .iter()
                .map(|r| DayUsage {
                    day: r.get(0),
                    tokens: r.get::<_, i64>(1) as u64,
                    cost_usd: r.get(2),
                    calls: r.get::<_, i64>(3) as u64,
                })
                .collect())
        })
        .await
    }

    async fn usage_of_conversation(&self, conversation_id: &str) -> Result<UsageTotals, StoreError> {
        self.with("usage_of_conversation", async |c| {
            let row = c
                .query_one(
                    &format!("{USAGE_TOTALS} WHERE conversation_id = $1"),
                    &[&conversation_id],
                )
                .await?;
            Ok(usage_totals(&row))
        })
        .await
    }
}
