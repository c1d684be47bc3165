//! OpenAI, Azure OpenAI and OpenAI-compatible servers through async-openai's chat completions,
//! with our own JSON bodies ("bring your own types") so every compatible server's dialect of
//! tool calls reads the same.

use async_openai::Client;
use async_openai::config::{AzureConfig, Config, OpenAIConfig};
use async_openai::error::OpenAIError;
use async_openai::middleware::ReqwestService;
use async_trait::async_trait;
use serde_json::{Value, json};

use super::{ChatProvider, LlmError, Msg, Params, ToolCall, ToolSpec, Turn, ensure_crypto_provider};

enum Inner {
    OpenAi(Client<OpenAIConfig>),
    Azure(Client<AzureConfig>),
}

pub struct OpenAi {
    inner: Inner,
    params: Params,
    id: &'static str,
    display: String,
}

impl std::fmt::Debug for OpenAi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key stays out of every log line.
        f.debug_struct("OpenAi")
            .field("provider", &self.display)
            .field("model", &self.params.model)
            .finish()
    }
}

/// A plain reqwest transport: no retry layer, because retries follow `ai.llm.retry_policy` in
/// `llm::with_retries` for every provider alike (async-openai's default stack retries 3 times
/// on its own, which would multiply the configured attempts).
fn http(params: &Params) -> Result<reqwest::Client, LlmError> {
    ensure_crypto_provider();
    reqwest::Client::builder()
        .timeout(params.timeout)
        .build()
        .map_err(|e| LlmError::Transport(e.to_string()))
}

impl OpenAi {
    /// OpenAI itself, or a compatible server when `endpoint` is set (its base URL, ending in
    /// `/v1`). Local servers may need no key.
    pub fn new(params: Params, key: Option<String>, endpoint: &str, organization: &str) -> Result<OpenAi, LlmError> {
        let mut cfg = OpenAIConfig::new().with_api_key(key.unwrap_or_default());
        let display = if endpoint.trim().is_empty() {
            "OpenAI".to_string()
        } else {
            cfg = cfg.with_api_base(endpoint.trim_end_matches('/'));
            format!("OpenAI-compatible ({})", endpoint.trim_end_matches('/'))
        };
        if !organization.is_empty() {
            cfg = cfg.with_org_id(organization);
        }
        let transport = ReqwestService::new(http(&params)?);
        let client = Client::with_config(cfg).with_http_service(transport);
        Ok(OpenAi {
            inner: Inner::OpenAi(client),
            params,
            id: "openai",
            display,
        })
    }

    pub fn azure(
        params: Params,
        key: String,
        endpoint: &str,
        deployment: &str,
        api_version: &str,
    ) -> Result<OpenAi, LlmError> {
        let cfg = AzureConfig::new()
            .with_api_base(endpoint.trim_end_matches('/'))
            .with_deployment_id(deployment)
            .with_api_version(api_version)
            .with_api_key(key);
        let transport = ReqwestService::new(http(&params)?);
        let client = Client::with_config(cfg).with_http_service(transport);
        Ok(OpenAi {
            inner: Inner::Azure(client),
            params,
            id: "azure",
            display: "Azure OpenAI".into(),
        })
    }

    fn body(&self, messages: &[Msg], tools: &[ToolSpec]) -> Value {
        let msgs: Vec<Value> = messages
            .iter()
            .map(|m| match m {
                Msg::System { content } => json!({"role": "system", "content": content}),
                Msg::User { content } => json!({"role": "user", "content": content}),
                Msg::Assistant { content, tool_calls } => {
                    let mut v = json!({"role": "assistant", "content": content});
                    if !tool_calls.is_empty() {
                        v["tool_calls"] = json!(
                            tool_calls
                                .iter()
                                .map(|c| json!({"id": c.id, "type": "function",
                            "function": {"name": c.name, "arguments": c.arguments.to_string()}}))
                                .collect::<Vec<_>>()
                        );
                    }
                    v
                }
                Msg::Tool { call_id, content, .. } => {
                    json!({"role": "tool", "tool_call_id": call_id, "content": content})
                }
            })
            .collect();
        let mut body = json!({
            "model": self.params.model, "messages": msgs, "stream": false,
            "temperature": self.params.temperature, "top_p": self.params.top_p, "max_tokens": self.params.max_tokens,
        });
        if !tools.is_empty() {
            body["tools"] = json!(
                tools
                    .iter()
                    .map(|t| json!({"type": "function",
                "function": {"name": t.name, "description": t.description, "parameters": t.parameters}}))
                    .collect::<Vec<_>>()
            );
        }
        body
    }
}

