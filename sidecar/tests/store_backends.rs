//! The store's contract, checked once and run against both backends: SQLite (the desktop app)
//! and a real PostgreSQL server (the in-cluster deployment), so that what a screen shows does
//! not depend on where the data lives. Each PostgreSQL case gets a server of its own.

#![cfg(unix)]

mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use common::postgres::Postgres;
use kubilitics::config;
use kubilitics::store::ai::{DayUsage, InsightFilter, InsightRow, InvestigationFilter, InvestigationRow, UsageRecord};
use kubilitics::store::{
    ActionRecord, AuditPage, AuditRecord, ExecApproval, NewAuditRecord, PostgresStore, SqliteStore, Store,
};
use serde_json::json;

/// Opens another store on a backend's data.
type Reopen = Box<dyn Fn() -> Pin<Box<dyn Future<Output = Arc<dyn Store>> + Send>> + Send + Sync>;

/// A store, how to open another on the same data (as the next sidecar to start, or another
/// replica, would), and what keeps the data alive (its directory or its server).
struct Backend {
    store: Arc<dyn Store>,
    another: Reopen,
    _keep: Box<dyn std::any::Any + Send>,
}

fn sqlite() -> Backend {
    let dir = tempfile::tempdir().unwrap();
    let config = sqlite_config(dir.path());
    let store = SqliteStore::open(&config).unwrap();
    Backend {
        store: Arc::new(store),
        another: Box::new(move || {
            let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&config).unwrap());
            Box::pin(std::future::ready(store))
        }),
        _keep: Box::new(dir),
    }
}

fn sqlite_config(dir: &std::path::Path) -> config::Sqlite {
    config::Sqlite {
        path: dir.join("data.db").display().to_string(),
        journal_mode: "WAL".into(),
        cache_size: 1000,
        busy_timeout: 5000,
        synchronous: "NORMAL".into(),
    }
}

async fn postgresql() -> Backend {
    let server = tokio::task::spawn_blocking(Postgres::start).await.unwrap();
    let config = server.store_config();
    let store = PostgresStore::open(&config).await.unwrap();
    Backend {
        store: Arc::new(store),
        another: Box::new(move || {
            let config = config.clone();
            Box::pin(async move { Arc::new(PostgresStore::open(&config).await.unwrap()) as Arc<dyn Store> })
        }),
        _keep: Box::new(server),
    }
}

/// `check` as two tests: `check::sqlite` and `check::postgresql`.
macro_rules! on_both_stores {
    ($($check:ident),* $(,)?) => {$(
        mod $check {
            #[tokio::test]
            async fn sqlite() {
                super::$check(&super::sqlite()).await;
            }

            #[tokio::test]
            async fn postgresql() {
                super::$check(&super::postgresql().await).await;
            }
        }
    )*};
}

on_both_stores!(
    settings_are_kept_as_json_and_listed_by_key,
    the_audit_log_pages_newest_first_and_stays_stable_while_written,
    exec_approvals_are_per_exact_command,
    an_approval_is_decided_once_and_keeps_both_reasons,
    actions_a_stopped_sidecar_left_running_are_interrupted_and_audited_once,
    investigations_filter_page_and_count,
    insights_are_deduplicated_resolved_and_reopened,
    a_namespace_scan_resolves_only_that_namespaces_insights,
    usage_sums_since_per_day_and_per_conversation,
    chat_history_is_the_last_messages_oldest_first,
);

async fn settings_are_kept_as_json_and_listed_by_key(b: &Backend) {
    let s = &*b.store;
    s.put_setting("theme", &json!("dark")).await.unwrap();
    s.put_setting("window", &json!({"w": 1200, "h": 800})).await.unwrap();
    let again = s.put_setting("theme", &json!("light")).await.unwrap();
    assert_eq!(again.value, "light");
    assert!(again.updated_at.ends_with('Z'), "RFC 3339 in UTC: {}", again.updated_at);
    assert_eq!(s.get_setting("theme").await.unwrap().unwrap().value, "light");
    assert_eq!(s.get_setting("window").await.unwrap().unwrap().value["w"], 1200);
    assert!(s.get_setting("nothing").await.unwrap().is_none());
    let keys: Vec<String> = s.list_settings().await.unwrap().into_iter().map(|x| x.key).collect();
    assert_eq!(keys, ["theme", "window"]);
    s.ping().await.unwrap();
}

