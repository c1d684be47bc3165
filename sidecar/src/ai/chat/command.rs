//! kubectl-like commands from chat, typed by a person (`kubectl get pods -n shop`) or asked for
//! by the LLM through its `kubectl` tool: split into words with shlex, never handed to a shell,
//! and turned into a typed [`Command`] — a read the sidecar does through its own client for the
//! context, or a typed change ([`ops::Action`]) that only the safety gate may let run.
//!
//! Threat model: the text may come from the LLM, which reads what an attacker wrote in a log, or
//! from a person pasting a shell line. So: anything that would mean more than one command or a
//! shell at work (`;`, `&&`, `||`, `|`, `&`, `$(`, backticks, redirections, line breaks) is
//! refused whole, quoted or not; flags that point the client somewhere else or make it someone
//! else (`--server`/`-s`, `--token`, `--kubeconfig`, `--as`, `--as-group`,
//! `--certificate-authority`, `--insecure-skip-tls-verify`, `--context`...) are refused in both
//! `--flag value` and `--flag=value` forms; a flag this parser does not know is refused rather
//! than ignored; verbs that would run a process, open a tunnel or copy files never parse.

use crate::cluster::kinds;
use crate::cluster::ops;

/// Flags that would send the request to another server, with other credentials, as another
/// identity, or without verifying the server: never accepted from chat.
pub const REDIRECTING_FLAGS: &[&str] = &[
    "--server",
    "-s",
    "--token",
    "--kubeconfig",
    "--as",
    "--as-group",
    "--as-uid",
    "--certificate-authority",
    "--insecure-skip-tls-verify",
    "--client-certificate",
    "--client-key",
    "--username",
    "--password",
    "--tls-server-name",
    "--context",
    "--cluster",
    "--user",
];

/// Shell syntax that would chain, pipe, substitute or redirect: (what to look for, its name).
const COMPOSITE: &[(&str, &str)] = &[
    ("&&", "'&&' (a second command)"),
    ("||", "'||' (a second command)"),
    ("$(", "'$(' (command substitution)"),
    ("`", "a backtick (command substitution)"),
    (";", "';' (a second command)"),
    ("|", "'|' (a pipe)"),
    ("&", "'&' (a background command)"),
    (">", "'>' (a redirection)"),
    ("<", "'<' (a redirection)"),
    ("\n", "a line break (a second command)"),
    ("\r", "a line break (a second command)"),
];

/// Why a command was not accepted; the message says what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the command is empty; try e.g. `kubectl get pods -n shop`")]
    Empty,
    #[error(
        "refused: the command contains {0}. Chat runs exactly one kubectl-like command and never through a shell; send one command without shell syntax"
    )]
    Composite(&'static str),
    #[error("refused: the quotes in the command do not balance")]
    Quotes,
    #[error(
        "refused: {0} would point the client at another server, credentials or identity; chat commands always run against the conversation's context with its own credentials"
    )]
    RedirectingFlag(String),
    #[error(
        "refused: `{0}` is never run from chat: it would start a process, open a tunnel, copy files or change the client's configuration"
    )]
    NeverRun(String),
    #[error(
        "`{0}` is not supported from chat; read with get, describe, logs, events, api-resources, explain, top or rollout status|history, and change with delete, scale, rollout restart|undo, cordon, uncordon, drain or set image (those wait for approval)"
    )]
    Unsupported(String),
    #[error("flag {0} is not understood here, so the command was not run")]
    UnknownFlag(String),
    #[error("{0}")]
    Usage(String),
}

/// Which namespace a read covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Namespace {
    /// The conversation's target namespace, else the context's, else `default`.
    Default,
    Named(String),
    All,
}

impl Namespace {
    /// The namespace to use, given the default.
    pub fn resolve(&self, default: &str) -> Option<String> {
        match self {
            Namespace::Default => Some(default.to_string()),
            Namespace::Named(n) => Some(n.clone()),
            Namespace::All => None,
        }
    }
}

