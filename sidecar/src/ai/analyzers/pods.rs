//! Pods: why a pod is not running, not ready, or restarting. Each check reads the fields and
//! events the kubelet and scheduler write; a crash loop is told apart by its exit reason, the
//! probe events, and finally its previous logs (see `logs` and `deps`).

use chrono::Duration;
use k8s_openapi::api::core::v1::{ContainerStatus, Event, Pod};

use super::super::actions::Action;
use super::super::finding::{Evidence, Finding, ObjectRef, Severity};
use super::super::snapshot::{Snapshot, chrono_time, event_time, name, namespace, object_ref};
use super::super::taxonomy::Code;
use super::{deps, logs, nodes, storage, workload_of};

/// Restarts and warnings older than this are history, not a current fault.
pub const WINDOW_MINUTES: i64 = 30;

pub fn analyze(s: &Snapshot, out: &mut Vec<Finding>) {
    for pod in &s.pods {
        if let Some(f) = pod_finding(s, pod) {
            out.push(f);
        }
    }
}

fn event_ev(pod: &ObjectRef, e: &Event) -> Evidence {
    Evidence::event(
        pod,
        e.reason.clone().unwrap_or_default(),
        e.message.clone().unwrap_or_default(),
    )
}

fn find_event<'a>(events: &[&'a Event], pred: impl Fn(&str, &str) -> bool) -> Option<&'a Event> {
    events
        .iter()
        .rev()
        .find(|e| pred(e.reason.as_deref().unwrap_or(""), e.message.as_deref().unwrap_or("")))
        .copied()
}

pub fn pod_finding(s: &Snapshot, pod: &Pod) -> Option<Finding> {
    let r = object_ref("Pod", &pod.metadata);
    let status = pod.status.as_ref()?;
    let spec = pod.spec.as_ref()?;
    let events = s.events_for(&r);
    let owner = workload_of(s, &r);
    let phase = status.phase.as_deref().unwrap_or("");

    if phase == "Succeeded" {
        return None;
    }
    // A node that is down or under pressure explains everything its pods show.
    if let Some(node_name) = &spec.node_name
        && let Some(node) = s.node(node_name)
        && let Some(f) = nodes::node_finding(s, node)
        && (phase == "Unknown" || pod.metadata.deletion_timestamp.is_some() || !is_ready(pod))
    {
        let mut f2 = Finding::new(
            f.code,
            r.clone(),
            format!("pod {} runs on node {node_name}: {}", name(&pod.metadata), f.summary),
        )
        .involving(ObjectRef::cluster("Node", node_name))
        .evidence(f.evidence)
        .confidence(f.confidence);
        f2.actions = f.actions;
        return Some(f2);
    }
    if status.reason.as_deref() == Some("Evicted") {
        let msg = status.message.clone().unwrap_or_default();
        let code = if msg.to_ascii_lowercase().contains("low on resource") {
            Code::NodePressure
        } else {
            Code::Unknown
        };
        return Some(
            Finding::new(code, r.clone(), format!("pod was evicted: {msg}"))
                .severity(Severity::Warning)
                .evidence([
                    Evidence::field(&r, "status.reason", "Evicted"),
                    Evidence::field(&r, "status.message", msg),
                ]),
        );
    }
    // Scheduling.
    let unscheduled = status
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_ == "PodScheduled" && c.status == "False");
    if let Some(cond) = unscheduled {
        let ev = find_event(&events, |reason, _| reason == "FailedScheduling");
        let message = ev
            .and_then(|e| e.message.clone())
            .or_else(|| cond.message.clone())
            .unwrap_or_default();
        return Some(scheduling(s, pod, &r, &message, ev));
    }
    // Volumes that cannot attach or mount.
    if let Some(e) = find_event(&events, |reason, msg| {
        reason == "FailedAttachVolume" && msg.contains("Multi-Attach")
    }) {
        return Some(
            Finding::new(
                Code::VolumeMultiAttach,
                r.clone(),
                "a ReadWriteOnce volume is still attached to another node",
            )
            .evidence([event_ev(&r, e)])
            .action(Action::Manual {
                description: "delete the old pod holding the volume on the other node, or use a ReadWriteMany volume"
                    .into(),
            }),
        );
    }
    // Init containers first: regular containers do not start until they succeed.
    for cs in status.init_container_statuses.iter().flatten() {
        if let Some(f) = container_finding(s, pod, &r, cs, true, &events, owner.as_ref()) {
            return Some(f);
        }
    }
    for cs in status.container_statuses.iter().flatten() {
        if let Some(f) = container_finding(s, pod, &r, cs, false, &events, owner.as_ref()) {
            return Some(f);
        }
    }
    if let Some(e) = find_event(&events, |reason, _| reason == "FailedMount") {
        let msg = e.message.clone().unwrap_or_default();
        if let Some(code) = config_code(&msg) {
            return Some(
                Finding::new(code, r.clone(), format!("a volume cannot be mounted: {msg}")).evidence([event_ev(&r, e)]),
            );
        }
    }
    // Running pods whose logs show a fault they do not crash on.
    if let Some(f) = log_only_finding(s, pod, &r) {
        return Some(f);
    }
    // Not ready without restarts: readiness.
    if phase == "Running"
        && !is_ready(pod)
        && let Some(e) = find_event(&events, |reason, msg| {
            reason == "Unhealthy" && msg.contains("Readiness probe failed")
        })
    {
        return Some(
            Finding::new(
                Code::ReadinessProbeFailing,
                r.clone(),
                "the pod runs but its readiness probe fails, so it never receives traffic",
            )
            .evidence([
                event_ev(&r, e),
                Evidence::field(&r, "status.conditions[Ready]", "False"),
            ])
            .action(Action::Manual {
                description:
                    "check the readiness probe's path, port and thresholds against what the application serves".into(),
            }),
        );
    }
    None
}

