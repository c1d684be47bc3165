//! One fault per code, each in the shape a real cluster shows it.

use serde_json::json;

use super::super::super::finding::{EvidenceSource, Severity};
use super::super::super::taxonomy::Code;
use super::fixtures::*;

#[track_caller]
fn expect(v: &super::super::Verdict, code: Code) {
    assert_eq!(
        v.code,
        code,
        "summary: {}\nfindings: {:#?}",
        v.summary,
        v.findings
            .iter()
            .map(|f| (f.code, f.summary.clone()))
            .collect::<Vec<_>>()
    );
    if code != Code::Healthy && code != Code::Unknown {
        assert!(!v.findings[0].evidence.is_empty(), "a finding rests on evidence");
    }
}

/// Whether the explaining finding quotes `text`, read at `at` (field path, event reason or
/// container) from `source` of its own subject (the pod, for a workload's pod fault).
#[track_caller]
fn has(v: &super::super::Verdict, source: EvidenceSource, at: &str, text: &str) {
    let f = &v.findings[0];
    assert!(
        f.evidence
            .iter()
            .any(|e| e.source == source && &e.object == f.subject() && e.at == at && e.text == text),
        "{source:?} evidence ({at}, {text}) missing from {:#?}",
        v.findings[0].evidence
    );
}

const WAITING: &str = "status.containerStatuses[app].state.waiting.reason";
const TERMINATED: &str = "status.containerStatuses[app].lastState.terminated";

#[track_caller]
fn severity(v: &super::super::Verdict, severity: Severity) {
    assert_eq!(v.findings[0].severity, severity, "{}", v.summary);
}

fn crashloop(s: &mut snapshot_alias::Snapshot, app: &str, exit: i32, lines: &[&str]) -> String {
    deployment(s, app, 1, 0);
    let p = pod(
        s,
        app,
        "x1",
        json!({}),
        waiting(
            "CrashLoopBackOff",
            "back-off 40s restarting failed container=app",
            4,
            Some(terminated("Error", exit, 30)),
        ),
    );
    logs(s, &p, true, lines);
    p
}

mod snapshot_alias {
    pub use super::super::super::super::snapshot::Snapshot;
}

fn image_pull(message: &str, event_reason: &str) -> super::super::Verdict {
    let mut s = base();
    deployment(&mut s, "api", 1, 0);
    let p = pod(
        &mut s,
        "api",
        "x1",
        json!({}),
        waiting(
            "ImagePullBackOff",
            &format!("Back-off pulling image \"registry.example.com/shop/api:1.4.2\": {message}"),
            0,
            None,
        ),
    );
    event(&mut s, "Pod", &p, "Warning", event_reason, message);
    event(
        &mut s,
        "Pod",
        &p,
        "Normal",
        "BackOff",
        "Back-off pulling image \"registry.example.com/shop/api:1.4.2\"",
    );
    investigate(&s, "Deployment", "api")
}

#[test]
fn image_not_found() {
    let message = "Failed to pull image \"registry.example.com/shop/api:1.4.2\": rpc error: code = NotFound desc = failed to pull and unpack image \"registry.example.com/shop/api:1.4.2\": failed to resolve reference \"registry.example.com/shop/api:1.4.2\": registry.example.com/shop/api:1.4.2: not found";
    let v = image_pull(message, "Failed");
    expect(&v, Code::ImageNotFound);
    severity(&v, Severity::Critical);
    // The kubelet's event, reason and message, and the container's waiting reason.
    has(&v, EvidenceSource::Event, "Failed", message);
    has(&v, EvidenceSource::Field, WAITING, "ImagePullBackOff");
}

#[test]
fn image_pull_auth() {
    let v = image_pull(
        "Failed to pull image \"registry.example.com/shop/api:1.4.2\": failed to authorize: failed to fetch anonymous token: unexpected status from GET request: 401 Unauthorized",
        "Failed",
    );
    expect(&v, Code::ImagePullAuth);
    let v = image_pull(
        "Unable to retrieve some image pull secrets (regcred); attempting to pull the image may not succeed.",
        "FailedToRetrieveImagePullSecret",
    );
    expect(&v, Code::ImagePullAuth);
}

#[test]
fn image_registry_unreachable() {
    let v = image_pull(
        "Failed to pull image \"docker.io/library/nginx:1.27\": 429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit.",
        "Failed",
    );
    expect(&v, Code::ImageRegistryUnreachable);
    let v = image_pull("Failed to pull image: dial tcp 203.0.113.10:443: i/o timeout", "Failed");
    expect(&v, Code::ImageRegistryUnreachable);
}