/// A read: runs directly (when `ai.chat.enable_kubectl_commands` is on).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Read {
    Get {
        /// As typed: a plural, short name, Kind or `plural.group`.
        kind: String,
        name: Option<String>,
        namespace: Namespace,
        selector: Option<String>,
        /// `json`, `yaml`, `wide`, `name` or None.
        output: Option<String>,
    },
    Describe {
        kind: String,
        name: String,
        namespace: Namespace,
    },
    Logs {
        pod: String,
        container: Option<String>,
        namespace: Namespace,
        previous: bool,
        tail: i64,
    },
    Events {
        namespace: Namespace,
    },
    ApiResources,
    /// `rollout status|history KIND/NAME`, from the same evidence the investigator reads.
    Rollout {
        history: bool,
        /// `Deployment`, `StatefulSet` or `DaemonSet` (history: `Deployment`).
        kind: &'static str,
        name: String,
        namespace: Namespace,
    },
    /// `explain KIND`: what the kind is and how the API names it (no field paths).
    Explain {
        kind: String,
    },
    /// `top pods|nodes [NAME]`: CPU and memory from metrics.k8s.io (metrics-server).
    Top {
        nodes: bool,
        name: Option<String>,
        namespace: Namespace,
    },
}

/// A parsed command.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Read(Read),
    /// A change: never runs from chat directly; the gate decides and a person approves.
    Change {
        action: ops::Action,
        /// The Kubernetes kind (`Deployment`).
        kind: String,
        namespace: Namespace,
        name: String,
    },
}

impl Command {
    /// The verb, for results (`get`, `delete`, `rollout restart`...).
    pub fn verb(&self) -> &'static str {
        match self {
            Command::Read(Read::Get { .. }) => "get",
            Command::Read(Read::Describe { .. }) => "describe",
            Command::Read(Read::Logs { .. }) => "logs",
            Command::Read(Read::Events { .. }) => "events",
            Command::Read(Read::ApiResources) => "api-resources",
            Command::Read(Read::Rollout { history: false, .. }) => "rollout status",
            Command::Read(Read::Rollout { history: true, .. }) => "rollout history",
            Command::Read(Read::Explain { .. }) => "explain",
            Command::Read(Read::Top { .. }) => "top",
            Command::Change { action, .. } => match action {
                ops::Action::Delete | ops::Action::DeletePod => "delete",
                ops::Action::Scale { .. } => "scale",
                ops::Action::RolloutRestart => "rollout restart",
                ops::Action::Rollback { .. } => "rollout undo",
                ops::Action::Cordon => "cordon",
                ops::Action::Uncordon => "uncordon",
                ops::Action::Drain => "drain",
                _ => "set image",
            },
        }
    }
}

/// Verbs that would run a process, open a tunnel, copy files or touch the client's config.
const NEVER_RUN: &[&str] = &[
    "exec",
    "attach",
    "cp",
    "port-forward",
    "proxy",
    "debug",
    "run",
    "config",
    "plugin",
    "auth",
    "certificate",
    "kustomize",
    "alpha",
    "completion",
];

/// Log lines returned when `--tail` is not given, and at most.
pub const DEFAULT_TAIL: i64 = 100;
pub const MAX_TAIL: i64 = 2000;

/// Whether a chat message is a command rather than a question: it starts with `kubectl`.
pub fn is_command(message: &str) -> bool {
    let t = message.trim_start();
    t == "kubectl" || t.starts_with("kubectl ") || t.starts_with("kubectl\t")
}

/// Flags that take a value (long names; the short ones are mapped to these).
const VALUE_FLAGS: &[&str] = &[
    "--namespace",
    "--selector",
    "--output",
    "--container",
    "--tail",
    "--replicas",
    "--to-revision",
];
const BOOL_FLAGS: &[&str] = &["--all-namespaces", "--previous"];

fn long_name(short: &str) -> Option<&'static str> {
    Some(match short {
        "-n" => "--namespace",
        "-l" => "--selector",
        "-o" => "--output",
        "-c" => "--container",
        "-A" => "--all-namespaces",
        "-p" => "--previous",
        _ => return None,
    })
}