pub fn is_ready(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

fn scheduling(s: &Snapshot, pod: &Pod, r: &ObjectRef, message: &str, ev: Option<&Event>) -> Finding {
    let mut evidence = vec![Evidence::field(
        r,
        "status.conditions[PodScheduled]",
        format!("False: {message}"),
    )];
    if let Some(e) = ev {
        evidence.push(event_ev(r, e));
    }
    let code = candidate_code(s, pod, message).unwrap_or_else(|| scheduling_code(message));
    let ns = namespace(&pod.metadata);
    // The pod's symptom is the answer for the pod and its workload; the claim's own state
    // (investigated as the claim) names the deeper cause, quoted here.
    let mut deeper = None;
    if code == Code::UnschedulablePvc {
        for v in pod.spec.iter().flat_map(|s| s.volumes.iter().flatten()) {
            let Some(c) = &v.persistent_volume_claim else { continue };
            if let Some(pvc) = s.pvc(ns, &c.claim_name)
                && let Some(f) = storage::pvc_finding(s, pvc)
            {
                evidence.extend(f.evidence.iter().cloned());
                deeper = Some((ObjectRef::namespaced("PersistentVolumeClaim", ns, &c.claim_name), f));
            }
        }
    }
    let (summary, action) = match code {
        Code::UnschedulableResources => (
            "no node has the CPU, memory or other resources the pod requests",
            "lower the pod's requests or add capacity",
        ),
        Code::UnschedulableTaint => (
            "every node has a taint the pod does not tolerate",
            "add a toleration for the taint, or schedule onto untainted nodes",
        ),
        Code::UnschedulableAffinity => (
            "no node matches the pod's nodeSelector or (anti-)affinity",
            "fix the nodeSelector/affinity or label a node to match",
        ),
        Code::UnschedulablePvc => (
            "the pod waits for a PersistentVolumeClaim that is not bound",
            "check the claim's events and StorageClass",
        ),
        Code::NodeNotReady => ("the nodes are not ready", "bring the nodes back or check the kubelet"),
        Code::NodePressure => (
            "the nodes are under resource pressure",
            "free disk or memory on the nodes",
        ),
        _ => (
            "the scheduler cannot place the pod for a reason not recognised",
            "read the FailedScheduling message",
        ),
    };
    let summary = match &deeper {
        Some((claim, f)) => format!(
            "{summary}: claim {} is unbound because {} ({})",
            claim.name, f.summary, f.code
        ),
        None => format!("{summary}: {message}"),
    };
    let mut f = Finding::new(code, r.clone(), summary);
    if let Some((claim, _)) = deeper {
        f = f.involving(claim);
    }
    f.confidence(if code == Code::Unknown { 0.3 } else { 0.9 })
        .evidence(evidence)
        .action(Action::Manual {
            description: action.into(),
        })
}

/// Reads the scheduler's verdict against the nodes themselves, as an SRE would: no node matches
/// the pod's selector/affinity → affinity; every node that matches carries a taint the pod does
/// not tolerate → taint (or the node condition the taint stands for); otherwise a shortage of
/// resources when the message names one. `None` leaves it to the message.
fn candidate_code(s: &Snapshot, pod: &Pod, message: &str) -> Option<Code> {
    let spec = pod.spec.as_ref()?;
    if s.nodes.is_empty() || message.contains("PersistentVolumeClaim") {
        return None;
    }
    let candidates: Vec<&k8s_openapi::api::core::v1::Node> = s.nodes.iter().filter(|n| node_matches(spec, n)).collect();
    let lower = message.to_ascii_lowercase();
    if candidates.is_empty() {
        return (lower.contains("affinity") || lower.contains("selector")).then_some(Code::UnschedulableAffinity);
    }
    let blocking: Vec<Option<&k8s_openapi::api::core::v1::Taint>> =
        candidates.iter().map(|n| untolerated_taint(spec, n)).collect();
    if blocking.iter().all(Option::is_some) {
        let keys: Vec<&str> = blocking.iter().flatten().map(|t| t.key.as_str()).collect();
        return Some(
            if keys
                .iter()
                .all(|k| *k == "node.kubernetes.io/not-ready" || *k == "node.kubernetes.io/unreachable")
            {
                Code::NodeNotReady
            } else if keys.iter().all(|k| k.ends_with("-pressure")) {
                Code::NodePressure
            } else {
                Code::UnschedulableTaint
            },
        );
    }
    (lower.contains("insufficient") || lower.contains("too many pods")).then_some(Code::UnschedulableResources)
}

fn node_matches(spec: &k8s_openapi::api::core::v1::PodSpec, node: &k8s_openapi::api::core::v1::Node) -> bool {
    let empty = std::collections::BTreeMap::new();
    let labels = node.metadata.labels.as_ref().unwrap_or(&empty);
    if let Some(sel) = &spec.node_selector
        && !sel.iter().all(|(k, v)| labels.get(k) == Some(v))
    {
        return false;
    }
    let terms = spec
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|na| na.required_during_scheduling_ignored_during_execution.as_ref())
        .map(|r| r.node_selector_terms.clone());
    match terms {
        None => true,
        Some(terms) if terms.is_empty() => true,
        // Terms are ORed; expressions within a term are ANDed.
        Some(terms) => terms.iter().any(|t| {
            t.match_expressions.iter().flatten().all(|e| {
                let values = e.values.clone().unwrap_or_default();
                let v = labels.get(&e.key);
                match e.operator.as_str() {
                    "In" => v.is_some_and(|v| values.contains(v)),
                    "NotIn" => v.is_none_or(|v| !values.contains(v)),
                    "Exists" => v.is_some(),
                    "DoesNotExist" => v.is_none(),
                    _ => false,
                }
            })
        }),
    }
}

