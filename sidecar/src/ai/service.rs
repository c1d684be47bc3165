//! The AI investigator as the API sees it: the engine, the reasoner (LLM) if configured, and the
//! status the runbook documents. Built once from the configuration in `AppState::new`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::budget::{Budget, PriceTable};
use super::chat::{Chat, ChatLlm};

use super::engine::{Engine, Reasoner};
use super::evidence::EvidenceSource;
use super::kube_source::KubeSource;
use super::llm::reachability::{Observed, Reachability};
use super::llm::reasoner::{LlmReasoner, MAX_STEPS};
use super::llm::{ChatProvider, Params};
use crate::config::Config;
use crate::safety::actions::Actions;
use crate::store::Store;

/// The reasoner for a provider, with the configured sampling, retries and the budget. The
/// provider is watched: how its calls end shows in `/status` ([`ProviderInfo::reachability`]).
pub fn reasoner(
    provider: Arc<dyn ChatProvider>,
    llm: &crate::config::Llm,
    budget: Budget,
    store: Arc<dyn Store>,
) -> (ProviderInfo, Arc<dyn Reasoner>) {
    let reachability = Arc::new(Reachability::default());
    let info = ProviderInfo {
        name: provider.display_name(),
        model: provider.model().to_string(),
        reachability: reachability.clone(),
    };
    let r = LlmReasoner {
        provider: Arc::new(Observed::new(provider, reachability)),
        params: Params::from_config(llm),
        budget,
        store,
        max_steps: MAX_STEPS,
    };
    (info, Arc::new(r))
}

#[derive(Clone)]
pub struct Ai {
    pub engine: Engine,
    /// `/api/v1/ai/chat`: questions and kubectl-like commands about one context.
    pub chat: Chat,
    pub config: Arc<crate::config::Ai>,
    pub store: Arc<dyn Store>,
    /// The provider in use, when one is configured.
    pub provider: Option<ProviderInfo>,
    pub budget: Budget,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProviderInfo {
    pub name: String,
    pub model: String,
    /// How its last call went: investigations' and chat's calls alike.
    #[serde(skip)]
    #[schema(ignore)]
    pub reachability: Arc<Reachability>,
}

impl Ai {
    /// From the configuration: evidence read through the workbench's contexts and actions
    /// decided by its safety gate (both in `actions`), no LLM unless `ai.llm.provider` names one.
    pub fn from_config(config: &Config, store: Arc<dyn Store>, actions: Actions) -> Ai {
        let source: Arc<dyn EvidenceSource> = Arc::new(KubeSource::from_clusters(actions.clusters.clone()));
        let prices = PriceTable::load(&crate::config::home_dir(&std::env::vars().collect()));
        let budget = Budget::new(config.ai.budget.clone(), store.clone(), prices);
        let provider: Option<Arc<dyn ChatProvider>> = match super::llm::from_config(&config.ai.llm) {
            Ok(p) => p.map(Arc::from),
            Err(e) => {
                // The analyzers still answer; /status shows the provider is unusable.
                tracing::warn!(error = %e, "the configured LLM provider cannot be used; investigating without it");
                None
            }
        };
        let reasoner = provider
            .clone()
            .map(|p| reasoner(p, &config.ai.llm, budget.clone(), store.clone()));
        let ai = Ai::new(config.ai.clone(), store, source, budget.clone(), actions, reasoner);
        // Chat's calls count towards the same reachability as investigations'.
        let seen = ai.provider.as_ref().map(|info| info.reachability.clone());
        match provider {
            Some(provider) => ai.with_chat_llm(ChatLlm {
                provider: match seen {
                    Some(seen) => Arc::new(Observed::new(provider, seen)),
                    None => provider,
                },
                params: Params::from_config(&config.ai.llm),
                budget,
            }),
            None => ai,
        }
    }

    /// The same investigator with `llm` answering in chat (the same provider and budget as
    /// investigations, as `from_config` builds it).
    pub fn with_chat_llm(mut self, llm: ChatLlm) -> Ai {
        self.chat = self.chat.with_llm(llm);
        self
    }

    /// With explicit parts (tests swap the source and the reasoner).
    pub fn new(
        config: crate::config::Ai,
        store: Arc<dyn Store>,
        source: Arc<dyn EvidenceSource>,
        budget: Budget,
        actions: Actions,
        reasoner: Option<(ProviderInfo, Arc<dyn Reasoner>)>,
    ) -> Ai {
        let (provider, reasoner) = match reasoner {
            Some((info, r)) => (Some(info), Some(r)),
            None => (None, None),
        };
        let chat = Chat::new(config.clone(), store.clone(), source.clone(), actions.clone(), None);
        let engine = Engine::new(config.clone(), store.clone(), source, actions, reasoner);
        Ai {
            engine,
            chat,
            config: Arc::new(config),
            store,
            provider,
            budget,
        }
    }

    pub async fn status(&self) -> AiStatus {
        let token_usage = self.budget.usage_by_day().await;
        let mut last_error = None;
        let (name, model, connectivity) = match &self.provider {
            None => ("none".to_string(), None, "not_configured".to_string()),
            Some(p) => {
                let c = if token_usage.exhausted && self.config.budget.hard_limit {
                    "over_budget"
                } else if let Some(problem) = p.reachability.problem() {
                    last_error = Some(problem);
                    "unreachable"
                } else {
                    "healthy"
                };
                (p.name.clone(), Some(p.model.clone()), c.to_string())
            }
        };
        let degraded = self.provider.is_some() && connectivity != "healthy";
        AiStatus {
            status: if degraded { "degraded" } else { "operational" }.into(),
            llm_provider: LlmProviderStatus {
                name,
                model,
                connectivity,
                last_error,
            },
            token_usage,
            investigations: InvestigationCounts {
                queued: self.engine.queue_length(),
                max_concurrent: self.config.investigations.max_concurrent,
                timeout_seconds: self.config.investigations.timeout_seconds,
            },
            safety: SafetyStatus::default(),
        }
    }
}
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LlmProviderStatus {
    /// OpenAI, Anthropic, Azure OpenAI, an OpenAI-compatible base URL, or "none".
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// healthy, unreachable, not_configured, over_budget. Follows the last call: a provider
    /// is "unreachable" from a call that could not reach it (or whose key it refused) until one
    /// that does; "healthy" before any call.
    pub connectivity: String,
    /// Why the last call failed, while `connectivity` is "unreachable".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InvestigationCounts {
    pub queued: i64,
    pub max_concurrent: u32,
    pub timeout_seconds: u64,
}

/// `/api/v1/ai/status` as the runbook shows it, plus the monthly budget and the queue.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AiStatus {
    /// operational (analyzers always work), degraded (the LLM is configured but unusable).
    pub status: String,
    pub llm_provider: LlmProviderStatus,
    pub token_usage: crate::ai::budget::TokenUsage,
    pub investigations: InvestigationCounts,
    /// The safety gate's autonomy level in force (filled in by the API, which holds the gate).
    #[serde(default)]
    pub safety: SafetyStatus,
}

#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct SafetyStatus {
    /// 1 review, 2 safe-auto, 3 full-auto: what decisions use now.
    pub autonomy_level: u8,
    /// The environment variable or flag that sets it, when an operator pinned it (the UI cannot change it then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned_by: Option<String>,
}
