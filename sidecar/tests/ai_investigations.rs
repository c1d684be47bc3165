//! Investigations through the HTTP API, without an LLM: start, progress to a conclusion named by
//! the analyzers, list/filter/page, get, cancel, time out, queue behind the concurrency bound,
//! export and import back. The cluster is an in-memory evidence source in the shape a real one
//! returns; `ai_scenarios.rs` runs the same API against the real control plane.

mod in_process;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use http::StatusCode;
use kubilitics::ai::analyzers::Scope;
use kubilitics::ai::budget::{Budget, PriceTable};
use kubilitics::ai::evidence::{EvidenceError, EvidenceSource, StaticSource};
use kubilitics::ai::service::Ai;
use kubilitics::ai::snapshot::Snapshot;
use kubilitics::api::{AppState, app};
use kubilitics::config::{self, Config, Inputs};
use kubilitics::store::{SqliteStore, Store};
use serde_json::{Value, json};

const TOKEN: &str = "test-token";

fn config(home: &std::path::Path, extra: &[(&str, &str)]) -> Config {
    let mut env: HashMap<String, String> = HashMap::new();
    env.insert("KUBILITICS_HOME".into(), home.display().to_string());
    env.insert("HOME".into(), home.display().to_string());
    for (k, v) in extra {
        env.insert(k.to_string(), v.to_string());
    }
    config::load(&Inputs { env: &env, flags: &[] })
        .expect("config loads")
        .config
}

struct Harness {
    _home: tempfile::TempDir,
    state: AppState,
}

fn harness(source: Arc<dyn EvidenceSource>, extra: &[(&str, &str)]) -> Harness {
    let home = tempfile::tempdir().unwrap();
    let cfg = config(home.path(), extra);
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&cfg.database.sqlite).unwrap());
    let mut state = AppState::new(Arc::new(cfg.clone()), store.clone(), TOKEN);
    let budget = Budget::new(cfg.ai.budget.clone(), store.clone(), PriceTable::default());
    let actions = state.actions();
    state.ai = Ai::new(cfg.ai.clone(), store, source, budget, actions, None);
    Harness { _home: home, state }
}

async fn call(h: &Harness, method: &str, uri: &str, body: Option<Value>) -> (StatusCode, Value) {
    in_process::request(&h.state, TOKEN, method, uri, body).await
}

async fn wait_terminal(h: &Harness, id: &str) -> Value {
    for _ in 0..200 {
        let (_, v) = call(h, "GET", &format!("/api/v1/ai/investigations/{id}"), None).await;
        if ["concluded", "failed", "timed_out", "cancelled"].contains(&v["state"].as_str().unwrap_or("")) {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("investigation {id} did not end");
}

/// A namespace with a crash-looping Deployment whose previous logs name a missing variable.
fn crashloop_snapshot() -> Snapshot {
    serde_json::from_value(json!({
        "deployments": [{"metadata": {"name": "mailer", "namespace": "shop", "uid": "d1"},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "mailer"}}, "template": {"spec": {"containers": [{"name": "app", "image": "m:1"}]}}},
            "status": {"replicas": 1, "readyReplicas": 0}}],
        "replicasets": [{"metadata": {"name": "mailer-5f7", "namespace": "shop", "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "mailer", "uid": "d1", "controller": true}]},
            "spec": {"selector": {"matchLabels": {"app": "mailer"}}}}],
        "pods": [{"metadata": {"name": "mailer-5f7-abc", "namespace": "shop", "labels": {"app": "mailer"},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "mailer-5f7", "uid": "r1", "controller": true}]},
            "spec": {"nodeName": "n1", "containers": [{"name": "app", "image": "m:1", "env": [{"name": "SMTP_PASSWORD", "value": "hunter2"}]}]},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "False"}],
                "containerStatuses": [{"name": "app", "image": "m:1", "imageID": "", "ready": false, "restartCount": 5,
                    "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 2m40s restarting failed container=app"}},
                    "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": chrono::Utc::now().to_rfc3339()}}}]}}],
        "logs": [{"namespace": "shop", "pod": "mailer-5f7-abc", "container": "app", "previous": true,
            "lines": ["mailer 1.12.4", "connecting with password=hunter2", "FATAL: required environment variable SMTP_PASSWORD is not set"]}]
    }))
    .unwrap()
}

/// A source that takes its time, to observe queueing, cancelling and timing out.
struct SlowSource(Duration);