/// Words and flags of a command line.
#[derive(Debug, Default)]
struct Words {
    args: Vec<String>,
    flags: Vec<(&'static str, Option<String>)>,
}

impl Words {
    fn flag(&self, name: &str) -> Option<&(&'static str, Option<String>)> {
        self.flags.iter().find(|(n, _)| *n == name)
    }
    fn value(&self, name: &str) -> Option<&str> {
        self.flag(name).and_then(|(_, v)| v.as_deref())
    }
    fn has(&self, name: &str) -> bool {
        self.flag(name).is_some()
    }
    /// Refuses flags other than `allowed` (and `--namespace`, always allowed): a flag this parser
    /// was not told a verb takes is refused, never ignored.
    fn accept_flags(&self, verb: &str, allowed: &[&str]) -> Result<(), Refusal> {
        for (n, _) in &self.flags {
            if *n != "--namespace" && !allowed.contains(n) {
                return Err(Refusal::UnknownFlag(format!("{n} (with {verb})")));
            }
        }
        Ok(())
    }
    fn namespace(&self) -> Result<Namespace, Refusal> {
        match (self.value("--namespace"), self.has("--all-namespaces")) {
            (Some(_), true) => Err(Refusal::Usage(
                "give either --namespace or --all-namespaces, not both".into(),
            )),
            (Some(n), false) => Ok(Namespace::Named(n.to_string())),
            (None, true) => Ok(Namespace::All),
            (None, false) => Ok(Namespace::Default),
        }
    }
}

/// Redirecting flags that are switches, not followed by a value.
const SWITCHES: &[&str] = &["--insecure-skip-tls-verify"];

/// The line with every redirecting flag's value replaced by `***`, for what is stored, audited or
/// shown back: a refused `--token abc` must not leave the token in the history or the audit log.
/// Splits on whitespace only (not shlex) so it also covers lines that do not parse.
pub fn redact(line: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut hide_next = false;
    for word in line.split_whitespace() {
        if hide_next {
            out.push("***".into());
            hide_next = false;
            continue;
        }
        match redirecting(word) {
            Some(_) if word.contains('=') => out.push(format!("{}=***", word.split_once('=').map_or(word, |(n, _)| n))),
            Some(name) if name == "-s" && word.len() > 2 && !word.starts_with("--") => out.push("-s***".into()),
            Some(name) => {
                hide_next = !SWITCHES.contains(&name.as_str());
                out.push(word.into());
            }
            None => out.push(word.into()),
        }
    }
    out.join(" ")
}

/// Whether a flag word names a redirecting flag (`--server`, `--server=x`, `-s`, `-shost`).
fn redirecting(word: &str) -> Option<String> {
    let name = word.split_once('=').map_or(word, |(n, _)| n);
    if REDIRECTING_FLAGS.contains(&name) {
        return Some(name.to_string());
    }
    // `-shttps://host` is `-s https://host` to kubectl's flag parser.
    if word.starts_with("-s") && !word.starts_with("--") {
        return Some("-s".into());
    }
    None
}

fn split(line: &str) -> Result<Words, Refusal> {
    for (needle, what) in COMPOSITE {
        if line.contains(needle) {
            return Err(Refusal::Composite(what));
        }
    }
    let mut tokens = shlex::split(line).ok_or(Refusal::Quotes)?;
    if tokens.first().map(String::as_str) == Some("kubectl") {
        tokens.remove(0);
    }
    if tokens.is_empty() {
        return Err(Refusal::Empty);
    }
    // Before anything else: no command runs with a redirecting flag anywhere in it.
    if let Some(f) = tokens
        .iter()
        .filter(|t| t.starts_with('-'))
        .find_map(|t| redirecting(t))
    {
        return Err(Refusal::RedirectingFlag(f));
    }
    let mut words = Words::default();
    let mut it = tokens.into_iter();
    while let Some(t) = it.next() {
        if t == "--" || !t.starts_with('-') || t == "-" {
            words.args.push(t);
            continue;
        }
        let (name, inline) = match t.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (t.clone(), None),
        };
        // `-nshop` is `-n shop`.
        let (name, inline) = if !name.starts_with("--") && name.len() > 2 && inline.is_none() {
            (name[..2].to_string(), Some(name[2..].to_string()))
        } else {
            (name, inline)
        };
        let long: &'static str = if name.starts_with("--") {
            VALUE_FLAGS
                .iter()
                .chain(BOOL_FLAGS)
                .find(|f| **f == name)
                .copied()
                .ok_or_else(|| Refusal::UnknownFlag(name.clone()))?
        } else {
            long_name(&name).ok_or_else(|| Refusal::UnknownFlag(name.clone()))?
        };
        if BOOL_FLAGS.contains(&long) {
            match inline.as_deref() {
                None | Some("true") => words.flags.push((long, None)),
                Some("false") => {}
                Some(v) => return Err(Refusal::Usage(format!("{long} takes no value (got '{v}')"))),
            }
            continue;
        }
        let value = match inline {
            Some(v) => v,
            None => it
                .next()
                .filter(|v| !v.starts_with('-') || long == "--selector")
                .ok_or_else(|| Refusal::Usage(format!("{long} needs a value")))?,
        };
        if value.is_empty() {
            return Err(Refusal::Usage(format!("{long} needs a value")));
        }
        words.flags.push((long, Some(value)));
    }
    Ok(words)
}

