//! The scheduler and the kubelets, simulated: pods get a node that fits their requests (or a
//! FailedScheduling event saying why not), then a status that follows from their spec and the
//! cluster: a missing Secret or ConfigMap gives CreateContainerConfigError, an image that was
//! recorded as missing fails to pull, a crash loop whose dependency has no endpoints keeps
//! crashing, an OOM-killed container keeps dying until its memory limit is raised.
//!
//! Faults come from the same `sim.kubilitics.dev/kubelet` labels and annotations KWOK's
//! stages read in tests/cluster, but each fault is tied to the evidence that causes it
//! ([`Faults`], fingerprinted when the demo or a scenario is loaded), so fixing the cause
//! (new image, larger limit, created Secret, scaled-up dependency) makes new pods healthy.

use std::collections::HashSet;
use std::sync::{Arc, RwLock};

use serde_json::{Value, json};

use super::Ids;
use super::events::{self, Note, Source};
use crate::quantity::{bytes, cpu_milli};
use crate::store::{Store, name_of, now, ns_of};

const FAULT: &str = "sim.kubilitics.dev/kubelet";

/// What was faulty when the demo or a scenario was loaded, by its evidence.
#[derive(Default)]
pub struct Faults {
    inner: RwLock<FaultSet>,
}

#[derive(Default)]
struct FaultSet {
    bad_images: HashSet<String>,
    crash_images: HashSet<String>,
    /// (namespace, container) whose memory limit at load was too small, and that limit.
    oom_limits: Vec<(String, String, i64)>,
    bad_probes: HashSet<String>,
}

impl Faults {
    /// Fingerprint the faults a pod or workload (its template) carries.
    pub fn learn(&self, obj: &Value) {
        let (meta, spec) = if obj["spec"]["template"].is_object() {
            (&obj["spec"]["template"]["metadata"], &obj["spec"]["template"]["spec"])
        } else if obj["spec"]["jobTemplate"].is_object() {
            (
                &obj["spec"]["jobTemplate"]["spec"]["template"]["metadata"],
                &obj["spec"]["jobTemplate"]["spec"]["template"]["spec"],
            )
        } else {
            (&obj["metadata"], &obj["spec"])
        };
        let Some(fault) = meta["labels"][FAULT].as_str() else {
            return;
        };
        let Some(c) = fault_container(meta, spec) else { return };
        let image = c["image"].as_str().unwrap_or_default().to_string();
        let mut f = self.inner.write().unwrap_or_else(|e| e.into_inner());
        match fault {
            "image-pull" | "invalid-image" => {
                f.bad_images.insert(image);
            }
            "readiness" => {
                f.bad_probes.insert(probe_key(&c["readinessProbe"]));
            }
            "crashloop" if meta["annotations"]["sim.kubilitics.dev/fault-reason"] == "OOMKilled" => {
                let limit = c["resources"]["limits"]["memory"].as_str().map(bytes).unwrap_or(0);
                let ns = ns_of(obj).to_string();
                f.oom_limits
                    .push((ns, c["name"].as_str().unwrap_or_default().to_string(), limit));
            }
            // Config errors and failed mounts follow from the spec and the cluster alone.
            "config-error" | "failed-mount" => {}
            _ => {
                f.crash_images.insert(image);
            }
        }
    }
}

/// A probe as stored after defaulting, so a manifest's probe and its pods' compare equal.
fn probe_key(probe: &Value) -> String {
    let mut spec = json!({"containers": [{"readinessProbe": probe}]});
    crate::defaults::pod_spec(&mut spec);
    spec["containers"][0]["readinessProbe"].to_string()
}

fn fault_container<'a>(meta: &Value, spec: &'a Value) -> Option<&'a Value> {
    let cs = spec["containers"].as_array()?;
    match meta["annotations"]["sim.kubilitics.dev/fault-container"].as_str() {
        Some(n) => cs.iter().find(|c| c["name"] == n),
        None => cs.first(),
    }
}

