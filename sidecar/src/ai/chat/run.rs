//! Runs a read-only chat command through the sidecar's own connection to the context: the
//! watch cache for the kinds it holds (Secrets there are metadata only: their data never reaches
//! this process), the dynamic API for the rest (which never serves Secrets), the Kubernetes log
//! API for logs, metrics.k8s.io for `top`; rollouts from the investigator's evidence source, as
//! its rollout-history tool reads them. No kubectl process, no shell. Everything returned is
//! masked.

use std::time::Duration;

use k8s_openapi::api::core::v1::{Pod, Secret};
use kube::api::{Api, LogParams};
use serde_json::{Value, json};

use super::command::{Namespace, Read};
use super::explain::{KindFacts, explain};
use crate::ai::analyzers::Scope;
use crate::ai::evidence::{self, EvidenceSource, strip_cri};
use crate::ai::finding::ObjectRef;
use crate::ai::mask;
use crate::cluster::cache::KindCache;
use crate::cluster::kinds::{self, Row};
use crate::cluster::{ClusterManager, Filter, SyncState, dynamic, overview};

/// What a read returned: structured (masked) and as kubectl would print it.
pub struct Output {
    pub json: Value,
    pub text: String,
}

/// How long a read waits for a kind's cache to finish its first list.
const SYNC_WAIT: Duration = Duration::from_secs(15);