/// `kind/name` or `kind name` from the arguments after the verb.
fn object(verb: &str, args: &[String]) -> Result<(String, String), Refusal> {
    match args {
        [one] if one.contains('/') => {
            let (k, n) = one.split_once('/').expect("contains /");
            if k.is_empty() || n.is_empty() || n.contains('/') {
                return Err(Refusal::Usage(format!("`{one}` is not KIND/NAME")));
            }
            Ok((k.to_string(), n.to_string()))
        }
        [kind, name] if !kind.contains('/') && !name.contains('/') => Ok((kind.clone(), name.clone())),
        _ => Err(Refusal::Usage(format!(
            "{verb} needs exactly one object: KIND NAME or KIND/NAME (got {})",
            if args.is_empty() { "none".into() } else { args.join(" ") }
        ))),
    }
}

/// The Kubernetes kind of a kind word the workbench knows (`deploy` → `Deployment`).
fn known_kind(verb: &str, word: &str) -> Result<&'static str, Refusal> {
    kinds::find(word).map(|k| k.kind).ok_or_else(|| {
        Refusal::Usage(format!(
            "{verb} works on the kinds the workbench knows (pods, deployments, statefulsets, nodes...); '{word}' is not one"
        ))
    })
}

fn number<T: std::str::FromStr>(flag: &str, v: &str) -> Result<T, Refusal> {
    v.parse()
        .map_err(|_| Refusal::Usage(format!("{flag} must be a whole number (got '{v}')")))
}

