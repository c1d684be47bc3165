//! get, list and watch. Lists are served from the store's current state (any resourceVersion a
//! client names is "not older than" it); watches resume from a resourceVersion still in the
//! history, answer 410 Gone for older ones, and send BOOKMARKs when asked.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};

use super::selectors::{FieldSelector, LabelSelector};
use super::{AppState, Query, Target, json_response, table};
use crate::status::ApiError;
use crate::store::{Change, EventType};

/// Parsed list/watch filters.
pub struct Filter {
    pub namespace: Option<String>,
    pub labels: LabelSelector,
    pub fields: FieldSelector,
}

impl Filter {
    pub fn from_query(target: &Target, query: &Query) -> Result<Self, ApiError> {
        Ok(Self {
            namespace: target.namespace.clone(),
            labels: LabelSelector::parse(query.get("labelSelector").map(String::as_str).unwrap_or(""))?,
            fields: FieldSelector::parse(
                query.get("fieldSelector").map(String::as_str).unwrap_or(""),
                target.rt().kind,
            )?,
        })
    }

    pub fn matches(&self, obj: &Value) -> bool {
        self.labels.matches(&obj["metadata"]["labels"]) && self.fields.matches(obj)
    }
}

/// Does the client want a `meta.k8s.io/v1` Table (kubectl's human output)?
pub fn wants_table(headers: &HeaderMap) -> bool {
    headers
        .get(http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.split(',').next().is_some_and(|first| first.contains("as=Table")))
}

/// An object as the API returns it by itself: with its kind and apiVersion.
pub fn with_type(target: &Target, obj: &Value) -> Value {
    let rt = target.rt();
    let mut v = obj.clone();
    v["kind"] = json!(rt.kind);
    v["apiVersion"] = json!(rt.api_version());
    v
}

pub fn get(state: &AppState, target: &Target, headers: &HeaderMap, query: &Query) -> Result<Response, ApiError> {
    let rt = target.rt();
    if rt.group == "metrics.k8s.io" {
        return super::metrics::get(state, target);
    }
    let name = target.name.as_deref().unwrap_or_default();
    let ns = target.namespace.as_deref().unwrap_or("");
    let obj = state
        .store
        .get(target.res, ns, name)
        .ok_or_else(|| ApiError::not_found(&rt.qualified(), name))?;
    if wants_table(headers) {
        let rv = state.store.resource_version();
        return Ok(json_response(
            200,
            &table::to_table(target.res, &[obj], query, rv, None),
        ));
    }
    Ok(json_response(200, &with_type(target, &obj)))
}

