//! The sandbox on its own, through the real `kubilitics sandbox` binary, kubectl and kube-rs:
//! fast enough for every `cargo test`. The comparison with the real control plane is in
//! sandbox_fidelity.rs.

mod sandbox_support;

use std::time::Duration;

use sandbox_support::probes::{self, NS};
use sandbox_support::{SandboxProc, eventually, kubectl};

fn get(p: &[(&'static str, String)], name: &str) -> String {
    p.iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| panic!("no probe {name}"))
}

#[test]
fn starts_at_once_and_prints_where_it_is() {
    let sb = SandboxProc::start(&[]);
    assert!(
        sb.stdout_first_line
            .contains("serving a demo cluster at https://127.0.0.1:"),
        "{}",
        sb.stdout_first_line
    );
    let ctx = kubectl(&sb.kubeconfig, &["config", "current-context"]);
    assert_eq!(ctx.stdout.trim(), "kubilitics-sandbox");
    let version = kubectl(&sb.kubeconfig, &["version", "-o", "json"]);
    assert!(
        version.stdout.contains("\"gitVersion\": \"v1.36.3\""),
        "{}",
        version.stdout
    );
}

#[test]
fn demo_shows_its_faults_to_kubectl() {
    let sb = SandboxProc::start(&[]);
    let p = probes::read_probes(&sb.kubeconfig);
    let pods = get(&p, "get pods -n shop");
    for (app, status) in [
        ("cart", "ImagePullBackOff"),
        ("checkout", "CrashLoopBackOff"),
        ("recommendations", "CreateContainerConfigError"),
        ("reviews", "0/1 | Running"),
        ("frontend", "1/1 | Running"),
    ] {
        assert!(
            pods.lines().any(|l| l.starts_with(app) && l.contains(status)),
            "{app} {status}:\n{pods}"
        );
    }
    let all = kubectl(&sb.kubeconfig, &["get", "pods", "-A"]).stdout;
    assert!(
        all.lines()
            .any(|l| l.contains("fraud-check") && l.contains("CrashLoopBackOff")),
        "{all}"
    );
    assert!(
        all.lines()
            .any(|l| l.contains("report-builder") && l.contains("Pending")),
        "{all}"
    );
    assert!(
        get(&p, "get endpoints")
            .lines()
            .any(|l| l.starts_with("search | <none>"))
    );
    assert!(get(&p, "failed scheduling event").contains("Insufficient cpu"));
    assert_eq!(
        get(&p, "not found"),
        "ERROR: Error from server (NotFound): deployments.apps \"nope\" not found"
    );
    assert!(get(&p, "unsupported field selector").contains("field label not supported: spec.foo"));
    assert!(get(&p, "logs --previous").contains("FATAL cannot reach session store"));
    assert!(get(&p, "logs of a waiting container").contains("is waiting to start"));
    assert_eq!(get(&p, "auth can-i"), "yes");
    assert!(
        get(&p, "explain field").contains("FIELD: replicas <integer>"),
        "{}",
        get(&p, "explain field")
    );
    assert_eq!(
        get(&p, "paged list"),
        get(&p, "paged list").lines().collect::<Vec<_>>().join("\n")
    );
    let oom = kubectl(
        &sb.kubeconfig,
        &[
            "get",
            "pod",
            "-n",
            "payments",
            "-l",
            "app=fraud-check",
            "-o",
            "jsonpath={.items[0].status.containerStatuses[0].lastState.terminated.reason}",
        ],
    );
    assert_eq!(oom.stdout, "OOMKilled");
}

#[test]
fn common_actions_work_like_a_cluster() {
    let sb = SandboxProc::start(&[]);
    let w = probes::write_probes(&sb.kubeconfig);
    let expect = [
        (
            "apply creates",
            "namespace/fidelity created\nconfigmap/settings created\ndeployment.apps/web created\nservice/web created",
        ),
        ("deployment becomes ready", "true"),
        (
            "apply again is unchanged",
            "namespace/fidelity unchanged\nconfigmap/settings unchanged\ndeployment.apps/web unchanged\nservice/web unchanged",
        ),
        (
            "apply a change configures",
            "namespace/fidelity unchanged\nconfigmap/settings configured\ndeployment.apps/web configured\nservice/web unchanged",
        ),
        ("scaled by apply becomes ready", "true"),
        ("scale", "deployment.apps/web scaled"),
        ("scaled down", "true"),
        ("rollout restart", "deployment.apps/web restarted"),
        ("rollout status ends", "deployment \"web\" successfully rolled out"),
        ("rollout undo", "deployment.apps/web rolled back"),
        ("merge patch", "configmap/settings patched"),
        ("json patch", "configmap/settings patched"),
        ("strategic patch", "deployment.apps/web patched"),
        ("patched fields", r#"[{"name":"MODE","value":"green"}]"#),
        ("server-side apply", "configmap/ssa serverside-applied"),
        ("create secret", "secret/db-credentials created"),
        (
            "created secret",
            r#"Opaque {"password":"czNjcjN0IQ==","user":"YWRtaW4="}"#,
        ),
        ("create configmap", "configmap/features created"),
        ("create serviceaccount", "serviceaccount/ci created"),
        ("cordon", "node/kwok-node-1 cordoned"),
        ("uncordon", "node/kwok-node-1 uncordoned"),
        ("delete", "deployment.apps \"web\" deleted"),
        ("owned objects are collected", "true"),
    ];
    for (name, want) in expect {
        assert_eq!(get(&w, name), want, "probe {name}");
    }
    assert!(get(&w, "cordoned node").contains("Ready,SchedulingDisabled"));
    assert!(
        get(&w, "rollout history after undo").contains("3 | <none>"),
        "{}",
        get(&w, "rollout history after undo")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn kube_rs_lists_watches_reviews_and_is_refused_an_eviction() {
    let sb = SandboxProc::start(&[]);
    let p = probes::kube_probes(&sb.kubeconfig).await;
    assert!(get(&p, "kube-rs paged list").contains("over more than one page: true"));
    assert_eq!(get(&p, "kube-rs get not found"), "404 NotFound pods \"nope\" not found");
    assert_eq!(
        get(&p, "kube-rs watch from a list's resourceVersion"),
        "ADDED fidelity-watch"
    );
    assert_eq!(get(&p, "kube-rs access review"), "Ok(Some(true))");
    assert_eq!(
        get(&p, "kube-rs dry-run delete keeps the pod"),
        "answered with the pod; still there: Ok(true)"
    );
    assert!(
        get(&p, "kube-rs eviction blocked by PDB").starts_with("429 TooManyRequests"),
        "{}",
        get(&p, "kube-rs eviction blocked by PDB")
    );
}

#[test]
fn a_watch_too_old_is_gone_and_bookmarks_arrive() {
    let sb = SandboxProc::start(&[]);
    let gone = kubectl(
        &sb.kubeconfig,
        &[
            "get",
            "--raw",
            "/api/v1/pods?watch=1&resourceVersion=1&timeoutSeconds=1",
        ],
    );
    assert!(!gone.ok || gone.stdout.contains("\"code\":410"), "{gone:?}");
    let text = if gone.ok { gone.stdout } else { gone.stderr };
    assert!(
        text.contains("410") || text.contains("too old resource version"),
        "{text}"
    );
    let rv = kubectl(
        &sb.kubeconfig,
        &["get", "pods", "-A", "-o", "jsonpath={.metadata.resourceVersion}"],
    )
    .stdout;
    let watch = kubectl(
        &sb.kubeconfig,
        &[
            "get",
            "--raw",
            &format!("/api/v1/pods?watch=1&allowWatchBookmarks=true&resourceVersion={rv}&timeoutSeconds=7"),
        ],
    );
    assert!(watch.stdout.contains("\"type\":\"BOOKMARK\""), "{watch:?}");
}

/// The sidecar's watches start with a streaming list where the server has one, as the sandbox
/// does: every object as ADDED, then a bookmark marking the end that names the list's version.
#[test]
fn a_streaming_list_sends_every_object_then_the_end_bookmark() {
    let sb = SandboxProc::start(&[]);
    let listed = kubectl(&sb.kubeconfig, &["get", "--raw", "/api/v1/pods"]);
    let listed: serde_json::Value = serde_json::from_str(&listed.stdout).expect("pod list");
    let names: std::collections::BTreeSet<String> = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["metadata"]["name"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(!names.is_empty());
    let watch = kubectl(
        &sb.kubeconfig,
        &[
            "get",
            "--raw",
            "/api/v1/pods?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&resourceVersion=0&timeoutSeconds=2",
        ],
    );
    let events: Vec<serde_json::Value> = watch
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one event per line"))
        .collect();
    let end = events
        .iter()
        .position(|e| {
            e["type"] == "BOOKMARK" && e["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"] == "true"
        })
        .unwrap_or_else(|| panic!("no end-of-list bookmark: {watch:?}"));
    let initial: std::collections::BTreeSet<String> = events[..end]
        .iter()
        .inspect(|e| assert_eq!(e["type"], "ADDED", "{e}"))
        .map(|e| e["object"]["metadata"]["name"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(initial, names, "the initial events are the pods a list shows");
    let version = |v: &serde_json::Value| v.as_str().and_then(|s| s.parse::<u64>().ok());
    let (bookmark, list) = (
        version(&events[end]["object"]["metadata"]["resourceVersion"]),
        version(&listed["metadata"]["resourceVersion"]),
    );
    assert!(
        bookmark.is_some() && bookmark >= list,
        "the bookmark names a version at least as new as the earlier list's: {bookmark:?} vs {list:?}"
    );
}

#[test]
fn fixing_the_cause_heals_the_demo() {
    let sb = SandboxProc::start(&[]);
    let kc = &sb.kubeconfig;
    let healthy = |ns: &str, app: &str| {
        eventually(20, || {
            let out = kubectl(
                kc,
                &["get", "pods", "-n", ns, "-l", &format!("app={app}"), "--no-headers"],
            )
            .stdout;
            !out.trim().is_empty() && out.lines().all(|l| l.contains("1/1") && l.contains("Running"))
        })
    };
    assert!(
        kubectl(
            kc,
            &[
                "set",
                "image",
                "-n",
                "shop",
                "deploy/cart",
                "cart=registry.example.com/shop/cart:2.4.0"
            ]
        )
        .ok
    );
    assert!(healthy("shop", "cart"), "IMAGE_NOT_FOUND fixed by a good tag");
    // kubectl sends this create as protobuf.
    let created = kubectl(
        kc,
        &[
            "create",
            "secret",
            "generic",
            "recommendations-api-key",
            "-n",
            "shop",
            "--from-literal=api-key=demo",
        ],
    );
    assert!(created.ok, "{}", created.stderr);
    assert!(kubectl(kc, &["rollout", "restart", "-n", "shop", "deploy/recommendations"]).ok);
    assert!(
        healthy("shop", "recommendations"),
        "CONFIG_MISSING_SECRET fixed by creating it"
    );
    assert!(kubectl(kc, &["scale", "-n", "shop", "deploy/redis", "--replicas=1"]).ok);
    assert!(
        healthy("shop", "checkout"),
        "CRASHLOOP_DEPENDENCY fixed by bringing the dependency back"
    );
    assert!(
        kubectl(
            kc,
            &[
                "set",
                "resources",
                "-n",
                "payments",
                "deploy/fraud-check",
                "--limits=memory=512Mi"
            ]
        )
        .ok
    );
    assert!(healthy("payments", "fraud-check"), "OOM_KILLED fixed by a larger limit");
    assert!(
        kubectl(
            kc,
            &[
                "patch",
                "-n",
                "shop",
                "svc/search",
                "-p",
                r#"{"spec":{"selector":{"app":"search"}}}"#
            ]
        )
        .ok
    );
    assert!(
        eventually(10, || !kubectl(kc, &["get", "endpoints", "-n", "shop", "search"])
            .stdout
            .contains("<none>")),
        "SERVICE_NO_ENDPOINTS fixed"
    );
    let pod = kubectl(kc, &["get", "pods", "-n", "shop", "-l", "app=frontend", "-o", "name"]).stdout;
    let first = pod.lines().next().unwrap_or_default().to_string();
    assert!(kubectl(kc, &["delete", "-n", "shop", &first, "--wait=false"]).ok);
    assert!(
        eventually(10, || {
            let now = kubectl(kc, &["get", "pods", "-n", "shop", "-l", "app=frontend", "-o", "name"]).stdout;
            now.lines().count() == 3 && !now.contains(&first)
        }),
        "a deleted pod is replaced"
    );
}

#[test]
fn scenarios_and_scale_load_at_start() {
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/sandbox/demo/scenario");
    let sb = SandboxProc::start(&["--no-demo", "--scenario", scenario, "--scale", "pods=300"]);
    let kc = &sb.kubeconfig;
    assert!(eventually(20, || kubectl(kc, &["get", "pods", "-A", "--no-headers"])
        .stdout
        .lines()
        .count()
        >= 300 + 15));
    assert!(eventually(20, || kubectl(
        kc,
        &["get", "pods", "-n", "shop", "-l", "app=cart"]
    )
    .stdout
    .contains("ErrImagePull")
        || kubectl(kc, &["get", "pods", "-n", "shop", "-l", "app=cart"])
            .stdout
            .contains("ImagePullBackOff")));
    assert!(
        kubectl(kc, &["logs", "-n", "shop", "deploy/catalog"])
            .stdout
            .contains("loaded 1284 products")
    );
    let bench = kubectl(kc, &["get", "deploy", "-n", "bench-00", "--no-headers"]).stdout;
    assert!(bench.contains("50/50"), "{bench}");
}

#[test]
fn serve_sandbox_points_the_backend_at_an_in_process_demo() {
    let home = tempfile::tempdir().expect("home");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kubilitics"))
        .args(["serve", "--sandbox", "--port", "0"])
        .env("KUBILITICS_HOME", home.path())
        .env("HOME", home.path())
        .env("KUBILITICS_METRICS_PORT", "0")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("serve starts");
    let kc = home.path().join("sandbox.kubeconfig");
    let ok = eventually(30, || {
        kc.exists() && kubectl(&kc, &["get", "ns", "shop", "--no-headers"]).ok
    });
    let _ = child.kill();
    let _ = child.wait();
    assert!(ok, "serve --sandbox wrote a working {}", kc.display());
    std::thread::sleep(Duration::from_millis(10));
    let _ = NS;
}

#[test]
fn protobuf_bodies_of_other_kinds_get_the_real_415() {
    let sb = SandboxProc::start(&[]);
    let out = kubectl(
        &sb.kubeconfig,
        &[
            "create",
            "deployment",
            "web",
            "-n",
            "shop",
            "--image=registry.example.com/web:1",
        ],
    );
    assert!(!out.ok);
    assert!(
        out.stderr.contains(
            "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml"
        ),
        "{}",
        out.stderr
    );
    let out = kubectl(
        &sb.kubeconfig,
        &["auth", "can-i", "create", "deployments", "-n", "shop"],
    );
    assert_eq!(out.stdout.trim(), "yes", "{}", out.stderr);
}

/// Kinds the workbench does not cache are found and read on demand: against the sandbox, which
/// serves classic discovery only (the control plane's aggregated discovery is the cluster
/// test's), and its Tables.
#[tokio::test(flavor = "multi_thread")]
async fn kinds_are_discovered_and_listed_on_demand_without_aggregated_discovery() {
    use kubilitics::cluster::{Filter, dynamic};
    let sb = SandboxProc::start(&[]);
    let client = sandbox_support::kube_client(&sb.kubeconfig).await;
    let kinds = dynamic::kinds(&client).await.expect("discovery");
    let pods = kinds
        .iter()
        .find(|k| k.name == "pods" && k.group.is_empty())
        .unwrap_or_else(|| panic!("pods are served: {kinds:?}"));
    assert!(pods.namespaced && pods.cached);
    let shop = Filter {
        namespace: Some("shop".to_string()),
        ..Filter::default()
    };
    let rows = dynamic::list(&client, "pods", &shop).await.expect("pods listed").rows;
    assert!(!rows.is_empty() && rows.iter().all(|r| r.namespace.as_deref() == Some("shop")));
    // The core group's pods (the metrics API serves `pods` too), with kubectl's columns.
    let cart = rows
        .iter()
        .find(|r| r.name.starts_with("cart-"))
        .unwrap_or_else(|| panic!("the failing cart pod is listed: {rows:?}"));
    assert_eq!(cart.columns["status"], "ImagePullBackOff", "{cart:?}");
    assert_eq!(cart.columns["ready"], "0/1");
    assert!(!cart.columns.contains_key("node"), "NODE is -o wide only");
    let metrics = dynamic::list(&client, "pods.metrics.k8s.io", &shop)
        .await
        .expect("pod metrics")
        .rows;
    assert!(
        !metrics.is_empty() && metrics.iter().all(|r| !r.name.starts_with("cart-")),
        "PodMetrics by their full name, none for a pod that never started"
    );
    // A namespace means nothing to a cluster-scoped kind, as with `kubectl get nodes -n shop`.
    let nodes = dynamic::list(&client, "nodes", &shop).await.expect("nodes listed").rows;
    assert!(!nodes.is_empty() && nodes.iter().all(|n| n.namespace.is_none()));
    assert!(matches!(
        dynamic::list(&client, "gizmos", &shop).await,
        Err(dynamic::DynamicError::UnknownKind(_))
    ));
}
