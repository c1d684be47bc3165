//! The table of every configuration setting: its key, the environment variables and flag that
//! set it, its type and allowed values, its default, and whether it is a secret.
//!
//! Keys are dotted paths into the two files of `~/.kubilitics`: `config.yaml` keys as they are
//! (`server.port`), `ai-config.yaml` keys under `ai.` (`ai.llm.model`), because the two files
//! share top-level names (`server`, `metrics`) with different meanings. The environment names
//! are the runbook's; they do not follow the key paths mechanically (`KUBILITICS_DATABASE_PATH`
//! is `database.sqlite.path`), which is why this table spells each one out.
//!
//! Defaults that differ from the runbook are security or correctness decisions, each explained
//! next to the entry (and in the README).

/// What values a setting accepts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    Int {
        min: i64,
        max: i64,
    },
    Float {
        min: f64,
        max: f64,
    },
    Bool,
    Str,
    /// A file system path; `~/.kubilitics` means the Kubilitics home, `~` the user's home.
    Path,
    /// One of a fixed set of words (matched without regard to case).
    Enum(&'static [&'static str]),
    /// A list of words: a YAML sequence, or comma-separated in the environment.
    List,
    /// A list whose every item must be one of a fixed set of words.
    EnumList(&'static [&'static str]),
}

/// One configuration setting.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    pub key: &'static str,
    /// Environment variables, in order of precedence (the first set one wins).
    pub env: &'static [&'static str],
    /// The command-line flag of `kubilitics serve` that sets it, if any.
    pub flag: Option<&'static str>,
    pub kind: Kind,
    /// The default, written as it would be in the environment.
    pub default: &'static str,
    /// Masked in `config show` and redacted from every log line.
    pub secret: bool,
    pub doc: &'static str,
}

const fn s(
    key: &'static str,
    env: &'static [&'static str],
    kind: Kind,
    default: &'static str,
    doc: &'static str,
) -> Setting {
    Setting {
        key,
        env,
        flag: None,
        kind,
        default,
        secret: false,
        doc,
    }
}

