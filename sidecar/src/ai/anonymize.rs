//! Optional anonymisation of names (`ai.anonymize_names`): object names, namespaces, node names
//! and the context's name are replaced by stable placeholders (`pod-1`, `ns-1`, `node-1`,
//! `context-1`) in everything sent to an LLM provider, and the provider's answer (its text and
//! the arguments of its tool calls) is mapped back before anything reads it. So a tool call that
//! names `pod-1` reads the real pod, and a conclusion or chat reply is stored with real names.
//!
//! What it is: a per-conversation dictionary ([`Names`]) that learns the names it may meet (the
//! investigated scope, the gathered snapshot, tool results) and a provider wrapper
//! ([`Anonymized`]) that applies it to every message on its way out and every answer on its way
//! in, retries included. What it is not: a guarantee. A name the dictionary never learnt (one
//! only mentioned in a log line, say) is sent as it is; names are replaced as whole words (and
//! as the first part of a hyphenated word: `checkout-7c9` → `deployment-1-7c9`), never inside
//! other identifiers. Credentials are masked before this runs ([`super::mask`]); this hides
//! names, which are not secrets, only telling.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::Value;

use super::analyzers::Scope;
use super::finding::ObjectRef;
use super::llm::{ChatProvider, LlmError, Msg, ToolSpec, Turn};
use super::snapshot::Snapshot;

/// Said to the LLM (in the system prompt) when names are placeholders.
pub const PROMPT_NOTE: &str = "\nNames of objects, namespaces, nodes and the context are placeholders (ns-1, pod-2, \
     node-1, context-1): use them exactly as written, in tool calls too; they are mapped to the real names for you.";

/// Real names and their placeholders, both ways, for one conversation with the LLM.
#[derive(Debug, Default, Clone)]
pub struct Names {
    to_placeholder: HashMap<String, String>,
    to_real: HashMap<String, String>,
    counters: HashMap<String, usize>,
}

/// The placeholder prefix for a kind (`Pod` → `pod`, `Namespace` → `ns`): letters and digits
/// only, so a placeholder is always one word that maps back.
fn prefix(kind: &str) -> String {
    let p: String = kind
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    match p.as_str() {
        "namespace" => "ns".into(),
        "" => "object".into(),
        _ => p,
    }
}

impl Names {
    /// A dictionary that knows the context and the scope's names, in that order (so the
    /// investigated namespace is `ns-1` and its object the first of its kind).
    pub fn for_scope(context: &str, scope: &Scope) -> Names {
        let mut n = Names::default();
        n.add("context", context);
        match scope {
            Scope::Object { target } => {
                if let Some(ns) = &target.namespace {
                    n.add("Namespace", ns);
                }
                n.add(&target.kind, &target.name);
            }
            Scope::Namespace { namespace } => n.add("Namespace", namespace),
            Scope::Cluster => {}
        }
        n
    }

    /// Learns `name` as a `kind` (first kind wins: one placeholder per distinct string).
    pub fn add(&mut self, kind: &str, name: &str) {
        // Too short to be told from ordinary words and numbers without harm.
        if name.len() < 2 || name.chars().all(|c| c.is_ascii_digit()) || self.to_placeholder.contains_key(name) {
            return;
        }
        // A name that is itself someone's placeholder would map back wrongly.
        if self.to_real.contains_key(name) {
            return;
        }
        let p = prefix(kind);
        let placeholder = loop {
            let n = self.counters.entry(p.clone()).or_insert(0);
            *n += 1;
            let candidate = format!("{p}-{n}");
            if !self.to_placeholder.contains_key(&candidate) {
                break candidate;
            }
        };
        self.to_real.insert(placeholder.clone(), name.to_string());
        self.to_placeholder.insert(name.to_string(), placeholder);
    }

    fn add_meta(&mut self, kind: &str, meta: &ObjectMeta) {
        if let Some(ns) = &meta.namespace {
            self.add("Namespace", ns);
        }
        if let Some(name) = &meta.name {
            self.add(kind, name);
        }
        for o in meta.owner_references.iter().flatten() {
            self.add(&o.kind, &o.name);
        }
    }

