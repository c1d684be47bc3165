//! The watch cache of one connected context: a kube-runtime watcher → reflector store per kind,
//! each reporting syncing / synced / stale / forbidden / error, feeding the context's numbered
//! stream of changes ([`super::deltas`]) for live updates.
//!
//! What it is not: a proxy. Reads are answered from these stores; the API server sees one
//! list and one watch per kind. Objects lose `managedFields` on the way in, and Secrets are
//! watched through the metadata API, so their data never enters this process.

use std::fmt::Debug;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use futures::Stream;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{
    ConfigMap, Namespace, Node, PersistentVolume, PersistentVolumeClaim, Pod, Secret, Service,
};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::core::{NamespaceResourceScope, PartialObjectMeta};
use kube::runtime::reflector::{self, ObjectRef, Store};
use kube::runtime::watcher;
use kube::{Api, Client, Resource};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use utoipa::ToSchema;

use super::client::WatchLog;
use super::compact::Compact;
pub use super::deltas::{Delta, DeltaType, Deltas, Follower};
use super::events::EventCache;
use super::kinds::{self, KindInfo, Row, Summary};
use super::rows::{ReadyRow, RowIndex};
use super::watch::{InitialList, Next, next_or_resumed, watch_all, watch_namespaced};
use crate::telemetry::metrics;

/// How far a kind's cache is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    Syncing,
    Synced,
    /// Was synced; the watch is failing and being retried, so data may be old.
    Stale,
    /// The credentials may not list or watch this kind.
    Forbidden,
    Error,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KindStatus {
    pub kind: String,
    pub state: SyncState,
    /// RFC 3339: when it became synced or stale.
    pub since: Option<String>,
    pub message: Option<String>,
    pub items: usize,
    /// Set when the credentials may not list this kind in every namespace, so only this one
    /// (the context's namespace) is watched, as `kubectl get` would show it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// Reports a kind's progress; shared by its watch task and readers.
#[derive(Debug)]
pub struct StatusCell {
    inner: Mutex<(SyncState, Option<String>, Option<String>)>,
    /// The one namespace watched when the cluster-wide watch was forbidden.
    only: std::sync::OnceLock<String>,
}

impl StatusCell {
    pub fn new() -> StatusCell {
        StatusCell {
            inner: Mutex::new((SyncState::Syncing, None, None)),
            only: std::sync::OnceLock::new(),
        }
    }

    pub fn get(&self) -> (SyncState, Option<String>, Option<String>) {
        self.inner.lock().expect("status lock").clone()
    }

    pub fn synced(&self) {
        let mut g = self.inner.lock().expect("status lock");
        if g.0 != SyncState::Synced {
            *g = (SyncState::Synced, Some(now()), None);
        }
    }

    /// Records that only `namespace` is watched (see [`super::watch::watch_namespaced`]).
    pub fn narrowed(&self, namespace: &str) {
        let _ = self.only.set(namespace.to_string());
    }

    pub fn namespace(&self) -> Option<String> {
        self.only.get().cloned()
    }

    pub fn failed(&self, err: &watcher::Error) {
        let forbidden = super::watch::forbidden(err);
        let message = super::credentials::chain(err);
        let mut g = self.inner.lock().expect("status lock");
        *g = match (g.0, forbidden) {
            (_, true) => (SyncState::Forbidden, Some(now()), Some(message)),
            (SyncState::Synced, _) => (SyncState::Stale, Some(now()), Some(message)),
            (SyncState::Stale, _) => (SyncState::Stale, g.1.clone(), Some(message)),
            _ => (SyncState::Error, Some(now()), Some(message)),
        };
    }
}

impl Default for StatusCell {
    fn default() -> Self {
        Self::new()
    }
}

pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Which objects a list wants.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub namespace: Option<String>,
    pub label_selector: Option<String>,
    /// Case-insensitive substring of the name (or namespace/name).
    pub q: Option<String>,
}

