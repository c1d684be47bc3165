//! The investigator's limits and meters, end to end on `kubilitics serve --sandbox` with a scripted
//! OpenAI-compatible provider on loopback: an LLM that never concludes is stopped after
//! `MAX_STEPS` calls and the analyzers answer; serve prices calls from `ai-prices.yaml` in its
//! home; a Pod's investigation may restart the Deployment that owns it without approval at level 3
//! (the owner chain is in scope); and the runbook's vector-store, queue and insight-scan metrics
//! move with the activity they count.

mod common;
mod in_process;
mod sandbox_support;
#[path = "workbench/mod.rs"]
mod workbench;

use std::time::Duration;

use common::{Sidecar, client, command, home};
use in_process::{Reply, Script, openai_calls, serve};
use kubilitics::ai::evidence::tool_specs;
use kubilitics::ai::llm::reasoner::MAX_STEPS;
use sandbox_support::eventually;
use serde_json::{Value, json};

/// A scripted provider on loopback, served by a runtime of its own while the test blocks.
struct Llm {
    _runtime: tokio::runtime::Runtime,
    url: String,
    script: Script,
}

fn scripted(replies: Vec<Reply>) -> Llm {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (url, script) = runtime.block_on(serve(replies));
    Llm {
        _runtime: runtime,
        url,
        script,
    }
}

/// `serve --sandbox` whose `ai.llm` is `llm`, with `env` and files in its home.
struct Serve {
    sidecar: Sidecar,
    token: String,
    _home: tempfile::TempDir,
}

fn serve_sandbox(llm: &Llm, env: &[(&str, &str)], files: &[(&str, &str)]) -> Serve {
    let home = home();
    std::fs::write(
        home.path().join("ai-config.yaml"),
        format!(
            "llm:\n  provider: openai\n  model: gpt-4o-mini\n  endpoint: {}/v1\n  timeout: 10\n",
            llm.url
        ),
    )
    .unwrap();
    for (name, text) in files {
        std::fs::write(home.path().join(name), text).unwrap();
    }
    let mut cmd = command(home.path());
    cmd.env("AI_LLM_API_KEY", "sk-test-not-a-real-key-000000");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let sidecar = Sidecar::start_serve(cmd, &["--sandbox"]);
    let token = sidecar.token().trim().to_string();
    Serve {
        sidecar,
        token,
        _home: home,
    }
}

impl Serve {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        workbench::raw_request(&self.sidecar.url, &self.token, &self.sidecar.home, method, path, body).1
    }

    /// Starts an investigation of `kind` `namespace/name` in the sandbox; its id.
    fn start(&self, kind: &str, namespace: &str, name: &str) -> String {
        let v = self.call(
            "POST",
            "/api/v1/ai/investigations",
            Some(json!({"context": "kubilitics-sandbox", "target": {"kind": kind, "namespace": namespace, "name": name}})),
        );
        v["investigation_id"]
            .as_str()
            .unwrap_or_else(|| panic!("not started: {v}"))
            .to_string()
    }

    fn get(&self, id: &str) -> Value {
        self.call("GET", &format!("/api/v1/ai/investigations/{id}"), None)
    }

    /// The investigation once it has ended.
    fn ended(&self, id: &str) -> Value {
        let mut inv = Value::Null;
        let ended = eventually(30, || {
            inv = self.get(id);
            ["concluded", "failed", "timed_out", "cancelled"].contains(&inv["state"].as_str().unwrap_or(""))
        });
        assert!(ended, "investigation {id} did not end: {inv:#}");
        inv
    }

    fn kubectl(&self, args: &[&str]) -> String {
        workbench::kubectl(&self.sidecar.home.join("sandbox.kubeconfig"), args)
    }

    /// The metrics endpoint's text.
    fn metrics(&self) -> String {
        let url = self.sidecar.metrics_url.as_ref().expect("metrics listening");
        client(&self.sidecar.home).get(url).send().unwrap().text().unwrap()
    }

    /// The metrics once `counted` holds of them (within `secs`); `what` names it if it never does.
    fn metrics_once(&self, secs: u64, what: &str, counted: impl Fn(&str) -> bool) -> String {
        let mut text = String::new();
        let ok = eventually(secs, || {
            text = self.metrics();
            counted(&text)
        });
        assert!(ok, "{what} is not counted: {text}");
        text
    }
}