async fn the_audit_log_pages_newest_first_and_stays_stable_while_written(b: &Backend) {
    let s = &*b.store;
    let record = |name: &str| NewAuditRecord {
        actor: "user".into(),
        operation: "delete_pod".into(),
        name: Some(name.into()),
        decision: "refused".into(),
        before: Some(json!({"replicas": 3})),
        ..Default::default()
    };
    for name in ["a", "b", "c"] {
        s.append_audit(&record(name)).await.unwrap();
    }
    let names = |items: &[AuditRecord]| items.iter().map(|i| i.record.name.clone().unwrap()).collect::<Vec<_>>();
    let (first, total) = s.list_audit(2, AuditPage::Offset(0)).await.unwrap();
    assert_eq!((names(&first), total), (vec!["c".to_string(), "b".into()], 3));
    assert_eq!(first[0].record.before, Some(json!({"replicas": 3})));
    assert_eq!(first[0].record.after, None);

    // Written between two pages: by offset the next page repeats "b"; before the last id seen
    // it goes on where the first page ended.
    s.append_audit(&record("d")).await.unwrap();
    assert_eq!(
        names(&s.list_audit(2, AuditPage::Offset(2)).await.unwrap().0),
        ["b", "a"]
    );
    let (next, total) = s.list_audit(2, AuditPage::Before(first[1].id)).await.unwrap();
    assert_eq!((names(&next), total), (vec!["a".to_string()], 4));
}

async fn exec_approvals_are_per_exact_command(b: &Backend) {
    let s = &*b.store;
    let a = ExecApproval {
        context: "prod".into(),
        kubeconfig_path: "/k".into(),
        command_sha256: "aa".into(),
        command_line: "aws eks get-token".into(),
        approved_at: "2026-11-28T10:00:00.123Z".into(),
    };
    s.approve_exec(&a).await.unwrap();
    s.approve_exec(&a).await.unwrap();
    assert_eq!(s.exec_approval("prod", "/k", "aa").await.unwrap(), Some(a));
    assert_eq!(s.exec_approval("prod", "/k", "bb").await.unwrap(), None);
    assert_eq!(s.exec_approval("dev", "/k", "aa").await.unwrap(), None);
}

fn action(id: &str, created_at: &str, state: &str) -> ActionRecord {
    ActionRecord {
        id: id.into(),
        created_at: created_at.into(),
        updated_at: created_at.into(),
        origin: "ai".into(),
        investigation_id: Some("inv-1".into()),
        operation: "delete_pod".into(),
        context: "c".into(),
        kind: "Pod".into(),
        namespace: Some("kube-system".into()),
        name: "p".into(),
        params: json!({"grace": 30}),
        risk: "high".into(),
        state: state.into(),
        result: None,
    }
}

async fn an_approval_is_decided_once_and_keeps_both_reasons(b: &Backend) {
    let s = &*b.store;
    let a = action("act-1", "2026-11-28T10:00:00.000Z", "pending_approval");
    s.insert_action(&a).await.unwrap();
    let why = "namespace 'kube-system' is protected (ai.safety_policy.protected_namespaces)";
    let id = s.request_approval("act-1", why).await.unwrap();
    let pending = s.pending_approvals().await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].1, a, "the action comes back as it was stored");
    assert_eq!(pending[0].0.requested_because.as_deref(), Some(why));
    assert!(s.decide_approval(&id, "rejected", "me", Some("not now")).await.unwrap());
    assert!(
        !s.decide_approval(&id, "approved", "you", None).await.unwrap(),
        "decided once"
    );
    assert!(s.pending_approvals().await.unwrap().is_empty());
    let decided = s.get_approval(&id).await.unwrap().unwrap();
    assert_eq!(
        (
            decided.decision.as_deref(),
            decided.decided_by.as_deref(),
            decided.reason.as_deref()
        ),
        (Some("rejected"), Some("me"), Some("not now"))
    );
    assert_eq!(decided.requested_because.as_deref(), Some(why));
    assert!(decided.decided_at.is_some());
    assert!(s.get_approval("apr-nope").await.unwrap().is_none());
}

