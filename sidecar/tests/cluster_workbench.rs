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
    let state = |k: &str| kind_status(&status, k)["state"].clone();
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

#[test]
#[ignore = "needs the real control plane: scripts/test.sh runs it inside tests/cluster/with-cluster"]
fn custom_resources_are_discovered_and_browsed_on_demand_with_kubectls_columns() {
    let kc = test_kubeconfig();
    let ns = new_namespace(&kc, "crd");
    // A group of its own (CRDs are cluster-wide), so runs never share one.
    let group = format!("{}.kubilitics.test", ns.replace('-', ""));
    create_crd(
        &kc,
        &group,
        "widgets",
        "Widget",
        r#"    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
              colour: {type: string}
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    - {name: Colour, type: string, jsonPath: .spec.colour, priority: 1}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
"#,
    );
    let widget = |name: &str, size: u32, tier: &str| {
        format!(
            "apiVersion: {group}/v1\nkind: Widget\nmetadata:\n  name: {name}\n  namespace: {ns}\n  labels: {{tier: {tier}}}\nspec:\n  size: {size}\n  colour: blue\n"
        )
    };
    kubectl_apply(&kc, &widget("small", 1, "front"));
    let w = Workbench::start(&kc, &[]);
    let base = "/api/v1/clusters/kubilitics-test";

    // Discovered: listed among the kinds, not held in the cache.
    let kinds = w.get(&format!("{base}/kinds"));
    let found = kinds["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["group"] == group.as_str())
        .unwrap_or_else(|| panic!("widgets.{group} is not among the kinds: {kinds}"));
    assert_eq!(found["name"], "widgets");
    assert_eq!(found["kind"], "Widget");
    assert_eq!(found["namespaced"], true);
    assert_eq!(found["cached"], false);
    let pods = kinds["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "pods" && k["group"] == "")
        .unwrap();
    assert_eq!(pods["cached"], true);

    // Listed with the CRD's printer columns, as `kubectl get widgets` prints them.
    let list = w.get(&format!("{base}/resources/widgets.{group}?namespace={ns}"));
    assert_eq!(list["total"], 1, "{list}");
    let row = &list["items"][0];
    assert_eq!(row["name"], "small");
    assert_eq!(row["namespace"], ns.as_str());
    assert_eq!(row["size"], 1, "the Size printer column: {row}");
    assert!(row.get("colour").is_none(), "priority 1 is -o wide only: {row}");
    assert!(row["age"].as_str().unwrap().ends_with('s'), "{row}");

    // On demand: a new object shows at once (read from the API server, not a cache to wait for).
    kubectl_apply(&kc, &widget("large", 9, "back"));
    let list = w.get(&format!("{base}/resources/widgets.{group}?namespace={ns}&sort=-size"));
    assert_eq!(list["total"], 2, "{list}");
    assert_eq!(list["items"][0]["name"], "large", "sorted by a printer column: {list}");
    let front = w.get(&format!(
        "{base}/resources/Widget?namespace={ns}&labelSelector=tier%3Dfront"
    ));
    assert_eq!(front["total"], 1);
    assert_eq!(front["items"][0]["name"], "small");
    let text = w.get(&format!("{base}/resources/widgets.{group}?namespace={ns}&q=larg"));
    assert_eq!(text["items"][0]["name"], "large");

    // One object, JSON and YAML, without managedFields.
    let obj = w.get(&format!("{base}/resources/widgets.{group}/{ns}/large"));
    assert_eq!(obj["spec"]["size"], 9);
    assert!(obj["metadata"].get("managedFields").is_none());
    let yaml = w.get_text(&format!("{base}/resources/widgets.{group}/{ns}/large?format=yaml"));
    assert!(yaml.contains("kind: Widget") && yaml.contains("size: 9"), "{yaml}");

    // A kind the cluster does not serve says where to look.
    let (s, e) = w.request("GET", &format!("{base}/resources/gizmos.{group}"), None);
    assert_eq!(s, 404);
    assert!(e["error"]["message"].as_str().unwrap().contains("/kinds"), "{e}");

    kubectl(&kc, &["delete", "crd", &format!("widgets.{group}"), "--wait=false"]);
    kubectl(&kc, &["delete", "namespace", &ns, "--wait=false"]);
}

/// The namespace's objects wired every way the topology knows: a Deployment whose pods mount a
/// claim bound to a volume of a storage class, read a ConfigMap and a Secret, behind a Service
/// and an Ingress, scaled by an HPA, guarded by a PDB and a NetworkPolicy.
fn wired_shop(kc: &std::path::Path, ns: &str) {
    kubectl_apply(
        kc,
        &format!(
            r#"apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {{name: local-{ns}}}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: Immediate
---
apiVersion: v1
kind: PersistentVolume
metadata: {{name: data-{ns}}}
spec:
  capacity: {{storage: 1Gi}}
  accessModes: [ReadWriteOnce]
  storageClassName: local-{ns}
  hostPath: {{path: /tmp/data-{ns}}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {{name: data, namespace: {ns}}}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: local-{ns}
  volumeName: data-{ns}
  resources: {{requests: {{storage: 1Gi}}}}
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: settings, namespace: {ns}}}
data: {{mode: fast}}
---
apiVersion: v1
kind: Secret
metadata: {{name: creds, namespace: {ns}}}
stringData: {{password: not-for-the-graph}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: {ns}}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
      - name: web
        image: nginx
        env:
        - name: PASSWORD
          valueFrom: {{secretKeyRef: {{name: creds, key: password}}}}
        volumeMounts:
        - {{name: data, mountPath: /data}}
        - {{name: settings, mountPath: /etc/settings}}
      volumes:
      - name: data
        persistentVolumeClaim: {{claimName: data}}
      - name: settings
        configMap: {{name: settings}}
---
apiVersion: v1
kind: Service
metadata: {{name: web, namespace: {ns}}}
spec:
  selector: {{app: web}}
  ports: [{{port: 80}}]
---
apiVersion: v1
kind: Service
metadata: {{name: lonely, namespace: {ns}}}
spec:
  selector: {{app: nobody}}
  ports: [{{port: 80}}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: web, namespace: {ns}}}
spec:
  rules:
  - http:
      paths:
      - {{path: /, pathType: Prefix, backend: {{service: {{name: web, port: {{number: 80}}}}}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: broken, namespace: {ns}}}
spec:
  defaultBackend: {{service: {{name: nowhere, port: {{number: 80}}}}}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {{name: web, namespace: {ns}}}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: web}}
  minReplicas: 2
  maxReplicas: 4
  metrics:
  - type: Resource
    resource: {{name: cpu, target: {{type: Utilization, averageUtilization: 80}}}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: web, namespace: {ns}}}
spec:
  minAvailable: 1
  selector: {{matchLabels: {{app: web}}}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: web, namespace: {ns}}}
spec:
  podSelector: {{matchLabels: {{app: web}}}}
  policyTypes: [Ingress]
"#
        ),
    );
}

