//! Helpers for the tests that drive the sidecar's router in-process (no socket): one request
//! carrying the API token, and a scripted LLM provider on loopback that replays replies in order
//! and records every request it was sent, so a test can assert on what left for the provider.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use http::{Request, StatusCode};
use kubilitics::api::{AppState, app};
use serde_json::{Value, json};
use tower::ServiceExt;

/// One request through the whole router (guards included), as the UI sends it; the answer's
/// status and JSON body (`null` when the body is not JSON).
pub async fn request(
    state: &AppState,
    token: &str,
    method: &str,
    uri: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header("host", "localhost")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(body.map(|b| Body::from(b.to_string())).unwrap_or_else(Body::empty))
        .expect("request");
    let res = app(state.clone()).oneshot(req).await.expect("router answers");
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 24).await.expect("body");
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// One scripted reply: status, body, and how long to wait before answering.
#[derive(Clone)]
pub struct Reply(pub u16, pub Value, pub Duration);

/// The provider's script and what it has been sent.
#[derive(Clone, Default)]
pub struct Script {
    replies: Arc<Mutex<VecDeque<Reply>>>,
    requests: Arc<Mutex<Vec<Value>>>,
    /// The credential each chat request carried (`authorization`, else `x-api-key`).
    credentials: Arc<Mutex<Vec<Option<String>>>>,
    embeddings: Arc<Mutex<Vec<Value>>>,
}

impl Script {
    /// Every request body received so far, oldest first.
    pub fn requests(&self) -> Vec<Value> {
        self.requests.lock().unwrap().clone()
    }

    /// The credential each chat request carried, oldest first: OpenAI's `authorization` header
    /// (`Bearer …`), else Anthropic's `x-api-key`.
    pub fn credentials(&self) -> Vec<Option<String>> {
        self.credentials.lock().unwrap().clone()
    }

    /// Every `/v1/embeddings` request body received so far, oldest first.
    pub fn embedding_requests(&self) -> Vec<Value> {
        self.embeddings.lock().unwrap().clone()
    }
}

/// Any text embeds as the same vector (tests assert on what was sent, not on scores).
async fn embedded(State(s): State<Script>, body: axum::Json<Value>) -> Response {
    s.embeddings.lock().unwrap().push(body.0.clone());
    axum::Json(json!({"object": "list", "model": body.0["model"],
        "data": [{"object": "embedding", "index": 0, "embedding": [1.0, 0.5, 0.25]}],
        "usage": {"prompt_tokens": 8, "total_tokens": 8}}))
    .into_response()
}

async fn scripted(State(s): State<Script>, req: Request<Body>) -> Response {
    let credential = ["authorization", "x-api-key"].iter().find_map(|name| {
        req.headers()
            .get(*name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    });
    s.credentials.lock().unwrap().push(credential);
    let bytes = axum::body::to_bytes(req.into_body(), 1 << 24).await.unwrap();
    s.requests
        .lock()
        .unwrap()
        .push(serde_json::from_slice(&bytes).unwrap_or(Value::Null));
    let next = s.replies.lock().unwrap().pop_front();
    let Some(Reply(status, body, delay)) = next else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "script exhausted").into_response();
    };
    tokio::time::sleep(delay).await;
    (StatusCode::from_u16(status).unwrap(), axum::Json(body)).into_response()
}

/// Serves `replies` on loopback as both an OpenAI-compatible `/v1/chat/completions` and an
/// Anthropic `/v1/messages` (and a fixed `/v1/embeddings`); returns the base URL
/// (`http://127.0.0.1:PORT`) and the script.
pub async fn serve(replies: Vec<Reply>) -> (String, Script) {
    let script = Script {
        replies: Arc::new(Mutex::new(replies.into())),
        ..Default::default()
    };
    let router = Router::new()
        .route("/v1/chat/completions", post(scripted))
        .route("/v1/messages", post(scripted))
        .route("/v1/embeddings", post(embedded))
        .with_state(script.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (format!("http://{addr}"), script)
}

pub fn ok(v: Value) -> Reply {
    Reply(200, v, Duration::ZERO)
}

/// An OpenAI chat completion that says `text` and/or calls `calls` (tool name, arguments).
pub fn openai(text: Option<&str>, calls: &[(&str, Value)]) -> Reply {
    let tool_calls: Vec<Value> = calls
        .iter()
        .enumerate()
        .map(|(i, (n, a))| json!({"id": format!("call_{i}_{n}"), "type": "function", "function": {"name": n, "arguments": a.to_string()}}))
        .collect();
    let mut message = json!({"role": "assistant", "content": text});
    if !tool_calls.is_empty() {
        message["tool_calls"] = json!(tool_calls);
    }
    let finish = if tool_calls.is_empty() { "stop" } else { "tool_calls" };
    ok(
        json!({"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini",
        "choices": [{"index": 0, "finish_reason": finish, "message": message}],
        "usage": {"prompt_tokens": 1200, "completion_tokens": 80, "total_tokens": 1280}}),
    )
}

/// An OpenAI chat completion calling tools.
pub fn openai_calls(calls: &[(&str, Value)]) -> Reply {
    openai(None, calls)
}

/// An Anthropic message calling tools.
pub fn anthropic_calls(calls: &[(&str, Value)]) -> Reply {
    let content: Vec<Value> = calls
        .iter()
        .enumerate()
        .map(|(i, (n, a))| json!({"type": "tool_use", "id": format!("toolu_{i}"), "name": n, "input": a}))
        .collect();
    ok(
        json!({"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4", "content": content,
        "stop_reason": "tool_use", "usage": {"input_tokens": 900, "output_tokens": 60}}),
    )
}

/// The words of every text a provider was sent (message contents and tool-call arguments),
/// split as the anonymiser splits names: runs of letters, digits, `-`, `.`, `_`, and their
/// dotted parts. For asserting that a name did or did not leave.
pub fn words_sent(requests: &[Value]) -> std::collections::HashSet<String> {
    fn strings(v: &Value, out: &mut Vec<String>) {
        match v {
            // Tool-call arguments travel as JSON text: read the strings inside.
            Value::String(s) => match serde_json::from_str::<Value>(s) {
                Ok(inner @ (Value::Object(_) | Value::Array(_))) => strings(&inner, out),
                _ => out.push(s.clone()),
            },
            Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
            Value::Object(m) => m.values().for_each(|x| strings(x, out)),
            _ => {}
        }
    }
    let mut texts = Vec::new();
    for r in requests {
        strings(&r["messages"], &mut texts);
    }
    texts
        .iter()
        .flat_map(|t| {
            t.split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')))
                .flat_map(|w| std::iter::once(w.to_string()).chain(w.split('.').map(str::to_string)))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// LLM settings for tests: a short timeout and quick retries, so failure paths run fast.
pub fn params() -> kubilitics::ai::llm::Params {
    kubilitics::ai::llm::Params {
        model: "gpt-4o-mini".into(),
        temperature: 0.3,
        max_tokens: 512,
        top_p: 0.9,
        timeout: Duration::from_millis(800),
        attempts: 3,
        backoff_factor: 2.0,
        first_backoff: Duration::from_millis(20),
    }
}