    /// Learns every name in a snapshot: namespaces, nodes, then each kind's objects.
    pub fn learn_snapshot(&mut self, s: &Snapshot) {
        for x in &s.namespaces {
            self.add_meta("Namespace", &x.metadata);
        }
        for x in &s.nodes {
            self.add_meta("Node", &x.metadata);
        }
        for p in &s.pods {
            self.add_meta("Pod", &p.metadata);
            if let Some(spec) = &p.spec {
                if let Some(node) = spec.node_name.as_deref() {
                    self.add("Node", node);
                }
                if let Some(sa) = spec.service_account_name.as_deref() {
                    self.add("ServiceAccount", sa);
                }
            }
        }
        macro_rules! learn {
            ($($field:ident => $kind:literal),* $(,)?) => {
                $(for x in &s.$field { self.add_meta($kind, &x.metadata); })*
            };
        }
        learn!(
            deployments => "Deployment", replicasets => "ReplicaSet", statefulsets => "StatefulSet",
            daemonsets => "DaemonSet", jobs => "Job", cronjobs => "CronJob", services => "Service",
            endpointslices => "EndpointSlice", ingresses => "Ingress", ingressclasses => "IngressClass",
            networkpolicies => "NetworkPolicy", pvcs => "PersistentVolumeClaim", pvs => "PersistentVolume",
            storageclasses => "StorageClass", hpas => "HorizontalPodAutoscaler", pdbs => "PodDisruptionBudget",
            configmaps => "ConfigMap", secrets => "Secret",
        );
        for e in &s.events {
            let o = &e.involved_object;
            if let Some(ns) = &o.namespace {
                self.add("Namespace", ns);
            }
            if let Some(name) = &o.name {
                self.add(o.kind.as_deref().unwrap_or(""), name);
            }
        }
    }

    /// Learns the objects (and their namespaces) of `refs`.
    pub fn learn_refs<'a>(&mut self, refs: impl IntoIterator<Item = &'a ObjectRef>) {
        for o in refs {
            if let Some(ns) = &o.namespace {
                self.add("Namespace", ns);
            }
            self.add(&o.kind, &o.name);
        }
    }

    /// Learns the names in a tool result: objects (`kind` + `metadata`), references (`kind` +
    /// `name`), list rows (`name` + `age`, as `row_kind`), namespaces and node names.
    pub fn learn_value(&mut self, v: &Value, row_kind: Option<&str>) {
        match v {
            Value::Object(m) => {
                let s = |k: &str| m.get(k).and_then(Value::as_str);
                let kind = s("kind");
                if let Some(meta) = m.get("metadata") {
                    let meta_s = |k: &str| meta.get(k).and_then(Value::as_str);
                    if let Some(ns) = meta_s("namespace") {
                        self.add("Namespace", ns);
                    }
                    if let Some(name) = meta_s("name") {
                        self.add(kind.or(row_kind).unwrap_or(""), name);
                    }
                }
                if let (Some(k), Some(name)) = (kind, s("name")) {
                    self.add(k, name);
                }
                if let (Some(k), Some(name), Some(_)) = (row_kind, s("name"), s("age")) {
                    self.add(k, name);
                }
                if let Some(ns) = s("namespace") {
                    self.add("Namespace", ns);
                }
                if let Some(node) = s("node") {
                    self.add("Node", node);
                }
                // `nodeName`, `serviceAccountName`, `claimName`, `secretName`, `storageClassName`:
                // a reference to an object of the kind the key names.
                for (key, value) in m {
                    if let (Some(kind), Some(name)) = (key.strip_suffix("Name"), value.as_str())
                        && !kind.is_empty()
                        && key != "generateName"
                    {
                        let mut k = kind.to_string();
                        k[..1].make_ascii_uppercase();
                        self.add(&k, name);
                    }
                }
                for x in m.values() {
                    self.learn_value(x, row_kind);
                }
            }
            Value::Array(a) => a.iter().for_each(|x| self.learn_value(x, row_kind)),
            _ => {}
        }
    }

    /// `text` with every known real name replaced by its placeholder.
    pub fn hide(&self, text: &str) -> String {
        rewrite(text, &self.to_placeholder)
    }

    /// `text` with every placeholder replaced by the real name.
    pub fn reveal(&self, text: &str) -> String {
        rewrite(text, &self.to_real)
    }

    /// The placeholder of a real name, if it has one.
    pub fn placeholder(&self, name: &str) -> Option<&str> {
        self.to_placeholder.get(name).map(String::as_str)
    }
}

