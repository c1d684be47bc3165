//! Pod logs against the real control plane (tests/cluster): a container's log by tail, since and
//! previous, and a followed log over the WebSocket. KWOK serves the kubelet's log endpoint from
//! files (tests/cluster/README.md). Run inside `tests/cluster/with-cluster`, which sets
//! KUBILITICS_TEST_KUBECONFIG.

mod common;
#[path = "workbench/mod.rs"]
mod workbench;

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use workbench::*;

const BASE: &str = "/api/v1/clusters/kubilitics-test";

/// CRI log format time stamp, as a kubelet writes it.
fn stamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.9fZ").to_string()
}

/// Log files that KWOK serves for pod `two` (containers `app` and `helper`) of a namespace.
struct LoggedPod {
    _dir: tempfile::TempDir,
    app_log: std::path::PathBuf,
    /// When the files were written.
    now: chrono::DateTime<chrono::Utc>,
}

/// Pod `two` in `ns` with containers `app` (two lines of two days ago, three of now, and a
/// previous container's log) and `helper` (one line). KWOK serves the kubelet's log endpoint
/// from files in the CRI log format, named by a ClusterLogs object (tests/cluster/README.md).
fn pod_with_logs(kc: &Path, ns: &str) -> LoggedPod {
    let dir = tempfile::tempdir().unwrap();
    let now = chrono::Utc::now();
    let old = now - chrono::Duration::days(2);
    let app: String = [
        (old, "app old 1"),
        (old + chrono::Duration::seconds(1), "app old 2"),
        (now - chrono::Duration::seconds(3), "app new 3"),
        (now - chrono::Duration::seconds(2), "app new 4"),
        (now - chrono::Duration::seconds(1), "app new 5"),
    ]
    .iter()
    .map(|(t, l)| format!("{} stdout F {l}\n", stamp(*t)))
    .collect();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let app_log = write("app.log", &app);
    let prev_log = write(
        "app-previous.log",
        &format!("{} stderr F panic: the app crashed before\n", stamp(old)),
    );
    let helper_log = write("helper.log", &format!("{} stdout F helper says hi\n", stamp(now)));
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    kubectl_apply(
        kc,
        &format!(
            r#"apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterLogs
metadata: {{name: {ns}}}
spec:
  selector:
    matchNamespaces: [{ns}]
  logs:
  - containers: [app]
    logsFile: {app_log}
    previousLogsFile: {prev_log}
  - containers: [helper]
    logsFile: {helper_log}
---
apiVersion: v1
kind: Pod
metadata: {{name: two, namespace: {ns}}}
spec:
  containers:
  - {{name: app, image: registry.example.com/app:1}}
  - {{name: helper, image: registry.example.com/helper:1}}
"#
        ),
    );
    LoggedPod {
        _dir: dir,
        app_log: app_log.into(),
        now,
    }
}

