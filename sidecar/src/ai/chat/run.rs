//! Runs a read-only chat command through the sidecar's own connection to the context: the
//! watch cache for the kinds it holds (Secrets there are metadata only: their data never reaches
//! this process), the dynamic API for the rest (which never serves Secrets), the Kubernetes log
//! API for logs. No kubectl process, no shell. Everything returned is masked.

use std::time::Duration;

use k8s_openapi::api::core::v1::{Pod, Secret};
use kube::api::{Api, LogParams};
use serde_json::{Value, json};

use super::command::{Namespace, Read};
use crate::ai::evidence::strip_cri;
use crate::ai::mask;
use crate::cluster::cache::KindCache;
use crate::cluster::kinds::{self, Row};
use crate::cluster::{ClusterManager, Filter, SyncState, dynamic};

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

/// Runs a read against `context`. `default_ns` stands in for an absent `-n`.
pub async fn read(clusters: &ClusterManager, context: &str, default_ns: &str, r: &Read) -> Result<Output, String> {
    let conn = clusters.connect(context).await.map_err(|e| e.to_string())?;
    match r {
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
            .map_err(|e| e.to_string()),
    }
}
