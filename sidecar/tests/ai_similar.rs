//! Similar incidents with embeddings from an OpenAI-compatible `/embeddings` (a scripted server
//! on loopback), the lexical fallback when the provider cannot embed, and which embedder the
//! configuration implies.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use kubilitics::ai::llm::Params;
use kubilitics::ai::llm::openai::OpenAi;
use kubilitics::ai::similar::{Embedder, Index};
use kubilitics::ai::taxonomy::Code;
use kubilitics::config::{self, Inputs};
use serde_json::{Value, json};

/// One request the scripted server saw.
#[derive(Clone)]
struct Call {
    /// Path and query, as sent.
    uri: String,
    headers: HeaderMap,
    body: Value,
}

impl Call {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
}

type Seen = Arc<Mutex<Vec<Call>>>;

/// A toy embedding model: one dimension per theme, so texts about the same thing point the same
/// way even when they share few words.
fn embed(text: &str) -> Vec<f32> {
    let t = text.to_lowercase();
    let theme = |words: &[&str]| words.iter().filter(|w| t.contains(*w)).count() as f32;
    vec![
        theme(&["memory", "oom", "137", "killed", "terminated"]),
        theme(&["image", "pull", "manifest", "registry", "tag"]),
        theme(&["connection refused", "dns", "endpoint", "unreachable"]),
        0.05,
    ]
}

async fn embeddings(
    State((seen, fail)): State<(Seen, bool)>,
    uri: Uri,
    headers: HeaderMap,
    body: axum::Json<Value>,
) -> Response {
    seen.lock().unwrap().push(Call {
        uri: uri.to_string(),
        headers,
        body: body.0.clone(),
    });
    if fail {
        return (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"error": {"message": "no embeddings here", "type": "invalid_request_error"}})),
        )
            .into_response();
    }
    let input = body.0["input"].as_str().unwrap_or("");
    axum::Json(json!({
        "object": "list", "model": body.0["model"],
        "data": [{"object": "embedding", "index": 0, "embedding": embed(input)}],
        "usage": {"prompt_tokens": 8, "total_tokens": 8}
    }))
    .into_response()
}

async fn server(fail: bool) -> (String, Seen) {
    let seen: Seen = Arc::default();
    // OpenAI's path and Azure OpenAI's (deployment in the path, api-version in the query).
    let router = Router::new()
        .route("/v1/embeddings", post(embeddings))
        .route("/openai/deployments/{deployment}/embeddings", post(embeddings))
        .with_state((seen.clone(), fail));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (format!("http://{addr}"), seen)
}

fn params() -> Params {
    Params {
        model: "gpt-test".into(),
        temperature: 0.0,
        max_tokens: 100,
        top_p: 1.0,
        timeout: Duration::from_secs(5),
        attempts: 1,
        backoff_factor: 1.0,
        first_backoff: Duration::from_millis(1),
    }
}

async fn index_of_two(index: &Index) {
    index
        .add(
            "oom-1",
            Code::OomKilled,
            "container report is killed for exceeding its 64Mi memory limit",
            "OOM_KILLED Deployment Pod lastState.terminated OOMKilled exit code 137",
        )
        .await;
    index
        .add(
            "img-1",
            Code::ImageNotFound,
            "image shop/cart:2.4.1 does not exist",
            "IMAGE_NOT_FOUND Deployment Pod Failed manifest unknown registry pull",
        )
        .await;
}

// Few words in common with "oom-1", the same theme.
const QUERY: &str = "worker terminated: it ran out of memory, exit 137";

#[tokio::test]
async fn the_providers_embeddings_find_an_incident_that_shares_few_words() {
    let (url, seen) = server(false).await;
    let provider = OpenAi::new(params(), Some("test-key".into()), &format!("{url}/v1"), "").unwrap();
    let index = Index::default();
    index.configure(Some(Embedder::new(provider, "text-embedding-3-small")));
    index_of_two(&index).await;

    let hits = index.search(QUERY, "new", 3).await;
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].investigation_id, "oom-1");
    assert_eq!(hits[0].code, Code::OomKilled);
    assert_eq!(hits[0].method, "embedding");
    assert!(hits[0].score > 0.9, "{hits:?}");

    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3, "two incidents and one query embedded");
    assert!(seen.iter().all(|c| c.uri == "/v1/embeddings"
        && c.header("authorization") == "Bearer test-key"
        && c.body["model"] == "text-embedding-3-small"
        && c.body["encoding_format"] == "float"));
    assert_eq!(seen[2].body["input"], QUERY);

    // Without embeddings the same query scores lower: the words barely overlap.
    let lexical = Index::default();
    index_of_two(&lexical).await;
    let words = lexical.search(QUERY, "new", 3).await;
    assert!(
        words.iter().all(|h| h.method == "lexical" && h.score < hits[0].score),
        "{words:?} vs {hits:?}"
    );
}