/// The state a pod's (first faulty) container should be in.
#[derive(Debug, Clone, PartialEq)]
enum Want {
    Ready,
    NotReady(String),
    CrashLoop { reason: String, exit: i64 },
    ImagePull(String),
    ConfigError(String),
}

fn classify(pod: &Value) -> Option<Want> {
    let cs = pod["status"]["containerStatuses"].as_array()?;
    for c in cs {
        match c["state"]["waiting"]["reason"].as_str() {
            Some("ImagePullBackOff" | "ErrImagePull" | "InvalidImageName") => {
                return Some(Want::ImagePull(String::new()));
            }
            Some("CreateContainerConfigError") => return Some(Want::ConfigError(String::new())),
            Some("CrashLoopBackOff") => {
                return Some(Want::CrashLoop {
                    reason: String::new(),
                    exit: 0,
                });
            }
            _ => {}
        }
    }
    if cs.iter().all(|c| c["ready"] == true) {
        Some(Want::Ready)
    } else {
        Some(Want::NotReady(String::new()))
    }
}

fn same_class(a: &Want, b: &Want) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

/// Missing Secrets/ConfigMaps a container's env needs (non-optional), as the kubelet words it.
fn missing_config(store: &Store, ids: &Ids, ns: &str, c: &Value) -> Option<String> {
    let exists = |res, name: &str| store.get(res, ns, name);
    for e in c["env"].as_array().into_iter().flatten() {
        for (field, res, what) in [
            ("secretKeyRef", ids.secrets, "secret"),
            ("configMapKeyRef", ids.configmaps, "configmap"),
        ] {
            let r = &e["valueFrom"][field];
            if r.is_null() || r["optional"] == true {
                continue;
            }
            let name = r["name"].as_str().unwrap_or_default();
            let key = r["key"].as_str().unwrap_or_default();
            match exists(res, name) {
                None => return Some(format!("{what} \"{name}\" not found")),
                Some(o) if o["data"][key].is_null() && o["stringData"][key].is_null() => {
                    let kind = if what == "secret" { "Secret" } else { "ConfigMap" };
                    return Some(format!("couldn't find key {key} in {kind} {ns}/{name}"));
                }
                _ => {}
            }
        }
    }
    for e in c["envFrom"].as_array().into_iter().flatten() {
        for (field, res, what) in [
            ("secretRef", ids.secrets, "secret"),
            ("configMapRef", ids.configmaps, "configmap"),
        ] {
            let r = &e[field];
            if r.is_object() && r["optional"] != true {
                let name = r["name"].as_str().unwrap_or_default();
                if exists(res, name).is_none() {
                    return Some(format!("{what} \"{name}\" not found"));
                }
            }
        }
    }
    None
}

fn has_ready_endpoints(store: &Store, ids: &Ids, target: &str) -> bool {
    let (ns, svc) = target.split_once('/').unwrap_or(("default", target));
    store.get(ids.endpoints, ns, svc).is_some_and(|ep| {
        ep["subsets"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|s| s["addresses"].as_array().is_some_and(|a| !a.is_empty()))
    })
}

