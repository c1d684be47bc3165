//! The workbench benchmark (not a test): against the real control plane made by
//! `tests/cluster/up --nodes 500 --pods 10000`, with a steady stream of pod updates running from
//! before the sidecar starts to the end (BENCH_CHURN_PER_SEC), it prints
//! time from start to every kind synced, the pod list (all namespaces) latency p50/p99 over HTTP,
//! WebSocket delivery latency from an API change to the client p50/p99, the sidecar's peak RSS,
//! and `kubectl get pods -A -o json` against the same server for a side-by-side ratio.
//!
//!   tests/cluster/with-cluster --nodes 500 --pods 10000 -- cargo bench -p kubilitics --bench workbench
//!
//! Environment: KUBILITICS_TEST_KUBECONFIG (set by with-cluster), BENCH_LISTS (default 30),
//! BENCH_CHURN_PER_SEC (default 50), BENCH_CHURN_SECONDS (the WebSocket window, default 20), BENCH_KUBECTL_RUNS
//! (default 3; at 50,000 pods on a busy machine one kubectl list takes minutes, so allocator or
//! knob comparisons may skip it with 0), BENCH_SIDECAR_ENV (`K=V,K2=V2`: extra environment for
//! the sidecar, which otherwise starts with a clean one, e.g. `MALLOC_ARENA_MAX=2`),
//! BENCH_SIDECAR_BIN (a `kubilitics` binary to measure instead of this build, e.g. the previous
//! commit's release build, for a comparison against the same cluster).

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, Patch, PatchParams};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

/// The three kinds that synced last: "pods 10000 objects at 1.2 s, ...".
fn slowest_kinds(cluster: &Value, started: chrono::DateTime<chrono::Utc>) -> String {
    let mut kinds: Vec<(f64, String)> = cluster["kinds"]
        .as_array()
        .map(|a| a.as_slice())
        .unwrap_or_default()
        .iter()
        .filter_map(|k| {
            let since = chrono::DateTime::parse_from_rfc3339(k["since"].as_str()?).ok()?;
            let secs = (since.with_timezone(&chrono::Utc) - started).num_milliseconds() as f64 / 1000.0;
            Some((
                secs,
                format!("{} {} objects at {secs:.1} s", k["kind"].as_str()?, k["items"]),
            ))
        })
        .collect();
    kinds.sort_by(|a, b| b.0.total_cmp(&a.0));
    kinds.into_iter().take(3).map(|(_, s)| s).collect::<Vec<_>>().join(", ")
}

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn pct(mut v: Vec<f64>, p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

/// CPU seconds (user + system) `pid` has used so far; 0 where /proc does not say.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces): state is the 3rd field, utime the 14th.
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // Linux reports these in clock ticks of 1/100 s (USER_HZ) on every architecture it runs on here.
    (ticks(11) + ticks(12)) / 100.0
}

fn peak_rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let Ok(kubeconfig) = std::env::var("KUBILITICS_TEST_KUBECONFIG") else {
        eprintln!(
            "workbench bench: KUBILITICS_TEST_KUBECONFIG is not set; run it inside tests/cluster/with-cluster --nodes 500 --pods 10000"
        );
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run(kubeconfig));
}

