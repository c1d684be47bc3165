//! The WebSocket's `approvals` and `insights` topics on `kubilitics serve --sandbox`: what the
//! UI's Approvals page and insight lists wait for instead of re-reading on a timer. A change
//! parked for approval and each decision on it are announced to every client following
//! approvals; a fix that resolves an insight is announced to the clients following that
//! context's insights, and not to one following another context.

mod common;
#[path = "workbench/mod.rs"]
mod workbench;

use std::time::{Duration, Instant};

use common::{Sidecar, command, home};
use serde_json::{Value, json};
use workbench::{Ws, raw_request, ws_send, ws_until};

const CONTEXT: &str = "kubilitics-sandbox";

struct Api {
    sidecar: Sidecar,
    token: String,
}

impl Api {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        raw_request(&self.sidecar.url, &self.token, &self.sidecar.home, method, path, body)
    }

    /// Polls `path` until `ok` holds (`secs` at most).
    fn wait_for(&self, path: &str, secs: u64, ok: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let (status, v) = self.call("GET", path, None);
            if status == 200 && ok(&v) {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "GET {path} never showed what was expected; last ({status}): {v}"
            );
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    async fn websocket(&self) -> Ws {
        let (status, t) = tokio::task::block_in_place(|| self.call("POST", "/api/v1/ws/ticket", Some(json!({}))));
        assert_eq!(status, 201, "{t}");
        let url = format!(
            "{}/api/v1/ws?ticket={}",
            self.sidecar.url.replacen("http", "ws", 1),
            t["ticket"].as_str().unwrap()
        );
        tokio_tungstenite::connect_async(url)
            .await
            .expect("the WebSocket opens")
            .0
    }
}

fn search_service_insight(v: &Value) -> Option<&Value> {
    v["items"]
        .as_array()?
        .iter()
        .find(|i| i["code"] == "SERVICE_NO_ENDPOINTS" && i["namespace"] == "shop" && i["name"] == "search")
}

async fn subscribe(ws: &mut Ws, msg: Value) {
    let id = msg["id"].clone();
    ws_send(ws, msg).await;
    ws_until(ws, 10, |v| v["type"] == "subscribed" && v["id"] == id).await;
}

/// The next approval notice; what came before it goes to `seen`.
async fn next_approval(ws: &mut Ws, seen: &mut Vec<Value>) -> Value {
    let (notice, before) = ws_until(ws, 10, |v| v["type"] == "approval").await;
    seen.extend(before);
    notice
}

/// The approval an approval notice is about, and what happened to it.
fn change(notice: &Value) -> (&str, &str) {
    let c = &notice["change"];
    (
        c["approval_id"].as_str().unwrap_or_default(),
        c["state"].as_str().unwrap_or_default(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approvals_and_insight_changes_are_announced_to_the_clients_that_follow_them() {
    let home = home();
    let sidecar = Sidecar::start_serve(command(home.path()), &["--sandbox"]);
    let api = Api {
        token: sidecar.token(),
        sidecar,
    };
    let insights = "/api/v1/ai/insights?limit=1000";
    // The demo's fault is found first (the scan runs as the watch cache fills).
    tokio::task::block_in_place(|| {
        api.wait_for(insights, 90, |v| {
            search_service_insight(v).is_some_and(|i| i["resolved_at"].is_null())
        })
    });

    let mut ws = api.websocket().await;
    subscribe(&mut ws, json!({"type": "approvals", "id": "approvals"})).await;
    subscribe(&mut ws, json!({"type": "insights", "id": "here", "context": CONTEXT})).await;
    subscribe(
        &mut ws,
        json!({"type": "insights", "id": "elsewhere", "context": "some-other-cluster"}),
    )
    .await;
    let mut seen = Vec::new();

    // A pod deletion waits for approval (the default policy): announced as requested.
    let pods = tokio::task::block_in_place(|| {
        api.wait_for(
            &format!("/api/v1/clusters/{CONTEXT}/resources/pods?namespace=shop"),
            30,
            |v| v["total"].as_u64() > Some(0),
        )
    });
    let pod = pods["items"][0]["name"].as_str().unwrap().to_string();
    let delete = json!({"kind": "pod", "namespace": "shop", "name": pod, "action": {"type": "delete_pod"}});
    let actions = format!("/api/v1/clusters/{CONTEXT}/actions");
    let (status, submitted) = tokio::task::block_in_place(|| api.call("POST", &actions, Some(delete.clone())));
    assert_eq!(status, 202, "{submitted}");
    let approval = submitted["approval_id"].as_str().unwrap().to_string();
    let requested = next_approval(&mut ws, &mut seen).await;
    assert_eq!(requested["id"], "approvals");
    assert_eq!(
        (&requested["change"]["approval_id"], &requested["change"]["action_id"]),
        (&json!(approval), &submitted["action_id"]),
        "{requested}"
    );
    assert_eq!(requested["change"]["state"], "requested");

    // Rejected: announced, and nothing is pending any more.
    let reject = format!("/api/v1/approvals/{approval}/reject");
    let (status, r) = tokio::task::block_in_place(|| api.call("POST", &reject, Some(json!({"reason": "not now"}))));
    assert_eq!(status, 200, "{r}");
    let rejected = next_approval(&mut ws, &mut seen).await;
    assert_eq!(change(&rejected), (approval.as_str(), "rejected"), "{rejected}");

    // Approved: announced when decided, before the change runs.
    let (_, again) = tokio::task::block_in_place(|| api.call("POST", &actions, Some(delete)));
    let second = again["approval_id"].as_str().unwrap().to_string();
    let r2 = next_approval(&mut ws, &mut seen).await;
    assert_eq!(r2["change"]["state"], "requested", "{r2}");
    let approve = format!("/api/v1/approvals/{second}/approve");
    let (status, done) = tokio::task::block_in_place(|| api.call("POST", &approve, None));
    assert_eq!((status, done["state"].as_str()), (200, Some("applied")), "{done}");
    let approved = next_approval(&mut ws, &mut seen).await;
    assert_eq!(change(&approved), (second.as_str(), "approved"), "{approved}");

    // The fix of the demo's Service: a notice for this context arrives, after which the list
    // shows the insight resolved (other scans may announce other changes before it).
    let kc = api.sidecar.home.join("sandbox.kubeconfig");
    let patch = r#"{"spec":{"selector":{"app":"search"}}}"#;
    tokio::task::block_in_place(|| {
        workbench::kubectl(
            &kc,
            &[
                "-n", "shop", "patch", "service", "search", "--type", "merge", "-p", patch,
            ],
        )
    });
    loop {
        let (notice, before) = ws_until(&mut ws, 60, |v| v["type"] == "insights_changed").await;
        seen.extend(before);
        assert_eq!(
            (notice["id"].as_str(), notice["context"].as_str()),
            (Some("here"), Some(CONTEXT)),
            "only the subscription to this context hears of it: {notice}"
        );
        let (_, list) = tokio::task::block_in_place(|| api.call("GET", insights, None));
        if search_service_insight(&list).is_some_and(|i| !i["resolved_at"].is_null()) {
            break;
        }
        seen.push(notice);
    }
    assert!(
        seen.iter().all(|m| m["id"] != "elsewhere"),
        "nothing about another context: {seen:?}"
    );
}
