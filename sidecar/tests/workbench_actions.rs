//! Actions through the safety gate against the real control plane: what runs, what waits for
//! approval, what never runs, and the audit trail of each.

mod common;
#[path = "workbench/mod.rs"]
mod workbench;

use std::time::Duration;

use serde_json::{Value, json};
use workbench::*;

fn audit_for(w: &Workbench, action_id: &str) -> Vec<Value> {
    let log = w.get("/api/v1/audit?limit=200");
    log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action_id"] == action_id)
        .cloned()
        .collect()
}

#[test]
#[ignore = "needs the real control plane: scripts/test.sh runs it inside tests/cluster/with-cluster"]
fn actions_run_wait_for_approval_or_are_refused_and_each_is_audited() {
    let kc = test_kubeconfig();
    let ns = namespace_with_web(&kc, "act", 1);
    // restart_rollout is forbidden here, on top of the defaults.
    let w = Workbench::start_with(
        &kc,
        &[],
        &[("AI_SAFETY_FORBIDDEN_OPERATIONS", "delete_secret,restart_rollout")],
    );
    let actions = "/api/v1/clusters/kubilitics-test/actions";
    w.wait_for(
        &format!("/api/v1/clusters/kubilitics-test/resources/pods?namespace={ns}"),
        |v| v["total"] == 1 && v["items"][0]["status"] == "Running",
    );

    // Offered actions carry what RBAC and the policy say.
    let offered = w.get(&format!(
        "/api/v1/clusters/kubilitics-test/resources/deployments/{ns}/web/actions"
    ));
    let scale = offered["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["operation"] == "scale_deployment")
        .unwrap();
    assert_eq!(scale["allowed_by_rbac"], true);
    assert_eq!(scale["policy"]["decision"], "allowed");
    let restart = offered["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["operation"] == "restart_rollout")
        .unwrap();
    assert_eq!(restart["policy"]["decision"], "refused");
    let (s, ro) = w.request("POST", "/api/v1/clusters/kubilitics-test-readonly/connect", None);
    assert_eq!(s, 200, "{ro}");
    let ro = w.get(&format!(
        "/api/v1/clusters/kubilitics-test-readonly/resources/deployments/{ns}/web/actions"
    ));
    assert!(
        ro["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["allowed_by_rbac"] == false),
        "view cannot change anything: {ro}"
    );

    // Allowed: runs now, audited with before/after and the request id.
    let (s, r) = w.post(
        actions,
        json!({"kind": "deployment", "namespace": ns, "name": "web", "action": {"type": "scale", "replicas": 3}}),
    );
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["state"], "applied");
    assert_eq!(replicas(&kc, &ns, "web"), "3");
    let audit = audit_for(&w, r["action_id"].as_str().unwrap());
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0]["decision"], "allowed");
    assert_eq!(audit[0]["operation"], "scale_deployment");
    assert_eq!(audit[0]["actor"], "user:local");
    assert_eq!(audit[0]["before"]["replicas"], 1);
    assert_eq!(audit[0]["after"]["replicas"], 3);
    assert!(audit[0]["request_id"].as_str().unwrap().starts_with("req-"));
    assert!(audit[0]["result"].as_str().unwrap().starts_with("applied"));
    // The record names its target: which cluster, which object.
    assert_eq!(audit[0]["context"], "kubilitics-test", "{:?}", audit[0]);
    assert_eq!(audit[0]["kind"], "Deployment", "{:?}", audit[0]);
    assert_eq!(audit[0]["namespace"], ns.as_str(), "{:?}", audit[0]);
    assert_eq!(audit[0]["name"], "web", "{:?}", audit[0]);

    // Forbidden: never runs.
    let (s, r) = w.post(
        actions,
        json!({"kind": "Deployment", "namespace": ns, "name": "web", "action": {"type": "rollout_restart"}}),
    );
    assert_eq!(s, 200);
    assert_eq!(r["state"], "refused", "{r}");
    assert!(r["reason"].as_str().unwrap().contains("forbidden"));
    let annotations = kubectl(
        &kc,
        &[
            "-n",
            &ns,
            "get",
            "deployment",
            "web",
            "-o",
            "jsonpath={.spec.template.metadata.annotations}",
        ],
    );
    assert!(!annotations.contains("restartedAt"), "a refused restart ran");
    assert_eq!(
        audit_for(&w, r["action_id"].as_str().unwrap())[0]["decision"],
        "refused"
    );

    // Needs approval (delete_pod): waits; a rejection with a reason leaves the pod.
    let pods = w.wait_for(
        &format!("/api/v1/clusters/kubilitics-test/resources/pods?namespace={ns}"),
        |v| v["total"] == 3,
    );
    let pod = pods["items"][0]["name"].as_str().unwrap().to_string();
    let (s, r) = w.post(
        actions,
        json!({"kind": "pod", "namespace": ns, "name": pod, "action": {"type": "delete_pod"}}),
    );
    assert_eq!(s, 202, "{r}");
    assert_eq!(r["state"], "pending_approval");
    let approval = r["approval_id"].as_str().unwrap().to_string();
    let pending = w.get("/api/v1/approvals");
    assert!(
        pending["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["approval"]["id"] == approval.as_str() && p["action"]["name"] == pod.as_str())
    );
    let (s, _) = w.post(&format!("/api/v1/approvals/{approval}/reject"), json!({"reason": ""}));
    assert_eq!(s, 400, "a rejection says why");
    let (s, rej) = w.post(
        &format!("/api/v1/approvals/{approval}/reject"),
        json!({"reason": "not during the sale"}),
    );
    assert_eq!(s, 200, "{rej}");
    assert_eq!(rej["state"], "rejected");
    let (s, _) = w.post(&format!("/api/v1/approvals/{approval}/approve"), json!({}));
    assert_eq!(s, 409, "decided once");
    kubectl(&kc, &["-n", &ns, "get", "pod", &pod]);
    let trail = audit_for(&w, r["action_id"].as_str().unwrap());
    assert!(
        trail
            .iter()
            .any(|a| a["decision"] == "rejected" && a["reason"] == "not during the sale"),
        "{trail:?}"
    );

    // Approved: runs.
    let (_, r) = w.post(
        actions,
        json!({"kind": "pod", "namespace": ns, "name": pod, "action": {"type": "delete_pod"}}),
    );
    let approval = r["approval_id"].as_str().unwrap();
    let (s, done) = w.post(&format!("/api/v1/approvals/{approval}/approve"), json!({}));
    assert_eq!(s, 200, "{done}");
    assert_eq!(done["state"], "applied");
    let gone = std::process::Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(&kc)
        .args(["-n", &ns, "get", "pod", &pod])
        .output()
        .unwrap();
    let still_there = gone.status.success() && !String::from_utf8_lossy(&gone.stdout).contains("Terminating");
    assert!(
        !still_there || String::from_utf8_lossy(&gone.stdout).is_empty(),
        "the approved delete did not run"
    );

    // Protected namespaces always need approval, even for a low-risk scale.
    let (s, r) = w.post(actions, json!({"kind": "deployment", "namespace": "kube-system", "name": "anything", "action": {"type": "scale", "replicas": 2}}));
    assert_eq!(s, 202, "{r}");
    assert!(r["reason"].as_str().unwrap().contains("kube-system"));

    // Apply: a server dry run shows the diff and changes nothing; the applied change lands.
    kubectl(
        &kc,
        &["-n", &ns, "create", "configmap", "settings", "--from-literal=mode=old"],
    );
    let yaml = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: {ns}\ndata:\n  mode: new\n"
    );
    let (s, preview) = w.post("/api/v1/clusters/kubilitics-test/apply/dry-run", json!({"yaml": yaml}));
    assert_eq!(s, 200, "{preview}");
    let diff = preview["diff"].as_str().unwrap();
    assert!(
        diff.contains("-   mode: old") && diff.contains("+   mode: new"),
        "{diff}"
    );
    assert_eq!(
        kubectl(
            &kc,
            &["-n", &ns, "get", "configmap", "settings", "-o", "jsonpath={.data.mode}"]
        ),
        "old"
    );
    let (s, r) = w.post(
        actions,
        json!({"kind": "ConfigMap", "namespace": ns, "name": "settings", "action": {"type": "apply", "yaml": yaml}}),
    );
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["state"], "applied", "{r}");
    assert_eq!(
        kubectl(
            &kc,
            &["-n", &ns, "get", "configmap", "settings", "-o", "jsonpath={.data.mode}"]
        ),
        "new"
    );
    // Server-side apply: the API server records the sidecar as the field manager of an Apply
    // (a client-side apply or an update would be recorded as `Update`).
    assert_eq!(
        kubectl(
            &kc,
            &[
                "-n",
                &ns,
                "get",
                "configmap",
                "settings",
                "-o",
                r#"jsonpath={.metadata.managedFields[?(@.manager=="kubilitics")].operation}"#,
            ]
        ),
        "Apply"
    );
    let audit = audit_for(&w, r["action_id"].as_str().unwrap());
    assert_eq!(audit[0]["operation"], "apply_manifest", "{audit:?}");
    assert_eq!(
        (
            audit[0]["kind"].as_str(),
            audit[0]["namespace"].as_str(),
            audit[0]["name"].as_str()
        ),
        (Some("ConfigMap"), Some(ns.as_str()), Some("settings")),
        "{audit:?}"
    );

    kubectl(&kc, &["delete", "namespace", &ns, "--wait=false"]);
}

