//! The live-update WebSocket against the real control plane: one-time tickets, deltas for what
//! kubectl changes, replay after a reconnect, and log following.

mod common;
#[path = "workbench/mod.rs"]
mod workbench;

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use workbench::*;

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The blocking HTTP helpers, from inside the async test.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

fn ws_url(w: &Workbench, ticket: Option<&str>) -> String {
    let base = w.sidecar.url.replacen("http", "ws", 1);
    match ticket {
        Some(t) => format!("{base}/api/v1/ws?ticket={t}"),
        None => format!("{base}/api/v1/ws"),
    }
}

fn ticket(w: &Workbench) -> String {
    let (s, t) = w.post("/api/v1/ws/ticket", json!({}));
    assert_eq!(s, 201, "{t}");
    assert!(t["expires_in"].as_u64().unwrap() <= 60);
    t["ticket"].as_str().unwrap().to_string()
}

async fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::Text(v.to_string().into())).await.unwrap();
}

/// Reads messages until `want` matches one (10 s at most); returns it and everything before.
async fn until(ws: &mut Ws, want: impl Fn(&Value) -> bool) -> (Value, Vec<Value>) {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next())
            .await
            .unwrap_or_else(|_| panic!("nothing matching arrived; saw {seen:?}"));
        let Some(Ok(Message::Text(t))) = msg else { continue };
        let v: Value = serde_json::from_str(&t).unwrap();
        if want(&v) {
            return (v, seen);
        }
        seen.push(v);
    }
}

fn has_delta(v: &Value, kind_of_change: &str, name: &str) -> bool {
    v["type"] == "deltas"
        && v["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == kind_of_change && e["name"] == name)
}

#[test]
#[ignore = "needs the real control plane: scripts/test.sh runs it inside tests/cluster/with-cluster"]
fn websocket_tickets_deltas_replay_and_logs() {
    let kc = test_kubeconfig();
    let ns = new_namespace(&kc, "ws");
    let w = Workbench::start_with(&kc, &[], &[("KUBILITICS_WS_PING_INTERVAL", "1")]);
    w.wait_for("/api/v1/clusters/kubilitics-test", |v| v["synced"] == true);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        // Without a ticket or token: refused. A ticket works once.
        let refused = tokio_tungstenite::connect_async(ws_url(&w, None)).await;
        assert!(refused.is_err(), "opened without credentials");
        let t = blocking(|| ticket(&w));
        let (mut ws, _) = tokio_tungstenite::connect_async(ws_url(&w, Some(&t))).await.expect("ticket accepted");
        assert!(tokio_tungstenite::connect_async(ws_url(&w, Some(&t))).await.is_err(), "a ticket is single use");

        send(&mut ws, json!({"type": "subscribe", "id": "p", "context": "kubilitics-test", "kind": "pods", "namespace": ns})).await;
        let (sub, _) = until(&mut ws, |v| v["type"] == "subscribed").await;
        assert_eq!(sub["kind"], "pods");

        // What kubectl does arrives as deltas, filtered to the namespace.
        blocking(|| kubectl(&kc, &["-n", &ns, "run", "live", "--image=nginx"]));
        blocking(|| kubectl(&kc, &["-n", "default", "run", &format!("{ns}-elsewhere"), "--image=nginx"]));
        let (added, _) = until(&mut ws, |v| has_delta(v, "ADDED", "live")).await;
        let e = added["events"].as_array().unwrap().iter().find(|e| e["name"] == "live").unwrap().clone();
        assert_eq!(e["namespace"], ns.as_str());
        assert_eq!(e["kind"], "pods");
        let (running, before) = until(&mut ws, |v| {
            v["type"] == "deltas" && v["events"].as_array().unwrap().iter().any(|e| e["name"] == "live" && e["row"]["status"] == "Running")
        })
        .await;
        let last_seq = running["events"].as_array().unwrap().iter().map(|e| e["seq"].as_u64().unwrap()).max().unwrap();
        for m in before.iter().chain([&running]) {
            if m["type"] == "deltas" {
                assert!(m["events"].as_array().unwrap().iter().all(|e| e["namespace"] == ns.as_str()), "{m}");
            }
        }

        // Ping/pong and the server's keepalive pings.
        send(&mut ws, json!({"type": "ping"})).await;
        until(&mut ws, |v| v["type"] == "pong").await;

        // Disconnect, change things, reconnect with `since`: the missed changes are replayed.
        drop(ws);
        blocking(|| kubectl(&kc, &["-n", &ns, "delete", "pod", "live", "--wait=false"]));
        blocking(|| w.wait_for(&format!("/api/v1/clusters/kubilitics-test/resources/pods?namespace={ns}"), |v| v["total"] == 0));
        let (mut ws, _) = tokio_tungstenite::connect_async(ws_url(&w, Some(&blocking(|| ticket(&w))))).await.unwrap();
        send(&mut ws, json!({"type": "subscribe", "id": "p", "context": "kubilitics-test", "kind": "pods", "namespace": ns, "since": last_seq})).await;
        let (replay, _) = until(&mut ws, |v| v["type"] == "deltas" && v["replay"] == true).await;
        assert!(has_delta(&replay, "DELETED", "live"), "{replay}");
        // Asking for more than is kept gets a clear resync instead.
        send(&mut ws, json!({"type": "subscribe", "id": "q", "context": "kubilitics-test", "kind": "pods", "since": 0})).await;
        let (answer, _) = until(&mut ws, |v| (v["type"] == "deltas" && v["replay"] == true) || v["type"] == "resync").await;
        assert!(answer["type"] == "resync" || answer["events"].as_array().is_some(), "{answer}");

        // Follow a log.
        blocking(|| kubectl(&kc, &["-n", &ns, "run", "talker", "--image=busybox"]));
        blocking(|| w.wait_for(&format!("/api/v1/clusters/kubilitics-test/resources/pods?namespace={ns}"), |v| v["items"][0]["status"] == "Running"));
        send(&mut ws, json!({"type": "logs", "id": "l", "context": "kubilitics-test", "namespace": ns, "pod": "talker"})).await;
        let (answer, _) = until(&mut ws, |v| v["id"] == "l" && (v["type"] == "subscribed" || v["type"] == "error" || v["type"] == "log")).await;
        assert!(answer["type"] == "subscribed" || answer["type"] == "log" || answer["message"].as_str().unwrap_or("").contains("log"), "{answer}");
    });
    let m = w
        .client
        .get(w.sidecar.metrics_url.clone().unwrap())
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        m.lines()
            .any(|l| l.starts_with("kubilitics_cached_items_total ") && !l.ends_with(" 0")),
        "the cache gauge counts objects"
    );
    assert!(
        m.contains("kubilitics_kubernetes_api_calls_total{resource=\"pods\"}"),
        "API calls are counted by resource"
    );
    kubectl(&kc, &["delete", "namespace", &ns, "--wait=false"]);
    kubectl(
        &kc,
        &[
            "-n",
            "default",
            "delete",
            "pod",
            &format!("{ns}-elsewhere"),
            "--wait=false",
        ],
    );
}
