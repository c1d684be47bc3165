//! LLM settings chosen in the UI apply at once: the provider, model and endpoint saved through
//! `/api/v1/settings` reason from the next investigation on, the status says when one chosen
//! cannot be used, similar incidents follow with the provider's embeddings, and an API key the
//! desktop app saves is handed to the running backend. The provider is a scripted
//! OpenAI-compatible server on loopback.

mod in_process;
mod llm_harness;

use std::time::Duration;

use in_process::{openai_calls, request, serve};
use llm_harness::{Harness, TOKEN, call, conclude, harness_with, investigate, snapshot};
use serde_json::{Value, json};

/// Saves a setting as the UI does; the sidecar answers with the value stored.
async fn save_setting(h: &Harness, key: &str, value: &str) {
    let saved = call(
        h,
        "PUT",
        &format!("/api/v1/settings/{key}"),
        Some(json!({"value": value})),
    )
    .await;
    assert_eq!(saved["value"], value, "{key}: {saved}");
}

/// Hands an API key to the running backend, as the desktop shell does after saving it in the OS
/// keyring; the answer's status and body.
async fn hand_key(h: &Harness, provider: &str, key: &str) -> (u16, Value) {
    let uri = format!("/api/v1/ai/llm/keys/{provider}");
    let (status, body) = request(&h.state, TOKEN, "PUT", &uri, Some(json!({"key": key}))).await;
    (status.as_u16(), body)
}

/// Tells the backend to forget the key handed for `provider`, as the desktop shell does when the
/// user removes it; the answer's status.
async fn forget_key(h: &Harness, provider: &str) -> u16 {
    let uri = format!("/api/v1/ai/llm/keys/{provider}");
    request(&h.state, TOKEN, "DELETE", &uri, None).await.0.as_u16()
}

/// Points the backend at the scripted OpenAI-compatible server, as Settings does.
async fn use_scripted_server(h: &Harness, url: &str) {
    save_setting(h, "ai.llm.endpoint", &format!("{url}/v1")).await;
    save_setting(h, "ai.llm.model", "scripted-model").await;
    save_setting(h, "ai.llm.provider", "openai_compatible").await;
}

/// A key the desktop app saves reaches the running backend without a restart: the next call to
/// the provider carries it, a key saved for another provider is not sent to this one (and is
/// there when that provider is chosen), a key removed is not sent any more, and the key is
/// neither echoed nor stored as a setting. Keys the API cannot keep are refused with what is
/// wrong.
#[tokio::test(flavor = "multi_thread")]
async fn a_key_handed_to_the_running_backend_is_sent_to_its_provider_from_the_next_call() {
    let (url, script) = serve(vec![
        openai_calls(&[conclude("CRASHLOOP_MISSING_ENV")]),
        openai_calls(&[conclude("CRASHLOOP_MISSING_ENV")]),
        openai_calls(&[conclude("CRASHLOOP_MISSING_ENV")]),
    ])
    .await;
    let h = harness_with(None, snapshot(None), &[]);
    use_scripted_server(&h, &url).await;

    assert_eq!(hand_key(&h, "anthropic", "sk-ant-for-later").await, (204, Value::Null));
    investigate(&h).await;
    assert_eq!(
        hand_key(&h, "openai_compatible", " sk-handed-1\n").await,
        (204, Value::Null)
    );
    let with_key = investigate(&h).await;
    assert_eq!(with_key["conclusion_source"], "llm", "{with_key:#}");
    let sent = script.credentials();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(
        !sent[0].as_deref().unwrap_or_default().contains("sk-ant"),
        "another provider's key was sent: {sent:?}"
    );
    assert_eq!(sent[1].as_deref(), Some("Bearer sk-handed-1"), "{sent:?}");

    // Removed in the app: the next call goes without it; forgetting again is not an error.
    assert_eq!(forget_key(&h, "openai_compatible").await, 204);
    assert_eq!(forget_key(&h, "openai_compatible").await, 204);
    investigate(&h).await;
    let sent = script.credentials();
    assert!(
        sent.len() == 3 && !sent[2].as_deref().unwrap_or_default().contains("sk-handed"),
        "a removed key was sent: {sent:?}"
    );

    // Anthropic needs a key: the one handed for it earlier makes it usable when chosen.
    save_setting(&h, "ai.llm.provider", "anthropic").await;
    let status = call(&h, "GET", "/api/v1/ai/status", None).await;
    assert_eq!(
        (
            status["llm_provider"]["name"].as_str(),
            status["llm_provider"]["connectivity"].as_str()
        ),
        (Some("Anthropic"), Some("healthy")),
        "{status}"
    );

    let settings = call(&h, "GET", "/api/v1/settings", None).await.to_string();
    assert!(
        !settings.contains("sk-handed") && !settings.contains("sk-ant"),
        "{settings}"
    );
    for (provider, key, says) in [
        ("openai", "", "empty"),
        ("openai", &"k".repeat(8193), "8 KiB"),
        ("gpt", "sk-x", "not an LLM provider"),
        ("none", "sk-x", "not an LLM provider"),
    ] {
        let (code, body) = hand_key(&h, provider, key).await;
        assert_eq!(code, 400, "{provider}: {body}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(says) && !message.contains("sk-x"),
            "{provider}: {body}"
        );
    }
    assert_eq!(forget_key(&h, "gpt").await, 400);
}

