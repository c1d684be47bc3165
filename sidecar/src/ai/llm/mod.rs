//! LLM providers behind one small interface ([`ChatProvider`]: messages and tools in, text and
//! tool calls out), the API key lookup, retries, and the reasoner that runs the tool-calling loop
//! over the evidence tools.
//!
//! - `openai`: OpenAI, Azure OpenAI and OpenAI-compatible servers (Ollama, vLLM, LM Studio)
//!   through async-openai;
//! - `anthropic`: the Messages API with tool use, over reqwest.
//!
//! API keys come from `AI_LLM_API_KEY` (or the config file's `${VAR}`) or the OS keyring; they are
//! held in memory only, never stored, never logged (the `Debug` of a provider omits them).

pub mod anthropic;
pub mod keys;
pub mod openai;
pub mod reachability;
pub mod reasoner;

use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    #[error("the provider answered {status}: {message}")]
    Http { status: u16, message: String },
    #[error("the provider rate-limits this key: {0}")]
    RateLimited(String),
    #[error("the provider did not answer within the timeout (ai.llm.timeout)")]
    Timeout,
    #[error("the provider cannot be reached: {0}")]
    Transport(String),
    #[error("the provider's answer is not understood: {0}")]
    Decode(String),
    #[error(
        "no API key for {0}: set AI_LLM_API_KEY, save one in the desktop app's Settings, or run `kubilitics llm-key set {0}` with the key on standard input"
    )]
    NoApiKey(String),
    #[error(
        "provider \"{0}\" is not supported: use openai, azure, anthropic, or openai with ai.llm.endpoint for a compatible server"
    )]
    UnknownProvider(String),
    #[error(
        "an OpenAI-compatible provider needs its base URL: set ai.llm.endpoint (for example http://localhost:11434/v1)"
    )]
    NoEndpoint,
}

impl LlmError {
    /// Worth another attempt: rate limits, timeouts, transport failures, 5xx.
    pub fn retryable(&self) -> bool {
        match self {
            LlmError::RateLimited(_) | LlmError::Timeout | LlmError::Transport(_) => true,
            LlmError::Http { status, .. } => *status >= 500,
            _ => false,
        }
    }
}

