//! What the sandbox serves at start: the built-in demo (recorded from the real control plane by
//! `demo/record.sh`, embedded in the binary), scenario directories given with `--scenario`, and
//! synthetic load from `--scale pods=N`.
//!
//! The recording's timestamps are moved forward so that its "now" is the sandbox's start: ages
//! and event times read as they did when it was recorded.

use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::SandboxError;
use crate::logs::{LogFiles, Logs};
use crate::resources;
use crate::store::Store;

const RECORDED: &str = include_str!("../demo/recorded/cluster.json");
const DEMO_LOGS: &str = include_str!("../demo/scenario/50-logs.yaml");

/// The demo's container log files, embedded under the names the ClusterLogs object uses.
const DEMO_LOG_FILES: &[(&str, &str)] = &[
    ("frontend.log", include_str!("../demo/scenario/logs/frontend.log")),
    ("catalog.log", include_str!("../demo/scenario/logs/catalog.log")),
    ("checkout.log", include_str!("../demo/scenario/logs/checkout.log")),
    (
        "checkout.previous.log",
        include_str!("../demo/scenario/logs/checkout.previous.log"),
    ),
    ("fraud-check.log", include_str!("../demo/scenario/logs/fraud-check.log")),
    (
        "fraud-check.previous.log",
        include_str!("../demo/scenario/logs/fraud-check.previous.log"),
    ),
    ("reviews.log", include_str!("../demo/scenario/logs/reviews.log")),
    ("search.log", include_str!("../demo/scenario/logs/search.log")),
    ("api.log", include_str!("../demo/scenario/logs/api.log")),
    ("postgres.log", include_str!("../demo/scenario/logs/postgres.log")),
];

/// Load the recorded demo into the store, shifted to the present. Returns how many objects.
pub fn load_builtin(store: &Store, logs: &mut Logs) -> Result<usize, SandboxError> {
    let doc: Value = serde_json::from_str(RECORDED).map_err(|e| SandboxError::Demo(format!("recorded demo: {e}")))?;
    let recorded_at = doc["recordedAt"]
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| SandboxError::Demo("recorded demo has no recordedAt".into()))?;
    let shift = Utc::now() - recorded_at;
    let mut n = 0;
    for item in doc["items"].as_array().into_iter().flatten() {
        let mut item = item.clone();
        shift_times(&mut item, shift);
        let api_version = item["apiVersion"].as_str().unwrap_or_default();
        let kind = item["kind"].as_str().unwrap_or_default();
        if let Some(res) = resources::by_kind(api_version, kind) {
            store.load(res, item);
            n += 1;
        }
    }
    for doc in parse_manifests(DEMO_LOGS, "demo/scenario/50-logs.yaml")? {
        logs.add_cluster_logs(&doc, &LogFiles::Embedded(DEMO_LOG_FILES));
    }
    Ok(n)
}

/// Move every RFC 3339 timestamp in `v` by `shift`.
fn shift_times(v: &mut Value, shift: chrono::TimeDelta) {
    match v {
        Value::String(s) if looks_like_time(s) => {
            if let Ok(t) = DateTime::parse_from_rfc3339(s) {
                let moved = t.with_timezone(&Utc) + shift;
                let micro = s.contains('.');
                *s = moved.to_rfc3339_opts(
                    if micro {
                        SecondsFormat::Micros
                    } else {
                        SecondsFormat::Secs
                    },
                    true,
                );
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| shift_times(x, shift)),
        Value::Object(m) => m.values_mut().for_each(|x| shift_times(x, shift)),
        _ => {}
    }
}

fn looks_like_time(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 20 && b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[13] == b':' && s.ends_with('Z')
}

/// Parse a multi-document YAML (or JSON) manifest; `List` kinds are flattened.
pub fn parse_manifests(text: &str, origin: &str) -> Result<Vec<Value>, SandboxError> {
    let mut out = Vec::new();
    for doc in serde_norway::Deserializer::from_str(text) {
        let v: Value =
            serde::Deserialize::deserialize(doc).map_err(|e| SandboxError::Demo(format!("{origin}: {e}")))?;
        if v.is_null() {
            continue;
        }
        if v["kind"].as_str().is_some_and(|k| k.ends_with("List")) && v["items"].is_array() {
            out.extend(v["items"].as_array().into_iter().flatten().cloned());
        } else {
            out.push(v);
        }
    }
    Ok(out)
}

/// Every manifest of a scenario directory (as tests/cluster applies them: `*.yaml|yml|json`,
/// `expected.yaml` excluded, `__SCENARIO_DIR__` replaced by the directory's absolute path).
pub fn read_scenario(dir: &Path) -> Result<Vec<Value>, SandboxError> {
    let abs = std::fs::canonicalize(dir).map_err(|e| SandboxError::Io(format!("scenario {}", dir.display()), e))?;
    let mut files = Vec::new();
    collect_files(&abs, &mut files)?;
    files.sort();
    if files.is_empty() {
        return Err(SandboxError::Demo(format!("scenario {}: no manifests", dir.display())));
    }
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).map_err(|e| SandboxError::Io(f.display().to_string(), e))?;
        let text = text.replace("__SCENARIO_DIR__", &abs.display().to_string());
        out.extend(parse_manifests(&text, &f.display().to_string())?);
    }
    Ok(out)
}

