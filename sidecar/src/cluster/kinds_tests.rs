use super::*;

fn pod(yaml: &str) -> Pod {
    serde_norway::from_str(yaml).unwrap()
}

#[test]
fn kinds_are_found_by_plural_alias_and_kind() {
    assert_eq!(find("pods").unwrap().kind, "Pod");
    assert_eq!(find("po").unwrap().kind, "Pod");
    assert_eq!(find("Deployment").unwrap().name, "deployments");
    assert_eq!(find("hpa").unwrap().group, "autoscaling");
    assert!(find("widgets").is_none());
    assert!(!find("nodes").unwrap().namespaced);
}

#[test]
fn pod_rows_have_kubectls_columns() {
    let p = pod("
metadata: {name: web-1, namespace: shop, creationTimestamp: '2026-01-01T00:00:00Z'}
spec:
  nodeName: node-a
  containers: [{name: a, image: x}, {name: b, image: y}]
status:
  phase: Running
  podIP: 10.0.0.7
  containerStatuses:
  - {name: a, ready: true, restartCount: 3, image: x, imageID: '', state: {running: {}}}
  - {name: b, ready: false, restartCount: 2, image: y, imageID: '', state: {waiting: {reason: CrashLoopBackOff}}}
");
    let now = "2026-01-01T00:10:00Z".parse().unwrap();
    let r = row(&p, now);
    assert_eq!(r.name, "web-1");
    assert_eq!(r.namespace.as_deref(), Some("shop"));
    assert_eq!(r.age, "10m");
    assert_eq!(r.columns["ready"], "1/2");
    assert_eq!(r.columns["status"], "CrashLoopBackOff");
    assert_eq!(r.columns["restarts"], 5);
    assert_eq!(r.columns["node"], "node-a");
    assert_eq!(r.columns["ip"], "10.0.0.7");
}

#[test]
fn pod_status_follows_kubectl_for_init_terminating_and_completed() {
    let init = pod("
metadata: {name: p}
spec: {containers: [{name: a}], initContainers: [{name: i}]}
status:
  phase: Pending
  initContainerStatuses: [{name: i, ready: false, restartCount: 0, image: '', imageID: '', state: {running: {}}}]
");
    assert_eq!(pod_status(&init), "Init:0/1");
    let done = pod("
metadata: {name: p}
spec: {containers: [{name: a}]}
status:
  phase: Succeeded
  containerStatuses: [{name: a, ready: false, restartCount: 0, image: '', imageID: '', state: {terminated: {exitCode: 0, reason: Completed}}}]
");
    assert_eq!(pod_status(&done), "Completed");
    let deleting = pod("
metadata: {name: p, deletionTimestamp: '2026-01-01T00:00:00Z'}
spec: {containers: [{name: a}]}
status: {phase: Running}
");
    assert_eq!(pod_status(&deleting), "Terminating");
}

#[test]
fn label_selectors_support_equality_sets_and_existence() {
    let p = pod("metadata: {name: p, labels: {app: web, tier: front}}");
    let m = &p.metadata;
    assert!(matches_selector(m, "app=web"));
    assert!(matches_selector(m, "app==web,tier=front"));
    assert!(!matches_selector(m, "app=db"));
    assert!(matches_selector(m, "app!=db"));
    assert!(matches_selector(m, "tier in (front, back)"));
    assert!(!matches_selector(m, "tier notin (front)"));
    assert!(matches_selector(m, "app,!legacy"));
    assert!(!matches_selector(m, "legacy"));
    assert!(matches_selector(m, ""));
}

#[test]
fn malformed_label_selectors_are_refused_with_the_requirement_at_fault() {
    for ok in [
        "",
        "app=web",
        "app==web,tier!=db",
        "tier in (front, back)",
        "tier notin (a)",
        "app,!legacy",
        "example.com/team=sre",
        "app=",
    ] {
        assert_eq!(validate_selector(ok), Ok(()), "{ok}");
    }
    for bad in [
        "app in (a",
        "app in a,b",
        "app=web web",
        "=web",
        "app=we$b",
        "ex ample=1",
        "tier in (fr)ont)",
    ] {
        let e = validate_selector(bad).expect_err(bad);
        assert!(e.contains("unable to parse requirement"), "{bad}: {e}");
    }
}

#[test]
fn ages_read_like_kubectl() {
    assert_eq!(short_duration(59), "59s");
    assert_eq!(short_duration(600), "10m");
    assert_eq!(short_duration(5 * 3600), "5h");
    assert_eq!(short_duration(3 * 86_400), "3d");
}

fn deployment(yaml: &str) -> Deployment {
    serde_norway::from_str(yaml).unwrap()
}

#[test]
fn deployment_status_tells_a_rollout_from_pods_that_stopped_being_available() {
    let progressing = |status: &str, reason: &str| {
        format!("conditions: [{{type: Progressing, status: '{status}', reason: {reason}}}]")
    };
    let cases = [
        // Everything wanted is there.
        (
            "observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2".to_string(),
            "Available",
        ),
        // The rollout finished, then pods crashed: not a rollout, and not fine (none or some left).
        (
            format!(
                "observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 0, {}",
                progressing("True", "NewReplicaSetAvailable")
            ),
            "Unavailable",
        ),
        (
            format!(
                "observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 1, {}",
                progressing("True", "NewReplicaSetAvailable")
            ),
            "Degraded",
        ),
        // New pods starting, old ones left, or a spec the controller has not read yet: a rollout.
        (
            format!(
                "observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 1, {}",
                progressing("True", "ReplicaSetUpdated")
            ),
            "Progressing",
        ),
        (
            "observedGeneration: 2, replicas: 3, updatedReplicas: 2, availableReplicas: 3".to_string(),
            "Progressing",
        ),
        (
            "observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 2".to_string(),
            "Progressing",
        ),
        (
            format!(
                "observedGeneration: 2, replicas: 2, updatedReplicas: 1, availableReplicas: 1, {}",
                progressing("False", "ProgressDeadlineExceeded")
            ),
            "ProgressDeadlineExceeded",
        ),
    ];
    for (status, expected) in cases {
        let yaml = format!(
            "metadata: {{name: web, generation: 2}}\nspec: {{replicas: 2, selector: {{}}, template: {{}}}}\nstatus: {{{status}}}"
        );
        assert_eq!(deployment_status(&deployment(&yaml)), expected, "{status}");
    }
    let paused = "metadata: {name: web, generation: 3}\nspec: {replicas: 2, paused: true, selector: {}, template: {}}\n\
                  status: {observedGeneration: 3, replicas: 3, updatedReplicas: 1, availableReplicas: 3}";
    assert_eq!(deployment_status(&deployment(paused)), "Paused");
    let zero = "metadata: {name: redis, generation: 3}\nspec: {replicas: 0, selector: {}, template: {}}\n\
                status: {observedGeneration: 3}";
    assert_eq!(deployment_status(&deployment(zero)), "ScaledToZero");
}

#[test]
fn job_status_follows_kubectl_for_suspended_and_failing_jobs() {
    let status_of = |conditions: &str| {
        let job: Job = serde_norway::from_str(&format!(
            "metadata: {{name: report, namespace: batch}}\nspec: {{template: {{}}}}\nstatus: {{conditions: [{conditions}]}}"
        ))
        .unwrap();
        row(&job, Utc::now()).columns["status"].clone()
    };
    let cases = [
        ("", "Running"),
        ("{type: Suspended, status: 'True'}", "Suspended"),
        ("{type: Suspended, status: 'False'}", "Running"),
        ("{type: FailureTarget, status: 'True'}", "FailureTarget"),
        (
            "{type: FailureTarget, status: 'True'}, {type: Failed, status: 'True'}",
            "Failed",
        ),
        (
            "{type: SuccessCriteriaMet, status: 'True'}, {type: Complete, status: 'True'}",
            "Complete",
        ),
    ];
    for (conditions, expected) in cases {
        assert_eq!(status_of(conditions), expected, "{conditions}");
    }
}
