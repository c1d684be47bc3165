//! `/api/v1/ws`: live updates. One WebSocket carries every subscription of a client.
//!
//! Authentication: browsers cannot set headers on a WebSocket, and a long-lived token in a URL
//! ends up in logs and history. So a client first `POST /api/v1/ws/ticket` with its bearer
//! token and opens `/api/v1/ws?ticket=...`: the ticket works once, within 30 seconds.
//! Non-browser clients may send the bearer header instead.
//!
//! Protocol (JSON text frames):
//! - client: `{"type":"subscribe","id":"s1","context":"c","kind":"pods","namespace":"ns","since":123}`
//!   (`kind` `*` for all; `namespace` and `since` optional), `{"type":"unsubscribe","id":"s1"}`,
//!   `{"type":"ping"}`; `{"type":"investigations","id":"s2","investigation_id":"..."}` follows the AI
//!   investigator's progress (one investigation, or every one without `investigation_id`).
//! - server: `{"type":"subscribed","id","context","kind","seq"}` (list over HTTP, then apply
//!   deltas with a higher `seq`), `{"type":"deltas","context","events":[...]}` batched over at
//!   most 100 ms, `{"type":"resync","context","kind","reason"}` when the client must list again
//!   (it missed more than is kept, or the cache relisted), `{"type":"error","message"}`,
//!   `{"type":"pong"}`; for `investigations`: `{"type":"investigation","id","progress":{"investigation_id",
//!   "state","detail","at"}}` at every state change and step (GET the investigation for the rest), and
//!   `{"type":"resync","id","reason"}` when the client fell behind.
//! - `{"type":"approvals","id":"s3"}` follows changes parked for approval and their decisions:
//!   `{"type":"approval","id","change":{"topic":"approval","approval_id","action_id","state"}}` (`requested`,
//!   `approved`, `rejected`); `{"type":"insights","id":"s4","context":"c"}` (`context` optional)
//!   says when a context's insights changed: `{"type":"insights_changed","id","context"}`. Both
//!   say what changed, not the data (GET it), and send `{"type":"resync","id","reason"}` when the
//!   client fell behind.
//!
//! WebSocket pings every `server.ws_ping_interval`; a client silent for three intervals is dropped.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade, close_code};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use tokio::sync::{broadcast, mpsc};
use utoipa::ToSchema;

use super::AppState;
use super::error::{ApiError, Json};
use crate::cluster::cache::{Delta, DeltaType, Follower};
use crate::notices::Notice;
use crate::telemetry::metrics;

const TICKET_TTL: Duration = Duration::from_secs(30);
/// Deltas are held at most this long before they are sent together.
pub const BATCH_WINDOW: Duration = Duration::from_millis(50);
/// How often a subscription whose context's connection ended looks for its next connection.
const RECONNECT_POLL: Duration = Duration::from_secs(1);

/// One-time WebSocket tickets.
#[derive(Default)]
pub struct Tickets {
    issued: Mutex<HashMap<String, Instant>>,
}

impl Tickets {
    pub fn issue(&self) -> String {
        let ticket: String = (0..24).map(|_| format!("{:02x}", rand::random::<u8>())).collect();
        let mut m = self.issued.lock().expect("tickets lock");
        let now = Instant::now();
        m.retain(|_, exp| *exp > now);
        m.insert(ticket.clone(), now + TICKET_TTL);
        ticket
    }

    /// True once per issued, unexpired ticket.
    pub fn redeem(&self, ticket: &str) -> bool {
        let mut m = self.issued.lock().expect("tickets lock");
        m.remove(ticket).is_some_and(|exp| exp > Instant::now())
    }
}

#[derive(Serialize, ToSchema)]
pub struct Ticket {
    pub ticket: String,
    /// Seconds it stays valid; it works once.
    pub expires_in: u64,
}

#[utoipa::path(post, path = "/api/v1/ws/ticket", tag = "live", security(("bearer" = [])),
    responses((status = 201, body = Ticket)))]
pub async fn ticket(State(state): State<AppState>) -> (StatusCode, Json<Ticket>) {
    (
        StatusCode::CREATED,
        Json(Ticket {
            ticket: state.tickets.issue(),
            expires_in: TICKET_TTL.as_secs(),
        }),
    )
}

#[derive(Deserialize)]
pub struct WsQuery {
    pub ticket: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/ws", tag = "live",
    params(("ticket" = Option<String>, Query, description = "from POST /api/v1/ws/ticket; or send the bearer header")),
    responses((status = 101, description = "switching to the WebSocket protocol"), (status = 401, body = super::error::ErrorBody)))]
