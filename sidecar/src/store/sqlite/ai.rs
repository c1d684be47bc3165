//! [`AiStore`] for SQLite.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, Row, params};

use super::{SqliteStore, json_value};
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
                    row.at,
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
        let since = since.to_string();
        self.with("usage_since", move |c| {
            c.query_row(&format!("{USAGE_TOTALS} WHERE at >= ?1"), params![since], usage_totals)
        })
        .await
    }

    async fn usage_by_day(&self, since: &str) -> Result<Vec<DayUsage>, StoreError> {
        let since = since.to_string();
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

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&crate::store::sqlite::test_config(dir.path())).unwrap();
        (dir, store)
    }

    fn row(id: &str, at: &str, state: &str, ns: &str) -> InvestigationRow {
        InvestigationRow {
            id: id.into(),
            created_at: at.into(),
            updated_at: at.into(),
            context: "c".into(),
            target_kind: Some("Pod".into()),
            target_namespace: Some(ns.into()),
            target_name: Some("p".into()),
            question: None,
            state: state.into(),
            root_cause_code: None,
            document: serde_json::json!({"investigation_id": id}),
        }
    }

    #[tokio::test]
    async fn investigations_filter_page_and_count() {
        let (_d, s) = store();
        s.put_investigation(&row("a", "2026-01-01T00:00:00Z", "concluded", "shop"))
            .await
            .unwrap();
        s.put_investigation(&row("b", "2026-01-02T00:00:00Z", "failed", "shop"))
            .await
            .unwrap();
        s.put_investigation(&row("c", "2026-01-03T00:00:00Z", "concluded", "web"))
            .await
            .unwrap();
        let all = InvestigationFilter {
            limit: 10,
            ..Default::default()
        };
        let (items, total) = s.list_investigations(&all).await.unwrap();
        assert_eq!(total, 3);
        assert_eq!(items[0].id, "c");
        let f = InvestigationFilter {
            state: Some("concluded".into()),
            namespace: Some("shop".into()),
            limit: 10,
            offset: 0,
        };
        let (items, total) = s.list_investigations(&f).await.unwrap();
        assert_eq!((items.len(), total), (1, 1));
        let page = InvestigationFilter {
            limit: 1,
            offset: 1,
            ..Default::default()
        };
        assert_eq!(s.list_investigations(&page).await.unwrap().0[0].id, "b");
        assert_eq!(
            s.get_investigation("a").await.unwrap().unwrap().document["investigation_id"],
            "a"
        );
    }

    #[tokio::test]
    async fn insights_dedup_and_resolve() {
        let (_d, s) = store();
        let mut i = InsightRow {
            id: "1".into(),
            fingerprint: "F".into(),
            context: "c".into(),
            code: "OOM_KILLED".into(),
            severity: "critical".into(),
            kind: None,
            namespace: None,
            name: None,
            summary: "s".into(),
            evidence: serde_json::json!([]),
            first_seen: "t1".into(),
            last_seen: "t1".into(),
            resolved_at: None,
        };
        assert!(s.upsert_insight(&i).await.unwrap(), "a new insight is a change");
        i.id = "2".into();
        i.last_seen = "t2".into();
        assert!(
            !s.upsert_insight(&i).await.unwrap(),
            "seen again, saying the same: no change"
        );
        i.severity = "warning".into();
        assert!(s.upsert_insight(&i).await.unwrap(), "a new severity is a change");
        i.severity = "critical".into();
        assert!(s.upsert_insight(&i).await.unwrap());
        let open = InsightFilter {
            state: Some("open".into()),
            limit: 10,
            ..Default::default()
        };
        let all = InsightFilter {
            limit: 10,
            ..Default::default()
        };
        let (items, total) = s.list_insights(&open).await.unwrap();
        assert_eq!(total, 1);
        assert_eq!(
            (items[0].first_seen.as_str(), items[0].last_seen.as_str()),
            ("t1", "t2")
        );
        assert_eq!(s.resolve_insights_except("c", &[], "t3").await.unwrap(), 1);
        assert_eq!(s.list_insights(&open).await.unwrap().1, 0);
        assert_eq!(
            s.list_insights(&all).await.unwrap().0[0].resolved_at.as_deref(),
            Some("t3")
        );
        // Seen again: open again, first_seen kept.
        i.last_seen = "t4".into();
        assert!(s.upsert_insight(&i).await.unwrap(), "reopening is a change");
        let again = s.list_insights(&open).await.unwrap().0;
        assert_eq!(
            (again[0].first_seen.as_str(), again[0].resolved_at.as_deref()),
            ("t1", None)
        );
    }

    #[tokio::test]
    async fn a_namespace_scan_resolves_only_that_namespaces_insights() {
        let (_d, s) = store();
        let row = |fp: &str, ns: Option<&str>| InsightRow {
            id: fp.into(),
            fingerprint: fp.into(),
            context: "c".into(),
            code: "OOM_KILLED".into(),
            severity: "critical".into(),
            kind: Some("Deployment".into()),
            namespace: ns.map(str::to_string),
            name: Some("x".into()),
            summary: "s".into(),
            evidence: serde_json::json!([]),
            first_seen: "t1".into(),
            last_seen: "t1".into(),
            resolved_at: None,
        };
        for (fp, ns) in [("a1", Some("a")), ("a2", Some("a")), ("b1", Some("b")), ("n1", None)] {
            s.upsert_insight(&row(fp, ns)).await.unwrap();
        }
        assert_eq!(
            s.resolve_insights_in("c", Some("a"), &["a1".into()], "t2")
                .await
                .unwrap(),
            1
        );
        assert_eq!(s.resolve_insights_in("c", None, &[], "t2").await.unwrap(), 1);
        let f = |state: &str| InsightFilter {
            state: Some(state.into()),
            limit: 10,
            ..Default::default()
        };
        let open: Vec<String> = s
            .list_insights(&f("open"))
            .await
            .unwrap()
            .0
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(open.len(), 2);
        assert!(open.contains(&"a1".to_string()) && open.contains(&"b1".to_string()));
        let by_ns = InsightFilter {
            namespace: Some("a".into()),
            limit: 10,
            ..Default::default()
        };
        let (items, total) = s.list_insights(&by_ns).await.unwrap();
        assert_eq!(total, 2);
        assert!(items[0].resolved_at.is_none(), "open insights come first");
    }

    #[tokio::test]
    async fn usage_sums_since_and_per_conversation() {
        let (_d, s) = store();
        for (at, t, conversation) in [
            ("2026-01-01T00:00:00Z", 10, Some("c1")),
            ("2026-02-01T00:00:00Z", 20, None),
            ("2026-02-02T00:00:00Z", 30, Some("c1")),
            ("2026-02-03T00:00:00Z", 40, Some("c2")),
        ] {
            s.record_usage(&UsageRecord {
                at: at.into(),
                provider: "openai".into(),
                model: "m".into(),
                operation: "investigate".into(),
                investigation_id: None,
                conversation_id: conversation.map(str::to_string),
                prompt_tokens: t,
                completion_tokens: 1,
                cost_usd: 0.5,
            })
            .await
            .unwrap();
        }
        let u = s.usage_since("2026-01-15T00:00:00Z").await.unwrap();
        assert_eq!((u.tokens, u.calls), (21 + 31 + 41, 3));
        let days = s.usage_by_day("2026-01-15T00:00:00Z").await.unwrap();
        assert_eq!(
            days.iter()
                .map(|d| (d.day.as_str(), d.tokens, d.calls))
                .collect::<Vec<_>>(),
            [("2026-02-01", 21, 1), ("2026-02-02", 31, 1), ("2026-02-03", 41, 1)],
            "one row per day with usage, from `since` on"
        );
        let c1 = s.usage_of_conversation("c1").await.unwrap();
        assert_eq!((c1.tokens, c1.calls, c1.cost_usd), (11 + 31, 2, 1.0));
        assert_eq!(s.usage_of_conversation("nobody").await.unwrap().calls, 0);

        // A second call late on the same UTC day adds to that day.
        s.record_usage(&UsageRecord {
            at: "2026-02-03T23:59:59+00:00".into(),
            provider: "openai".into(),
            model: "m".into(),
            operation: "chat".into(),
            investigation_id: None,
            conversation_id: None,
            prompt_tokens: 9,
            completion_tokens: 0,
            cost_usd: 0.25,
        })
        .await
        .unwrap();
        let last = s.usage_by_day("2026-02-03T00:00:00Z").await.unwrap();
        assert_eq!(
            last,
            [DayUsage {
                day: "2026-02-03".into(),
                tokens: 41 + 9,
                cost_usd: 0.75,
                calls: 2
            }]
        );
    }
}