impl Filter {
    pub fn accepts(&self, meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> bool {
        self.accepts_name(meta.namespace.as_deref(), meta.name.as_deref().unwrap_or(""))
            && self
                .label_selector
                .as_deref()
                .is_none_or(|s| kinds::matches_selector(meta, s))
    }

    /// The namespace and text parts of the filter (everything but the label selector).
    pub fn accepts_name(&self, namespace: Option<&str>, name: &str) -> bool {
        if let Some(ns) = &self.namespace
            && namespace != Some(ns.as_str())
        {
            return false;
        }
        if let Some(q) = self.q.as_deref().filter(|q| !q.is_empty()) {
            let q = q.to_lowercase();
            let name = name.to_lowercase();
            let full = format!("{}/{name}", namespace.unwrap_or("").to_lowercase());
            if !name.contains(&q) && !full.contains(&q) {
                return false;
            }
        }
        true
    }
}

/// What the API needs from any cached kind.
pub trait KindCache: Send + Sync {
    fn info(&self) -> &'static KindInfo;
    fn status(&self) -> KindStatus;
    fn rows(&self, filter: &Filter) -> Vec<Row>;
    /// The rows `filter` accepts, kept ready as JSON, in namespace/name order (what lists serve).
    fn ready(&self, filter: &Filter) -> Vec<Arc<ReadyRow>>;
    /// The object as JSON (`apiVersion` and `kind` set).
    fn get(&self, namespace: Option<&str>, name: &str) -> Option<Value>;
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a store keeps per object, and how it is shown again as JSON. Most kinds keep the typed
/// object; pods, the one kind counted in tens of thousands, are watched and kept as [`Compact`]
/// ones (decoded straight from the API's JSON into that form).
pub trait Keep: Resource<DynamicType = ()> + Clone + Debug + Summary + Send + Sync + 'static {
    fn json(&self) -> Option<Value>;
}

impl<K> Keep for K
where
    K: Resource<DynamicType = ()> + Clone + Debug + Serialize + Summary + Send + Sync + 'static,
{
    fn json(&self) -> Option<Value> {
        serde_json::to_value(self).ok()
    }
}

impl<K> Keep for Compact<K>
where
    K: Resource<DynamicType = ()> + Debug + Serialize + DeserializeOwned + Summary + Send + Sync + 'static,
{
    fn json(&self) -> Option<Value> {
        Some(self.to_value())
    }
}

/// One kind's cache: the store of its objects, and their rows kept ready.
struct Typed<S: Resource<DynamicType = ()> + Clone + 'static> {
    info: &'static KindInfo,
    store: Store<S>,
    rows: Arc<RowIndex>,
    status: Arc<StatusCell>,
}

impl<S: Keep> KindCache for Typed<S> {
    fn info(&self) -> &'static KindInfo {
        self.info
    }

    fn status(&self) -> KindStatus {
        let (state, since, message) = self.status.get();
        KindStatus {
            kind: self.info.name.to_string(),
            state,
            since,
            message,
            items: self.store.len(),
            namespace: self.status.namespace(),
        }
    }

    fn rows(&self, filter: &Filter) -> Vec<Row> {
        let now = chrono::Utc::now().timestamp();
        self.ready(filter).iter().map(|r| r.to_row(now)).collect()
    }

    fn ready(&self, filter: &Filter) -> Vec<Arc<ReadyRow>> {
        let namespace = filter.namespace.as_deref();
        self.rows.select(namespace, |r| {
            filter.accepts_name(r.namespace.as_deref(), &r.name)
                && filter.label_selector.as_deref().is_none_or(|s| {
                    let mut key = ObjectRef::<S>::new(&r.name);
                    if let Some(ns) = r.namespace.as_deref() {
                        key = key.within(ns);
                    }
                    self.store
                        .get(&key)
                        .is_some_and(|o| kinds::matches_selector(o.meta(), s))
                })
        })
    }

    fn get(&self, namespace: Option<&str>, name: &str) -> Option<Value> {
        let mut r = ObjectRef::<S>::new(name);
        if let Some(ns) = namespace.filter(|_| self.info.namespaced) {
            r = r.within(ns);
        }
        let mut v = self.store.get(&r)?.json()?;
        let api_version = if self.info.group.is_empty() {
            self.info.version.to_string()
        } else {
            format!("{}/{}", self.info.group, self.info.version)
        };
        if let Some(m) = v.as_object_mut() {
            m.insert("apiVersion".into(), Value::String(api_version));
            m.insert("kind".into(), Value::String(self.info.kind.to_string()));
        }
        Some(v)
    }

    fn len(&self) -> usize {
        self.store.len()
    }
}

