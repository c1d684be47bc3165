//! The client test suite run against both the real control plane and the sandbox: kubectl
//! commands and kube-rs calls covering get, list with selectors and paging, watch, apply,
//! scale, rollout, logs, delete, auth can-i and explain. Each probe returns normalised text;
//! the fidelity test compares the two clusters' texts probe by probe.

use std::path::Path;

use futures_util::{StreamExt, TryStreamExt};
use k8s_openapi::api::authorization::v1::{ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec};
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::api::{Api, DeleteParams, EvictParams, ListParams, PostParams, WatchEvent, WatchParams};

use super::{Out, eventually, kube_client, kubectl, kubectl_stdin, normalise, sorted};

/// Every probe's name (the fidelity test's list of known differences must use these).
pub const PROBE_NAMES: &[&str] = &[
    "get pods -n shop",
    "get deploy,sts,ds,svc,pdb -A",
    "get deploy -o wide",
    "get nodes",
    "label selector",
    "field selector",
    "paged list",
    "not found",
    "unsupported field selector",
    "get svc -o yaml",
    "get endpoints",
    "failed scheduling event",
    "warning events",
    "logs",
    "logs --tail",
    "logs --previous",
    "logs of a waiting container",
    "auth can-i",
    "explain field",
    "explain fields",
    "apply creates",
    "deployment becomes ready",
    "apply again is unchanged",
    "apply a change configures",
    "scaled by apply becomes ready",
    "get deploy",
    "get pods -l",
    "scale",
    "scaled down",
    "rollout restart",
    "rollout status ends",
    "rollout history",
    "rollout undo",
    "rollout status after undo",
    "rollout history after undo",
    "merge patch",
    "json patch",
    "strategic patch",
    "patched fields",
    "server-side apply",
    "server-side apply data",
    "create secret",
    "created secret",
    "create configmap",
    "create serviceaccount",
    "cordon",
    "cordoned node",
    "uncordon",
    "delete",
    "owned objects are collected",
    "delete namespace",
    "kube-rs paged list",
    "kube-rs get not found",
    "kube-rs watch from a list's resourceVersion",
    "kube-rs access review",
    "kube-rs eviction blocked by PDB",
];

/// The namespace the write probes create and use.
pub const NS: &str = "fidelity";

pub const APP_V1: &str = r#"apiVersion: v1
kind: Namespace
metadata: {name: fidelity}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: fidelity}
data: {mode: blue}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: fidelity, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: registry.example.com/fidelity/web:1.0
        ports: [{name: http, containerPort: 8080}]
        resources: {requests: {cpu: 10m, memory: 16Mi}}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: fidelity}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
"#;

fn k(kc: &Path, args: &[&str]) -> String {
    normalise(&kubectl(kc, args).text())
}

fn ks(kc: &Path, args: &[&str]) -> String {
    sorted(&k(kc, args))
}

/// Only the lines about the demo's namespaces (the real cluster may hold other tests' objects).
fn demo_lines(out: &Out) -> String {
    let full = out.text();
    let text: Vec<&str> = full
        .lines()
        .enumerate()
        .filter(|(i, l)| {
            *i == 0
                || ["shop ", "payments ", "analytics ", "monitoring "]
                    .iter()
                    .any(|n| l.starts_with(n))
        })
        .map(|(_, l)| l)
        .collect::<Vec<_>>();
    sorted(&normalise(&text.join("\n")))
}

