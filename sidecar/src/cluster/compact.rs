//! Objects cached as their JSON text instead of as k8s-openapi structs.
//!
//! Why: a typed object lays every optional field of its spec out inline, set or not. A Pod's
//! `Volume` is 3.3 KB whichever one of its thirty sources is used, a `Container` 2.3 KB, so a
//! typical Pod takes about 20 KB of heap, against 3 KB as JSON. At 10,000 pods that is 200 MB
//! against 30 MB, the difference between a light tool and a heavy one. Lists never need the
//! typed object (their rows are built once per watch event, see `rows.rs`), the detail view wants
//! JSON anyway, and the readers that do need it (topology, investigations) decode only the
//! namespace they look at, at about 8 µs a pod.
//!
//! A [`Compact`] keeps the identifying part of the metadata typed, so the reflector's store can
//! key it and label selectors can filter it without decoding. It deserializes straight from the
//! API's JSON, so the watch itself delivers compact objects.
//!
//! The JSON is kept packed with LZ4: a KWOK pod's 3.0 KB of JSON takes 1.76 KB, packing costs
//! 4 µs and unpacking 0.7 µs, against the 8–15 µs of decoding the JSON that every read of the
//! object does anyway. At 50,000 pods that is 60 MB less resident memory.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::Resource;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::cache::slim;
use super::kinds::Summary;

/// One object of kind `K`, kept as packed JSON with its identity, labels and owners alongside.
pub struct Compact<K> {
    metadata: ObjectMeta,
    /// The object's JSON, LZ4-compressed with its length in front.
    packed: Box<[u8]>,
    kind: PhantomData<fn() -> K>,
}

impl<K> Clone for Compact<K> {
    fn clone(&self) -> Self {
        Compact {
            metadata: self.metadata.clone(),
            packed: self.packed.clone(),
            kind: PhantomData,
        }
    }
}

impl<K> fmt::Debug for Compact<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Compact")
            .field("name", &self.metadata.name)
            .field("namespace", &self.metadata.namespace)
            .field("packed_bytes", &self.packed.len())
            .finish()
    }
}

impl<K: Resource + Serialize + DeserializeOwned> Compact<K> {
    pub fn new(obj: &K) -> Compact<K> {
        let m = obj.meta();
        Compact {
            metadata: ObjectMeta {
                name: m.name.clone(),
                namespace: m.namespace.clone(),
                uid: m.uid.clone(),
                resource_version: m.resource_version.clone(),
                creation_timestamp: m.creation_timestamp.clone(),
                deletion_timestamp: m.deletion_timestamp.clone(),
                labels: m.labels.clone(),
                owner_references: m.owner_references.clone(),
                ..ObjectMeta::default()
            },
            packed: lz4_flex::compress_prepend_size(&serde_json::to_vec(obj).expect("a Kubernetes object serialises"))
                .into_boxed_slice(),
            kind: PhantomData,
        }
    }

    /// The object's JSON text.
    fn json(&self) -> Vec<u8> {
        // Infallible in practice: the bytes were packed by `new`, in this process.
        lz4_flex::decompress_size_prepended(&self.packed).expect("a cached object unpacks")
    }

    /// The typed object, decoded from its JSON.
    pub fn decode(&self) -> K {
        // Infallible in practice: the text was written from a `K` by `new`.
        serde_json::from_slice(&self.json()).expect("a cached object decodes as the type it was encoded from")
    }

    /// The object as a JSON value.
    pub fn to_value(&self) -> Value {
        serde_json::from_slice(&self.json()).expect("a cached object's text is JSON")
    }

    /// Heap bytes the packed JSON takes.
    pub fn packed_len(&self) -> usize {
        self.packed.len()
    }
}

/// Reads a `K`, slims it as the cache does, and keeps it compact. The watch decodes pods this
/// way, so a list page of a thousand pods never exists as a thousand typed ones at once: each is
/// typed only for as long as it takes to write its JSON.
impl<'de, K: Resource + Serialize + DeserializeOwned> Deserialize<'de> for Compact<K> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut o = K::deserialize(d)?;
        slim(o.meta_mut());
        Ok(Compact::new(&o))
    }
}

/// A compact object's row is its typed object's row.
impl<K: Resource + Serialize + DeserializeOwned + Summary> Summary for Compact<K> {
    fn columns(&self, c: &mut Map<String, Value>) {
        self.decode().columns(c);
    }
}

impl<K: Resource<DynamicType = ()>> Resource for Compact<K> {
    type DynamicType = ();
    type Scope = K::Scope;