/// The typed stores, for code that needs the objects themselves (topology, actions).
#[derive(Clone)]
pub struct Stores {
    /// Kept compact (see [`Compact`]): decode the ones you need.
    pub pods: Store<Compact<Pod>>,
    /// The pods' ready rows, ordered by namespace: which pods one namespace holds, found without
    /// visiting the other namespaces' (see [`Stores::pods_in`]).
    pub pod_rows: Arc<RowIndex>,
    pub nodes: Store<Node>,
    pub namespaces: Store<Namespace>,
    pub services: Store<Service>,
    pub endpointslices: Store<EndpointSlice>,
    pub deployments: Store<Deployment>,
    pub replicasets: Store<ReplicaSet>,
    pub statefulsets: Store<StatefulSet>,
    pub daemonsets: Store<DaemonSet>,
    pub jobs: Store<Job>,
    pub cronjobs: Store<CronJob>,
    pub configmaps: Store<ConfigMap>,
    pub secrets: Store<PartialObjectMeta<Secret>>,
    pub pvcs: Store<PersistentVolumeClaim>,
    pub pvs: Store<PersistentVolume>,
    pub storageclasses: Store<StorageClass>,
    pub ingresses: Store<Ingress>,
    pub hpas: Store<HorizontalPodAutoscaler>,
    pub pdbs: Store<PodDisruptionBudget>,
    pub networkpolicies: Store<NetworkPolicy>,
}

impl Stores {
    /// The cached pods of `namespace` (every pod when None). A namespace's pods are looked up by
    /// name from its rows: at 50,000 pods, visiting every pod to keep a thousand took 7 ms.
    pub fn pods_in(&self, namespace: Option<&str>) -> Vec<Arc<Compact<Pod>>> {
        let Some(ns) = namespace else {
            return self.pods.state();
        };
        self.pod_rows
            .select(Some(ns), |_| true)
            .iter()
            // A pod deleted between the two reads is simply left out.
            .filter_map(|r| self.pods.get(&ObjectRef::new(&r.name).within(ns)))
            .collect()
    }
}

/// A store filled as a watch's first list fills it, and its writer for later changes; for stores
/// filled by other means (tests, benchmarks).
pub fn filled<K>(objs: impl IntoIterator<Item = K>) -> (Store<K>, reflector::store::Writer<K>)
where
    K: Resource<DynamicType = ()> + Clone + 'static,
{
    let (reader, mut writer) = reflector::store::<K>();
    writer.apply_watcher_event(&watcher::Event::Init);
    for o in objs {
        writer.apply_watcher_event(&watcher::Event::InitApply(o));
    }
    writer.apply_watcher_event(&watcher::Event::InitDone);
    (reader, writer)
}

/// The ready rows of what `store` holds, as its watch builds them; for stores filled by other
/// means (tests, benchmarks).
pub fn rows_of<S: Keep>(store: &Store<S>) -> Arc<RowIndex> {
    let rows = Arc::new(RowIndex::new());
    let now = chrono::Utc::now();
    for o in store.state() {
        rows.put(ready_row(o.as_ref(), &kinds::row(o.as_ref(), now)));
    }
    rows
}

/// Everything cached for one context. Dropping it stops every watch.
pub struct ContextCache {
    pub kinds: Vec<Arc<dyn KindCache>>,
    pub stores: Stores,
    pub events: Arc<EventCache>,
    pub deltas: Arc<Deltas>,
    /// What the last topology graphs read from pods, for the next ones.
    pub topology: super::topology::Memo,
    tasks: Vec<tokio::task::AbortHandle>,
}

impl Drop for ContextCache {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
        self.deltas.end();
    }
}

