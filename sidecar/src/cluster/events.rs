//! Kubernetes events, kept bounded: the most recent [`PER_OBJECT`] per involved object, as
//! compact rows (never whole Event objects), so memory follows the number of objects, not the
//! age of the cluster.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use k8s_openapi::api::core::v1::Event;
use kube::Client;
use kube::runtime::watcher;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::cache::{DeltaType, Deltas, Filter, KindCache, KindStatus, StatusCell};
use super::client::WatchLog;
use super::kinds::{KindInfo, Row, short_duration};
use super::rows::ReadyRow;
use super::watch::{InitialList, Next, next_or_resumed, watch_namespaced};
use crate::telemetry::metrics;

/// Events kept per object.
pub const PER_OBJECT: usize = 20;

/// One event, as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventRow {
    pub name: String,
    pub namespace: String,
    /// Normal or Warning.
    #[serde(rename = "type")]
    pub type_: String,
    pub reason: String,
    pub message: String,
    pub count: i32,
    /// RFC 3339.
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    pub object_kind: String,
    pub object_namespace: Option<String>,
    pub object_name: String,
    pub source: String,
}

type ObjectKey = (String, String, String);

#[derive(Default)]
struct Inner {
    by_object: HashMap<ObjectKey, VecDeque<Arc<EventRow>>>,
    init: Option<HashMap<ObjectKey, VecDeque<Arc<EventRow>>>>,
}

pub struct EventCache {
    info: &'static KindInfo,
    inner: Mutex<Inner>,
    status: StatusCell,
}

fn to_row(e: &Event) -> EventRow {
    let first = e.first_timestamp.as_ref().map(|t| t.0.to_string());
    let last = e
        .last_timestamp
        .as_ref()
        .map(|t| t.0.to_string())
        .or_else(|| e.event_time.as_ref().map(|t| t.0.to_string()))
        .or_else(|| e.metadata.creation_timestamp.as_ref().map(|t| t.0.to_string()));
    EventRow {
        name: e.metadata.name.clone().unwrap_or_default(),
        namespace: e.metadata.namespace.clone().unwrap_or_default(),
        type_: e.type_.clone().unwrap_or_else(|| "Normal".into()),
        reason: e.reason.clone().unwrap_or_default(),
        message: e.message.clone().unwrap_or_default(),
        count: e.count.unwrap_or(1),
        first_seen: first.or(last.clone()),
        last_seen: last,
        object_kind: e.involved_object.kind.clone().unwrap_or_default(),
        object_namespace: e.involved_object.namespace.clone(),
        object_name: e.involved_object.name.clone().unwrap_or_default(),
        source: e
            .source
            .as_ref()
            .and_then(|s| s.component.clone())
            .or(e.reporting_component.clone())
            .unwrap_or_default(),
    }
}

fn key_of(r: &EventRow) -> ObjectKey {
    (
        r.object_kind.clone(),
        r.object_namespace.clone().unwrap_or_default(),
        r.object_name.clone(),
    )
}

fn insert(map: &mut HashMap<ObjectKey, VecDeque<Arc<EventRow>>>, row: EventRow) {
    let list = map.entry(key_of(&row)).or_default();
    list.retain(|r| r.name != row.name);
    list.push_back(Arc::new(row));
    list.make_contiguous().sort_by(|a, b| a.last_seen.cmp(&b.last_seen));
    while list.len() > PER_OBJECT {
        list.pop_front();
    }
}

impl EventCache {
    pub fn new(info: &'static KindInfo) -> EventCache {
        EventCache {
            info,
            inner: Mutex::new(Inner::default()),
            status: StatusCell::new(),
        }
    }

