//! The sandbox's seven demo faults (sandbox/demo/README.md) are named right: on `kubilitics serve
//! --sandbox`, with no LLM, the background scan reports each as an insight and an investigation
//! of each workload concludes with the code the README's table gives it.

mod common;
mod sandbox_support;
#[path = "workbench/mod.rs"]
mod workbench;

use common::{Sidecar, command, home};
use sandbox_support::eventually;
use serde_json::{Value, json};
use workbench::raw_request;

/// The README's table: namespace, kind, name, code.
const DEMO_FAULTS: [(&str, &str, &str, &str); 7] = [
    ("shop", "Deployment", "cart", "IMAGE_NOT_FOUND"),
    ("shop", "Deployment", "checkout", "CRASHLOOP_DEPENDENCY"),
    ("shop", "Deployment", "recommendations", "CONFIG_MISSING_SECRET"),
    ("shop", "Deployment", "reviews", "READINESS_PROBE_FAILING"),
    ("shop", "Service", "search", "SERVICE_NO_ENDPOINTS"),
    ("payments", "Deployment", "fraud-check", "OOM_KILLED"),
    ("analytics", "Deployment", "report-builder", "UNSCHEDULABLE_RESOURCES"),
];

#[test]
fn every_demo_fault_is_investigated_to_its_code() {
    let home = home();
    let sidecar = Sidecar::start_serve(command(home.path()), &["--sandbox"]);
    let token = sidecar.token().trim().to_string();
    let call = |method: &str, path: &str, body: Option<Value>| {
        raw_request(&sidecar.url, &token, &sidecar.home, method, path, body).1
    };

    // The scan finds all seven unasked; its insights name the sandbox's context.
    let mut insights = Vec::new();
    let insight = |items: &[Value], (ns, kind, name, code): &(&str, &str, &str, &str)| {
        items
            .iter()
            .find(|i| i["namespace"] == *ns && i["kind"] == *kind && i["name"] == *name && i["code"] == *code)
            .cloned()
    };
    let all_found = eventually(90, || {
        insights = call("GET", "/api/v1/ai/insights?limit=1000", None)["items"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        DEMO_FAULTS.iter().all(|f| insight(&insights, f).is_some())
    });
    let missing: Vec<_> = DEMO_FAULTS.iter().filter(|f| insight(&insights, f).is_none()).collect();
    let seen: Vec<String> = insights
        .iter()
        .map(|i| format!("{} {}/{} {}", i["kind"], i["namespace"], i["name"], i["code"]))
        .collect();
    assert!(all_found, "no insight for {missing:?}; insights: {seen:#?}");
    let context = insight(&insights, &DEMO_FAULTS[0]).unwrap()["context"].clone();

    // Start all seven, then read each conclusion.
    let started: Vec<String> = DEMO_FAULTS
        .iter()
        .map(|(ns, kind, name, _)| {
            let v = call(
                "POST",
                "/api/v1/ai/investigations",
                Some(
                    json!({"context": context, "target": {"kind": kind, "namespace": ns, "name": name},
                    "question": format!("why is {name} broken?")}),
                ),
            );
            v["investigation_id"]
                .as_str()
                .unwrap_or_else(|| panic!("{ns}/{name}: {v}"))
                .to_string()
        })
        .collect();
    for (id, (ns, kind, name, code)) in started.iter().zip(DEMO_FAULTS) {
        let mut inv = Value::Null;
        let ended = eventually(60, || {
            inv = call("GET", &format!("/api/v1/ai/investigations/{id}"), None);
            !["queued", "gathering", "analyzing", "reasoning"].contains(&inv["state"].as_str().unwrap_or("queued"))
        });
        assert!(ended, "{kind} {ns}/{name} never ended: {inv:#}");
        assert_eq!(inv["state"], "concluded", "{kind} {ns}/{name}: {inv:#}");
        assert_eq!(
            inv["root_cause"]["code"], code,
            "{kind} {ns}/{name}: {}",
            inv["root_cause"]
        );
        assert_eq!(inv["conclusion_source"], "analyzers");
        assert!(
            inv["evidence"].as_array().is_some_and(|e| !e.is_empty()),
            "{kind} {ns}/{name} rests on evidence: {inv:#}"
        );
    }
}
