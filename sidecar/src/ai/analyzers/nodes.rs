//! Nodes: down (Ready False/Unknown) or under disk, memory or PID pressure. A cordoned node alone
//! is maintenance, not a fault.

use k8s_openapi::api::core::v1::Node;

use super::super::actions::Action;
use super::super::finding::{Evidence, Finding};
use super::super::snapshot::{Snapshot, name, object_ref};
use super::super::taxonomy::Code;

pub fn analyze(s: &Snapshot, out: &mut Vec<Finding>) {
    for n in &s.nodes {
        if let Some(f) = node_finding(s, n) {
            out.push(f);
        }
    }
}

pub fn node_finding(_s: &Snapshot, node: &Node) -> Option<Finding> {
    let r = object_ref("Node", &node.metadata);
    let conditions = node.status.as_ref()?.conditions.as_ref()?;
    if let Some(c) = conditions.iter().find(|c| c.type_ == "Ready" && c.status != "True") {
        let msg = c.message.clone().unwrap_or_default();
        return Some(
            Finding::new(
                Code::NodeNotReady,
                r.clone(),
                format!(
                    "node {} is not ready ({}): {msg}",
                    name(&node.metadata),
                    c.reason.as_deref().unwrap_or(&c.status)
                ),
            )
            .evidence([Evidence::field(
                &r,
                "status.conditions[Ready]",
                format!("{} {}: {msg}", c.status, c.reason.as_deref().unwrap_or("")),
            )])
            .action(Action::Manual {
                description: "check the node's kubelet and network; drain it if it does not come back".into(),
            }),
        );
    }
    let pressure: Vec<_> = conditions
        .iter()
        .filter(|c| matches!(c.type_.as_str(), "DiskPressure" | "MemoryPressure" | "PIDPressure") && c.status == "True")
        .collect();
    if !pressure.is_empty() {
        let kinds: Vec<&str> = pressure.iter().map(|c| c.type_.as_str()).collect();
        return Some(
            Finding::new(
                Code::NodePressure,
                r.clone(),
                format!("node {} is under {}", name(&node.metadata), kinds.join(", ")),
            )
            .evidence(pressure.iter().map(|c| {
                Evidence::field(
                    &r,
                    format!("status.conditions[{}]", c.type_),
                    format!("True: {}", c.message.as_deref().unwrap_or("")),
                )
            }))
            .action(Action::Manual {
                description: "free disk/memory/PIDs on the node or move workloads off it".into(),
            }),
        );
    }
    None
}