/// The sum of a metric's samples over all its labels (0 when absent).
fn sample(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|l| l.strip_prefix(name).is_some_and(|rest| rest.starts_with([' ', '{'])))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// An LLM that only ever reads evidence is stopped after MAX_STEPS calls; the investigation
/// concludes with the analyzers' code and says why the LLM's answer is missing. Every call offers
/// the LLM all the evidence tools, propose_action and conclude.
#[test]
fn an_llm_that_never_concludes_is_stopped_at_the_step_limit() {
    let read = openai_calls(&[(
        "events",
        json!({"kind": "Deployment", "namespace": "shop", "name": "checkout"}),
    )]);
    let llm = scripted(vec![read; MAX_STEPS + 4]);
    let s = serve_sandbox(&llm, &[], &[]);
    let inv = s.ended(&s.start("Deployment", "shop", "checkout"));

    assert_eq!(inv["state"], "concluded", "{inv:#}");
    assert_eq!(inv["conclusion_source"], "analyzers", "{inv:#}");
    assert_eq!(inv["root_cause"]["code"], "CRASHLOOP_DEPENDENCY");
    let note = inv["llm_note"].as_str().unwrap_or("");
    assert!(
        note.contains(&format!("did not conclude within {MAX_STEPS} steps")),
        "{inv:#}"
    );
    let requests = llm.script.requests();
    assert_eq!(requests.len(), MAX_STEPS, "one request per step, none after the limit");
    // Each step's tool result went back: the last request carries all but its own.
    let results = |r: &Value| {
        r["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["role"] == "tool")
            .count()
    };
    assert_eq!(results(&requests[MAX_STEPS - 1]), MAX_STEPS - 1);
    let mut offered: Vec<&str> = tool_specs().iter().map(|(n, _, _)| *n).collect();
    offered.extend(["propose_action", "conclude"]);
    for r in &requests {
        let sent: Vec<&str> = r["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["function"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(sent, offered);
    }
}

/// A conclusion naming CRASHLOOP_DEPENDENCY for shop/checkout that restarts `restart`.
fn conclude_restarting(restart: Value) -> Reply {
    openai_calls(&[(
        "conclude",
        json!({"code": "CRASHLOOP_DEPENDENCY", "summary": "checkout cannot reach redis",
            "explanation": "the previous log says connection refused to redis, whose Service has no endpoints",
            "confidence": 0.9, "actions": [{"type": "restart_workload", "target": restart}]}),
    )])
}

/// `serve` prices each LLM call from `ai-prices.yaml` in its home: one call of 1200 prompt and 80
/// completion tokens at $100 and $1000 per million costs $0.20 (at the built-in gpt-4o-mini
/// prices it would be $0.000228).
#[test]
fn serve_prices_llm_calls_from_ai_prices_yaml() {
    let checkout = json!({"kind": "Deployment", "namespace": "shop", "name": "checkout"});
    let llm = scripted(vec![conclude_restarting(checkout)]);
    let s = serve_sandbox(
        &llm,
        &[],
        &[("ai-prices.yaml", "gpt-4o-mini: {input: 100.0, output: 1000.0}\n")],
    );
    let inv = s.ended(&s.start("Deployment", "shop", "checkout"));
    assert_eq!(inv["conclusion_source"], "llm", "{inv:#}");
    let status = s.call("GET", "/api/v1/ai/status", None);
    let cost = status["token_usage"]["monthly_cost_usd"].as_f64().unwrap();
    assert!((cost - 0.2).abs() < 1e-6, "{status:#}");
}

/// At autonomy level 3, an investigation of a Pod may restart the Deployment that owns it without
/// approval: the owner chain (Pod → ReplicaSet → Deployment) is the investigated scope. The
/// cluster shows the restart.
#[test]
fn a_pods_investigation_restarts_its_deployment_at_level_3() {
    let checkout = json!({"kind": "Deployment", "namespace": "shop", "name": "checkout"});
    let llm = scripted(vec![conclude_restarting(checkout)]);
    let s = serve_sandbox(&llm, &[("AI_SAFETY_AUTONOMY_LEVEL", "3")], &[]);
    let pod = s.kubectl(&[
        "-n",
        "shop",
        "get",
        "pods",
        "-l",
        "app=checkout",
        "-o",
        "jsonpath={.items[0].metadata.name}",
    ]);
    let inv = s.ended(&s.start("Pod", "shop", &pod));
    assert_eq!(inv["conclusion_source"], "llm", "{inv:#}");
    let proposed = inv["proposed_actions"].as_array().unwrap();
    let restart = proposed
        .iter()
        .find(|p| p["operation"] == "restart_rollout")
        .unwrap_or_else(|| panic!("restart proposed: {proposed:#?}"));
    assert_eq!(restart["decision"], "allowed", "{restart:#}");
    assert!(
        restart["result"].as_str().unwrap_or("").starts_with("applied"),
        "{restart:#}"
    );
    let annotations = s.kubectl(&[
        "-n",
        "shop",
        "get",
        "deployment",
        "checkout",
        "-o",
        "jsonpath={.spec.template.metadata.annotations}",
    ]);
    assert!(
        annotations.contains("kubectl.kubernetes.io/restartedAt"),
        "the Deployment was restarted: {annotations}"
    );
}

/// The runbook's metrics that count activity move with it: an insight scan adds to
/// ai_insight_generation_duration_seconds, an investigation waiting behind the concurrency bound
/// shows in ai_investigation_queue_length, and indexing and searching past incidents add to
/// ai_vector_store_operations_total and ai_vector_store_latency_seconds.
#[test]
fn the_ai_activity_metrics_move() {
    let checkout = json!({"kind": "Deployment", "namespace": "shop", "name": "checkout"});
    // The first investigation holds the only slot while the provider takes its time.
    let Reply(status, body, _) = conclude_restarting(checkout.clone());
    let llm = scripted(vec![
        Reply(status, body, Duration::from_millis(1500)),
        conclude_restarting(checkout),
    ]);
    let s = serve_sandbox(&llm, &[("AI_INVESTIGATION_CONCURRENCY", "1")], &[]);
    let scans = "ai_insight_generation_duration_seconds_count";
    let ops = "ai_vector_store_operations_total";
    let latency = "ai_vector_store_latency_seconds_count";
    let queue = "ai_investigation_queue_length";

    // A scan: the one at start, then one on a change.
    let started = s.metrics_once(30, "an insight scan", |m| sample(m, scans) >= 1.0);
    s.kubectl(&["-n", "shop", "scale", "deployment", "catalog", "--replicas=3"]);
    s.metrics_once(30, "a change's scan", |m| sample(m, scans) > sample(&started, scans));

    let before = s.metrics();
    let first = s.start("Deployment", "shop", "checkout");
    let second = s.start("Deployment", "shop", "checkout");
    s.metrics_once(5, "the queued investigation", |m| sample(m, queue) >= 1.0);
    assert_eq!(s.get(&second)["state"], "queued");
    for id in [&first, &second] {
        assert_eq!(s.ended(id)["state"], "concluded");
    }
    let after = s.metrics();
    assert_eq!(sample(&after, queue), 0.0);
    // Each investigation searched the index and was added to it.
    for name in [ops, latency] {
        assert!(
            sample(&after, name) >= sample(&before, name) + 4.0,
            "{name}: {} then {}",
            sample(&before, name),
            sample(&after, name)
        );
    }
    for op in ["query", "upsert"] {
        let series = format!("{ops}{{operation=\"{op}\"}}");
        assert!(sample(&after, &series) >= sample(&before, &series) + 2.0, "{series}");
    }
}