#[test]
fn image_invalid_name() {
    let mut s = base();
    deployment(&mut s, "api", 1, 0);
    let p = pod(
        &mut s,
        "api",
        "x1",
        json!({}),
        waiting(
            "InvalidImageName",
            "Failed to apply default image tag \"Registry.example.com/Shop/API::1.4\": couldn't parse image name: invalid reference format",
            0,
            None,
        ),
    );
    event(
        &mut s,
        "Pod",
        &p,
        "Warning",
        "InspectFailed",
        "Failed to apply default image tag: invalid reference format",
    );
    expect(&investigate(&s, "Deployment", "api"), Code::ImageInvalidName);
}

fn config_error(message: &str) -> super::super::Verdict {
    let mut s = base();
    deployment(&mut s, "api", 1, 0);
    let p = pod(
        &mut s,
        "api",
        "x1",
        json!({}),
        waiting("CreateContainerConfigError", message, 0, None),
    );
    event(&mut s, "Pod", &p, "Warning", "Failed", &format!("Error: {message}"));
    investigate(&s, "Deployment", "api")
}

#[test]
fn config_missing_configmap_secret_key() {
    expect(
        &config_error("configmap \"api-config\" not found"),
        Code::ConfigMissingConfigmap,
    );
    expect(&config_error("secret \"api-db\" not found"), Code::ConfigMissingSecret);
    expect(
        &config_error("couldn't find key DATABASE_URL in Secret shop/api-db"),
        Code::ConfigMissingKey,
    );
}

#[test]
fn config_missing_configmap_volume() {
    let mut s = base();
    deployment(&mut s, "api", 1, 0);
    let mut st = waiting("ContainerCreating", "", 0, None);
    st["phase"] = json!("Pending");
    let p = pod(&mut s, "api", "x1", json!({}), st);
    event(
        &mut s,
        "Pod",
        &p,
        "Warning",
        "FailedMount",
        "MountVolume.SetUp failed for volume \"config\" : configmap \"api-config\" not found",
    );
    expect(&investigate(&s, "Deployment", "api"), Code::ConfigMissingConfigmap);
}

#[test]
fn container_command_invalid() {
    let mut s = base();
    deployment(&mut s, "api", 1, 0);
    let mut last = terminated("StartError", 128, 20);
    last["message"] = json!(
        "failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: \"/app/serve\": stat /app/serve: no such file or directory: unknown"
    );
    pod(
        &mut s,
        "api",
        "x1",
        json!({}),
        waiting(
            "CrashLoopBackOff",
            "back-off 20s restarting failed container",
            2,
            Some(last),
        ),
    );
    expect(&investigate(&s, "Deployment", "api"), Code::ContainerCommandInvalid);
}

#[test]
fn crashloop_app_error() {
    let mut s = base();
    crashloop(
        &mut s,
        "api",
        1,
        &[
            "starting api v1.4.2",
            "Traceback (most recent call last):",
            "  File \"/app/main.py\", line 12, in <module>",
            "ZeroDivisionError: division by zero",
        ],
    );
    expect(&investigate(&s, "Deployment", "api"), Code::CrashloopAppError);
}

#[test]
fn crashloop_missing_env() {
    let mut s = base();
    crashloop(
        &mut s,
        "api",
        1,
        &[
            "starting api v1.4.2",
            "FATAL: required environment variable DATABASE_URL is not set",
            "exit status 1",
        ],
    );
    let v = investigate(&s, "Deployment", "api");
    expect(&v, Code::CrashloopMissingEnv);
    severity(&v, Severity::Critical);
    // The log line that names the variable, from the container, and the status that shows the loop.
    has(
        &v,
        EvidenceSource::Log,
        "app",
        "FATAL: required environment variable DATABASE_URL is not set",
    );
    has(&v, EvidenceSource::Field, WAITING, "CrashLoopBackOff");
    has(&v, EvidenceSource::Field, TERMINATED, "reason=Error exitCode=1");
}