const fn secret(key: &'static str, env: &'static [&'static str], doc: &'static str) -> Setting {
    Setting {
        key,
        env,
        flag: None,
        kind: Kind::Str,
        default: "",
        secret: true,
        doc,
    }
}

const fn flag(mut setting: Setting, name: &'static str) -> Setting {
    setting.flag = Some(name);
    setting
}

const PORT: Kind = Kind::Int { min: 0, max: 65535 };
const SECONDS: Kind = Kind::Int { min: 1, max: 86_400 };
const LOG_LEVELS: &[&str] = &["trace", "debug", "info", "warn", "error"];

/// Operations the safety policy can name. `forbidden_operations` and the audit log use these
/// words; the runbook's shorter spellings (`delete_pvc`) are accepted as aliases.
pub const OPERATIONS: &[&str] = &[
    "scale_deployment",
    "scale_stateful_set",
    "scale_to_zero",
    "restart_rollout",
    "rollback_deployment",
    "delete_pod",
    "delete_deployment",
    "delete_stateful_set",
    "delete_daemon_set",
    "delete_job",
    "delete_service",
    "delete_config_map",
    "delete_secret",
    "delete_namespace",
    "delete_persistent_volume_claim",
    "delete_persistent_volume",
    "delete_resource",
    "cordon_node",
    "uncordon_node",
    "drain_node",
    "evict_pod",
    "apply_manifest",
    "edit_resource",
    "patch_resource",
    "modify_rbac_binding",
    "modify_network_policy",
    "disable_network_policy",
];

/// Accepted spellings that mean one of [`OPERATIONS`].
pub const OPERATION_ALIASES: &[(&str, &str)] = &[
    ("delete_pvc", "delete_persistent_volume_claim"),
    ("delete_pv", "delete_persistent_volume"),
    ("delete_statefulset", "delete_stateful_set"),
    ("modify_rbac", "modify_rbac_binding"),
];

pub const SETTINGS: &[Setting] = &[
    // ---- server (config.yaml) ----
    flag(
        s(
            "server.port",
            &["KUBILITICS_PORT"],
            PORT,
            "8080",
            "HTTP(S) port of the API; 0 picks a free one",
        ),
        "--port",
    ),
    // The runbook says 0.0.0.0; a single-user desktop backend holding cluster credentials must
    // not be reachable from the network by default, so the default is loopback.
    flag(
        s(
            "server.host",
            &["KUBILITICS_HOST"],
            Kind::Str,
            "127.0.0.1",
            "bind address",
        ),
        "--host",
    ),
    flag(
        s(
            "server.tls.enabled",
            &["KUBILITICS_TLS_ENABLED"],
            Kind::Bool,
            "false",
            "serve HTTPS (self-signed certificate generated on first run)",
        ),
        "--tls",
    ),
    s(
        "server.tls.cert_path",
        &["KUBILITICS_TLS_CERT_PATH"],
        Kind::Path,
        "",
        "PEM certificate; empty means ~/.kubilitics/tls.cert, generated",
    ),
    s(
        "server.tls.key_path",
        &["KUBILITICS_TLS_KEY_PATH"],
        Kind::Path,
        "",
        "PEM private key; empty means ~/.kubilitics/tls.key, generated",
    ),
    s(
        "server.request_timeout",
        &["KUBILITICS_REQUEST_TIMEOUT"],
        SECONDS,
        "30",
        "seconds before an API request is answered 408",
    ),
    secret(
        "server.api_token",
        &["KUBILITICS_API_TOKEN"],
        "bearer token for /api; empty means a fresh one each start, in ~/.kubilitics/session.token",
    ),
    s(
        "server.allowed_hosts",
        &["KUBILITICS_ALLOWED_HOSTS"],
        Kind::List,
        "",
        "Host header names accepted besides loopback names (DNS-rebinding guard)",
    ),
    s(
        "server.max_body_bytes",
        &["KUBILITICS_MAX_BODY_BYTES"],
        Kind::Int {
            min: 1024,
            max: 1 << 30,
        },
        "10485760",
        "largest request body accepted",
    ),
    s(
        "server.ui_dir",
        &["KUBILITICS_UI_DIR"],
        Kind::Path,
        "",
        "built web UI (ui/dist) served at / in browser mode; empty serves no UI",
    ),
    s(
        "server.ws_ping_interval",
        &["KUBILITICS_WS_PING_INTERVAL"],
        Kind::Int { min: 1, max: 3600 },
        "30",
        "seconds between WebSocket pings",
    ),
    // ---- database ----
    s(
        "database.type",
        &["KUBILITICS_DATABASE_TYPE"],
        Kind::Enum(&["sqlite", "postgresql"]),
        "sqlite",
        "store backend",
    ),
    s(
        "database.sqlite.path",
        &["KUBILITICS_DATABASE_PATH"],
        Kind::Path,
        "~/.kubilitics/data.db",
        "SQLite database file",
    ),
    s(
        "database.sqlite.journal_mode",
        &[],
        Kind::Enum(&["WAL", "DELETE", "TRUNCATE"]),
        "WAL",
        "SQLite journal mode",
    ),
    s(
        "database.sqlite.cache_size",
        &[],
        Kind::Int {
            min: -1_000_000,
            max: 1_000_000,
        },
        "10000",
        "SQLite cache_size pragma (pages, or KiB when negative)",
    ),
    s(
        "database.sqlite.busy_timeout",
        &[],
        Kind::Int { min: 0, max: 600_000 },
        "5000",
        "milliseconds a writer waits for a lock",
    ),
    s(
        "database.sqlite.synchronous",
        &[],
        Kind::Enum(&["OFF", "NORMAL", "FULL", "EXTRA"]),
        "NORMAL",
        "SQLite synchronous pragma",
    ),
    secret(
        "database.postgresql.url",
        &["KUBILITICS_DATABASE_URL"],
        "PostgreSQL connection string (overrides host/port/...)",
    ),
    s(
        "database.postgresql.host",
        &[],
        Kind::Str,
        "localhost",
        "PostgreSQL host",
    ),
    s("database.postgresql.port", &[], PORT, "5432", "PostgreSQL port"),
    s(
        "database.postgresql.database",
        &[],
        Kind::Str,
        "kubilitics",
        "PostgreSQL database",
    ),
    s(
        "database.postgresql.user",
        &[],
        Kind::Str,
        "kubilitics",
        "PostgreSQL user",
    ),
    secret("database.postgresql.password", &[], "PostgreSQL password"),
    s(
        "database.postgresql.ssl_mode",
        &[],
        Kind::Enum(&["disable", "prefer", "require", "verify-ca", "verify-full"]),
        "require",
        "PostgreSQL TLS mode, as libpq's sslmode: require encrypts, verify-ca also checks the CA, verify-full also the host name",
    ),
    s(
        "database.postgresql.ssl_root_cert",
        &[],
        Kind::Path,
        "",
        "PEM file of the CA that signed the PostgreSQL server's certificate (besides the system's); with require, the chain is then checked as with verify-ca",
    ),
    s(
        "database.postgresql.pool.size",
        &["KUBILITICS_DATABASE_POOL_SIZE"],
        Kind::Int { min: 1, max: 1000 },
        "20",
        "connection pool size",
    ),
    s(
        "database.postgresql.pool.timeout",
        &[],
        SECONDS,
        "30",
        "seconds to wait for a pooled connection",
    ),
    s(
        "database.postgresql.pool.idle_timeout",
        &[],
        SECONDS,
        "300",
        "seconds before an idle connection closes",
    ),
    s(
        "database.postgresql.pool.max_lifetime",
        &[],
        SECONDS,
        "1800",
        "seconds a connection lives at most",
    ),
    // ---- kubernetes ----
    // Empty means kubectl's discovery: $KUBECONFIG, then ~/.kube/config.
    flag(
        s(
            "kubernetes.kubeconfig_path",
            &["KUBILITICS_KUBECONFIG_PATH"],
            Kind::Path,
            "",
            "kubeconfig file; empty means $KUBECONFIG, then ~/.kube/config",
        ),
        "--kubeconfig",
    ),
    s(
        "kubernetes.default_context",
        &[],
        Kind::Str,
        "",
        "context selected at start; empty means the kubeconfig's current-context",
    ),
    s(
        "kubernetes.request_timeout",
        &[],
        SECONDS,
        "30",
        "seconds for one Kubernetes API call",
    ),
    s(
        "kubernetes.metrics_server_enabled",
        &[],
        Kind::Bool,
        "true",
        "read CPU/memory from metrics.k8s.io",
    ),
    s(
        "kubernetes.topology_cache_depth",
        &["KUBILITICS_TOPOLOGY_CACHE_DEPTH"],
        Kind::Int { min: 1, max: 10 },
        "5",
        "deepest topology walk",
    ),
    // ---- cache ----
    s(
        "cache.type",
        &["KUBILITICS_CACHE_TYPE"],
        Kind::Enum(&["memory", "redis"]),
        "memory",
        "response cache",
    ),
    s(
        "cache.ttl",
        &["KUBILITICS_CACHE_TTL"],
        SECONDS,
        "300",
        "cache time-to-live, seconds",
    ),
    s(
        "cache.redis.url",
        &["KUBILITICS_REDIS_URL"],
        Kind::Str,
        "redis://localhost:6379",
        "Redis URL",
    ),
    secret("cache.redis.password", &["KUBILITICS_REDIS_PASSWORD"], "Redis password"),
    // ---- logging ----
    flag(
        s(
            "logging.level",
            &["KUBILITICS_LOG_LEVEL"],
            Kind::Enum(LOG_LEVELS),
            "info",
            "log level",
        ),
        "--log-level",
    ),
    flag(
        s(
            "logging.format",
            &["KUBILITICS_LOG_FORMAT"],
            Kind::Enum(&["json", "text"]),
            "json",
            "log line format",
        ),
        "--log-format",
    ),
    s(
        "logging.output",
        &[],
        Kind::Str,
        "stdout",
        "stdout, stderr or none, for the console copy; the file ~/.kubilitics/kubilitics.log is always written",
    ),
    s(
        "logging.max_file_size_mb",
        &[],
        Kind::Int { min: 1, max: 10_240 },
        "100",
        "a log file larger than this is rotated",
    ),
    s(
        "logging.retention_days",
        &[],
        Kind::Int { min: 1, max: 3650 },
        "30",
        "rotated log files kept, one per day",
    ),
    // ---- cors ----
    s(
        "cors.enabled",
        &[],
        Kind::Bool,
        "true",
        "answer CORS preflights for the configured origins",
    ),
    s(
        "cors.origins",
        &["KUBILITICS_CORS_ORIGINS"],
        Kind::List,
        "http://localhost:3000",
        "origins allowed to call the API from a browser",
    ),
    // ---- ai_service (the AI engine runs inside the sidecar; kept for runbook compatibility) ----
    s(
        "ai_service.url",
        &["KUBILITICS_AI_SERVICE_URL"],
        Kind::Str,
        "http://localhost:8081",
        "AI service endpoint (in-process in this build)",
    ),
    s(
        "ai_service.timeout_seconds",
        &["KUBILITICS_AI_SERVICE_TIMEOUT"],
        SECONDS,
        "30",
        "AI service timeout",
    ),
    s(
        "ai_service.retry_attempts",
        &["KUBILITICS_AI_SERVICE_RETRY_ATTEMPTS"],
        Kind::Int { min: 0, max: 10 },
        "3",
        "AI service retries",
    ),
    // ---- metrics ----
    s(
        "metrics.enabled",
        &["KUBILITICS_METRICS_ENABLED"],
        Kind::Bool,
        "true",
        "serve Prometheus metrics",
    ),
    s(
        "metrics.port",
        &["KUBILITICS_METRICS_PORT"],
        PORT,
        "9090",
        "Prometheus metrics port",
    ),
    s("metrics.path", &[], Kind::Str, "/metrics", "Prometheus metrics path"),
    // ==== ai-config.yaml ====
    s(
        "ai.server.port",
        &["AI_SERVICE_PORT"],
        PORT,
        "8081",
        "AI service port (the AI API is served on server.port in this build)",
    ),
    s(
        "ai.server.log_level",
        &["AI_LOG_LEVEL"],
        Kind::Enum(LOG_LEVELS),
        "info",
        "log level of the AI engine",
    ),
    // The runbook marks the provider as required; Kubilitics works without an LLM (deterministic
    // analyzers), so the default is `none`.
    s(
        "ai.llm.provider",
        &["AI_LLM_PROVIDER"],
        Kind::Enum(&["none", "openai", "anthropic", "azure", "openai_compatible"]),
        "none",
        "LLM provider",
    ),
    secret(
        "ai.llm.api_key",
        &["AI_LLM_API_KEY"],
        "LLM API key (prefer the OS keyring)",
    ),
    s(
        "ai.llm.model",
        &["AI_LLM_MODEL"],
        Kind::Str,
        "gpt-4-turbo",
        "model identifier",
    ),
    s("ai.llm.organization", &[], Kind::Str, "", "OpenAI organization"),
    s(
        "ai.llm.endpoint",
        &[],
        Kind::Str,
        "",
        "Azure endpoint or OpenAI-compatible base URL",
    ),
    s("ai.llm.deployment_id", &[], Kind::Str, "", "Azure deployment"),
    s("ai.llm.api_version", &[], Kind::Str, "2024-02-01", "Azure API version"),
    s(
        "ai.llm.parameters.temperature",
        &["AI_LLM_TEMPERATURE"],
        Kind::Float { min: 0.0, max: 1.0 },
        "0.3",
        "sampling temperature",
    ),
    s(
        "ai.llm.parameters.max_tokens",
        &["AI_LLM_MAX_TOKENS"],
        Kind::Int { min: 1, max: 1_000_000 },
        "2048",
        "max response tokens",
    ),
    s(
        "ai.llm.parameters.top_p",
        &[],
        Kind::Float { min: 0.0, max: 1.0 },
        "0.9",
        "nucleus sampling",
    ),
    s(
        "ai.llm.parameters.presence_penalty",
        &[],
        Kind::Float { min: -2.0, max: 2.0 },
        "0",
        "presence penalty",
    ),
    s(
        "ai.llm.parameters.frequency_penalty",
        &[],
        Kind::Float { min: -2.0, max: 2.0 },
        "0",
        "frequency penalty",
    ),
    s(
        "ai.llm.timeout",
        &["AI_LLM_TIMEOUT"],
        Kind::Int { min: 1, max: 3600 },
        "60",
        "seconds for one LLM call",
    ),
    s(
        "ai.llm.retry_policy.attempts",
        &[],
        Kind::Int { min: 0, max: 10 },
        "3",
        "LLM retries",
    ),
    s(
        "ai.llm.retry_policy.backoff_factor",
        &[],
        Kind::Float { min: 1.0, max: 10.0 },
        "2",
        "multiplier between retries",
    ),
    s(
        "ai.vector_store.type",
        &["AI_VECTOR_STORE_TYPE"],
        Kind::Enum(&["memory", "pinecone", "weaviate"]),
        "memory",
        "similar-incident index",
    ),
    s(
        "ai.vector_store.pinecone.endpoint",
        &["AI_VECTOR_STORE_ENDPOINT"],
        Kind::Str,
        "",
        "vector store endpoint",
    ),
    secret(
        "ai.vector_store.pinecone.api_key",
        &["AI_VECTOR_STORE_API_KEY"],
        "vector store API key",
    ),
    s(
        "ai.vector_store.pinecone.index_name",
        &["AI_VECTOR_STORE_INDEX_NAME"],
        Kind::Str,
        "kubilitics",
        "index name",
    ),
    s(
        "ai.vector_store.pinecone.namespace",
        &[],
        Kind::Str,
        "",
        "index namespace",
    ),
    s(
        "ai.vector_store.embeddings.model",
        &["AI_EMBEDDINGS_MODEL"],
        Kind::Str,
        "text-embedding-3-small",
        "embeddings model (on Azure: the name of its deployment)",
    ),
    s(
        "ai.vector_store.embeddings.provider",
        &[],
        Kind::Enum(&["none", "openai", "azure", "openai_compatible"]),
        "openai",
        "embeddings provider (lexical fallback without one)",
    ),
    // The runbook's table says 1, its YAML example 2: the safe reading is 1 (propose only).
    s(
        "ai.safety_policy.autonomy_level",
        &["AI_SAFETY_AUTONOMY_LEVEL"],
        Kind::Int { min: 1, max: 3 },
        "1",
        "1 review, 2 safe-auto, 3 full-auto",
    ),
    // The union of the runbook's table and YAML example.
    s(
        "ai.safety_policy.protected_namespaces",
        &["AI_SAFETY_PROTECTED_NAMESPACES"],
        Kind::List,
        "kube-system,kube-node-lease,kube-public",
        "namespaces where every action needs approval",
    ),
    s(
        "ai.safety_policy.forbidden_operations",
        &["AI_SAFETY_FORBIDDEN_OPERATIONS"],
        Kind::EnumList(OPERATIONS),
        "delete_persistent_volume_claim,delete_secret,delete_persistent_volume",
        "operations that never run",
    ),
    s(
        "ai.safety_policy.require_approval.delete_pod",
        &[],
        Kind::Bool,
        "true",
        "deleting a pod needs approval",
    ),
    s(
        "ai.safety_policy.require_approval.modify_rbac",
        &[],
        Kind::Bool,
        "true",
        "changing RBAC needs approval",
    ),
    s(
        "ai.safety_policy.require_approval.scale_to_zero",
        &[],
        Kind::Bool,
        "true",
        "scaling to zero needs approval",
    ),
    s(
        "ai.safety_policy.require_approval.modify_network_policy",
        &[],
        Kind::Bool,
        "true",
        "changing a NetworkPolicy needs approval",
    ),
    s(
        "ai.investigations.max_concurrent",
        &[
            "AI_INVESTIGATION_CONCURRENCY",
            "KUBILITICS_MAX_CONCURRENT_INVESTIGATIONS",
        ],
        Kind::Int { min: 1, max: 100 },
        "5",
        "investigations running at once",
    ),
    s(
        "ai.investigations.timeout_seconds",
        &["AI_INVESTIGATION_TIMEOUT", "KUBILITICS_INVESTIGATION_TIMEOUT"],
        SECONDS,
        "300",
        "an investigation running longer ends timed_out",
    ),
    s(
        "ai.investigations.auto_remediation_enabled",
        &[],
        Kind::Bool,
        "false",
        "apply approved-by-policy fixes without asking",
    ),
    s(
        "ai.investigations.save_history",
        &[],
        Kind::Bool,
        "true",
        "keep finished investigations",
    ),
    // Not in the runbook (issue 6 asks for it): off by default because names tell the LLM
    // something (`payments-db-primary`); on, no object, namespace, node or context name the
    // sidecar knows of leaves for the provider.
    s(
        "ai.anonymize_names",
        &["AI_ANONYMIZE_NAMES"],
        Kind::Bool,
        "false",
        "send names to the LLM as placeholders (mapped back in its answers)",
    ),
    s(
        "ai.chat.context_window_messages",
        &[],
        Kind::Int { min: 1, max: 1000 },
        "20",
        "chat messages kept in context",
    ),
    s(
        "ai.chat.enable_code_execution",
        &[],
        Kind::Bool,
        "false",
        "has no effect: Kubilitics never executes code from chat",
    ),
    s(
        "ai.chat.enable_kubectl_commands",
        &[],
        Kind::Bool,
        "true",
        "run read-only kubectl-like commands from chat",
    ),
    s(
        "ai.budget.monthly_limit_usd",
        &["AI_BUDGET_MONTHLY_LIMIT"],
        Kind::Float { min: 0.0, max: 1e9 },
        "5000",
        "monthly USD budget",
    ),
    s(
        "ai.budget.token_limit",
        &["AI_BUDGET_TOKEN_LIMIT"],
        Kind::Int {
            min: 0,
            max: 1_000_000_000_000,
        },
        "50000000",
        "monthly token budget",
    ),
    s(
        "ai.budget.warning_threshold_percent",
        &[],
        Kind::Int { min: 1, max: 100 },
        "75",
        "warn at this share of the budget",
    ),
    s(
        "ai.budget.hard_limit",
        &[],
        Kind::Bool,
        "true",
        "no LLM call past the budget",
    ),
    s("ai.metrics.enabled", &[], Kind::Bool, "true", "export ai_* metrics"),
    s(
        "ai.metrics.port",
        &["AI_METRICS_PORT"],
        PORT,
        "9091",
        "AI metrics port (ai_* metrics are on metrics.port in this build)",
    ),
    s(
        "ai.metrics.collection_interval",
        &[],
        SECONDS,
        "60",
        "seconds between budget gauge refreshes",
    ),
    s(
        "ai.backend_service.url",
        &["AI_BACKEND_SERVICE_URL"],
        Kind::Str,
        "http://localhost:8080",
        "backend URL (in-process in this build)",
    ),
    secret(
        "ai.backend_service.token",
        &["AI_BACKEND_SERVICE_TOKEN"],
        "backend service token",
    ),
    s("ai.backend_service.timeout", &[], SECONDS, "30", "backend call timeout"),
];

/// The setting with this key.
pub fn find(key: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.key == key)
}

