//! Anthropic's Messages API with tool use, over reqwest: system prompt apart, tool calls as
//! `tool_use` content blocks, results as `tool_result` blocks in the next user message.

use async_trait::async_trait;
use serde_json::{Value, json};

use super::{ChatProvider, LlmError, Msg, Params, ToolCall, ToolSpec, Turn, ensure_crypto_provider};

pub struct Anthropic {
    http: reqwest::Client,
    base: String,
    key: String,
    params: Params,
}

impl std::fmt::Debug for Anthropic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Anthropic")
            .field("base", &self.base)
            .field("model", &self.params.model)
            .finish()
    }
}

impl Anthropic {
    /// `endpoint` overrides `https://api.anthropic.com` (proxies, tests).
    pub fn new(params: Params, key: String, endpoint: &str) -> Result<Anthropic, LlmError> {
        ensure_crypto_provider();
        let http = reqwest::Client::builder()
            .timeout(params.timeout)
            .build()
            .map_err(|e| LlmError::Transport(e.to_string()))?;
        let base = if endpoint.trim().is_empty() {
            "https://api.anthropic.com".to_string()
        } else {
            endpoint.trim_end_matches('/').to_string()
        };
        Ok(Anthropic {
            http,
            base,
            key,
            params,
        })
    }

    fn body(&self, messages: &[Msg], tools: &[ToolSpec]) -> Value {
        let system: Vec<&str> = messages
            .iter()
            .filter_map(|m| {
                if let Msg::System { content } = m {
                    Some(content.as_str())
                } else {
                    None
                }
            })
            .collect();
        let mut out: Vec<Value> = Vec::new();
        for m in messages {
            let (role, block) = match m {
                Msg::System { .. } => continue,
                Msg::User { content } => ("user", vec![json!({"type": "text", "text": content})]),
                Msg::Assistant { content, tool_calls } => {
                    let mut blocks: Vec<Value> = content
                        .iter()
                        .filter(|c| !c.is_empty())
                        .map(|c| json!({"type": "text", "text": c}))
                        .collect();
                    blocks.extend(
                        tool_calls
                            .iter()
                            .map(|c| json!({"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments})),
                    );
                    ("assistant", blocks)
                }
                Msg::Tool { call_id, content, .. } => (
                    "user",
                    vec![json!({"type": "tool_result", "tool_use_id": call_id, "content": content})],
                ),
            };
            // Consecutive messages of one role merge: the API wants them alternating.
            match out.last_mut() {
                Some(last) if last["role"] == role => {
                    if let Some(arr) = last["content"].as_array_mut() {
                        arr.extend(block);
                    }
                }
                _ => out.push(json!({"role": role, "content": block})),
            }
        }
        // No `top_p`: Anthropic asks for temperature or top_p, not both, and its recent models
        // refuse a request that sets both; `ai.llm.top_p` applies to OpenAI-shaped providers.
        let mut body = json!({"model": self.params.model, "max_tokens": self.params.max_tokens,
            "temperature": self.params.temperature, "messages": out});
        if !system.is_empty() {
            body["system"] = json!(system.join("\n\n"));
        }
        if !tools.is_empty() {
            body["tools"] = json!(
                tools
                    .iter()
                    .map(|t| json!({"name": t.name, "description": t.description, "input_schema": t.parameters}))
                    .collect::<Vec<_>>()
            );
        }
        body
    }
}

pub fn parse(v: &Value) -> Result<Turn, LlmError> {
    let blocks = v
        .get("content")
        .and_then(Value::as_array)
        .ok_or_else(|| LlmError::Decode("no content blocks".into()))?;
    let mut text = String::new();
    let mut tool_calls = Vec::new();
    for b in blocks {
        match b.get("type").and_then(Value::as_str) {
            Some("text") => text.push_str(b.get("text").and_then(Value::as_str).unwrap_or("")),
            Some("tool_use") => tool_calls.push(ToolCall {
                id: b.get("id").and_then(Value::as_str).unwrap_or("toolu").to_string(),
                name: b.get("name").and_then(Value::as_str).unwrap_or("").to_string(),
                arguments: b.get("input").cloned().unwrap_or(Value::Null),
            }),
            _ => {}
        }
    }
    Ok(Turn {
        text: (!text.is_empty()).then_some(text),
        tool_calls,
        prompt_tokens: v.pointer("/usage/input_tokens").and_then(Value::as_u64).unwrap_or(0),
        completion_tokens: v.pointer("/usage/output_tokens").and_then(Value::as_u64).unwrap_or(0),
    })
}

#[async_trait]
impl ChatProvider for Anthropic {
    fn id(&self) -> &str {
        "anthropic"
    }
    fn display_name(&self) -> String {
        "Anthropic".into()
    }
    fn model(&self) -> &str {
        &self.params.model
    }
    async fn chat(&self, messages: &[Msg], tools: &[ToolSpec]) -> Result<Turn, LlmError> {
        let res = self
            .http
            .post(format!("{}/v1/messages", self.base))
            .header("x-api-key", &self.key)
            .header("anthropic-version", "2023-06-01")
            .json(&self.body(messages, tools))
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    LlmError::Timeout
                } else {
                    LlmError::Transport(e.to_string())
                }
            })?;
        let status = res.status().as_u16();
        let text = res.text().await.map_err(|e| LlmError::Transport(e.to_string()))?;
        if status == 429 {
            return Err(LlmError::RateLimited(text.chars().take(200).collect()));
        }
        if status >= 400 {
            return Err(LlmError::Http {
                status,
                message: text.chars().take(300).collect(),
            });
        }
        let v: Value = serde_json::from_str(&text).map_err(|e| LlmError::Decode(e.to_string()))?;
        parse(&v)
    }
}