fn desired(store: &Store, ids: &Ids, faults: &Faults, pod: &Value) -> Want {
    let ns = ns_of(pod);
    for c in pod["spec"]["containers"].as_array().into_iter().flatten() {
        if let Some(msg) = missing_config(store, ids, ns, c) {
            return Want::ConfigError(msg);
        }
    }
    let f = faults.inner.read().unwrap_or_else(|e| e.into_inner());
    let ann = &pod["metadata"]["annotations"];
    let Some(fault) = pod["metadata"]["labels"][FAULT].as_str() else {
        return Want::Ready;
    };
    let Some(c) = fault_container(&pod["metadata"], &pod["spec"]) else {
        return Want::Ready;
    };
    let image = c["image"].as_str().unwrap_or_default();
    match fault {
        "image-pull" | "invalid-image" if f.bad_images.contains(image) => Want::ImagePull(
            ann["sim.kubilitics.dev/fault-message"]
                .as_str()
                .unwrap_or("rpc error: code = NotFound desc = failed to pull and unpack image: not found")
                .to_string(),
        ),
        "readiness" if f.bad_probes.contains(&probe_key(&c["readinessProbe"])) => Want::NotReady(
            ann["sim.kubilitics.dev/probe-message"]
                .as_str()
                .unwrap_or("HTTP probe failed with statuscode: 500")
                .to_string(),
        ),
        "crashloop" => {
            let reason = ann["sim.kubilitics.dev/fault-reason"]
                .as_str()
                .unwrap_or("Error")
                .to_string();
            let exit = ann["sim.kubilitics.dev/fault-exit-code"]
                .as_str()
                .and_then(|e| e.parse().ok())
                .unwrap_or(1);
            let crashing = if let Some(dep) = ann["sim.kubilitics.dev/depends-on"].as_str() {
                !has_ready_endpoints(store, ids, dep)
            } else if reason == "OOMKilled" {
                let limit = c["resources"]["limits"]["memory"].as_str().map(bytes).unwrap_or(0);
                let cname = c["name"].as_str().unwrap_or_default();
                f.oom_limits
                    .iter()
                    .any(|(n, cn, l)| n == ns && cn == cname && limit <= *l)
            } else {
                f.crash_images.contains(image)
            };
            if crashing {
                Want::CrashLoop { reason, exit }
            } else {
                Want::Ready
            }
        }
        _ if f.crash_images.contains(image) => Want::CrashLoop {
            reason: "Error".into(),
            exit: 1,
        },
        _ => Want::Ready,
    }
}

/// Requested (millicores, bytes, pods) per node, computed once per pass and kept up to date as
/// the pass binds pods.
pub type Usage = std::collections::HashMap<String, (i64, i64, i64)>;

pub fn usage(pods: &[Arc<Value>]) -> Usage {
    let mut u = Usage::new();
    for p in pods {
        if let Some(n) = p["spec"]["nodeName"].as_str() {
            let (c, m) = requests(p);
            let e = u.entry(n.to_string()).or_default();
            *e = (e.0 + c, e.1 + m, e.2 + 1);
        }
    }
    u
}

fn requests(p: &Value) -> (i64, i64) {
    p["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .fold((0, 0), |(c, m), x| {
            let r = &x["resources"]["requests"];
            (
                c + r["cpu"].as_str().map(cpu_milli).unwrap_or(0),
                m + r["memory"].as_str().map(bytes).unwrap_or(0),
            )
        })
}