    /// Applies one event (also used by tests).
    pub fn apply(&self, ev: &watcher::Event<Event>) {
        let mut g = self.inner.lock().expect("events lock");
        match ev {
            watcher::Event::Apply(e) => insert(&mut g.by_object, to_row(e)),
            watcher::Event::Delete(e) => {
                let row = to_row(e);
                if let Some(list) = g.by_object.get_mut(&key_of(&row)) {
                    list.retain(|r| r.name != row.name);
                    if list.is_empty() {
                        g.by_object.remove(&key_of(&row));
                    }
                }
            }
            watcher::Event::Init => g.init = Some(HashMap::new()),
            watcher::Event::InitApply(e) => {
                let row = to_row(e);
                if let Some(m) = g.init.as_mut() {
                    insert(m, row);
                }
            }
            watcher::Event::InitDone => {
                if let Some(m) = g.init.take() {
                    g.by_object = m;
                }
            }
        }
    }

    pub async fn run(
        self: Arc<Self>,
        client: Client,
        initial: InitialList,
        deltas: Arc<Deltas>,
        watches: Arc<WatchLog>,
    ) {
        let namespace = client.default_namespace().to_string();
        let narrowed = {
            let (me, namespace) = (self.clone(), namespace.clone());
            move || me.status.narrowed(&namespace)
        };
        let mut stream = watch_namespaced::<Event>(client, namespace, initial, narrowed);
        let mut counted = 0i64;
        let mut down_since = None;
        loop {
            let item = match next_or_resumed(&mut stream, &watches, self.info.name, down_since).await {
                Next::Item(item) => item,
                Next::Resumed => {
                    down_since = None;
                    self.status.synced_if_stale();
                    continue;
                }
                Next::End => break,
            };
            match item {
                Ok(ev) => {
                    down_since = None;
                    self.apply(&ev);
                    match &ev {
                        watcher::Event::InitDone => self.status.synced(),
                        watcher::Event::Apply(e) => {
                            self.status.synced_if_stale();
                            let row = to_row(e);
                            deltas.emit(
                                self.info.name,
                                DeltaType::Added,
                                Some(row.namespace.clone()),
                                row.name.clone(),
                                Some(as_row(&row)),
                            );
                        }
                        watcher::Event::Delete(_) => self.status.synced_if_stale(),
                        _ => {}
                    }
                }
                Err(e) => {
                    metrics::K8S_API_FAILURES.with_label_values(&["events"]).inc();
                    self.status.failed(&e);
                    down_since = Some(std::time::Instant::now());
                }
            }
            let n = self.len() as i64;
            metrics::CACHED_ITEMS.add(n - counted);
            counted = n;
        }
    }