    fn kind(dt: &()) -> Cow<'_, str> {
        K::kind(dt)
    }

    fn group(dt: &()) -> Cow<'_, str> {
        K::group(dt)
    }

    fn version(dt: &()) -> Cow<'_, str> {
        K::version(dt)
    }

    fn api_version(dt: &()) -> Cow<'_, str> {
        K::api_version(dt)
    }

    fn plural(dt: &()) -> Cow<'_, str> {
        K::plural(dt)
    }

    fn meta(&self) -> &ObjectMeta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::Pod;
    use serde_json::json;

    use super::*;

    fn pod() -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": "web-1", "namespace": "shop", "labels": {"app": "web"},
                "annotations": {"note": "kept in the JSON"},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web", "uid": "u1"}]},
            "spec": {"nodeName": "node-a", "containers": [{"name": "c", "image": "shop/web:1"}],
                "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]},
            "status": {"phase": "Running"}
        }))
        .unwrap()
    }

    #[test]
    fn the_whole_object_survives_and_filters_read_the_metadata_without_decoding() {
        let p = pod();
        let c = Compact::new(&p);
        assert_eq!(c.decode(), p, "decoding gives back the object that was cached");
        assert_eq!(c.to_value(), serde_json::to_value(&p).unwrap());
        assert_eq!(c.meta().labels.as_ref().unwrap()["app"], "web");
        assert_eq!(c.meta().owner_references.as_ref().unwrap()[0].name, "web");
        assert_eq!(c.meta().namespace.as_deref(), Some("shop"));
        assert!(
            c.meta().annotations.is_none(),
            "only identity, labels and owners are kept typed"
        );
        assert_eq!(Compact::<Pod>::kind(&()), "Pod");
        assert_eq!(Compact::<Pod>::plural(&()), "pods");
    }

    /// A pod shaped like the ones the API serves: four conditions, a service-account volume,
    /// container statuses.
    fn typical_pod(i: usize) -> Pod {
        let condition = |t: &str| json!({"type": t, "status": "True", "lastProbeTime": null, "lastTransitionTime": "2026-11-26T12:40:05Z"});
        serde_json::from_value(json!({
            "metadata": {"name": format!("web-7d9f8c6b5-{i:05}"), "namespace": "shop", "uid": format!("0b6f5c2e-8d1a-4f7e-9c3b-{i:012}"),
                "resourceVersion": format!("{}", 100_000 + i), "creationTimestamp": "2026-11-26T12:40:00Z",
                "labels": {"app": "web", "pod-template-hash": "7d9f8c6b5"},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d9f8c6b5", "uid": "u1", "controller": true, "blockOwnerDeletion": true}]},
            "spec": {"nodeName": format!("kwok-node-{}", i % 500), "restartPolicy": "Always", "dnsPolicy": "ClusterFirst",
                "schedulerName": "default-scheduler", "serviceAccountName": "default", "terminationGracePeriodSeconds": 30,
                "containers": [{"name": "web", "image": "shop/web:1.4.2", "imagePullPolicy": "IfNotPresent",
                    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}},
                    "volumeMounts": [{"name": "kube-api-access-x1", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true}]}],
                "volumes": [{"name": "kube-api-access-x1", "projected": {"defaultMode": 420, "sources": [
                    {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                    {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                    {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}]}}],
                "tolerations": [
                    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
                    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}]},
            "status": {"phase": "Running", "hostIP": "10.0.0.1", "podIP": format!("10.244.{}.{}", i / 250, i % 250), "startTime": "2026-11-26T12:40:00Z",
                "conditions": [condition("PodReadyToStartContainers"), condition("Initialized"), condition("Ready"), condition("ContainersReady"), condition("PodScheduled")],
                "containerStatuses": [{"name": "web", "image": "shop/web:1.4.2", "imageID": "", "ready": true, "started": true, "restartCount": 0,
                    "state": {"running": {"startedAt": "2026-11-26T12:40:01Z"}}}]}
        }))
        .unwrap()
    }

    #[test]
    fn pods_are_kept_packed_and_read_back_whole() {
        for i in [0, 7, 4321] {
            let p = typical_pod(i);
            let c = Compact::new(&p);
            assert_eq!(c.decode(), p, "unpacking gives back the object that was cached");
            let text = serde_json::to_vec(&p).unwrap().len();
            assert!(
                c.packed_len() * 10 < text * 7,
                "a pod's JSON is kept at under 70% of its size: {} of {text} bytes",
                c.packed_len()
            );
        }
    }

    #[test]
    fn decoding_from_the_api_drops_what_the_cache_never_keeps() {
        let c: Compact<Pod> = serde_json::from_value(json!({
            "metadata": {"name": "web-1", "namespace": "shop",
                "managedFields": [{"manager": "kubectl", "operation": "Apply"}],
                "annotations": {super::super::cache::LAST_APPLIED: "{\"kind\":\"Pod\"}", "team": "shop"}},
            "spec": {"containers": [{"name": "c"}]}
        }))
        .unwrap();
        let p = c.decode();
        assert!(p.metadata.managed_fields.is_none());
        assert_eq!(
            p.metadata.annotations.unwrap().into_keys().collect::<Vec<_>>(),
            ["team"]
        );
        let mut columns = Map::new();
        c.columns(&mut columns);
        assert_eq!(columns["ready"], "0/1", "rows are the typed pod's rows: {columns:?}");
    }
}