#[test]
#[ignore = "needs the real control plane: scripts/test.sh runs it inside tests/cluster/with-cluster"]
fn logs_follow_the_chosen_container_tail_since_and_previous() {
    let kc = test_kubeconfig();
    let ns = new_namespace(&kc, "logs");
    let logged = pod_with_logs(&kc, &ns);
    let now = logged.now;
    let w = Workbench::start(&kc, &[]);
    w.wait_for(&format!("{BASE}/resources/pods?namespace={ns}"), |v| {
        v["items"][0]["status"] == "Running"
    });
    let logs = format!("{BASE}/resources/pods/{ns}/two/logs");
    let lines = |query: &str| -> Vec<String> {
        let path = format!("{logs}?{query}");
        // KWOK may take a moment to pick up the ClusterLogs object.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (s, text) = w.get_text_status(&path);
            if s == 200 && !text.is_empty() {
                return text.lines().map(str::to_string).collect();
            }
            if Instant::now() > deadline {
                panic!("GET {path}: {s} {text}");
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    };

    // The chosen container's log, and only its.
    assert_eq!(
        lines("container=app"),
        ["app old 1", "app old 2", "app new 3", "app new 4", "app new 5"]
    );
    assert_eq!(lines("container=helper"), ["helper says hi"]);
    // The last N lines.
    assert_eq!(lines("container=app&tail=2"), ["app new 4", "app new 5"]);
    // Only lines newer than `since` seconds (an hour: the lines of two days ago are left out).
    assert_eq!(
        lines("container=app&since=3600"),
        ["app new 3", "app new 4", "app new 5"]
    );
    assert_eq!(lines("container=app&since=3600&tail=1"), ["app new 5"]);
    // The previous container's log.
    assert_eq!(lines("container=app&previous=true"), ["panic: the app crashed before"]);
    // With timestamps, each line starts with the time it was written.
    let stamped = lines("container=app&tail=1&timestamps=true");
    let written = stamp(now - chrono::Duration::seconds(1));
    assert!(stamped[0].ends_with(" app new 5"), "{stamped:?}");
    assert!(
        stamped[0].starts_with(&written[..19]),
        "{stamped:?} (written {written})"
    );

    // Which container, when a pod has several, is the user's to say: the API server's answer.
    let (s, body) = w.get_text_status(&logs);
    assert!(s >= 400, "{s} {body}");
    assert!(
        body.contains("app") && body.contains("helper"),
        "names the containers: {body}"
    );
    let (s, body) = w.get_text_status(&format!("{logs}?container=nope"));
    assert!(s >= 400 && body.contains("nope"), "{s} {body}");
    // Logs belong to pods.
    let (s, _) = w.get_text_status(&format!("{BASE}/resources/deployments/{ns}/two/logs"));
    assert_eq!(s, 400);
    kubectl(&kc, &["delete", "namespace", &ns, "--wait=false"]);
    kubectl(&kc, &["delete", "clusterlogs", &ns, "--wait=false"]);
}

#[test]
#[ignore = "needs the real control plane: scripts/test.sh runs it inside tests/cluster/with-cluster"]
fn a_followed_log_streams_the_lines_the_container_writes_over_the_websocket() {
    use futures::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;

    let kc = test_kubeconfig();
    let ns = new_namespace(&kc, "follow");
    let logged = pod_with_logs(&kc, &ns);
    let w = Workbench::start(&kc, &[]);
    w.wait_for(&format!("{BASE}/resources/pods?namespace={ns}"), |v| {
        v["items"][0]["status"] == "Running"
    });
    // KWOK serves the log once it has read the ClusterLogs object.
    let deadline = Instant::now() + Duration::from_secs(30);
    while w
        .get_text_status(&format!("{BASE}/resources/pods/{ns}/two/logs?container=app"))
        .0
        != 200
    {
        assert!(Instant::now() < deadline, "the log is never served");
        std::thread::sleep(Duration::from_millis(500));
    }
    let (s, t) = w.post("/api/v1/ws/ticket", json!({}));
    assert_eq!(s, 201, "{t}");
    let url = format!(
        "{}/api/v1/ws?ticket={}",
        w.sidecar.url.replacen("http", "ws", 1),
        t["ticket"].as_str().unwrap()
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("ticket accepted");
        // Log lines for `id`, read until `enough` holds (10 s at most).
        async fn lines_until(
            ws: &mut tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
            enough: impl Fn(&[String]) -> bool,
        ) -> Vec<String> {
            let mut lines = Vec::new();
            let mut seen = Vec::new();
            let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
            while !enough(&lines) {
                let msg = tokio::time::timeout_at(deadline, ws.next())
                    .await
                    .unwrap_or_else(|_| panic!("no log lines; saw {seen:?}, lines {lines:?}"));
                let Some(Ok(Message::Text(t))) = msg else { continue };
                let v: Value = serde_json::from_str(&t).unwrap();
                assert_ne!(v["type"], "error", "{v}");
                assert_ne!(v["type"], "log_end", "the log ended: {v}");
                if v["type"] == "log" && v["id"] == "l" {
                    lines.extend(v["lines"].as_array().unwrap().iter().map(|l| l.as_str().unwrap().to_string()));
                }
                seen.push(v);
            }
            lines
        }
        let follow = json!({"type": "logs", "id": "l", "context": "kubilitics-test", "namespace": ns, "pod": "two", "container": "app", "tail": 2});
        ws.send(Message::Text(follow.to_string().into())).await.unwrap();
        // The last two lines first.
        let first = lines_until(&mut ws, |l| l.len() >= 2).await;
        assert_eq!(first, ["app new 4", "app new 5"]);
        // Then what the container writes while it is followed.
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().append(true).open(&logged.app_log).unwrap();
        writeln!(f, "{} stdout F written while followed", stamp(chrono::Utc::now())).unwrap();
        drop(f);
        let next = lines_until(&mut ws, |l| !l.is_empty()).await;
        assert_eq!(next, ["written while followed"]);
    });
    kubectl(&kc, &["delete", "namespace", &ns, "--wait=false"]);
    kubectl(&kc, &["delete", "clusterlogs", &ns, "--wait=false"]);
}
