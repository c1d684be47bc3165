//! The workbench's read views against the real control plane (tests/cluster): the overview,
//! search, resource metrics, an object's events, pod logs, every cached kind, reads served from
//! the cache, the topology depth bound, the contexts list and a bearer-token context.
//! Run inside `tests/cluster/with-cluster`, which sets KUBILITICS_TEST_KUBECONFIG.

mod common;
#[path = "workbench/mod.rs"]
mod workbench;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use workbench::*;

const BASE: &str = "/api/v1/clusters/kubilitics-test";

/// The items of a JSON list answer.
fn items(v: &Value) -> &Vec<Value> {
    v["items"].as_array().unwrap_or_else(|| panic!("no items: {v}"))
}

/// A pod whose image name is invalid: the simulated kubelet reports InvalidImageName and a
/// Warning event `InspectFailed` for it.
fn invalid_image_pod(kc: &Path, ns: &str, name: &str) {
    kubectl_apply(
        kc,
        &format!(
            r#"apiVersion: v1
kind: Pod
metadata:
  name: {name}
  namespace: {ns}
  labels: {{sim.kubilitics.dev/kubelet: invalid-image}}
spec:
  containers:
  - {{name: app, image: "Registry.Example.com/Shop:Latest"}}
"#
        ),
    );
}

/// GET `path` as text with the status (the log endpoint answers text/plain).
fn get_text_status(w: &Workbench, path: &str) -> (u16, String) {
    let r = w
        .client
        .get(format!("{}{path}", w.sidecar.url))
        .bearer_auth(&w.token)
        .send()
        .expect("request sent");
    (r.status().as_u16(), r.text().unwrap_or_default())
}

#[test]
#[ignore = "needs the real control plane: scripts/test.sh runs it inside tests/cluster/with-cluster"]
fn the_overview_counts_pods_by_namespace_and_status_and_shows_nodes_warnings_and_events() {
    let kc = test_kubeconfig();
    let ns = namespace_with_web(&kc, "overview", 2);
    invalid_image_pod(&kc, &ns, "bad");
    // A Deployment that never gets a ready pod.
    kubectl_apply(
        &kc,
        &format!(
            r#"apiVersion: apps/v1
kind: Deployment
metadata: {{name: stuck, namespace: {ns}}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: stuck}}}}
  template:
    metadata: {{labels: {{app: stuck, sim.kubilitics.dev/kubelet: invalid-image}}}}
    spec:
      containers:
      - {{name: app, image: "Registry.Example.com/Stuck:Latest"}}
