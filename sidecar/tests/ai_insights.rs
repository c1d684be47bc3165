//! Insights and similar incidents end to end, on `kubilitics serve --sandbox`: the demo's planted
//! faults show up in `/api/v1/ai/insights` without anyone asking, once each, and fixing one
//! (kubectl, as a user would) marks it resolved; a second investigation of a fault cites the
//! first in `similar_incidents`.

mod common;
#[path = "workbench/mod.rs"]
mod workbench;

use std::time::{Duration, Instant};

use common::{Sidecar, client, command, home};
use serde_json::{Value, json};

struct Api {
    sidecar: Sidecar,
    http: reqwest::blocking::Client,
    token: String,
}

impl Api {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self
            .http
            .request(method.parse().unwrap(), format!("{}{path}", self.sidecar.url))
            .bearer_auth(self.token.trim());
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().expect("request");
        let status = res.status().as_u16();
        (status, res.json().unwrap_or(Value::Null))
    }

    /// Polls `path` until `pick` finds something (`secs` at most).
    fn wait_for<T>(&self, path: &str, secs: u64, pick: impl Fn(&Value) -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let (status, v) = self.call("GET", path, None);
            if status == 200
                && let Some(t) = pick(&v)
            {
                return t;
            }
            assert!(
                Instant::now() < deadline,
                "GET {path} never showed what was expected; last ({status}): {v}"
            );
            std::thread::sleep(Duration::from_millis(300));
        }
    }
}

fn about<'a>(items: &'a Value, code: &str, kind: &str, name: &str) -> Vec<&'a Value> {
    items["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|i| i["code"] == code && i["kind"] == kind && i["namespace"] == "shop" && i["name"] == name)
        .collect()
}

#[test]
fn the_demo_faults_become_insights_and_fixing_one_resolves_it() {
    let home = home();
    let sidecar = Sidecar::start_serve(command(home.path()), &["--sandbox"]);
    let api = Api {
        http: client(&sidecar.home),
        token: sidecar.token(),
        sidecar,
    };
    let all = "/api/v1/ai/insights?limit=1000";

    // Found without being asked: the scan runs as the watch cache fills and changes.
    let (search, cart) = api.wait_for(all, 90, |v| {
        let search = about(v, "SERVICE_NO_ENDPOINTS", "Service", "search");
        let cart = about(v, "IMAGE_NOT_FOUND", "Deployment", "cart");
        (!search.is_empty() && !cart.is_empty())
            .then(|| (search[0].clone(), cart.into_iter().cloned().collect::<Vec<Value>>()))
    });
    assert_eq!(
        cart.len(),
        1,
        "one insight per code and object, whatever the replicas: {cart:?}"
    );
    for i in [&search, &cart[0]] {
        assert!(i["resolved_at"].is_null(), "{i}");
        assert!(i["first_seen"].as_str().is_some_and(|t| !t.is_empty()), "{i}");
        assert!(i["last_seen"].as_str() >= i["first_seen"].as_str(), "{i}");
        assert!(
            i["evidence"].as_array().is_some_and(|e| !e.is_empty()),
            "an insight shows its evidence: {i}"
        );
    }
    let (_, bad) = api.call("GET", "/api/v1/ai/insights?state=sometimes", None);
    assert_eq!(bad["error"]["code"], "bad_request", "{bad}");

    // The fix: the Service selects the pods' real label.
    let kc = api.sidecar.home.join("sandbox.kubeconfig");
    workbench::kubectl(
        &kc,
        &[
            "-n",
            "shop",
            "patch",
            "service",
            "search",
            "--type",
            "merge",
            "-p",
            r#"{"spec":{"selector":{"app":"search"}}}"#,
        ],
    );
    let resolved = api.wait_for(all, 60, |v| {
        about(v, "SERVICE_NO_ENDPOINTS", "Service", "search")
            .first()
            .filter(|i| !i["resolved_at"].is_null())
            .map(|i| (*i).clone())
    });
    assert_eq!(resolved["id"], search["id"], "the same insight, resolved");
    assert_eq!(resolved["first_seen"], search["first_seen"]);
    let (_, open) = api.call("GET", "/api/v1/ai/insights?state=open&limit=1000", None);
    assert!(about(&open, "SERVICE_NO_ENDPOINTS", "Service", "search").is_empty());
    assert_eq!(
        about(&open, "IMAGE_NOT_FOUND", "Deployment", "cart").len(),
        1,
        "the other faults stay open: {open}"
    );
    let (_, resolved_only) = api.call(
        "GET",
        "/api/v1/ai/insights?state=resolved&code=SERVICE_NO_ENDPOINTS",
        None,
    );
    assert_eq!(resolved_only["total"], 1, "{resolved_only}");

    // Similar incidents: a second look at the same fault cites the first (lexically: the
    // sandbox's sidecar has no LLM provider).
    let context = cart[0]["context"].as_str().unwrap().to_string();
    let investigate = || {
        let (status, v) = api.call(
            "POST",
            "/api/v1/ai/investigations",
            Some(json!({"context": context, "target": {"kind": "Deployment", "namespace": "shop", "name": "cart"}})),
        );
        assert_eq!(status, 202, "{v}");
        let id = v["investigation_id"].as_str().unwrap().to_string();
        api.wait_for(&format!("/api/v1/ai/investigations/{id}"), 60, |v| {
            (v["state"] == "concluded").then(|| v.clone())
        })
    };
    let first = investigate();
    assert_eq!(first["root_cause"]["code"], "IMAGE_NOT_FOUND", "{first}");
    assert_eq!(first["similar_incidents"], json!([]), "nothing before it");
    let second = investigate();
    let cited = &second["similar_incidents"][0];
    assert_eq!(cited["investigation_id"], first["investigation_id"], "{second}");
    assert_eq!(cited["code"], "IMAGE_NOT_FOUND");
    assert_eq!(cited["method"], "lexical");
    assert!(cited["score"].as_f64().is_some_and(|s| s > 0.5 && s <= 1.0), "{cited}");
    assert!(cited["summary"].as_str().is_some_and(|s| !s.is_empty()));
}
