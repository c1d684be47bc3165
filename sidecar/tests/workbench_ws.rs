//! The live-update WebSocket against the real control plane: one-time tickets, deltas for what
//! kubectl changes, replay after a reconnect, and log following.

mod common;
#[path = "workbench/mod.rs"]
mod workbench;

use std::time::Duration;

use futures::StreamExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use workbench::*;

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
    ws_send(ws, v).await;
}

/// Reads messages until `want` matches one (10 s at most); returns it and everything before.
async fn until(ws: &mut Ws, want: impl Fn(&Value) -> bool) -> (Value, Vec<Value>) {
    ws_until(ws, 10, want).await
}

/// Opens the WebSocket with the bearer header (as a non-browser client may).
async fn connect_with_header(w: &Workbench) -> Ws {
    let mut req = ws_url(w, None).into_client_request().unwrap();
    req.headers_mut()
        .insert("authorization", format!("Bearer {}", w.token).parse().unwrap());
    tokio_tungstenite::connect_async(req)
        .await
        .expect("the bearer header is accepted")
        .0
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// One line of a container log file in the CRI format KWOK serves (as a kubelet's are).
fn cri_line(text: &str) -> String {
    let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
    format!("{at} stdout F {text}\n")
}

#[test]
#[ignore = "needs the real control plane: scripts/test.sh runs it inside tests/cluster/with-cluster"]
fn websocket_tickets_deltas_replay_and_logs() {
    let kc = test_kubeconfig();
    let ns = new_namespace(&kc, "ws");
    let w = Workbench::start_with(&kc, &[], &[("KUBILITICS_WS_PING_INTERVAL", "1")]);
    w.wait_for("/api/v1/clusters/kubilitics-test", |v| v["synced"] == true);
    let logs_dir = tempfile::tempdir().unwrap();
    let log_file = logs_dir.path().join("talker.log");
    let rt = runtime();
    rt.block_on(async {
        // Without a ticket or token: refused. A ticket works once.
        let refused = tokio_tungstenite::connect_async(ws_url(&w, None)).await;
        assert!(refused.is_err(), "opened without credentials");
        // The long-lived session token never works in the URL (it would end up in logs and
        // history), whatever the parameter is called; the same token in the header does.
        for param in ["token", "access_token", "ticket"] {
            let url = format!("{}?{param}={}", ws_url(&w, None), w.token);
            match tokio_tungstenite::connect_async(url).await {
                Err(tokio_tungstenite::tungstenite::Error::Http(r)) => {
                    assert_eq!(r.status(), 401, "?{param}=<session token>")
                }
                other => panic!("?{param}=<session token> was not refused: {:?}", other.map(|_| ())),
            }
        }
        let mut by_header = connect_with_header(&w).await;
        send(&mut by_header, json!({"type": "ping"})).await;
        until(&mut by_header, |v| v["type"] == "pong").await;
        drop(by_header);
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
        let update = running["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == "live" && e["row"]["status"] == "Running")
            .unwrap();
        assert_eq!(update["type"], "MODIFIED", "{running}");
        let last_seq = running["events"].as_array().unwrap().iter().map(|e| e["seq"].as_u64().unwrap()).max().unwrap();
        for m in before.iter().chain([&running]) {
            if m["type"] == "deltas" {
                assert!(m["events"].as_array().unwrap().iter().all(|e| e["namespace"] == ns.as_str()), "{m}");
            }
        }

        // A list says up to which delta it holds the changes: read after the Running delta, it
        // holds that change; a client applies only the deltas after its `seq`.
        let pods_url = format!("/api/v1/clusters/kubilitics-test/resources/pods?namespace={ns}");
        let listed = blocking(|| w.get(&pods_url));
        let list_seq = listed["seq"].as_u64().expect("a cached kind's list carries seq");
        assert!(list_seq >= last_seq, "list seq {list_seq} < the Running delta's {last_seq}");
        assert_eq!(listed["items"][0]["status"], "Running", "{listed}");

        // Ping/pong and the server's keepalive pings.
        send(&mut ws, json!({"type": "ping"})).await;
        until(&mut ws, |v| v["type"] == "pong").await;

        // Disconnect, change things, reconnect with `since`: the missed changes are replayed.
        drop(ws);
        blocking(|| kubectl(&kc, &["-n", &ns, "delete", "pod", "live", "--wait=false"]));
        blocking(|| w.wait_for(&pods_url, |v| v["total"] == 0));
        let (mut ws, _) = tokio_tungstenite::connect_async(ws_url(&w, Some(&blocking(|| ticket(&w))))).await.unwrap();
        send(&mut ws, json!({"type": "subscribe", "id": "p", "context": "kubilitics-test", "kind": "pods", "namespace": ns, "since": list_seq})).await;
        let (replay, _) = until(&mut ws, |v| v["type"] == "deltas" && v["replay"] == true).await;
        assert!(has_delta(&replay, "DELETED", "live"), "{replay}");
        // Asking for more than is kept gets a clear resync instead.
        send(&mut ws, json!({"type": "subscribe", "id": "q", "context": "kubilitics-test", "kind": "pods", "since": 0})).await;
        let (answer, _) = until(&mut ws, |v| (v["type"] == "deltas" && v["replay"] == true) || v["type"] == "resync").await;
        assert!(answer["type"] == "resync" || answer["events"].as_array().is_some(), "{answer}");

        // Follow a log. KWOK serves a pod's log from the file a ClusterLogs object names, as a
        // kubelet serves the container runtime's file.
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(logs_dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
            std::fs::write(&log_file, cri_line(&format!("hello from {ns}"))).unwrap();
            std::fs::set_permissions(&log_file, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        blocking(|| {
            kubectl_apply(
                &kc,
                &format!(
                    "apiVersion: kwok.x-k8s.io/v1alpha1\nkind: ClusterLogs\nmetadata:\n  name: {ns}\nspec:\n  selector:\n    matchNamespaces: [{ns}]\n  logs:\n  - logsFile: {}\n",
                    log_file.display()
                ),
            )
        });
        blocking(|| kubectl(&kc, &["-n", &ns, "run", "talker", "--image=busybox"]));
        blocking(|| w.wait_for(&format!("/api/v1/clusters/kubilitics-test/resources/pods?namespace={ns}"), |v| v["items"][0]["status"] == "Running"));
        send(&mut ws, json!({"type": "logs", "id": "l", "context": "kubilitics-test", "namespace": ns, "pod": "talker"})).await;
        let is_log_answer = |v: &Value| v["id"] == "l" && ["log", "log_end", "error"].contains(&v["type"].as_str().unwrap_or(""));
        let (answer, _) = until(&mut ws, is_log_answer).await;
        assert_eq!(answer["type"], "log", "{answer}");
        let lines = answer["lines"].as_array().unwrap();
        assert!(lines.iter().any(|l| l.as_str().unwrap().contains(&format!("hello from {ns}"))), "{answer}");
        // Followed: a line written later arrives on the same subscription.
        {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new().append(true).open(&log_file).unwrap();
            f.write_all(cri_line("written after the subscription").as_bytes()).unwrap();
        }
        let (later, _) = until(&mut ws, |v| is_log_answer(v) && v["lines"].as_array().is_none_or(|l| !l.is_empty())).await;
        assert_eq!(later["type"], "log", "{later}");
        assert!(later["lines"].as_array().unwrap().iter().any(|l| l.as_str().unwrap().contains("written after the subscription")), "{later}");
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
    kubectl(&kc, &["delete", "clusterlogs", &ns, "--wait=false"]);
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

#[test]
#[ignore = "needs the real control plane: scripts/test.sh runs it inside tests/cluster/with-cluster"]
fn changes_made_at_once_arrive_batched_in_fewer_messages() {
    let kc = test_kubeconfig();
    let ns = new_namespace(&kc, "batch");
    let names: Vec<String> = (0..10).map(|i| format!("batch-{i}")).collect();
    let docs: String = names
        .iter()
        .map(|n| {
            format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {n}\n  namespace: {ns}\n  labels: {{batch: \"yes\"}}\ndata: {{k: v}}\n")
        })
        .collect();
    kubectl_apply(&kc, &docs);
    let w = Workbench::start(&kc, &[]);
    w.wait_for(
        &format!("/api/v1/clusters/kubilitics-test/resources/configmaps?namespace={ns}&labelSelector=batch%3Dyes"),
        |v| v["total"] == 10,
    );
    runtime().block_on(async {
        let mut ws = connect_with_header(&w).await;
        send(&mut ws, json!({"type": "subscribe", "id": "c", "context": "kubilitics-test", "kind": "configmaps", "namespace": ns})).await;
        until(&mut ws, |v| v["type"] == "subscribed").await;

        // One request deletes the ten together (a delete-collection).
        let url = format!("/api/v1/namespaces/{ns}/configmaps?labelSelector=batch%3Dyes");
        blocking(|| kubectl(&kc, &["delete", "--raw", &url]));
        let mut deleted = std::collections::BTreeSet::new();
        let mut per_message = Vec::new();
        while deleted.len() < names.len() {
            let (m, _) = until(&mut ws, |v| {
                v["type"] == "deltas"
                    && v["events"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|e| e["type"] == "DELETED" && names.contains(&e["name"].as_str().unwrap().to_string()))
            })
            .await;
            let these: Vec<String> = m["events"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["type"] == "DELETED")
                .map(|e| e["name"].as_str().unwrap().to_string())
                .filter(|n| names.contains(n))
                .collect();
            per_message.push(these.len());
            deleted.extend(these);
        }
        assert!(
            per_message.len() < names.len() && per_message.iter().any(|n| *n > 1),
            "ten deletions arrived one per message: {per_message:?}"
        );
    });
    kubectl(&kc, &["delete", "namespace", &ns, "--wait=false"]);
}

/// The opcodes of the WebSocket frames in `bytes` (as a server sends them: unmasked).
fn frame_opcodes(mut bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while bytes.len() >= 2 {
        let (opcode, short) = (bytes[0] & 0x0f, (bytes[1] & 0x7f) as usize);
        let (len, header) = match short {
            126 if bytes.len() >= 4 => (u16::from_be_bytes([bytes[2], bytes[3]]) as usize, 4),
            127 if bytes.len() >= 10 => (u64::from_be_bytes(bytes[2..10].try_into().unwrap()) as usize, 10),
            126 | 127 => break,
            n => (n, 2),
        };
        out.push(opcode);
        bytes = &bytes[(header + len).min(bytes.len())..];
    }
    out
}

#[test]
#[ignore = "needs the real control plane: scripts/test.sh runs it inside tests/cluster/with-cluster"]
fn the_server_pings_every_interval_and_drops_a_client_that_never_answers() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let kc = test_kubeconfig();
    let w = Workbench::start_with(&kc, &[], &[("KUBILITICS_WS_PING_INTERVAL", "1")]);
    runtime().block_on(async {
        // A client that answers: each WebSocket Ping frame shows up (tungstenite passes it on,
        // and answers it with a Pong as browsers do). Five pings are more than the three
        // silent intervals after which a client is dropped, and this one is still served.
        let mut ws = connect_with_header(&w).await;
        let mut pings = 0;
        while pings < 5 {
            match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
                Ok(Some(Ok(Message::Ping(_)))) => pings += 1,
                Ok(Some(Ok(_))) => {}
                other => panic!("no Ping frame after {pings}: {other:?}"),
            }
        }
        send(&mut ws, json!({"type": "ping"})).await;
        until(&mut ws, |v| v["type"] == "pong").await;

        // A client that never answers: a raw socket that completes the handshake, then only
        // reads. The server pings it, then sends a Close frame and closes the connection.
        let addr = w.sidecar.url.trim_start_matches("http://").trim_end_matches('/').to_string();
        let mut tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let t = blocking(|| ticket(&w));
        tcp.write_all(
            format!(
                "GET /api/v1/ws?ticket={t} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        let closed = loop {
            match tokio::time::timeout_at(deadline, tcp.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) => break true,
                Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
                Err(_) => break false,
            }
        };
        let end = got.windows(4).position(|x| x == b"\r\n\r\n").expect("an HTTP answer") + 4;
        let head = String::from_utf8_lossy(&got[..end]).to_string();
        assert!(head.starts_with("HTTP/1.1 101"), "{head}");
        let opcodes = frame_opcodes(&got[end..]);
        assert!(opcodes.contains(&0x9), "pinged before being dropped: {opcodes:?}");
        assert!(closed, "a client that never answered was kept; frames: {opcodes:?}");
        assert_eq!(opcodes.last(), Some(&0x8), "a Close frame says why it was dropped: {opcodes:?}");
        assert!(opcodes.iter().filter(|o| **o == 0x9).count() <= 5, "kept for too many pings: {opcodes:?}");
    });
}