#[test]
#[ignore = "needs the real control plane: scripts/test.sh runs it inside tests/cluster/with-cluster"]
fn drain_evicts_through_the_eviction_api_and_honours_pod_disruption_budgets() {
    let kc = test_kubeconfig();
    let ns = unique_ns("drain");
    let node = format!("{ns}-node");
    kubectl(&kc, &["create", "namespace", &ns]);
    // A KWOK node of our own, so draining it disturbs no other test.
    let node_yaml = format!(
        "apiVersion: v1\nkind: Node\nmetadata:\n  name: {node}\n  annotations: {{kwok.x-k8s.io/node: fake}}\n  labels: {{type: kwok}}\nspec:\n  taints: [{{key: kwok.x-k8s.io/node, value: fake, effect: NoSchedule}}]\nstatus:\n  allocatable: {{cpu: '8', memory: 16Gi, pods: '20'}}\n  capacity: {{cpu: '8', memory: 16Gi, pods: '20'}}\n"
    );
    let pods_yaml: String = ["kept", "free"]
        .iter()
        .map(|p| format!(
            "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: {p}\n  namespace: {ns}\n  labels: {{app: {p}}}\nspec:\n  nodeName: {node}\n  tolerations: [{{key: kwok.x-k8s.io/node, operator: Exists}}]\n  containers: [{{name: c, image: nginx}}]\n"
        ))
        .collect();
    let pdb = format!(
        "---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: keep\n  namespace: {ns}\nspec:\n  minAvailable: 1\n  selector: {{matchLabels: {{app: kept}}}}\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("objs.yaml");
    std::fs::write(&f, format!("{node_yaml}{pods_yaml}{pdb}")).unwrap();
    kubectl(&kc, &["apply", "-f", f.to_str().unwrap()]);
    let w = Workbench::start(&kc, &[]);
    // The budget allows no disruption once its pod is healthy.
    w.wait_for(
        &format!("/api/v1/clusters/kubilitics-test/resources/pdb?namespace={ns}"),
        |v| v["items"][0]["allowed_disruptions"] == 0 && v["total"] == 1,
    );
    w.wait_for(
        &format!("/api/v1/clusters/kubilitics-test/resources/pods?namespace={ns}"),
        |v| v["total"] == 2 && v["items"].as_array().unwrap().iter().all(|p| p["status"] == "Running"),
    );
    std::thread::sleep(Duration::from_secs(1));

    // Cordon on its own: the node takes no new pods, and its pods stay where they are.
    let (s, r) = w.post(
        "/api/v1/clusters/kubilitics-test/actions",
        json!({"kind": "node", "name": node, "action": {"type": "cordon"}}),
    );
    assert_eq!((s, r["state"].as_str()), (200, Some("applied")), "{r}");
    assert_eq!(r["outcome"]["before"]["unschedulable"], false, "{r}");
    assert_eq!(
        kubectl(&kc, &["get", "node", &node, "-o", "jsonpath={.spec.unschedulable}"]),
        "true"
    );
    assert_eq!(
        kubectl(&kc, &["-n", &ns, "get", "pods", "-o", "name"]).lines().count(),
        2,
        "cordoning evicts nothing"
    );
    let audit = audit_for(&w, r["action_id"].as_str().unwrap());
    assert_eq!(audit[0]["operation"], "cordon_node", "{audit:?}");
    assert_eq!(audit[0]["kind"], "Node", "{audit:?}");
    assert_eq!(audit[0]["name"], node.as_str(), "{audit:?}");
    assert!(audit[0]["namespace"].is_null(), "a node has no namespace: {audit:?}");

    let (s, r) = w.post(
        "/api/v1/clusters/kubilitics-test/actions",
        json!({"kind": "node", "name": node, "action": {"type": "drain"}}),
    );
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["state"], "applied", "{r}");
    let after = &r["outcome"]["after"];
    assert_eq!(after["unschedulable"], true);
    assert_eq!(
        r["outcome"]["before"]["unschedulable"], true,
        "the audit's before says the node was already cordoned: {r}"
    );
    assert_eq!(after["evicted"], json!([format!("{ns}/free")]), "{after}");
    assert_eq!(after["blocked"][0]["pod"], format!("{ns}/kept"), "{after}");
    assert!(
        after["blocked"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("PodDisruptionBudget")
    );
    assert_eq!(
        kubectl(&kc, &["get", "node", &node, "-o", "jsonpath={.spec.unschedulable}"]),
        "true"
    );
    kubectl(&kc, &["-n", &ns, "get", "pod", "kept"]);

    let (s, r) = w.post(
        "/api/v1/clusters/kubilitics-test/actions",
        json!({"kind": "node", "name": node, "action": {"type": "uncordon"}}),
    );
    assert_eq!((s, r["state"].as_str()), (200, Some("applied")), "{r}");
    assert_ne!(
        kubectl(&kc, &["get", "node", &node, "-o", "jsonpath={.spec.unschedulable}"]),
        "true"
    );
    kubectl(&kc, &["delete", "namespace", &ns, "--wait=false"]);
    kubectl(&kc, &["delete", "node", &node, "--wait=false"]);
}

/// A ValidatingAdmissionPolicy, bound to namespace `ns` only, that denies every dry-run request
/// to change a Deployment (or its scale) or delete a Pod, and lets the same request through
/// without dry run. An action that fails with its message was dry-run first, and the real request
/// never followed.
fn deny_dry_runs_in(kc: &std::path::Path, ns: &str) -> String {
    let name = format!("deny-dry-runs-{ns}");
    let manifest = format!(
        r#"apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: {name}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups: ["apps"]
      apiVersions: ["v1"]
      operations: ["UPDATE"]
      resources: ["deployments", "deployments/scale"]
    - apiGroups: [""]
      apiVersions: ["v1"]
      operations: ["DELETE"]
      resources: ["pods"]
  validations:
  - expression: "!request.dryRun"
    message: "dry run seen by the test policy"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: {name}
spec:
  policyName: {name}
  validationActions: ["Deny"]
  matchResources:
    namespaceSelector:
      matchLabels:
        kubernetes.io/metadata.name: {ns}
"#
    );
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), manifest).unwrap();
    kubectl(kc, &["apply", "-f", file.path().to_str().unwrap()]);
    name
}

