//! Table-driven tests over every setting: each documented variable is read, typed, defaulted,
//! overrides the file, and is overridden by its flag.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

use super::settings::{Kind, SETTINGS, Setting};
use super::*;

/// The variables in the runbook's "Environment Variables Reference" tables (backend and AI
/// service). Each must be a setting here, with the runbook's name.
const RUNBOOK_TABLE_VARIABLES: &[&str] = &[
    "KUBILITICS_PORT",
    "KUBILITICS_HOST",
    "KUBILITICS_LOG_LEVEL",
    "KUBILITICS_LOG_FORMAT",
    "KUBILITICS_DATABASE_TYPE",
    "KUBILITICS_DATABASE_PATH",
    "KUBILITICS_DATABASE_URL",
    "KUBILITICS_DATABASE_POOL_SIZE",
    "KUBILITICS_KUBECONFIG_PATH",
    "KUBILITICS_CACHE_TYPE",
    "KUBILITICS_CACHE_TTL",
    "KUBILITICS_REDIS_URL",
    "KUBILITICS_REDIS_PASSWORD",
    "KUBILITICS_CORS_ORIGINS",
    "KUBILITICS_TLS_ENABLED",
    "KUBILITICS_TLS_CERT_PATH",
    "KUBILITICS_TLS_KEY_PATH",
    "KUBILITICS_AI_SERVICE_URL",
    "KUBILITICS_AI_SERVICE_TIMEOUT",
    "KUBILITICS_AI_SERVICE_RETRY_ATTEMPTS",
    "KUBILITICS_METRICS_ENABLED",
    "KUBILITICS_METRICS_PORT",
    "KUBILITICS_REQUEST_TIMEOUT",
    "KUBILITICS_MAX_CONCURRENT_INVESTIGATIONS",
    "KUBILITICS_INVESTIGATION_TIMEOUT",
    "AI_SERVICE_PORT",
    "AI_LOG_LEVEL",
    "AI_LLM_PROVIDER",
    "AI_LLM_API_KEY",
    "AI_LLM_MODEL",
    "AI_LLM_TEMPERATURE",
    "AI_LLM_MAX_TOKENS",
    "AI_LLM_TIMEOUT",
    "AI_VECTOR_STORE_TYPE",
    "AI_VECTOR_STORE_ENDPOINT",
    "AI_VECTOR_STORE_API_KEY",
    "AI_VECTOR_STORE_INDEX_NAME",
    "AI_EMBEDDINGS_MODEL",
    "AI_SAFETY_AUTONOMY_LEVEL",
    "AI_SAFETY_PROTECTED_NAMESPACES",
    "AI_SAFETY_FORBIDDEN_OPERATIONS",
    "AI_BACKEND_SERVICE_URL",
    "AI_BACKEND_SERVICE_TOKEN",
    "AI_METRICS_PORT",
    "AI_INVESTIGATION_CONCURRENCY",
    "AI_INVESTIGATION_TIMEOUT",
    "AI_BUDGET_MONTHLY_LIMIT",
    "AI_BUDGET_TOKEN_LIMIT",
];

fn env_with_home(home: &Path) -> HashMap<String, String> {
    HashMap::from([
        ("KUBILITICS_HOME".to_string(), home.display().to_string()),
        ("HOME".to_string(), "/home/tester".to_string()),
    ])
}