/// Parses one command line (`kubectl` in front is optional).
pub fn parse(line: &str) -> Result<Command, Refusal> {
    if line.trim().is_empty() {
        return Err(Refusal::Empty);
    }
    let w = split(line.trim())?;
    let verb = w.args[0].as_str();
    if NEVER_RUN.contains(&verb) {
        return Err(Refusal::NeverRun(verb.to_string()));
    }
    if w.args.iter().any(|a| a == "--") {
        return Err(Refusal::Usage(
            "'--' passes arguments to a program in the container; chat never runs one".into(),
        ));
    }
    let rest = &w.args[1..];
    match verb {
        "get" => {
            w.accept_flags("get", &["--all-namespaces", "--selector", "--output"])?;
            let (kind, name) = match rest {
                [k] if k.contains('/') => {
                    let (k, n) = object("get", rest)?;
                    (k, Some(n))
                }
                [k] => (k.clone(), None),
                [k, n] => (k.clone(), Some(n.clone())),
                [] => return Err(Refusal::Usage("get needs a kind: e.g. `get pods`".into())),
                _ => {
                    return Err(Refusal::Usage(
                        "get reads one kind, and at most one name, at a time".into(),
                    ));
                }
            };
            if kind.contains(',') {
                return Err(Refusal::Usage("get reads one kind at a time (no comma lists)".into()));
            }
            if name.is_some() && w.has("--selector") {
                return Err(Refusal::Usage("give a name or a --selector, not both".into()));
            }
            let output = w.value("--output").map(str::to_string);
            if let Some(o) = &output
                && !["json", "yaml", "wide", "name"].contains(&o.as_str())
            {
                return Err(Refusal::Usage(format!(
                    "--output {o} is not offered here (json, yaml, wide or name); templates are never evaluated"
                )));
            }
            Ok(Command::Read(Read::Get {
                kind,
                name,
                namespace: w.namespace()?,
                selector: w.value("--selector").map(str::to_string),
                output,
            }))
        }
        "describe" => {
            w.accept_flags("describe", &[])?;
            let (kind, name) = object("describe", rest)?;
            Ok(Command::Read(Read::Describe {
                kind,
                name,
                namespace: w.namespace()?,
            }))
        }
        "logs" | "log" => {
            w.accept_flags("logs", &["--container", "--previous", "--tail"])?;
            let pod = match rest {
                [p] => match p.split_once('/') {
                    Some((k, n)) if known_kind("logs", k)? == "Pod" => n.to_string(),
                    Some(_) => return Err(Refusal::Usage("logs reads a pod: `logs POD [-c CONTAINER]`".into())),
                    None => p.clone(),
                },
                [p, c] if !w.has("--container") => {
                    return parse_logs(&w, p.clone(), Some(c.clone()));
                }
                _ => return Err(Refusal::Usage("logs reads one pod: `logs POD [-c CONTAINER]`".into())),
            };
            parse_logs(&w, pod, None)
        }
        "events" => {
            w.accept_flags("events", &["--all-namespaces"])?;
            if !rest.is_empty() {
                return Err(Refusal::Usage("events takes no arguments, only -n or -A".into()));
            }
            Ok(Command::Read(Read::Events {
                namespace: w.namespace()?,
            }))
        }
        "api-resources" => {
            w.accept_flags("api-resources", &[])?;
            Ok(Command::Read(Read::ApiResources))
        }
        "delete" => {
            w.accept_flags("delete", &[])?;
            let (kind, name) = object("delete", rest)?;
            let kind = known_kind("delete", &kind)?;
            let action = if kind == "Pod" {
                ops::Action::DeletePod
            } else {
                ops::Action::Delete
            };
            change(action, kind, &w, name)
        }
        "scale" => {
            w.accept_flags("scale", &["--replicas"])?;
            let (kind, name) = object("scale", rest)?;
            let replicas: i32 = number(
                "--replicas",
                w.value("--replicas")
                    .ok_or_else(|| Refusal::Usage("scale needs --replicas=N".into()))?,
            )?;
            if replicas < 0 {
                return Err(Refusal::Usage("--replicas cannot be negative".into()));
            }
            change(ops::Action::Scale { replicas }, known_kind("scale", &kind)?, &w, name)
        }
        "rollout" => match rest.first().map(String::as_str) {
            Some("restart") => {
                w.accept_flags("rollout restart", &[])?;
                let (kind, name) = object("rollout restart", &rest[1..])?;
                change(
                    ops::Action::RolloutRestart,
                    known_kind("rollout restart", &kind)?,
                    &w,
                    name,
                )
            }
            Some("undo") => {
                w.accept_flags("rollout undo", &["--to-revision"])?;
                let (kind, name) = object("rollout undo", &rest[1..])?;
                let revision = w
                    .value("--to-revision")
                    .map(|v| number::<i64>("--to-revision", v))
                    .transpose()?
                    .filter(|r| *r != 0);
                change(
                    ops::Action::Rollback { revision },
                    known_kind("rollout undo", &kind)?,
                    &w,
                    name,
                )
            }
            Some(sub @ ("status" | "history")) => {
                let verb = format!("rollout {sub}");
                w.accept_flags(&verb, &[])?;
                let (kind, name) = object(&verb, &rest[1..])?;
                let kind = known_kind(&verb, &kind)?;
                let history = sub == "history";
                let kinds: &[&str] = if history {
                    &["Deployment"]
                } else {
                    &["Deployment", "StatefulSet", "DaemonSet"]
                };
                if !kinds.contains(&kind) {
                    return Err(Refusal::Usage(format!(
                        "{verb} reads {} here, not {kind}{}",
                        kinds.join(", "),
                        if history {
                            " (the sidecar keeps a Deployment's ReplicaSets, not ControllerRevisions)"
                        } else {
                            ""
                        }
                    )));
                }
                Ok(Command::Read(Read::Rollout {
                    history,
                    kind,
                    name,
                    namespace: w.namespace()?,
                }))
            }
            other => Err(Refusal::Unsupported(
                format!("rollout {}", other.unwrap_or("")).trim().to_string(),
            )),
        },
        "explain" => {
            w.accept_flags("explain", &[])?;
            let [word] = rest else {
                return Err(Refusal::Usage(
                    "explain takes one kind: e.g. `explain deployments`".into(),
                ));
            };
            // `pod.spec` is a field path (`deployments.apps` is a kind with its group).
            if let Some((head, tail)) = word.split_once('.')
                && let Some(k) = kinds::find(head)
                && tail != k.group
            {
                return Err(Refusal::Usage(format!(
                    "explain describes kinds here (`explain {}`); field paths such as `{word}` need the cluster's OpenAPI schema, which chat does not read",
                    k.name
                )));
            }
            Ok(Command::Read(Read::Explain { kind: word.clone() }))
        }
        "top" => {
            w.accept_flags("top", &["--all-namespaces"])?;
            let (what, name) = match rest {
                [what] => (what.as_str(), None),
                [what, name] => (what.as_str(), Some(name.clone())),
                _ => return Err(Refusal::Usage("top reads `pods [NAME]` or `nodes [NAME]`".into())),
            };
            let nodes = match known_kind("top", what)? {
                "Pod" => false,
                "Node" => true,
                other => return Err(Refusal::Usage(format!("top reads pods or nodes, not {other}"))),
            };
            if nodes && (w.has("--namespace") || w.has("--all-namespaces")) {
                return Err(Refusal::Usage("nodes have no namespace".into()));
            }
            Ok(Command::Read(Read::Top {
                nodes,
                name,
                namespace: w.namespace()?,
            }))
        }
        "cordon" | "uncordon" | "drain" => {
            w.accept_flags(verb, &[])?;
            let [node] = rest else {
                return Err(Refusal::Usage(format!("{verb} needs one node name")));
            };
            let node = node.strip_prefix("node/").unwrap_or(node);
            let action = match verb {
                "cordon" => ops::Action::Cordon,
                "uncordon" => ops::Action::Uncordon,
                _ => ops::Action::Drain,
            };
            if w.has("--namespace") {
                return Err(Refusal::Usage("nodes have no namespace".into()));
            }
            change(action, "Node", &w, node.to_string())
        }
        "set" => {
            if rest.first().map(String::as_str) != Some("image") {
                return Err(Refusal::Unsupported(format!("set {}", rest.first().map_or("", |s| s))));
            }
            w.accept_flags("set image", &[])?;
            let [obj, pair] = &rest[1..] else {
                return Err(Refusal::Usage("set image needs KIND/NAME CONTAINER=IMAGE".into()));
            };
            let (kind, name) = object("set image", std::slice::from_ref(obj))?;
            let kind = known_kind("set image", &kind)?;
            let (container, image) = pair
                .split_once('=')
                .filter(|(c, i)| !c.is_empty() && !i.is_empty())
                .ok_or_else(|| Refusal::Usage("set image needs CONTAINER=IMAGE".into()))?;
            let typed = crate::ai::actions::Action::SetImage {
                target: crate::ai::ObjectRef::new(kind, None, &name),
                container: container.into(),
                image: image.into(),
            };
            let action = typed.cluster_action().expect("set image is a cluster action");
            change(action, kind, &w, name)
        }
        other => Err(Refusal::Unsupported(other.to_string())),
    }
}

