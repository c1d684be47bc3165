//! The AI investigator as the API sees it: the engine, the reasoner (LLM) if configured, and the
//! status the runbook documents. Built from the configuration in `AppState::new`; the provider
//! is rebuilt when the UI changes its settings ([`Ai::apply_llm_setting`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

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
use super::similar::Embedder;
use crate::config::Config;
use crate::config::load::check_user_value;
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
    /// What is in use (see [`Ai::provider`]); written only once a provider is built.
    in_use: Arc<RwLock<InUse>>,
    /// The provider settings in force: the configuration's, then as the UI changes them. Held
    /// while a provider is built from them (which may wait on the OS keyring).
    llm: Arc<Mutex<crate::config::Llm>>,
    /// Keys the desktop shell handed over, by provider ([`Ai::hand_key`]); memory only.
    handed_keys: Arc<Mutex<HashMap<String, String>>>,
    pub budget: Budget,
}

/// Why a handed key was refused; the messages say what to do and never hold the key.
#[derive(Debug, thiserror::Error)]
pub enum HandKeyError {
    #[error("{0}")]
    Invalid(String),
    #[error(
        "ai.llm.api_key is set where the backend runs (AI_LLM_API_KEY or the config file), and that key is the one used; remove it there and restart to use keys saved in the app"
    )]
    Configured,
}

/// `provider` as `ai.llm.provider` names it (trimmed, lower case), if it is one of those it
/// accepts other than none: so at most a handful of keys are ever held.
fn known_provider(provider: &str) -> Result<String, HandKeyError> {
    let provider = provider.trim().to_ascii_lowercase();
    if provider != "none" && check_user_value("ai.llm.provider", &provider.clone().into()).is_ok() {
        return Ok(provider);
    }
    let shown: String = provider.chars().take(64).collect();
    Err(HandKeyError::Invalid(format!(
        "'{shown}' is not an LLM provider: use openai, anthropic, azure or openai_compatible"
    )))
}