fn load_with(env: &HashMap<String, String>, flags: &[(&'static str, String)]) -> Result<Loaded, ConfigError> {
    load(&Inputs { env, flags })
}

fn value_of(loaded: &Loaded, key: &str) -> (Value, Source) {
    let r = loaded.values.iter().find(|r| r.setting.key == key).expect("known key");
    (r.value.clone(), r.source.clone())
}

/// Two valid values other than the default (equal only where a kind has one other value).
fn samples(s: &Setting) -> (String, String) {
    let others = |candidates: Vec<String>| -> (String, String) {
        let default = s.default.to_string();
        let c: Vec<String> = candidates.into_iter().filter(|c| *c != default).collect();
        (c[0].clone(), c.last().unwrap().clone())
    };
    match s.kind {
        Kind::Int { min, max } => others(vec![max.to_string(), (min + 1).to_string(), min.to_string()]),
        Kind::Float { min, max } => others(vec![max.to_string(), ((min + max) / 2.0).to_string()]),
        Kind::Bool => others(vec!["true".into(), "false".into()]),
        Kind::Str => ("from-env".into(), "from-file".into()),
        Kind::Path => ("/tmp/from-env".into(), "/tmp/from-file".into()),
        Kind::Enum(words) => others(words.iter().map(|w| w.to_string()).collect()),
        Kind::List => ("alpha,beta".into(), "gamma".into()),
        Kind::EnumList(_) => ("delete_pod,drain_node".into(), "delete_namespace".into()),
    }
}

/// The typed value of a sample written as in the environment.
fn typed(s: &Setting, text: &str) -> Value {
    match s.kind {
        Kind::Int { .. } => Value::from(text.parse::<i64>().unwrap()),
        Kind::Float { .. } => Value::from(text.parse::<f64>().unwrap()),
        Kind::Bool => Value::Bool(text == "true"),
        Kind::Str | Kind::Path | Kind::Enum(_) => Value::from(text),
        Kind::List | Kind::EnumList(_) => Value::Array(text.split(',').map(Value::from).collect()),
    }
}

/// Writes `key: value` into the file that holds the key, as nested YAML.
fn write_file_value(home: &Path, s: &Setting, text: &str) {
    let (file, key) = match s.key.strip_prefix("ai.") {
        Some(rest) => ("ai-config.yaml", rest),
        None => ("config.yaml", s.key),
    };
    let leaf = match s.kind {
        Kind::List | Kind::EnumList(_) => {
            let items: Vec<serde_norway::Value> = text.split(',').map(|w| w.into()).collect();
            serde_norway::Value::Sequence(items)
        }
        _ => serde_norway::from_str(text).unwrap_or_else(|_| text.into()),
    };
    let mut node = leaf;
    for part in key.rsplit('.') {
        let mut map = serde_norway::Mapping::new();
        map.insert(part.into(), node);
        node = serde_norway::Value::Mapping(map);
    }
    std::fs::write(home.join(file), serde_norway::to_string(&node).unwrap()).unwrap();
}

#[test]
fn every_runbook_table_variable_is_a_setting() {
    for name in RUNBOOK_TABLE_VARIABLES {
        assert!(
            SETTINGS.iter().any(|s| s.env.contains(name)),
            "{name} from the runbook is not configurable"
        );
    }
}

#[test]
fn every_variable_is_read_typed_defaulted_and_overrides_the_file() {
    for s in SETTINGS {
        let (env_sample, file_sample) = samples(s);
        for name in s.env {
            let home = tempfile::tempdir().unwrap();
            let mut env = env_with_home(home.path());

            // Default: typed from the table.
            let loaded = load_with(&env, &[]).unwrap();
            let (value, source) = value_of(&loaded, s.key);
            assert_eq!(source, Source::Default, "{}", s.key);
            if !matches!(s.kind, Kind::Path) {
                assert_eq!(value, typed(s, s.default).clone().normalise(s), "default of {}", s.key);
            }

            // The file sets it.
            write_file_value(home.path(), s, &file_sample);
            let loaded = load_with(&env, &[]).unwrap();
            let (value, source) = value_of(&loaded, s.key);
            assert!(matches!(source, Source::File(_)), "{} from file, got {source}", s.key);
            assert_eq!(value, typed(s, &file_sample), "{} from file", s.key);

            // The environment overrides the file.
            env.insert(name.to_string(), env_sample.clone());
            let loaded = load_with(&env, &[]).unwrap();
            let (value, source) = value_of(&loaded, s.key);
            assert_eq!(source, Source::Env(name.to_string()), "{name}");
            assert_eq!(value, typed(s, &env_sample), "{name} typed");

            // A flag overrides the environment.
            if let Some(flag) = s.flag {
                let loaded = load_with(&env, &[(s.key, file_sample.clone())]).unwrap();
                let (value, source) = value_of(&loaded, s.key);
                assert_eq!(source, Source::Flag(flag.to_string()));
                assert_eq!(value, typed(s, &file_sample));
            }
        }
    }
}

trait Normalise {
    fn normalise(self, s: &Setting) -> Value;
}

impl Normalise for Value {
    /// Empty lists from an empty default.
    fn normalise(self, s: &Setting) -> Value {
        match (&self, s.kind) {
            (Value::Array(items), Kind::List | Kind::EnumList(_)) => {
                Value::Array(items.iter().filter(|v| v.as_str() != Some("")).cloned().collect())
            }
            _ => self,
        }
    }
}

#[test]
fn every_bad_value_class_names_the_key_source_value_and_what_is_allowed() {
    let home = tempfile::tempdir().unwrap();
    let cases = [
        ("KUBILITICS_PORT", "eighty", "server.port", "an integer from 0 to 65535"),
        ("KUBILITICS_PORT", "70000", "server.port", "an integer from 0 to 65535"),
        (
            "AI_LLM_TEMPERATURE",
            "1.5",
            "ai.llm.parameters.temperature",
            "a number from 0 to 1",
        ),
        ("KUBILITICS_LOG_FORMAT", "xml", "logging.format", "one of: json, text"),
        ("KUBILITICS_TLS_ENABLED", "maybe", "server.tls.enabled", "true or false"),
        (
            "AI_SAFETY_FORBIDDEN_OPERATIONS",
            "delete_secret,launch_missiles",
            "ai.safety_policy.forbidden_operations",
            "a list of:",
        ),
    ];
    for (var, bad, key, allowed) in cases {
        let mut env = env_with_home(home.path());
        env.insert(var.into(), bad.into());
        let message = load_with(&env, &[]).unwrap_err().to_string();
        assert!(message.contains(key), "{message}");
        assert!(message.contains(&format!("env {var}")), "{message}");
        assert!(message.contains(bad), "{message}");
        assert!(message.contains(allowed), "{message}");
        assert_eq!(message.lines().count(), 1, "{message}");
    }
}

#[test]
fn a_bad_value_in_a_file_names_the_file() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("ai-config.yaml"),
        "safety_policy:\n  autonomy_level: 7\n",
    )
    .unwrap();
    let message = load_with(&env_with_home(home.path()), &[]).unwrap_err().to_string();
    assert!(message.contains("ai.safety_policy.autonomy_level"), "{message}");
    assert!(message.contains("ai-config.yaml"), "{message}");
    assert!(message.contains("from 1 to 3"), "{message}");
}