/// The first NoSchedule/NoExecute taint of `node` that the pod does not tolerate.
fn untolerated_taint<'a>(
    spec: &k8s_openapi::api::core::v1::PodSpec,
    node: &'a k8s_openapi::api::core::v1::Node,
) -> Option<&'a k8s_openapi::api::core::v1::Taint> {
    let tolerations = spec.tolerations.clone().unwrap_or_default();
    node.spec.as_ref()?.taints.iter().flatten().find(|t| {
        (t.effect == "NoSchedule" || t.effect == "NoExecute")
            && !tolerations.iter().any(|tol| {
                let key_ok = tol.key.as_deref().is_none_or(|k| k.is_empty() || k == t.key);
                let effect_ok = tol.effect.as_deref().is_none_or(|e| e.is_empty() || e == t.effect);
                let value_ok = tol.operator.as_deref() == Some("Exists")
                    || tol.value.as_deref().unwrap_or("") == t.value.as_deref().unwrap_or("");
                key_ok && effect_ok && value_ok
            })
    })
}

/// Classifies a FailedScheduling message by its most frequent clause ("0/3 nodes are
/// available: 1 Insufficient cpu, 2 node(s) had untolerated taint {...}").
pub fn scheduling_code(message: &str) -> Code {
    let body = message.split(". preemption:").next().unwrap_or(message);
    let body = body.split_once("are available:").map(|(_, b)| b).unwrap_or(body);
    let mut best: Option<(u32, Code)> = None;
    for clause in body.split(", ") {
        let clause = clause.trim().trim_end_matches('.');
        let count: u32 = clause
            .split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(1);
        let code = clause_code(clause);
        if code == Code::Unknown {
            continue;
        }
        if best.is_none_or(|(c, b)| count > c || (count == c && code.rank() < b.rank())) {
            best = Some((count, code));
        }
    }
    best.map(|(_, c)| c).unwrap_or_else(|| {
        if message.contains("no nodes available") {
            Code::NodeNotReady
        } else {
            clause_code(message)
        }
    })
}