async fn run(kubeconfig: String) {
    // The steady stream of pod updates runs from before the sidecar starts to the end: the sync,
    // the lists and the WebSocket are all measured under it.
    let client = kube::Client::try_from(
        kube::Config::from_custom_kubeconfig(
            kube::config::Kubeconfig::read_from(&kubeconfig).unwrap(),
            &kube::config::KubeConfigOptions {
                context: Some("kubilitics-test".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap(),
    )
    .unwrap();
    let all: Api<Pod> = Api::all(client.clone());
    let names: Vec<(String, String)> = all
        .list_metadata(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|p| {
            (
                p.metadata.namespace.unwrap_or_default(),
                p.metadata.name.unwrap_or_default(),
            )
        })
        .collect();
    let rate = env_num("BENCH_CHURN_PER_SEC", 50).max(1);
    let seconds = env_num("BENCH_CHURN_SECONDS", 20);
    // Every patch's send time, by pod; the WebSocket reader takes out what it sees delivered.
    let sent: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let changes = Arc::new(AtomicU64::new(0));
    let churn = {
        let (sent, stop, changes) = (sent.clone(), stop.clone(), changes.clone());
        let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / rate));
        let run = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        tokio::spawn(async move {
            let mut i = 0usize;
            while !stop.load(Ordering::Relaxed) {
                tick.tick().await;
                let (ns, name) = names[i % names.len()].clone();
                let api: Api<Pod> = Api::namespaced(client.clone(), &ns);
                let sent = sent.clone();
                changes.fetch_add(1, Ordering::Relaxed);
                tokio::spawn(async move {
                    sent.lock().unwrap().insert(format!("{ns}/{name}"), Instant::now());
                    // The run's start in the value: a rerun on the same cluster changes every pod again.
                    let patch =
                        json!({"metadata": {"annotations": {"bench.kubilitics.dev/seq": format!("{run}-{i}")}}});
                    let _ = api.patch(&name, &PatchParams::default(), &Patch::Merge(patch)).await;
                });
                i += 1;
            }
        })
    };
    let churn_started = Instant::now();

    let home = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let started_wall = chrono::Utc::now();
    let extra_env: Vec<(String, String)> = std::env::var("BENCH_SIDECAR_ENV")
        .unwrap_or_default()
        .split(',')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    // Another build of the sidecar (for instance the previous commit's) against the same cluster.
    let bin = std::env::var("BENCH_SIDECAR_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_kubilitics").to_string());
    let mut child = Command::new(bin)
        .arg("serve")
        .env_clear()
        .envs(extra_env.iter().map(|(k, v)| (k, v)))
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("KUBILITICS_HOME", home.path())
        .env("KUBILITICS_LOG_FORMAT", "json")
        .env("KUBILITICS_PORT", "0")
        .env("KUBILITICS_METRICS_PORT", "0")
        .env("KUBILITICS_KUBECONFIG_PATH", &kubeconfig)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("kubilitics starts");
    let pid = child.id();
    let mut url = String::new();
    for line in BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
    {
        if let Ok(v) = serde_json::from_str::<Value>(&line)
            && v["message"] == "listening"
        {
            url = v["url"].as_str().unwrap().to_string();
            break;
        }
    }
    let token = std::fs::read_to_string(home.path().join("session.token")).unwrap();
    let http = reqwest::Client::builder()
        .tls_backend_preconfigured(
            rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth(),
        )
        .no_proxy()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    // The whole response body, as a client has it before parsing (parsing is the client's cost).
    let fetch = |path: String| {
        let (http, url, token) = (http.clone(), url.clone(), token.clone());
        async move {
            let r = http
                .get(format!("{url}{path}"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            r.bytes().await.unwrap()
        }
    };
    let get = |path: String| {
        let fetch = &fetch;
        async move { serde_json::from_slice::<Value>(&fetch(path).await).unwrap_or(Value::Null) }
    };

    // 1. Time to synced, and which kinds took longest (each kind's `since` is when it synced).
    let (synced_after, slowest, sync_cpu) = loop {
        let v = get("/api/v1/clusters/kubilitics-test".into()).await;
        if v["synced"] == true {
            break (started.elapsed(), slowest_kinds(&v, started_wall), cpu_seconds(pid));
        }
        if started.elapsed() > Duration::from_secs(300) {
            panic!("not synced after 300 s: {v}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let pods_cached = get("/api/v1/clusters/kubilitics-test/resources/pods?limit=1".into()).await["total"]
        .as_u64()
        .unwrap_or(0);

    // 2. Pod list, all namespaces, no limit.
    let lists = env_num("BENCH_LISTS", 30);
    let mut list_ms = Vec::new();
    let mut list_bytes = 0;
    for _ in 0..lists {
        let t = Instant::now();
        let r = http
            .get(format!("{url}/api/v1/clusters/kubilitics-test/resources/pods"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        list_bytes = r.bytes().await.unwrap().len();
        list_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }

    // 3. kubectl against the same server, same run.
    let mut kubectl_ms = Vec::new();
    for _ in 0..env_num("BENCH_KUBECTL_RUNS", 3) {
        let t = Instant::now();
        let out = Command::new("kubectl")
            .args(["--kubeconfig", &kubeconfig, "get", "pods", "-A", "-o", "json"])
            .output()
            .unwrap();
        assert!(out.status.success());
        kubectl_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }

    // 4. Views computed from the cache: one namespace's topology (the bench spreads its pods over
    // 20 namespaces: 500 each at 10,000, 1,000 at 20,000) and the overview (every pod counted).
    // Timed to the last byte of the body; the client's own parsing is not the server's cost.
    let timed = async |path: &str| {
        let mut ms = Vec::new();
        for _ in 0..10 {
            let t = Instant::now();
            let body = fetch(path.to_string()).await;
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
            let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            assert!(!v.is_null(), "{path} answers JSON");
        }
        pct(ms, 0.5)
    };
    let topology_ms = timed("/api/v1/clusters/kubilitics-test/topology?namespace=bench-00").await;
    let topology = get("/api/v1/clusters/kubilitics-test/topology?namespace=bench-00".into()).await;
    let topology_pods = topology["nodes"]
        .as_array()
        .map_or(0, |n| n.iter().filter(|n| n["kind"] == "Pod").count());
    let overview_ms = timed("/api/v1/clusters/kubilitics-test/overview").await;

    // 5. WebSocket delivery under churn.
    let ticket = http
        .post(format!("{url}/api/v1/ws/ticket"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let ws_url = format!(
        "{}/api/v1/ws?ticket={}",
        url.replacen("http", "ws", 1),
        ticket["ticket"].as_str().unwrap()
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(ws_url).await.expect("websocket opens");
    ws.send(Message::Text(
        json!({"type": "subscribe", "id": "bench", "context": "kubilitics-test", "kind": "pods"})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    let delivered: Arc<Mutex<Vec<f64>>> = Arc::default();
    let reader = {
        let (sent, delivered) = (sent.clone(), delivered.clone());
        tokio::spawn(async move {
            while let Some(Ok(msg)) = ws.next().await {
                let Message::Text(t) = msg else { continue };
                let v: Value = serde_json::from_str(&t).unwrap_or(Value::Null);
                if v["type"] != "deltas" {
                    continue;
                }
                let now = Instant::now();
                for e in v["events"].as_array().into_iter().flatten() {
                    let key = format!(
                        "{}/{}",
                        e["namespace"].as_str().unwrap_or(""),
                        e["name"].as_str().unwrap_or("")
                    );
                    if let Some(at) = sent.lock().unwrap().remove(&key) {
                        delivered
                            .lock()
                            .unwrap()
                            .push(now.duration_since(at).as_secs_f64() * 1000.0);
                    }
                }
            }
        })
    };
    // Delivery is timed for the changes sent while subscribed.
    sent.lock().unwrap().clear();
    let changes_before = changes.load(Ordering::Relaxed);
    let window = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let _ = churn.await;
    let ws_changes = changes.load(Ordering::Relaxed) - changes_before;
    let ws_secs = window.elapsed().as_secs_f64();
    let churn_secs = churn_started.elapsed().as_secs_f64();
    let churned = changes.load(Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs(2)).await;
    reader.abort();
    let lat = delivered.lock().unwrap().clone();
    let rss = peak_rss_mib(pid);
    let _ = child.kill();
    let _ = child.wait();

    let p50 = pct(list_ms.clone(), 0.5);
    let k50 = pct(kubectl_ms.clone(), 0.5);
    println!("kubilitics workbench benchmark ({pods_cached} pods cached)");
    println!(
        "  time from start to all kinds synced : {:>9.0} ms",
        synced_after.as_secs_f64() * 1000.0
    );
    println!("    slowest kinds                     : {slowest}");
    println!("    sidecar CPU until synced          : {sync_cpu:>9.2} s");
    println!(
        "  pod list, all namespaces ({} rows, {:.1} MB JSON), {lists} requests",
        pods_cached,
        list_bytes as f64 / 1e6
    );
    println!("    p50                               : {p50:>9.1} ms");
    println!("    p99                               : {:>9.1} ms", pct(list_ms, 0.99));
    if kubectl_ms.is_empty() {
        println!("  kubectl get pods -A -o json          : not run (BENCH_KUBECTL_RUNS=0)");
    } else {
        println!(
            "  kubectl get pods -A -o json (median of {}): {k50:>6.0} ms   ratio kubectl/kubilitics p50: {:.0}x",
            kubectl_ms.len(),
            k50 / p50
        );
    }
    if !extra_env.is_empty() {
        println!("  sidecar environment added           : {extra_env:?}");
    }
    println!("  topology of namespace bench-00 ({topology_pods} pods), p50 of 10: {topology_ms:>7.1} ms");
    println!("  overview (all pods counted), p50 of 10  : {overview_ms:>7.1} ms");
    println!("  pod updates sent throughout          : {churned} at {rate}/s over {churn_secs:.1} s");
    println!(
        "  WebSocket delivery, API change -> client, {ws_changes} changes over {ws_secs:.1} s ({} delivered)",
        lat.len()
    );
    println!(
        "    p50                               : {:>9.1} ms",
        pct(lat.clone(), 0.5)
    );
    println!("    p99                               : {:>9.1} ms", pct(lat, 0.99));
    println!("  sidecar peak RSS                    : {rss:>9.1} MiB");
}