#[test]
fn a_list_where_a_number_belongs_is_a_type_error() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("config.yaml"), "server:\n  port: [1, 2]\n").unwrap();
    let message = load_with(&env_with_home(home.path()), &[]).unwrap_err().to_string();
    assert!(
        message.contains("server.port") && message.contains("integer"),
        "{message}"
    );
}

#[test]
fn malformed_yaml_names_the_file_and_the_place() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("config.yaml"), "server:\n  port: 8080\n   host: x\n").unwrap();
    let message = load_with(&env_with_home(home.path()), &[]).unwrap_err().to_string();
    assert!(message.contains("config.yaml") && message.contains("line"), "{message}");
}

#[test]
fn unknown_keys_warn_with_the_nearest_known_key() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("config.yaml"), "sever:\n  port: 9000\n").unwrap();
    let loaded = load_with(&env_with_home(home.path()), &[]).unwrap();
    assert_eq!(loaded.config.server.port, 8080);
    assert!(
        loaded
            .warnings
            .iter()
            .any(|w| w.contains("sever.port") && w.contains("server.port")),
        "{:?}",
        loaded.warnings
    );
}

#[test]
fn yaml_strings_are_interpolated_from_the_environment() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("config.yaml"),
        "database:\n  postgresql:\n    password: \"${DB_PASSWORD}\"\n    host: \"${DB_HOST:-db.local}\"\n    user: \"${NOT_SET}\"\n",
    )
    .unwrap();
    let mut env = env_with_home(home.path());
    env.insert("DB_PASSWORD".into(), "s3cret".into());
    let loaded = load_with(&env, &[]).unwrap();
    assert_eq!(loaded.config.database.postgresql.password, "s3cret");
    assert_eq!(loaded.config.database.postgresql.host, "db.local");
    assert_eq!(loaded.config.database.postgresql.user, "");
    assert!(loaded.warnings.iter().any(|w| w.contains("NOT_SET")));
}

#[test]
fn two_names_for_one_setting_must_agree() {
    let home = tempfile::tempdir().unwrap();
    let mut env = env_with_home(home.path());
    env.insert("AI_INVESTIGATION_CONCURRENCY".into(), "3".into());
    env.insert("KUBILITICS_MAX_CONCURRENT_INVESTIGATIONS".into(), "3".into());
    assert_eq!(load_with(&env, &[]).unwrap().config.ai.investigations.max_concurrent, 3);
    env.insert("KUBILITICS_MAX_CONCURRENT_INVESTIGATIONS".into(), "4".into());
    let message = load_with(&env, &[]).unwrap_err().to_string();
    assert!(
        message.contains("AI_INVESTIGATION_CONCURRENCY")
            && message.contains("KUBILITICS_MAX_CONCURRENT_INVESTIGATIONS")
    );
}

