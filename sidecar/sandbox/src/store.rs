//! The sandbox's etcd: every object as JSON, one cluster-wide resourceVersion counter, and a
//! bounded history of changes so watches can resume from a resourceVersion (older than the
//! history answers 410 Gone, as a compacted etcd does).
//!
//! Objects are ordered by (resource, namespace, name), which is the order the real server lists
//! them in (its etcd keys are `/registry/<resource>/<namespace>/<name>`).

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Value, json};
use tokio::sync::{Notify, broadcast};

use crate::resources::{self, ResIdx};
use crate::status::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// One change, as a watch delivers it.
#[derive(Debug)]
pub struct Change {
    pub rv: u64,
    pub kind: EventType,
    pub res: ResIdx,
    pub namespace: String,
    pub object: Arc<Value>,
}

type Key = (ResIdx, String, String);

/// Changes as they happen, after a watch's replay.
pub type Live = broadcast::Receiver<Arc<Change>>;

struct Inner {
    objects: BTreeMap<Key, Arc<Value>>,
    rv: u64,
    history: VecDeque<Arc<Change>>,
}

/// Shared by the API handlers and the controllers.
pub struct Store {
    inner: Mutex<Inner>,
    history_cap: usize,
    changes: broadcast::Sender<Arc<Change>>,
    /// Woken after every write so the controllers reconcile soon.
    pub changed: Notify,
}

pub fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

pub fn ns_of(obj: &Value) -> &str {
    obj["metadata"]["namespace"].as_str().unwrap_or("")
}

pub fn name_of(obj: &Value) -> &str {
    obj["metadata"]["name"].as_str().unwrap_or("")
}

/// Stored objects carry no kind/apiVersion: list items never show them (as from the real
/// server); single objects and watch events get them back from their resource.
fn strip_type(obj: &mut Value) {
    if let Some(m) = obj.as_object_mut() {
        m.remove("kind");
        m.remove("apiVersion");
    }
}

/// What decides metadata.generation: everything but metadata and status.
fn spec_part(obj: &Value) -> Value {
    let mut v = obj.clone();
    if let Some(m) = v.as_object_mut() {
        m.remove("metadata");
        m.remove("status");
    }
    v
}