fn clause_code(clause: &str) -> Code {
    let c = clause.to_ascii_lowercase();
    if c.contains("persistentvolumeclaim") || c.contains("volume node affinity conflict") {
        Code::UnschedulablePvc
    } else if c.contains("insufficient") || c.contains("too many pods") || c.contains("free ports") {
        Code::UnschedulableResources
    } else if c.contains("taint") {
        if c.contains("node.kubernetes.io/not-ready") || c.contains("node.kubernetes.io/unreachable") {
            Code::NodeNotReady
        } else if c.contains("pressure") {
            Code::NodePressure
        } else {
            Code::UnschedulableTaint
        }
    } else if c.contains("were unschedulable") {
        Code::UnschedulableTaint
    } else if c.contains("affinity") || c.contains("selector") || c.contains("topology spread") {
        Code::UnschedulableAffinity
    } else {
        Code::Unknown
    }
}

/// `configmap "x" not found` / `secret "x" not found` / `couldn't find key k in ConfigMap ns/x`.
pub fn config_code(message: &str) -> Option<Code> {
    let m = message.to_ascii_lowercase();
    if m.contains("couldn't find key") || m.contains("could not find key") {
        Some(Code::ConfigMissingKey)
    } else if m.contains("configmap") && m.contains("not found") {
        Some(Code::ConfigMissingConfigmap)
    } else if m.contains("secret") && m.contains("not found") {
        Some(Code::ConfigMissingSecret)
    } else {
        None
    }
}

/// Classifies an image pull failure from its messages.
pub fn image_code(texts: &[String]) -> Code {
    let all = texts.join("\n").to_ascii_lowercase();
    let has = |n: &[&str]| n.iter().any(|x| all.contains(x));
    if has(&[
        "toomanyrequests",
        "rate limit",
        "i/o timeout",
        "dial tcp",
        "no such host",
        "connection refused",
        "tls handshake timeout",
        "network is unreachable",
        "context deadline exceeded",
        "503 service unavailable",
    ]) {
        Code::ImageRegistryUnreachable
    } else if has(&[
        "failedtoretrieveimagepullsecret",
        "401 unauthorized",
        "unauthorized",
        "authentication required",
        "no basic auth credentials",
        "403 forbidden",
        "authorization failed",
        "denied: requested access",
    ]) {
        Code::ImagePullAuth
    } else if has(&[
        "manifest unknown",
        "not found",
        "manifest for",
        "does not exist",
        "name unknown",
    ]) {
        if all.contains("pull access denied") && !all.contains("not found") && !all.contains("manifest unknown") {
            Code::ImagePullAuth
        } else {
            Code::ImageNotFound
        }
    } else if has(&["pull access denied"]) {
        Code::ImagePullAuth
    } else {
        Code::Unknown
    }
}

fn recent(s: &Snapshot, t: Option<chrono::DateTime<chrono::Utc>>) -> bool {
    t.is_none_or(|t| s.now() - t < Duration::minutes(WINDOW_MINUTES))
}

