//! `meta.k8s.io/v1` Table responses: the columns `kubectl get` prints, computed on the server
//! as kube-apiserver's printers do (the same column names, priorities and cell wording, e.g. a
//! pod's STATUS is its most telling waiting/terminated reason, RESTARTS says "3 (2m ago)").

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::Query;
use super::selectors::LabelSelector;
use crate::resources::{self, ResIdx};

/// `kubectl`'s human durations ("5m", "2d3h"), as the API server's printers format ages.
pub fn human_duration(secs: i64) -> String {
    if secs < -1 {
        return "<invalid>".into();
    }
    let s = secs.max(0);
    let (m, h) = (s / 60, s / 3600);
    let d = h / 24;
    let y = d / 365;
    if s < 120 {
        format!("{s}s")
    } else if m < 10 {
        if s % 60 == 0 {
            format!("{m}m")
        } else {
            format!("{m}m{}s", s % 60)
        }
    } else if m < 180 {
        format!("{m}m")
    } else if h < 8 {
        if m % 60 == 0 {
            format!("{h}h")
        } else {
            format!("{h}h{}m", m % 60)
        }
    } else if h < 48 {
        format!("{h}h")
    } else if h < 24 * 8 {
        if h % 24 == 0 {
            format!("{d}d")
        } else {
            format!("{d}d{}h", h % 24)
        }
    } else if h < 24 * 365 * 2 {
        format!("{d}d")
    } else if h < 24 * 365 * 8 {
        if d % 365 == 0 {
            format!("{y}y")
        } else {
            format!("{y}y{}d", d % 365)
        }
    } else {
        format!("{y}y")
    }
}

