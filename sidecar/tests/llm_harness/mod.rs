//! The investigator's state for the LLM tests, in-process: the mailer Deployment's snapshot as
//! evidence (a crash-looping pod whose previous log names the missing variable), an optional
//! reasoning provider, and calls through the whole router.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use kubilitics::ai::budget::{Budget, PriceTable};
use kubilitics::ai::evidence::StaticSource;
use kubilitics::ai::llm::ChatProvider;
use kubilitics::ai::service::{self, Ai};
use kubilitics::ai::snapshot::Snapshot;
use kubilitics::api::AppState;
use kubilitics::config::{self, Inputs};
use kubilitics::store::{SqliteStore, Store};
use serde_json::{Value, json};

use super::in_process;

pub const TOKEN: &str = "test-token";

pub fn conclude(code: &str) -> (&'static str, Value) {
    (
        "conclude",
        json!({"code": code, "summary": "SMTP_PASSWORD is not set, so mailer exits at start",
        "explanation": "The previous container log says the required variable is missing.", "confidence": 0.92,
        "evidence": ["FATAL: required environment variable SMTP_PASSWORD is not set"],
        "actions": [{"type": "restart_workload", "target": {"kind": "Deployment", "namespace": "shop", "name": "mailer"}}]}),
    )
}

pub fn snapshot(planted: Option<&str>) -> Snapshot {
    let mut lines = vec!["mailer 1.12.4".to_string(), "connecting with password=hunter2".into()];
    if let Some(p) = planted {
        lines.push(p.into());
    }
    lines.push("FATAL: required environment variable SMTP_PASSWORD is not set".into());
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
                    "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off"}},
                    "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": chrono::Utc::now().to_rfc3339()}}}]}}],
        "logs": [{"namespace": "shop", "pod": "mailer-5f7-abc", "container": "app", "previous": true, "lines": lines}]
    }))
    .unwrap()
}

pub struct Harness {
    /// The sidecar's home, removed with the harness.
    pub home: tempfile::TempDir,
    pub state: AppState,
    pub store: Arc<dyn Store>,
}

pub fn harness(provider: Arc<dyn ChatProvider>, snap: Snapshot, extra: &[(&str, &str)]) -> Harness {
    harness_with(Some(provider), snap, extra)
}

/// The sidecar's state with `snap` as the evidence and `provider` reasoning (none: the
/// analyzers alone, until one is chosen in Settings).
pub fn harness_with(provider: Option<Arc<dyn ChatProvider>>, snap: Snapshot, extra: &[(&str, &str)]) -> Harness {
    let home = tempfile::tempdir().unwrap();
    let mut env: HashMap<String, String> = [("KUBILITICS_HOME".to_string(), home.path().display().to_string())].into();
    for (k, v) in extra {
        env.insert(k.to_string(), v.to_string());
    }
    let cfg = config::load(&Inputs { env: &env, flags: &[] }).unwrap().config;
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&cfg.database.sqlite).unwrap());
    let mut state = AppState::new(Arc::new(cfg.clone()), store.clone(), TOKEN);
    let budget = Budget::new(cfg.ai.budget.clone(), store.clone(), PriceTable::default());
    let reasoner = provider.map(|p| service::reasoner(p, &cfg.ai.llm, budget.clone(), store.clone()));
    let actions = state.actions();
    state.ai = Ai::new(
        cfg.ai.clone(),
        store.clone(),
        Arc::new(StaticSource(snap)),
        budget,
        actions,
        reasoner,
    );
    Harness { home, state, store }
}

pub async fn call(h: &Harness, method: &str, uri: &str, body: Option<Value>) -> Value {
    in_process::request(&h.state, TOKEN, method, uri, body).await.1
}

pub async fn investigate(h: &Harness) -> Value {
    let v = call(
        h,
        "POST",
        "/api/v1/ai/investigations",
        Some(json!({"context": "dev", "target": {"kind": "Deployment", "namespace": "shop", "name": "mailer"}})),
    )
    .await;
    let id = v["investigation_id"].as_str().expect("started").to_string();
    for _ in 0..400 {
        let inv = call(h, "GET", &format!("/api/v1/ai/investigations/{id}"), None).await;
        if ["concluded", "failed", "timed_out", "cancelled"].contains(&inv["state"].as_str().unwrap_or("")) {
            return inv;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("investigation did not end");
}