impl ContextCache {
    /// Starts one watch per kind on `client`. Returns at once; see [`ContextCache::statuses`].
    pub fn start(client: &Client, initial: InitialList, watches: Arc<WatchLog>) -> ContextCache {
        let deltas = Arc::new(Deltas::new());
        let mut b = Builder {
            client: client.clone(),
            initial,
            watches: watches.clone(),
            deltas: deltas.clone(),
            kinds: Vec::new(),
            tasks: Vec::new(),
        };
        let (pods, pod_rows) = b.namespaced_with_rows("pods");
        let stores = Stores {
            pods,
            pod_rows,
            nodes: b.cluster_wide("nodes"),
            namespaces: b.cluster_wide("namespaces"),
            services: b.namespaced("services"),
            endpointslices: b.namespaced("endpointslices"),
            deployments: b.namespaced("deployments"),
            replicasets: b.namespaced("replicasets"),
            statefulsets: b.namespaced("statefulsets"),
            daemonsets: b.namespaced("daemonsets"),
            jobs: b.namespaced("jobs"),
            cronjobs: b.namespaced("cronjobs"),
            configmaps: b.namespaced("configmaps"),
            // Through the metadata API: their data and type never reach this process.
            secrets: b.namespaced::<PartialObjectMeta<Secret>>("secrets"),
            pvcs: b.namespaced("persistentvolumeclaims"),
            pvs: b.cluster_wide("persistentvolumes"),
            storageclasses: b.cluster_wide("storageclasses"),
            ingresses: b.namespaced("ingresses"),
            hpas: b.namespaced("horizontalpodautoscalers"),
            pdbs: b.namespaced("poddisruptionbudgets"),
            networkpolicies: b.namespaced("networkpolicies"),
        };
        let events = Arc::new(EventCache::new(kinds::find("events").expect("events kind")));
        b.tasks
            .push(tokio::spawn(events.clone().run(client.clone(), initial, deltas.clone(), watches)).abort_handle());
        b.kinds.push(events.clone());
        ContextCache {
            kinds: b.kinds,
            stores,
            events,
            deltas,
            topology: super::topology::Memo::default(),
            tasks: b.tasks,
        }
    }

    pub fn kind(&self, name: &str) -> Option<&Arc<dyn KindCache>> {
        let info = kinds::find(name)?;
        self.kinds.iter().find(|k| k.info().name == info.name)
    }

    pub fn statuses(&self) -> Vec<KindStatus> {
        self.kinds.iter().map(|k| k.status()).collect()
    }

    pub fn all_synced(&self) -> bool {
        self.kinds
            .iter()
            .all(|k| matches!(k.status().state, SyncState::Synced | SyncState::Forbidden))
    }

    pub fn items(&self) -> usize {
        self.kinds.iter().map(|k| k.len()).sum()
    }
}

struct Builder {
    client: Client,
    initial: InitialList,
    watches: Arc<WatchLog>,
    deltas: Arc<Deltas>,
    kinds: Vec<Arc<dyn KindCache>>,
    tasks: Vec<tokio::task::AbortHandle>,
}

impl Builder {
    /// A cluster-scoped kind (nodes, namespaces, PVs, StorageClasses).
    fn cluster_wide<S>(&mut self, name: &str) -> Store<S>
    where
        S: Keep + DeserializeOwned,
    {
        let api: Api<S> = Api::all(self.client.clone());
        self.spawn(name, Arc::new(StatusCell::new()), watch_all(api, self.initial))
            .0
    }

    fn namespaced<S>(&mut self, name: &str) -> Store<S>
    where
        S: Keep + DeserializeOwned + Resource<Scope = NamespaceResourceScope>,
    {
        self.namespaced_with_rows(name).0
    }

    /// A namespaced kind, in every namespace or, when the credentials may not list it
    /// cluster-wide, in the context's namespace (see [`watch_namespaced`]).
    fn namespaced_with_rows<S>(&mut self, name: &str) -> (Store<S>, Arc<RowIndex>)
    where
        S: Keep + DeserializeOwned + Resource<Scope = NamespaceResourceScope>,
    {
        let status = Arc::new(StatusCell::new());
        let (cell, namespace) = (status.clone(), self.client.default_namespace().to_string());
        let narrowed = {
            let namespace = namespace.clone();
            move || cell.narrowed(&namespace)
        };
        let stream = watch_namespaced(self.client.clone(), namespace, self.initial, narrowed);
        self.spawn(name, status, stream)
    }

    fn spawn<S, W>(&mut self, name: &str, status: Arc<StatusCell>, stream: W) -> (Store<S>, Arc<RowIndex>)
    where
        S: Keep,
        W: Stream<Item = Result<watcher::Event<S>, watcher::Error>> + Send + 'static,
    {
        let info = kinds::find(name).expect("a known kind");
        let (reader, writer) = reflector::store::<S>();
        let rows = Arc::new(RowIndex::new());
        let task = tokio::spawn(run(
            info,
            stream,
            Sinks {
                reader: reader.clone(),
                writer,
                rows: rows.clone(),
                status: status.clone(),
                deltas: self.deltas.clone(),
                watches: self.watches.clone(),
            },
        ));
        self.tasks.push(task.abort_handle());
        self.kinds.push(Arc::new(Typed {
            info,
            store: reader.clone(),
            rows: rows.clone(),
            status,
        }));
        (reader, rows)
    }
}