/// Bind an unscheduled pod to the least loaded node with room, or say why none fits.
pub fn schedule(store: &Store, ids: &Ids, pod: &Value, nodes: &[Arc<Value>], used: &mut Usage) {
    let (cpu, mem) = requests(pod);
    let tolerates = |taint: &Value| {
        pod["spec"]["tolerations"].as_array().into_iter().flatten().any(|t| {
            (t["operator"] == "Exists" && (t["key"].is_null() || t["key"] == taint["key"]))
                || (t["key"] == taint["key"] && t["value"] == taint["value"])
        })
    };
    let wanted_node =
        pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
            [0]["matchFields"][0]["values"][0]
            .as_str();
    let (mut short_cpu, mut short_mem, mut tainted, mut unmatched, mut full) = (0, 0, 0, 0, 0);
    let mut chosen: Option<(String, i64)> = None;
    for n in nodes {
        let name = name_of(n);
        if wanted_node.is_some_and(|w| w != name)
            || pod["spec"]["nodeSelector"]
                .as_object()
                .is_some_and(|sel| sel.iter().any(|(k, v)| n["metadata"]["labels"][k] != *v))
        {
            unmatched += 1;
            continue;
        }
        if n["spec"]["taints"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|t| t["effect"] != "PreferNoSchedule" && !tolerates(t))
        {
            tainted += 1;
            continue;
        }
        let (used_cpu, used_mem, used_pods) = used.get(name).copied().unwrap_or_default();
        let alloc = &n["status"]["allocatable"];
        if used_pods >= alloc["pods"].as_str().and_then(|p| p.parse().ok()).unwrap_or(110) {
            full += 1;
            continue;
        }
        let fits_cpu = used_cpu + cpu <= alloc["cpu"].as_str().map(cpu_milli).unwrap_or(0);
        let fits_mem = used_mem + mem <= alloc["memory"].as_str().map(bytes).unwrap_or(0);
        if !fits_cpu {
            short_cpu += 1;
        }
        if !fits_mem {
            short_mem += 1;
        }
        if fits_cpu && fits_mem && chosen.as_ref().is_none_or(|(_, c)| used_cpu < *c) {
            chosen = Some((name.to_string(), used_cpu));
        }
    }
    let (ns, name) = (ns_of(pod).to_string(), name_of(pod).to_string());
    let Some((node, _)) = chosen else {
        let mut why = Vec::new();
        if short_cpu > 0 {
            why.push(format!("{short_cpu} Insufficient cpu"));
        }
        if short_mem > 0 {
            why.push(format!("{short_mem} Insufficient memory"));
        }
        if tainted > 0 {
            why.push(format!(
                "{tainted} node(s) had untolerated taint {{node.kubernetes.io/unschedulable: }}"
            ));
        }
        if full > 0 {
            why.push(format!("{full} Too many pods"));
        }
        if unmatched > 0 {
            why.push(format!("{unmatched} node(s) didn't match Pod's node affinity/selector"));
        }
        let total = nodes.len();
        let message = format!(
            "0/{total} nodes are available: {}. no new claims to deallocate, preemption: 0/{total} nodes are available: {total} Preemption is not helpful for scheduling.",
            why.join(", ")
        );
        let already = pod["status"]["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["type"] == "PodScheduled" && c["message"] == message);
        if !already {
            let _ = store.modify(ids.pods, &ns, &name, |p| {
                p["status"]["conditions"] = json!([{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                    "message": message, "lastProbeTime": null, "lastTransitionTime": now(), "observedGeneration": p["metadata"]["generation"]}]);
                p["status"]["phase"] = json!("Pending");
                true
            });
            events::record(
                store,
                pod,
                "Pod",
                None,
                Note::new(true, "FailedScheduling", &message),
                Source {
                    component: "default-scheduler",
                    host: None,
                },
            );
        }
        return;
    };
    let e = used.entry(node.clone()).or_default();
    *e = (e.0 + cpu, e.1 + mem, e.2 + 1);
    if let Ok(p) = store.modify(ids.pods, &ns, &name, |p| {
        p["spec"]["nodeName"] = json!(node);
        p["status"]["conditions"] = json!([{"type": "PodScheduled", "status": "True", "lastProbeTime": null, "lastTransitionTime": now(), "observedGeneration": p["metadata"]["generation"]}]);
        true
    }) {
        events::record(store, &p, "Pod", None, Note::new(false, "Scheduled", &format!("Successfully assigned {ns}/{name} to {node}")), Source { component: "default-scheduler", host: None });
    }
}

fn pod_ip(uid: &str) -> String {
    let h = uid
        .bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    format!("10.244.{}.{}", (h >> 8) % 250 + 1, h % 250 + 2)
}

/// Give a bound pod the status its spec and the cluster call for (only when that changes).
pub fn run_pod(store: &Store, ids: &Ids, faults: &Faults, pod: &Value) {
    let want = desired(store, ids, faults, pod);
    if classify(pod).is_some_and(|have| same_class(&have, &want)) {
        return;
    }
    let status = status_for(pod, &want);
    let (ns, name) = (ns_of(pod).to_string(), name_of(pod).to_string());
    let node = pod["spec"]["nodeName"].as_str().unwrap_or_default().to_string();
    let containers: Vec<Value> = pod["spec"]["containers"].as_array().cloned().unwrap_or_default();
    let target = fault_container(&pod["metadata"], &pod["spec"])
        .and_then(|c| c["name"].as_str())
        .unwrap_or_default()
        .to_string();
    let Ok(updated) = store.modify(ids.pods, &ns, &name, |p| {
        p["status"] = status;
        true
    }) else {
        return;
    };
    pod_events(store, &updated, &want, &containers, &target, &node);
}

/// The status of a bound pod that runs and is ready (for pods made directly, e.g. `--scale`).
pub fn ready_status(pod: &Value) -> Value {
    status_for(pod, &Want::Ready)
}

fn status_for(pod: &Value, want: &Want) -> Value {
    let want = want.clone();
    let (ns, name) = (ns_of(pod).to_string(), name_of(pod).to_string());
    let uid = pod["metadata"]["uid"].as_str().unwrap_or_default().to_string();
    let t = now();
    let containers: Vec<Value> = pod["spec"]["containers"].as_array().cloned().unwrap_or_default();
    let target = fault_container(&pod["metadata"], &pod["spec"])
        .and_then(|c| c["name"].as_str())
        .unwrap_or_default()
        .to_string();
    let mut statuses = Vec::new();
    for c in &containers {
        let cname = c["name"].as_str().unwrap_or_default();
        let image = c["image"].as_str().unwrap_or_default();
        let is_target = cname == target || matches!(want, Want::ConfigError(_));
        let running = json!({"running": {"startedAt": t}});
        let cid = format!("containerd://{uid}-{cname}");
        let mut s = json!({"name": cname, "image": image, "imageID": format!("{image}@sha256:0f5a1b"), "containerID": cid,
            "lastState": {}, "ready": true, "restartCount": 0, "started": true, "state": running});
        // A container that recovers in place (its dependency came back) keeps its history.
        if let Some(prev) = pod["status"]["containerStatuses"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["name"] == cname)
            && prev["restartCount"].as_i64().unwrap_or(0) > 0
        {
            s["restartCount"] = json!(prev["restartCount"].as_i64().unwrap_or(0) + 1);
            s["lastState"] = prev["lastState"].clone();
        }
        if is_target {
            match &want {
                Want::Ready => {}
                Want::NotReady(_) => s["ready"] = json!(false),
                Want::ImagePull(msg) => {
                    s = json!({"name": cname, "image": image, "imageID": "", "lastState": {}, "ready": false, "restartCount": 0, "started": false,
                        "state": {"waiting": {"reason": "ErrImagePull", "message": msg}}});
                }
                Want::ConfigError(msg) => {
                    s = json!({"name": cname, "image": image, "imageID": "", "lastState": {}, "ready": false, "restartCount": 0, "started": false,
                        "state": {"waiting": {"reason": "CreateContainerConfigError", "message": msg}}});
                }
                Want::CrashLoop { reason, exit } => {
                    s["ready"] = json!(false);
                    s["started"] = json!(false);
                    s["restartCount"] = json!(1);
                    s["lastState"] = json!({"terminated": {"containerID": cid, "exitCode": exit, "reason": reason, "startedAt": t, "finishedAt": t}});
                    s["state"] = json!({"waiting": {"reason": "CrashLoopBackOff",
                        "message": format!("back-off 10s restarting failed container={cname} pod={name}_{ns}({uid})")}});
                }
            }
        }
        statuses.push(s);
    }
    let unready: Vec<&str> = statuses
        .iter()
        .filter(|s| s["ready"] != true)
        .filter_map(|s| s["name"].as_str())
        .collect();
    let ready = unready.is_empty();
    let cond = |ty: &str, ok: bool| {
        let mut c = json!({"type": ty, "status": if ok { "True" } else { "False" }, "lastProbeTime": null, "lastTransitionTime": t, "observedGeneration": pod["metadata"]["generation"]});
        if !ok {
            c["reason"] = json!("ContainersNotReady");
            c["message"] = json!(format!("containers with unready status: [{}]", unready.join(" ")));
        }
        c
    };
    let scheduled_at = pod["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["type"] == "PodScheduled")
        .map(|c| c["lastTransitionTime"].clone())
        .unwrap_or(json!(t));
    let phase = if matches!(want, Want::ImagePull(_) | Want::ConfigError(_)) {
        "Pending"
    } else {
        "Running"
    };
    let ip = pod_ip(&uid);
    let status = json!({
        "phase": phase,
        "conditions": [cond("PodReadyToStartContainers", true), cond("Initialized", true), cond("Ready", ready), cond("ContainersReady", ready),
            {"type": "PodScheduled", "status": "True", "lastProbeTime": null, "lastTransitionTime": scheduled_at, "observedGeneration": pod["metadata"]["generation"]}],
        "containerStatuses": statuses,
        "hostIP": "127.0.0.1", "hostIPs": [{"ip": "127.0.0.1"}],
        "podIP": ip, "podIPs": [{"ip": ip}],
        "qosClass": crate::defaults::qos_class(&pod["spec"]),
        "startTime": pod["status"]["startTime"].as_str().map_or(json!(t), |s| json!(s)),
        "observedGeneration": pod["metadata"]["generation"],
    });
    status
}

fn pod_events(store: &Store, updated: &Value, want: &Want, containers: &[Value], target: &str, node: &str) {
    let (ns, name, uid) = (ns_of(updated).to_string(), name_of(updated).to_string(), p_uid(updated));
    let src = || Source {
        component: "kubelet",
        host: Some(node),
    };
    let field = format!("spec.containers{{{target}}}");
    match &want {
        Want::Ready | Want::NotReady(_) => {
            for c in containers {
                let cname = c["name"].as_str().unwrap_or_default();
                let fp = format!("spec.containers{{{cname}}}");
                let image = c["image"].as_str().unwrap_or_default();
                events::record(
                    store,
                    updated,
                    "Pod",
                    Some(&fp),
                    Note::new(
                        false,
                        "Pulled",
                        &format!("Container image \"{image}\" already present on machine"),
                    ),
                    src(),
                );
                events::record(
                    store,
                    updated,
                    "Pod",
                    Some(&fp),
                    Note::new(false, "Created", &format!("Created container: {cname}")),
                    src(),
                );
                events::record(
                    store,
                    updated,
                    "Pod",
                    Some(&fp),
                    Note::new(false, "Started", &format!("Started container {cname}")),
                    src(),
                );
            }
            if let Want::NotReady(msg) = &want {
                events::record(
                    store,
                    updated,
                    "Pod",
                    Some(&field),
                    Note::new(true, "Unhealthy", &format!("Readiness probe failed: {msg}")),
                    src(),
                );
            }
        }
        Want::ImagePull(msg) => {
            let image = containers
                .iter()
                .find(|c| c["name"] == target)
                .and_then(|c| c["image"].as_str())
                .unwrap_or_default();
            events::record(
                store,
                updated,
                "Pod",
                Some(&field),
                Note::new(false, "Pulling", &format!("Pulling image \"{image}\"")),
                src(),
            );
            events::record(
                store,
                updated,
                "Pod",
                Some(&field),
                Note::new(true, "Failed", &format!("Failed to pull image \"{image}\": {msg}")),
                src(),
            );
            events::record(
                store,
                updated,
                "Pod",
                Some(&field),
                Note::new(true, "Failed", "Error: ErrImagePull"),
                src(),
            );
        }
        Want::ConfigError(msg) => {
            events::record(
                store,
                updated,
                "Pod",
                Some(&field),
                Note::new(true, "Failed", &format!("Error: {msg}")),
                src(),
            );
        }
        Want::CrashLoop { .. } => {
            events::record(
                store,
                updated,
                "Pod",
                Some(&field),
                Note::new(false, "Started", &format!("Started container {target}")),
                src(),
            );
            events::record(
                store,
                updated,
                "Pod",
                Some(&field),
                Note::new(
                    true,
                    "BackOff",
                    &format!("Back-off restarting failed container {target} in pod {name}_{ns}({uid})"),
                ),
                src(),
            );
        }
    }
}

/// Time passing for failing pods: crash loops restart again, pulls back off, probes fail again
/// (called every few seconds; each pod advances at most once per `period` seconds).
pub fn tick(store: &Store, ids: &Ids, pod: &Value, period: i64) {
    let Some(cs) = pod["status"]["containerStatuses"].as_array() else {
        return;
    };
    let Some(s) = cs.iter().find(|c| {
        c["state"]["waiting"]["reason"] == "CrashLoopBackOff" || c["state"]["waiting"]["reason"] == "ErrImagePull"
    }) else {
        return;
    };
    let last = s["lastState"]["terminated"]["finishedAt"]
        .as_str()
        .or(pod["status"]["startTime"].as_str())
        .unwrap_or_default();
    let age = chrono::DateTime::parse_from_rfc3339(last)
        .map(|t| (chrono::Utc::now() - t.with_timezone(&chrono::Utc)).num_seconds())
        .unwrap_or(0);
    if age < period {
        return;
    }
    let cname = s["name"].as_str().unwrap_or_default().to_string();
    let (ns, name) = (ns_of(pod).to_string(), name_of(pod).to_string());
    let node = pod["spec"]["nodeName"].as_str().unwrap_or_default().to_string();
    let t = now();
    let pull = s["state"]["waiting"]["reason"] == "ErrImagePull";
    let Ok(updated) = store.modify(ids.pods, &ns, &name, |p| {
        for c in p.pointer_mut("/status/containerStatuses").and_then(Value::as_array_mut).into_iter().flatten() {
            if c["name"] != cname.as_str() {
                continue;
            }
            if pull {
                let image = c["image"].as_str().unwrap_or_default().to_string();
                let msg = c["state"]["waiting"]["message"].as_str().unwrap_or_default().to_string();
                c["state"] = json!({"waiting": {"reason": "ImagePullBackOff", "message": format!("Back-off pulling image \"{image}\": ErrImagePull: {msg}")}});
                c["lastState"] = json!({});
            } else {
                let n = c["restartCount"].as_i64().unwrap_or(0) + 1;
                c["restartCount"] = json!(n);
                c["lastState"]["terminated"]["startedAt"] = json!(t);
                c["lastState"]["terminated"]["finishedAt"] = json!(t);
                let backoff = (10i64 << (n.min(5) as u32)).min(300);
                if let Some(w) = c.pointer_mut("/state/waiting").and_then(Value::as_object_mut) {
                    w.insert("message".into(), json!(format!("back-off {backoff}s restarting failed container={cname} pod={name}_{ns}({})", p_uid(pod))));
                }
            }
        }
        true
    }) else {
        return;
    };
    let field = format!("spec.containers{{{cname}}}");
    let src = || Source {
        component: "kubelet",
        host: Some(&node),
    };
    if pull {
        let image = s["image"].as_str().unwrap_or_default();
        events::record(
            store,
            &updated,
            "Pod",
            Some(&field),
            Note::new(false, "BackOff", &format!("Back-off pulling image \"{image}\"")),
            src(),
        );
        events::record(
            store,
            &updated,
            "Pod",
            Some(&field),
            Note::new(true, "Failed", "Error: ImagePullBackOff"),
            src(),
        );
    } else {
        events::record(
            store,
            &updated,
            "Pod",
            Some(&field),
            Note::new(
                true,
                "BackOff",
                &format!(
                    "Back-off restarting failed container {cname} in pod {name}_{ns}({})",
                    p_uid(pod)
                ),
            ),
            src(),
        );
    }
}

fn p_uid(pod: &Value) -> String {
    pod["metadata"]["uid"].as_str().unwrap_or_default().to_string()
}