/// The known key closest to `key`, to suggest for a misspelling.
pub fn nearest(key: &str) -> Option<&'static str> {
    SETTINGS
        .iter()
        .map(|s| (strsim::jaro_winkler(key, s.key), s.key))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

/// The canonical operation name for a spelling, if it names one.
pub fn canonical_operation(word: &str) -> Option<&'static str> {
    let word = word.trim().to_ascii_lowercase();
    OPERATIONS.iter().find(|op| **op == word).copied().or_else(|| {
        OPERATION_ALIASES
            .iter()
            .find(|(alias, _)| *alias == word)
            .map(|(_, op)| *op)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn keys_and_environment_names_are_unique() {
        let mut keys = HashSet::new();
        let mut envs = HashSet::new();
        for s in SETTINGS {
            assert!(keys.insert(s.key), "duplicate key {}", s.key);
            for e in s.env {
                assert!(envs.insert(*e), "duplicate env {e}");
            }
        }
    }

    #[test]
    fn a_misspelt_key_suggests_the_right_one() {
        assert_eq!(nearest("sever.port"), Some("server.port"));
        assert_eq!(nearest("ai.llm.modle"), Some("ai.llm.model"));
        assert_eq!(nearest("completely.unrelated.thing.xyz"), None);
    }

    #[test]
    fn runbook_operation_spellings_are_accepted() {
        assert_eq!(
            canonical_operation("delete_pvc"),
            Some("delete_persistent_volume_claim")
        );
        assert_eq!(canonical_operation("DELETE_SECRET"), Some("delete_secret"));
        assert_eq!(canonical_operation("rm_rf"), None);
        for (_, target) in OPERATION_ALIASES {
            assert!(OPERATIONS.contains(target));
        }
    }
}