impl Store {
    pub fn new(history_cap: usize) -> Self {
        let (changes, _) = broadcast::channel(4096);
        Self {
            inner: Mutex::new(Inner {
                objects: BTreeMap::new(),
                rv: 1,
                history: VecDeque::new(),
            }),
            history_cap,
            changes,
            changed: Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain data behind; keep serving it.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn resource_version(&self) -> u64 {
        self.lock().rv
    }

    /// The oldest resourceVersion a watch can still resume from.
    pub fn oldest_resumable(&self) -> u64 {
        let inner = self.lock();
        inner.history.front().map(|c| c.rv - 1).unwrap_or(inner.rv)
    }

    pub fn get(&self, res: ResIdx, ns: &str, name: &str) -> Option<Arc<Value>> {
        self.lock()
            .objects
            .get(&(res, ns.to_string(), name.to_string()))
            .cloned()
    }

    /// Objects of one resource (in one namespace, or all), in key order, and the list's RV.
    pub fn list(&self, res: ResIdx, ns: Option<&str>) -> (Vec<Arc<Value>>, u64) {
        let inner = self.lock();
        let start = (res, ns.unwrap_or("").to_string(), String::new());
        let items = inner
            .objects
            .range(start..)
            .take_while(|((r, n, _), _)| *r == res && ns.is_none_or(|ns| ns == n))
            .map(|(_, v)| v.clone())
            .collect();
        (items, inner.rv)
    }

    /// Subscribe to changes after `rv`: the changes already in the history, then a live receiver.
    pub fn watch_from(&self, rv: u64) -> Result<(Vec<Arc<Change>>, Live), ApiError> {
        let inner = self.lock();
        let oldest = inner.history.front().map(|c| c.rv - 1).unwrap_or(inner.rv);
        if rv < oldest {
            return Err(ApiError::gone(format!("too old resource version: {rv} ({oldest})")));
        }
        let replay = inner.history.iter().filter(|c| c.rv > rv).cloned().collect();
        Ok((replay, self.changes.subscribe()))
    }

    fn record(&self, inner: &mut Inner, kind: EventType, res: ResIdx, object: Arc<Value>) {
        let change = Arc::new(Change {
            rv: inner.rv,
            kind,
            res,
            namespace: ns_of(&object).to_string(),
            object,
        });
        inner.history.push_back(change.clone());
        while inner.history.len() > self.history_cap {
            inner.history.pop_front();
        }
        let _ = self.changes.send(change);
        self.changed.notify_one();
    }

    /// Store a new object: server-set metadata (uid, creationTimestamp, resourceVersion,
    /// generation, generateName) filled in as the API server does.
    pub fn create(&self, res: ResIdx, mut obj: Value) -> Result<Arc<Value>, ApiError> {
        let rt = resources::get(res);
        let mut inner = self.lock();
        let meta = obj["metadata"]
            .as_object_mut()
            .ok_or_else(|| ApiError::bad_request("object has no metadata"))?;
        if meta.get("name").and_then(Value::as_str).unwrap_or("").is_empty() {
            let Some(prefix) = meta.get("generateName").and_then(Value::as_str) else {
                return Err(ApiError::invalid(
                    rt.kind,
                    "",
                    &[(
                        "metadata.name",
                        "Required value: name or generateName is required".into(),
                    )],
                ));
            };
            let name = format!("{prefix}{}", random_suffix(5));
            meta.insert("name".into(), json!(name));
        }
        if !rt.namespaced {
            meta.remove("namespace");
        }
        let name = meta["name"].as_str().unwrap_or_default().to_string();
        let ns = meta.get("namespace").and_then(Value::as_str).unwrap_or("").to_string();
        let key = (res, ns, name.clone());
        if inner.objects.contains_key(&key) {
            return Err(ApiError::already_exists(&rt.qualified(), &name));
        }
        inner.rv += 1;
        meta.insert("uid".into(), json!(uuid::Uuid::new_v4().to_string()));
        meta.entry("creationTimestamp").or_insert_with(|| json!(now()));
        if meta.get("creationTimestamp").is_some_and(Value::is_null) {
            meta.insert("creationTimestamp".into(), json!(now()));
        }
        meta.insert("resourceVersion".into(), json!(inner.rv.to_string()));
        if rt.has_generation {
            meta.insert("generation".into(), json!(1));
        }
        meta.remove("managedFields");
        strip_type(&mut obj);
        let obj = Arc::new(obj);
        inner.objects.insert(key, obj.clone());
        self.record(&mut inner, EventType::Added, res, obj.clone());
        Ok(obj)
    }

    /// Load an object as recorded (keeping its uid and timestamps) without a watch event.
    pub fn load(&self, res: ResIdx, mut obj: Value) {
        let mut inner = self.lock();
        inner.rv += 1;
        obj["metadata"]["resourceVersion"] = json!(inner.rv.to_string());
        strip_type(&mut obj);
        let key = (res, ns_of(&obj).to_string(), name_of(&obj).to_string());
        inner.objects.insert(key, Arc::new(obj));
    }

    /// Replace an object. `check_rv`: the caller's resourceVersion must match (a 409 otherwise).
    /// Returns None when nothing changed (no new resourceVersion, no event), as the API server does.
    pub fn update(&self, res: ResIdx, mut obj: Value, check_rv: bool) -> Result<Arc<Value>, ApiError> {
        let rt = resources::get(res);
        let mut inner = self.lock();
        let name = name_of(&obj).to_string();
        let key = (
            res,
            if rt.namespaced {
                ns_of(&obj).to_string()
            } else {
                String::new()
            },
            name.clone(),
        );
        let Some(old) = inner.objects.get(&key).cloned() else {
            return Err(ApiError::not_found(&rt.qualified(), &name));
        };
        let given_rv = obj["metadata"]["resourceVersion"].as_str().unwrap_or("");
        if check_rv && !given_rv.is_empty() && given_rv != old["metadata"]["resourceVersion"].as_str().unwrap_or("") {
            return Err(ApiError::conflict(&rt.qualified(), &name));
        }
        // Server-owned metadata survives any update.
        for field in ["uid", "creationTimestamp", "generation", "deletionTimestamp"] {
            match old["metadata"].get(field) {
                Some(v) => obj["metadata"][field] = v.clone(),
                None => {
                    if let Some(m) = obj["metadata"].as_object_mut() {
                        m.remove(field);
                    }
                }
            }
        }
        if let Some(m) = obj["metadata"].as_object_mut() {
            m.remove("managedFields");
        }
        strip_type(&mut obj);
        if !rt.namespaced
            && let Some(m) = obj["metadata"].as_object_mut()
        {
            m.remove("namespace");
        }
        obj["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"].clone();
        if rt.has_generation && spec_part(&obj) != spec_part(&old) {
            let g = old["metadata"]["generation"].as_i64().unwrap_or(1) + 1;
            obj["metadata"]["generation"] = json!(g);
        }
        if obj == *old {
            return Ok(old);
        }
        inner.rv += 1;
        obj["metadata"]["resourceVersion"] = json!(inner.rv.to_string());
        let obj = Arc::new(obj);
        inner.objects.insert(key, obj.clone());
        self.record(&mut inner, EventType::Modified, res, obj.clone());
        Ok(obj)
    }

    /// Read-modify-write one object; `f` returns false to leave it untouched.
    pub fn modify(
        &self,
        res: ResIdx,
        ns: &str,
        name: &str,
        f: impl FnOnce(&mut Value) -> bool,
    ) -> Result<Arc<Value>, ApiError> {
        let rt = resources::get(res);
        let current = self
            .get(res, ns, name)
            .ok_or_else(|| ApiError::not_found(&rt.qualified(), name))?;
        let mut obj = (*current).clone();
        if !f(&mut obj) {
            return Ok(current);
        }
        self.update(res, obj, false)
    }

    pub fn delete(&self, res: ResIdx, ns: &str, name: &str) -> Result<Arc<Value>, ApiError> {
        let rt = resources::get(res);
        let mut inner = self.lock();
        let key = (res, ns.to_string(), name.to_string());
        let Some(old) = inner.objects.remove(&key) else {
            return Err(ApiError::not_found(&rt.qualified(), name));
        };
        inner.rv += 1;
        let mut gone = (*old).clone();
        gone["metadata"]["resourceVersion"] = json!(inner.rv.to_string());
        let gone = Arc::new(gone);
        self.record(&mut inner, EventType::Deleted, res, gone.clone());
        Ok(gone)
    }

    /// Every object of every resource (controllers' view), cheap: values are shared.
    pub fn all_of(&self, res: ResIdx) -> Vec<Arc<Value>> {
        self.list(res, None).0
    }
}

/// Lower-case letters and digits without vowels, as the API server's generateName suffixes use.
pub fn random_suffix(n: usize) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    (0..n)
        .map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pods() -> ResIdx {
        resources::find("", "v1", "pods").expect("pods")
    }

    fn pod(name: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "a"}, "spec": {"containers": []}})
    }

    #[test]
    fn create_update_delete_bump_one_counter_and_keep_history() {
        let s = Store::new(100);
        let start = s.resource_version();
        let p = s.create(pods(), pod("x")).expect("create");
        assert_eq!(p["metadata"]["generation"], 1);
        assert!(s.create(pods(), pod("x")).is_err());
        let mut changed = (*p).clone();
        changed["spec"]["nodeName"] = json!("n1");
        let p2 = s.update(pods(), changed, true).expect("update");
        assert_eq!(p2["metadata"]["generation"], 2);
        let stale = (*p).clone();
        assert_eq!(s.update(pods(), stale, true).expect_err("stale").code, 409);
        s.delete(pods(), "a", "x").expect("delete");
        let (replay, _) = s.watch_from(start).expect("watch");
        let kinds: Vec<_> = replay.iter().map(|c| c.kind).collect();
        assert_eq!(kinds, [EventType::Added, EventType::Modified, EventType::Deleted]);
    }

    #[test]
    fn watch_older_than_history_is_gone() {
        let s = Store::new(2);
        for i in 0..5 {
            s.create(pods(), pod(&format!("p{i}"))).expect("create");
        }
        assert_eq!(s.watch_from(1).expect_err("too old").code, 410);
        assert!(s.watch_from(s.resource_version() - 1).is_ok());
    }

    #[test]
    fn list_is_scoped_to_a_namespace_and_ordered_by_name() {
        let s = Store::new(10);
        for (ns, n) in [("b", "z"), ("a", "y"), ("a", "b")] {
            let mut p = pod(n);
            p["metadata"]["namespace"] = json!(ns);
            s.create(pods(), p).expect("create");
        }
        let names: Vec<String> = s
            .list(pods(), Some("a"))
            .0
            .iter()
            .map(|o| name_of(o).to_string())
            .collect();
        assert_eq!(names, ["b", "y"]);
        assert_eq!(s.list(pods(), None).0.len(), 3);
    }
}