pub async fn upgrade(
    State(state): State<AppState>,
    Query(q): Query<WsQuery>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let bearer_ok = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| bool::from(t.as_bytes().ct_eq(state.guard.token.as_bytes())));
    let ticket_ok = q.ticket.as_deref().is_some_and(|t| state.tickets.redeem(t));
    if !bearer_ok && !ticket_ok {
        return ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "open the WebSocket with ?ticket= from POST /api/v1/ws/ticket (valid once, 30 s), or send the bearer token header",
        )
        .into_response();
    }
    let ping = Duration::from_secs(state.config.server.ws_ping_interval.max(1));
    ws.on_upgrade(move |socket| serve(socket, state, ping))
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ClientMessage {
    Subscribe {
        id: String,
        context: String,
        kind: String,
        namespace: Option<String>,
        since: Option<u64>,
    },
    Unsubscribe {
        id: String,
    },
    /// Follow a pod's log: lines arrive as `{"type":"log","id","lines":[...]}`; unsubscribe stops it.
    Logs {
        id: String,
        context: String,
        namespace: String,
        pod: String,
        container: Option<String>,
        tail: Option<i64>,
        since: Option<i64>,
    },
    /// Follow investigations' progress (every one when `investigation_id` is absent).
    Investigations {
        id: String,
        investigation_id: Option<String>,
    },
    /// Follow approvals requested and decided.
    Approvals {
        id: String,
    },
    /// Follow when insights change (of one context, or of every one when `context` is absent).
    Insights {
        id: String,
        context: Option<String>,
    },
    Ping,
}

#[derive(Clone)]
struct Subscription {
    id: String,
    context: String,
    /// URL kind name, or `*`.
    kind: String,
    namespace: Option<String>,
}

impl Subscription {
    fn wants(&self, d: &Delta) -> bool {
        (self.kind == "*" || self.kind == d.kind)
            && (d.kind_of_change == DeltaType::Resync || self.namespace.is_none() || self.namespace == d.namespace)
    }
}

/// What the forwarders hand to the connection's writer.
enum Outgoing {
    Delta(String, Arc<Delta>),
    Resync(String, String),
    /// Log lines (or the end of the log, with why) for a `logs` subscription.
    Log(String, Vec<String>, Option<String>),
    /// A message for an `investigations`, `approvals` or `insights` subscription, ready to send.
    Ready(serde_json::Value),
}

type Subs = Arc<RwLock<Vec<Subscription>>>;

async fn serve(mut socket: WebSocket, state: AppState, ping_every: Duration) {
    metrics::ACTIVE_WEBSOCKETS.inc();
    let subs: Subs = Arc::default();
    let (tx, mut rx) = mpsc::channel::<Outgoing>(65_536);
    let mut forwarders: HashMap<String, tokio::task::AbortHandle> = HashMap::new();
    let mut batch: HashMap<String, Vec<Arc<Delta>>> = HashMap::new();
    let mut deadline: Option<tokio::time::Instant> = None;
    let mut ping = tokio::time::interval(ping_every);
    ping.tick().await;
    let mut last_heard = Instant::now();
    loop {
        let flush_at = deadline.unwrap_or_else(|| tokio::time::Instant::now() + Duration::from_secs(3600));
        tokio::select! {
            msg = socket.recv() => {
                let Some(Ok(msg)) = msg else { break };
                last_heard = Instant::now();
                let text = match msg {
                    Message::Text(t) => t.to_string(),
                    Message::Close(_) => break,
                    _ => continue,
                };
                let reply = handle(&text, &state, &subs, &tx, &mut forwarders).await;
                for r in reply {
                    if socket.send(Message::Text(r.to_string().into())).await.is_err() {
                        break;
                    }
                }
            }
            Some(out) = rx.recv() => {
                match out {
                    Outgoing::Delta(ctx, d) => {
                        batch.entry(ctx).or_default().push(d);
                        deadline.get_or_insert_with(|| tokio::time::Instant::now() + BATCH_WINDOW);
                    }
                    Outgoing::Log(id, lines, end) => {
                        let m = match end {
                            None => serde_json::json!({"type": "log", "id": id, "lines": lines}),
                            Some(why) => serde_json::json!({"type": "log_end", "id": id, "reason": why}),
                        };
                        if socket.send(Message::Text(m.to_string().into())).await.is_err() { break; }
                    }
                    Outgoing::Ready(m) => {
                        if socket.send(Message::Text(m.to_string().into())).await.is_err() { break; }
                    }
                    Outgoing::Resync(ctx, reason) => {
                        let m = serde_json::json!({"type": "resync", "context": ctx, "kind": "*", "reason": reason});
                        if socket.send(Message::Text(m.to_string().into())).await.is_err() { break; }
                    }
                }
            }
            _ = tokio::time::sleep_until(flush_at), if deadline.is_some() => {
                deadline = None;
                let mut failed = false;
                for (ctx, events) in batch.drain() {
                    let events: Vec<&Delta> = events.iter().map(Arc::as_ref).collect();
                    let m = serde_json::json!({"type": "deltas", "context": ctx, "events": events});
                    if socket.send(Message::Text(m.to_string().into())).await.is_err() { failed = true; break; }
                }
                if failed { break; }
            }
            _ = ping.tick() => {
                if last_heard.elapsed() > ping_every * 3 {
                    tracing::info!("WebSocket client silent for three ping intervals; closing");
                    // Say why, so a client that is merely slow reconnects instead of guessing;
                    // one that is gone must not hold this task, hence the bound.
                    let close = Message::Close(Some(CloseFrame {
                        code: close_code::AWAY,
                        reason: "no answer to three pings".into(),
                    }));
                    let _ = tokio::time::timeout(Duration::from_secs(1), socket.send(close)).await;
                    break;
                }
                if socket.send(Message::Ping(Vec::new().into())).await.is_err() { break; }
            }
        }
    }
    for (_, f) in forwarders {
        f.abort();
    }
    metrics::ACTIVE_WEBSOCKETS.dec();
}