fn edges_of(graph: &Value) -> Vec<(String, String, String)> {
    graph["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap().to_string();
            (s("from"), s("type"), s("to"))
        })
        .collect()
}

fn node_of<'a>(graph: &'a Value, id: &str) -> &'a Value {
    graph["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == id)
        .unwrap_or_else(|| panic!("{id} is not in the graph: {graph}"))
}

#[test]
#[ignore = "needs the real control plane: scripts/test.sh runs it inside tests/cluster/with-cluster"]
fn the_topology_and_related_objects_follow_every_kind_of_link_the_cluster_has() {
    let kc = test_kubeconfig();
    let ns = new_namespace(&kc, "topo");
    wired_shop(&kc, &ns);
    let w = Workbench::start(&kc, &[]);
    let base = "/api/v1/clusters/kubilitics-test";

    // Wait until the controllers did their part and the cache saw it: pods running on nodes,
    // the claim bound.
    w.wait_for(&format!("{base}/resources/pods?namespace={ns}"), |v| {
        v["total"] == 2
            && v["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|p| p["status"] == "Running" && p["ready"] == "1/1")
    });
    w.wait_for(&format!("{base}/resources/pvc?namespace={ns}"), |v| {
        v["items"][0]["status"] == "Bound"
    });
    let graph = w.wait_for(&format!("{base}/topology?namespace={ns}"), |g| {
        g["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "HorizontalPodAutoscaler")
    });
    let edges = edges_of(&graph);
    let has = |from: &str, t: &str, to: &str| edges.iter().any(|(f, ty, x)| f == from && ty == t && x == to);
    let pods: Vec<String> = graph["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "Pod")
        .map(|n| n["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(pods.len(), 2, "{graph}");
    let rs = graph["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "ReplicaSet")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let dep = format!("Deployment/{ns}/web");
    assert!(has(&dep, "owns", &rs), "Deployment→ReplicaSet: {edges:?}");
    assert!(has(
        &format!("Ingress/{ns}/web"),
        "routes",
        &format!("Service/{ns}/web")
    ));
    assert!(has(&format!("HorizontalPodAutoscaler/{ns}/web"), "scales", &dep));
    let pvc = format!("PersistentVolumeClaim/{ns}/data");
    let pv = format!("PersistentVolume//data-{ns}");
    assert!(has(&pvc, "bound_to", &pv), "PVC→PV: {edges:?}");
    assert!(
        has(&pv, "uses_class", &format!("StorageClass//local-{ns}")),
        "PV→StorageClass: {edges:?}"
    );
    for pod in &pods {
        assert!(has(&rs, "owns", pod), "ReplicaSet→{pod}");
        assert!(has(&format!("Service/{ns}/web"), "selects", pod));
        assert!(has(pod, "mounts", &pvc));
        assert!(has(pod, "uses_config_map", &format!("ConfigMap/{ns}/settings")));
        assert!(has(pod, "uses_secret", &format!("Secret/{ns}/creds")));
        assert!(has(&format!("PodDisruptionBudget/{ns}/web"), "protects", pod));
        assert!(has(&format!("NetworkPolicy/{ns}/web"), "applies_to", pod));
        assert!(
            edges
                .iter()
                .any(|(f, t, to)| f == pod && t == "scheduled_on" && to.starts_with("Node//")),
            "{pod} → its node: {edges:?}"
        );
        assert_eq!(node_of(&graph, pod)["health"], "healthy");
    }
    // Every node says how it is and why.
    let broken = node_of(&graph, &format!("Ingress/{ns}/broken"));
    assert_eq!(broken["health"], "error");
    assert!(broken["reason"].as_str().unwrap().contains("nowhere"), "{broken}");
    let lonely = node_of(&graph, &format!("Service/{ns}/lonely"));
    assert_eq!(lonely["health"], "warning");
    assert!(lonely["reason"].as_str().unwrap().contains("no pods"), "{lonely}");
    assert!(!graph.to_string().contains("not-for-the-graph"), "no secret data");

    // A root and a depth bound the walk.
    let near = w.get(&format!(
        "{base}/topology?namespace={ns}&root=Deployment/{ns}/web&depth=1"
    ));
    assert!(
        has_node(&near, &rs) && !pods.iter().any(|p| has_node(&near, p)),
        "{near}"
    );
    assert_eq!(near["truncated"], true);

    // Related objects: one pod's direct neighbours, as the detail page shows them.
    let pod_name = pods[0].rsplit('/').next().unwrap();
    let related = w.get(&format!("{base}/resources/pods/{ns}/{pod_name}/related"));
    let mut kinds: Vec<&str> = related["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["id"] != pods[0].as_str())
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    kinds.sort();
    kinds.dedup();
    assert_eq!(
        kinds,
        [
            "ConfigMap",
            "NetworkPolicy",
            "Node",
            "PersistentVolumeClaim",
            "PodDisruptionBudget",
            "ReplicaSet",
            "Secret",
            "Service"
        ],
        "{related}"
    );
    assert!(!has_node(&related, &pods[1]), "the other pod is two hops away");
    let claim = w.get(&format!("{base}/resources/pvc/{ns}/data/related"));
    assert!(has_node(&claim, &pv) && has_node(&claim, &pods[0]), "{claim}");

    kubectl(&kc, &["delete", "namespace", &ns, "--wait=false"]);
    kubectl(
        &kc,
        &[
            "delete",
            &format!("persistentvolume/data-{ns}"),
            &format!("storageclass/local-{ns}"),
            "--wait=false",
        ],
    );
}

fn has_node(graph: &Value, id: &str) -> bool {
    graph["nodes"].as_array().unwrap().iter().any(|n| n["id"] == id)
}
