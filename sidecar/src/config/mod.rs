//! Configuration: what the operator set, typed and validated once at start-up.
//!
//! A leaf module: it knows nothing of HTTP, clusters or storage. [`settings`] is the table of
//! every key; [`load`] layers defaults < files < environment < flags; [`show`] prints the
//! effective values with their sources, secrets masked. `KUBILITICS_HOME` moves the whole
//! `~/.kubilitics` directory, which is created 0700 on first run.

pub mod load;
pub mod settings;
pub mod show;

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Map, Value};

pub use load::{Inputs, Loaded, Resolved, Source, home_dir, load};

/// Why the configuration cannot be used. Each is one line naming the key, where the bad value
/// came from, and what to do; `kubilitics` exits with code 2 on any of them.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid configuration: {key} = \"{value}\" (from {origin}) is not allowed: expected {allowed}")]
    Invalid {
        key: String,
        origin: String,
        value: String,
        allowed: String,
    },
    #[error("invalid configuration: {first} and {second} both set {key} to different values; set only one")]
    Conflict { key: String, first: String, second: String },
    #[error("cannot read configuration file {}: {reason}; fix or remove the file", path.display())]
    Unreadable { path: PathBuf, reason: String },
    #[error("invalid configuration: {0}")]
    Inconsistent(String),
    #[error("cannot create the Kubilitics home {}: {reason}; set KUBILITICS_HOME to a writable directory", path.display())]
    Home { path: PathBuf, reason: String },
}