async fn handle(
    text: &str,
    state: &AppState,
    subs: &Subs,
    tx: &mpsc::Sender<Outgoing>,
    forwarders: &mut HashMap<String, tokio::task::AbortHandle>,
) -> Vec<serde_json::Value> {
    use serde_json::json;
    let msg: ClientMessage = match serde_json::from_str(text) {
        Ok(m) => m,
        Err(e) => {
            return vec![json!({"type": "error", "message": format!("not a message this server understands: {e}")})];
        }
    };
    match msg {
        ClientMessage::Ping => vec![json!({"type": "pong"})],
        ClientMessage::Unsubscribe { id } => {
            subs.write().expect("subs lock").retain(|s| s.id != id);
            for key in [format!("logs:{id}"), format!("topic:{id}")] {
                if let Some(f) = forwarders.remove(&key) {
                    f.abort();
                }
            }
            vec![json!({"type": "unsubscribed", "id": id})]
        }
        ClientMessage::Investigations { id, investigation_id } => {
            let rx = state.ai.engine.subscribe();
            let task = tokio::spawn(forward_progress(id.clone(), investigation_id.clone(), rx, tx.clone()));
            follow_topic(forwarders, &id, task);
            vec![
                json!({"type": "subscribed", "id": id, "investigations": investigation_id.unwrap_or_else(|| "*".into())}),
            ]
        }
        ClientMessage::Approvals { id } => {
            let rx = state.notices.subscribe();
            let task = tokio::spawn(forward_notices(id.clone(), Follow::Approvals, rx, tx.clone()));
            follow_topic(forwarders, &id, task);
            vec![json!({"type": "subscribed", "id": id, "approvals": "*"})]
        }
        ClientMessage::Insights { id, context } => {
            let rx = state.notices.subscribe();
            let task = tokio::spawn(forward_notices(
                id.clone(),
                Follow::Insights(context.clone()),
                rx,
                tx.clone(),
            ));
            follow_topic(forwarders, &id, task);
            vec![json!({"type": "subscribed", "id": id, "insights": context.unwrap_or_else(|| "*".into())})]
        }
        ClientMessage::Logs {
            id,
            context,
            namespace,
            pod,
            container,
            tail,
            since,
        } => {
            let conn = match state.clusters.connect(&context).await {
                Ok(c) => c,
                Err(e) => return vec![json!({"type": "error", "id": id, "message": e.to_string()})],
            };
            let options = crate::cluster::overview::LogOptions {
                container,
                tail_lines: tail,
                since_seconds: since,
                ..Default::default()
            };
            let lines = match crate::cluster::overview::follow_logs(&conn.client, &namespace, &pod, &options).await {
                Ok(l) => l,
                Err(e) => {
                    return vec![
                        json!({"type": "error", "id": id, "message": super::resources::kube_error(&format!("following the log of {namespace}/{pod}"), &e).message}),
                    ];
                }
            };
            let task = tokio::spawn(forward_logs(id.clone(), lines, tx.clone()));
            forwarders.insert(format!("logs:{id}"), task.abort_handle());
            vec![json!({"type": "subscribed", "id": id, "logs": format!("{namespace}/{pod}")})]
        }
        ClientMessage::Subscribe {
            id,
            context,
            kind,
            namespace,
            since,
        } => {
            let conn = match state.clusters.connect(&context).await {
                Ok(c) => c,
                Err(e) => return vec![json!({"type": "error", "id": id, "message": e.to_string()})],
            };
            let kind_name = if kind == "*" {
                "*".to_string()
            } else {
                match crate::cluster::kinds::find(&kind) {
                    Some(k) => k.name.to_string(),
                    None => {
                        return vec![
                            json!({"type": "error", "id": id, "message": format!("'{kind}' is not a live kind; custom resources are read on demand")}),
                        ];
                    }
                }
            };
            let sub = Subscription {
                id: id.clone(),
                context: context.clone(),
                kind: kind_name.clone(),
                namespace,
            };
            // Subscribe to the stream before reading the replay buffer, so nothing falls between.
            if !forwarders.contains_key(&context) {
                let feed = conn.cache.deltas.follow();
                let task = tokio::spawn(forward(
                    context.clone(),
                    feed,
                    subs.clone(),
                    tx.clone(),
                    state.clusters.clone(),
                ));
                forwarders.insert(context.clone(), task.abort_handle());
            }
            subs.write().expect("subs lock").push(sub.clone());
            let mut out = vec![
                json!({"type": "subscribed", "id": id, "context": context, "kind": kind_name, "seq": conn.cache.deltas.last()}),
            ];
            if let Some(since) = since {
                match conn.cache.deltas.since(since) {
                    Some(missed) => {
                        let events: Vec<&Delta> = missed.iter().map(Arc::as_ref).filter(|d| sub.wants(d)).collect();
                        out.push(json!({"type": "deltas", "context": context, "events": events, "replay": true}));
                    }
                    None => out.push(json!({"type": "resync", "context": context, "kind": kind_name, "reason": "more changed than is kept since seq; list again"})),
                }
            }
            out
        }
    }
}