"#
        ),
    );
    let w = Workbench::start(&kc, &[]);

    let o = w.wait_for(&format!("{BASE}/overview"), |o| {
        let mine = &o["pods_by_namespace"][ns.as_str()];
        mine["Running"] == 2
            && mine["InvalidImageName"] == 2
            && o["warnings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["object_name"] == "bad" && e["namespace"] == ns.as_str())
            && o["unhealthy_workloads"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["namespace"] == ns.as_str())
                .count()
                == 1
    });
    // Counts by namespace and status: exactly this namespace's pods, as the pod list shows them.
    let mine = o["pods_by_namespace"][ns.as_str()].as_object().unwrap();
    assert_eq!(mine.len(), 2, "only Running and InvalidImageName in {ns}: {mine:?}");
    let list = w.get(&format!("{BASE}/resources/pods?namespace={ns}"));
    assert_eq!(list["total"], 4);
    // The cluster-wide tally by status includes this namespace's pods.
    assert!(
        o["pods_by_status"]["Running"].as_u64().unwrap() >= 2,
        "{}",
        o["pods_by_status"]
    );
    assert!(o["pods_by_status"]["InvalidImageName"].as_u64().unwrap() >= 2);
    let by_ns_total: u64 = o["pods_by_namespace"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|m| m.as_object().unwrap().values())
        .map(|n| n.as_u64().unwrap())
        .sum();
    let by_status_total: u64 = o["pods_by_status"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(by_ns_total, by_status_total, "both tallies count the same pods");
    assert!(o["counts"]["pods"].as_u64().unwrap() >= 4, "{}", o["counts"]);
    assert!(o["counts"]["deployments"].as_u64().unwrap() >= 2, "{}", o["counts"]);

    // Nodes: the cluster's nodes, with their status column.
    let names: BTreeSet<String> = kubectl(&kc, &["get", "nodes", "-o", "name"])
        .lines()
        .map(|l| l.trim_start_matches("node/").to_string())
        .collect();
    let shown: BTreeSet<String> = o["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(shown, names, "the overview's nodes are the cluster's");
    // Each node's status says what its Ready condition says (other tests add NotReady nodes).
    let ready: BTreeSet<String> = kubectl(
        &kc,
        &[
            "get",
            "nodes",
            "-o",
            r#"jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}"#,
        ],
    )
    .lines()
    .filter_map(|l| l.strip_suffix("=True"))
    .map(str::to_string)
    .collect();
    for n in o["nodes"].as_array().unwrap() {
        let name = n["name"].as_str().unwrap();
        let says_ready = n["status"].as_str().unwrap().starts_with("Ready");
        assert_eq!(says_ready, ready.contains(name), "{n}");
    }
    assert!(!ready.is_empty(), "some node is Ready: {}", o["nodes"]);

    // Workloads short of ready replicas: `stuck`, not `web`.
    let unhealthy: Vec<&Value> = o["unhealthy_workloads"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["namespace"] == ns.as_str())
        .collect();
    assert_eq!(unhealthy.len(), 1, "{unhealthy:?}");
    assert_eq!(unhealthy[0]["name"], "stuck");
    assert_eq!(unhealthy[0]["ready"], "0/1");

    // Warnings: only Warning events, the bad pod's among them with the kubelet's words.
    let warnings = o["warnings"].as_array().unwrap();
    assert!(warnings.iter().all(|e| e["type"] == "Warning"), "{warnings:?}");
    let bad = warnings
        .iter()
        .find(|e| e["object_name"] == "bad" && e["namespace"] == ns.as_str())
        .unwrap();
    assert_eq!(bad["reason"], "InspectFailed");
    assert_eq!(bad["object_kind"], "Pod");
    assert!(
        bad["message"].as_str().unwrap().contains("invalid reference format"),
        "{bad}"
    );
    assert!(
        warnings
            .iter()
            .all(|e| e["object_name"] != "web" || e["namespace"] != ns.as_str()),
        "the healthy Deployment has no warning"
    );
    // Recent events: of any type, newest first; this namespace's Normal events among them.
    let recent = o["recent_events"].as_array().unwrap();
    assert!(
        recent
            .iter()
            .any(|e| e["namespace"] == ns.as_str() && e["type"] == "Normal"),
        "no Normal event of {ns} among the recent events: {recent:?}"
    );
    let seen: Vec<&str> = recent.iter().filter_map(|e| e["last_seen"].as_str()).collect();
    assert!(seen.windows(2).all(|p| p[0] >= p[1]), "newest first: {seen:?}");
    assert!(o["sync"].as_array().unwrap().iter().any(|k| k["kind"] == "pods"));
    kubectl(&kc, &["delete", "namespace", &ns, "--wait=false"]);
}

#[test]
#[ignore = "needs the real control plane: scripts/test.sh runs it inside tests/cluster/with-cluster"]
fn search_finds_objects_by_name_or_by_label_across_kinds_and_namespaces() {
    let kc = test_kubeconfig();
    let ns = namespace_with_web(&kc, "search", 2);
    let other = new_namespace(&kc, "search2");
    kubectl(&kc, &["-n", &ns, "expose", "deployment", "web", "--port=80"]);
    kubectl(
        &kc,
        &["-n", &ns, "create", "configmap", "web-settings", "--from-literal=a=b"],
    );
    kubectl(
        &kc,
        &["-n", &ns, "create", "configmap", "unrelated", "--from-literal=a=b"],
    );
    // One label, set on objects of two kinds in two namespaces.
    let team = format!("team={ns}");
    kubectl(&kc, &["-n", &ns, "label", "deployment", "web", &team]);
    kubectl(
        &kc,
        &["-n", &other, "create", "configmap", "billing", "--from-literal=a=b"],
    );
    kubectl(&kc, &["-n", &other, "label", "configmap", "billing", &team]);
    let w = Workbench::start(&kc, &[]);
    w.wait_for(&format!("{BASE}/resources/deployments?namespace={ns}"), |v| {
        v["items"][0]["ready"] == "2/2"
    });

    // By name: every cached kind whose object names contain the text, the exact name first.
    let by_name = w.wait_for(&format!("{BASE}/search?q=web&namespace={ns}"), |v| {
        items(v).iter().any(|h| h["kind"] == "EndpointSlice")
            && items(v).iter().filter(|h| h["kind"] == "Pod").count() == 2
    });
    let hits = items(&by_name);
    let kinds: BTreeSet<&str> = hits.iter().map(|h| h["kind"].as_str().unwrap()).collect();
    for k in [
        "Deployment",
        "ReplicaSet",
        "Pod",
        "Service",
        "EndpointSlice",
        "ConfigMap",
    ] {
        assert!(kinds.contains(k), "no {k} among {kinds:?}");
    }
    assert_eq!(hits[0]["row"]["name"], "web", "the exact name comes first: {by_name}");
    assert!(
        hits.iter()
            .all(|h| h["row"]["namespace"] == ns.as_str() && h["row"]["name"].as_str().unwrap().contains("web")),
        "{by_name}"
    );
    assert!(!by_name.to_string().contains("unrelated"));
    // Hits carry their kind's columns.
    let dep = hits.iter().find(|h| h["kind"] == "Deployment").unwrap();
    assert_eq!(dep["row"]["ready"], "2/2", "{dep}");
    let limited = w.get(&format!("{BASE}/search?q=web&namespace={ns}&limit=2"));
    assert_eq!(items(&limited).len(), 2);

    // By label: `app=web` matches the pods, their ReplicaSet and the Deployment, not the
    // unlabelled ConfigMap whose name contains "web".
    let by_label = w.get(&format!("{BASE}/search?q=app%3Dweb&namespace={ns}"));
    let labelled: Vec<(&str, &str)> = items(&by_label)
        .iter()
        .map(|h| (h["kind"].as_str().unwrap(), h["row"]["name"].as_str().unwrap()))
        .collect();
    assert_eq!(labelled.iter().filter(|(k, _)| *k == "Pod").count(), 2, "{labelled:?}");
    assert!(labelled.contains(&("Deployment", "web")), "{labelled:?}");
    assert!(labelled.iter().any(|(k, _)| *k == "ReplicaSet"), "{labelled:?}");
    assert!(!labelled.iter().any(|(k, _)| *k == "ConfigMap"), "{labelled:?}");

    // Without a namespace, a label finds objects of every kind in every namespace.
    let everywhere = w.wait_for(&format!("{BASE}/search?q=team%3D{ns}"), |v| items(v).len() == 2);
    let mut found: Vec<(String, String, String)> = items(&everywhere)
        .iter()
        .map(|h| {
            let s = |v: &Value| v.as_str().unwrap().to_string();
            (s(&h["kind"]), s(&h["row"]["namespace"]), s(&h["row"]["name"]))
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("ConfigMap".to_string(), other.clone(), "billing".to_string()),
            ("Deployment".to_string(), ns.clone(), "web".to_string()),
        ]
    );
    // A selector in set form works too; nothing matches a label no one has.
    let set = w.get(&format!("{BASE}/search?q=team%20in%20({ns})&namespace={other}"));
    assert_eq!(items(&set).len(), 1, "{set}");
    let none = w.get(&format!("{BASE}/search?q=team%3Dnobody-{ns}"));
    assert!(items(&none).is_empty(), "{none}");
    kubectl(&kc, &["delete", "namespace", &ns, &other, "--wait=false"]);
}

#[test]
#[ignore = "needs the real control plane: scripts/test.sh runs it inside tests/cluster/with-cluster"]
fn cpu_and_memory_come_from_the_clusters_metrics_api() {
    let kc = test_kubeconfig();
    let ns = new_namespace(&kc, "metrics");
    kubectl_apply(
        &kc,
        &format!(
            r#"apiVersion: v1
kind: Pod
metadata:
  name: busy
  namespace: {ns}
  annotations: {{kwok.x-k8s.io/usage-cpu: 250m, kwok.x-k8s.io/usage-memory: 96Mi}}
spec:
  containers:
  - {{name: app, image: nginx}}
"#
        ),
    );
    let w = Workbench::start(&kc, &[]);
    let pods = w.wait_for(&format!("{BASE}/resources/pods?namespace={ns}"), |v| {
        v["items"][0]["status"] == "Running"
    });
    let node = pods["items"][0]["node"].as_str().unwrap().to_string();

    // The metrics API scrapes every ~10 s and needs two scrapes for a CPU rate.
    let usage = w.wait_for_secs(&format!("{BASE}/metrics?namespace={ns}"), 120, |v| {
        items(v).iter().any(|i| i["name"] == "busy")
    });
    assert_eq!(usage["available"], true);
    assert_eq!(items(&usage).len(), 1, "only the namespace's pods: {usage}");
    let busy = &items(&usage)[0];
    assert_eq!(busy["namespace"], ns.as_str());
    assert_eq!(busy["memory_bytes"].as_f64().unwrap(), 96.0 * 1024.0 * 1024.0, "{busy}");
    let cpu = busy["cpu_millicores"].as_f64().unwrap();
    assert!((125.0..=375.0).contains(&cpu), "about 250m: {busy}");

    // Nodes too: the pod's node uses at least what the pod does.
    let nodes = w.wait_for_secs(&format!("{BASE}/metrics?kind=nodes"), 60, |v| {
        items(v).iter().any(|i| i["name"] == node.as_str())
    });
    assert_eq!(nodes["available"], true);
    let mine = items(&nodes).iter().find(|i| i["name"] == node.as_str()).unwrap();
    assert!(mine["namespace"].is_null(), "{mine}");
    assert!(
        mine["memory_bytes"].as_f64().unwrap() >= 96.0 * 1024.0 * 1024.0,
        "{mine}"
    );

    // Turned off in the settings: reported as not available.
    let off = Workbench::start(&kc, &[("kubernetes:\n  metrics_server_enabled: false\n", "")]);
    let none = off.get(&format!("{BASE}/metrics?namespace={ns}"));
    assert_eq!(none["available"], false);
    assert!(items(&none).is_empty());
    kubectl(&kc, &["delete", "namespace", &ns, "--wait=false"]);
}

#[test]
#[ignore = "needs the real control plane: scripts/test.sh runs it inside tests/cluster/with-cluster"]
fn an_objects_events_are_its_own_newest_first() {
    let kc = test_kubeconfig();
    let ns = namespace_with_web(&kc, "events", 1);
    invalid_image_pod(&kc, &ns, "bad");
    kubectl(&kc, &["-n", &ns, "run", "good", "--image=nginx"]);
    let w = Workbench::start(&kc, &[]);

    let bad = w.wait_for(&format!("{BASE}/resources/pods/{ns}/bad/events"), |v| {
        items(v).iter().any(|e| e["reason"] == "InspectFailed") && items(v).iter().any(|e| e["reason"] == "Scheduled")
    });
    let events = items(&bad);
    assert!(
        events
            .iter()
            .all(|e| e["object_kind"] == "Pod" && e["object_name"] == "bad" && e["object_namespace"] == ns.as_str()),
        "only the pod's own events: {bad}"
    );
    let warning = events.iter().find(|e| e["reason"] == "InspectFailed").unwrap();
    assert_eq!(warning["type"], "Warning");
    assert_eq!(warning["source"], "kubelet");
    assert!(
        warning["message"]
            .as_str()
            .unwrap()
            .contains("Registry.Example.com/Shop:Latest"),
        "{warning}"
    );
    let scheduled = events.iter().find(|e| e["reason"] == "Scheduled").unwrap();
    assert_eq!(scheduled["type"], "Normal");
    assert!(
        scheduled["message"].as_str().unwrap().contains(&format!("{ns}/bad")),
        "{scheduled}"
    );
    let seen: Vec<&str> = events.iter().filter_map(|e| e["last_seen"].as_str()).collect();
    assert!(seen.windows(2).all(|p| p[0] >= p[1]), "newest first: {seen:?}");

    // Another pod's events do not include that warning.
    let good = w.wait_for(&format!("{BASE}/resources/pods/{ns}/good/events"), |v| {
        items(v).iter().any(|e| e["reason"] == "Scheduled")
    });
    assert!(
        items(&good)
            .iter()
            .all(|e| e["type"] == "Normal" && e["object_name"] == "good"),
        "{good}"
    );
    // Other kinds, by alias: the Deployment's scaling events.
    let dep = w.wait_for(&format!("{BASE}/resources/deploy/{ns}/web/events"), |v| {
        items(v).iter().any(|e| e["reason"] == "ScalingReplicaSet")
    });
    assert!(items(&dep).iter().all(|e| e["object_kind"] == "Deployment"), "{dep}");
    // An object with no events: an empty list, not an error.
    let none = w.get(&format!("{BASE}/resources/pods/{ns}/no-such-pod/events"));
    assert!(items(&none).is_empty());
    kubectl(&kc, &["delete", "namespace", &ns, "--wait=false"]);
}

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
            let (s, text) = get_text_status(&w, &path);
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
    let (s, body) = get_text_status(&w, &logs);
    assert!(s >= 400, "{s} {body}");
    assert!(
        body.contains("app") && body.contains("helper"),
        "names the containers: {body}"
    );
    let (s, body) = get_text_status(&w, &format!("{logs}?container=nope"));
    assert!(s >= 400 && body.contains("nope"), "{s} {body}");
    // Logs belong to pods.
    let (s, _) = get_text_status(&w, &format!("{BASE}/resources/deployments/{ns}/two/logs"));
    assert_eq!(s, 400);
    kubectl(&kc, &["delete", "namespace", &ns, "--wait=false"]);
    kubectl(&kc, &["delete", "clusterlogs", &ns, "--wait=false"]);
}

/// The 21 kinds the issue names, by the URL names of the API.
const CACHED_KINDS: [&str; 21] = [
    "pods",
    "nodes",
    "namespaces",
    "services",
    "endpointslices",
    "deployments",
    "replicasets",
    "statefulsets",
    "daemonsets",
    "jobs",
    "cronjobs",
    "configmaps",
    "secrets",
    "persistentvolumeclaims",
    "persistentvolumes",
    "storageclasses",
    "ingresses",
    "events",
    "horizontalpodautoscalers",
    "poddisruptionbudgets",
    "networkpolicies",
];

#[test]
#[ignore = "needs the real control plane: scripts/test.sh runs it inside tests/cluster/with-cluster"]
fn every_cached_kind_syncs_and_lists_what_kubectl_created_with_its_columns() {
    let kc = test_kubeconfig();
    let ns = new_namespace(&kc, "kinds");
    kubectl_apply(
        &kc,
        &format!(
            r#"apiVersion: apps/v1
kind: StatefulSet
metadata: {{name: db, namespace: {ns}}}
spec:
  replicas: 2
  serviceName: db
  selector: {{matchLabels: {{app: db}}}}
  template:
    metadata: {{labels: {{app: db}}}}
    spec:
      containers:
      - {{name: db, image: postgres}}
---
apiVersion: v1
kind: Service
metadata: {{name: db, namespace: {ns}}}
spec:
  selector: {{app: db}}
  ports: [{{port: 5432}}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {{name: agent, namespace: {ns}}}
spec:
  selector: {{matchLabels: {{app: agent}}}}
  template:
    metadata: {{labels: {{app: agent}}}}
    spec:
      containers:
      - {{name: agent, image: fluentd}}
---
apiVersion: batch/v1
kind: Job
metadata: {{name: once, namespace: {ns}}}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - {{name: once, image: busybox}}
---
apiVersion: batch/v1
kind: CronJob
metadata: {{name: nightly, namespace: {ns}}}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
          - {{name: run, image: busybox}}
---
apiVersion: v1
kind: Event
metadata: {{name: db-0.tested, namespace: {ns}}}
involvedObject: {{apiVersion: apps/v1, kind: StatefulSet, name: db, namespace: {ns}}}
type: Warning
reason: Tested
message: an event written by the test
source: {{component: cluster-reads-test}}
count: 3
"#
        ),
    );
    let w = Workbench::start(&kc, &[]);

    // Every kind of the issue is watched and synced.
    let status = w.wait_for(BASE, |v| v["synced"] == true);
    let kinds: BTreeSet<&str> = status["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, CACHED_KINDS.into_iter().collect::<BTreeSet<_>>(), "{status}");
    for k in status["kinds"].as_array().unwrap() {
        assert_eq!(k["state"], "synced", "{k}");
        assert!(k["since"].is_string(), "synced since when: {k}");
    }
    let health = w.health();
    for k in CACHED_KINDS {
        assert_eq!(health["kubernetes"][0]["kinds"][k], "synced", "/health, {k}: {health}");
    }
    let list = |kind: &str, query: &str| w.get(&format!("{BASE}/resources/{kind}?{query}"));
    let row_of = |v: &Value, name: &str| -> Value {
        items(v)
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("{name} not listed: {v}"))
            .clone()
    };

    // Namespaces (cluster-scoped): ours, Active.
    let nss = list("namespaces", &format!("q={ns}"));
    assert_eq!(nss["total"], 1, "{nss}");
    let row = row_of(&nss, &ns);
    assert_eq!(row["status"], "Active");
    assert!(row.get("namespace").is_none(), "{row}");

    // StatefulSets: READY.
    let sts = w.wait_for(&format!("{BASE}/resources/statefulsets?namespace={ns}"), |v| {
        v["total"] == 1 && v["items"][0]["ready"] == "2/2"
    });
    assert_eq!(sts["items"][0]["name"], "db");
    assert!(sts["items"][0]["age"].as_str().unwrap().ends_with('s'));

    // EndpointSlices: the Service's, with the ready pods' addresses and its port.
    let pod_ips: BTreeSet<String> = items(&list("pods", &format!("namespace={ns}&labelSelector=app%3Ddb")))
        .iter()
        .map(|p| p["ip"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(pod_ips.len(), 2, "{pod_ips:?}");
    let slices = w.wait_for(&format!("{BASE}/resources/endpointslices?namespace={ns}"), |v| {
        v["total"] == 1 && v["items"][0]["endpoints"].as_str().unwrap_or("").split(',').count() == 2
    });
    let slice = &slices["items"][0];
    assert!(slice["name"].as_str().unwrap().starts_with("db-"), "{slice}");
    assert_eq!(slice["address_type"], "IPv4");
    assert_eq!(slice["ports"], "5432");
    let addrs: BTreeSet<String> = slice["endpoints"]
        .as_str()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    assert_eq!(addrs, pod_ips, "the slice lists the pods' IPs");

    // DaemonSets: one pod per node it may run on (other tests add tainted and NotReady nodes), all
    // ready, as the DaemonSet's own status counts them.
    let ds = w.wait_for(&format!("{BASE}/resources/daemonsets?namespace={ns}"), |v| {
        let r = &v["items"][0];
        v["total"] == 1
            && r["desired"].as_u64() >= Some(1)
            && r["ready"] == r["desired"]
            && r["available"] == r["desired"]
    });
    let row = &ds["items"][0];
    assert_eq!(row["name"], "agent");
    let desired: u64 = kubectl(
        &kc,
        &[
            "-n",
            &ns,
            "get",
            "daemonset",
            "agent",
            "-o",
            "jsonpath={.status.desiredNumberScheduled}",
        ],
    )
    .parse()
    .unwrap();
    assert_eq!(row["desired"], desired);
    assert_eq!(row["current"], desired);
    assert_eq!(row["up_to_date"], desired);

    // Jobs: complete, with completions and a duration.
    let jobs = w.wait_for(&format!("{BASE}/resources/jobs?namespace={ns}"), |v| {
        v["total"] == 1 && v["items"][0]["status"] == "Complete"
    });
    let row = &jobs["items"][0];
    assert_eq!(row["name"], "once");
    assert_eq!(row["completions"], "1/1");
    assert!(row["duration"].is_string(), "{row}");

    // CronJobs: schedule, suspend, active, last schedule.
    let cron = list("cronjobs", &format!("namespace={ns}"));
    assert_eq!(cron["total"], 1);
    let row = &cron["items"][0];
    assert_eq!(row["name"], "nightly");
    assert_eq!(row["schedule"], "0 3 * * *");
    assert_eq!(row["suspend"], false);
    assert_eq!(row["active"], 0);
    assert_eq!(row["last_schedule"], "");

    // Events: the one written, with kubectl get events' columns.
    let events = w.wait_for(&format!("{BASE}/resources/events?namespace={ns}&q=Tested"), |v| {
        v["total"] == 1
    });
    let row = &events["items"][0];
    assert_eq!(row["name"], "db-0.tested");
    assert_eq!(row["type"], "Warning");
    assert_eq!(row["reason"], "Tested");
    assert_eq!(row["object"], "statefulset/db");
    assert_eq!(row["message"], "an event written by the test");
    assert_eq!(row["count"], 3);
    // The controllers' own events are there too.
    let all = w.wait_for(&format!("{BASE}/resources/events?namespace={ns}"), |v| {
        items(v).iter().any(|e| e["reason"] == "SuccessfulCreate")
    });
    assert!(items(&all).iter().all(|e| e["namespace"] == ns.as_str()), "{all}");
    kubectl(&kc, &["delete", "namespace", &ns, "--wait=false"]);
}

/// `kubilitics_kubernetes_api_calls_total{resource="<resource>"}` from the sidecar's metrics
/// (`pods` for lists, watches and reads of pods; `pods/log` for their logs).
fn api_calls(w: &Workbench, resource: &str) -> u64 {
    let text = w
        .client
        .get(w.sidecar.metrics_url.clone().expect("the sidecar serves metrics"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    text.lines()
        .find_map(|l| {
            l.strip_prefix(&format!(
                "kubilitics_kubernetes_api_calls_total{{resource=\"{resource}\"}} "
            ))
        })
        .map_or(0, |n| n.trim().parse::<f64>().unwrap() as u64)
}

#[test]
#[ignore = "needs the real control plane: scripts/test.sh runs it inside tests/cluster/with-cluster"]
fn pod_lists_and_reads_are_served_from_the_cache_without_asking_the_api_server() {
    let kc = test_kubeconfig();
    let ns = namespace_with_web(&kc, "cached", 2);
    let w = Workbench::start(&kc, &[]);
    w.wait_for(BASE, |v| v["synced"] == true);
    let pods = w.wait_for(&format!("{BASE}/resources/pods?namespace={ns}"), |v| {
        v["total"] == 2 && items(v).iter().all(|p| p["status"] == "Running")
    });
    let name = pods["items"][0]["name"].as_str().unwrap().to_string();
    assert!(
        api_calls(&w, "pods") > 0,
        "the cache's own list and watch of pods are counted"
    );
    // 60 reads; a proxied read would count each time. The cache's own watch may renew itself
    // (the API server ends watches after some minutes) during one window, never in all three.
    let window = || {
        let before = api_calls(&w, "pods");
        for _ in 0..20 {
            let list = w.get(&format!("{BASE}/resources/pods?namespace={ns}"));
            assert_eq!(list["total"], 2);
            let all = w.get(&format!("{BASE}/resources/pods?limit=5"));
            assert!(all["total"].as_u64().unwrap() >= 2);
            let pod = w.get(&format!("{BASE}/resources/pods/{ns}/{name}"));
            assert_eq!(pod["metadata"]["name"], name.as_str());
        }
        api_calls(&w, "pods") - before
    };
    let calls: Vec<_> = (0..3).map(|_| window()).collect();
    assert!(
        calls.contains(&0),
        "60 reads of pods made API calls in every window: {calls:?}"
    );
    // The counters do see a read that goes to the API server: a pod's log is never cached.
    // (Insight scans read the logs of failing pods too, so this counter only grows.)
    let after = api_calls(&w, "pods/log");
    let _ = get_text_status(&w, &format!("{BASE}/resources/pods/{ns}/{name}/logs?tail=1"));
    assert!(api_calls(&w, "pods/log") > after, "a log read is a pods/log API call");
    kubectl(&kc, &["delete", "namespace", &ns, "--wait=false"]);
}

#[test]
#[ignore = "needs the real control plane: scripts/test.sh runs it inside tests/cluster/with-cluster"]
fn the_topology_cache_depth_setting_bounds_a_deeper_request() {
    let kc = test_kubeconfig();
    let ns = namespace_with_web(&kc, "depth", 2);
    let path = format!("{BASE}/topology?namespace={ns}&root=Deployment/{ns}/web&depth=5");
    let kinds_in = |g: &Value| -> BTreeSet<String> {
        g["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["kind"].as_str().unwrap().to_string())
            .collect()
    };
    // The default bound (5) lets depth=5 reach the pods and their nodes.
    let free = Workbench::start(&kc, &[]);
    let full = free.wait_for(&path, |g| {
        g["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["kind"] == "Pod")
            .count()
            == 2
            && g["nodes"].as_array().unwrap().iter().any(|n| n["kind"] == "Node")
    });
    assert_eq!(full["truncated"], false, "{full}");
    drop(free);

    let capped = Workbench::start_with(&kc, &[], &[("KUBILITICS_TOPOLOGY_CACHE_DEPTH", "1")]);
    // The cache has the pods (so their absence below is the bound, not a slow sync).
    capped.wait_for(&format!("{BASE}/resources/pods?namespace={ns}"), |v| v["total"] == 2);
    let near = capped.get(&path);
    assert_eq!(
        kinds_in(&near),
        ["Deployment", "ReplicaSet"].map(String::from).into_iter().collect(),
        "one hop from the Deployment: {near}"
    );
    assert_eq!(near["truncated"], true, "{near}");
    kubectl(&kc, &["delete", "namespace", &ns, "--wait=false"]);
}

#[test]
#[ignore = "needs the real control plane: scripts/test.sh runs it inside tests/cluster/with-cluster"]
fn contexts_list_cluster_user_namespace_server_and_reachable_after_connecting() {
    let kc = test_kubeconfig();
    let doc: Value = serde_norway::from_str(&std::fs::read_to_string(&kc).unwrap()).unwrap();
    let entry = |list: &str, name: &str| -> Value {
        doc[list]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("{name} not in {list}"))
            .clone()
    };
    let w = Workbench::start(&kc, &[]);
    let view = |name: &str| -> Value {
        let list = w.get("/api/v1/clusters");
        items(&list).iter().find(|c| c["name"] == name).unwrap().clone()
    };
    for name in ["kubilitics-test", "kubilitics-test-readonly"] {
        let ctx = entry("contexts", name)["context"].clone();
        let cluster = entry("clusters", ctx["cluster"].as_str().unwrap());
        let v = view(name);
        assert_eq!(v["cluster"], ctx["cluster"], "{v}");
        assert_eq!(v["user"], ctx["user"], "{v}");
        assert_eq!(
            v["namespace"],
            ctx.get("namespace").cloned().unwrap_or(Value::Null),
            "{v}"
        );
        assert_eq!(v["server"], cluster["cluster"]["server"], "{v}");
        assert_eq!(v["source"], kc.display().to_string());
    }
    // Not tried yet: whether it is reachable is not known.
    assert!(view("kubilitics-test-readonly")["reachable"].is_null());
    let (s, body) = w.request("POST", "/api/v1/clusters/kubilitics-test-readonly/connect", None);
    assert_eq!(s, 200, "{body}");
    let v = view("kubilitics-test-readonly");
    assert_eq!(v["reachable"], true, "{v}");
    assert_eq!(v["connected"], true);
    assert!(v["failure"].is_null(), "{v}");
}

/// A kubeconfig with one context, `sa`, in `ns`, that signs in with a token of the service
/// account `ns/account`. Returns the directory (deleted on drop), the file and the token.
fn token_kubeconfig(kc: &Path, ns: &str, account: &str) -> (tempfile::TempDir, PathBuf, String) {
    let token = kubectl(kc, &["-n", ns, "create", "token", account, "--duration=1h"])
        .trim()
        .to_string();
    let base: Value = serde_norway::from_str(&std::fs::read_to_string(kc).unwrap()).unwrap();
    let cluster = base["clusters"][0]["cluster"].clone();
    let doc = json!({
        "apiVersion": "v1", "kind": "Config", "current-context": "sa",
        "clusters": [{"name": "real", "cluster": cluster}],
        "users": [{"name": account, "user": {"token": token}}],
        "contexts": [{"name": "sa", "context": {"cluster": "real", "user": account, "namespace": ns}}],
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kubeconfig");
    std::fs::write(&path, serde_norway::to_string(&doc).unwrap()).unwrap();
    (dir, path, token)
}

#[test]
#[ignore = "needs the real control plane: scripts/test.sh runs it inside tests/cluster/with-cluster"]
fn a_user_bound_to_one_namespace_sees_it_live_and_is_told_what_else_is_forbidden() {
    let kc = test_kubeconfig();
    let ns = new_namespace(&kc, "mine");
    let other = new_namespace(&kc, "theirs");
    kubectl(&kc, &["-n", &ns, "run", "visible", "--image=nginx"]);
    kubectl(&kc, &["-n", &other, "run", "hidden", "--image=nginx"]);
    kubectl(&kc, &["-n", &ns, "create", "serviceaccount", "dev"]);
    // The everyday team setup: `view` through a RoleBinding, in the team's namespace only.
    kubectl(
        &kc,
        &[
            "-n",
            &ns,
            "create",
            "rolebinding",
            "dev-view",
            "--clusterrole=view",
            &format!("--serviceaccount={ns}:dev"),
        ],
    );
    // A fault settled before the sidecar starts, so only its first scan can find it.
    kubectl_apply(
        &kc,
        &format!(
            r#"
apiVersion: v1
kind: Pod
metadata:
  name: orders
  namespace: {ns}
  labels: {{sim.kubilitics.dev/kubelet: config-error}}
  annotations: {{sim.kubilitics.dev/fault-message: 'configmap "orders-config" not found'}}
spec:
  containers:
  - name: app
    image: registry.example.com/orders:1.0
    env:
    - name: DATABASE_URL
      valueFrom: {{configMapKeyRef: {{name: orders-config, key: DATABASE_URL}}}}
"#
        ),
    );
    let waiting = || {
        kubectl(
            &kc,
            &[
                "-n",
                &ns,
                "get",
                "pod",
                "orders",
                "-o",
                "jsonpath={.status.containerStatuses[0].state.waiting.reason}",
            ],
        )
    };
    let started = Instant::now();
    while waiting() != "CreateContainerConfigError" {
        assert!(started.elapsed() < Duration::from_secs(60), "the fault never showed");
        std::thread::sleep(Duration::from_millis(300));
    }
    // A custom resource the team may read in its namespace through a Role of its own.
    let group = format!("{}.kubilitics.test", ns.replace('-', ""));
    kubectl_apply(
        &kc,
        &format!(
            r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.{group}
spec:
  group: {group}
  scope: Namespaced
  names: {{plural: gadgets, singular: gadget, kind: Gadget}}
  versions:
  - {{name: v1, served: true, storage: true, schema: {{openAPIV3Schema: {{type: object, x-kubernetes-preserve-unknown-fields: true}}}}}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {{name: gadget-reader, namespace: {ns}}}
rules:
- {{apiGroups: ["{group}"], resources: [gadgets], verbs: [get, list, watch]}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: dev-gadgets, namespace: {ns}}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: gadget-reader}}
subjects:
- {{kind: ServiceAccount, name: dev, namespace: {ns}}}
"#
        ),
    );
    kubectl(
        &kc,
        &["wait", "--for=condition=Established", &format!("crd/gadgets.{group}")],
    );
    for (name, namespace) in [("ours", &ns), ("someone-elses", &other)] {
        kubectl_apply(
            &kc,
            &format!("apiVersion: {group}/v1\nkind: Gadget\nmetadata: {{name: {name}, namespace: {namespace}}}\n"),
        );
    }
    let (_dir, path, _token) = token_kubeconfig(&kc, &ns, "dev");
    let w = Workbench::start(&path, &[]);
    let (s, body) = w.request("POST", "/api/v1/clusters/sa/connect", None);
    assert_eq!(s, 200, "{body}");

    let status = w.wait_for("/api/v1/clusters/sa", |v| v["synced"] == true);
    for kind in ["pods", "deployments", "configmaps", "events"] {
        let k = kind_status(&status, kind);
        assert_eq!(k["state"], "synced", "{k}");
        assert_eq!(
            k["namespace"],
            ns.as_str(),
            "{kind} is watched in the context's namespace: {k}"
        );
    }
    // What a RoleBinding cannot grant stays forbidden, with the API server's reason.
    for kind in ["nodes", "namespaces", "persistentvolumes"] {
        let k = kind_status(&status, kind);
        assert_eq!(k["state"], "forbidden", "{k}");
        assert!(k["message"].as_str().unwrap().contains("forbidden"), "{k}");
    }
    // `view` has no secrets, in the namespace either.
    assert_eq!(kind_status(&status, "secrets")["state"], "forbidden");

    // Every namespace the user may read, and nothing of the others.
    let pods = w.get("/api/v1/clusters/sa/resources/pods");
    let names: BTreeSet<_> = items(&pods).iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, BTreeSet::from(["orders", "visible"]), "{pods}");
    // And it is live: a pod created afterwards shows up through the namespace's watch.
    kubectl(&kc, &["-n", &ns, "run", "later", "--image=nginx"]);
    w.wait_for("/api/v1/clusters/sa/resources/pods", |v| {
        v["total"] == 3 && items(v).iter().any(|p| p["name"] == "later")
    });
    // The custom resource, read live, narrows the same way and says so.
    let gadgets = w.get(&format!("/api/v1/clusters/sa/resources/gadgets.{group}"));
    assert_eq!(gadgets["total"], 1, "{gadgets}");
    assert_eq!(gadgets["items"][0]["name"], "ours");
    assert_eq!(gadgets["sync"]["namespace"], ns.as_str(), "{gadgets}");
    // The admin, who may list every namespace, gets both, with no note.
    let admin = Workbench::start(&kc, &[]);
    let all = admin.get(&format!("/api/v1/clusters/kubilitics-test/resources/gadgets.{group}"));
    assert_eq!(all["total"], 2, "{all}");
    assert!(all["sync"].is_null(), "{all}");

    // The insight scan covers that namespace although the user cannot list namespaces.
    w.wait_for("/api/v1/ai/insights?limit=1000", |v| {
        items(v)
            .iter()
            .any(|i| i["code"] == "CONFIG_MISSING_CONFIGMAP" && i["namespace"] == ns.as_str() && i["name"] == "orders")
    });
    kubectl(&kc, &["delete", "namespace", &ns, &other, "--wait=false"]);
    kubectl(&kc, &["delete", "crd", &format!("gadgets.{group}"), "--wait=false"]);
}

#[test]
#[ignore = "needs the real control plane: scripts/test.sh runs it inside tests/cluster/with-cluster"]
fn a_service_account_token_context_connects_and_reads_with_that_accounts_rights() {
    let kc = test_kubeconfig();
    let ns = new_namespace(&kc, "token");
    kubectl(&kc, &["-n", &ns, "run", "visible", "--image=nginx"]);
    kubectl(&kc, &["-n", &ns, "create", "serviceaccount", "reader"]);
    let binding = format!("{ns}-reader");
    kubectl(
        &kc,
        &[
            "create",
            "clusterrolebinding",
            &binding,
            "--clusterrole=view",
            &format!("--serviceaccount={ns}:reader"),
        ],
    );
    let (_dir, path, token) = token_kubeconfig(&kc, &ns, "reader");
    let w = Workbench::start(&path, &[]);

    let list = w.get("/api/v1/clusters");
    let sa = &items(&list)[0];
    assert_eq!(sa["auth"], "token");
    assert_eq!(sa["namespace"], ns.as_str());
    let (s, body) = w.request("POST", "/api/v1/clusters/sa/connect", None);
    assert_eq!(s, 200, "{body}");
    let pods = w.wait_for(&format!("/api/v1/clusters/sa/resources/pods?namespace={ns}"), |v| {
        v["total"] == 1
    });
    assert_eq!(pods["items"][0]["name"], "visible");
    // The requests carry that account's identity: `view` lists pods but not secrets.
    let status = w.wait_for("/api/v1/clusters/sa", |v| v["synced"] == true);
    let pods = kind_status(&status, "pods");
    assert_eq!(pods["state"], "synced");
    assert!(
        pods.get("namespace").is_none(),
        "a ClusterRoleBinding reads every namespace: {pods}"
    );
    assert_eq!(kind_status(&status, "secrets")["state"], "forbidden");
    let list = w.get("/api/v1/clusters");
    assert_eq!(items(&list)[0]["reachable"], true);
    assert!(
        !std::fs::read_to_string(w.sidecar.home.join("stdout.log"))
            .unwrap_or_default()
            .contains(&token)
    );
    kubectl(&kc, &["delete", "clusterrolebinding", &binding, "--wait=false"]);
    kubectl(&kc, &["delete", "namespace", &ns, "--wait=false"]);
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
    while get_text_status(&w, &format!("{BASE}/resources/pods/{ns}/two/logs?container=app")).0 != 200 {
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

#[test]
#[ignore = "needs the real control plane: scripts/test.sh runs it inside tests/cluster/with-cluster"]
fn switching_makes_a_context_current_and_connects_it() {
    let kc = test_kubeconfig();
    let w = Workbench::start(&kc, &[]);
    let list = w.get("/api/v1/clusters");
    assert_eq!(list["current"], "kubilitics-test");
    let (s, status) = w.post("/api/v1/clusters/kubilitics-test-readonly/switch", json!({}));
    assert_eq!(s, 200, "{status}");
    assert_eq!(status["context"], "kubilitics-test-readonly");
    let list = w.get("/api/v1/clusters");
    assert_eq!(list["current"], "kubilitics-test-readonly");
    let by_name = |n: &str| items(&list).iter().find(|c| c["name"] == n).unwrap().clone();
    assert_eq!(by_name("kubilitics-test-readonly")["current"], true);
    assert_eq!(by_name("kubilitics-test-readonly")["connected"], true);
    assert_eq!(by_name("kubilitics-test")["current"], false);
    // The switched-to context reads with its own rights.
    let status = w.wait_for("/api/v1/clusters/kubilitics-test-readonly", |v| v["synced"] == true);
    assert_eq!(kind_status(&status, "secrets")["state"], "forbidden");
    // A context the kubeconfig does not have: refused, the current one stays.
    let (s, body) = w.post("/api/v1/clusters/no-such-context/switch", json!({}));
    assert_eq!(s, 404, "{body}");
    assert_eq!(w.get("/api/v1/clusters")["current"], "kubilitics-test-readonly");
}