fn continue_token(rv: u64, ns: &str, name: &str) -> String {
    format!("{rv}.{}", hex(&format!("{ns}/{name}")))
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<String> {
    let bytes: Option<Vec<u8>> = (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect();
    String::from_utf8(bytes?).ok()
}

pub async fn list_or_watch(
    state: &AppState,
    target: &Target,
    query: &Query,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    if matches!(query.get("watch").map(String::as_str), Some("true" | "1")) {
        return watch(state, target, query, headers);
    }
    let rt = target.rt();
    if rt.group == "metrics.k8s.io" {
        return super::metrics::list(state, target, query);
    }
    let filter = Filter::from_query(target, query)?;
    let (items, rv) = state.store.list(target.res, filter.namespace.as_deref());
    let mut matching: Vec<Arc<Value>> = items.into_iter().filter(|o| filter.matches(o)).collect();
    let mut token_rv = rv;
    if let Some(token) = query.get("continue").filter(|t| !t.is_empty()) {
        let (trv, key) = token
            .split_once('.')
            .and_then(|(r, k)| Some((r.parse::<u64>().ok()?, unhex(k)?)))
            .ok_or_else(|| ApiError::bad_request("continue key is not valid: malformed token"))?;
        if trv < state.store.oldest_resumable() {
            return Err(ApiError::gone(
                "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
            ));
        }
        token_rv = trv;
        matching.retain(|o| {
            let k = format!("{}/{}", crate::store::ns_of(o), crate::store::name_of(o));
            k > key
        });
    }
    let limit = query
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .filter(|l| *l > 0);
    let mut meta = json!({"resourceVersion": token_rv.to_string()});
    if let Some(limit) = limit
        && matching.len() > limit
    {
        let remaining = matching.len() - limit;
        matching.truncate(limit);
        let last = &matching[limit - 1];
        meta["continue"] = json!(continue_token(
            token_rv,
            crate::store::ns_of(last),
            crate::store::name_of(last)
        ));
        meta["remainingItemCount"] = json!(remaining);
    }
    if wants_table(headers) {
        let cont = meta.get("continue").and_then(Value::as_str).map(String::from);
        return Ok(json_response(
            200,
            &table::to_table(target.res, &matching, query, token_rv, cont),
        ));
    }
    let items: Vec<&Value> = matching.iter().map(|o| o.as_ref()).collect();
    Ok(json_response(
        200,
        &json!({"kind": rt.list_kind(), "apiVersion": rt.api_version(), "metadata": meta, "items": items}),
    ))
}

fn event_line(kind: &str, object: &Value) -> Bytes {
    let mut line = json!({"type": kind, "object": object}).to_string();
    line.push('\n');
    Bytes::from(line)
}

/// One watch: replay (or initial state), then live changes, bookmarks and a timeout.
fn watch(state: &AppState, target: &Target, query: &Query, headers: &HeaderMap) -> Result<Response, ApiError> {
    let filter = Filter::from_query(target, query)?;
    let rv_param = query.get("resourceVersion").map(String::as_str).unwrap_or("");
    let send_initial = query.get("sendInitialEvents").is_some_and(|v| v == "true");
    let bookmarks = query.get("allowWatchBookmarks").is_some_and(|v| v == "true");
    let timeout = query
        .get("timeoutSeconds")
        .and_then(|t| t.parse::<u64>().ok())
        .map(Duration::from_secs)
        .unwrap_or(Duration::from_secs(1800));
    let as_table = wants_table(headers);

    let mut first: Vec<(EventType, Arc<Value>)> = Vec::new();
    // The resourceVersion of the state the initial events show; their closing bookmark names it.
    let mut initial_rv = 0u64;
    let (replay, live) = if rv_param.is_empty() || rv_param == "0" || send_initial {
        // No resourceVersion: start from the current state, each object an ADDED event.
        let (items, rv) = state.store.list(target.res, filter.namespace.as_deref());
        first.extend(items.into_iter().map(|o| (EventType::Added, o)));
        initial_rv = rv;
        let (replay, live) = state.store.watch_from(rv)?;
        (replay, live)
    } else {
        let rv: u64 = rv_param
            .parse()
            .map_err(|_| ApiError::bad_request(format!("invalid resource version: {rv_param}")))?;
        state.store.watch_from(rv)?
    };

    let (tx, rx) = mpsc::channel::<Bytes>(256);
    let target = target.clone();
    let store = state.store.clone();
    let bookmark_every = state.bookmark_every;
    let res = target.res;
    let encode = move |kind: EventType, obj: &Value| -> Bytes {
        let object = if as_table {
            table::to_table(res, &[Arc::new(obj.clone())], &Query::new(), 0, None)
        } else {
            with_type(&target, obj)
        };
        event_line(kind.as_str(), &object)
    };
    let bookmark_kind =
        json!({"kind": crate::resources::get(res).kind, "apiVersion": crate::resources::get(res).api_version()});
    tokio::spawn(async move {
        let mut sent_rv = 0u64;
        for (kind, obj) in &first {
            if filter.matches(obj) && tx.send(encode(*kind, obj)).await.is_err() {
                return;
            }
        }
        if send_initial {
            let mut b = bookmark_kind.clone();
            b["metadata"] = json!({"resourceVersion": initial_rv.to_string(), "annotations": {"k8s.io/initial-events-end": "true"}});
            if tx.send(event_line("BOOKMARK", &b)).await.is_err() {
                return;
            }
        }
        let relevant = |c: &Change| {
            c.res == res && filter.namespace.as_deref().is_none_or(|ns| ns == c.namespace) && filter.matches(&c.object)
        };
        for c in replay {
            sent_rv = c.rv;
            if relevant(&c) && tx.send(encode(c.kind, &c.object)).await.is_err() {
                return;
            }
        }
        let mut live = live;
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        let mut tick = tokio::time::interval(bookmark_every);
        tick.tick().await;
        loop {
            tokio::select! {
                _ = &mut deadline => return,
                _ = tick.tick(), if bookmarks => {
                    let mut b = bookmark_kind.clone();
                    b["metadata"] = json!({"resourceVersion": store.resource_version().to_string()});
                    if tx.send(event_line("BOOKMARK", &b)).await.is_err() {
                        return;
                    }
                }
                msg = live.recv() => match msg {
                    Ok(c) => {
                        if c.rv <= sent_rv || !relevant(&c) {
                            continue;
                        }
                        sent_rv = c.rv;
                        if tx.send(encode(c.kind, &c.object)).await.is_err() {
                            return;
                        }
                    }
                    // Too slow a reader, or the server stops: end the watch; clients re-watch.
                    Err(broadcast::error::RecvError::Lagged(_) | broadcast::error::RecvError::Closed) => return,
                },
                _ = tx.closed() => return,
            }
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|b| (Ok::<_, Infallible>(b), rx))
    });
    Response::builder()
        .status(200)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(http::header::CACHE_CONTROL, "no-cache, private")
        .body(Body::from_stream(stream))
        .map_err(|e| ApiError::internal(e.to_string()))
}