#[test]
fn crashloop_dependency_on_a_service_without_endpoints() {
    let mut s = base();
    crashloop(
        &mut s,
        "api",
        1,
        &[
            "connecting to postgres at orders-db:5432",
            "panic: dial tcp 10.96.0.10:5432: connect: connection refused",
        ],
    );
    service(&mut s, "orders-db", json!({"app": "orders-db"}), 5432, json!(5432));
    endpoints(&mut s, "orders-db", 0);
    let v = investigate(&s, "Deployment", "api");
    expect(&v, Code::CrashloopDependency);
    assert!(
        v.findings[0]
            .objects
            .iter()
            .any(|o| o.kind == "Service" && o.name == "orders-db")
    );
    // The Service itself, investigated, is the one selecting no pods.
    expect(&investigate(&s, "Service", "orders-db"), Code::ServiceNoEndpoints);
}

#[test]
fn crashloop_dependency_on_a_missing_service() {
    let mut s = base();
    crashloop(
        &mut s,
        "api",
        1,
        &["2026/11/25 10:00:01 dial tcp: lookup payments on 10.96.0.10:53: no such host"],
    );
    expect(&investigate(&s, "Deployment", "api"), Code::CrashloopDependency);
}

#[test]
fn oom_killed() {
    let mut s = base();
    deployment(&mut s, "api", 1, 0);
    pod(
        &mut s,
        "api",
        "x1",
        json!({"containers": [{"name": "app", "image": "i", "resources": {"limits": {"memory": "64Mi"}}}]}),
        waiting(
            "CrashLoopBackOff",
            "back-off",
            3,
            Some(terminated("OOMKilled", 137, 15)),
        ),
    );
    let v = investigate(&s, "Deployment", "api");
    expect(&v, Code::OomKilled);
    severity(&v, Severity::Critical);
    has(&v, EvidenceSource::Field, TERMINATED, "reason=OOMKilled exitCode=137");
    assert!(v.findings[0].actions.iter().any(|a| a.describe().contains("128Mi")));
}

#[test]
fn liveness_probe_failing() {
    let mut s = base();
    deployment(&mut s, "api", 1, 0);
    let p = pod(
        &mut s,
        "api",
        "x1",
        json!({}),
        waiting("CrashLoopBackOff", "back-off", 5, Some(terminated("Error", 137, 10))),
    );
    event(
        &mut s,
        "Pod",
        &p,
        "Warning",
        "Unhealthy",
        "Liveness probe failed: HTTP probe failed with statuscode: 500",
    );
    event(
        &mut s,
        "Pod",
        &p,
        "Normal",
        "Killing",
        "Container app failed liveness probe, will be restarted",
    );
    expect(&investigate(&s, "Deployment", "api"), Code::LivenessProbeFailing);
}

#[test]
fn readiness_probe_failing() {
    let mut s = base();
    deployment(&mut s, "api", 1, 0);
    let mut st = running_ready(0);
    st["conditions"][3]["status"] = json!("False");
    st["containerStatuses"][0]["ready"] = json!(false);
    let p = pod(&mut s, "api", "x1", json!({}), st);
    let probe = "Readiness probe failed: Get \"http://10.244.1.7:8080/ready\": dial tcp 10.244.1.7:8080: connect: connection refused";
    event(&mut s, "Pod", &p, "Warning", "Unhealthy", probe);
    let v = investigate(&s, "Deployment", "api");
    expect(&v, Code::ReadinessProbeFailing);
    severity(&v, Severity::Critical);
    has(&v, EvidenceSource::Event, "Unhealthy", probe);
    has(&v, EvidenceSource::Field, "status.conditions[Ready]", "False");
}

#[test]
fn startup_probe_failing() {
    let mut s = base();
    deployment(&mut s, "api", 1, 0);
    let p = pod(
        &mut s,
        "api",
        "x1",
        json!({}),
        waiting("CrashLoopBackOff", "back-off", 3, Some(terminated("Error", 137, 10))),
    );
    event(
        &mut s,
        "Pod",
        &p,
        "Warning",
        "Unhealthy",
        "Startup probe failed: HTTP probe failed with statuscode: 503",
    );
    event(
        &mut s,
        "Pod",
        &p,
        "Normal",
        "Killing",
        "Container app failed startup probe, will be restarted",
    );
    expect(&investigate(&s, "Deployment", "api"), Code::StartupProbeFailing);
}