#[async_trait]
impl EvidenceSource for SlowSource {
    async fn snapshot(&self, _: &str, _: &Scope) -> Result<Snapshot, EvidenceError> {
        tokio::time::sleep(self.0).await;
        Ok(Snapshot::default())
    }
    async fn logs(&self, _: &str, _: &str, _: &str, _: &str, _: bool, _: i64) -> Result<Vec<String>, EvidenceError> {
        Ok(Vec::new())
    }
}

#[tokio::test]
async fn an_investigation_concludes_with_the_analyzers_and_is_stored_listed_and_masked() {
    let h = harness(Arc::new(StaticSource(crashloop_snapshot())), &[]);
    let (status, v) = call(&h, "POST", "/api/v1/ai/investigations",
        Some(json!({"context": "dev", "target": {"kind": "Deployment", "namespace": "shop", "name": "mailer"}, "question": "why does mailer crash?"}))).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{v}");
    let id = v["investigation_id"].as_str().unwrap().to_string();
    let inv = wait_terminal(&h, &id).await;
    assert_eq!(inv["state"], "concluded", "{inv:#}");
    assert_eq!(inv["root_cause"]["code"], "CRASHLOOP_MISSING_ENV");
    assert!(inv["root_cause"]["confidence"].as_f64().unwrap() > 0.5);
    assert_eq!(inv["conclusion_source"], "analyzers");
    assert!(inv["llm_note"].as_str().unwrap().contains("no provider"));
    assert!(inv["explanation"].as_str().unwrap().contains("templated"));
    let states: Vec<&str> = inv["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["queued", "gathering", "analyzing", "concluded"]);
    assert!(!inv.to_string().contains("hunter2"), "credentials never stored: {inv}");

    let (_, list) = call(&h, "GET", "/api/v1/ai/investigations?limit=10", None).await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["investigation_id"], id.as_str());
    let (_, none) = call(&h, "GET", "/api/v1/ai/investigations?state=failed", None).await;
    assert_eq!(none["total"], 0);
    let (_, other_ns) = call(&h, "GET", "/api/v1/ai/investigations?namespace=web", None).await;
    assert_eq!(other_ns["total"], 0);
    let (status, err) = call(&h, "GET", "/api/v1/ai/investigations?state=bogus", None).await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad_request"))
    );
}