fn parse_logs(w: &Words, pod: String, container: Option<String>) -> Result<Command, Refusal> {
    let tail = match w.value("--tail") {
        Some(v) => number::<i64>("--tail", v)?,
        None => DEFAULT_TAIL,
    };
    let tail = if tail < 0 { MAX_TAIL } else { tail.min(MAX_TAIL) };
    Ok(Command::Read(Read::Logs {
        pod,
        container: container.or_else(|| w.value("--container").map(str::to_string)),
        namespace: w.namespace()?,
        previous: w.has("--previous"),
        tail,
    }))
}

fn change(action: ops::Action, kind: &str, w: &Words, name: String) -> Result<Command, Refusal> {
    let allowed = action.kinds();
    if !allowed.is_empty() && !allowed.contains(&kind) {
        return Err(Refusal::Usage(format!(
            "this change applies to {}, not {kind}",
            allowed.join(", ")
        )));
    }
    if w.has("--all-namespaces") {
        return Err(Refusal::Usage(
            "a change names one object; --all-namespaces is not accepted".into(),
        ));
    }
    let namespaced = kinds::find(kind).is_some_and(|k| k.namespaced);
    Ok(Command::Change {
        action,
        kind: kind.to_string(),
        namespace: if namespaced { w.namespace()? } else { Namespace::All },
        name,
    })
}

#[cfg(test)]
#[path = "command_tests.rs"]
mod tests;