    /// The recent events of one object, oldest first.
    pub fn for_object(&self, kind: &str, namespace: Option<&str>, name: &str) -> Vec<Arc<EventRow>> {
        let g = self.inner.lock().expect("events lock");
        g.by_object
            .get(&(kind.to_string(), namespace.unwrap_or("").to_string(), name.to_string()))
            .map(|l| l.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Every kept event that passes `keep`, newest first.
    pub fn all(&self, keep: impl Fn(&EventRow) -> bool) -> Vec<Arc<EventRow>> {
        let g = self.inner.lock().expect("events lock");
        let mut out: Vec<_> = g.by_object.values().flatten().filter(|r| keep(r)).cloned().collect();
        out.sort_by(|a, b| b.last_seen.cmp(&a.last_seen));
        out
    }
}

fn as_row(e: &EventRow) -> Row {
    let mut c = Map::new();
    c.insert("type".into(), Value::String(e.type_.clone()));
    c.insert("reason".into(), Value::String(e.reason.clone()));
    c.insert(
        "object".into(),
        Value::String(format!("{}/{}", e.object_kind.to_lowercase(), e.object_name)),
    );
    c.insert("message".into(), Value::String(e.message.clone()));
    c.insert("count".into(), Value::from(e.count));
    c.insert(
        "last_seen".into(),
        Value::String(e.last_seen.clone().unwrap_or_default()),
    );
    let age = e
        .last_seen
        .as_deref()
        .and_then(|t| t.parse::<chrono::DateTime<chrono::Utc>>().ok())
        .map(|t| short_duration((chrono::Utc::now() - t).num_seconds().max(0)))
        .unwrap_or_default();
    Row {
        name: e.name.clone(),
        namespace: Some(e.namespace.clone()),
        created: e.first_seen.clone(),
        age,
        columns: c,
    }
}

impl KindCache for EventCache {
    fn info(&self) -> &'static KindInfo {
        self.info
    }

    fn status(&self) -> KindStatus {
        let (state, since, message) = self.status.get();
        KindStatus {
            kind: self.info.name.into(),
            state,
            since,
            message,
            items: self.len(),
            namespace: self.status.namespace(),
        }
    }

    fn rows(&self, f: &Filter) -> Vec<Row> {
        let q = f.q.as_deref().unwrap_or("").to_lowercase();
        self.all(|e| {
            f.namespace.as_deref().is_none_or(|ns| ns == e.namespace)
                && (q.is_empty()
                    || e.object_name.to_lowercase().contains(&q)
                    || e.reason.to_lowercase().contains(&q)
                    || e.message.to_lowercase().contains(&q))
        })
        .iter()
        .map(|e| as_row(e))
        .collect()
    }

    fn ready(&self, f: &Filter) -> Vec<Arc<ReadyRow>> {
        let mut rows: Vec<_> = self
            .rows(f)
            .iter()
            .map(|r| {
                // An event's age counts from when it was last seen, as in `kubectl get events`.
                let from = r
                    .columns
                    .get("last_seen")
                    .and_then(Value::as_str)
                    .and_then(|t| t.parse::<chrono::DateTime<chrono::Utc>>().ok())
                    .map(|t| t.timestamp());
                Arc::new(ReadyRow::new(r, from))
            })
            .collect();
        rows.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        rows
    }

    fn get(&self, namespace: Option<&str>, name: &str) -> Option<Value> {
        let e = self
            .all(|e| e.name == name && namespace.is_none_or(|ns| ns == e.namespace))
            .into_iter()
            .next()?;
        serde_json::to_value(e.as_ref()).ok()
    }

    fn len(&self) -> usize {
        self.inner
            .lock()
            .expect("events lock")
            .by_object
            .values()
            .map(VecDeque::len)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(name: &str, pod: &str, at: &str) -> Event {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": name, "namespace": "ns"},
            "involvedObject": {"kind": "Pod", "namespace": "ns", "name": pod},
            "reason": "BackOff", "message": "restarting", "type": "Warning",
            "lastTimestamp": at
        }))
        .unwrap()
    }

    #[test]
    fn events_are_kept_bounded_per_object_newest_last() {
        let c = EventCache::new(crate::cluster::kinds::find("events").unwrap());
        for i in 0..(PER_OBJECT + 15) {
            let at = format!("2026-01-01T00:{:02}:00Z", i);
            c.apply(&watcher::Event::Apply(ev(&format!("e{i}"), "web", &at)));
        }
        c.apply(&watcher::Event::Apply(ev("other", "db", "2026-01-01T00:00:00Z")));
        let web = c.for_object("Pod", Some("ns"), "web");
        assert_eq!(web.len(), PER_OBJECT, "older events dropped");
        assert_eq!(web.last().unwrap().name, format!("e{}", PER_OBJECT + 14));
        assert_eq!(c.for_object("Pod", Some("ns"), "db").len(), 1);
        assert_eq!(c.len(), PER_OBJECT + 1);
        // An updated event (count bump) replaces its older copy.
        c.apply(&watcher::Event::Apply(ev("other", "db", "2026-01-01T01:00:00Z")));
        assert_eq!(c.for_object("Pod", Some("ns"), "db").len(), 1);
        c.apply(&watcher::Event::Delete(ev("other", "db", "2026-01-01T01:00:00Z")));
        assert!(c.for_object("Pod", Some("ns"), "db").is_empty());
    }
}