#[test]
fn home_paths_follow_kubilitics_home() {
    let home = tempfile::tempdir().unwrap();
    let loaded = load_with(&env_with_home(home.path()), &[]).unwrap();
    assert_eq!(
        Path::new(&loaded.config.database.sqlite.path),
        home.path().join("data.db")
    );
}

#[test]
fn defaults_are_the_safe_readings() {
    let home = tempfile::tempdir().unwrap();
    let c = load_with(&env_with_home(home.path()), &[]).unwrap().config;
    assert_eq!(c.server.host, "127.0.0.1");
    assert_eq!(c.ai.safety_policy.autonomy_level, 1);
    assert!(
        c.ai.safety_policy
            .protected_namespaces
            .contains(&"kube-public".to_string())
    );
    assert!(
        c.ai.safety_policy
            .forbidden_operations
            .contains(&"delete_persistent_volume_claim".to_string())
    );
}

#[test]
fn show_masks_secrets_and_names_sources() {
    let home = tempfile::tempdir().unwrap();
    let mut env = env_with_home(home.path());
    env.insert("AI_LLM_API_KEY".into(), "sk-very-secret-value".into());
    let loaded = load_with(&env, &[]).unwrap();
    let text = show::render(&loaded);
    assert!(!text.contains("sk-very-secret-value"));
    assert!(
        text.lines()
            .any(|l| l.starts_with("ai.llm.api_key") && l.contains(show::MASK) && l.contains("env AI_LLM_API_KEY"))
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("server.port") && l.contains("# default"))
    );
}

#[test]
fn ui_choices_apply_over_files_and_defaults_but_not_over_the_environment() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("config.yaml"), "ai:\n  llm:\n    model: from-file\n").unwrap();
    let mut env = env_with_home(home.path());
    env.insert("AI_LLM_PROVIDER".into(), "anthropic".into());
    let mut loaded = load_with(&env, &[]).unwrap();
    let stored: HashMap<String, Value> = [
        ("ai.safety_policy.autonomy_level", serde_json::json!(3)),
        ("ai.llm.model", serde_json::json!("from-ui")),
        ("ai.llm.provider", serde_json::json!("openai")),
        ("ai.llm.endpoint", serde_json::json!(["not", "a", "string"])),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let warnings = load::apply_stored(&mut loaded.values, &stored);
    let config = Config::from_values(&loaded.values).unwrap();
    assert_eq!(config.ai.safety_policy.autonomy_level, 3, "over the default");
    assert_eq!(config.ai.llm.model, "from-ui", "over the config file");
    assert_eq!(value_of(&loaded, "ai.llm.model").1, Source::Stored);
    assert_eq!(config.ai.llm.provider, "anthropic", "the environment's value stays");
    assert_eq!(
        load::pinned_by(&loaded.values, "ai.llm.provider").as_deref(),
        Some("env AI_LLM_PROVIDER")
    );
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings[0].contains("ai.llm.provider") && warnings[0].contains("env AI_LLM_PROVIDER"));
    assert!(warnings[1].contains("ai.llm.endpoint") && warnings[1].contains("not valid"));
}

#[test]
fn the_ui_may_set_only_its_keys_and_only_valid_values() {
    assert_eq!(
        load::check_user_value("ai.safety_policy.autonomy_level", &serde_json::json!(2)),
        Ok(serde_json::json!(2))
    );
    assert!(load::check_user_value("ai.safety_policy.autonomy_level", &serde_json::json!(4)).is_err());
    assert_eq!(
        load::check_user_value("ai.llm.provider", &serde_json::json!("OpenAI_Compatible")),
        Ok(serde_json::json!("openai_compatible")),
        "the configuration's own spelling is stored"
    );
    assert!(load::check_user_value("ai.llm.provider", &serde_json::json!("openai-compatible")).is_err());
    assert!(load::check_user_value("ai.safety_policy.forbidden_operations", &serde_json::json!("")).is_err());
    assert!(load::check_user_value("server.host", &serde_json::json!("0.0.0.0")).is_err());
}