#[test]
fn init_container_failing() {
    let mut s = base();
    deployment(&mut s, "api", 1, 0);
    pod(
        &mut s,
        "api",
        "x1",
        json!({}),
        json!({"phase": "Pending",
        "conditions": [{"type": "PodScheduled", "status": "True"}, {"type": "Initialized", "status": "False", "reason": "ContainersNotInitialized"}],
        "initContainerStatuses": [{"name": "migrate", "image": "i", "imageID": "", "ready": false, "restartCount": 3,
            "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 40s restarting failed container=migrate"}},
            "lastState": {"terminated": terminated("Error", 1, 20)}}],
        "containerStatuses": [{"name": "app", "image": "i", "imageID": "", "ready": false, "restartCount": 0, "state": {"waiting": {"reason": "PodInitializing"}}}]}),
    );
    expect(&investigate(&s, "Deployment", "api"), Code::InitContainerFailing);
}

fn scheduling(message: &str) -> super::super::Verdict {
    let mut s = base();
    deployment(&mut s, "api", 1, 0);
    let p = pod(&mut s, "api", "x1", json!({"nodeName": null}), unschedulable(message));
    event(&mut s, "Pod", &p, "Warning", "FailedScheduling", message);
    investigate(&s, "Deployment", "api")
}

#[test]
fn unschedulable_resources_taint_affinity() {
    let memory = "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.";
    let v = scheduling(memory);
    expect(&v, Code::UnschedulableResources);
    has(&v, EvidenceSource::Event, "FailedScheduling", memory);
    has(
        &v,
        EvidenceSource::Field,
        "status.conditions[PodScheduled]",
        &format!("False: {memory}"),
    );
    expect(
        &scheduling(
            "0/3 nodes are available: 3 node(s) had untolerated taint {dedicated: gpu}. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
        ),
        Code::UnschedulableTaint,
    );
    expect(
        &scheduling(
            "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
        ),
        Code::UnschedulableAffinity,
    );
    expect(
        &scheduling("0/2 nodes are available: 2 node(s) had untolerated taint {node.kubernetes.io/not-ready: }."),
        Code::NodeNotReady,
    );
}

#[test]
fn the_nodes_decide_between_taint_affinity_and_resources() {
    let many = "0/4 nodes are available: 1 node(s) had untolerated taint {nvidia.com/gpu: present}, 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.";
    let mut s = base();
    node(&mut s, "gpu-1", json!([{"type": "Ready", "status": "True"}]));
    s.nodes[1].metadata.labels = Some([("accelerator".to_string(), "nvidia-a100".to_string())].into());
    s.nodes[1].spec = Some(from(
        json!({"taints": [{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}]}),
    ));
    deployment(&mut s, "inference", 1, 0);
    let p = pod(
        &mut s,
        "inference",
        "x1",
        json!({"nodeName": null, "nodeSelector": {"accelerator": "nvidia-a100"}}),
        unschedulable(many),
    );
    event(&mut s, "Pod", &p, "Warning", "FailedScheduling", many);
    expect(&investigate(&s, "Deployment", "inference"), Code::UnschedulableTaint);
    // No node carries the label: affinity, whatever the taints elsewhere.
    s.pods[0].spec.as_mut().unwrap().node_selector = Some([("disktype".to_string(), "nvme".to_string())].into());
    expect(&investigate(&s, "Deployment", "inference"), Code::UnschedulableAffinity);
    // Untainted nodes match but lack room: resources, though a tainted node is counted too.
    let short =
        "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {nvidia.com/gpu: present}.";
    s.pods[0].spec.as_mut().unwrap().node_selector = None;
    s.pods[0].status.as_mut().unwrap().conditions.as_mut().unwrap()[0].message = Some(short.into());
    s.events.clear();
    expect(
        &investigate(&s, "Deployment", "inference"),
        Code::UnschedulableResources,
    );
}

