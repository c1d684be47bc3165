//! The workbench against the real control plane (tests/cluster): contexts from the kubeconfig,
//! the watch cache serving lists and objects, per-context failures, imported kubeconfigs.
//! Run inside `tests/cluster/with-cluster`, which sets KUBILITICS_TEST_KUBECONFIG.

mod common;
#[path = "workbench/mod.rs"]
mod workbench;

use std::time::Duration;

use serde_json::{Value, json};
use workbench::*;

const NEEDS_CLUSTER: &str = "needs the real control plane: scripts/test.sh runs it inside tests/cluster/with-cluster";

#[test]
#[ignore = "needs the real control plane: scripts/test.sh runs it inside tests/cluster/with-cluster"]
fn pods_are_listed_from_the_cache_with_kubectls_columns() {
    let _ = NEEDS_CLUSTER;
    let kc = test_kubeconfig();
    let ns = namespace_with_web(&kc, "list", 3);
    kubectl(&kc, &["-n", &ns, "label", "deployment", "web", "tier=front"]);
    let w = Workbench::start(&kc, &[]);

    let clusters = w.get("/api/v1/clusters");
    assert_eq!(clusters["current"], "kubilitics-test");
    let names: Vec<&str> = clusters["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"kubilitics-test") && names.contains(&"kubilitics-test-readonly"),
        "{names:?}"
    );
    let admin = clusters["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "kubilitics-test")
        .unwrap();
    assert_eq!(admin["auth"], "client_certificate");
    assert!(admin["source"].as_str().unwrap().ends_with("kubeconfig"));

    let path = format!("/api/v1/clusters/kubilitics-test/resources/pods?namespace={ns}&labelSelector=app%3Dweb");
    let list = w.wait_for(&path, |v| {
        v["total"] == 3
            && v["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|p| p["status"] == "Running" && p["node"] != "")
    });
    let pod = &list["items"][0];
    assert_eq!(pod["namespace"], ns.as_str());
    assert_eq!(pod["ready"], "1/1");
    assert_eq!(pod["restarts"], 0);
    assert!(pod["age"].as_str().unwrap().ends_with('s'), "{pod}");
    assert_eq!(list["sync"]["state"], "synced");

    // Paging, sorting and free text.
    let page = w.get(&format!(
        "/api/v1/clusters/kubilitics-test/resources/pods?namespace={ns}&limit=2&sort=-name"
    ));
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert_eq!(page["total"], 3);
    let next = w.get(&format!(
        "/api/v1/clusters/kubilitics-test/resources/pods?namespace={ns}&limit=2&sort=-name&continue={}",
        page["continue"].as_str().unwrap()
    ));
    assert_eq!(next["items"].as_array().unwrap().len(), 1);
    assert!(next["continue"].is_null());
    let none = w.get(&format!(
        "/api/v1/clusters/kubilitics-test/resources/pods?namespace={ns}&q=no-such-pod"
    ));
    assert_eq!(none["total"], 0);

    // Deployments carry their columns; a label selector narrows them.
    let deps = w.wait_for(
        &format!("/api/v1/clusters/kubilitics-test/resources/deploy?namespace={ns}&labelSelector=tier%3Dfront"),
        |v| v["total"] == 1 && v["items"][0]["ready"] == "3/3",
    );
    assert_eq!(deps["items"][0]["available"], 3);

    // One object, as JSON and as YAML, without managedFields.
    let name = pod["name"].as_str().unwrap();
    let obj = w.get(&format!("/api/v1/clusters/kubilitics-test/resources/pods/{ns}/{name}"));
    assert_eq!(obj["kind"], "Pod");
    assert_eq!(obj["metadata"]["name"], name);
    assert!(
        obj["metadata"].get("managedFields").is_none(),
        "managedFields are stripped"
    );
    let yaml = w.get_text(&format!(
        "/api/v1/clusters/kubilitics-test/resources/pods/{ns}/{name}?format=yaml"
    ));
    assert!(
        yaml.contains("kind: Pod") && yaml.contains(&format!("name: {name}")),
        "{yaml}"
    );
    // Cluster-scoped kinds use `_` for the namespace.
    let node = w.get(&format!(
        "/api/v1/clusters/kubilitics-test/resources/nodes/_/{}",
        pod["node"].as_str().unwrap()
    ));
    assert_eq!(node["kind"], "Node");
    let missing = w.request(
        "GET",
        &format!("/api/v1/clusters/kubilitics-test/resources/pods/{ns}/nope"),
        None,
    );
    assert_eq!(missing.0, 404);
    assert_eq!(missing.1["error"]["code"], "not_found");

    // Deleting shows in the cache.
    kubectl(&kc, &["-n", &ns, "scale", "deployment", "web", "--replicas=1"]);
    w.wait_for(
        &format!("/api/v1/clusters/kubilitics-test/resources/pods?namespace={ns}"),
        |v| v["total"] == 1,
    );

    // /health reports every kind.
    let health = w.health();
    assert_eq!(health["dependencies"]["kubernetes_api"], "healthy");
    assert_eq!(health["kubernetes"][0]["kinds"]["pods"], "synced");
    kubectl(&kc, &["delete", "namespace", &ns, "--wait=false"]);
}

#[test]
#[ignore = "needs the real control plane: scripts/test.sh runs it inside tests/cluster/with-cluster"]
fn secrets_are_cached_as_metadata_only() {
    let kc = test_kubeconfig();
    let ns = new_namespace(&kc, "secret");
    kubectl(
        &kc,
        &[
            "-n",
            &ns,
            "create",
            "secret",
            "generic",
            "db",
            "--from-literal=password=hunter2-very-secret",
        ],
    );
    let w = Workbench::start(&kc, &[]);
    let list = w.wait_for(
        &format!("/api/v1/clusters/kubilitics-test/resources/secrets?namespace={ns}"),
        |v| v["total"] == 1,
    );
    assert_eq!(list["items"][0]["name"], "db");
    let obj = w.get(&format!("/api/v1/clusters/kubilitics-test/resources/secrets/{ns}/db"));
    assert_eq!(obj["metadata"]["name"], "db");
    assert!(
        obj.get("data").is_none() && obj.get("stringData").is_none(),
        "no secret data: {obj}"
    );
    assert!(!obj.to_string().contains("hunter2"));
    let dump = w.get("/api/v1/clusters/kubilitics-test/search?q=db");
    assert!(!dump.to_string().contains("hunter2"));
    let log = std::fs::read_to_string(w.sidecar.home.join("stdout.log")).unwrap_or_default();
    assert!(!log.contains("hunter2"), "secret data never reaches the log");
    kubectl(&kc, &["delete", "namespace", &ns, "--wait=false"]);
}

#[test]
#[ignore = "needs the real control plane: scripts/test.sh runs it inside tests/cluster/with-cluster"]
fn a_broken_context_says_what_to_check_and_never_blocks_the_others() {
    let kc = test_kubeconfig();
    let base: Value = serde_norway::from_str(&std::fs::read_to_string(&kc).unwrap()).unwrap();
    let server = base["clusters"][0]["cluster"]["server"].as_str().unwrap().to_string();
    let ca = base["clusters"][0]["cluster"]["certificate-authority-data"]
        .as_str()
        .unwrap()
        .to_string();
    let admin = base["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "admin")
        .unwrap()["user"]
        .clone();
    // A server that accepts connections and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_url = format!("https://{}", silent.local_addr().unwrap());
    let other_ca = other_ca_pem();
    let doc = json!({
        "apiVersion": "v1", "kind": "Config", "current-context": "good",
        "clusters": [
            {"name": "real", "cluster": {"server": server, "certificate-authority-data": ca}},
            {"name": "nowhere", "cluster": {"server": "https://127.0.0.1:1", "certificate-authority-data": ca}},
            {"name": "wrong-ca", "cluster": {"server": server, "certificate-authority-data": other_ca}},
            {"name": "silent", "cluster": {"server": silent_url, "certificate-authority-data": ca}},
        ],
        "users": [
            {"name": "admin", "user": admin},
            {"name": "bad-token", "user": {"token": "not-a-real-token"}},
        ],
        "contexts": [
            {"name": "good", "context": {"cluster": "real", "user": "admin"}},
            {"name": "unreachable", "context": {"cluster": "nowhere", "user": "admin"}},
            {"name": "tls", "context": {"cluster": "wrong-ca", "user": "admin"}},
            {"name": "unauthorized", "context": {"cluster": "real", "user": "bad-token"}},
            {"name": "timeout", "context": {"cluster": "silent", "user": "admin"}},
        ]
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kubeconfig");
    std::fs::write(&path, serde_norway::to_string(&doc).unwrap()).unwrap();
    let w = Workbench::start(&path, &[("kubernetes:\n  request_timeout: 3\n", "")]);

    let expect = [
        (
            "unreachable",
            502,
            "cluster_unreachable",
            "check that the cluster is running",
        ),
        ("tls", 502, "cluster_tls", "certificate-authority"),
        ("unauthorized", 502, "cluster_unauthorized", "rejected the credentials"),
        ("timeout", 504, "cluster_timeout", "did not answer"),
    ];
    // Start the broken ones together with the good one: the good one answers regardless.
    let handles: Vec<_> = expect
        .iter()
        .map(|(ctx, ..)| {
            let (url, token, home) = (w.sidecar.url.clone(), w.token.clone(), w.sidecar.home.clone());
            let ctx = ctx.to_string();
            std::thread::spawn(move || {
                raw_request(
                    &url,
                    &token,
                    &home,
                    "POST",
                    &format!("/api/v1/clusters/{ctx}/connect"),
                    None,
                )
            })
        })
        .collect();
    let started = std::time::Instant::now();
    let good = w.request("POST", "/api/v1/clusters/good/connect", None);
    assert_eq!(good.0, 200, "{}", good.1);
    w.wait_for("/api/v1/clusters/good/resources/nodes", |v| {
        v["total"].as_u64() > Some(0)
    });
    let good_took = started.elapsed();
    for ((ctx, status, code, words), h) in expect.iter().zip(handles) {
        let (s, body) = h.join().unwrap();
        assert_eq!(s, *status, "{ctx}: {body}");
        assert_eq!(body["error"]["code"], *code, "{ctx}: {body}");
        let msg = body["error"]["message"].as_str().unwrap();
        assert!(msg.contains(words), "{ctx}: {msg}");
    }
    assert!(
        good_took < Duration::from_secs(3),
        "the good context did not wait for the broken ones ({good_took:?})"
    );
    let list = w.get("/api/v1/clusters");
    let by_name = |n: &str| {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == n)
            .unwrap()
            .clone()
    };
    assert_eq!(by_name("good")["connected"], true);
    assert_eq!(by_name("unreachable")["reachable"], false);
    assert_eq!(by_name("unauthorized")["failure"]["kind"], "unauthorized");
    assert_eq!(by_name("tls")["failure"]["kind"], "tls");
    drop(silent);
}

#[test]
#[ignore = "needs the real control plane: scripts/test.sh runs it inside tests/cluster/with-cluster"]
fn a_read_only_user_sees_forbidden_kinds_and_the_rest_synced() {
    let kc = test_kubeconfig();
    let w = Workbench::start(&kc, &[]);
    let status = w.request("POST", "/api/v1/clusters/kubilitics-test-readonly/connect", None);
    assert_eq!(status.0, 200, "{}", status.1);
    let status = w.wait_for("/api/v1/clusters/kubilitics-test-readonly", |v| v["synced"] == true);
    let state = |k: &str| {
        status["kinds"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["kind"] == k)
            .unwrap()["state"]
            .clone()
    };
    assert_eq!(state("secrets"), "forbidden", "the view role cannot list secrets");
    assert_eq!(state("pods"), "synced");
    // Both contexts are connected at once.
    w.request("POST", "/api/v1/clusters/kubilitics-test/connect", None);
    let list = w.get("/api/v1/clusters");
    let connected = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["connected"] == true)
        .count();
    assert_eq!(connected, 2);
}
