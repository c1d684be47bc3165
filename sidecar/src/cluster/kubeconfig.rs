//! Finding and reading kubeconfigs the way kubectl does, plus the ones imported into
//! `<home>/kubeconfigs/`.
//!
//! Order, as kubectl: `kubernetes.kubeconfig_path` (`KUBILITICS_KUBECONFIG_PATH`, `--kubeconfig`)
//! if set; else every file listed in `KUBECONFIG`; else `~/.kube/config`. Those files are merged
//! with kubectl's rules (the first file to define a name or `current-context` wins); imported
//! files come after them, so they only add names. No kubeconfig at all is a normal state.
//!
//! Reading a kubeconfig never runs anything: `exec` and `auth-provider` commands are only
//! described here (see [`super::credentials`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kube::config::{Kubeconfig, NamedAuthInfo, NamedCluster};
use serde::Serialize;
use utoipa::ToSchema;

use super::ClusterError;

/// Where a kubeconfig file came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// `kubernetes.kubeconfig_path` / `--kubeconfig` / `KUBILITICS_KUBECONFIG_PATH`.
    Configured,
    /// Listed in `KUBECONFIG`.
    Env,
    /// `~/.kube/config`.
    Default,
    /// Imported through Kubilitics into `<home>/kubeconfigs/`.
    Imported,
}

/// Where to look, captured once at start-up.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub configured: Option<PathBuf>,
    /// The raw value of `KUBECONFIG`.
    pub env: Option<std::ffi::OsString>,
    /// The user's home (for `~/.kube/config`).
    pub user_home: Option<PathBuf>,
    /// `<kubilitics home>/kubeconfigs`.
    pub imported_dir: Option<PathBuf>,
}

impl Sources {
    /// From the configuration and this process's environment.
    pub fn from_env(configured: &str, kubilitics_home: &Path) -> Sources {
        Sources {
            configured: (!configured.is_empty()).then(|| expand_tilde(configured)),
            env: std::env::var_os("KUBECONFIG"),
            user_home: std::env::var_os("HOME").map(PathBuf::from),
            imported_dir: Some(kubilitics_home.join("kubeconfigs")),
        }
    }

    /// The files to read, in merge order.
    pub fn files(&self) -> Vec<(PathBuf, Origin)> {
        let mut out = Vec::new();
        if let Some(p) = &self.configured {
            out.push((p.clone(), Origin::Configured));
        } else if let Some(list) = self.env.as_ref().filter(|v| !v.is_empty()) {
            for p in std::env::split_paths(list).filter(|p| !p.as_os_str().is_empty()) {
                if !out.iter().any(|(q, _)| *q == p) {
                    out.push((p, Origin::Env));
                }
            }
        } else if let Some(h) = &self.user_home {
            out.push((h.join(".kube").join("config"), Origin::Default));
        }
        if let Some(dir) = &self.imported_dir
            && let Ok(entries) = std::fs::read_dir(dir)
        {
            let mut imported: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
                .collect();
            imported.sort();
            out.extend(imported.into_iter().map(|p| (p, Origin::Imported)));
        }
        out
    }
}

fn expand_tilde(p: &str) -> PathBuf {
    match (p.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(p),
    }
}

/// One context as kubectl would resolve it, with the file that defined it.
#[derive(Debug, Clone)]
pub struct ContextEntry {
    pub name: String,
    pub cluster: String,
    pub user: Option<String>,
    pub namespace: Option<String>,
    pub source: PathBuf,
    pub origin: Origin,
}

/// The merged view of every kubeconfig found.
#[derive(Debug, Clone, Default)]
pub struct Merged {
    pub config: Kubeconfig,
    pub contexts: Vec<ContextEntry>,
    pub current: Option<String>,
    /// Files that exist but could not be read, with why (shown, never fatal).
    pub problems: Vec<(PathBuf, String)>,
}

impl Merged {
    pub fn context(&self, name: &str) -> Option<&ContextEntry> {
        self.contexts.iter().find(|c| c.name == name)
    }

    pub fn cluster(&self, name: &str) -> Option<&NamedCluster> {
        self.config.clusters.iter().find(|c| c.name == name)
    }

    pub fn user(&self, name: &str) -> Option<&NamedAuthInfo> {
        self.config.auth_infos.iter().find(|u| u.name == name)
    }

