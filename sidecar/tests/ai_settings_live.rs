//! LLM settings chosen in the UI apply at once: the provider, model and endpoint saved through
//! `/api/v1/settings` reason from the next investigation on, the status says when one chosen
//! cannot be used, and similar incidents follow with the provider's embeddings. The provider is
//! a scripted OpenAI-compatible server on loopback.

mod in_process;
mod llm_harness;

use std::time::Duration;

use in_process::{openai_calls, serve};
use llm_harness::{Harness, call, conclude, harness_with, investigate, snapshot};
use serde_json::json;

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