async fn forward_logs(
    id: String,
    lines: impl futures::Stream<Item = Result<String, std::io::Error>>,
    tx: mpsc::Sender<Outgoing>,
) {
    use futures::StreamExt;
    // Lines that arrive together travel together (at most 500 per message).
    let mut chunks = std::pin::pin!(lines.ready_chunks(500));
    while let Some(chunk) = chunks.next().await {
        let mut batch = Vec::with_capacity(chunk.len());
        for line in chunk {
            match line {
                Ok(l) => batch.push(l),
                Err(e) => {
                    let _ = tx.send(Outgoing::Log(id.clone(), batch, None)).await;
                    let _ = tx
                        .send(Outgoing::Log(
                            id,
                            Vec::new(),
                            Some(format!("the log stream failed: {e}")),
                        ))
                        .await;
                    return;
                }
            }
        }
        if tx.send(Outgoing::Log(id.clone(), batch, None)).await.is_err() {
            return;
        }
    }
    let _ = tx
        .send(Outgoing::Log(
            id,
            Vec::new(),
            Some("the container stopped writing (it exited or was deleted)".into()),
        ))
        .await;
}

/// Investigation progress for one `investigations` subscription.
async fn forward_progress(
    id: String,
    only: Option<String>,
    mut rx: broadcast::Receiver<crate::ai::engine::Progress>,
    tx: mpsc::Sender<Outgoing>,
) {
    loop {
        let m = match rx.recv().await {
            Ok(p) if only.as_ref().is_none_or(|i| *i == p.investigation_id) => {
                serde_json::json!({"type": "investigation", "id": id, "progress": p})
            }
            Ok(_) => continue,
            Err(broadcast::error::RecvError::Lagged(n)) => serde_json::json!({"type": "resync", "id": id,
                "reason": format!("the client fell {n} progress events behind; GET the investigations again")}),
            Err(broadcast::error::RecvError::Closed) => return,
        };
        if tx.send(Outgoing::Ready(m)).await.is_err() {
            return;
        }
    }
}

/// Keeps `task` as the forwarder of topic subscription `id`, ending the one it replaces (a client
/// that subscribes again under the same id).
fn follow_topic(
    forwarders: &mut HashMap<String, tokio::task::AbortHandle>,
    id: &str,
    task: tokio::task::JoinHandle<()>,
) {
    if let Some(old) = forwarders.insert(format!("topic:{id}"), task.abort_handle()) {
        old.abort();
    }
}