/// The runbook's export loop pages with `limit` and `offset`: newest first, each page a slice of
/// the same order, and `total` counts them all whatever the page.
#[tokio::test]
async fn the_list_pages_with_limit_and_offset() {
    let h = harness(Arc::new(StaticSource(crashloop_snapshot())), &[]);
    let mut ids = Vec::new();
    for _ in 0..3 {
        let id = start_mailer(&h).await;
        wait_terminal(&h, &id).await;
        ids.push(id);
    }
    let page = |offset: usize| {
        let h = &h;
        async move {
            let uri = format!("/api/v1/ai/investigations?limit=1&offset={offset}");
            let (status, v) = call(h, "GET", &uri, None).await;
            assert_eq!(status, StatusCode::OK, "{v}");
            assert_eq!(v["total"], 3, "{v}");
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["investigation_id"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(page(1).await, [ids[1].clone()], "the middle one");
    assert_eq!(page(0).await, [ids[2].clone()], "the newest first");
    assert_eq!(page(2).await, [ids[0].clone()]);
    assert!(page(3).await.is_empty());
}

#[tokio::test]
async fn bad_targets_and_unknown_ids_get_the_error_shape() {
    let h = harness(Arc::new(StaticSource(Snapshot::default())), &[]);
    let (status, v) = call(
        &h,
        "POST",
        "/api/v1/ai/investigations",
        Some(json!({"context": "dev", "target": {"kind": "Pod"}})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("kind and name"));
    let (status, v) = call(&h, "GET", "/api/v1/ai/investigations/nope", None).await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    let (status, _) = call(&h, "POST", "/api/v1/ai/investigations", Some(json!({"target": {}}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_namespace_or_the_whole_cluster_can_be_investigated() {
    let h = harness(Arc::new(StaticSource(crashloop_snapshot())), &[]);
    for body in [
        json!({"context": "dev", "target": {"namespace": "shop"}}),
        json!({"context": "dev"}),
    ] {
        let (_, v) = call(&h, "POST", "/api/v1/ai/investigations", Some(body)).await;
        let inv = wait_terminal(&h, v["investigation_id"].as_str().unwrap()).await;
        assert_eq!(inv["root_cause"]["code"], "CRASHLOOP_MISSING_ENV", "{inv:#}");
    }
}

#[tokio::test]
async fn cancel_ends_a_running_investigation_and_a_second_cancel_conflicts() {
    let h = harness(Arc::new(SlowSource(Duration::from_secs(30))), &[]);
    let (_, v) = call(&h, "POST", "/api/v1/ai/investigations", Some(json!({"context": "dev"}))).await;
    let id = v["investigation_id"].as_str().unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (status, v) = call(&h, "POST", &format!("/api/v1/ai/investigations/{id}/cancel"), None).await;
    assert_eq!(
        (status, v["state"].as_str()),
        (StatusCode::OK, Some("cancelled")),
        "{v}"
    );
    let (status, v) = call(&h, "POST", &format!("/api/v1/ai/investigations/{id}/cancel"), None).await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("conflict"))
    );
    assert_eq!(wait_terminal(&h, id).await["state"], "cancelled");
}

#[tokio::test]
async fn an_investigation_past_its_timeout_ends_timed_out() {
    let h = harness(
        Arc::new(SlowSource(Duration::from_secs(30))),
        &[("AI_INVESTIGATION_TIMEOUT", "1")],
    );
    let (_, v) = call(&h, "POST", "/api/v1/ai/investigations", Some(json!({"context": "dev"}))).await;
    let inv = wait_terminal(&h, v["investigation_id"].as_str().unwrap()).await;
    assert_eq!(inv["state"], "timed_out", "{inv:#}");
    assert!(inv["error"].as_str().unwrap().contains("timeout_seconds"));
}

#[tokio::test]
async fn investigations_past_the_concurrency_bound_queue() {
    let h = harness(
        Arc::new(SlowSource(Duration::from_millis(600))),
        &[("AI_INVESTIGATION_CONCURRENCY", "1")],
    );
    let (_, a) = call(&h, "POST", "/api/v1/ai/investigations", Some(json!({"context": "dev"}))).await;
    let (_, b) = call(&h, "POST", "/api/v1/ai/investigations", Some(json!({"context": "dev"}))).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (_, vb) = call(
        &h,
        "GET",
        &format!("/api/v1/ai/investigations/{}", b["investigation_id"].as_str().unwrap()),
        None,
    )
    .await;
    let (_, va) = call(
        &h,
        "GET",
        &format!("/api/v1/ai/investigations/{}", a["investigation_id"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(va["state"], "gathering");
    assert_eq!(vb["state"], "queued");
    let (_, status) = call(&h, "GET", "/api/v1/ai/status", None).await;
    assert!(status["investigations"]["queued"].as_i64().unwrap() >= 1, "{status}");
    assert_eq!(
        wait_terminal(&h, b["investigation_id"].as_str().unwrap()).await["state"],
        "concluded"
    );
}

#[tokio::test]
async fn export_all_and_import_back_into_an_empty_store() {
    let h = harness(Arc::new(StaticSource(crashloop_snapshot())), &[]);
    let id = start_mailer(&h).await;
    wait_terminal(&h, &id).await;
    let (status, export) = call(&h, "GET", "/api/v1/ai/investigations/export", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(export["investigations"].as_array().unwrap().len(), 1);

    let fresh = harness(Arc::new(StaticSource(Snapshot::default())), &[]);
    let (status, r) = call(&fresh, "POST", "/api/v1/ai/investigations/import", Some(export.clone())).await;
    assert_eq!(
        (status, r["imported"].as_u64(), r["skipped"].as_u64()),
        (StatusCode::OK, Some(1), Some(0)),
        "{r}"
    );
    let (_, r) = call(&fresh, "POST", "/api/v1/ai/investigations/import", Some(export)).await;
    assert_eq!(r["skipped"], 1);
    let (_, one) = call(&fresh, "GET", &format!("/api/v1/ai/investigations/{id}"), None).await;
    assert_eq!(one["root_cause"]["code"], "CRASHLOOP_MISSING_ENV");
}

#[tokio::test]
async fn status_reports_the_provider_and_token_usage_as_the_runbook_shows() {
    let h = harness(Arc::new(StaticSource(Snapshot::default())), &[]);
    let (status, v) = call(&h, "GET", "/api/v1/ai/status", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["status"], "operational");
    assert_eq!(v["llm_provider"]["connectivity"], "not_configured");
    assert_eq!(v["token_usage"]["daily_used"], 0);
    assert!(v["token_usage"]["daily_quota"].as_u64().unwrap() > 0);
}

/// Starts an investigation of the crash-looping Deployment; its id.
async fn start_mailer(h: &Harness) -> String {
    let target = json!({"kind": "Deployment", "namespace": "shop", "name": "mailer"});
    let (_, v) = call(
        h,
        "POST",
        "/api/v1/ai/investigations",
        Some(json!({"context": "dev", "target": target})),
    )
    .await;
    v["investigation_id"].as_str().unwrap().to_string()
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next text message, parsed.
async fn next(ws: &mut Ws) -> Value {
    use futures::StreamExt;
    loop {
        let m = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a message within 10 s")
            .unwrap()
            .unwrap();
        if let tokio_tungstenite::tungstenite::Message::Text(t) = m {
            return serde_json::from_str(&t).unwrap();
        }
    }
}

/// Progress over the workbench's WebSocket: a client subscribed to investigations sees every state
/// change of the one it started, in order, with the conclusion's code; a subscription to another
/// investigation sees none of it.
#[tokio::test]
async fn progress_streams_over_the_websocket() {
    use futures::SinkExt;
    use tokio_tungstenite::tungstenite::Message;

    let h = harness(Arc::new(StaticSource(crashloop_snapshot())), &[]);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let service = app(h.state.clone()).into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, service).await.unwrap() });
    let (status, ticket) = call(&h, "POST", "/api/v1/ws/ticket", None).await;
    assert_eq!(status, StatusCode::CREATED, "{ticket}");
    let url = format!("ws://{addr}/api/v1/ws?ticket={}", ticket["ticket"].as_str().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    for (id, only) in [("all", None), ("other", Some("no-such-investigation"))] {
        let msg = json!({"type": "investigations", "id": id, "investigation_id": only});
        ws.send(Message::Text(msg.to_string().into())).await.unwrap();
        let v = next(&mut ws).await;
        assert_eq!(
            (v["type"].as_str(), v["id"].as_str()),
            (Some("subscribed"), Some(id)),
            "{v}"
        );
    }

    let id = start_mailer(&h).await;
    let mut states = Vec::new();
    let mut last = Value::Null;
    while states.last() != Some(&"concluded".to_string()) {
        let v = next(&mut ws).await;
        assert_eq!(
            (v["type"].as_str(), v["id"].as_str()),
            (Some("investigation"), Some("all")),
            "{v}"
        );
        assert_eq!(v["progress"]["investigation_id"], id.as_str());
        states.push(v["progress"]["state"].as_str().unwrap().to_string());
        last = v;
    }
    assert_eq!(states, ["queued", "gathering", "analyzing", "concluded"]);
    assert!(
        last["progress"]["detail"]
            .as_str()
            .unwrap()
            .starts_with("CRASHLOOP_MISSING_ENV"),
        "{last}"
    );
    // The stored steps are what was streamed.
    let inv = wait_terminal(&h, &id).await;
    let stored: Vec<&str> = inv["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["state"].as_str().unwrap())
        .collect();
    assert_eq!(stored, states);
    // Nothing arrived for the other subscription: the next message answers a ping.
    ws.send(Message::Text(json!({"type": "ping"}).to_string().into()))
        .await
        .unwrap();
    assert_eq!(next(&mut ws).await["type"], "pong");
}

/// A source whose reads fail, as a cluster that stops answering does.
struct FailingSource;

#[async_trait]
impl EvidenceSource for FailingSource {
    async fn snapshot(&self, _: &str, _: &Scope) -> Result<Snapshot, EvidenceError> {
        Err(EvidenceError::Read {
            what: "pods".into(),
            reason: "connection refused".into(),
        })
    }
    async fn logs(&self, _: &str, _: &str, _: &str, _: &str, _: bool, _: i64) -> Result<Vec<String>, EvidenceError> {
        Ok(Vec::new())
    }
}

#[tokio::test]
async fn an_investigation_whose_evidence_cannot_be_read_ends_failed_and_says_why() {
    let h = harness(Arc::new(FailingSource), &[]);
    let id = start_mailer(&h).await;
    let inv = wait_terminal(&h, &id).await;
    assert_eq!(inv["state"], "failed", "{inv:#}");
    assert!(inv["error"].as_str().unwrap().contains("connection refused"), "{inv:#}");
    assert!(inv["root_cause"].is_null(), "no conclusion without evidence: {inv:#}");
    let (_, failed) = call(&h, "GET", "/api/v1/ai/investigations?state=failed", None).await;
    assert_eq!(failed["total"], 1, "{failed}");
}