#[allow(clippy::too_many_lines)]
fn container_finding(
    s: &Snapshot,
    pod: &Pod,
    r: &ObjectRef,
    cs: &ContainerStatus,
    init: bool,
    events: &[&Event],
    owner: Option<&ObjectRef>,
) -> Option<Finding> {
    let c = &cs.name;
    let which = if init {
        "initContainerStatuses"
    } else {
        "containerStatuses"
    };
    let at = |field: &str| format!("status.{which}[{c}].{field}");
    let waiting = cs.state.as_ref().and_then(|s| s.waiting.as_ref());
    let wreason = waiting.and_then(|w| w.reason.clone()).unwrap_or_default();
    let wmsg = waiting.and_then(|w| w.message.clone()).unwrap_or_default();
    let last = cs.last_state.as_ref().and_then(|s| s.terminated.as_ref());
    let current_term = cs.state.as_ref().and_then(|s| s.terminated.as_ref());
    let image = cs.image.clone();
    let workload = owner.cloned().unwrap_or_else(|| r.clone());

    match wreason.as_str() {
        "ErrImagePull" | "ImagePullBackOff" => {
            let mut texts = vec![wmsg.clone()];
            let mut evidence = vec![Evidence::field(r, at("state.waiting.reason"), &wreason)];
            if !wmsg.is_empty() {
                evidence.push(Evidence::field(r, at("state.waiting.message"), &wmsg));
            }
            for e in events.iter().filter(|e| {
                matches!(
                    e.reason.as_deref(),
                    Some("Failed" | "FailedToRetrieveImagePullSecret" | "ErrImagePull")
                )
            }) {
                texts.push(format!(
                    "{} {}",
                    e.reason.as_deref().unwrap_or(""),
                    e.message.as_deref().unwrap_or("")
                ));
                evidence.push(event_ev(r, e));
            }
            let code = image_code(&texts);
            let summary = match code {
                Code::ImageNotFound => format!("image {image} does not exist in its registry"),
                Code::ImagePullAuth => {
                    format!("the registry refuses to serve {image}: the pull credentials are missing or wrong")
                }
                Code::ImageRegistryUnreachable => {
                    format!("the registry of {image} cannot be reached or rate-limits the pull")
                }
                _ => format!("image {image} cannot be pulled for a reason the messages do not settle"),
            };
            let action = match code {
                Code::ImageNotFound => Action::Manual {
                    description: format!("correct the image tag or repository of container {c}, or push {image}"),
                },
                Code::ImagePullAuth => Action::Manual {
                    description:
                        "create or fix the imagePullSecret and reference it from the pod's service account or spec"
                            .into(),
                },
                _ => Action::Manual {
                    description: "check the node's network path to the registry and its rate limits".into(),
                },
            };
            let mut f = Finding::new(code, r.clone(), summary).evidence(evidence).action(action);
            if code == Code::Unknown {
                f = f.confidence(0.3);
            }
            if owner.is_some() && code == Code::ImageNotFound {
                f = f.action(Action::RollbackDeployment {
                    target: workload.clone(),
                });
            }
            return Some(f.involving(workload));
        }
        "InvalidImageName" => {
            return Some(
                Finding::new(
                    Code::ImageInvalidName,
                    r.clone(),
                    format!("image reference {image} of container {c} is malformed"),
                )
                .evidence([
                    Evidence::field(r, at("state.waiting.reason"), &wreason),
                    Evidence::field(r, at("state.waiting.message"), &wmsg),
                ])
                .action(Action::Manual {
                    description: format!("fix the image reference of container {c}"),
                })
                .involving(workload),
            );
        }
        "CreateContainerConfigError" => {
            let code = config_code(&wmsg).unwrap_or(Code::Unknown);
            let object = config_object(&wmsg, namespace(&pod.metadata));
            let mut f = Finding::new(code, r.clone(), format!("container {c} cannot be created: {wmsg}"))
                .evidence([
                    Evidence::field(r, at("state.waiting.reason"), &wreason),
                    Evidence::field(r, at("state.waiting.message"), &wmsg),
                ])
                .action(Action::Manual {
                    description: "create the referenced ConfigMap/Secret (or key), or fix the reference".into(),
                })
                .involving(workload);
            if let Some(o) = object {
                f = f.involving(o);
            }
            return Some(f);
        }
        "CreateContainerError" | "RunContainerError" | "StartError" | "ContainerCannotRun" => {
            if let Some(code) = config_code(&wmsg) {
                return Some(
                    Finding::new(code, r.clone(), format!("container {c} cannot be created: {wmsg}"))
                        .evidence([Evidence::field(r, at("state.waiting.message"), &wmsg)]),
                );
            }
            return Some(command_invalid(
                r,
                c,
                &at("state.waiting"),
                &format!("{wreason}: {wmsg}"),
                workload,
            ));
        }
        _ => {}
    }
    if let Some(t) = last.or(current_term) {
        let exit = t.exit_code;
        let treason = t.reason.clone().unwrap_or_default();
        let tmsg = t.message.clone().unwrap_or_default();
        if matches!(treason.as_str(), "StartError" | "ContainerCannotRun")
            || (matches!(exit, 126 | 127) || (exit == 128 && treason != "OOMKilled"))
                && (cs.restart_count > 0 || current_term.is_some())
        {
            return Some(command_invalid(
                r,
                c,
                &at("lastState.terminated"),
                &format!("{treason} exit {exit} {tmsg}"),
                workload,
            ));
        }
    }
    let crashing = wreason == "CrashLoopBackOff"
        || (last.is_some_and(|t| t.exit_code != 0 || t.reason.as_deref() == Some("OOMKilled"))
            && cs.restart_count > 0
            && recent(s, last.and_then(|t| t.finished_at.as_ref().map(|t| chrono_time(&t.0)))))
        || current_term.is_some_and(|t| t.exit_code != 0);
    let probe_kill = find_event(events, |reason, msg| {
        (reason == "Unhealthy" && msg.contains("Liveness probe failed"))
            || (reason == "Killing" && msg.contains("failed liveness probe"))
    });
    let startup = find_event(events, |reason, msg| {
        reason == "Unhealthy" && msg.contains("Startup probe failed")
    });
    if !(crashing || probe_kill.is_some() || startup.is_some()) {
        return None;
    }
    let t = last.or(current_term);
    let mut evidence = vec![];
    if !wreason.is_empty() {
        evidence.push(Evidence::field(r, at("state.waiting.reason"), &wreason));
    }
    if let Some(t) = t {
        evidence.push(Evidence::field(
            r,
            at("lastState.terminated"),
            format!("reason={} exitCode={}", t.reason.as_deref().unwrap_or(""), t.exit_code),
        ));
    }
    evidence.push(Evidence::field(r, at("restartCount"), cs.restart_count.to_string()));
    if init {
        return Some(
            Finding::new(
                Code::InitContainerFailing,
                r.clone(),
                format!("init container {c} fails, so the pod never starts"),
            )
            .evidence(evidence)
            .evidence(log_evidence(s, pod, r, c))
            .action(Action::Manual {
                description: format!("read the logs of init container {c} and fix what it waits for or runs"),
            })
            .involving(workload),
        );
    }
    if t.is_some_and(|t| t.reason.as_deref() == Some("OOMKilled")) {
        return Some(
            Finding::new(
                Code::OomKilled,
                r.clone(),
                format!("container {c} is killed for exceeding its memory limit"),
            )
            .evidence(evidence)
            .action(Action::SetMemoryLimit {
                target: workload.clone(),
                container: c.clone(),
                memory: doubled_limit(pod, c),
            })
            .involving(workload),
        );
    }
    if let Some(e) = startup {
        return Some(
            Finding::new(
                Code::StartupProbeFailing,
                r.clone(),
                format!("the startup probe of {c} gives up before the application has started"),
            )
            .evidence(evidence)
            .evidence([event_ev(r, e)])
            .action(Action::Manual {
                description: "raise the startup probe's failureThreshold × periodSeconds above the start time".into(),
            })
            .involving(workload),
        );
    }
    if let Some(e) = probe_kill {
        let mut ev = vec![event_ev(r, e)];
        if let Some(k) = find_event(events, |reason, msg| reason == "Killing" && msg.contains("liveness")) {
            ev.push(event_ev(r, k));
        }
        return Some(
            Finding::new(
                Code::LivenessProbeFailing,
                r.clone(),
                format!("the liveness probe of {c} fails and the kubelet restarts it"),
            )
            .evidence(evidence)
            .evidence(ev)
            .action(Action::Manual {
                description: "check the liveness probe's path, port and timeout against the application".into(),
            })
            .involving(workload),
        );
    }
    let lines: Vec<(&str, &str)> = s
        .pod_log_lines(namespace(&pod.metadata), name(&pod.metadata))
        .into_iter()
        .filter(|(container, _)| *container == c.as_str())
        .collect();
    let classified = logs::classify(lines.iter().map(|(_, l)| *l));
    let Some((cause, line)) = classified else {
        return Some(
            Finding::new(
                Code::CrashloopAppError,
                r.clone(),
                format!("container {c} keeps exiting with an error; no log explains it"),
            )
            .confidence(0.5)
            .evidence(evidence)
            .action(Action::RollbackDeployment {
                target: workload.clone(),
            })
            .involving(workload),
        );
    };
    let log_ev = Evidence::log(r, c.clone(), line.clone());
    let context: Vec<&str> = lines.iter().map(|(_, l)| *l).collect();
    let f = deps::from_log_cause(s, pod, r, &cause, &line, &context, true)
        .unwrap_or_else(|| {
            Finding::new(
                Code::CrashloopAppError,
                r.clone(),
                format!("container {c} exits with an error of its own: {line}"),
            )
            .confidence(0.8)
            .action(Action::RollbackDeployment {
                target: workload.clone(),
            })
        })
        .evidence(evidence)
        .evidence([log_ev]);
    Some(f.involving(workload))
}