/// A key the operator configured (AI_LLM_API_KEY) stays the one used: a handed key is refused
/// with where the configured one comes from, and the provider keeps sending the operator's.
#[tokio::test(flavor = "multi_thread")]
async fn a_configured_key_is_not_replaced_by_a_handed_one() {
    let (url, script) = serve(vec![openai_calls(&[conclude("CRASHLOOP_MISSING_ENV")])]).await;
    let h = harness_with(None, snapshot(None), &[("AI_LLM_API_KEY", "sk-operator")]);
    use_scripted_server(&h, &url).await;
    let (code, body) = hand_key(&h, "openai_compatible", "sk-desktop").await;
    assert_eq!(code, 409, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("AI_LLM_API_KEY"),
        "{body}"
    );
    investigate(&h).await;
    assert_eq!(script.credentials(), vec![Some("Bearer sk-operator".to_string())]);
}

/// A provider chosen in Settings is used from the next investigation and chat answer, with no
/// restart: the sidecar starts without one, the UI saves an OpenAI-compatible server's endpoint,
/// model and provider, and the next investigation reasons with it; "none" returns it to the
/// analyzers alone, and the status follows each change.
#[tokio::test(flavor = "multi_thread")]
async fn a_provider_chosen_in_settings_is_used_from_the_next_investigation_without_a_restart() {
    let (url, script) = serve(vec![openai_calls(&[conclude("CRASHLOOP_MISSING_ENV")])]).await;
    let h = harness_with(None, snapshot(None), &[]);
    let status = call(&h, "GET", "/api/v1/ai/status", None).await;
    assert_eq!(status["llm_provider"]["connectivity"], "not_configured", "{status}");
    let before = investigate(&h).await;
    assert_eq!(before["conclusion_source"], "analyzers", "{before:#}");

    for (key, value) in [
        ("ai.llm.endpoint", format!("{url}/v1")),
        ("ai.llm.model", "scripted-model".to_string()),
        ("ai.llm.provider", "openai_compatible".to_string()),
    ] {
        save_setting(&h, key, &value).await;
    }
    let status = call(&h, "GET", "/api/v1/ai/status", None).await;
    assert_eq!(
        (
            status["llm_provider"]["model"].as_str(),
            status["llm_provider"]["connectivity"].as_str()
        ),
        (Some("scripted-model"), Some("healthy")),
        "{status}"
    );
    let with_llm = investigate(&h).await;
    assert_eq!(
        (
            with_llm["conclusion_source"].as_str(),
            with_llm["root_cause"]["code"].as_str()
        ),
        (Some("llm"), Some("CRASHLOOP_MISSING_ENV")),
        "{with_llm:#}"
    );
    let sent = script.requests();
    assert_eq!(sent.len(), 1, "one call to the server chosen in Settings");
    assert_eq!(sent[0]["model"], "scripted-model");

    // A provider that cannot be used as set (a compatible server without its URL): the status
    // names it, says why and what to set, and the analyzers answer meanwhile.
    save_setting(&h, "ai.llm.endpoint", "").await;
    let status = call(&h, "GET", "/api/v1/ai/status", None).await;
    assert_eq!(
        (
            status["status"].as_str(),
            status["llm_provider"]["name"].as_str(),
            status["llm_provider"]["connectivity"].as_str()
        ),
        (Some("degraded"), Some("openai_compatible"), Some("not_configured")),
        "{status}"
    );
    assert!(
        status["llm_provider"]["last_error"]
            .as_str()
            .unwrap_or_default()
            .contains("ai.llm.endpoint"),
        "{status}"
    );
    let health = call(&h, "GET", "/health", None).await;
    assert_eq!(health["dependencies"]["ai_service"], "degraded", "{health}");
    // OpenAI itself without a key: every call would be refused, so it is not in use either.
    save_setting(&h, "ai.llm.provider", "openai").await;
    let status = call(&h, "GET", "/api/v1/ai/status", None).await;
    assert_eq!(status["llm_provider"]["connectivity"], "not_configured", "{status}");
    assert!(
        status["llm_provider"]["last_error"]
            .as_str()
            .unwrap_or_default()
            .starts_with("no API key for openai: set AI_LLM_API_KEY"),
        "{status}"
    );

    save_setting(&h, "ai.llm.provider", "none").await;
    let status = call(&h, "GET", "/api/v1/ai/status", None).await;
    assert_eq!(status["llm_provider"]["connectivity"], "not_configured", "{status}");
    let after = investigate(&h).await;
    assert_eq!(after["conclusion_source"], "analyzers", "{after:#}");
    assert_eq!(script.requests().len(), 1, "no call once the provider is none");
}