fn collect_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> Result<(), SandboxError> {
    let entries = std::fs::read_dir(dir).map_err(|e| SandboxError::Io(dir.display().to_string(), e))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, out)?;
        } else if path.file_name().is_some_and(|n| n != "expected.yaml")
            && path
                .extension()
                .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
        {
            out.push(path);
        }
    }
    Ok(())
}

/// Create scenario objects as `kubectl apply` would (controllers then make their pods).
/// Kinds the sandbox does not serve are skipped and named in the returned warnings, except
/// ClusterLogs, which become log sources.
pub fn apply_objects(store: &Store, logs: &mut Logs, objects: Vec<Value>) -> Vec<String> {
    let mut warnings = Vec::new();
    for obj in objects {
        let api_version = obj["apiVersion"].as_str().unwrap_or_default().to_string();
        let kind = obj["kind"].as_str().unwrap_or_default().to_string();
        if kind == "ClusterLogs" || kind == "Logs" {
            logs.add_cluster_logs(&obj, &LogFiles::Disk);
            continue;
        }
        let Some(res) = resources::by_kind(&api_version, &kind) else {
            warnings.push(format!("skipped {api_version} {kind}: not served by the sandbox"));
            continue;
        };
        let mut obj = obj;
        if resources::get(res).namespaced && obj["metadata"]["namespace"].is_null() {
            obj["metadata"]["namespace"] = json!("default");
        }
        if let Err(e) = crate::api::write::prepare_new(res, &mut obj).and_then(|()| store.create(res, obj).map(|_| ()))
        {
            warnings.push(format!("{kind}: {}", e.message));
        }
    }
    warnings
}