fn pvc_pod(s: &mut snapshot_alias::Snapshot, class: Option<&str>) -> String {
    let mut spec = json!({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}});
    if let Some(c) = class {
        spec["storageClassName"] = json!(c);
    }
    s.pvcs.push(from(json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data", "namespace": NS}, "spec": spec, "status": {"phase": "Pending"}})));
    deployment(s, "api", 1, 0);
    let msg = "0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.";
    let p = pod(
        s,
        "api",
        "x1",
        json!({"nodeName": null, "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]}),
        unschedulable(msg),
    );
    event(s, "Pod", &p, "Warning", "FailedScheduling", msg);
    p
}

#[test]
fn pvc_storageclass_missing() {
    let mut s = base();
    pvc_pod(&mut s, Some("fast-ssd"));
    event(
        &mut s,
        "PersistentVolumeClaim",
        "data",
        "Warning",
        "ProvisioningFailed",
        "storageclass.storage.k8s.io \"fast-ssd\" not found",
    );
    expect(
        &investigate(&s, "PersistentVolumeClaim", "data"),
        Code::PvcStorageclassMissing,
    );
    let v = investigate(&s, "Deployment", "api");
    expect(&v, Code::UnschedulablePvc);
    assert!(v.summary.contains("PVC_STORAGECLASS_MISSING"), "{}", v.summary);
}

#[test]
fn pvc_no_matching_pv() {
    let mut s = base();
    pvc_pod(&mut s, None);
    event(
        &mut s,
        "PersistentVolumeClaim",
        "data",
        "Normal",
        "FailedBinding",
        "no persistent volumes available for this claim and no storage class is set",
    );
    expect(&investigate(&s, "PersistentVolumeClaim", "data"), Code::PvcNoMatchingPv);
}

#[test]
fn unschedulable_pvc_without_a_deeper_cause() {
    let mut s = base();
    s.storageclasses.push(from(json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "standard"}, "provisioner": "example.com/slow"})));
    pvc_pod(&mut s, Some("standard"));
    expect(&investigate(&s, "Deployment", "api"), Code::UnschedulablePvc);
}

#[test]
fn volume_multi_attach() {
    let mut s = base();
    deployment(&mut s, "api", 1, 0);
    let mut st = waiting("ContainerCreating", "", 0, None);
    st["phase"] = json!("Pending");
    let p = pod(&mut s, "api", "x1", json!({}), st);
    event(
        &mut s,
        "Pod",
        &p,
        "Warning",
        "FailedAttachVolume",
        "Multi-Attach error for volume \"pvc-3f2a\" Volume is already used by pod(s) api-7d4b9c-old1",
    );
    expect(&investigate(&s, "Deployment", "api"), Code::VolumeMultiAttach);
}

#[test]
fn volume_full() {
    let mut s = base();
    crashloop(
        &mut s,
        "api",
        1,
        &[
            "compacting",
            "panic: write /data/wal/000042.log: no space left on device",
        ],
    );
    expect(&investigate(&s, "Deployment", "api"), Code::VolumeFull);
}

#[test]
fn quota_exceeded_and_admission_denied() {
    for (msg, code) in [
        (
            "pods \"api-7d4b9c-x1\" is forbidden: exceeded quota: compute, requested: limits.memory=512Mi, used: limits.memory=1Gi, limited: limits.memory=1Gi",
            Code::QuotaExceeded,
        ),
        (
            "pods \"api-7d4b9c-x1\" is forbidden: violates PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false",
            Code::AdmissionDenied,
        ),
        (
            "Internal error occurred: failed calling webhook \"validate.policy.example.com\": connection refused",
            Code::AdmissionDenied,
        ),
    ] {
        let mut s = base();
        deployment(&mut s, "api", 1, 0);
        event(
            &mut s,
            "ReplicaSet",
            "api-7d4b9c",
            "Warning",
            "FailedCreate",
            &format!("Error creating: {msg}"),
        );
        expect(&investigate(&s, "Deployment", "api"), code);
    }
}

#[test]
fn rollout_stuck_names_the_new_pods_failure() {
    let mut s = base();
    deployment(&mut s, "api", 2, 1);
    s.deployments[0].status.as_mut().unwrap().conditions.as_mut().unwrap()[1] = from(
        json!({"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded", "message": "ReplicaSet \"api-7d4b9c\" has timed out progressing."}),
    );
    pod(&mut s, "api", "x1", json!({}), running_ready(0));
    let p = pod(
        &mut s,
        "api",
        "x2",
        json!({}),
        waiting("ImagePullBackOff", "Back-off pulling image", 0, None),
    );
    event(
        &mut s,
        "Pod",
        &p,
        "Warning",
        "Failed",
        "Failed to pull image \"registry.example.com/shop/api:1.5.0\": manifest unknown",
    );
    let v = investigate(&s, "Deployment", "api");
    expect(&v, Code::RolloutStuck);
    assert!(v.summary.contains("IMAGE_NOT_FOUND"), "{}", v.summary);
}