fn command_invalid(r: &ObjectRef, c: &str, at: &str, text: &str, workload: ObjectRef) -> Finding {
    Finding::new(
        Code::ContainerCommandInvalid,
        r.clone(),
        format!("the command of container {c} cannot run: {text}"),
    )
    .evidence([Evidence::field(r, at, text)])
    .action(Action::Manual {
        description: format!("fix the command/entrypoint of container {c}: the executable must exist in the image"),
    })
    .involving(workload)
}

/// Logs of a container as evidence (the last few lines).
fn log_evidence(s: &Snapshot, pod: &Pod, r: &ObjectRef, c: &str) -> Vec<Evidence> {
    let ns = namespace(&pod.metadata);
    let pn = name(&pod.metadata);
    let mut lines = s.logs(ns, pn, c, true).to_vec();
    if lines.is_empty() {
        lines = s.logs(ns, pn, c, false).to_vec();
    }
    lines
        .iter()
        .rev()
        .take(3)
        .rev()
        .map(|l| Evidence::log(r, c, l.clone()))
        .collect()
}

/// The ConfigMap or Secret a CreateContainerConfigError message names.
fn config_object(message: &str, ns: &str) -> Option<ObjectRef> {
    let lower = message.to_ascii_lowercase();
    for (word, kind) in [("configmap \"", "ConfigMap"), ("secret \"", "Secret")] {
        if let Some(i) = lower.find(word) {
            let rest = &message[i + word.len()..];
            let n = rest.split('"').next()?;
            return Some(ObjectRef::namespaced(kind, ns, n));
        }
    }
    None
}

