//! The look-alikes that must stay HEALTHY, and evidence that must stay UNKNOWN.

use serde_json::json;

use super::super::super::taxonomy::Code;
use super::fixtures::*;

#[test]
fn a_healthy_deployment_is_healthy() {
    let mut s = base();
    deployment(&mut s, "api", 2, 2);
    pod(&mut s, "api", "x1", json!({}), running_ready(0));
    pod(&mut s, "api", "x2", json!({}), running_ready(0));
    service(&mut s, "api", json!({"app": "api"}), 80, json!(8080));
    endpoints(&mut s, "api", 2);
    let v = investigate(&s, "Deployment", "api");
    assert_eq!(v.code, Code::Healthy, "{v:#?}");
    assert_eq!(investigate(&s, "Service", "api").code, Code::Healthy);
}

#[test]
fn a_pod_that_restarted_once_an_hour_ago_is_healthy() {
    let mut s = base();
    deployment(&mut s, "api", 1, 1);
    let mut st = running_ready(1);
    st["containerStatuses"][0]["lastState"] = json!({"terminated": terminated("Error", 1, 3600)});
    let p = pod(&mut s, "api", "x1", json!({}), st);
    logs(
        &mut s,
        &p,
        true,
        &["panic: runtime error: invalid memory address or nil pointer dereference"],
    );
    let v = investigate(&s, "Deployment", "api");
    assert_eq!(v.code, Code::Healthy, "{v:#?}");
}

#[test]
fn a_ready_pod_that_retried_one_failed_lookup_is_healthy() {
    // One DNS timeout while the cluster DNS rolled, then the app went on serving: not DNS_FAILURE.
    let mut s = base();
    deployment(&mut s, "api", 1, 1);
    let p = pod(&mut s, "api", "x1", json!({}), running_ready(0));
    logs(
        &mut s,
        &p,
        false,
        &[
            "starting",
            "dial tcp: lookup orders-db.shop.svc.cluster.local on 10.96.0.10:53: read udp 10.0.0.21:50412->10.96.0.10:53: i/o timeout; retrying",
            "connected to orders-db",
        ],
    );
    let v = investigate(&s, "Deployment", "api");
    assert_eq!(v.code, Code::Healthy, "{v:#?}");
}

#[test]
fn a_completed_job_is_healthy() {
    let mut s = base();
    s.jobs.push(from(json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "migrate", "namespace": NS, "uid": "job-uid"},
        "spec": {"template": {"spec": {"containers": [{"name": "app", "image": "i"}], "restartPolicy": "Never"}}},
        "status": {"succeeded": 1, "conditions": [{"type": "SuccessCriteriaMet", "status": "True"}, {"type": "Complete", "status": "True"}]}})));
    s.pods.push(from(json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "migrate-abcde", "namespace": NS, "labels": {"job-name": "migrate"},
                     "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": "migrate", "uid": "job-uid", "controller": true}]},
        "spec": {"nodeName": "node-1", "containers": [{"name": "app", "image": "i"}], "restartPolicy": "Never"},
        "status": {"phase": "Succeeded", "conditions": [{"type": "Ready", "status": "False", "reason": "PodCompleted"}],
                   "containerStatuses": [{"name": "app", "image": "i", "imageID": "", "ready": false, "restartCount": 0,
                                          "state": {"terminated": {"exitCode": 0, "reason": "Completed", "finishedAt": ago(120)}}}]}})));
    let v = investigate(&s, "Job", "migrate");
    assert_eq!(v.code, Code::Healthy, "{v:#?}");
}

#[test]
fn a_service_without_selector_on_purpose_is_healthy() {
    let mut s = base();
    service(&mut s, "external-db", json!(null), 5432, json!(5432));
    let v = investigate(&s, "Service", "external-db");
    assert_eq!(v.code, Code::Healthy, "{v:#?}");
}

#[test]
fn a_pending_pod_with_no_evidence_is_unknown_not_guessed() {
    let mut s = base();
    deployment(&mut s, "api", 1, 0);
    pod(
        &mut s,
        "api",
        "x1",
        json!({}),
        json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "True"}]}),
    );
    let v = investigate(&s, "Deployment", "api");
    assert_eq!(v.code, Code::Unknown, "{v:#?}");
    assert!(!v.observed.is_empty());
}

#[test]
fn a_missing_target_is_unknown() {
    let s = base();
    assert_eq!(investigate(&s, "Deployment", "nope").code, Code::Unknown);
}
