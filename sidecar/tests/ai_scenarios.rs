//! The evaluation suite end to end: every scenario of `tests/scenarios/` applied to the real
//! control plane (by its own checker, which waits for each fault's evidence), then investigated
//! through the HTTP API; prints accuracy per code and fails on any miss.
//!
//! Run with the cluster: `tests/cluster/with-cluster -- cargo test -p kubilitics --test ai_scenarios -- --ignored --nocapture`
//! (scripts/test.sh does).

mod in_process;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use kubilitics::ai::budget::{Budget, PriceTable};
use kubilitics::ai::eval::{self, Outcome, Report};
use kubilitics::ai::kube_source::KubeSource;
use kubilitics::ai::service::Ai;
use kubilitics::api::AppState;
use kubilitics::config::{self, Inputs};
use kubilitics::store::{SqliteStore, Store};
use serde_json::{Value, json};

const TOKEN: &str = "eval-token";

async fn call(state: &AppState, method: &str, uri: &str, body: Option<Value>) -> Value {
    in_process::request(state, TOKEN, method, uri, body).await.1
}

#[tokio::test]
#[ignore = "needs the real control plane: scripts/test.sh runs it inside tests/cluster/with-cluster"]
async fn every_scenario_is_investigated_to_its_expected_code() {
    let kubeconfig = std::env::var("KUBILITICS_TEST_KUBECONFIG")
        .expect("KUBILITICS_TEST_KUBECONFIG is set by tests/cluster/with-cluster");
    let context = std::env::var("KUBILITICS_TEST_CONTEXT").unwrap_or_else(|_| "kubilitics-test".into());
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/scenarios");
    if std::env::var("KUBILITICS_EVAL_SKIP_APPLY").is_err() {
        let out = std::process::Command::new(root.join("check"))
            .output()
            .expect("tests/scenarios/check runs");
        println!("{}", String::from_utf8_lossy(&out.stdout));
    }
    let suite = eval::load(&root).unwrap();

    let home = tempfile::tempdir().unwrap();
    let env: HashMap<String, String> = [("KUBILITICS_HOME".to_string(), home.path().display().to_string())].into();
    let cfg = config::load(&Inputs { env: &env, flags: &[] }).unwrap().config;
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&cfg.database.sqlite).unwrap());
    let mut state = AppState::new(Arc::new(cfg.clone()), store.clone(), TOKEN);
    let budget = Budget::new(cfg.ai.budget.clone(), store.clone(), PriceTable::default());
    let actions = state.actions();
    state.ai = Ai::new(
        cfg.ai.clone(),
        store,
        Arc::new(KubeSource::new(kubeconfig.clone())),
        budget,
        actions,
        None,
    );

    let mut ids = Vec::new();
    for s in &suite {
        let v = call(
            &state,
            "POST",
            "/api/v1/ai/investigations",
            Some(json!({"context": context, "target": s.target})),
        )
        .await;
        ids.push(v["investigation_id"].as_str().expect("started").to_string());
    }
    let mut report = Report::default();
    for (s, id) in suite.iter().zip(ids) {
        let mut inv = Value::Null;
        for _ in 0..600 {
            inv = call(&state, "GET", &format!("/api/v1/ai/investigations/{id}"), None).await;
            if ["concluded", "failed", "timed_out", "cancelled"].contains(&inv["state"].as_str().unwrap_or("")) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let got = inv["root_cause"]["code"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| format!("({})", inv["state"].as_str().unwrap_or("?")));
        let summary = inv["root_cause"]["summary"]
            .as_str()
            .or(inv["error"].as_str())
            .unwrap_or("")
            .to_string();
        report.outcomes.push(Outcome {
            scenario: s.name.clone(),
            expected: s.code.clone(),
            got,
            summary,
        });
    }
    println!("{}", report.render());
    assert_eq!(report.correct(), report.outcomes.len(), "every scenario names its code");

    // `kubilitics eval`, the command people run, on two of the scenarios applied above: its
    // report, accuracy per code and exit status.
    let cli_home = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kubilitics"))
        .args(["eval", "config-missing-key", "healthy-completed-job", "--scenarios"])
        .arg(&root)
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .args(["--context", &context])
        .env("KUBILITICS_HOME", cli_home.path())
        .output()
        .expect("kubilitics eval runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("accuracy per code"), "{stdout}");
    assert!(stdout.contains("total 2/2 = 100.0%"), "{stdout}");
}