/// Read-only probes over the demo data, in order: (name, output).
pub fn read_probes(kc: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("get pods -n shop", ks(kc, &["get", "pods", "-n", "shop"])),
        (
            "get deploy,sts,ds,svc,pdb -A",
            demo_lines(&kubectl(kc, &["get", "deploy,sts,ds,svc,pdb", "-A"])),
        ),
        (
            "get deploy -o wide",
            ks(kc, &["get", "deploy", "-n", "shop", "-o", "wide"]),
        ),
        ("get nodes", k(kc, &["get", "nodes"])),
        (
            "label selector",
            ks(
                kc,
                &["get", "pods", "-A", "-l", "tier in (api),app!=search", "-o", "name"],
            ),
        ),
        (
            "field selector",
            ks(
                kc,
                &[
                    "get",
                    "pods",
                    "-A",
                    "--field-selector",
                    "status.phase=Pending",
                    "-o",
                    "name",
                ],
            ),
        ),
        (
            "paged list",
            ks(kc, &["get", "pods", "-n", "shop", "--chunk-size=3", "-o", "name"]),
        ),
        ("not found", k(kc, &["get", "deploy", "nope", "-n", "shop"])),
        (
            "unsupported field selector",
            k(kc, &["get", "pods", "-n", "shop", "--field-selector", "spec.foo=bar"]),
        ),
        (
            "get svc -o yaml",
            k(kc, &["get", "svc", "-n", "shop", "frontend", "-o", "yaml"]),
        ),
        ("get endpoints", ks(kc, &["get", "endpoints", "-n", "shop"])),
        (
            "failed scheduling event",
            k(
                kc,
                &[
                    "get",
                    "events",
                    "-n",
                    "analytics",
                    "--field-selector",
                    "reason=FailedScheduling",
                    "-o",
                    "custom-columns=TYPE:.type,REASON:.reason,MESSAGE:.message",
                ],
            ),
        ),
        (
            // The pods' warnings, the demo's faults. Not the Services': the reference's API
            // server may warn ClusterIPNotAllocated about a Service its IP repair loop checked
            // while the Service was being created (a race of its allocator, seen once in CI),
            // which is nothing the demo stages.
            "warning events",
            dedup(&ks(
                kc,
                &[
                    "get",
                    "events",
                    "-n",
                    "shop",
                    "--field-selector",
                    "type=Warning,involvedObject.kind=Pod",
                    "-o",
                    "custom-columns=REASON:.reason,OBJECT:.involvedObject.name",
                ],
            )),
        ),
        ("logs", k(kc, &["logs", "-n", "shop", "deploy/catalog"])),
        (
            "logs --tail",
            k(kc, &["logs", "-n", "shop", "deploy/frontend", "--tail=2"]),
        ),
        (
            "logs --previous",
            k(kc, &["logs", "-n", "shop", "deploy/checkout", "-p", "--tail=1"]),
        ),
        (
            "logs of a waiting container",
            k(kc, &["logs", "-n", "shop", "deploy/cart"]),
        ),
        (
            "auth can-i",
            k(kc, &["auth", "can-i", "create", "deployments", "-n", "shop"]),
        ),
        ("explain field", k(kc, &["explain", "deployment.spec.replicas"])),
        ("explain fields", k(kc, &["explain", "pod.spec.containers.resources"])),
    ]
}

fn dedup(text: &str) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    lines.dedup();
    lines.join("\n")
}