async fn actions_a_stopped_sidecar_left_running_are_interrupted_and_audited_once(b: &Backend) {
    let first = &*b.store;
    for (id, at, state) in [
        ("late", "2026-11-28T10:00:02.000Z", "approved"),
        ("early", "2026-11-28T10:00:01.000Z", "approved"),
        ("done", "2026-11-28T10:00:00.000Z", "approved"),
    ] {
        first.insert_action(&action(id, at, state)).await.unwrap();
    }
    first.set_action_state("late", "running", None).await.unwrap();
    first
        .set_action_state("early", "running", Some(&json!({"step": 1})))
        .await
        .unwrap();
    first
        .set_action_state("done", "applied", Some(&json!({"scaled": 3})))
        .await
        .unwrap();
    // The first sidecar stops without finishing; the next one to start finds what it left.
    first.close().await.unwrap();
    let next = (b.another)().await;
    let error = json!({"error": "stopped"});
    let mut interrupted = Vec::new();
    // A stopped PostgreSQL session's lock is given back as its server process ends: soon.
    for _ in 0..50 {
        interrupted = next.interrupt_orphaned(&error, interrupted_record).await.unwrap();
        if !interrupted.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let ids: Vec<&str> = interrupted.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["early", "late"], "oldest first; not the applied one");
    let early = next.get_action("early").await.unwrap().unwrap();
    assert_eq!(
        (early.state.as_str(), early.result),
        ("interrupted", Some(error.clone()))
    );
    assert_eq!(next.get_action("done").await.unwrap().unwrap().state, "applied");
    let (audit, _) = next.list_audit(10, AuditPage::Offset(0)).await.unwrap();
    let audited: Vec<(&str, &str)> = audit
        .iter()
        .map(|r| (r.record.action_id.as_deref().unwrap(), r.record.decision.as_str()))
        .collect();
    assert_eq!(audited, [("late", "interrupted"), ("early", "interrupted")]);

    // Once: and what the sidecar itself is running is not its own orphan.
    next.insert_action(&action("mine", "2026-11-28T10:00:03.000Z", "approved"))
        .await
        .unwrap();
    next.set_action_state("mine", "running", None).await.unwrap();
    assert!(
        next.interrupt_orphaned(&error, interrupted_record)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(next.list_audit(10, AuditPage::Offset(0)).await.unwrap().1, 2);
}

fn interrupted_record(a: &ActionRecord) -> NewAuditRecord {
    NewAuditRecord {
        actor: a.origin.clone(),
        operation: a.operation.clone(),
        name: Some(a.name.clone()),
        decision: "interrupted".into(),
        action_id: Some(a.id.clone()),
        ..Default::default()
    }
}

fn investigation(id: &str, at: &str, state: &str, ns: &str) -> InvestigationRow {
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
        document: json!({"investigation_id": id}),
    }
}

async fn investigations_filter_page_and_count(b: &Backend) {
    let s = &*b.store;
    s.put_investigation(&investigation("a", "2026-01-01T00:00:00.000Z", "reasoning", "shop"))
        .await
        .unwrap();
    s.put_investigation(&investigation("b", "2026-01-02T00:00:00.000Z", "failed", "shop"))
        .await
        .unwrap();
    s.put_investigation(&investigation("c", "2026-01-03T00:00:00.000Z", "concluded", "web"))
        .await
        .unwrap();
    // Replaced whole, as the engine writes it at each step.
    let mut a = investigation("a", "2026-01-01T00:00:00.000Z", "concluded", "shop");
    a.root_cause_code = Some("OOM_KILLED".into());
    a.document = json!({"investigation_id": "a", "root_cause": {"code": "OOM_KILLED"}});
    s.put_investigation(&a).await.unwrap();

    let all = InvestigationFilter {
        limit: 10,
        ..Default::default()
    };
    let (items, total) = s.list_investigations(&all).await.unwrap();
    assert_eq!(total, 3);
    assert_eq!(items.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(), ["c", "b", "a"]);
    let f = InvestigationFilter {
        state: Some("concluded".into()),
        namespace: Some("shop".into()),
        limit: 10,
        offset: 0,
    };
    let (items, total) = s.list_investigations(&f).await.unwrap();
    assert_eq!((items.len(), total), (1, 1));
    assert_eq!(items[0], a, "read back as written");
    let page = InvestigationFilter {
        limit: 1,
        offset: 1,
        ..Default::default()
    };
    assert_eq!(s.list_investigations(&page).await.unwrap().0[0].id, "b");
    assert!(s.get_investigation("zzz").await.unwrap().is_none());
}