fn parse_time(v: &Value) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(v.as_str()?)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Age since a timestamp, "<unknown>" when there is none.
pub fn since(v: &Value) -> String {
    match parse_time(v) {
        Some(t) => human_duration((Utc::now() - t).num_seconds()),
        None => "<unknown>".into(),
    }
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

fn i(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

fn or_none(x: String) -> String {
    if x.is_empty() { "<none>".into() } else { x }
}

fn map_pairs(v: &Value) -> String {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
}

fn containers_images(template_spec: &Value) -> (String, String) {
    let cs = template_spec["containers"].as_array().cloned().unwrap_or_default();
    let names = cs.iter().map(|c| s(&c["name"])).collect::<Vec<_>>().join(",");
    let images = cs.iter().map(|c| s(&c["image"])).collect::<Vec<_>>().join(",");
    (names, images)
}

fn selector_string(sel: &Value) -> String {
    let s = LabelSelector::from_object(sel).to_string_form();
    if s.is_empty() { "<none>".into() } else { s }
}

type Col = (&'static str, &'static str, u8);

fn columns(kind: &str) -> Vec<Col> {
    let c: &[Col] = match kind {
        "Pod" => &[
            ("Name", "string", 0),
            ("Ready", "string", 0),
            ("Status", "string", 0),
            ("Restarts", "string", 0),
            ("Age", "string", 0),
            ("IP", "string", 1),
            ("Node", "string", 1),
            ("Nominated Node", "string", 1),
            ("Readiness Gates", "string", 1),
        ],
        "Deployment" => &[
            ("Name", "string", 0),
            ("Ready", "string", 0),
            ("Up-to-date", "integer", 0),
            ("Available", "integer", 0),
            ("Age", "string", 0),
            ("Containers", "string", 1),
            ("Images", "string", 1),
            ("Selector", "string", 1),
        ],
        "ReplicaSet" => &[
            ("Name", "string", 0),
            ("Desired", "integer", 0),
            ("Current", "integer", 0),
            ("Ready", "integer", 0),
            ("Age", "string", 0),
            ("Containers", "string", 1),
            ("Images", "string", 1),
            ("Selector", "string", 1),
        ],
        "StatefulSet" => &[
            ("Name", "string", 0),
            ("Ready", "string", 0),
            ("Age", "string", 0),
            ("Containers", "string", 1),
            ("Images", "string", 1),
        ],
        "DaemonSet" => &[
            ("Name", "string", 0),
            ("Desired", "integer", 0),
            ("Current", "integer", 0),
            ("Ready", "integer", 0),
            ("Up-to-date", "integer", 0),
            ("Available", "integer", 0),
            ("Node Selector", "string", 0),
            ("Age", "string", 0),
            ("Containers", "string", 1),
            ("Images", "string", 1),
            ("Selector", "string", 1),
        ],
        "Service" => &[
            ("Name", "string", 0),
            ("Type", "string", 0),
            ("Cluster-IP", "string", 0),
            ("External-IP", "string", 0),
            ("Port(s)", "string", 0),
            ("Age", "string", 0),
            ("Selector", "string", 1),
        ],
        "Node" => &[
            ("Name", "string", 0),
            ("Status", "string", 0),
            ("Roles", "string", 0),
            ("Age", "string", 0),
            ("Version", "string", 0),
            ("Internal-IP", "string", 1),
            ("External-IP", "string", 1),
            ("OS-Image", "string", 1),
            ("Kernel-Version", "string", 1),
            ("Container-Runtime", "string", 1),
        ],
        "Namespace" => &[("Name", "string", 0), ("Status", "string", 0), ("Age", "string", 0)],
        "Event" => &[
            ("Last Seen", "string", 0),
            ("Type", "string", 0),
            ("Reason", "string", 0),
            ("Object", "string", 0),
            ("Subobject", "string", 1),
            ("Source", "string", 1),
            ("Message", "string", 0),
            ("First Seen", "string", 1),
            ("Count", "string", 1),
            ("Name", "string", 1),
        ],
        "ConfigMap" => &[("Name", "string", 0), ("Data", "integer", 0), ("Age", "string", 0)],
        "Secret" => &[
            ("Name", "string", 0),
            ("Type", "string", 0),
            ("Data", "integer", 0),
            ("Age", "string", 0),
        ],
        "ServiceAccount" => &[("Name", "string", 0), ("Secrets", "integer", 0), ("Age", "string", 0)],
        "Endpoints" => &[("Name", "string", 0), ("Endpoints", "string", 0), ("Age", "string", 0)],
        "EndpointSlice" => &[
            ("Name", "string", 0),
            ("AddressType", "string", 0),
            ("Ports", "string", 0),
            ("Endpoints", "string", 0),
            ("Age", "string", 0),
        ],
        "Job" => &[
            ("Name", "string", 0),
            ("Status", "string", 0),
            ("Completions", "string", 0),
            ("Duration", "string", 0),
            ("Age", "string", 0),
            ("Containers", "string", 1),
            ("Images", "string", 1),
            ("Selector", "string", 1),
        ],
        "CronJob" => &[
            ("Name", "string", 0),
            ("Schedule", "string", 0),
            ("Timezone", "string", 0),
            ("Suspend", "boolean", 0),
            ("Active", "integer", 0),
            ("Last Schedule", "string", 0),
            ("Age", "string", 0),
            ("Containers", "string", 1),
            ("Images", "string", 1),
            ("Selector", "string", 1),
        ],
        "PodDisruptionBudget" => &[
            ("Name", "string", 0),
            ("Min Available", "string", 0),
            ("Max Unavailable", "string", 0),
            ("Allowed Disruptions", "integer", 0),
            ("Age", "string", 0),
        ],
        _ => &[("Name", "string", 0), ("Created At", "date", 0)],
    };
    c.to_vec()
}

fn int_or_string(v: &Value) -> String {
    match v {
        Value::Null => "N/A".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn pod_cells(o: &Value) -> Vec<Value> {
    let st = &o["status"];
    let total = o["spec"]["containers"].as_array().map_or(0, Vec::len);
    let mut reason = s(&st["phase"]);
    if !s(&st["reason"]).is_empty() {
        reason = s(&st["reason"]);
    }
    let mut restarts = 0;
    let mut ready = 0;
    let mut last_restart: Option<DateTime<Utc>> = None;
    let mut initializing = false;
    let inits = st["initContainerStatuses"].as_array().cloned().unwrap_or_default();
    for (idx, c) in inits.iter().enumerate() {
        restarts += i(&c["restartCount"]);
        let term = &c["state"]["terminated"];
        let wait = &c["state"]["waiting"];
        if !term.is_null() && i(&term["exitCode"]) == 0 {
            continue;
        }
        if !term.is_null() {
            reason = if s(&term["reason"]).is_empty() {
                format!("Init:ExitCode:{}", i(&term["exitCode"]))
            } else {
                format!("Init:{}", s(&term["reason"]))
            };
        } else if !s(&wait["reason"]).is_empty() && s(&wait["reason"]) != "PodInitializing" {
            reason = format!("Init:{}", s(&wait["reason"]));
        } else {
            reason = format!(
                "Init:{idx}/{}",
                o["spec"]["initContainers"].as_array().map_or(0, Vec::len)
            );
        }
        initializing = true;
        break;
    }
    if !initializing {
        restarts = 0;
        let mut has_running = false;
        for c in st["containerStatuses"].as_array().into_iter().flatten().rev() {
            restarts += i(&c["restartCount"]);
            if let Some(t) = parse_time(&c["lastState"]["terminated"]["finishedAt"]) {
                last_restart = Some(last_restart.map_or(t, |l| l.max(t)));
            }
            let wait = &c["state"]["waiting"];
            let term = &c["state"]["terminated"];
            if !s(&wait["reason"]).is_empty() {
                reason = s(&wait["reason"]);
            } else if !s(&term["reason"]).is_empty() {
                reason = s(&term["reason"]);
            } else if !term.is_null() {
                reason = format!("ExitCode:{}", i(&term["exitCode"]));
            } else if c["ready"].as_bool() == Some(true) && !c["state"]["running"].is_null() {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            let pod_ready = st["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| c["type"] == "Ready" && c["status"] == "True");
            reason = if pod_ready { "Running".into() } else { "NotReady".into() };
        }
    }
    let phase = s(&st["phase"]);
    if !o["metadata"]["deletionTimestamp"].is_null() {
        if s(&st["reason"]) == "NodeLost" {
            reason = "Unknown".into();
        } else if phase != "Succeeded" && phase != "Failed" {
            reason = "Terminating".into();
        }
    }
    let restarts_cell = match last_restart {
        Some(t) if restarts != 0 => format!("{restarts} ({} ago)", human_duration((Utc::now() - t).num_seconds())),
        _ => restarts.to_string(),
    };
    let gates = o["spec"]["readinessGates"].as_array().map_or(0, Vec::len);
    let gates_cell = if gates == 0 {
        "<none>".to_string()
    } else {
        let met = o["spec"]["readinessGates"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|g| {
                st["conditions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|c| c["type"] == g["conditionType"] && c["status"] == "True")
            })
            .count();
        format!("{met}/{gates}")
    };
    vec![
        json!(s(&o["metadata"]["name"])),
        json!(format!("{ready}/{total}")),
        json!(reason),
        json!(restarts_cell),
        json!(since(&o["metadata"]["creationTimestamp"])),
        json!(or_none(s(&st["podIP"]))),
        json!(or_none(s(&o["spec"]["nodeName"]))),
        json!(or_none(s(&st["nominatedNodeName"]))),
        json!(gates_cell),
    ]
}

fn service_ports(o: &Value) -> String {
    let ports: Vec<String> = o["spec"]["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            let proto = p["protocol"].as_str().unwrap_or("TCP");
            match p["nodePort"].as_i64() {
                Some(np) => format!("{}:{np}/{proto}", i(&p["port"])),
                None => format!("{}/{proto}", i(&p["port"])),
            }
        })
        .collect();
    if ports.is_empty() {
        "<none>".into()
    } else {
        ports.join(",")
    }
}

fn node_status(o: &Value) -> String {
    let mut status = "Unknown".to_string();
    for c in o["status"]["conditions"].as_array().into_iter().flatten() {
        if c["type"] == "Ready" {
            status = if c["status"] == "True" {
                "Ready".into()
            } else if c["status"] == "False" {
                "NotReady".into()
            } else {
                "Unknown".into()
            };
        }
    }
    if o["spec"]["unschedulable"].as_bool() == Some(true) {
        status.push_str(",SchedulingDisabled");
    }
    status
}

fn node_roles(o: &Value) -> String {
    let mut roles: Vec<String> = o["metadata"]["labels"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, _)| k.strip_prefix("node-role.kubernetes.io/").map(String::from))
        .collect();
    if o["metadata"]["labels"]["kubernetes.io/role"].is_string() {
        roles.push(s(&o["metadata"]["labels"]["kubernetes.io/role"]));
    }
    roles.sort();
    if roles.is_empty() {
        "<none>".into()
    } else {
        roles.join(",")
    }
}

fn node_address(o: &Value, kind: &str) -> String {
    o["status"]["addresses"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|a| a["type"] == kind)
        .map(|a| s(&a["address"]))
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| "<none>".into())
}

fn event_cells(o: &Value) -> Vec<Value> {
    let micro = |v: &Value| if v.is_null() { "<unknown>".to_string() } else { since(v) };
    let first = if o["firstTimestamp"].is_null() {
        micro(&o["eventTime"])
    } else {
        since(&o["firstTimestamp"])
    };
    let mut last = if o["lastTimestamp"].is_null() {
        first.clone()
    } else {
        since(&o["lastTimestamp"])
    };
    let mut count = o["count"].as_i64().unwrap_or(0);
    if o["series"].is_object() {
        last = micro(&o["series"]["lastObservedTime"]);
        count = i(&o["series"]["count"]);
    } else if count == 0 {
        count = 1;
    }
    let kind = s(&o["involvedObject"]["kind"]).to_lowercase();
    let target = if s(&o["involvedObject"]["name"]).is_empty() {
        kind
    } else {
        format!("{kind}/{}", s(&o["involvedObject"]["name"]))
    };
    let src = &o["source"];
    let source = if !s(&src["component"]).is_empty() {
        if s(&src["host"]).is_empty() {
            s(&src["component"])
        } else {
            format!("{}, {}", s(&src["component"]), s(&src["host"]))
        }
    } else if s(&o["reportingInstance"]).is_empty() {
        s(&o["reportingComponent"])
    } else {
        format!("{}, {}", s(&o["reportingComponent"]), s(&o["reportingInstance"]))
    };
    vec![
        json!(last),
        json!(s(&o["type"])),
        json!(s(&o["reason"])),
        json!(target),
        json!(s(&o["involvedObject"]["fieldPath"])),
        json!(source),
        json!(s(&o["message"]).trim()),
        json!(first),
        json!(count),
        json!(s(&o["metadata"]["name"])),
    ]
}

fn endpoints_list(addrs: Vec<String>) -> String {
    if addrs.is_empty() {
        return "<none>".into();
    }
    address_list(&addrs)
}

/// At most three addresses, then how many more, as kubectl prints them.
fn address_list(addrs: &[String]) -> String {
    let mut out = addrs.iter().take(3).cloned().collect::<Vec<_>>().join(",");
    if addrs.len() > 3 {
        out.push_str(&format!(" + {} more...", addrs.len() - 3));
    }
    out
}

fn cells(kind: &str, o: &Value) -> Vec<Value> {
    let name = json!(s(&o["metadata"]["name"]));
    let age = json!(since(&o["metadata"]["creationTimestamp"]));
    let (spec, st) = (&o["spec"], &o["status"]);
    let tmpl = &spec["template"]["spec"];
    match kind {
        "Pod" => pod_cells(o),
        "Deployment" => {
            let (c, im) = containers_images(tmpl);
            vec![
                name,
                json!(format!("{}/{}", i(&st["readyReplicas"]), i(&spec["replicas"]))),
                json!(i(&st["updatedReplicas"])),
                json!(i(&st["availableReplicas"])),
                age,
                json!(c),
                json!(im),
                json!(selector_string(&spec["selector"])),
            ]
        }
        "ReplicaSet" => {
            let (c, im) = containers_images(tmpl);
            vec![
                name,
                json!(i(&spec["replicas"])),
                json!(i(&st["replicas"])),
                json!(i(&st["readyReplicas"])),
                age,
                json!(c),
                json!(im),
                json!(selector_string(&spec["selector"])),
            ]
        }
        "StatefulSet" => {
            let (c, im) = containers_images(tmpl);
            vec![
                name,
                json!(format!("{}/{}", i(&st["readyReplicas"]), i(&spec["replicas"]))),
                age,
                json!(c),
                json!(im),
            ]
        }
        "DaemonSet" => {
            let (c, im) = containers_images(tmpl);
            vec![
                name,
                json!(i(&st["desiredNumberScheduled"])),
                json!(i(&st["currentNumberScheduled"])),
                json!(i(&st["numberReady"])),
                json!(i(&st["updatedNumberScheduled"])),
                json!(i(&st["numberAvailable"])),
                json!(or_none(map_pairs(&tmpl["nodeSelector"]))),
                age,
                json!(c),
                json!(im),
                json!(selector_string(&spec["selector"])),
            ]
        }
        "Service" => {
            let ty = spec["type"].as_str().unwrap_or("ClusterIP").to_string();
            let external = match ty.as_str() {
                "LoadBalancer" => "<pending>".to_string(),
                "ExternalName" => s(&spec["externalName"]),
                _ => "<none>".into(),
            };
            let sel = map_pairs(&spec["selector"]);
            vec![
                name,
                json!(ty),
                json!(or_none(s(&spec["clusterIP"]))),
                json!(external),
                json!(service_ports(o)),
                age,
                json!(or_none(sel)),
            ]
        }
        "Node" => {
            let info = &st["nodeInfo"];
            vec![
                name,
                json!(node_status(o)),
                json!(node_roles(o)),
                age,
                json!(s(&info["kubeletVersion"])),
                json!(node_address(o, "InternalIP")),
                json!(node_address(o, "ExternalIP")),
                json!(s(&info["osImage"])),
                json!(s(&info["kernelVersion"])),
                json!(s(&info["containerRuntimeVersion"])),
            ]
        }
        "Namespace" => vec![name, json!(s(&st["phase"])), age],
        "Event" => event_cells(o),
        "ConfigMap" => {
            let n = o["data"].as_object().map_or(0, |m| m.len()) + o["binaryData"].as_object().map_or(0, |m| m.len());
            vec![name, json!(n), age]
        }
        "Secret" => vec![
            name,
            json!(s(&o["type"])),
            json!(o["data"].as_object().map_or(0, |m| m.len())),
            age,
        ],
        "ServiceAccount" => vec![name, json!(o["secrets"].as_array().map_or(0, Vec::len)), age],
        "Endpoints" => {
            let subsets = o["subsets"].as_array().map(Vec::as_slice).unwrap_or_default();
            // Like kubectl's printer: `<none>` only without subsets; a subset of not-ready pods
            // (an IP, but not ready) prints as an empty column.
            let cell = if subsets.is_empty() {
                "<none>".to_string()
            } else {
                let mut addrs = Vec::new();
                for sub in subsets {
                    let ports = sub["ports"].as_array().map(Vec::as_slice).unwrap_or_default();
                    for a in sub["addresses"].as_array().into_iter().flatten() {
                        if ports.is_empty() {
                            addrs.push(s(&a["ip"]));
                        }
                        for p in ports {
                            addrs.push(format!("{}:{}", s(&a["ip"]), i(&p["port"])));
                        }
                    }
                }
                address_list(&addrs)
            };
            vec![name, json!(cell), age]
        }
        "EndpointSlice" => {
            let ports: Vec<String> = o["ports"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| i(&p["port"]).to_string())
                .collect();
            let addrs: Vec<String> = o["endpoints"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|e| e["addresses"].as_array().cloned().unwrap_or_default())
                .map(|a| s(&a))
                .collect();
            vec![
                name,
                json!(s(&o["addressType"])),
                json!(if ports.is_empty() {
                    "<unset>".into()
                } else {
                    ports.join(",")
                }),
                json!(endpoints_list(addrs)),
                age,
            ]
        }
        "Job" => {
            let (c, im) = containers_images(tmpl);
            let status = job_status(st);
            let completions = spec["completions"].as_i64().map_or_else(
                || format!("{}/1", i(&st["succeeded"])),
                |n| format!("{}/{n}", i(&st["succeeded"])),
            );
            let duration = match (parse_time(&st["startTime"]), parse_time(&st["completionTime"])) {
                (Some(a), Some(b)) => human_duration((b - a).num_seconds()),
                (Some(a), None) => human_duration((Utc::now() - a).num_seconds()),
                _ => String::new(),
            };
            vec![
                name,
                json!(status),
                json!(completions),
                json!(duration),
                age,
                json!(c),
                json!(im),
                json!(selector_string(&spec["selector"])),
            ]
        }
        "CronJob" => {
            let (c, im) = containers_images(&spec["jobTemplate"]["spec"]["template"]["spec"]);
            let last = if st["lastScheduleTime"].is_null() {
                "<none>".into()
            } else {
                since(&st["lastScheduleTime"])
            };
            vec![
                name,
                json!(s(&spec["schedule"])),
                json!(or_none(s(&spec["timeZone"]))),
                json!(spec["suspend"].as_bool().unwrap_or(false)),
                json!(st["active"].as_array().map_or(0, Vec::len)),
                json!(last),
                age,
                json!(c),
                json!(im),
                json!(selector_string(&spec["jobTemplate"]["spec"]["selector"])),
            ]
        }
        "PodDisruptionBudget" => vec![
            name,
            json!(int_or_string(&spec["minAvailable"])),
            json!(int_or_string(&spec["maxUnavailable"])),
            json!(i(&st["disruptionsAllowed"])),
            age,
        ],
        _ => vec![name, json!(s(&o["metadata"]["creationTimestamp"]))],
    }
}

fn job_status(st: &Value) -> &'static str {
    let cond = |t: &str| {
        st["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["type"] == t && c["status"] == "True")
    };
    if cond("Complete") {
        "Complete"
    } else if cond("Failed") {
        "Failed"
    } else if cond("Suspended") {
        "Suspended"
    } else if cond("FailureTarget") {
        "FailureTarget"
    } else if cond("SuccessCriteriaMet") {
        "SuccessCriteriaMet"
    } else {
        "Running"
    }
}

/// Build the Table for `objects` (stored, typeless) of resource `res`.
pub fn to_table(res: ResIdx, objects: &[Arc<Value>], query: &Query, rv: u64, cont: Option<String>) -> Value {
    let rt = resources::get(res);
    let include = query.get("includeObject").map(String::as_str).unwrap_or("Metadata");
    let cols: Vec<Value> = columns(rt.kind)
        .into_iter()
        .map(|(name, ty, priority)| {
            let mut c = json!({"name": name, "type": ty, "format": if name == "Name" { "name" } else { "" }, "description": "", "priority": priority});
            if ty == "date" {
                c["format"] = json!("");
            }
            c
        })
        .collect();
    let rows: Vec<Value> = objects
        .iter()
        .map(|o| {
            let object = match include {
                "None" => Value::Null,
                "Object" => {
                    let mut full = (**o).clone();
                    full["kind"] = json!(rt.kind);
                    full["apiVersion"] = json!(rt.api_version());
                    full
                }
                _ => {
                    json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": o["metadata"]})
                }
            };
            json!({"cells": cells(rt.kind, o), "object": object})
        })
        .collect();
    let mut meta = json!({"resourceVersion": rv.to_string()});
    if let Some(c) = cont {
        meta["continue"] = json!(c);
    }
    json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta, "columnDefinitions": cols, "rows": rows})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_kubectl() {
        for (secs, want) in [
            (5, "5s"),
            (119, "119s"),
            (150, "2m30s"),
            (600, "10m"),
            (7200, "120m"),
            (3 * 3600 + 60, "3h1m"),
            (30 * 3600, "30h"),
            (50 * 3600, "2d2h"),
            (20 * 86400, "20d"),
            (800 * 86400, "2y70d"),
        ] {
            assert_eq!(human_duration(secs), want, "{secs}");
        }
    }

    #[test]
    fn crashlooping_pod_shows_reason_and_restarts_ago() {
        let finished = (Utc::now() - chrono::TimeDelta::seconds(90)).to_rfc3339();
        let pod = json!({"metadata": {"name": "c", "creationTimestamp": finished}, "spec": {"containers": [{"name": "c"}]},
            "status": {"phase": "Running", "containerStatuses": [{"name": "c", "ready": false, "restartCount": 4,
                "state": {"waiting": {"reason": "CrashLoopBackOff"}}, "lastState": {"terminated": {"finishedAt": finished, "exitCode": 1}}}]}});
        let c = pod_cells(&pod);
        assert_eq!(c[1], "0/1");
        assert_eq!(c[2], "CrashLoopBackOff");
        assert_eq!(c[3], "4 (90s ago)");
        assert_eq!(c[5], "<none>");
    }
}