    /// A kubeconfig holding only what `context` needs, for building its client.
    pub fn single(&self, context: &str) -> Option<Kubeconfig> {
        let entry = self.context(context)?;
        let mut kc = Kubeconfig {
            current_context: Some(context.to_string()),
            ..Kubeconfig::default()
        };
        kc.contexts = self
            .config
            .contexts
            .iter()
            .filter(|c| c.name == context)
            .cloned()
            .collect();
        kc.clusters = self.cluster(&entry.cluster).into_iter().cloned().collect();
        if let Some(u) = entry.user.as_deref().and_then(|u| self.user(u)) {
            kc.auth_infos = vec![u.clone()];
        }
        Some(kc)
    }
}

/// Reads and merges every file of `sources`. Missing files are skipped (kubectl does the same
/// for `KUBECONFIG` entries); unreadable ones are reported in `problems`.
pub fn load(sources: &Sources) -> Merged {
    let mut merged = Merged::default();
    let mut config = Kubeconfig::default();
    for (path, origin) in sources.files() {
        if !path.exists() {
            continue;
        }
        let file = match Kubeconfig::read_from(&path) {
            Ok(f) => f,
            Err(e) => {
                merged.problems.push((path.clone(), e.to_string()));
                continue;
            }
        };
        for named in &file.contexts {
            if merged.contexts.iter().any(|c| c.name == named.name) {
                continue;
            }
            let ctx = named.context.clone().unwrap_or_default();
            merged.contexts.push(ContextEntry {
                name: named.name.clone(),
                cluster: ctx.cluster,
                user: ctx.user,
                namespace: ctx.namespace,
                source: path.clone(),
                origin,
            });
        }
        // Imported files never decide the current context of the user's own kubeconfig.
        let current = file.current_context.clone().filter(|c| !c.is_empty());
        match config.clone().merge(file) {
            Ok(c) => config = c,
            Err(e) => merged.problems.push((path.clone(), e.to_string())),
        }
        if origin != Origin::Imported && merged.current.is_none() {
            merged.current = current;
        }
    }
    merged.config = config;
    if merged.current.is_none() {
        merged.current = merged.contexts.first().map(|c| c.name.clone());
    }
    merged
}

/// A problem in a kubeconfig being imported, pointing at the line and field.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ImportProblem {
    /// 1-based; absent when the problem has no single place.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// Like `users[0].user.exec.command`.
    pub field: Option<String>,
    pub message: String,
}

impl std::fmt::Display for ImportProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(l) = self.line {
            write!(f, "line {l}: ")?;
        }
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// Parses and checks a kubeconfig to import. Nothing is written and nothing runs.
pub fn parse_for_import(text: &str) -> Result<Kubeconfig, ImportProblem> {
    if text.trim().is_empty() {
        return Err(ImportProblem {
            line: None,
            column: None,
            field: None,
            message: "the kubeconfig is empty; paste the whole file (it starts with 'apiVersion: v1')".into(),
        });
    }
    // Syntax first, with the position serde_norway reports.
    let value: serde_norway::Value = serde_norway::from_str(text).map_err(|e| yaml_problem(&e))?;
    // Then the structure, field by field, so the message names the field and its line.
    check_shape(&value, text)?;
    check_fields(&value, text)?;
    let kc: Kubeconfig = serde_norway::from_value(value).map_err(|e| yaml_problem(&e))?;
    check_references(&kc, text)?;
    Ok(kc)
}

fn yaml_problem(e: &serde_norway::Error) -> ImportProblem {
    let text = e.to_string();
    // serde_norway prefixes the path ("users[0].user: ...") and appends " at line L column C".
    let (field, rest) = match text.split_once(": ") {
        Some((f, r)) if !f.contains(' ') => (Some(f.to_string()), r.to_string()),
        _ => (None, text.clone()),
    };
    let message = rest.split(" at line ").next().unwrap_or(&rest).to_string();
    ImportProblem {
        line: e.location().map(|l| l.line()),
        column: e.location().map(|l| l.column()),
        field,
        message,
    }
}

fn problem(text: &str, field: String, needle: Option<&str>, message: impl Into<String>) -> ImportProblem {
    ImportProblem {
        line: needle.and_then(|n| line_of(text, n)),
        column: None,
        field: Some(field),
        message: message.into(),
    }
}

