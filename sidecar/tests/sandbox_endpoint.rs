//! `POST /api/v1/sandbox`: on a sidecar started without `--sandbox` and with no kubeconfig, the
//! wizard's "try the built-in sandbox cluster" starts the demo cluster in-process and connects it.

mod common;

use std::time::{Duration, Instant};

use common::{Sidecar, client, command, home};
use serde_json::Value;

#[test]
fn the_sandbox_endpoint_starts_the_demo_cluster_and_connects_its_context() {
    let home = home();
    let mut cmd = command(home.path());
    cmd.env("KUBECONFIG", home.path().join("no-kubeconfig"));
    let sidecar = Sidecar::start(cmd);
    let http = client(&sidecar.home);
    let token = sidecar.token();
    let call = |method: reqwest::Method, path: &str| -> (u16, Value) {
        let res = http
            .request(method, format!("{}{path}", sidecar.url))
            .bearer_auth(token.trim())
            .send()
            .expect("request");
        let status = res.status().as_u16();
        (status, res.json().unwrap_or(Value::Null))
    };

    let (status, body) = call(reqwest::Method::GET, "/api/v1/clusters");
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["items"],
        serde_json::json!([]),
        "an empty home has no contexts: {body}"
    );

    let (status, body) = call(reqwest::Method::POST, "/api/v1/sandbox");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["context"], "kubilitics-sandbox");

    let (_, list) = call(reqwest::Method::GET, "/api/v1/clusters");
    let ctx = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "kubilitics-sandbox")
        .unwrap_or_else(|| panic!("the sandbox context is listed: {list}"))
        .clone();
    assert_eq!(ctx["connected"], true, "{ctx}");

    // Its planted faults are there to find.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, pods) = call(
            reqwest::Method::GET,
            "/api/v1/clusters/kubilitics-sandbox/resources/pods",
        );
        let failing = pods["items"].as_array().map_or(0, |items| {
            items
                .iter()
                .filter(|p| p["status"].as_str().is_some_and(|s| s != "Running" && s != "Completed"))
                .count()
        });
        if status == 200 && failing > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "no failing pod in the sandbox: {pods}");
        std::thread::sleep(Duration::from_millis(500));
    }

    // Idempotent: a second call connects the same sandbox.
    let (status, body) = call(reqwest::Method::POST, "/api/v1/sandbox");
    assert_eq!(
        (status, body["context"].as_str()),
        (200, Some("kubilitics-sandbox")),
        "{body}"
    );
}
