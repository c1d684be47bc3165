//! Connections that drop and come back, against the real control plane: kinds go stale (with
//! since when) in the API and /health while the API server cannot be reached, the watches
//! reconnect on their own, and a live view keeps receiving changes across an outage and across
//! a disconnect and reconnect of its context.

mod common;
#[path = "workbench/mod.rs"]
mod workbench;

use std::io::Write;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use workbench::*;

/// A TCP relay on loopback to the API server that can be cut (every open connection closed,
/// new ones refused) and restored: the network between the user and the cluster.
struct Relay {
    port: u16,
    up: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<TcpStream>>>,
}

impl Relay {
    fn start(target: String) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let open = Arc::new(Mutex::new(Vec::new()));
        let (up2, open2) = (up.clone(), open.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                if !up2.load(Ordering::SeqCst) {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(server) = TcpStream::connect(&target) else {
                    continue;
                };
                let mut conns = open2.lock().unwrap();
                conns.push(client.try_clone().unwrap());
                conns.push(server.try_clone().unwrap());
                for (mut from, mut to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server, client),
                ] {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(Shutdown::Both);
                    });
                }
            }
        });
        Relay { port, up, open }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for s in self.open.lock().unwrap().drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

fn resync(v: &Value, words: &str) -> bool {
    v["type"] == "resync" && v["reason"].as_str().unwrap_or("").contains(words)
}