/// The first line containing `needle` (a key or a name), 1-based.
fn line_of(text: &str, needle: &str) -> Option<usize> {
    text.lines().position(|l| l.contains(needle)).map(|i| i + 1)
}

fn check_shape(v: &serde_norway::Value, text: &str) -> Result<(), ImportProblem> {
    use serde_norway::Value;
    let Some(map) = v.as_mapping() else {
        return Err(problem(
            text,
            "(document)".into(),
            None,
            "a kubeconfig is a mapping with clusters, users and contexts",
        ));
    };
    for (key, item_key) in [("clusters", "cluster"), ("users", "user"), ("contexts", "context")] {
        let Some(list) = map.get(key) else { continue };
        if list.is_null() {
            continue;
        }
        let Some(items) = list.as_sequence() else {
            return Err(problem(
                text,
                key.into(),
                Some(&format!("{key}:")),
                "must be a list of entries with 'name' and '{item_key}'",
            ));
        };
        for (i, item) in items.iter().enumerate() {
            let name = item.get("name").and_then(Value::as_str);
            if name.is_none_or(str::is_empty) {
                return Err(problem(
                    text,
                    format!("{key}[{i}].name"),
                    Some(&format!("{key}:")),
                    "every entry needs a non-empty name",
                ));
            }
            let name = name.unwrap_or_default();
            let needle = format!("name: {name}");
            if item.get(item_key).is_none_or(|b| !b.is_mapping()) {
                return Err(problem(
                    text,
                    format!("{key}[{i}].{item_key}"),
                    Some(&needle),
                    format!("'{name}' has no '{item_key}' mapping"),
                ));
            }
        }
    }
    Ok(())
}

/// Deserializes each field of each entry alone, so a type error names its field and line
/// (the whole-document error loses both inside kube's flattened types).
fn check_fields(v: &serde_norway::Value, text: &str) -> Result<(), ImportProblem> {
    use kube::config::{AuthInfo, Cluster, Context};
    use serde_norway::{Mapping, Value};
    fn try_as(section: &str, v: Value) -> Result<(), serde_norway::Error> {
        let r = match section {
            "clusters" => serde_norway::from_value::<Cluster>(v).map(|_| ()),
            "users" => serde_norway::from_value::<AuthInfo>(v).map(|_| ()),
            _ => serde_norway::from_value::<Context>(v).map(|_| ()),
        };
        // Alone, a field lacks its required siblings; that is not its fault.
        match r {
            Err(e) if e.to_string().starts_with("missing field") => Ok(()),
            r => r,
        }
    }
    let single = |k: &Value, v: Value| {
        let mut m = Mapping::new();
        m.insert(k.clone(), v);
        Value::Mapping(m)
    };
    for (section, item_key) in [("clusters", "cluster"), ("users", "user"), ("contexts", "context")] {
        let Some(items) = v.get(section).and_then(Value::as_sequence) else {
            continue;
        };
        let section_line = line_of(text, &format!("{section}:")).unwrap_or(1);
        for (i, item) in items.iter().enumerate() {
            let name = item.get("name").and_then(Value::as_str).unwrap_or_default();
            let Some(body) = item.get(item_key).and_then(Value::as_mapping) else {
                continue;
            };
            let start = line_after(text, section_line, &format!("name: {name}")).unwrap_or(section_line);
            // The entry starts at the `- ` line at or before its name.
            let entry = (1..=start)
                .rev()
                .find(|l| {
                    text.lines()
                        .nth(l - 1)
                        .is_some_and(|t| t.trim_start().starts_with("- "))
                })
                .unwrap_or(start);
            for (k, val) in body {
                let key = k.as_str().unwrap_or_default();
                let Err(e) = try_as(section, single(k, val.clone())) else {
                    continue;
                };
                let mut field = format!("{section}[{i}].{item_key}.{key}");
                let mut needle = format!("{key}:");
                if let Some(sub) = val.as_mapping() {
                    for (sk, sv) in sub {
                        if try_as(section, single(k, single(sk, sv.clone()))).is_err() {
                            let sk = sk.as_str().unwrap_or_default();
                            field = format!("{field}.{sk}");
                            needle = format!("{sk}:");
                            break;
                        }
                    }
                }
                let message = e.to_string();
                return Err(ImportProblem {
                    line: line_after(text, entry, &needle),
                    column: None,
                    field: Some(field),
                    message: message.split(" at line ").next().unwrap_or(&message).to_string(),
                });
            }
        }
    }
    Ok(())
}