#[test]
fn job_failed() {
    let mut s = base();
    s.jobs.push(from(json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "report", "namespace": NS},
        "spec": {"backoffLimit": 2, "template": {"spec": {"containers": [{"name": "app", "image": "i"}], "restartPolicy": "Never"}}},
        "status": {"failed": 3, "conditions": [{"type": "FailureTarget", "status": "True", "reason": "BackoffLimitExceeded"},
                                               {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"}]}})));
    expect(&investigate(&s, "Job", "report"), Code::JobFailed);
}

#[test]
fn cronjob_not_running() {
    let mut s = base();
    s.cronjobs.push(from(json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "nightly", "namespace": NS, "creationTimestamp": ago(86400)},
        "spec": {"schedule": "*/5 * * * *", "suspend": true, "jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "i"}], "restartPolicy": "OnFailure"}}}}},
        "status": {"lastScheduleTime": ago(7200)}})));
    let v = investigate(&s, "CronJob", "nightly");
    expect(&v, Code::CronjobNotRunning);
    // Suspended on purpose, perhaps: a warning.
    severity(&v, Severity::Warning);
    has(&v, EvidenceSource::Field, "spec.suspend", "true");
    s.cronjobs[0].spec.suspend = Some(false);
    expect(&investigate(&s, "CronJob", "nightly"), Code::CronjobNotRunning);
    s.cronjobs[0].status.as_mut().unwrap().last_schedule_time = Some(from(json!(ago(60))));
    expect(&investigate(&s, "CronJob", "nightly"), Code::Healthy);
}

fn hpa(s: &mut snapshot_alias::Snapshot, conditions: serde_json::Value, desired: i32) {
    s.hpas.push(from(json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "api", "namespace": NS},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"}, "minReplicas": 1, "maxReplicas": 3,
                 "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}]},
        "status": {"currentReplicas": 3, "desiredReplicas": desired, "conditions": conditions}})));
}

#[test]
fn hpa_metrics_unavailable_and_at_limit() {
    let mut s = base();
    hpa(
        &mut s,
        json!([{"type": "AbleToScale", "status": "True", "reason": "SucceededGetScale"},
        {"type": "ScalingActive", "status": "False", "reason": "FailedGetResourceMetric", "message": "the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu in container app of Pod api-7d4b9c-x1"}]),
        3,
    );
    expect(
        &investigate(&s, "HorizontalPodAutoscaler", "api"),
        Code::HpaMetricsUnavailable,
    );
    let mut s = base();
    hpa(
        &mut s,
        json!([{"type": "AbleToScale", "status": "True", "reason": "ReadyForNewScale"},
        {"type": "ScalingActive", "status": "True", "reason": "ValidMetricFound"},
        {"type": "ScalingLimited", "status": "True", "reason": "TooManyReplicas", "message": "the desired replica count is more than the maximum replica count"}]),
        3,
    );
    let v = investigate(&s, "HorizontalPodAutoscaler", "api");
    expect(&v, Code::HpaAtLimit);
    // At its maximum the autoscaler still serves: a warning, not an outage.
    severity(&v, Severity::Warning);
}

#[test]
fn pdb_blocking() {
    let mut s = base();
    s.pdbs.push(from(
        json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "api", "namespace": NS},
        "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "api"}}},
        "status": {"currentHealthy": 2, "desiredHealthy": 2, "disruptionsAllowed": 0, "expectedPods": 2}}),
    ));
    let v = investigate(&s, "PodDisruptionBudget", "api");
    expect(&v, Code::PdbBlocking);
    // Every pod is healthy; only evictions and drains are held up.
    severity(&v, Severity::Warning);
    has(&v, EvidenceSource::Field, "status.disruptionsAllowed", "0");
}

#[test]
fn service_no_endpoints_and_port_mismatch() {
    let mut s = base();
    deployment(&mut s, "api", 1, 1);
    pod(
        &mut s,
        "api",
        "x1",
        json!({"containers": [{"name": "app", "image": "i", "ports": [{"name": "http", "containerPort": 8080}]}]}),
        running_ready(0),
    );
    service(&mut s, "api", json!({"app": "api-v2"}), 80, json!(8080));
    endpoints(&mut s, "api", 0);
    let v = investigate(&s, "Service", "api");
    expect(&v, Code::ServiceNoEndpoints);
    severity(&v, Severity::Critical);
    s.services.clear();
    s.endpointslices.clear();
    service(&mut s, "api", json!({"app": "api"}), 80, json!(9090));
    endpoints(&mut s, "api", 1);
    expect(&investigate(&s, "Service", "api"), Code::ServicePortMismatch);
}