#[derive(Debug, Clone, Deserialize)]
pub struct Config {
    pub server: Server,
    pub database: Database,
    pub kubernetes: Kubernetes,
    pub cache: Cache,
    pub logging: Logging,
    pub cors: Cors,
    pub ai_service: AiService,
    pub metrics: Metrics,
    pub ai: Ai,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Server {
    pub port: u16,
    pub host: String,
    pub tls: Tls,
    pub request_timeout: u64,
    pub api_token: String,
    pub allowed_hosts: Vec<String>,
    pub max_body_bytes: usize,
    pub ws_ping_interval: u64,
    pub ui_dir: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Tls {
    pub enabled: bool,
    pub cert_path: String,
    pub key_path: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Database {
    #[serde(rename = "type")]
    pub kind: String,
    pub sqlite: Sqlite,
    pub postgresql: Postgresql,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Sqlite {
    pub path: String,
    pub journal_mode: String,
    pub cache_size: i64,
    pub busy_timeout: u64,
    pub synchronous: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Postgresql {
    pub url: String,
    pub host: String,
    pub port: u16,
    pub database: String,
    pub user: String,
    pub password: String,
    pub ssl_mode: String,
    pub ssl_root_cert: String,
    pub pool: Pool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Pool {
    pub size: u32,
    pub timeout: u64,
    pub idle_timeout: u64,
    pub max_lifetime: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Kubernetes {
    pub kubeconfig_path: String,
    pub default_context: String,
    pub request_timeout: u64,
    pub metrics_server_enabled: bool,
    pub topology_cache_depth: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Cache {
    #[serde(rename = "type")]
    pub kind: String,
    pub ttl: u64,
    pub redis: Redis,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Redis {
    pub url: String,
    pub password: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Logging {
    pub level: String,
    pub format: String,
    pub output: String,
    pub max_file_size_mb: u64,
    pub retention_days: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Cors {
    pub enabled: bool,
    pub origins: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AiService {
    pub url: String,
    pub timeout_seconds: u64,
    pub retry_attempts: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Metrics {
    pub enabled: bool,
    pub port: u16,
    pub path: String,
}

/// `ai-config.yaml`.
#[derive(Debug, Clone, Deserialize)]
pub struct Ai {
    /// Names (objects, namespaces, nodes, the context) go to the LLM as placeholders.
    pub anonymize_names: bool,
    pub server: AiServer,
    pub llm: Llm,
    pub vector_store: VectorStore,
    pub safety_policy: SafetyPolicy,
    pub investigations: Investigations,
    pub chat: Chat,
    pub budget: Budget,
    pub metrics: AiMetrics,
    pub backend_service: BackendService,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AiServer {
    pub port: u16,
    pub log_level: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Llm {
    pub provider: String,
    pub api_key: String,
    pub model: String,
    pub organization: String,
    pub endpoint: String,
    pub deployment_id: String,
    pub api_version: String,
    pub parameters: LlmParameters,
    pub timeout: u64,
    pub retry_policy: RetryPolicy,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LlmParameters {
    pub temperature: f64,
    pub max_tokens: u32,
    pub top_p: f64,
    pub presence_penalty: f64,
    pub frequency_penalty: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub backoff_factor: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct VectorStore {
    #[serde(rename = "type")]
    pub kind: String,
    pub pinecone: Pinecone,
    pub embeddings: Embeddings,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Pinecone {
    pub endpoint: String,
    pub api_key: String,
    pub index_name: String,
    pub namespace: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Embeddings {
    pub model: String,
    pub provider: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SafetyPolicy {
    pub autonomy_level: u8,
    pub protected_namespaces: Vec<String>,
    pub forbidden_operations: Vec<String>,
    pub require_approval: RequireApproval,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RequireApproval {
    pub delete_pod: bool,
    pub modify_rbac: bool,
    pub scale_to_zero: bool,
    pub modify_network_policy: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Investigations {
    pub max_concurrent: u32,
    pub timeout_seconds: u64,
    pub auto_remediation_enabled: bool,
    pub save_history: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Chat {
    pub context_window_messages: u32,
    pub enable_code_execution: bool,
    pub enable_kubectl_commands: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Budget {
    pub monthly_limit_usd: f64,
    pub token_limit: u64,
    pub warning_threshold_percent: u8,
    pub hard_limit: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AiMetrics {
    pub enabled: bool,
    pub port: u16,
    pub collection_interval: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BackendService {
    pub url: String,
    pub token: String,
    pub timeout: u64,
}

impl Config {
    /// Builds the typed config from resolved values: each dotted key becomes a path in one JSON
    /// tree, which serde then reads into the structs above.
    pub(crate) fn from_values(values: &[Resolved]) -> Result<Config, ConfigError> {
        let mut root = Map::new();
        for r in values {
            insert(&mut root, r.setting.key, r.value.clone());
        }
        let config: Config = serde_json::from_value(Value::Object(root))
            .map_err(|e| ConfigError::Inconsistent(format!("internal: settings table and Config disagree: {e}")))?;
        config.check()?;
        Ok(config)
    }

    /// Rules that involve more than one key.
    fn check(&self) -> Result<(), ConfigError> {
        if self.metrics.enabled && self.metrics.port == self.server.port && self.server.port != 0 {
            return Err(ConfigError::Inconsistent(format!(
                "metrics.port and server.port are both {}; set KUBILITICS_METRICS_PORT to another port",
                self.server.port
            )));
        }
        if !self.metrics.path.starts_with('/') {
            return Err(ConfigError::Inconsistent(format!(
                "metrics.path = \"{}\" must start with /",
                self.metrics.path
            )));
        }
        Ok(())
    }

    /// Every secret value in the configuration, for log redaction.
    pub fn secrets(&self) -> Vec<String> {
        [
            &self.server.api_token,
            &self.database.postgresql.url,
            &self.database.postgresql.password,
            &self.cache.redis.password,
            &self.ai.llm.api_key,
            &self.ai.vector_store.pinecone.api_key,
            &self.ai.backend_service.token,
        ]
        .into_iter()
        .filter(|s| !s.is_empty())
        .cloned()
        .collect()
    }
}

fn insert(root: &mut Map<String, Value>, key: &str, value: Value) {
    match key.split_once('.') {
        None => {
            root.insert(key.to_string(), value);
        }
        Some((head, rest)) => {
            let child = root
                .entry(head.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(map) = child {
                insert(map, rest, value);
            }
        }
    }
}

/// Creates the Kubilitics home if it is missing, readable by its owner only.
pub fn ensure_home(home: &Path) -> Result<(), ConfigError> {
    let err = |e: std::io::Error| ConfigError::Home {
        path: home.to_path_buf(),
        reason: e.to_string(),
    };
    if !home.exists() {
        std::fs::create_dir_all(home).map_err(err)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(home, std::fs::Permissions::from_mode(0o700)).map_err(err)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