/// Where one kind's watch events go.
struct Sinks<S: Resource<DynamicType = ()> + Clone + 'static> {
    reader: Store<S>,
    writer: reflector::store::Writer<S>,
    rows: Arc<RowIndex>,
    status: Arc<StatusCell>,
    deltas: Arc<Deltas>,
    watches: Arc<WatchLog>,
}

/// The annotation `kubectl apply` keeps the whole previous manifest in (for a Secret: its data).
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Drops what no view uses before an object is cached: the server's field bookkeeping and
/// `kubectl apply`'s copy of the previous manifest (often the largest part of an object, and for
/// Secrets a copy of their data).
pub fn slim(meta: &mut ObjectMeta) {
    meta.managed_fields = None;
    if let Some(a) = meta.annotations.as_mut() {
        a.remove(LAST_APPLIED);
        if a.is_empty() {
            meta.annotations = None;
        }
    }
}

fn ready_row<K: Resource + Summary>(o: &K, row: &Row) -> ReadyRow {
    let from = o.meta().creation_timestamp.as_ref().map(|t| t.0.as_second());
    ReadyRow::new(row, from)
}

async fn run<S, W>(info: &'static KindInfo, stream: W, sinks: Sinks<S>)
where
    S: Keep,
    W: Stream<Item = Result<watcher::Event<S>, watcher::Error>> + Send + 'static,
{
    let Sinks {
        reader,
        mut writer,
        rows,
        status,
        deltas,
        watches,
    } = sinks;
    let counted = AtomicI64::new(0);
    let mut first_sync = true;
    let mut relist = None;
    let mut down_since = None;
    let mut stream = std::pin::pin!(stream);
    loop {
        let item = match next_or_resumed(&mut stream, &watches, info.name, down_since).await {
            Next::Item(item) => item,
            Next::Resumed => {
                tracing::info!(kind = info.name, "watch answered again");
                down_since = None;
                status.synced_if_stale();
                continue;
            }
            Next::End => break,
        };
        let event = match item {
            Ok(e) => e.modify(|o| slim(o.meta_mut())),
            Err(e) => {
                tracing::warn!(kind = info.name, error = %super::credentials::chain(&e), "watch failed; retrying with backoff");
                metrics::K8S_API_FAILURES.with_label_values(&[info.name]).inc();
                status.failed(&e);
                down_since = Some(std::time::Instant::now());
                continue;
            }
        };
        down_since = None;
        match &event {
            watcher::Event::Apply(o) => {
                let existed = reader.get(&ObjectRef::from_obj(o)).is_some();
                writer.apply_watcher_event(&event);
                let t = if existed { DeltaType::Modified } else { DeltaType::Added };
                let meta = o.meta();
                let row = kinds::row(o, chrono::Utc::now());
                rows.put(ready_row(o, &row));
                let name = meta.name.clone().unwrap_or_default();
                deltas.emit(info.name, t, meta.namespace.clone(), name, Some(row));
                status.synced_if_stale();
            }
            watcher::Event::Delete(o) => {
                writer.apply_watcher_event(&event);
                let meta = o.meta();
                rows.remove(meta.namespace.as_deref(), meta.name.as_deref().unwrap_or_default());
                let name = meta.name.clone().unwrap_or_default();
                deltas.emit(info.name, DeltaType::Deleted, meta.namespace.clone(), name, None);
                status.synced_if_stale();
            }
            watcher::Event::Init => {
                writer.apply_watcher_event(&event);
                relist = Some(RowIndex::staging());
            }
            watcher::Event::InitApply(o) => {
                writer.apply_watcher_event(&event);
                if let Some(r) = relist.as_mut() {
                    r.put(ready_row(o, &kinds::row(o, chrono::Utc::now())));
                }
            }
            watcher::Event::InitDone => {
                writer.apply_watcher_event(&event);
                if let Some(r) = relist.take() {
                    r.finish(&rows);
                }
                status.synced();
                if !first_sync {
                    deltas.emit(info.name, DeltaType::Resync, None, String::new(), None);
                } else if tracing::enabled!(tracing::Level::DEBUG) {
                    account(info, &reader, &rows);
                }
                first_sync = false;
            }
        }
        let n = reader.len() as i64;
        let before = counted.swap(n, Ordering::Relaxed);
        metrics::CACHED_ITEMS.add(n - before);
    }
}

/// Logs (at debug level, once per kind after its first sync) how much a kind holds: objects,
/// their size as JSON (a proxy for their heap size; pods hold theirs LZ4-packed, about 0.6 of
/// it) and the ready rows' text.
fn account<S: Keep>(info: &KindInfo, reader: &Store<S>, rows: &RowIndex) {
    let json: usize = reader
        .state()
        .iter()
        .filter_map(|o| o.json())
        .map(|v| v.to_string().len())
        .sum();
    tracing::debug!(
        kind = info.name,
        objects = reader.len(),
        object_json_bytes = json,
        row_bytes = rows.bytes(),
        "cache size"
    );
}

impl StatusCell {
    /// A watch that delivers again after a failure is current again.
    pub(crate) fn synced_if_stale(&self) {
        let mut g = self.inner.lock().expect("status lock");
        if g.0 == SyncState::Stale {
            *g = (SyncState::Synced, Some(now()), None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(name: &str) -> Pod {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": name, "namespace": "shop", "creationTimestamp": "2026-11-26T10:00:00Z"},
            "status": {"phase": "Running"}
        }))
        .unwrap()
    }

    /// What a watch does when the API server answers 410 Gone: kube-runtime lists again and the
    /// cache gets a second Init..InitDone. Objects deleted meanwhile must go, the rows with
    /// them, and live views must be told to list again.
    #[tokio::test]
    async fn a_relist_after_410_replaces_the_cache_and_tells_views_to_resync() {
        use kube::runtime::watcher::Event;
        let info = kinds::find("pods").unwrap();
        let (reader, writer) = reflector::store::<Pod>();
        let rows = Arc::new(RowIndex::new());
        let status = Arc::new(StatusCell::new());
        let deltas = Arc::new(Deltas::new());
        let mut live = deltas.subscribe();
        let gone = watcher::Error::WatchError(Box::new(kube::core::Status {
            code: 410,
            message: "too old resource version".into(),
            reason: "Expired".into(),
            ..Default::default()
        }));
        let events: Vec<Result<Event<Pod>, watcher::Error>> = vec![
            Ok(Event::Init),
            Ok(Event::InitApply(pod("a"))),
            Ok(Event::InitApply(pod("b"))),
            Ok(Event::InitDone),
            Err(gone),
            // The relist: `a` was deleted while the watch was gone, `c` created.
            Ok(Event::Init),
            Ok(Event::InitApply(pod("b"))),
            Ok(Event::InitApply(pod("c"))),
            Ok(Event::InitDone),
        ];
        let sinks = Sinks {
            reader: reader.clone(),
            writer,
            rows: rows.clone(),
            status: status.clone(),
            deltas: deltas.clone(),
            watches: Arc::new(WatchLog::default()),
        };
        run(info, futures::stream::iter(events), sinks).await;
        let mut names: Vec<String> = reader
            .state()
            .iter()
            .map(|p| p.metadata.name.clone().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["b", "c"], "the relisted state, without the deleted pod");
        assert_eq!(rows.len(), 2, "rows follow the cache");
        assert_eq!(status.get().0, SyncState::Synced);
        let mut kinds_of_change = Vec::new();
        while let Ok(d) = live.try_recv() {
            kinds_of_change.push(d.kind_of_change);
        }
        assert_eq!(
            kinds_of_change,
            [DeltaType::Resync],
            "one resync after the relist, none after the first sync"
        );
    }

    #[test]
    fn a_failing_watch_goes_stale_after_sync_and_forbidden_on_403() {
        let s = StatusCell::new();
        let err = watcher::Error::NoResourceVersion;
        s.failed(&err);
        assert_eq!(s.get().0, SyncState::Error);
        s.synced();
        assert_eq!(s.get().0, SyncState::Synced);
        s.failed(&err);
        let (state, since, _) = s.get();
        assert_eq!(state, SyncState::Stale);
        s.failed(&err);
        assert_eq!(s.get().1, since, "stale since the first failure");
        s.synced_if_stale();
        assert_eq!(s.get().0, SyncState::Synced);
        let forbidden = watcher::Error::InitialListFailed(kube::Error::Api(Box::new(kube::core::Status {
            code: 403,
            ..Default::default()
        })));
        s.failed(&forbidden);
        assert_eq!(s.get().0, SyncState::Forbidden);
    }
}