fn insight(fingerprint: &str, ns: Option<&str>, at: &str) -> InsightRow {
    InsightRow {
        id: format!("ins-{fingerprint}"),
        fingerprint: fingerprint.into(),
        context: "c".into(),
        code: "OOM_KILLED".into(),
        severity: "critical".into(),
        kind: Some("Deployment".into()),
        namespace: ns.map(str::to_string),
        name: Some("x".into()),
        summary: "s".into(),
        evidence: json!([{"kind": "Pod", "name": "x-1"}]),
        first_seen: at.into(),
        last_seen: at.into(),
        resolved_at: None,
    }
}

async fn insights_are_deduplicated_resolved_and_reopened(b: &Backend) {
    let s = &*b.store;
    let (t1, t2, t3, t4) = (
        "2026-11-28T10:00:01.000Z",
        "2026-11-28T10:00:02.000Z",
        "2026-11-28T10:00:03.000Z",
        "2026-11-28T10:00:04.000Z",
    );
    let mut i = insight("F", None, t1);
    assert!(s.upsert_insight(&i).await.unwrap(), "a new insight is a change");
    i.id = "ins-other".into();
    i.last_seen = t2.into();
    assert!(
        !s.upsert_insight(&i).await.unwrap(),
        "seen again, saying the same: no change"
    );
    i.severity = "warning".into();
    assert!(s.upsert_insight(&i).await.unwrap(), "a new severity is a change");
    i.evidence = json!([{"kind": "Pod", "name": "x-2"}]);
    assert!(s.upsert_insight(&i).await.unwrap(), "new evidence is a change");
    let open = InsightFilter {
        state: Some("open".into()),
        limit: 10,
        ..Default::default()
    };
    let (items, total) = s.list_insights(&open).await.unwrap();
    assert_eq!(total, 1);
    assert_eq!(
        (
            items[0].id.as_str(),
            items[0].first_seen.as_str(),
            items[0].last_seen.as_str()
        ),
        ("ins-F", t1, t2),
        "one insight per fingerprint, first seen kept"
    );
    assert_eq!(s.resolve_insights_except("c", &[], t3).await.unwrap(), 1);
    assert_eq!(s.list_insights(&open).await.unwrap().1, 0);
    let resolved = InsightFilter {
        state: Some("resolved".into()),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(
        s.list_insights(&resolved).await.unwrap().0[0].resolved_at.as_deref(),
        Some(t3)
    );
    i.last_seen = t4.into();
    assert!(s.upsert_insight(&i).await.unwrap(), "reopening is a change");
    let again = s.list_insights(&open).await.unwrap().0;
    assert_eq!(
        (again[0].first_seen.as_str(), again[0].resolved_at.as_deref()),
        (t1, None)
    );
    assert_eq!(
        s.resolve_insights_except("c", &["F".into()], t4).await.unwrap(),
        0,
        "what the scan saw stays open"
    );
}

async fn a_namespace_scan_resolves_only_that_namespaces_insights(b: &Backend) {
    let s = &*b.store;
    let t1 = "2026-11-28T10:00:01.000Z";
    for (fp, ns) in [("a1", Some("a")), ("a2", Some("a")), ("b1", Some("b")), ("n1", None)] {
        s.upsert_insight(&insight(fp, ns, t1)).await.unwrap();
    }
    let t2 = "2026-11-28T10:00:02.000Z";
    assert_eq!(
        s.resolve_insights_in("c", Some("a"), &["a1".into()], t2).await.unwrap(),
        1
    );
    assert_eq!(
        s.resolve_insights_in("c", None, &[], t2).await.unwrap(),
        1,
        "cluster-scoped"
    );
    assert_eq!(s.resolve_insights_in("other", Some("b"), &[], t2).await.unwrap(), 0);
    let f = |state: &str| InsightFilter {
        state: Some(state.into()),
        limit: 10,
        ..Default::default()
    };
    let mut open: Vec<String> = s
        .list_insights(&f("open"))
        .await
        .unwrap()
        .0
        .into_iter()
        .map(|r| r.fingerprint)
        .collect();
    open.sort();
    assert_eq!(open, ["a1", "b1"]);
    let by_ns = InsightFilter {
        namespace: Some("a".into()),
        limit: 10,
        ..Default::default()
    };
    let (items, total) = s.list_insights(&by_ns).await.unwrap();
    assert_eq!(total, 2);
    assert!(items[0].resolved_at.is_none(), "open insights come first");
    let by_code = InsightFilter {
        code: Some("CRASH_LOOP".into()),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(s.list_insights(&by_code).await.unwrap().1, 0);
}

fn usage(at: &str, tokens: u64, conversation: Option<&str>, cost_usd: f64) -> UsageRecord {
    UsageRecord {
        at: at.into(),
        provider: "openai".into(),
        model: "m".into(),
        operation: "investigate".into(),
        investigation_id: None,
        conversation_id: conversation.map(str::to_string),
        prompt_tokens: tokens,
        completion_tokens: 1,
        cost_usd,
    }
}

async fn usage_sums_since_per_day_and_per_conversation(b: &Backend) {
    let s = &*b.store;
    for (at, t, conversation) in [
        ("2026-01-01T00:00:00Z", 10, Some("c1")),
        ("2026-02-01T00:00:00Z", 20, None),
        ("2026-02-02T00:00:00Z", 30, Some("c1")),
        ("2026-02-03T00:00:00Z", 40, Some("c2")),
    ] {
        s.record_usage(&usage(at, t, conversation, 0.5)).await.unwrap();
    }
    let u = s.usage_since("2026-01-15T00:00:00Z").await.unwrap();
    assert_eq!((u.tokens, u.calls, u.cost_usd), (21 + 31 + 41, 3, 1.5));
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
    assert_eq!(s.usage_since("2027-01-01T00:00:00Z").await.unwrap().tokens, 0);

    // Late on the same UTC day, written with an offset: it counts for that UTC day.
    s.record_usage(&usage("2026-02-04T01:59:59+02:00", 9, None, 0.25))
        .await
        .unwrap();
    let last = s.usage_by_day("2026-02-03T00:00:00Z").await.unwrap();
    assert_eq!(
        last,
        [DayUsage {
            day: "2026-02-03".into(),
            tokens: 41 + 10,
            cost_usd: 0.75,
            calls: 2
        }]
    );
}

async fn chat_history_is_the_last_messages_oldest_first(b: &Backend) {
    let s = &*b.store;
    use kubilitics::store::ai::ChatMessageRow;
    for (n, conversation) in [(1, "a"), (2, "b"), (3, "a"), (4, "a")] {
        s.append_chat(&ChatMessageRow {
            conversation_id: conversation.into(),
            at: format!("2026-11-28T10:00:0{n}.000Z"),
            role: if n % 2 == 1 { "user" } else { "assistant" }.into(),
            context: Some("c".into()),
            content: format!("message {n}"),
        })
        .await
        .unwrap();
    }
    let history = s.chat_history("a", 2).await.unwrap();
    assert_eq!(
        history.iter().map(|m| m.content.as_str()).collect::<Vec<_>>(),
        ["message 3", "message 4"]
    );
    assert_eq!(history[0].at, "2026-11-28T10:00:03.000Z");
    assert!(s.chat_history("nobody", 5).await.unwrap().is_empty());
}
