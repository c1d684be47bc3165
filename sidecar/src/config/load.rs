//! Layering: built-in defaults < `config.yaml` and `ai-config.yaml` < environment < flags,
//! resolved once, per key, with the source of every value kept for `config show` and for error
//! messages. Then one validation pass: every value is parsed against its setting's [`Kind`].
//!
//! This is deliberately a table walk rather than a generic layered-config library: the runbook's
//! environment names map irregularly onto two files that share top-level names, and an operator
//! needs each error to name the key, where the bad value came from and what is allowed.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;
use serde_norway::Value as Yaml;

use super::settings::{self, Kind, SETTINGS, Setting};
use super::{Config, ConfigError};

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "lowercase")]
pub enum Source {
    Default,
    File(PathBuf),
    Env(String),
    Flag(String),
    /// Chosen in the UI (the settings table): one of [`USER_SETTABLE`].
    Stored,
}

/// The one UI-settable key that applies while running (the safety gate's level).
pub const AUTONOMY_LEVEL: &str = "ai.safety_policy.autonomy_level";

/// Keys a person may set from the UI (Settings, the first-launch wizard). Stored in the settings
/// table, they apply over the defaults and the config files; a value from the environment or a
/// flag is what an operator pinned, and stays.
pub const USER_SETTABLE: &[&str] = &[AUTONOMY_LEVEL, "ai.llm.provider", "ai.llm.model", "ai.llm.endpoint"];

/// Who pinned `key` so that the UI may not change it (an environment variable or a flag), if anyone.
pub fn pinned_by(values: &[Resolved], key: &str) -> Option<String> {
    values
        .iter()
        .find(|r| r.setting.key == key)
        .filter(|r| matches!(r.source, Source::Env(_) | Source::Flag(_)))
        .map(|r| r.source.to_string())
}

/// A value the UI sent for a [`USER_SETTABLE`] key, typed as the config file's would be; on
/// failure, what is allowed.
pub fn check_user_value(key: &str, value: &Value) -> Result<Value, String> {
    let s = settings::find(key)
        .filter(|s| USER_SETTABLE.contains(&s.key))
        .ok_or_else(|| format!("'{key}' is not a setting the UI may change"))?;
    let text = match value {
        Value::String(t) => t.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return Err(describe(s.kind)),
    };
    parse(s, &Raw::Text(text), Path::new(""), &HashMap::new())
}

/// Applies the UI's stored values of [`USER_SETTABLE`] keys that nobody pinned; returns a warning
/// for each stored value that is ignored (pinned, or no longer valid).
pub fn apply_stored(values: &mut [Resolved], stored: &HashMap<String, Value>) -> Vec<String> {
    let mut warnings = Vec::new();
    for r in values.iter_mut().filter(|r| USER_SETTABLE.contains(&r.setting.key)) {
        let Some(value) = stored.get(r.setting.key) else {
            continue;
        };
        if let Source::Env(_) | Source::Flag(_) = r.source {
            warnings.push(format!(
                "{} chosen in the UI is not used: {} sets it",
                r.setting.key, r.source
            ));
            continue;
        }
        match check_user_value(r.setting.key, value) {
            Ok(typed) => {
                r.value = typed;
                r.source = Source::Stored;
            }
            Err(allowed) => warnings.push(format!(
                "{} chosen in the UI ({value}) is not valid, expected {allowed}; using {}",
                r.setting.key, r.source
            )),
        }
    }
    warnings
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => write!(f, "default"),
            Source::File(p) => write!(f, "file {}", p.display()),
            Source::Env(name) => write!(f, "env {name}"),
            Source::Flag(name) => write!(f, "flag {name}"),
            Source::Stored => write!(f, "chosen in the UI"),
        }
    }
}

/// One setting's effective value.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub setting: &'static Setting,
    pub value: Value,
    pub source: Source,
}

/// What `load` reads besides the files: the process environment and the flags given.
pub struct Inputs<'a> {
    pub env: &'a HashMap<String, String>,
    /// (setting key, raw value, flag name as typed)
    pub flags: &'a [(&'static str, String)],
}

/// The outcome of loading: the typed config, every value with its source, and warnings
/// (unknown keys, unset `${VAR}` references) to log once logging is up.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    pub home: PathBuf,
    pub values: Vec<Resolved>,
    pub warnings: Vec<String>,
}

/// The Kubilitics home: `KUBILITICS_HOME`, else `~/.kubilitics`.
pub fn home_dir(env: &HashMap<String, String>) -> PathBuf {
    if let Some(h) = env.get("KUBILITICS_HOME").filter(|h| !h.is_empty()) {
        return PathBuf::from(h);
    }
    user_home(env).join(".kubilitics")
}

fn user_home(env: &HashMap<String, String>) -> PathBuf {
    env.get("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/"))
}

