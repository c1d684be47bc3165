//! Claims that do not bind: a StorageClass that does not exist, or no class and no volume that
//! fits. A claim waiting for its first consumer (WaitForFirstConsumer) is not a fault.

use k8s_openapi::api::core::v1::PersistentVolumeClaim;

use super::super::actions::Action;
use super::super::finding::{Evidence, Finding};
use super::super::snapshot::{Snapshot, name, namespace, object_ref};
use super::super::taxonomy::Code;

pub fn analyze(s: &Snapshot, out: &mut Vec<Finding>) {
    for pvc in &s.pvcs {
        if let Some(f) = pvc_finding(s, pvc) {
            out.push(f);
        }
    }
}

pub fn pvc_finding(s: &Snapshot, pvc: &PersistentVolumeClaim) -> Option<Finding> {
    let r = object_ref("PersistentVolumeClaim", &pvc.metadata);
    if pvc.status.as_ref().and_then(|s| s.phase.as_deref()) != Some("Pending") {
        return None;
    }
    let events = s.events_for(&r);
    let class = pvc
        .spec
        .as_ref()
        .and_then(|s| s.storage_class_name.clone())
        .filter(|c| !c.is_empty());
    let ev = |e: &&k8s_openapi::api::core::v1::Event| {
        Evidence::event(
            &r,
            e.reason.clone().unwrap_or_default(),
            e.message.clone().unwrap_or_default(),
        )
    };
    let provisioning = events.iter().rev().find(|e| {
        e.reason.as_deref() == Some("ProvisioningFailed")
            && e.message
                .as_deref()
                .is_some_and(|m| m.contains("storageclass") && m.contains("not found"))
    });
    let class_missing = class
        .as_ref()
        .is_some_and(|c| !s.storageclasses.iter().any(|sc| name(&sc.metadata) == c));
    if provisioning.is_some() || class_missing {
        let c = class.clone().unwrap_or_default();
        let mut f = Finding::new(
            Code::PvcStorageclassMissing,
            r.clone(),
            format!(
                "claim {} names StorageClass \"{c}\", which does not exist",
                name(&pvc.metadata)
            ),
        )
        .evidence([
            Evidence::field(&r, "spec.storageClassName", c.clone()),
            Evidence::field(&r, "status.phase", "Pending"),
        ])
        .action(Action::Manual {
            description: format!("create StorageClass {c} or recreate the claim with an existing class"),
        });
        if let Some(e) = provisioning {
            f = f.evidence([ev(e)]);
        }
        return Some(f);
    }
    let binding = events.iter().rev().find(|e| {
        e.reason.as_deref() == Some("FailedBinding")
            && e.message
                .as_deref()
                .is_some_and(|m| m.contains("no persistent volumes available"))
    });
    if let Some(e) = binding {
        return Some(
            Finding::new(
                Code::PvcNoMatchingPv,
                r.clone(),
                format!(
                    "no PersistentVolume fits claim {} and no StorageClass provisions one",
                    name(&pvc.metadata)
                ),
            )
            .evidence([ev(e), Evidence::field(&r, "status.phase", "Pending")])
            .action(Action::Manual {
                description: "create a PersistentVolume that fits the claim, or set a StorageClass that provisions"
                    .into(),
            }),
        );
    }
    let waiting_consumer = events
        .iter()
        .any(|e| e.reason.as_deref() == Some("WaitForFirstConsumer"));
    if class.is_none()
        && !waiting_consumer
        && !s.storageclasses.iter().any(is_default)
        && !s
            .pvs
            .iter()
            .any(|pv| pv.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Available"))
    {
        let _ = namespace(&pvc.metadata);
        return Some(
            Finding::new(
                Code::PvcNoMatchingPv,
                r.clone(),
                "the claim names no StorageClass, there is no default class and no available volume",
            )
            .confidence(0.7)
            .evidence([
                Evidence::field(&r, "spec.storageClassName", "(unset)"),
                Evidence::field(&r, "status.phase", "Pending"),
            ]),
        );
    }
    None
}

fn is_default(sc: &k8s_openapi::api::storage::v1::StorageClass) -> bool {
    sc.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get("storageclass.kubernetes.io/is-default-class"))
        .is_some_and(|v| v == "true")
}
