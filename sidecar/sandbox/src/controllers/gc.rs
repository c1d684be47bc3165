//! Owner garbage collection: deleting an owner deletes what it owns (Background/Foreground
//! propagation, done at once here) or releases it (Orphan), as the garbage collector does.

use crate::resources::{self, ResIdx};
use crate::store::{Store, name_of, ns_of};

/// After `owner_uid` was deleted: delete or orphan its dependents, recursively.
pub fn after_delete(store: &Store, res: ResIdx, ns: &str, name: &str, owner_uid: &str, propagation: &str) {
    // Deleting a namespace deletes everything in it.
    if resources::get(res).kind == "Namespace" {
        for (idx, rt) in resources::ALL.iter().enumerate() {
            if !rt.namespaced || rt.virtual_only || rt.group == "metrics.k8s.io" {
                continue;
            }
            for o in store.list(idx, Some(name)).0 {
                let _ = store.delete(idx, name, name_of(&o));
            }
        }
        return;
    }
    let _ = ns;
    for (idx, rt) in resources::ALL.iter().enumerate() {
        if rt.virtual_only || rt.group == "metrics.k8s.io" {
            continue;
        }
        for o in store.all_of(idx) {
            let owned = o["metadata"]["ownerReferences"]
                .as_array()
                .is_some_and(|refs| refs.iter().any(|r| r["uid"] == owner_uid));
            if !owned {
                continue;
            }
            let (dns, dname) = (ns_of(&o).to_string(), name_of(&o).to_string());
            if propagation == "Orphan" {
                let _ = store.modify(idx, &dns, &dname, |d| {
                    if let Some(refs) = d
                        .pointer_mut("/metadata/ownerReferences")
                        .and_then(serde_json::Value::as_array_mut)
                    {
                        refs.retain(|r| r["uid"] != owner_uid);
                    }
                    true
                });
            } else if let Ok(gone) = store.delete(idx, &dns, &dname) {
                let uid = gone["metadata"]["uid"].as_str().unwrap_or_default().to_string();
                after_delete(store, idx, &dns, &dname, &uid, propagation);
            }
        }
    }
}