/// Loads and validates the configuration.
pub fn load(inputs: &Inputs) -> Result<Loaded, ConfigError> {
    let home = home_dir(inputs.env);
    let mut warnings = Vec::new();
    let mut raw: BTreeMap<&'static str, (Raw, Source)> = BTreeMap::new();

    for s in SETTINGS {
        raw.insert(s.key, (Raw::Text(s.default.to_string()), Source::Default));
    }
    for (file, prefix) in [("config.yaml", ""), ("ai-config.yaml", "ai.")] {
        let path = home.join(file);
        for (key, value) in read_file(&path, prefix, inputs.env, &mut warnings)? {
            raw.insert(key, (value, Source::File(path.clone())));
        }
    }
    for s in SETTINGS {
        if let Some((name, value)) = env_value(s, inputs.env)? {
            raw.insert(s.key, (Raw::Text(value), Source::Env(name.to_string())));
        }
    }
    for (key, value) in inputs.flags {
        let s = settings::find(key).expect("flags name known settings");
        let flag = s.flag.unwrap_or(key).to_string();
        raw.insert(s.key, (Raw::Text(value.clone()), Source::Flag(flag)));
    }

    let mut values = Vec::with_capacity(SETTINGS.len());
    for s in SETTINGS {
        let (value, source) = raw.remove(s.key).expect("every setting has a default");
        let parsed = parse(s, &value, &home, inputs.env).map_err(|allowed| ConfigError::Invalid {
            key: s.key.to_string(),
            origin: source.to_string(),
            value: if s.secret { "********".into() } else { value.to_string() },
            allowed,
        })?;
        values.push(Resolved {
            setting: s,
            value: parsed,
            source,
        });
    }
    let config = Config::from_values(&values)?;
    Ok(Loaded {
        config,
        home,
        values,
        warnings,
    })
}

/// The value of the first set environment variable of a setting. Two names for one key that
/// disagree are an error: guessing which one the operator meant is how outages start.
fn env_value(
    s: &'static Setting,
    env: &HashMap<String, String>,
) -> Result<Option<(&'static str, String)>, ConfigError> {
    let set: Vec<(&'static str, &String)> = s
        .env
        .iter()
        .filter_map(|name| env.get(*name).map(|v| (*name, v)))
        .collect();
    if let [(a, va), (b, vb), ..] = set.as_slice()
        && va.trim() != vb.trim()
    {
        return Err(ConfigError::Conflict {
            key: s.key.to_string(),
            first: a.to_string(),
            second: b.to_string(),
        });
    }
    Ok(set.first().map(|(name, v)| (*name, (*v).clone())))
}

/// A value before it is typed: text (environment, flag, default, YAML scalar) or a YAML list.
#[derive(Debug, Clone)]
enum Raw {
    Text(String),
    List(Vec<String>),
    /// A YAML mapping where a single value was expected.
    Mapping,
}

impl fmt::Display for Raw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Raw::Text(t) => write!(f, "{t}"),
            Raw::List(items) => write!(f, "[{}]", items.join(", ")),
            Raw::Mapping => write!(f, "{{…}}"),
        }
    }
}

fn read_file(
    path: &Path,
    prefix: &str,
    env: &HashMap<String, String>,
    warnings: &mut Vec<String>,
) -> Result<Vec<(&'static str, Raw)>, ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(ConfigError::Unreadable {
                path: path.to_path_buf(),
                reason: e.to_string(),
            });
        }
    };
    let doc: Yaml = serde_norway::from_str(&text).map_err(|e| ConfigError::Unreadable {
        path: path.to_path_buf(),
        reason: format!("not valid YAML: {e}"),
    })?;
    let mut out = Vec::new();
    match doc {
        Yaml::Null => {}
        Yaml::Mapping(_) => flatten(&doc, prefix.trim_end_matches('.'), path, env, warnings, &mut out)?,
        _ => {
            return Err(ConfigError::Unreadable {
                path: path.to_path_buf(),
                reason: "the top level must be a mapping of keys to values".into(),
            });
        }
    }
    Ok(out)
}

