//! How the configured provider is called: each provider kind (OpenAI-compatible, Azure OpenAI,
//! Anthropic) sends the model and sampling settings from the configuration to the right path with the right
//! credentials header, and retries wait longer each time by `backoff_factor`. Against loopback
//! servers that record what they were sent.

mod common;
mod in_process;
#[path = "workbench/mod.rs"]
mod workbench;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use in_process::params;
use kubilitics::ai::llm::{ChatProvider, Params};
use kubilitics::config::{self, Inputs};
use serde_json::{Value, json};

/// One request a loopback provider saw: path and query, headers, body.
#[derive(Clone)]
struct Seen {
    uri: String,
    headers: axum::http::HeaderMap,
    body: Value,
}

/// A loopback chat-completions endpoint at OpenAI's path and at Azure OpenAI's deployment path,
/// and Anthropic's Messages API, that records each request and answers with a short reply in the
/// shape of the API called.
async fn recording_server() -> (String, Arc<std::sync::Mutex<Vec<Seen>>>) {
    use axum::extract::State;
    use axum::http::{HeaderMap, Uri};
    type Log = Arc<std::sync::Mutex<Vec<Seen>>>;
    async fn complete(
        State(log): State<Log>,
        uri: Uri,
        headers: HeaderMap,
        body: axum::Json<Value>,
    ) -> axum::Json<Value> {
        let anthropic = uri.path() == "/v1/messages";
        log.lock().unwrap().push(Seen {
            uri: uri.to_string(),
            headers,
            body: body.0,
        });
        axum::Json(if anthropic {
            json!({"id": "msg_1", "type": "message", "role": "assistant", "model": "m",
            "content": [{"type": "text", "text": "ok"}], "stop_reason": "end_turn",
            "usage": {"input_tokens": 3, "output_tokens": 1}})
        } else {
            json!({"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "m",
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "ok"}}],
            "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}})
        })
    }
    let log: Log = Arc::default();
    let router = axum::Router::new()
        .route("/v1/chat/completions", axum::routing::post(complete))
        .route(
            "/openai/deployments/{deployment}/chat/completions",
            axum::routing::post(complete),
        )
        .route("/v1/messages", axum::routing::post(complete))
        .with_state(log.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (format!("http://{addr}"), log)
}

/// `ai.llm` as the configuration loads it from `ai-config.yaml` (the runbook's shape) and `env`.
fn llm_config(ai_config_yaml: &str, env: &[(&str, &str)]) -> kubilitics::config::Llm {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("ai-config.yaml"), ai_config_yaml).unwrap();
    let mut vars: HashMap<String, String> = [
        ("KUBILITICS_HOME".to_string(), home.path().display().to_string()),
        ("HOME".to_string(), home.path().display().to_string()),
    ]
    .into();
    for (k, v) in env {
        vars.insert(k.to_string(), v.to_string());
    }
    config::load(&Inputs { env: &vars, flags: &[] }).unwrap().config.ai.llm
}

/// The provider the configuration names sends the configured model, temperature, max_tokens and
/// top_p; timeout and retries come from it too. Azure OpenAI goes to the deployment's path with
/// the configured api-version and the key in `api-key`; OpenAI-compatible servers to their base
/// URL with the key as a bearer token.
#[tokio::test]
async fn configured_providers_send_the_configured_model_and_sampling_parameters() {
    kubilitics::ai::llm::ensure_crypto_provider();
    let (url, log) = recording_server().await;
    let sampling = SAMPLING;
    let hello = hello();

    let compatible = llm_config(
        &format!("llm:\n  provider: openai\n  endpoint: {url}/v1\n{sampling}"),
        &[("AI_LLM_API_KEY", "sk-compatible-test-key")],
    );
    let p = Params::from_config(&compatible);
    assert_eq!(
        (p.timeout, p.attempts, p.backoff_factor),
        (Duration::from_secs(7), 4, 3.0)
    );
    let provider = kubilitics::ai::llm::from_config(&compatible)
        .unwrap()
        .expect("configured");
    assert_eq!(provider.display_name(), format!("OpenAI-compatible ({url}/v1)"));
    provider.chat(&hello, &[]).await.unwrap();

    let azure = llm_config(
        &format!(
            "llm:\n  provider: azure\n  endpoint: {url}/\n  deployment_id: gpt-4o-chat\n  api_version: 2024-06-01\n{sampling}"
        ),
        &[("AI_LLM_API_KEY", "azure-test-key")],
    );
    let provider = kubilitics::ai::llm::from_config(&azure).unwrap().expect("configured");
    assert_eq!(provider.display_name(), "Azure OpenAI");
    let turn = provider.chat(&hello, &[]).await.unwrap();
    assert_eq!(turn.text.as_deref(), Some("ok"));

    let seen = log.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    for s in &seen {
        assert_sampling(&s.body);
        assert!((s.body["top_p"].as_f64().unwrap() - 0.85).abs() < 1e-6, "{}", s.body);
    }
    assert_eq!(seen[0].uri, "/v1/chat/completions");
    assert_eq!(header(&seen[0], "authorization"), "Bearer sk-compatible-test-key");
    assert_eq!(
        seen[1].uri,
        "/openai/deployments/gpt-4o-chat/chat/completions?api-version=2024-06-01"
    );
    assert_eq!(header(&seen[1], "api-key"), "azure-test-key");
    assert_eq!(header(&seen[1], "authorization"), "", "the key goes in api-key only");
}