/// Write probes, run in this order against a cluster holding the demo (they create and delete
/// the `fidelity` namespace's objects, and cordon then uncordon kwok-node-1).
pub fn write_probes(kc: &Path) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let apply = |text: &str| normalise(&kubectl_stdin(kc, &["apply", "-f", "-"], Some(text)).text());
    out.push(("apply creates", apply(APP_V1)));
    let ready = |n: &str| {
        eventually(60, || {
            kubectl(kc, &["get", "deploy", "web", "-n", NS])
                .stdout
                .contains(&format!(" {n}/{n} "))
        })
    };
    out.push(("deployment becomes ready", ready("2").to_string()));
    out.push(("apply again is unchanged", apply(APP_V1)));
    let v2 = APP_V1
        .replace("replicas: 2", "replicas: 3")
        .replace("mode: blue", "mode: green");
    out.push(("apply a change configures", apply(&v2)));
    out.push(("scaled by apply becomes ready", ready("3").to_string()));
    out.push(("get deploy", k(kc, &["get", "deploy", "-n", NS])));
    out.push(("get pods -l", ks(kc, &["get", "pods", "-n", NS, "-l", "app=web"])));
    out.push(("scale", k(kc, &["scale", "deploy/web", "-n", NS, "--replicas=1"])));
    out.push((
        "scaled down",
        eventually(60, || {
            kubectl(kc, &["get", "pods", "-n", NS, "-o", "name"])
                .stdout
                .lines()
                .count()
                == 1
        })
        .to_string(),
    ));
    out.push((
        "rollout restart",
        k(kc, &["rollout", "restart", "deploy/web", "-n", NS]),
    ));
    let status = kubectl(kc, &["rollout", "status", "deploy/web", "-n", NS, "--timeout=90s"]);
    out.push((
        "rollout status ends",
        normalise(status.text().lines().last().unwrap_or_default()),
    ));
    out.push((
        "rollout history",
        k(kc, &["rollout", "history", "deploy/web", "-n", NS]),
    ));
    out.push(("rollout undo", k(kc, &["rollout", "undo", "deploy/web", "-n", NS])));
    let status = kubectl(kc, &["rollout", "status", "deploy/web", "-n", NS, "--timeout=90s"]);
    out.push((
        "rollout status after undo",
        normalise(status.text().lines().last().unwrap_or_default()),
    ));
    out.push((
        "rollout history after undo",
        k(kc, &["rollout", "history", "deploy/web", "-n", NS]),
    ));
    out.push((
        "merge patch",
        k(
            kc,
            &[
                "patch",
                "cm",
                "settings",
                "-n",
                NS,
                "--type",
                "merge",
                "-p",
                r#"{"data":{"extra":"1"}}"#,
            ],
        ),
    ));
    out.push((
        "json patch",
        k(
            kc,
            &[
                "patch",
                "cm",
                "settings",
                "-n",
                NS,
                "--type",
                "json",
                "-p",
                r#"[{"op":"remove","path":"/data/extra"}]"#,
            ],
        ),
    ));
    out.push(("strategic patch", k(kc, &["patch", "deploy", "web", "-n", NS, "-p",
        r#"{"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"MODE","value":"green"}]}]}}}}"#])));
    out.push((
        "patched fields",
        k(
            kc,
            &[
                "get",
                "deploy",
                "web",
                "-n",
                NS,
                "-o",
                "jsonpath={.spec.template.spec.containers[0].env}",
            ],
        ),
    ));
    let ssa = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa, namespace: fidelity}\ndata: {a: \"1\"}\n";
    out.push((
        "server-side apply",
        normalise(&kubectl_stdin(kc, &["apply", "--server-side", "-f", "-"], Some(ssa)).text()),
    ));
    out.push((
        "server-side apply data",
        k(kc, &["get", "cm", "ssa", "-n", NS, "-o", "jsonpath={.data}"]),
    ));
    // kubectl's typed creates send protobuf bodies.
    out.push((
        "create secret",
        k(
            kc,
            &[
                "create",
                "secret",
                "generic",
                "db-credentials",
                "-n",
                NS,
                "--from-literal=user=admin",
                "--from-literal=password=s3cr3t!",
            ],
        ),
    ));
    out.push((
        "created secret",
        k(
            kc,
            &[
                "get",
                "secret",
                "db-credentials",
                "-n",
                NS,
                "-o",
                "jsonpath={.type} {.data}",
            ],
        ),
    ));
    out.push((
        "create configmap",
        k(
            kc,
            &["create", "configmap", "features", "-n", NS, "--from-literal=beta=true"],
        ),
    ));
    out.push((
        "create serviceaccount",
        k(kc, &["create", "serviceaccount", "ci", "-n", NS]),
    ));
    out.push(("cordon", k(kc, &["cordon", "kwok-node-1"])));
    out.push(("cordoned node", k(kc, &["get", "node", "kwok-node-1"])));
    out.push(("uncordon", k(kc, &["uncordon", "kwok-node-1"])));
    out.push(("delete", k(kc, &["delete", "deploy", "web", "-n", NS])));
    out.push((
        "owned objects are collected",
        eventually(60, || {
            kubectl(kc, &["get", "rs,pods", "-n", NS, "-o", "name"])
                .stdout
                .trim()
                .is_empty()
        })
        .to_string(),
    ));
    out.push(("delete namespace", k(kc, &["delete", "namespace", NS, "--wait=false"])));
    out
}

/// kube-rs calls: paged list with a label selector, get errors, watch, access review, eviction.
/// The name of the first pod `selector` matches ("" when none does, which the probe then reports).
async fn first_pod(pods: &Api<Pod>, selector: &str) -> String {
    pods.list(&ListParams::default().labels(selector))
        .await
        .unwrap_or_else(|e| panic!("list pods {selector}: {e}"))
        .items
        .into_iter()
        .next()
        .and_then(|p| p.metadata.name)
        .unwrap_or_default()
}

pub async fn kube_probes(kc: &Path) -> Vec<(&'static str, String)> {
    let client = kube_client(kc).await;
    let mut out = Vec::new();
    let pods: Api<Pod> = Api::all(client.clone());
    let mut names = Vec::new();
    let mut lp = ListParams::default().labels("tier=api").limit(2);
    let mut pages = 0;
    loop {
        let page = pods.list(&lp).await.expect("list");
        pages += 1;
        names.extend(
            page.items
                .iter()
                .map(|p| normalise(&p.metadata.name.clone().unwrap_or_default())),
        );
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(c) => lp = lp.continue_token(&c),
            None => break,
        }
    }
    names.sort();
    out.push((
        "kube-rs paged list",
        format!(
            "{} names over more than one page: {}\n{}",
            names.len(),
            pages > 1,
            names.join("\n")
        ),
    ));
    let shop: Api<Pod> = Api::namespaced(client.clone(), "shop");
    let err = match shop.get("nope").await {
        Err(kube::Error::Api(e)) => format!("{} {} {}", e.code, e.reason, e.message),
        other => format!("unexpected: {other:?}"),
    };
    out.push(("kube-rs get not found", err));

    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let rv = cms
        .list(&ListParams::default())
        .await
        .expect("list cms")
        .metadata
        .resource_version
        .unwrap_or_default();
    let name = "fidelity-watch";
    let mut cm = ConfigMap::default();
    cm.metadata.name = Some(name.into());
    cms.create(&PostParams::default(), &cm).await.expect("create cm");
    let mut stream = cms
        .watch(&WatchParams::default().timeout(5), &rv)
        .await
        .expect("watch")
        .boxed();
    // The server ends the watch after its 5 s timeout; the bound here turns a server that does
    // not into a reported difference instead of a test that never returns.
    let first_added = async {
        while let Ok(Some(ev)) = stream.try_next().await {
            if let WatchEvent::Added(o) = &ev
                && o.metadata.name.as_deref() == Some(name)
            {
                return "ADDED fidelity-watch".to_string();
            }
        }
        "no event".to_string()
    };
    let seen = tokio::time::timeout(std::time::Duration::from_secs(30), first_added)
        .await
        .unwrap_or_else(|_| "the watch neither delivered the object nor ended within 30 s".into());
    out.push(("kube-rs watch from a list's resourceVersion", seen));
    let _ = cms.delete(name, &Default::default()).await;

    let reviews: Api<SelfSubjectAccessReview> = Api::all(client.clone());
    let review = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                namespace: Some("shop".into()),
                verb: Some("delete".into()),
                resource: Some("pods".into()),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let allowed = reviews
        .create(&PostParams::default(), &review)
        .await
        .map(|r| r.status.map(|s| s.allowed));
    out.push(("kube-rs access review", format!("{allowed:?}")));

    // kube-rs sends a delete's dryRun in the body (DeleteOptions), not in the query: the safety
    // gate's dry run before a pod deletion must leave the pod where it is.
    let frontend = first_pod(&shop, "app=frontend").await;
    let dry = DeleteParams {
        dry_run: true,
        ..DeleteParams::default()
    };
    let answered = match shop.delete(&frontend, &dry).await {
        Ok(either) if either.is_left() => "answered with the pod".to_string(),
        Ok(_) => "answered with a status".to_string(),
        Err(e) => format!("refused: {e}"),
    };
    let kept = shop.get_opt(&frontend).await.map(|p| p.is_some());
    out.push((
        "kube-rs dry-run delete keeps the pod",
        format!("{answered}; still there: {kept:?}"),
    ));

    let payments: Api<Pod> = Api::namespaced(client, "payments");
    let victim = first_pod(&payments, "app=payments-api").await;
    let evicted = match payments.evict(&victim, &EvictParams::default()).await {
        Err(kube::Error::Api(e)) => format!("{} {} {}", e.code, e.reason, e.message),
        other => format!("{:?}", other.map(|_| "evicted")),
    };
    out.push(("kube-rs eviction blocked by PDB", evicted));
    out
}