/// Every string in a JSON value (keys are field names, left alone) through `f`.
fn map_strings(v: &Value, f: &dyn Fn(&str) -> String) -> Value {
    match v {
        Value::String(s) => Value::String(f(s)),
        Value::Array(a) => Value::Array(a.iter().map(|x| map_strings(x, f)).collect()),
        Value::Object(m) => Value::Object(m.iter().map(|(k, x)| (k.clone(), map_strings(x, f))).collect()),
        other => other.clone(),
    }
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')
}

/// Replaces whole words found in `map`. A word is a run of letters, digits, `-`, `.` and `_`;
/// a backslash and the character after it separate words (text often carries JSON, where
/// `\ncheckout` is a line break before `checkout`).
fn rewrite(text: &str, map: &HashMap<String, String>) -> String {
    if map.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\\' {
            out.push(c);
            if let Some((_, next)) = chars.next() {
                out.push(next);
            }
            continue;
        }
        if !is_word_char(c) {
            out.push(c);
            continue;
        }
        let mut end = i + c.len_utf8();
        while let Some(&(j, d)) = chars.peek() {
            if !is_word_char(d) {
                break;
            }
            end = j + d.len_utf8();
            chars.next();
        }
        out.push_str(&rewrite_word(&text[i..end], map));
    }
    out
}

fn rewrite_word(word: &str, map: &HashMap<String, String>) -> String {
    let trim = |c: char| matches!(c, '-' | '.' | '_');
    let core = word.trim_start_matches(trim);
    let lead = &word[..word.len() - core.len()];
    let core = core.trim_end_matches(trim);
    let trail = &word[lead.len() + core.len()..];
    if core.is_empty() {
        return word.to_string();
    }
    let mapped = segment(core, map).unwrap_or_else(|| {
        // `redis.shop.svc.cluster.local`: each dotted part on its own.
        if core.contains('.') {
            core.split('.')
                .map(|p| segment(p, map).unwrap_or_else(|| p.to_string()))
                .collect::<Vec<_>>()
                .join(".")
        } else {
            core.to_string()
        }
    });
    format!("{lead}{mapped}{trail}")
}

/// The word mapped whole, or by its longest known hyphen-delimited prefix.
fn segment(word: &str, map: &HashMap<String, String>) -> Option<String> {
    if let Some(m) = map.get(word) {
        return Some(m.clone());
    }
    let mut cut = word.len();
    while let Some(at) = word[..cut].rfind('-') {
        if let Some(m) = map.get(&word[..at]) {
            return Some(format!("{m}{}", &word[at..]));
        }
        cut = at;
    }
    None
}

/// A provider that only ever sees placeholders: messages are hidden on the way out, the answer
/// revealed on the way in. Shares its dictionary with the loop that learns from tool results.
pub struct Anonymized {
    pub inner: Arc<dyn ChatProvider>,
    pub names: Arc<RwLock<Names>>,
}

impl Anonymized {
    fn hide_msg(names: &Names, m: &Msg) -> Msg {
        match m {
            Msg::System { content } => Msg::System {
                content: names.hide(content),
            },
            Msg::User { content } => Msg::User {
                content: names.hide(content),
            },
            Msg::Assistant { content, tool_calls } => Msg::Assistant {
                content: content.as_deref().map(|c| names.hide(c)),
                tool_calls: tool_calls
                    .iter()
                    .map(|t| super::llm::ToolCall {
                        arguments: map_strings(&t.arguments, &|s| names.hide(s)),
                        ..t.clone()
                    })
                    .collect(),
            },
            Msg::Tool { call_id, name, content } => Msg::Tool {
                call_id: call_id.clone(),
                name: name.clone(),
                content: names.hide(content),
            },
        }
    }
}

#[async_trait]
impl ChatProvider for Anonymized {
    fn id(&self) -> &str {
        self.inner.id()
    }
    fn display_name(&self) -> String {
        self.inner.display_name()
    }
    fn model(&self) -> &str {
        self.inner.model()
    }
    async fn chat(&self, messages: &[Msg], tools: &[ToolSpec]) -> Result<Turn, LlmError> {
        let hidden: Vec<Msg> = {
            let names = self.names.read().expect("names lock");
            messages.iter().map(|m| Self::hide_msg(&names, m)).collect()
        };
        let mut turn = self.inner.chat(&hidden, tools).await?;
        let names = self.names.read().expect("names lock");
        turn.text = turn.text.as_deref().map(|t| names.reveal(t));
        for call in &mut turn.tool_calls {
            call.arguments = map_strings(&call.arguments, &|s| names.reveal(s));
        }
        Ok(turn)
    }
    fn observe(&self, outcome: &Result<Turn, LlmError>) {
        self.inner.observe(outcome);
    }
}