fn ingress(s: &mut snapshot_alias::Snapshot, class: Option<&str>, backend: &str) {
    let mut spec = json!({"rules": [{"host": "shop.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix",
        "backend": {"service": {"name": backend, "port": {"number": 80}}}}]}}]});
    if let Some(c) = class {
        spec["ingressClassName"] = json!(c);
    }
    s.ingresses.push(from(json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "shop", "namespace": NS}, "spec": spec})));
}

#[test]
fn ingress_backend_and_class_missing() {
    let mut s = base();
    s.ingressclasses.push(from(json!({"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": {"name": "nginx"}, "spec": {"controller": "k8s.io/ingress-nginx"}})));
    ingress(&mut s, Some("nginx"), "storefront");
    expect(&investigate(&s, "Ingress", "shop"), Code::IngressBackendMissing);
    let mut s2 = base();
    service(&mut s2, "storefront", json!(null), 80, json!(80));
    ingress(&mut s2, Some("traefik"), "storefront");
    expect(&investigate(&s2, "Ingress", "shop"), Code::IngressClassMissing);
}

#[test]
fn network_policy_blocking() {
    let mut s = base();
    deployment(&mut s, "db", 1, 1);
    pod(
        &mut s,
        "db",
        "d1",
        json!({"containers": [{"name": "app", "image": "i", "ports": [{"containerPort": 5432}]}]}),
        running_ready(0),
    );
    service(&mut s, "db", json!({"app": "db"}), 5432, json!(5432));
    endpoints(&mut s, "db", 1);
    s.networkpolicies.push(from(json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "db-only-from-backup", "namespace": NS},
        "spec": {"podSelector": {"matchLabels": {"app": "db"}}, "policyTypes": ["Ingress"],
                 "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "backup"}}}]}]}})));
    deployment(&mut s, "api", 1, 0);
    let p = pod(
        &mut s,
        "api",
        "x1",
        json!({}),
        waiting("CrashLoopBackOff", "back-off", 3, Some(terminated("Error", 1, 20))),
    );
    logs(
        &mut s,
        &p,
        true,
        &["connecting to db:5432", "fatal: dial tcp 10.96.0.10:5432: i/o timeout"],
    );
    expect(&investigate(&s, "Deployment", "api"), Code::NetworkPolicyBlocking);
}

#[test]
fn dns_failure() {
    let mut s = base();
    crashloop(
        &mut s,
        "api",
        1,
        &[
            "psycopg2.OperationalError: could not translate host name \"orders-db\" to address: Temporary failure in name resolution",
        ],
    );
    expect(&investigate(&s, "Deployment", "api"), Code::DnsFailure);
}

#[test]
fn node_not_ready_and_pressure() {
    let mut s = Snapshot2::default();
    node(
        &mut s,
        "node-1",
        json!([{"type": "Ready", "status": "Unknown", "reason": "NodeStatusUnknown", "message": "Kubelet stopped posting node status."}]),
    );
    deployment(&mut s, "api", 1, 0);
    let mut st = running_ready(0);
    st["conditions"][3]["status"] = json!("False");
    st["phase"] = json!("Running");
    pod(&mut s, "api", "x1", json!({}), st);
    expect(&investigate(&s, "Deployment", "api"), Code::NodeNotReady);
    let mut s = Snapshot2::default();
    node(
        &mut s,
        "node-1",
        json!([{"type": "Ready", "status": "True"}, {"type": "DiskPressure", "status": "True", "reason": "KubeletHasDiskPressure", "message": "kubelet has disk pressure"}]),
    );
    assert_eq!(conclude_node(&s), Code::NodePressure);
}

type Snapshot2 = snapshot_alias::Snapshot;

fn conclude_node(s: &Snapshot2) -> Code {
    use super::super::super::finding::ObjectRef;
    super::super::conclude(
        s,
        &super::super::Scope::Object {
            target: ObjectRef::cluster("Node", "node-1"),
        },
    )
    .code
}

#[test]
fn rbac_forbidden() {
    let mut s = base();
    crashloop(
        &mut s,
        "api",
        1,
        &[
            "E1125 10:00:00 reflector.go:158] failed to list *v1.Pod: pods is forbidden: User \"system:serviceaccount:shop:default\" cannot list resource \"pods\" in API group \"\" in the namespace \"shop\"",
        ],
    );
    expect(&investigate(&s, "Deployment", "api"), Code::RbacForbidden);
}