/// The provider the settings in force name, and the one built from them.
struct InUse {
    /// `ai.llm.provider` as set ("none" when none is), usable or not.
    configured: String,
    /// None without a provider, or when the named one cannot be used.
    provider: Option<ProviderInfo>,
    /// Why the named provider cannot be used (no key, no endpoint), what to do in its words.
    problem: Option<String>,
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
        let ai = Ai::new(config.ai.clone(), store, source, budget, actions, None);
        ai.use_llm(config.ai.llm.clone());
        ai
    }

    /// Investigations that start from now on and chat's next answers use the provider `llm`
    /// names, with its sampling, retries and the shared budget; investigations already
    /// reasoning keep theirs. A provider that cannot be used (no key, no endpoint) is logged and
    /// leaves none, as at start: the analyzers still answer. May block on the OS keyring.
    pub fn use_llm(&self, llm: crate::config::Llm) {
        let mut in_force = self.llm.lock().expect("llm settings lock");
        *in_force = llm;
        self.install(&in_force);
    }

    /// After the UI saved `ai.llm.provider`, `ai.llm.model` or `ai.llm.endpoint` (a string):
    /// the provider rebuilt with it ([`Ai::use_llm`]). False for any other key.
    pub fn apply_llm_setting(&self, key: &str, value: &serde_json::Value) -> bool {
        // Held until the provider is in place, so two saves at once cannot lose one another.
        let mut llm = self.llm.lock().expect("llm settings lock");
        let text = value.as_str().unwrap_or_default().to_string();
        match key {
            "ai.llm.provider" => llm.provider = text,
            "ai.llm.model" => llm.model = text,
            "ai.llm.endpoint" => llm.endpoint = text,
            _ => return false,
        }
        self.install(&llm);
        true
    }

    /// Takes `key` for `provider` from the desktop shell, which saved it in the OS keyring: used
    /// from the next investigation and chat answer while that provider is in force, and again if
    /// it is chosen later, with no restart and no keyring read by this process (on macOS the
    /// Keychain asks before another program reads the app's entry). Held in memory only, never
    /// stored or logged. Refused when the operator configured a key, which stays the one used.
    /// Waits while a saved setting's provider is being rebuilt (which may wait on the keyring).
    pub fn hand_key(&self, provider: &str, key: &str) -> Result<(), HandKeyError> {
        let provider = known_provider(provider)?;
        let key = key.trim();
        if key.is_empty() || key.len() > 8192 {
            return Err(HandKeyError::Invalid("the key is empty or longer than 8 KiB".into()));
        }
        // Held until the provider is rebuilt, as a saved setting holds it.
        let llm = self.llm.lock().expect("llm settings lock");
        if super::llm::keys::configured(&llm.api_key).is_some() {
            return Err(HandKeyError::Configured);
        }
        let in_force = llm.provider.trim().eq_ignore_ascii_case(&provider);
        self.handed_keys
            .lock()
            .expect("handed keys lock")
            .insert(provider, key.to_string());
        if in_force {
            self.install(&llm);
        }
        Ok(())
    }

    /// Forgets the key handed over for `provider`, if any; when that provider is in force it is
    /// rebuilt with the configured key or the OS keyring's, else none. May block on the keyring.
    pub fn forget_key(&self, provider: &str) -> Result<(), HandKeyError> {
        let provider = known_provider(provider)?;
        let llm = self.llm.lock().expect("llm settings lock");
        let held = self.handed_keys.lock().expect("handed keys lock").remove(&provider);
        if held.is_some() && llm.provider.trim().eq_ignore_ascii_case(&provider) {
            self.install(&llm);
        }
        Ok(())
    }

    /// The key for the provider `llm` names: the configured one, else one handed over for that
    /// provider, else the OS keyring's. May block on the OS keyring.
    fn key_for(&self, llm: &crate::config::Llm) -> Option<String> {
        if super::llm::keys::configured(&llm.api_key).is_none() {
            let handed = self.handed_keys.lock().expect("handed keys lock");
            if let Some(key) = handed.get(&llm.provider.trim().to_ascii_lowercase()) {
                return Some(key.clone());
            }
        }
        super::llm::api_key(llm)
    }

    /// Builds the provider `llm` names and hands it to the investigator and chat.
    fn install(&self, llm: &crate::config::Llm) {
        // Read once for the chat provider and the embeddings client (a keyring read may be a
        // D-Bus round trip).
        let key = self.key_for(llm);
        let mut problem = None;
        let provider: Option<Arc<dyn ChatProvider>> = match super::llm::with_key(llm, key.clone()) {
            Ok(p) => p.map(Arc::from),
            Err(e) => {
                // The analyzers still answer; /status says why the provider is not in use.
                tracing::warn!(error = %e, "the configured LLM provider cannot be used; investigating without it");
                problem = Some(e.to_string());
                None
            }
        };
        let parts = provider.map(|provider| {
            let (info, reasoner) = reasoner(provider.clone(), llm, self.budget.clone(), self.store.clone());
            // Chat's calls count towards the same reachability as investigations'.
            let chat = ChatLlm {
                provider: Arc::new(Observed::new(provider, info.reachability.clone())),
                params: Params::from_config(llm),
                budget: self.budget.clone(),
            };
            (info, reasoner, chat)
        });
        let (info, reasoner, chat) = match parts {
            Some((info, reasoner, chat)) => (Some(info), Some(reasoner), Some(chat)),
            None => (None, None, None),
        };
        self.engine.set_reasoner(reasoner);
        self.chat.set_llm(chat);
        self.embed_with(llm, key);
        *self.in_use.write().expect("provider lock") = InUse {
            configured: llm.provider.trim().to_ascii_lowercase(),
            provider: info,
            problem,
        };
    }

    /// Similar incidents use the embeddings `llm`'s provider offers (lexical without), and the
    /// past incidents are embedded again in the background when that is another model than
    /// before. The similar-incident search works meanwhile: it scores those lexically.
    fn embed_with(&self, llm: &crate::config::Llm, key: Option<String>) {
        let embedder = Embedder::for_llm(llm, &self.config.vector_store, key);
        let index = self.engine.clone();
        if !index.similar_index().configure(embedder) {
            return;
        }
        // Callers run on the runtime or its blocking pool; without one there is none to use.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let store = self.store.clone();
        runtime.spawn(async move {
            let n = index.similar_index().reembed(&*store).await;
            tracing::info!(indexed = n, "similar incidents embedded again with the new provider");
        });
    }

    /// The provider in use, if any.
    pub fn provider(&self) -> Option<ProviderInfo> {
        self.in_use.read().expect("provider lock").provider.clone()
    }

    /// The provider named in the settings in force ("none" when none is), usable or not.
    pub fn configured_provider(&self) -> String {
        self.in_use.read().expect("provider lock").configured.clone()
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
            in_use: Arc::new(RwLock::new(InUse {
                configured: config.llm.provider.trim().to_ascii_lowercase(),
                provider,
                problem: None,
            })),
            llm: Arc::new(Mutex::new(config.llm.clone())),
            handed_keys: Arc::default(),
            config: Arc::new(config),
            store,
            budget,
        }
    }

    pub async fn status(&self) -> AiStatus {
        let token_usage = self.budget.usage_by_day().await;
        let mut last_error = None;
        let (provider, unusable) = {
            let in_use = self.in_use.read().expect("provider lock");
            let unusable = in_use.problem.clone().map(|why| (in_use.configured.clone(), why));
            (in_use.provider.clone(), unusable)
        };
        let (name, model, connectivity) = match (&provider, &unusable) {
            // Named but not usable: which, and why (the analyzers answer meanwhile).
            (None, Some((named, why))) => {
                last_error = Some(why.clone());
                (named.clone(), None, "not_configured".to_string())
            }
            (None, None) => ("none".to_string(), None, "not_configured".to_string()),
            (Some(p), _) => {
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
        let degraded = unusable.is_some() || (provider.is_some() && connectivity != "healthy");
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
    /// Why the last call failed, while `connectivity` is "unreachable"; why the provider named
    /// cannot be used (no API key, no endpoint), while it is "not_configured".
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