#[test]
#[ignore = "needs the real control plane: scripts/test.sh runs it inside tests/cluster/with-cluster"]
fn every_apply_is_dry_run_first_and_a_refused_dry_run_changes_nothing() {
    let kc = test_kubeconfig();
    let ns = namespace_with_web(&kc, "dry", 1);
    let policy = deny_dry_runs_in(&kc, &ns);
    // The API server loads new policies asynchronously: wait until a dry run is denied (and
    // check, with kubectl, that a real request is not).
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let out = std::process::Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&kc)
            .args([
                "-n",
                &ns,
                "scale",
                "deployment",
                "web",
                "--replicas=1",
                "--dry-run=server",
            ])
            .output()
            .unwrap();
        if String::from_utf8_lossy(&out.stderr).contains("dry run seen by the test policy") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the test policy never took effect"
        );
        std::thread::sleep(Duration::from_millis(300));
    }

    let w = Workbench::start(&kc, &[]);
    let actions = "/api/v1/clusters/kubilitics-test/actions";
    let pods = w.wait_for(
        &format!("/api/v1/clusters/kubilitics-test/resources/pods?namespace={ns}"),
        |v| v["total"] == 1 && v["items"][0]["status"] == "Running",
    );
    let pod = pods["items"][0]["name"].as_str().unwrap().to_string();

    // An action the policy allows at once: its dry run is refused, so it never ran.
    let (s, r) = w.post(
        actions,
        json!({"kind": "deployment", "namespace": ns, "name": "web", "action": {"type": "scale", "replicas": 4}}),
    );
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["state"], "failed", "{r}");
    assert!(
        r["reason"]
            .as_str()
            .unwrap()
            .contains("dry run seen by the test policy"),
        "the reason quotes the API server: {r}"
    );
    assert_eq!(
        replicas(&kc, &ns, "web"),
        "1",
        "a failed dry run must leave the object alone"
    );
    let audit = audit_for(&w, r["action_id"].as_str().unwrap());
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert!(audit[0]["result"].as_str().unwrap().starts_with("failed"), "{audit:?}");
    // The same change without dry run is accepted by the API server: only the dry run was refused.
    kubectl(&kc, &["-n", &ns, "scale", "deployment", "web", "--replicas=2"]);
    assert_eq!(replicas(&kc, &ns, "web"), "2");

    // An approved action goes through the same dry run.
    let (s, r) = w.post(
        actions,
        json!({"kind": "pod", "namespace": ns, "name": pod, "action": {"type": "delete_pod"}}),
    );
    assert_eq!(s, 202, "{r}");
    let approval = r["approval_id"].as_str().unwrap();
    let (s, done) = w.post(&format!("/api/v1/approvals/{approval}/approve"), json!({}));
    assert_eq!(s, 200, "{done}");
    assert_eq!(done["state"], "failed", "{done}");
    assert!(
        done["reason"]
            .as_str()
            .unwrap()
            .contains("dry run seen by the test policy")
    );
    kubectl(&kc, &["-n", &ns, "get", "pod", &pod]);
    let trail = audit_for(&w, r["action_id"].as_str().unwrap());
    assert!(
        trail
            .iter()
            .any(|a| a["decision"] == "approved" && a["result"].as_str().unwrap_or("").starts_with("failed")),
        "{trail:?}"
    );

    kubectl(
        &kc,
        &[
            "delete",
            "validatingadmissionpolicybinding,validatingadmissionpolicy",
            &policy,
            "--wait=false",
        ],
    );
    kubectl(&kc, &["delete", "namespace", &ns, "--wait=false"]);
}