/// One message of a conversation, provider-neutral.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum Msg {
    System {
        content: String,
    },
    User {
        content: String,
    },
    Assistant {
        content: Option<String>,
        tool_calls: Vec<ToolCall>,
    },
    Tool {
        call_id: String,
        name: String,
        content: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    pub arguments: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ToolSpec {
    pub name: String,
    pub description: String,
    pub parameters: Value,
}

/// One answer: text, tool calls, and what it cost in tokens.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Turn {
    pub text: Option<String>,
    pub tool_calls: Vec<ToolCall>,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

#[async_trait]
pub trait ChatProvider: Send + Sync {
    /// `openai`, `azure`, `anthropic`: the ledger's provider column.
    fn id(&self) -> &str;
    /// For people: "OpenAI", "Anthropic", "Azure OpenAI", "OpenAI-compatible (url)".
    fn display_name(&self) -> String;
    fn model(&self) -> &str;
    /// One completion (no retries: see [`with_retries`]).
    async fn chat(&self, messages: &[Msg], tools: &[ToolSpec]) -> Result<Turn, LlmError>;
    /// Told how each attempt ended, timeouts included (see [`reachability::Observed`]);
    /// wrappers pass it on to the provider they wrap.
    fn observe(&self, _outcome: &Result<Turn, LlmError>) {}
}

/// Sampling and transport settings from `ai.llm`.
#[derive(Debug, Clone)]
pub struct Params {
    pub model: String,
    pub temperature: f64,
    pub max_tokens: u32,
    pub top_p: f64,
    pub timeout: Duration,
    pub attempts: u32,
    pub backoff_factor: f64,
    /// The first retry's delay; later ones multiply by `backoff_factor`.
    pub first_backoff: Duration,
}

impl Params {
    pub fn from_config(llm: &crate::config::Llm) -> Params {
        Params {
            model: llm.model.clone(),
            temperature: llm.parameters.temperature,
            max_tokens: llm.parameters.max_tokens,
            top_p: llm.parameters.top_p,
            timeout: Duration::from_secs(llm.timeout.max(1)),
            attempts: llm.retry_policy.attempts.max(1),
            backoff_factor: llm.retry_policy.backoff_factor.max(1.0),
            first_backoff: Duration::from_millis(500),
        }
    }
}

/// One LLM turn as every caller makes it: refused while the budget is spent, retried per
/// `params`, its tokens written to the usage ledger as `charge` says (the operation and the
/// investigation or conversation), and the assistant's message appended to `messages` for the
/// next turn. The error says why no answer came, for the caller to fall back with.
pub async fn metered_turn(
    provider: &dyn ChatProvider,
    params: &Params,
    budget: &crate::ai::budget::Budget,
    charge: &crate::ai::budget::Charge<'_>,
    messages: &mut Vec<Msg>,
    tools: &[ToolSpec],
) -> Result<Turn, String> {
    budget.check().await?;
    let turn = with_retries(provider, params, messages, tools)
        .await
        .map_err(|e| format!("the LLM provider failed: {e}"))?;
    budget
        .record(
            provider.id(),
            provider.model(),
            charge,
            turn.prompt_tokens,
            turn.completion_tokens,
        )
        .await;
    messages.push(Msg::Assistant {
        content: turn.text.clone(),
        tool_calls: turn.tool_calls.clone(),
    });
    Ok(turn)
}

/// Calls `provider`, retrying retryable failures `attempts` times with exponential backoff.
pub async fn with_retries(
    provider: &dyn ChatProvider,
    params: &Params,
    messages: &[Msg],
    tools: &[ToolSpec],
) -> Result<Turn, LlmError> {
    let mut delay = params.first_backoff;
    let mut attempt = 1;
    loop {
        let started = std::time::Instant::now();
        let result = match tokio::time::timeout(params.timeout, provider.chat(messages, tools)).await {
            Ok(r) => r,
            Err(_) => Err(LlmError::Timeout),
        };
        crate::telemetry::metrics::AI_LLM_LATENCY.observe(started.elapsed().as_secs_f64());
        provider.observe(&result);
        match result {
            Err(e) if e.retryable() && attempt < params.attempts => {
                tracing::warn!(provider = provider.id(), attempt, error = %e, "LLM call failed; retrying");
                tokio::time::sleep(delay).await;
                delay = delay.mul_f64(params.backoff_factor);
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// The provider `ai.llm` names, or None when none is configured (`provider` empty or "none").
pub fn from_config(llm: &crate::config::Llm) -> Result<Option<Box<dyn ChatProvider>>, LlmError> {
    with_key(llm, api_key(llm))
}

/// The API key for the provider `ai.llm` names ([`keys::api_key`]); None without a provider.
/// May block on the OS keyring.
pub fn api_key(llm: &crate::config::Llm) -> Option<String> {
    let name = llm.provider.trim().to_ascii_lowercase();
    if name.is_empty() || name == "none" {
        return None;
    }
    keys::api_key(&name, &llm.api_key)
}

/// [`from_config`] with the key already read (the embeddings client shares it).
pub fn with_key(llm: &crate::config::Llm, key: Option<String>) -> Result<Option<Box<dyn ChatProvider>>, LlmError> {
    let name = llm.provider.trim().to_ascii_lowercase();
    if name.is_empty() || name == "none" {
        return Ok(None);
    }
    let params = Params::from_config(llm);
    let provider: Box<dyn ChatProvider> = match name.as_str() {
        // api.openai.com refuses every call without a key: say so now, not at the first call.
        // At another endpoint (`openai` with ai.llm.endpoint) the server may want none.
        "openai" if key.is_none() && llm.endpoint.trim().is_empty() => return Err(LlmError::NoApiKey(name)),
        "openai" => Box::new(openai::OpenAi::new(params, key, &llm.endpoint, &llm.organization)?),
        // The configuration's name for a server speaking OpenAI's API (Ollama, vLLM, LM Studio):
        // the OpenAI client at that base URL, with a key only if the server wants one.
        "openai_compatible" if llm.endpoint.trim().is_empty() => return Err(LlmError::NoEndpoint),
        "openai_compatible" => Box::new(openai::OpenAi::new(params, key, &llm.endpoint, &llm.organization)?),
        "azure" => Box::new(openai::OpenAi::azure(
            params,
            key.ok_or_else(|| LlmError::NoApiKey(name.clone()))?,
            &llm.endpoint,
            &llm.deployment_id,
            &llm.api_version,
        )?),
        "anthropic" => Box::new(anthropic::Anthropic::new(
            params,
            key.ok_or_else(|| LlmError::NoApiKey(name.clone()))?,
            &llm.endpoint,
        )?),
        other => return Err(LlmError::UnknownProvider(other.into())),
    };
    Ok(Some(provider))
}

/// reqwest is built without a default crypto provider (ring only, see MACHINE-NOTES); make sure
/// one is installed before the first client is built, whoever calls first.
pub fn ensure_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