/// Vectors of two models do not compare: after the embeddings model changes, the incidents
/// embedded with the old one are scored lexically until they are embedded again.
#[tokio::test]
async fn incidents_embedded_with_another_model_are_scored_lexically_until_embedded_again() {
    let (url, _) = server(false).await;
    let provider = || OpenAi::new(params(), Some("test-key".into()), &format!("{url}/v1"), "").unwrap();
    let index = Index::default();
    assert!(
        !index.configure(Some(Embedder::new(provider(), "text-embedding-3-small"))),
        "nothing to embed yet"
    );
    index_of_two(&index).await;
    assert!(
        !index.configure(Some(Embedder::new(provider(), "text-embedding-3-small"))),
        "the same model: the vectors still compare"
    );
    assert!(
        index.configure(Some(Embedder::new(provider(), "text-embedding-3-large"))),
        "another model: the index asks to be embedded again"
    );
    let methods = |hits: &[kubilitics::ai::investigation::SimilarIncident]| {
        hits.iter().map(|h| h.method.clone()).collect::<Vec<_>>()
    };
    let hits = index.search(QUERY, "new", 3).await;
    assert!(hits.iter().all(|h| h.method == "lexical"), "{:?}", methods(&hits));

    index_of_two(&index).await;
    let hits = index.search(QUERY, "new", 3).await;
    assert_eq!(
        (hits.first().map(|h| h.investigation_id.as_str()), methods(&hits)),
        (Some("oom-1"), vec!["embedding".to_string()]),
        "{hits:?}"
    );
    assert!(!index.configure(None), "lexical alone needs no embedding");
}

#[tokio::test]
async fn a_provider_without_embeddings_falls_back_to_lexical_scores() {
    let (url, seen) = server(true).await;
    let provider = OpenAi::new(params(), None, &format!("{url}/v1"), "").unwrap();
    let index = Index::default();
    index.configure(Some(Embedder::new(provider, "text-embedding-3-small")));
    index_of_two(&index).await;
    let hits = index
        .search(
            "IMAGE_NOT_FOUND Deployment Pod Failed manifest unknown for shop/cart:2.5.0",
            "new",
            3,
        )
        .await;
    assert_eq!(seen.lock().unwrap().len(), 3, "each embedding was tried");
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(
        (hits[0].investigation_id.as_str(), hits[0].method.as_str()),
        ("img-1", "lexical")
    );
}

fn ai_config(env: &[(&str, &str)]) -> kubilitics::config::Ai {
    ai_config_with_file(env, "")
}

/// The AI configuration from `env` and `ai_config_yaml` (the text of `ai-config.yaml`).
fn ai_config_with_file(env: &[(&str, &str)], ai_config_yaml: &str) -> kubilitics::config::Ai {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("ai-config.yaml"), ai_config_yaml).unwrap();
    let mut vars: HashMap<String, String> = HashMap::new();
    vars.insert("KUBILITICS_HOME".into(), home.path().display().to_string());
    vars.insert("HOME".into(), home.path().display().to_string());
    for (k, v) in env {
        vars.insert(k.to_string(), v.to_string());
    }
    config::load(&Inputs { env: &vars, flags: &[] }).unwrap().config.ai
}

#[test]
fn the_configuration_decides_whether_embeddings_are_used() {
    kubilitics::ai::llm::ensure_crypto_provider();
    assert!(Embedder::from_config(&ai_config(&[])).is_none(), "no provider: lexical");
    assert!(
        Embedder::from_config(&ai_config(&[("AI_LLM_PROVIDER", "anthropic"), ("AI_LLM_API_KEY", "k")])).is_none(),
        "Anthropic has no embeddings API"
    );
    assert!(Embedder::from_config(&ai_config(&[("AI_LLM_PROVIDER", "openai"), ("AI_LLM_API_KEY", "k")])).is_some());
}

/// Azure OpenAI serves embeddings from a deployment of an embeddings model, not from the chat
/// deployment: the request goes to `/openai/deployments/<embeddings model>/embeddings` with the
/// configured `api-version` and the key in `api-key` (never as a bearer token).
#[tokio::test]
async fn azure_embeddings_use_the_embeddings_deployment_api_version_and_api_key() {
    kubilitics::ai::llm::ensure_crypto_provider();
    let (url, seen) = server(false).await;
    let ai = ai_config_with_file(
        &[
            ("AI_LLM_API_KEY", "azure-test-key"),
            ("AI_EMBEDDINGS_MODEL", "embed-small"),
        ],
        &format!(
            "llm:\n  provider: azure\n  endpoint: {url}/\n  deployment_id: gpt-4o-chat\n  api_version: 2024-06-01\n"
        ),
    );
    let embedder = Embedder::from_config(&ai).expect("Azure OpenAI has embeddings");
    let index = Index::default();
    index.configure(Some(embedder));
    index_of_two(&index).await;
    let hits = index.search(QUERY, "new", 3).await;
    assert_eq!(
        (hits.len(), hits.first().map(|h| h.method.as_str())),
        (1, Some("embedding")),
        "{hits:?}"
    );
    assert_eq!(hits[0].investigation_id, "oom-1");

    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3);
    for c in &seen {
        assert_eq!(
            c.uri,
            "/openai/deployments/embed-small/embeddings?api-version=2024-06-01"
        );
        assert_eq!(c.header("api-key"), "azure-test-key");
        assert_eq!(c.header("authorization"), "", "the key goes in api-key only");
    }
}