/// Similar incidents follow the provider chosen in Settings, like investigations do: once an
/// OpenAI provider is saved, the incident investigated before is embedded again with its
/// embeddings model (in the background) and the next investigation's similar incidents are
/// scored by embeddings; with "none" again they are scored lexically and nothing is embedded.
#[tokio::test(flavor = "multi_thread")]
async fn similar_incidents_use_the_embeddings_of_the_provider_chosen_in_settings() {
    let (url, script) = serve(vec![openai_calls(&[conclude("CRASHLOOP_MISSING_ENV")])]).await;
    let h = harness_with(None, snapshot(None), &[("AI_LLM_API_KEY", "k")]);
    let first = investigate(&h).await;
    assert_eq!(first["conclusion_source"], "analyzers", "{first:#}");
    let first_id = first["investigation_id"].as_str().unwrap().to_string();

    save_setting(&h, "ai.llm.endpoint", &format!("{url}/v1")).await;
    save_setting(&h, "ai.llm.provider", "openai").await;
    // The incident indexed lexically before is embedded again, off the request.
    let mut embedded = Vec::new();
    for _ in 0..200 {
        embedded = script.embedding_requests();
        if !embedded.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(embedded.len(), 1, "the earlier incident, once: {embedded:?}");
    assert_eq!(embedded[0]["model"], "text-embedding-3-small");
    assert!(
        embedded[0]["input"]
            .as_str()
            .unwrap_or_default()
            .contains("CRASHLOOP_MISSING_ENV"),
        "{embedded:?}"
    );

    let second = investigate(&h).await;
    assert_eq!(second["conclusion_source"], "llm", "{second:#}");
    let similar = second["similar_incidents"].as_array().cloned().unwrap_or_default();
    assert_eq!(
        similar
            .iter()
            .map(|s| (
                s["investigation_id"].as_str().unwrap_or(""),
                s["method"].as_str().unwrap_or("")
            ))
            .collect::<Vec<_>>(),
        vec![(first_id.as_str(), "embedding")],
        "{second:#}"
    );

    save_setting(&h, "ai.llm.provider", "none").await;
    let sent = script.embedding_requests().len();
    let third = investigate(&h).await;
    let methods: Vec<&str> = third["similar_incidents"]
        .as_array()
        .map(|a| a.iter().filter_map(|s| s["method"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        !methods.is_empty() && methods.iter().all(|m| *m == "lexical"),
        "{third:#}"
    );
    assert_eq!(
        script.embedding_requests().len(),
        sent,
        "nothing embedded without a provider"
    );
}