fn map_err(e: OpenAIError) -> LlmError {
    match e {
        OpenAIError::ApiError(api) => {
            let text = api.api_error.to_string();
            let status = api.status_code.as_u16();
            if status == 429 || api.api_error.r#type.as_deref() == Some("rate_limit_error") {
                LlmError::RateLimited(text)
            } else {
                LlmError::Http { status, message: text }
            }
        }
        OpenAIError::Reqwest(e) if e.is_timeout() => LlmError::Timeout,
        OpenAIError::Reqwest(e) => match e.status() {
            Some(s) if s.as_u16() == 429 => LlmError::RateLimited(e.to_string()),
            Some(s) => LlmError::Http {
                status: s.as_u16(),
                message: e.to_string(),
            },
            None => LlmError::Transport(e.to_string()),
        },
        OpenAIError::JSONDeserialize(e, body) => {
            // async-openai reads error bodies it does not recognise as JSON errors: keep the status text.
            if body.contains("429") || body.to_ascii_lowercase().contains("rate limit") {
                LlmError::RateLimited(body.chars().take(200).collect())
            } else if body.contains("\"error\"") || body.trim().is_empty() || body.starts_with('<') {
                LlmError::Http {
                    status: 502,
                    message: body.chars().take(200).collect(),
                }
            } else {
                LlmError::Decode(e.to_string())
            }
        }
        other => LlmError::Transport(other.to_string()),
    }
}

/// Reads a chat completion response.
pub fn parse(v: &Value) -> Result<Turn, LlmError> {
    let msg = v
        .pointer("/choices/0/message")
        .ok_or_else(|| LlmError::Decode("no choices[0].message".into()))?;
    let tool_calls = msg
        .get("tool_calls")
        .and_then(Value::as_array)
        .map(|calls| {
            calls
                .iter()
                .map(|c| {
                    let args = c.pointer("/function/arguments").cloned().unwrap_or(Value::Null);
                    // Arguments arrive as a JSON string; some compatible servers send an object.
                    let arguments = match args {
                        Value::String(s) => serde_json::from_str(&s).unwrap_or(Value::String(s)),
                        other => other,
                    };
                    ToolCall {
                        id: c.get("id").and_then(Value::as_str).unwrap_or("call").to_string(),
                        name: c
                            .pointer("/function/name")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string(),
                        arguments,
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Turn {
        text: msg.get("content").and_then(Value::as_str).map(str::to_string),
        tool_calls,
        prompt_tokens: v.pointer("/usage/prompt_tokens").and_then(Value::as_u64).unwrap_or(0),
        completion_tokens: v
            .pointer("/usage/completion_tokens")
            .and_then(Value::as_u64)
            .unwrap_or(0),
    })
}

async fn create<C: Config>(client: &Client<C>, body: Value) -> Result<Value, LlmError> {
    client.chat().create_byot(body).await.map_err(map_err)
}

async fn embeddings<C: Config>(client: &Client<C>, body: Value) -> Result<Value, LlmError> {
    client.embeddings().create_byot(body).await.map_err(map_err)
}

impl OpenAi {
    /// The embedding of `text` by `model`, from the provider's `/embeddings` (similar incidents).
    pub async fn embed(&self, model: &str, text: &str) -> Result<Vec<f32>, LlmError> {
        let body = json!({"model": model, "input": text, "encoding_format": "float"});
        let call = async {
            match &self.inner {
                Inner::OpenAi(c) => embeddings(c, body).await,
                Inner::Azure(c) => embeddings(c, body).await,
            }
        };
        let v = tokio::time::timeout(self.params.timeout, call)
            .await
            .map_err(|_| LlmError::Timeout)??;
        let vector: Vec<f32> = v
            .pointer("/data/0/embedding")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_f64).map(|x| x as f32).collect())
            .unwrap_or_default();
        if vector.is_empty() {
            return Err(LlmError::Decode("no data[0].embedding in the answer".into()));
        }
        Ok(vector)
    }
}

#[async_trait]
impl ChatProvider for OpenAi {
    fn id(&self) -> &str {
        self.id
    }
    fn display_name(&self) -> String {
        self.display.clone()
    }
    fn model(&self) -> &str {
        &self.params.model
    }
    async fn chat(&self, messages: &[Msg], tools: &[ToolSpec]) -> Result<Turn, LlmError> {
        let body = self.body(messages, tools);
        let v = match &self.inner {
            Inner::OpenAi(c) => create(c, body).await?,
            Inner::Azure(c) => create(c, body).await?,
        };
        parse(&v)
    }
}