/// Which notices one subscription follows.
enum Follow {
    Approvals,
    /// Insights of one context, or of every one (None).
    Insights(Option<String>),
}

/// The notices `follow` asks for, for one subscription.
async fn forward_notices(id: String, follow: Follow, mut rx: broadcast::Receiver<Notice>, tx: mpsc::Sender<Outgoing>) {
    loop {
        let m = match (rx.recv().await, &follow) {
            (Ok(change @ Notice::Approval { .. }), Follow::Approvals) => {
                serde_json::json!({"type": "approval", "id": id, "change": change})
            }
            (Ok(Notice::Insights { context }), Follow::Insights(only))
                if only.as_ref().is_none_or(|c| *c == context) =>
            {
                serde_json::json!({"type": "insights_changed", "id": id, "context": context})
            }
            (Ok(_), _) => continue,
            (Err(broadcast::error::RecvError::Lagged(n)), _) => serde_json::json!({"type": "resync", "id": id,
                "reason": format!("the client fell {n} notices behind; read the list again")}),
            (Err(broadcast::error::RecvError::Closed), _) => return,
        };
        if tx.send(Outgoing::Ready(m)).await.is_err() {
            return;
        }
    }
}

/// A context's deltas for one socket's subscriptions to it, for as long as the socket lives:
/// when the context's connection ends (disconnected, or reconnected with a new cache whose
/// changes this receiver would never see), the client is told to list again, and the
/// subscriptions follow the context's next connection once there is one.
async fn forward(
    context: String,
    mut feed: Follower,
    subs: Subs,
    tx: mpsc::Sender<Outgoing>,
    clusters: Arc<crate::cluster::manager::ClusterManager>,
) {
    loop {
        match feed.next().await {
            Ok(d) => {
                let wanted = subs
                    .read()
                    .expect("subs lock")
                    .iter()
                    .any(|s| s.context == context && s.wants(&d));
                if wanted && tx.send(Outgoing::Delta(context.clone(), d)).await.is_err() {
                    return;
                }
            }
            Err(broadcast::error::RecvError::Lagged(n)) => {
                if tx
                    .send(Outgoing::Resync(
                        context.clone(),
                        format!("the client fell {n} changes behind; list again"),
                    ))
                    .await
                    .is_err()
                {
                    return;
                }
            }
            Err(broadcast::error::RecvError::Closed) => {
                let over = format!("the connection to {context} ended; its views resume when it is connected again");
                if tx.send(Outgoing::Resync(context.clone(), over)).await.is_err() {
                    return;
                }
                feed = loop {
                    tokio::time::sleep(RECONNECT_POLL).await;
                    if tx.is_closed() {
                        return;
                    }
                    if let Some(conn) = clusters.connection(&context) {
                        break conn.cache.deltas.follow();
                    }
                };
                // What changed between the two connections is unknown: list again.
                let renewed = format!("the connection to {context} was renewed; list again");
                if tx.send(Outgoing::Resync(context.clone(), renewed)).await.is_err() {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::cache::Deltas;

    /// A live view is told to list again as soon as its context is disconnected, even while a
    /// request or a scan still holds the old cache (the delta channel itself stays open until the
    /// last holder lets go; under load that outlasted the cluster test's wait).
    #[tokio::test]
    async fn a_view_hears_its_connection_ended_while_the_old_cache_is_still_held() {
        let home = tempfile::tempdir().unwrap();
        let sqlite = crate::store::sqlite::test_config(home.path());
        let store: Arc<dyn crate::store::Store> = Arc::new(crate::store::SqliteStore::open(&sqlite).unwrap());
        let clusters = Arc::new(crate::cluster::manager::ClusterManager::empty(store));
        let deltas = Arc::new(Deltas::new());
        let (tx, mut out) = mpsc::channel(8);
        let feed = deltas.follow();
        tokio::spawn(forward("dev".into(), feed, Subs::default(), tx, clusters));

        deltas.end(); // `deltas` itself is still held, as by a request reading the old cache
        let told = tokio::time::timeout(Duration::from_secs(10), out.recv())
            .await
            .expect("the view was never told the connection ended")
            .expect("the forwarder stopped");
        assert!(
            matches!(&told, Outgoing::Resync(context, why) if context == "dev" && why.contains("ended")),
            "told something else"
        );
    }

    #[test]
    fn tickets_work_once_and_only_when_issued() {
        let t = Tickets::default();
        let a = t.issue();
        assert!(!t.redeem("made-up"));
        assert!(t.redeem(&a));
        assert!(!t.redeem(&a), "a ticket is single use");
    }
}