/// A kubeconfig with context `flaky` reaching the cluster through `relay` and `direct` not.
fn kubeconfig_through(relay: &Relay, dir: &std::path::Path) -> std::path::PathBuf {
    let kc = test_kubeconfig();
    let base: Value = serde_norway::from_str(&std::fs::read_to_string(&kc).unwrap()).unwrap();
    let cluster = &base["clusters"][0]["cluster"];
    let admin = base["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "admin")
        .unwrap()
        .clone();
    let ca = cluster["certificate-authority-data"].clone();
    let doc = json!({
        "apiVersion": "v1", "kind": "Config", "current-context": "flaky",
        "clusters": [
            {"name": "relayed", "cluster": {"server": format!("https://127.0.0.1:{}", relay.port), "certificate-authority-data": ca}},
            {"name": "real", "cluster": {"server": cluster["server"], "certificate-authority-data": ca}},
        ],
        "users": [admin],
        "contexts": [
            {"name": "flaky", "context": {"cluster": "relayed", "user": "admin"}},
            {"name": "direct", "context": {"cluster": "real", "user": "admin"}},
        ]
    });
    let path = dir.join("kubeconfig");
    let mut f = std::fs::File::create(&path).unwrap();
    f.write_all(serde_norway::to_string(&doc).unwrap().as_bytes()).unwrap();
    path
}

#[test]
#[ignore = "needs the real control plane: scripts/test.sh runs it inside tests/cluster/with-cluster"]
fn an_outage_makes_kinds_stale_the_watches_come_back_and_live_views_follow_a_reconnect() {
    let kc = test_kubeconfig();
    let ns = namespace_with_web(&kc, "flaky", 1);
    let server = {
        let base: Value = serde_norway::from_str(&std::fs::read_to_string(&kc).unwrap()).unwrap();
        base["clusters"][0]["cluster"]["server"].as_str().unwrap().to_string()
    };
    let relay = Relay::start(server.trim_start_matches("https://").trim_end_matches('/').to_string());
    let dir = tempfile::tempdir().unwrap();
    let w = Workbench::start(&kubeconfig_through(&relay, dir.path()), &[]);
    let pods = format!("/api/v1/clusters/flaky/resources/pods?namespace={ns}");
    w.wait_for(&pods, |v| v["total"] == 1 && v["sync"]["state"] == "synced");

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let url = ws_url_with_ticket(&w);
    let mut ws: Ws = rt.block_on(async { tokio_tungstenite::connect_async(url).await.unwrap().0 });
    let before = rt.block_on(async {
        ws_send(
            &mut ws,
            json!({"type": "subscribe", "id": "p", "context": "flaky", "kind": "pods", "namespace": ns}),
        )
        .await;
        ws_until(&mut ws, 10, |v| v["type"] == "subscribed").await.0
    });
    let seq_before = before["seq"].as_u64().unwrap();

    // The network goes: every kind goes stale, saying since when, in the API and in /health.
    relay.cut();
    let status = w.wait_for_secs("/api/v1/clusters/flaky", 60, |v| {
        kind_status(v, "pods")["state"] == "stale"
    });
    assert!(kind_status(&status, "pods")["since"].as_str().is_some(), "{status}");
    assert_eq!(status["synced"], false);
    let health = w.health();
    assert_eq!(health["dependencies"]["kubernetes_api"], "degraded", "{health}");
    let flaky = health["kubernetes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["context"] == "flaky")
        .unwrap_or_else(|| panic!("{health}"));
    assert_eq!(flaky["kinds"]["pods"], "stale");
    assert!(flaky["stale_since"]["pods"].as_str().is_some(), "{flaky}");
    // The last known state is still served meanwhile.
    assert_eq!(w.get(&pods)["total"], 1);

    // While it is away, the cluster changes; then the network comes back.
    kubectl(&kc, &["-n", &ns, "run", "away", "--image=nginx"]);
    relay.restore();
    w.wait_for_secs("/api/v1/clusters/flaky", 90, |v| v["synced"] == true);
    w.wait_for(&pods, |v| v["total"] == 2);
    assert_eq!(w.health()["dependencies"]["kubernetes_api"], "healthy");
    rt.block_on(async {
        // The view hears of the pod created meanwhile (or is told to list again after a relist).
        ws_until(&mut ws, 30, |v| {
            has_delta(v, "ADDED", "away")
                || (v["type"] == "deltas" && v["events"].as_array().unwrap().iter().any(|e| e["type"] == "RESYNC"))
        })
        .await;
    });
    kubectl(&kc, &["-n", &ns, "label", "pod", "away", "outage=over"]);
    rt.block_on(async { ws_until(&mut ws, 15, |v| has_delta(v, "MODIFIED", "away")).await });

    // Disconnect and connect again: the same subscription is told to list again and then
    // follows the new connection, without subscribing again.
    let (s, _) = w.request("POST", "/api/v1/clusters/flaky/disconnect", None);
    assert!(s < 300, "disconnect: {s}");
    rt.block_on(async { ws_until(&mut ws, 10, |v| resync(v, "ended")).await });
    let (s, body) = w.request("POST", "/api/v1/clusters/flaky/connect", None);
    assert_eq!(s, 200, "{body}");
    rt.block_on(async { ws_until(&mut ws, 10, |v| resync(v, "renewed")).await });
    w.wait_for(&pods, |v| v["total"] == 2 && v["sync"]["state"] == "synced");
    kubectl(&kc, &["-n", &ns, "label", "pod", "away", "reconnect=done"]);
    rt.block_on(async { ws_until(&mut ws, 15, |v| has_delta(v, "MODIFIED", "away")).await });

    // A sequence number from before the reconnect asks for a resync, never a wrong replay.
    let answer = rt.block_on(async {
        ws_send(&mut ws, json!({"type": "subscribe", "id": "again", "context": "flaky", "kind": "pods", "namespace": ns, "since": seq_before})).await;
        ws_until(&mut ws, 10, |v| v["type"] == "resync" || v.get("replay").is_some()).await.0
    });
    assert_eq!(answer["type"], "resync", "{answer}");

    // Switching makes the other context current.
    let (s, body) = w.request("POST", "/api/v1/clusters/direct/switch", None);
    assert_eq!(s, 200, "{body}");
    assert_eq!(w.get("/api/v1/clusters")["current"], "direct");
    kubectl(&kc, &["delete", "namespace", &ns, "--wait=false"]);
}