async fn synced(k: &dyn KindCache) {
    let started = std::time::Instant::now();
    while k.status().state == SyncState::Syncing && started.elapsed() < SYNC_WAIT {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Masks every line of text (masking works on words; a whole document at once could hide a
/// private key's neighbours too).
pub fn mask_lines(text: &str) -> String {
    text.lines().map(mask::text).collect::<Vec<_>>().join("\n")
}

fn table(rows: &[Row], all_namespaces: bool) -> String {
    if rows.is_empty() {
        return "No resources found.".into();
    }
    let mut columns: Vec<String> = Vec::new();
    for r in rows {
        for k in r.columns.keys() {
            if !columns.contains(k) {
                columns.push(k.clone());
            }
        }
    }
    let mut header: Vec<String> = Vec::new();
    if all_namespaces {
        header.push("NAMESPACE".into());
    }
    header.push("NAME".into());
    header.extend(columns.iter().map(|c| c.to_uppercase()));
    header.push("AGE".into());
    let mut lines = vec![header];
    for r in rows {
        let mut line = Vec::new();
        if all_namespaces {
            line.push(r.namespace.clone().unwrap_or_default());
        }
        line.push(r.name.clone());
        for c in &columns {
            line.push(match r.columns.get(c) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Null) | None => String::new(),
                Some(v) => v.to_string(),
            });
        }
        line.push(r.age.clone());
        lines.push(line);
    }
    align(&lines)
}

/// Columns padded to their widest cell, three spaces apart, as kubectl prints tables.
fn align(lines: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..lines[0].len())
        .map(|i| lines.iter().map(|l| l[i].chars().count()).max().unwrap_or(0))
        .collect();
    lines
        .iter()
        .map(|l| {
            l.iter()
                .enumerate()
                .map(|(i, c)| format!("{c:<w$}", w = widths[i]))
                .collect::<Vec<_>>()
                .join("   ")
                .trim_end()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn render(obj: &Value, output: Option<&str>) -> String {
    match output {
        Some("json") => serde_json::to_string_pretty(obj).unwrap_or_default(),
        _ => serde_norway::to_string(obj).unwrap_or_default(),
    }
}

/// One object, masked: from the cache for the kinds it holds, else through the dynamic API.
async fn object(
    conn: &crate::cluster::Connection,
    kind: &str,
    namespace: &Namespace,
    default_ns: &str,
    name: &str,
) -> Result<(String, Value), String> {
    let found = match conn.cache.kind(kind) {
        Some(k) => {
            synced(k.as_ref()).await;
            let ns = if k.info().namespaced {
                namespace.resolve(default_ns)
            } else {
                None
            };
            let mut obj = k.get(ns.as_deref(), name);
            if obj.is_none() {
                // Just created, and the watch has not caught up: read it live.
                obj = live(conn, k.info().kind, ns.as_deref(), name).await?;
            }
            (k.info().kind.to_string(), obj, ns)
        }
        None => {
            let ns = namespace.resolve(default_ns);
            let v = dynamic::get(&conn.client, kind, ns.as_deref(), name)
                .await
                .map_err(|e| e.to_string())?;
            let k = v
                .as_ref()
                .and_then(|v| v.get("kind"))
                .and_then(Value::as_str)
                .unwrap_or(kind)
                .to_string();
            (k, v, ns)
        }
    };
    let (kind_name, obj, ns) = found;
    let mut obj = obj.ok_or_else(|| {
        format!(
            "{kind} \"{name}\" not found{}",
            ns.map(|n| format!(" in namespace {n}")).unwrap_or_default()
        )
    })?;
    if kind_name == "Secret"
        && let Some(m) = obj.as_object_mut()
    {
        // The cache holds Secrets as metadata only; this is a second lock on the same door.
        m.remove("data");
        m.remove("stringData");
    }
    mask::object(&mut obj);
    Ok((kind_name, obj))
}

/// One object of a cached kind read from the API server: Secrets through the metadata API (their
/// data never reaches this process), the rest through the dynamic API.
async fn live(
    conn: &crate::cluster::Connection,
    kind: &str,
    namespace: Option<&str>,
    name: &str,
) -> Result<Option<Value>, String> {
    if kind == "Secret" {
        let api: Api<Secret> = Api::namespaced(conn.client.clone(), namespace.unwrap_or("default"));
        let meta = api
            .get_metadata_opt(name)
            .await
            .map_err(|e| crate::cluster::credentials::chain(&e))?;
        return Ok(meta.map(|mut m| {
            m.metadata.managed_fields = None;
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": m.metadata})
        }));
    }
    dynamic::get(&conn.client, kind, namespace, name)
        .await
        .map_err(|e| e.to_string())
}

/// Runs a read against `context`. `default_ns` stands in for an absent `-n`. Rollouts are read
/// from `source`, as the investigator's rollout-history tool reads them.
pub async fn read(
    clusters: &ClusterManager,
    source: &dyn EvidenceSource,
    context: &str,
    default_ns: &str,
    r: &Read,
) -> Result<Output, String> {
    if let Read::Rollout {
        history,
        kind,
        name,
        namespace,
    } = r
    {
        let ns = namespace.resolve(default_ns).unwrap_or_else(|| default_ns.to_string());
        return rollout(source, context, *history, &ObjectRef::namespaced(kind, &ns, name)).await;
    }
    if let Read::Explain { kind } = r
        && let Some(k) = kinds::find(kind)
    {
        return Ok(explained(&KindFacts {
            kind: k.kind,
            group: k.group,
            version: k.version,
            plural: k.name,
            short_names: k
                .aliases
                .iter()
                .copied()
                .filter(|a| a.len() <= 6 && *a != k.kind.to_lowercase())
                .collect(),
            namespaced: k.namespaced,
        }));
    }
    let conn = clusters.connect(context).await.map_err(|e| e.to_string())?;
    match r {
        Read::Explain { kind } => {
            let served = dynamic::kinds(&conn.client)
                .await
                .map_err(|e| format!("discovering the cluster's kinds: {e}"))?;
            let word = kind.to_ascii_lowercase();
            let k = served
                .iter()
                .find(|k| {
                    k.name == word || k.kind.to_ascii_lowercase() == word || format!("{}.{}", k.name, k.group) == word
                })
                .ok_or_else(|| format!("the server doesn't have a resource type \"{kind}\" (see `api-resources`)"))?;
            Ok(explained(&KindFacts {
                kind: &k.kind,
                group: &k.group,
                version: &k.version,
                plural: &k.name,
                short_names: Vec::new(),
                namespaced: k.namespaced,
            }))
        }
        Read::Top { nodes, name, namespace } => {
            let ns = if *nodes { None } else { namespace.resolve(default_ns) };
            let usage = overview::usage(&conn.client, *nodes, ns.as_deref())
                .await
                .map_err(|e| format!("reading metrics.k8s.io: {}", crate::cluster::credentials::chain(&e)))?;
            top(usage, *nodes, !*nodes && *namespace == Namespace::All, name.as_deref())
        }
        Read::Rollout { .. } => Err("internal: rollouts are read from the evidence source".into()),
        Read::Get {
            kind,
            name: Some(name),
            namespace,
            output,
            ..
        } => {
            let (kind_name, obj) = object(&conn, kind, namespace, default_ns, name).await?;
            let text = match output.as_deref() {
                Some("name") => format!("{}/{name}", kind_name.to_lowercase()),
                Some(o @ ("json" | "yaml")) => render(&obj, Some(o)),
                _ => {
                    let ns = obj.pointer("/metadata/namespace").and_then(Value::as_str);
                    let rows = list_rows(&conn, kind, ns.map(str::to_string), None).await?;
                    let rows: Vec<Row> = rows.into_iter().filter(|r| &r.name == name).collect();
                    table(&rows, false)
                }
            };
            Ok(Output {
                json: obj,
                text: mask_lines(&text),
            })
        }
        Read::Get {
            kind,
            name: None,
            namespace,
            selector,
            output,
        } => {
            let namespaced = kinds::find(kind).is_none_or(|k| k.namespaced);
            let ns = if namespaced {
                namespace.resolve(default_ns)
            } else {
                None
            };
            let rows = list_rows(&conn, kind, ns, selector.clone()).await?;
            let text = match output.as_deref() {
                Some("name") => rows
                    .iter()
                    .map(|r| format!("{}/{}", kind.to_lowercase(), r.name))
                    .collect::<Vec<_>>()
                    .join("\n"),
                _ => table(&rows, *namespace == Namespace::All && namespaced),
            };
            let mut json = json!({"items": rows});
            mask::object(&mut json);
            Ok(Output {
                json,
                text: mask_lines(&text),
            })
        }
        Read::Describe { kind, name, namespace } => {
            let (kind_name, obj) = object(&conn, kind, namespace, default_ns, name).await?;
            let ns = obj.pointer("/metadata/namespace").and_then(Value::as_str);
            let events = conn.cache.events.for_object(&kind_name, ns, name);
            let mut text = render(&obj, None);
            text.push_str("\nEvents:");
            if events.is_empty() {
                text.push_str(" <none>");
            }
            for e in events.iter().rev() {
                text.push_str(&format!(
                    "\n  {}  {}  {} (x{})",
                    e.type_,
                    e.reason,
                    mask::text(&e.message),
                    e.count
                ));
            }
            let mut events = json!(events.iter().map(|e| e.as_ref().clone()).collect::<Vec<_>>());
            mask::object(&mut events);
            Ok(Output {
                json: json!({"object": obj, "events": events}),
                text: mask_lines(&text),
            })
        }
        Read::Logs {
            pod,
            container,
            namespace,
            previous,
            tail,
        } => {
            let ns = namespace.resolve(default_ns).unwrap_or_else(|| default_ns.to_string());
            let lp = LogParams {
                container: container.clone(),
                previous: *previous,
                tail_lines: Some(*tail),
                ..Default::default()
            };
            let raw = Api::<Pod>::namespaced(conn.client.clone(), &ns)
                .logs(pod, &lp)
                .await
                .map_err(|e| {
                    format!(
                        "reading the log of {ns}/{pod}: {}",
                        crate::cluster::credentials::chain(&e)
                    )
                })?;
            let lines: Vec<String> = raw.lines().map(|l| mask::text(strip_cri(l))).collect();
            Ok(Output {
                text: if lines.is_empty() {
                    "(the log is empty)".into()
                } else {
                    lines.join("\n")
                },
                json: json!({"namespace": ns, "pod": pod, "container": container, "previous": previous, "lines": lines}),
            })
        }
        Read::Events { namespace } => {
            synced(conn.cache.events.as_ref()).await;
            let ns = namespace.resolve(default_ns);
            let mut events = conn
                .cache
                .events
                .all(|e| ns.as_deref().is_none_or(|n| e.namespace == n));
            events.truncate(200);
            events.reverse();
            let text = if events.is_empty() {
                "No events found.".to_string()
            } else {
                events
                    .iter()
                    .map(|e| {
                        format!(
                            "{}  {}  {}  {}/{}  {}",
                            e.last_seen.as_deref().unwrap_or("-"),
                            e.type_,
                            e.reason,
                            e.object_kind.to_lowercase(),
                            e.object_name,
                            mask::text(&e.message)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            let mut json = json!({"items": events.iter().map(|e| e.as_ref().clone()).collect::<Vec<_>>()});
            mask::object(&mut json);
            Ok(Output { json, text })
        }
        Read::ApiResources => {
            let items = dynamic::kinds(&conn.client)
                .await
                .map_err(|e| format!("discovering the cluster's kinds: {e}"))?;
            let text = std::iter::once("NAME  APIGROUP  NAMESPACED  KIND".to_string())
                .chain(
                    items
                        .iter()
                        .map(|k| format!("{}  {}  {}  {}", k.name, k.group, k.namespaced, k.kind)),
                )
                .collect::<Vec<_>>()
                .join("\n");
            Ok(Output {
                json: json!({"items": items}),
                text,
            })
        }
    }
}

fn explained(k: &KindFacts<'_>) -> Output {
    let (text, json) = explain(k);
    Output { json, text }
}

/// What `top` says without metrics-server.
pub const METRICS_SERVER_NEEDED: &str = "top needs metrics-server: this cluster does not serve metrics.k8s.io, so there are no CPU or memory figures to show. Install metrics-server, or read requests, limits and restarts with `describe pod NAME`.";

/// `top pods|nodes` from metrics.k8s.io usage (None: the cluster does not serve it).
pub fn top(
    usage: Option<Vec<overview::Usage>>,
    nodes: bool,
    all_namespaces: bool,
    name: Option<&str>,
) -> Result<Output, String> {
    let mut items = usage.ok_or_else(|| METRICS_SERVER_NEEDED.to_string())?;
    let what = if nodes { "node" } else { "pod" };
    if let Some(n) = name {
        items.retain(|u| u.name == n);
        if items.is_empty() {
            return Err(format!(
                "no metrics for {what} \"{n}\" (not found, or not running long enough to be measured)"
            ));
        }
    }
    if items.is_empty() {
        return Ok(Output {
            json: json!({"items": []}),
            text: "No resources found.".into(),
        });
    }
    items.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    let mut header = Vec::new();
    if all_namespaces {
        header.push("NAMESPACE".to_string());
    }
    header.extend(["NAME", "CPU(cores)", "MEMORY(bytes)"].map(str::to_string));
    let mut lines = vec![header];
    for u in &items {
        let mut line = Vec::new();
        if all_namespaces {
            line.push(u.namespace.clone().unwrap_or_default());
        }
        line.push(u.name.clone());
        line.push(format!("{}m", u.cpu_millicores.round()));
        line.push(format!("{}Mi", (u.memory_bytes / 1_048_576.0).round()));
        lines.push(line);
    }
    Ok(Output {
        json: json!({"items": items}),
        text: align(&lines),
    })
}

/// `rollout status|history` of one object, from the evidence source's view of its namespace.
async fn rollout(source: &dyn EvidenceSource, context: &str, history: bool, o: &ObjectRef) -> Result<Output, String> {
    let ns = o.namespace.clone().unwrap_or_default();
    let snapshot = source
        .snapshot(context, &Scope::Namespace { namespace: ns.clone() })
        .await
        .map_err(|e| e.to_string())?;
    if snapshot.meta_of(o).is_none() {
        return Err(format!("{} \"{}\" not found in namespace {ns}", o.kind, o.name));
    }
    let resource = format!("{}/{}", o.kind.to_lowercase(), o.name);
    if !history {
        let status = evidence::rollout_status(&snapshot, o);
        let text = status["message"].as_str().unwrap_or_default().to_string();
        return Ok(Output { json: status, text });
    }
    let revisions = evidence::rollout_history(&snapshot, o);
    let mut lines = vec![
        ["REVISION", "REPLICASET", "READY", "IMAGES"]
            .map(str::to_string)
            .to_vec(),
    ];
    for r in revisions.as_array().into_iter().flatten() {
        let images: Vec<&str> = r["images"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        lines.push(vec![
            r["revision"].to_string(),
            r["replicaset"].as_str().unwrap_or_default().to_string(),
            format!(
                "{}/{}",
                r["ready"].as_i64().unwrap_or(0),
                r["replicas"].as_i64().unwrap_or(0)
            ),
            images.join(","),
        ]);
    }
    let mut json = json!({"object": resource, "revisions": revisions});
    mask::object(&mut json);
    Ok(Output {
        json,
        text: mask_lines(&format!("{resource}\n{}", align(&lines))),
    })
}

async fn list_rows(
    conn: &crate::cluster::Connection,
    kind: &str,
    namespace: Option<String>,
    selector: Option<String>,
) -> Result<Vec<Row>, String> {
    let filter = Filter {
        namespace,
        label_selector: selector,
        q: None,
    };
    match conn.cache.kind(kind) {
        Some(k) => {
            synced(k.as_ref()).await;
            let mut rows = k.rows(&filter);
            rows.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
            Ok(rows)
        }
        None => dynamic::list(&conn.client, kind, &filter)
            .await
            .map(|listed| listed.rows)
            .map_err(|e| e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_without_metrics_server_says_it_is_needed() {
        let e = top(None, false, false, None).err().unwrap();
        assert!(e.contains("metrics-server"), "{e}");
    }

    #[test]
    fn top_prints_millicores_and_mebibytes() {
        let usage = |ns: &str, name: &str, cpu: f64, mem: f64| overview::Usage {
            namespace: Some(ns.into()),
            name: name.into(),
            cpu_millicores: cpu,
            memory_bytes: mem,
        };
        let items = vec![
            usage("shop", "web-2", 12.4, 64.0 * 1_048_576.0),
            usage("blog", "web-1", 3.0, 1_048_576.0),
        ];
        let out = top(Some(items), false, true, None).unwrap();
        let lines: Vec<&str> = out.text.lines().collect();
        assert_eq!(
            lines[0].split_whitespace().collect::<Vec<_>>(),
            ["NAMESPACE", "NAME", "CPU(cores)", "MEMORY(bytes)"]
        );
        assert_eq!(
            lines[1].split_whitespace().collect::<Vec<_>>(),
            ["blog", "web-1", "3m", "1Mi"]
        );
        assert_eq!(
            lines[2].split_whitespace().collect::<Vec<_>>(),
            ["shop", "web-2", "12m", "64Mi"]
        );
        assert!(
            top(Some(Vec::new()), true, false, Some("n1")).is_err(),
            "a named node without figures"
        );
    }
}