fn flatten(
    node: &Yaml,
    at: &str,
    path: &Path,
    env: &HashMap<String, String>,
    warnings: &mut Vec<String>,
    out: &mut Vec<(&'static str, Raw)>,
) -> Result<(), ConfigError> {
    if let Some(s) = settings::find(at) {
        if let Some(raw) = yaml_raw(node, path, s.key, env, warnings) {
            out.push((s.key, raw));
        }
        return Ok(());
    }
    let Yaml::Mapping(map) = node else {
        let hint = settings::nearest(at)
            .map(|k| format!("; did you mean \"{k}\"?"))
            .unwrap_or_default();
        warnings.push(format!("{}: unknown key \"{at}\" is ignored{hint}", path.display()));
        return Ok(());
    };
    for (k, v) in map {
        let name = match k {
            Yaml::String(s) => s.clone(),
            other => serde_norway::to_string(other).unwrap_or_default().trim().to_string(),
        };
        let child = if at.is_empty() { name } else { format!("{at}.{name}") };
        flatten(v, &child, path, env, warnings, out)?;
    }
    Ok(())
}

fn yaml_raw(
    node: &Yaml,
    path: &Path,
    key: &str,
    env: &HashMap<String, String>,
    warnings: &mut Vec<String>,
) -> Option<Raw> {
    let node = match node {
        Yaml::Tagged(t) => &t.value,
        other => other,
    };
    let mut scalar = |v: &Yaml| -> Result<Option<String>, ()> {
        Ok(match v {
            Yaml::Null => None,
            Yaml::Bool(b) => Some(b.to_string()),
            Yaml::Number(n) => Some(n.to_string()),
            Yaml::String(s) => Some(interpolate(s, env, &mut |var| {
                warnings.push(format!(
                    "{}: {key} refers to ${{{var}}}, which is not set",
                    path.display()
                ))
            })),
            _ => return Err(()),
        })
    };
    match node {
        Yaml::Null => None,
        Yaml::Mapping(_) => Some(Raw::Mapping),
        Yaml::Sequence(items) => {
            let mut out = Vec::new();
            for item in items {
                match scalar(item) {
                    Ok(Some(v)) => out.push(v),
                    Ok(None) => {}
                    Err(()) => return Some(Raw::Mapping),
                }
            }
            Some(Raw::List(out))
        }
        other => scalar(other).unwrap_or(None).map(Raw::Text),
    }
}

/// Replaces `${VAR}` and `${VAR:-fallback}` with values from the environment.
pub fn interpolate(text: &str, env: &HashMap<String, String>, unset: &mut dyn FnMut(&str)) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start + 2..].find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let expr = &rest[start + 2..start + 2 + len];
        let (var, fallback) = match expr.split_once(":-") {
            Some((v, f)) => (v, Some(f)),
            None => (expr, None),
        };
        match (env.get(var).filter(|v| !v.is_empty()), fallback) {
            (Some(v), _) => out.push_str(v),
            (None, Some(f)) => out.push_str(f),
            (None, None) => unset(var),
        }
        rest = &rest[start + 2 + len + 1..];
    }
    out.push_str(rest);
    out
}

/// Types one raw value; on failure returns what is allowed.
fn parse(s: &Setting, raw: &Raw, home: &Path, env: &HashMap<String, String>) -> Result<Value, String> {
    let allowed = describe(s.kind);
    let text = match (raw, s.kind) {
        (Raw::Mapping, _) => return Err(allowed),
        (Raw::List(items), Kind::List | Kind::EnumList(_)) => return parse_list(s.kind, items.clone()),
        (Raw::List(_), _) => return Err(allowed),
        (Raw::Text(t), _) => t.trim(),
    };
    match s.kind {
        Kind::Int { min, max } => match text.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Value::from(n)),
            _ => Err(allowed),
        },
        Kind::Float { min, max } => match text.parse::<f64>() {
            Ok(n) if n.is_finite() && n >= min && n <= max => Ok(Value::from(n)),
            _ => Err(allowed),
        },
        Kind::Bool => match text.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(Value::Bool(true)),
            "false" | "0" | "no" | "off" => Ok(Value::Bool(false)),
            _ => Err(allowed),
        },
        Kind::Str => Ok(Value::String(text.to_string())),
        Kind::Path => Ok(Value::String(expand_path(text, home, env))),
        Kind::Enum(words) => words
            .iter()
            .find(|w| w.eq_ignore_ascii_case(text))
            .map(|w| Value::String(w.to_string()))
            .ok_or(allowed),
        Kind::List | Kind::EnumList(_) => parse_list(s.kind, text.split(',').map(str::to_string).collect()),
    }
}

fn parse_list(kind: Kind, items: Vec<String>) -> Result<Value, String> {
    let mut out = Vec::new();
    for item in items.iter().map(|i| i.trim()).filter(|i| !i.is_empty()) {
        match kind {
            Kind::EnumList(_) => match settings::canonical_operation(item) {
                Some(op) if !out.contains(&Value::from(op)) => out.push(Value::from(op)),
                Some(_) => {}
                None => return Err(describe(kind)),
            },
            _ => out.push(Value::from(item)),
        }
    }
    Ok(Value::Array(out))
}

fn expand_path(text: &str, home: &Path, env: &HashMap<String, String>) -> String {
    if text.is_empty() {
        return String::new();
    }
    if let Some(rest) = text.strip_prefix("~/.kubilitics") {
        return format!("{}{rest}", home.display());
    }
    if let Some(rest) = text.strip_prefix("~/") {
        return user_home(env).join(rest).display().to_string();
    }
    text.to_string()
}

/// Human words for what a kind accepts, for error messages.
pub fn describe(kind: Kind) -> String {
    match kind {
        Kind::Int { min, max } => format!("an integer from {min} to {max}"),
        Kind::Float { min, max } => format!("a number from {min} to {max}"),
        Kind::Bool => "true or false".into(),
        Kind::Str => "a string".into(),
        Kind::Path => "a file path".into(),
        Kind::Enum(words) => format!("one of: {}", words.join(", ")),
        Kind::List => "a list (comma-separated in the environment)".into(),
        Kind::EnumList(words) => format!("a list of: {}", words.join(", ")),
    }
}
