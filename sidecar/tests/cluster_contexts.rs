//! Contexts and credentials against the real control plane (tests/cluster): the contexts list,
//! switching, a bearer-token context, and a user whose RoleBinding reaches one namespace only.
//! Run inside `tests/cluster/with-cluster`, which sets KUBILITICS_TEST_KUBECONFIG.

mod common;
#[path = "workbench/mod.rs"]
mod workbench;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use workbench::*;

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
    create_crd(
        &kc,
        &group,
        "gadgets",
        "Gadget",
        "    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}\n",
    );
    kubectl_apply(
        &kc,
        &format!(
            r#"apiVersion: rbac.authorization.k8s.io/v1
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
