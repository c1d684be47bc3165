//! The workbench's read views against the real control plane (tests/cluster): the overview,
//! search, resource metrics, an object's events, every cached kind, reads served from the cache
//! and the topology depth bound (logs: cluster_logs.rs; contexts and credentials:
//! cluster_contexts.rs).
//! Run inside `tests/cluster/with-cluster`, which sets KUBILITICS_TEST_KUBECONFIG.

mod common;
#[path = "workbench/mod.rs"]
mod workbench;

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;
use workbench::*;

const BASE: &str = "/api/v1/clusters/kubilitics-test";

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
    let _ = w.get_text_status(&format!("{BASE}/resources/pods/{ns}/{name}/logs?tail=1"));
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