/// Model and sampling settings as `ai-config.yaml` gives them.
const SAMPLING: &str = "  model: gpt-4o-mini\n  parameters:\n    temperature: 0.15\n    max_tokens: 777\n    top_p: 0.85\n  timeout: 7\n  retry_policy:\n    attempts: 4\n    backoff_factor: 3\n";

fn hello() -> Vec<kubilitics::ai::llm::Msg> {
    vec![
        kubilitics::ai::llm::Msg::System {
            content: "You investigate Kubernetes faults.".into(),
        },
        kubilitics::ai::llm::Msg::User {
            content: "hello".into(),
        },
    ]
}

/// The body carries SAMPLING's model, max_tokens and temperature.
#[track_caller]
fn assert_sampling(body: &Value) {
    assert_eq!(body["model"], "gpt-4o-mini", "{body}");
    assert_eq!(body["max_tokens"], 777, "{body}");
    assert!((body["temperature"].as_f64().unwrap() - 0.15).abs() < 1e-6, "{body}");
}

fn header(s: &Seen, name: &str) -> String {
    s.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// `provider: anthropic` in the configuration calls the Messages API at the configured endpoint:
/// the key in `x-api-key` (never as a bearer token), the API version header, the configured model,
/// temperature and max_tokens, the system prompt apart; not top_p, which Anthropic's recent models
/// refuse beside a temperature.
#[tokio::test]
async fn anthropic_from_config_calls_the_messages_api_with_its_key_version_and_settings() {
    let (url, log) = recording_server().await;
    let anthropic = llm_config(
        &format!("llm:\n  provider: anthropic\n  endpoint: {url}\n{SAMPLING}"),
        &[("AI_LLM_API_KEY", "sk-ant-test-key")],
    );
    let provider = kubilitics::ai::llm::from_config(&anthropic)
        .unwrap()
        .expect("configured");
    assert_eq!(
        (provider.id(), provider.display_name(), provider.model()),
        ("anthropic", "Anthropic".to_string(), "gpt-4o-mini")
    );
    let turn = provider.chat(&hello(), &[]).await.unwrap();
    assert_eq!(turn.text.as_deref(), Some("ok"));
    assert_eq!((turn.prompt_tokens, turn.completion_tokens), (3, 1));

    let seen = log.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    let s = &seen[0];
    assert_eq!(s.uri, "/v1/messages");
    assert_eq!(header(s, "x-api-key"), "sk-ant-test-key");
    assert_eq!(header(s, "anthropic-version"), "2023-06-01");
    assert_eq!(header(s, "authorization"), "", "the key goes in x-api-key only");
    assert_sampling(&s.body);
    assert!(s.body.get("top_p").is_none(), "{}", s.body);
    assert_eq!(s.body["system"], "You investigate Kubernetes faults.");
    assert_eq!(
        s.body["messages"],
        json!([{"role": "user", "content": [{"type": "text", "text": "hello"}]}])
    );
}

/// Retries wait longer each time by `backoff_factor`: with a first delay of 60 ms and a factor
/// of 3, the gaps between the attempts are about 60 ms and then 180 ms.
#[tokio::test]
async fn retries_wait_longer_each_time_by_the_backoff_factor() {
    use kubilitics::ai::llm::{LlmError, Msg, ToolSpec, Turn, with_retries};
    struct Limited(std::sync::Mutex<Vec<std::time::Instant>>);
    #[async_trait::async_trait]
    impl ChatProvider for Limited {
        fn id(&self) -> &str {
            "openai"
        }
        fn display_name(&self) -> String {
            "scripted".into()
        }
        fn model(&self) -> &str {
            "m"
        }
        async fn chat(&self, _: &[Msg], _: &[ToolSpec]) -> Result<Turn, LlmError> {
            self.0.lock().unwrap().push(std::time::Instant::now());
            Err(LlmError::RateLimited("slow down".into()))
        }
    }
    let provider = Limited(Default::default());
    let mut p = params();
    p.attempts = 3;
    p.backoff_factor = 3.0;
    p.first_backoff = Duration::from_millis(60);
    let err = with_retries(&provider, &p, &[], &[]).await.unwrap_err();
    assert!(matches!(err, LlmError::RateLimited(_)), "{err}");
    let at = provider.0.lock().unwrap().clone();
    assert_eq!(at.len(), 3, "attempts from retry_policy.attempts");
    let (first, second) = (at[1] - at[0], at[2] - at[1]);
    assert!(first >= Duration::from_millis(60), "{first:?}");
    assert!(
        second >= Duration::from_millis(180),
        "the second wait is 3x the first: {second:?}"
    );
}

/// A key stored with `kubilitics llm-key set` (read from standard input) is the key the sidecar
/// sends when no AI_LLM_API_KEY is set, and it is written nowhere in the sidecar's home. Both
/// commands run in one fresh kernel keyutils session (`keyctl session -`), so the test touches no
/// keyring of the machine's user.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_stored_in_the_os_keyring_is_the_key_the_sidecar_sends() {
    let (url, log) = recording_server().await;
    let key = format!("sk-keyring-{}", uuid::Uuid::new_v4().simple());
    let home = common::home();
    std::fs::write(
        home.path().join("ai-config.yaml"),
        format!("llm:\n  provider: openai\n  endpoint: {url}/v1\n  model: gpt-4o-mini\n"),
    )
    .unwrap();
    let home_path = home.path().to_path_buf();
    let sent = key.clone();
    let answer = tokio::task::spawn_blocking(move || {
        let mut cmd = std::process::Command::new("keyctl");
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", &home_path)
            .env("KUBILITICS_HOME", &home_path)
            .env("KUBILITICS_LOG_FORMAT", "json")
            .env("KUBILITICS_PORT", "0")
            .env("KUBILITICS_METRICS_PORT", "0")
            .env("KUBILITICS_KEYRING", "keyutils")
            .env("TEST_KEY", &sent)
            // Store the key (with the trailing newline echo adds), then become `kubilitics serve`.
            .args(["session", "-", "sh", "-c"])
            .arg(
                "echo \"$TEST_KEY\" | \"$0\" llm-key set openai >&2 && \"$0\" llm-key status >&2 \
                 && unset TEST_KEY && exec \"$0\" \"$@\"",
            )
            .arg(common::binary());
        let sidecar = common::Sidecar::start_serve(cmd, &["--sandbox"]);
        // stderr is read by a thread of its own: give it a moment to catch up.
        let mut said = String::new();
        for _ in 0..50 {
            said = sidecar.stderr().join("\n");
            if said.contains("an API key for openai") {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(
            said.contains("stored the API key for openai in the OS keyring (keyutils)")
                && said.contains("an API key for openai is stored"),
            "{said}"
        );
        assert!(!said.contains(&sent), "the key is never printed: {said}");
        let (status, answer) = workbench::raw_request(
            &sidecar.url,
            &sidecar.token(),
            &sidecar.home,
            "POST",
            "/api/v1/ai/chat",
            Some(json!({"context": "kubilitics-sandbox", "message": "what is running here?"})),
        );
        drop(sidecar);
        (status, answer)
    })
    .await
    .unwrap();
    let (status, answer) = answer;
    assert_eq!(status, 200, "{answer}");
    let seen = log.lock().unwrap().clone();
    assert!(!seen.is_empty(), "the sidecar called the provider: {answer}");
    for s in &seen {
        assert_eq!(
            s.headers.get("authorization").and_then(|v| v.to_str().ok()),
            Some(format!("Bearer {key}").as_str()),
            "the keyring's key, without the newline echo added"
        );
    }
    for file in walk(home.path()) {
        let bytes = std::fs::read(&file).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(&key),
            "the key was written to {}",
            file.display()
        );
    }
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// `provider: openai_compatible` (the configuration's name, and what the UI stores) is the OpenAI
/// client at `ai.llm.endpoint`, with no key needed; without an endpoint it says to set one.
#[tokio::test]
async fn an_openai_compatible_provider_is_the_openai_client_at_its_base_url() {
    kubilitics::ai::llm::ensure_crypto_provider();
    let (url, _log) = recording_server().await;
    let local = llm_config(
        &format!("llm:\n  provider: openai_compatible\n  endpoint: {url}/v1\n  model: local-model\n"),
        &[],
    );
    let provider = kubilitics::ai::llm::from_config(&local).unwrap().expect("configured");
    assert_eq!(provider.display_name(), format!("OpenAI-compatible ({url}/v1)"));
    provider.chat(&hello(), &[]).await.unwrap();

    let nowhere = llm_config("llm:\n  provider: openai_compatible\n", &[]);
    let err = kubilitics::ai::llm::from_config(&nowhere).err().expect("refused");
    assert!(err.to_string().contains("ai.llm.endpoint"), "{err}");
}