/// The first line at or after `from` (1-based) containing `needle`.
fn line_after(text: &str, from: usize, needle: &str) -> Option<usize> {
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .find(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
}

fn check_references(kc: &Kubeconfig, text: &str) -> Result<(), ImportProblem> {
    if kc.contexts.is_empty() {
        return Err(problem(
            text,
            "contexts".into(),
            None,
            "the kubeconfig defines no context; add one naming a cluster and a user",
        ));
    }
    for (i, c) in kc.clusters.iter().enumerate() {
        let server = c.cluster.as_ref().and_then(|c| c.server.as_deref()).unwrap_or("");
        if server.is_empty() {
            return Err(problem(
                text,
                format!("clusters[{i}].cluster.server"),
                Some(&format!("name: {}", c.name)),
                format!("cluster '{}' has no server URL", c.name),
            ));
        }
        if !(server.starts_with("https://") || server.starts_with("http://")) {
            return Err(problem(
                text,
                format!("clusters[{i}].cluster.server"),
                Some(server),
                format!("'{server}' is not an http(s) URL"),
            ));
        }
    }
    for (i, c) in kc.contexts.iter().enumerate() {
        let ctx = c.context.clone().unwrap_or_default();
        if !kc.clusters.iter().any(|k| k.name == ctx.cluster) {
            return Err(problem(
                text,
                format!("contexts[{i}].context.cluster"),
                Some(&format!("cluster: {}", ctx.cluster)),
                format!(
                    "context '{}' names cluster '{}', which this kubeconfig does not define",
                    c.name, ctx.cluster
                ),
            ));
        }
        if let Some(u) = &ctx.user
            && !kc.auth_infos.iter().any(|a| &a.name == u)
        {
            return Err(problem(
                text,
                format!("contexts[{i}].context.user"),
                Some(&format!("user: {u}")),
                format!(
                    "context '{}' names user '{u}', which this kubeconfig does not define",
                    c.name
                ),
            ));
        }
    }
    Ok(())
}

/// Writes an imported kubeconfig to `dir` (0600) under a name derived from its first context;
/// returns the path. Refuses names that are already defined by another source.
pub fn store_import(dir: &Path, text: &str, kc: &Kubeconfig, existing: &Merged) -> Result<PathBuf, ClusterError> {
    if let Some(clash) = kc.contexts.iter().find(|c| existing.context(&c.name).is_some()) {
        let other = existing
            .context(&clash.name)
            .map(|c| c.source.display().to_string())
            .unwrap_or_default();
        return Err(ClusterError::Import(ImportProblem {
            line: line_of(text, &format!("name: {}", clash.name)),
            column: None,
            field: Some("contexts".into()),
            message: format!(
                "context '{}' already exists (from {other}); rename it in the pasted kubeconfig",
                clash.name
            ),
        }));
    }
    // A full disk is the user's to fix, so it gets its own error; the file is written all or
    // nothing, so a failed import leaves no half kubeconfig for the next discovery to trip on.
    let io = |what: String, e: std::io::Error| {
        if crate::files::is_disk_full(&e) {
            ClusterError::DiskFull(dir.to_path_buf())
        } else {
            ClusterError::Io(what, e)
        }
    };
    create_private_dir(dir).map_err(|e| io(format!("cannot create {}", dir.display()), e))?;
    let stem: String = kc.contexts[0]
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(60)
        .collect();
    let mut path = dir.join(format!("{stem}.yaml"));
    let mut n = 1;
    while path.exists() {
        n += 1;
        path = dir.join(format!("{stem}-{n}.yaml"));
    }
    crate::files::write_private(&path, text.as_bytes())
        .map_err(|e| io(format!("cannot write {}", path.display()), e))?;
    Ok(path)
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Names per source, for messages.
pub fn contexts_by_file(merged: &Merged) -> BTreeMap<PathBuf, Vec<String>> {
    let mut out: BTreeMap<PathBuf, Vec<String>> = BTreeMap::new();
    for c in &merged.contexts {
        out.entry(c.source.clone()).or_default().push(c.name.clone());
    }
    out
}

#[cfg(test)]
#[path = "kubeconfig_tests.rs"]
mod tests;