/// `provider` itself, or wrapped so that it sees placeholders only, with the dictionary the
/// caller keeps teaching.
pub fn provider(
    provider: &Arc<dyn ChatProvider>,
    anonymize: bool,
    names: &Arc<RwLock<Names>>,
) -> Arc<dyn ChatProvider> {
    if anonymize {
        Arc::new(Anonymized {
            inner: provider.clone(),
            names: names.clone(),
        })
    } else {
        provider.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names() -> Names {
        let mut n = Names::for_scope(
            "prod-eu",
            &Scope::Object {
                target: ObjectRef::namespaced("Deployment", "shop", "checkout"),
            },
        );
        n.add("Pod", "checkout-7c9-abcde");
        n.add("Node", "ip-10-0-0-1.ec2.internal");
        n.add("Service", "redis");
        n
    }

    #[test]
    fn names_become_placeholders_as_whole_words_and_come_back() {
        let n = names();
        assert_eq!(n.placeholder("shop"), Some("ns-1"));
        assert_eq!(n.placeholder("checkout"), Some("deployment-1"));
        let text = "Pod shop/checkout-7c9-abcde on ip-10-0-0-1.ec2.internal cannot reach redis.shop.svc:6379; \
                    checkout-7c9-zzzzz too (context prod-eu). shopping_cart and CHECKOUT_URL stay.";
        let hidden = n.hide(text);
        assert_eq!(
            hidden,
            "Pod ns-1/pod-1 on node-1 cannot reach service-1.ns-1.svc:6379; \
             deployment-1-7c9-zzzzz too (context context-1). shopping_cart and CHECKOUT_URL stay."
        );
        assert_eq!(n.reveal(&hidden), text);
    }

    #[test]
    fn json_escapes_separate_words() {
        let n = names();
        let v = json!({"output": "NAME\ncheckout-7c9-abcde   1/1"});
        let hidden = n.hide(&v.to_string());
        assert!(!hidden.contains("checkout"), "{hidden}");
        assert_eq!(serde_json::from_str::<Value>(&n.reveal(&hidden)).unwrap(), v);
    }

    #[test]
    fn tool_results_teach_names() {
        let mut n = Names::default();
        n.learn_value(
            &json!({"items": [{"name": "web-1", "namespace": "blog", "age": "3d", "node": "worker-a"}],
                    "object": {"kind": "ConfigMap", "metadata": {"name": "settings", "namespace": "blog", "generateName": "settings-"}},
                    "spec": {"serviceAccountName": "web-sa", "volumes": [{"persistentVolumeClaim": {"claimName": "web-data"}}]},
                    "containers": [{"name": "app", "image": "x"}]}),
            Some("Pod"),
        );
        assert_eq!(n.placeholder("web-1"), Some("pod-1"));
        assert_eq!(n.placeholder("blog"), Some("ns-1"));
        assert_eq!(n.placeholder("worker-a"), Some("node-1"));
        assert_eq!(n.placeholder("settings"), Some("configmap-1"));
        assert_eq!(n.placeholder("web-sa"), Some("serviceaccount-1"));
        assert_eq!(n.placeholder("web-data"), Some("claim-1"));
        assert_eq!(n.placeholder("settings-"), None);
        assert_eq!(n.placeholder("app"), None, "a container name is not an object name");
        n.add("Odd Kind/1", "odd-one");
        assert_eq!(
            n.placeholder("odd-one"),
            Some("oddkind1-1"),
            "one word whatever the kind"
        );
    }

    #[test]
    fn a_real_name_that_looks_like_a_placeholder_is_not_reused() {
        let mut n = Names::default();
        n.add("Pod", "pod-1");
        n.add("Pod", "web");
        assert_eq!(n.placeholder("pod-1"), Some("pod-1"));
        assert_eq!(n.placeholder("web"), Some("pod-2"));
        assert_eq!(n.reveal("pod-2"), "web");
    }
}