/// Twice the container's memory limit (or 512Mi when it has none).
fn doubled_limit(pod: &Pod, c: &str) -> String {
    let limit = pod
        .spec
        .as_ref()
        .and_then(|s| s.containers.iter().find(|x| x.name == c))
        .and_then(|x| {
            x.resources
                .as_ref()?
                .limits
                .as_ref()?
                .get("memory")
                .map(|q| q.0.clone())
        });
    let Some(limit) = limit else { return "512Mi".into() };
    let digits: String = limit.chars().take_while(|c| c.is_ascii_digit()).collect();
    let unit = &limit[digits.len()..];
    match digits.parse::<u64>() {
        Ok(n) => format!("{}{unit}", n * 2),
        Err(_) => "512Mi".into(),
    }
}

/// Running pods whose logs show a fault they keep running with: a full volume, a missing
/// permission, or calls that time out or are refused.
fn log_only_finding(s: &Snapshot, pod: &Pod, r: &ObjectRef) -> Option<Finding> {
    let lines = s.pod_log_lines(namespace(&pod.metadata), name(&pod.metadata));
    let (cause, line) = logs::classify(lines.iter().map(|(_, l)| *l))?;
    let container = lines
        .iter()
        .find(|(_, l)| l.trim() == line)
        .map(|(c, _)| c.to_string())
        .unwrap_or_default();
    let context: Vec<&str> = lines.iter().map(|(_, l)| *l).collect();
    let f = deps::from_log_cause(s, pod, r, &cause, &line, &context, false)?;
    Some(f.evidence([Evidence::log(r, container, line)]))
}

/// Evidence of warning events within the window, for "what was seen" in UNKNOWN answers.
pub fn recent_warnings(s: &Snapshot, r: &ObjectRef) -> Vec<Evidence> {
    s.events_for(r)
        .into_iter()
        .filter(|e| e.type_.as_deref() == Some("Warning") && recent(s, event_time(e)))
        .map(|e| event_ev(r, e))
        .collect()
}