fn deployment_field(kc: &std::path::Path, ns: &str, path: &str) -> String {
    kubectl(
        kc,
        &["-n", ns, "get", "deployment", "web", "-o", &format!("jsonpath={path}")],
    )
}

/// Polls kubectl until the Deployment's revision (set by the deployment controller) is `rev`.
fn wait_for_revision(kc: &std::path::Path, ns: &str, rev: &str) {
    let path = "{.metadata.annotations.deployment\\.kubernetes\\.io/revision}";
    for _ in 0..150 {
        if deployment_field(kc, ns, path) == rev {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("deployment web never reached revision {rev}");
}

#[test]
#[ignore = "needs the real control plane: scripts/test.sh runs it inside tests/cluster/with-cluster"]
fn rollback_restores_the_previous_template_whole_and_says_when_there_is_none() {
    let kc = test_kubeconfig();
    let ns = namespace_with_web(&kc, "undo", 1);
    wait_for_revision(&kc, &ns, "1");
    // Revision 2: a new image and an annotation the first template did not have.
    kubectl(
        &kc,
        &[
            "-n",
            &ns,
            "patch",
            "deployment",
            "web",
            "-p",
            r#"{"spec":{"template":{"metadata":{"annotations":{"example.com/note":"v2"}},"spec":{"containers":[{"name":"nginx","image":"nginx:1.27"}]}}}}"#,
        ],
    );
    wait_for_revision(&kc, &ns, "2");
    let w = Workbench::start(&kc, &[]);
    let actions = "/api/v1/clusters/kubilitics-test/actions";
    w.wait_for(
        &format!("/api/v1/clusters/kubilitics-test/resources/replicasets?namespace={ns}"),
        |v| v["total"] == 2,
    );
    let offered = w.get(&format!(
        "/api/v1/clusters/kubilitics-test/resources/deployments/{ns}/web/actions"
    ));
    let rollback = offered["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["operation"] == "rollback_deployment")
        .unwrap_or_else(|| panic!("rollback is offered for a deployment: {offered}"));
    assert_eq!(rollback["allowed_by_rbac"], true);

    // Back to the previous revision: its image, and nothing of revision 2's template left.
    let (s, r) = w.post(
        actions,
        json!({"kind": "Deployment", "namespace": ns, "name": "web", "action": {"type": "rollback"}}),
    );
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["state"], "applied", "{r}");
    assert_eq!(
        deployment_field(&kc, &ns, "{.spec.template.spec.containers[0].image}"),
        "nginx"
    );
    assert_eq!(
        deployment_field(&kc, &ns, "{.spec.template.metadata.annotations}"),
        "",
        "revision 2's annotation is gone with its template"
    );
    // The controller reuses revision 1's ReplicaSet and numbers it 3, as after `kubectl rollout undo`.
    wait_for_revision(&kc, &ns, "3");
    let audit = audit_for(&w, r["action_id"].as_str().unwrap());
    assert_eq!(audit[0]["operation"], "rollback_deployment");
    assert_eq!(audit[0]["before"]["revision"], 2);
    assert_eq!(audit[0]["after"]["template_of_revision"], 1);

    // To a named revision.
    let (s, r) = w.post(
        actions,
        json!({"kind": "Deployment", "namespace": ns, "name": "web", "action": {"type": "rollback", "revision": 2}}),
    );
    assert_eq!((s, r["state"].as_str()), (200, Some("applied")), "{r}");
    assert_eq!(
        deployment_field(&kc, &ns, "{.spec.template.spec.containers[0].image}"),
        "nginx:1.27"
    );

    // A revision that does not exist changes nothing and says so.
    wait_for_revision(&kc, &ns, "4");
    let (s, r) = w.post(
        actions,
        json!({"kind": "Deployment", "namespace": ns, "name": "web", "action": {"type": "rollback", "revision": 99}}),
    );
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["state"], "failed", "{r}");
    assert!(r["reason"].as_str().unwrap().contains("no revision 99"), "{r}");
    assert_eq!(
        deployment_field(&kc, &ns, "{.spec.template.spec.containers[0].image}"),
        "nginx:1.27"
    );

    // Rollbacks in a row, each once the controller has numbered the previous one but while it
    // still writes that rollout's status: every one applies (status writes are not a change
    // to the spec to roll back over). Each reuses the other template's ReplicaSet: 5, 6, ...
    for revision in 5..11 {
        let (s, r) = w.post(
            actions,
            json!({"kind": "Deployment", "namespace": ns, "name": "web", "action": {"type": "rollback"}}),
        );
        assert_eq!((s, r["state"].as_str()), (200, Some("applied")), "{r}");
        wait_for_revision(&kc, &ns, &revision.to_string());
    }
    kubectl(&kc, &["delete", "namespace", &ns, "--wait=false"]);
}

/// The names of the ReplicaSets in `ns`, as kubectl lists them.
fn replica_sets(kc: &std::path::Path, ns: &str) -> Vec<String> {
    kubectl(kc, &["-n", ns, "get", "replicasets", "-o", "name"])
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
#[ignore = "needs the real control plane: scripts/test.sh runs it inside tests/cluster/with-cluster"]
fn a_rollout_restart_stamps_the_template_and_the_controller_rolls_out_a_new_replica_set() {
    let kc = test_kubeconfig();
    let ns = namespace_with_web(&kc, "restart", 1);
    wait_for_revision(&kc, &ns, "1");
    let w = Workbench::start(&kc, &[]);
    w.wait_for(
        &format!("/api/v1/clusters/kubilitics-test/resources/pods?namespace={ns}"),
        |v| v["total"] == 1 && v["items"][0]["status"] == "Running",
    );
    let before = replica_sets(&kc, &ns);
    assert_eq!(before.len(), 1, "{before:?}");

    let (s, r) = w.post(
        "/api/v1/clusters/kubilitics-test/actions",
        json!({"kind": "Deployment", "namespace": ns, "name": "web", "action": {"type": "rollout_restart"}}),
    );
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["state"], "applied", "{r}");
    // The same annotation `kubectl rollout restart` sets, with the time the outcome reports.
    let stamped = deployment_field(
        &kc,
        &ns,
        "{.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}",
    );
    assert!(!stamped.is_empty(), "no restartedAt on the pod template");
    assert_eq!(r["outcome"]["after"]["restartedAt"], stamped.as_str(), "{r}");
    // A changed template is a new revision: the controller creates a new ReplicaSet for it.
    wait_for_revision(&kc, &ns, "2");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let after = loop {
        let now = replica_sets(&kc, &ns);
        if now.len() == 2 || std::time::Instant::now() > deadline {
            break now;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(after.len(), 2, "{after:?}");
    assert!(
        after.contains(&before[0]),
        "the old ReplicaSet is kept for rollback: {after:?}"
    );
    let audit = audit_for(&w, r["action_id"].as_str().unwrap());
    assert_eq!(audit[0]["operation"], "restart_rollout", "{audit:?}");
    assert!(audit[0]["result"].as_str().unwrap().starts_with("applied"), "{audit:?}");
    kubectl(&kc, &["delete", "namespace", &ns, "--wait=false"]);
}

fn config_mode(kc: &std::path::Path, ns: &str) -> String {
    kubectl(
        kc,
        &["-n", ns, "get", "configmap", "settings", "-o", "jsonpath={.data.mode}"],
    )
}

#[test]
#[ignore = "needs the real control plane: scripts/test.sh runs it inside tests/cluster/with-cluster"]
fn an_edit_replaces_the_object_and_a_stale_copy_conflicts_and_changes_nothing() {
    let kc = test_kubeconfig();
    let ns = new_namespace(&kc, "edit");
    kubectl(
        &kc,
        &["-n", &ns, "create", "configmap", "settings", "--from-literal=mode=old"],
    );
    let w = Workbench::start(&kc, &[]);
    let actions = "/api/v1/clusters/kubilitics-test/actions";
    let path = format!("/api/v1/clusters/kubilitics-test/resources/configmaps/{ns}/settings");
    w.wait_for(&path, |v| v["data"]["mode"] == "old");

    // The object as the workbench shows it, one field changed: replaced.
    let read = w.get(&path);
    assert!(
        read["metadata"]["resourceVersion"].is_string(),
        "the object carries its resourceVersion: {read}"
    );
    let mut edited = read.clone();
    edited["data"]["mode"] = json!("edited");
    let (s, r) = w.post(
        actions,
        json!({"kind": "ConfigMap", "namespace": ns, "name": "settings", "action": {"type": "edit", "object": edited}}),
    );
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["state"], "applied", "{r}");
    assert_eq!(config_mode(&kc, &ns), "edited");
    let audit = audit_for(&w, r["action_id"].as_str().unwrap());
    assert_eq!(audit[0]["operation"], "edit_resource", "{audit:?}");
    assert_eq!(audit[0]["before"]["data"]["mode"], "old", "{audit:?}");
    assert_eq!(audit[0]["after"]["data"]["mode"], "edited", "{audit:?}");

    // The same read again (its resourceVersion is now old): a conflict, and nothing changes.
    let mut stale = read.clone();
    stale["data"]["mode"] = json!("stale");
    let (s, r) = w.post(
        actions,
        json!({"kind": "ConfigMap", "namespace": ns, "name": "settings", "action": {"type": "edit", "object": stale}}),
    );
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["state"], "failed", "{r}");
    let reason = r["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("(409)") && reason.contains("has been modified"),
        "the reason is the API server's conflict: someone changed it since it was read: {r}"
    );
    assert_eq!(config_mode(&kc, &ns), "edited", "a stale edit must not overwrite");
    let audit = audit_for(&w, r["action_id"].as_str().unwrap());
    assert!(audit[0]["result"].as_str().unwrap().starts_with("failed"), "{audit:?}");
    kubectl(&kc, &["delete", "namespace", &ns, "--wait=false"]);
}

#[test]
#[ignore = "needs the real control plane: scripts/test.sh runs it inside tests/cluster/with-cluster"]
fn an_apply_or_edit_cannot_reach_a_protected_namespace_under_another_target() {
    let kc = test_kubeconfig();
    let ns = new_namespace(&kc, "sneak");
    let name = format!("{ns}-victim");
    kubectl(
        &kc,
        &[
            "-n",
            "kube-system",
            "create",
            "configmap",
            &name,
            "--from-literal=mode=safe",
        ],
    );
    let w = Workbench::start(&kc, &[]);
    let actions = "/api/v1/clusters/kubilitics-test/actions";
    let mode = || {
        kubectl(
            &kc,
            &[
                "-n",
                "kube-system",
                "get",
                "configmap",
                &name,
                "-o",
                "jsonpath={.data.mode}",
            ],
        )
    };

    // YAML naming kube-system, submitted as a change in an ordinary namespace.
    let yaml = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: kube-system\ndata:\n  mode: owned\n"
    );
    let (s, r) = w.post(
        actions,
        json!({"kind": "ConfigMap", "namespace": ns, "name": name, "action": {"type": "apply", "yaml": yaml}}),
    );
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["state"], "refused", "{r}");
    assert!(r["reason"].as_str().unwrap().contains("kube-system"), "{r}");
    assert_eq!(mode(), "safe");
    assert_eq!(
        audit_for(&w, r["action_id"].as_str().unwrap())[0]["decision"],
        "refused"
    );

    // An edit whose object lives in kube-system, submitted for the ordinary namespace.
    let mut object: Value = serde_json::from_str(&kubectl(
        &kc,
        &["-n", "kube-system", "get", "configmap", &name, "-o", "json"],
    ))
    .unwrap();
    object["data"]["mode"] = json!("owned");
    let (s, r) = w.post(
        actions,
        json!({"kind": "ConfigMap", "namespace": ns, "name": name, "action": {"type": "edit", "object": object}}),
    );
    assert_eq!((s, r["state"].as_str()), (200, Some("refused")), "{r}");
    assert_eq!(mode(), "safe");

    // Submitted honestly, the same change waits for approval (kube-system is protected).
    let (s, r) = w.post(
        actions,
        json!({"kind": "ConfigMap", "namespace": "kube-system", "name": name, "action": {"type": "edit", "object": object}}),
    );
    assert_eq!((s, r["state"].as_str()), (202, Some("pending_approval")), "{r}");
    assert_eq!(mode(), "safe");
    kubectl(&kc, &["-n", "kube-system", "delete", "configmap", &name]);
    kubectl(&kc, &["delete", "namespace", &ns, "--wait=false"]);
}