/// Simulated nodes shaped like tests/cluster's KWOK nodes (32 cpu, 256Gi, 110 pods each).
pub fn nodes(from: usize, count: usize) -> Vec<Value> {
    let t = crate::store::now();
    let cond = |ty: &str, status: &str, reason: &str, message: &str| json!({"type": ty, "status": status, "reason": reason, "message": message, "lastHeartbeatTime": t, "lastTransitionTime": t});
    (from..from + count)
        .map(|i| {
            let name = format!("kwok-node-{i}");
            let zone = ["zone-a", "zone-b", "zone-c"][i % 3];
            json!({
                "apiVersion": "v1", "kind": "Node",
                "metadata": {"name": name, "creationTimestamp": t, "uid": uuid::Uuid::new_v4().to_string(),
                    "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
                    "labels": {"beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
                        "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubilitics.dev/node-pool": "general",
                        "node.kubernetes.io/instance-type": "kwok-32x256", "topology.kubernetes.io/zone": zone, "type": "kwok"}},
                "spec": {},
                "status": {
                    "addresses": [{"address": "127.0.0.1", "type": "InternalIP"}, {"address": "", "type": "Hostname"}],
                    "allocatable": {"cpu": "32", "ephemeral-storage": "500Gi", "memory": "256Gi", "pods": "110"},
                    "capacity": {"cpu": "32", "ephemeral-storage": "500Gi", "memory": "256Gi", "pods": "110"},
                    "conditions": [
                        cond("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
                        cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                        cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                        cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                    ],
                    "nodeInfo": {"architecture": "amd64", "containerRuntimeVersion": "kwok://v0.8.0", "kernelVersion": "kwok",
                        "kubeProxyVersion": "kwok", "kubeletVersion": "v1.36.3-kwok", "operatingSystem": "linux", "osImage": "KWOK simulated node"},
                    "phase": "Running",
                }
            })
        })
        .collect()
}

/// `--scale pods=N`: N running pods in Deployments of 50 across up to 20 `bench-NN`
/// namespaces (the shape of `tests/cluster/up --pods N`), made directly in their settled state
/// (Deployment, ReplicaSet, pods bound to `node_names` and ready) so start-up stays fast.
pub fn load_scale(store: &Store, pods: usize, node_names: &[String]) {
    let res = |g: &str, p: &str| resources::find(g, "v1", p).unwrap_or_default();
    let deployments = pods.div_ceil(50);
    let namespaces = deployments.clamp(1, 20);
    let now = crate::store::now();
    let mut n = 0usize;
    for ns in 0..namespaces {
        let name = format!("bench-{ns:02}");
        store.load(res("", "namespaces"), json!({"metadata": {"name": name, "uid": uuid::Uuid::new_v4().to_string(), "creationTimestamp": now,
            "labels": {"kubernetes.io/metadata.name": name}}, "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}));
    }
    for d in 0..deployments {
        let replicas = if d + 1 == deployments && !pods.is_multiple_of(50) {
            pods % 50
        } else {
            50
        };
        let name = format!("load-{d:04}");
        let ns = format!("bench-{:02}", d % namespaces);
        let mut dep = json!({"metadata": {"name": name, "namespace": ns, "labels": {"app": name}},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{
                    "name": "app", "image": "registry.example.com/bench/pause:3.10",
                    "resources": {"requests": {"cpu": "1m", "memory": "1Mi"}}}]}}}});
        crate::defaults::apply("Deployment", &mut dep);
        let dep_uid = uuid::Uuid::new_v4().to_string();
        dep["metadata"]["uid"] = json!(dep_uid);
        dep["metadata"]["generation"] = json!(1);
        dep["metadata"]["creationTimestamp"] = json!(now);
        let hash = crate::controllers::util::template_hash(&dep["spec"]["template"]);
        let rs_name = format!("{name}-{hash}");
        let rs_uid = uuid::Uuid::new_v4().to_string();
        let mut template = dep["spec"]["template"].clone();
        template["metadata"]["labels"]["pod-template-hash"] = json!(hash);
        let rs = json!({"metadata": {"name": rs_name, "namespace": ns, "uid": rs_uid, "generation": 1, "creationTimestamp": now,
                "labels": template["metadata"]["labels"], "annotations": {"deployment.kubernetes.io/revision": "1"},
                "ownerReferences": [crate::controllers::util::owner_ref(&dep, "Deployment", "apps/v1")]},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name, "pod-template-hash": hash}}, "template": template},
            "status": {"replicas": replicas, "fullyLabeledReplicas": replicas, "readyReplicas": replicas, "availableReplicas": replicas, "observedGeneration": 1}});
        for _ in 0..replicas {
            let mut pod = crate::controllers::workloads::pod_from_template(
                &rs,
                "ReplicaSet",
                format!("{rs_name}-{}", crate::store::random_suffix(5)),
                &rs["spec"]["template"],
            );
            pod["metadata"]["uid"] = json!(uuid::Uuid::new_v4().to_string());
            pod["metadata"]["creationTimestamp"] = json!(now);
            pod["metadata"]["generation"] = json!(1);
            pod["spec"]["nodeName"] = json!(node_names[n % node_names.len().max(1)]);
            pod["status"] = crate::controllers::kubelet::ready_status(&pod);
            store.load(res("", "pods"), pod);
            n += 1;
        }
        store.load(res("apps", "replicasets"), rs);
        store.load(res("apps", "deployments"), dep);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_demo_loads_with_times_moved_to_now() {
        let store = Store::new(100);
        let mut logs = Logs::default();
        let n = load_builtin(&store, &mut logs).expect("demo");
        assert!(n > 50, "{n} objects");
        let pods = store.list(resources::find("", "v1", "pods").expect("pods"), None).0;
        assert!(pods.len() >= 15);
        let created = pods[0]["metadata"]["creationTimestamp"].as_str().expect("time");
        let age = Utc::now()
            - DateTime::parse_from_rfc3339(created)
                .expect("rfc3339")
                .with_timezone(&Utc);
        assert!(age.num_minutes() < 60, "age {age}");
    }

    #[test]
    fn scale_makes_ready_deployments_of_fifty() {
        let store = Store::new(10);
        load_scale(&store, 120, &["n1".to_string()]);
        let deps = store.all_of(resources::find("apps", "v1", "deployments").expect("deployments"));
        let replicas: Vec<i64> = deps.iter().filter_map(|o| o["spec"]["replicas"].as_i64()).collect();
        assert_eq!(replicas, [50, 50, 20]);
        let pods = store.all_of(resources::find("", "v1", "pods").expect("pods"));
        assert_eq!(pods.len(), 120);
        assert!(
            pods.iter()
                .all(|p| p["status"]["phase"] == "Running" && p["spec"]["nodeName"] == "n1")
        );
    }
}
