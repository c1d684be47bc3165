//! The contexts the user can reach and the ones connected now. Each connection has its own
//! client and watch cache; connecting one context never waits on another, so a broken cluster
//! only ever shows as that context's failure.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use kube::Client;
use serde::Serialize;
use utoipa::ToSchema;

use super::ClusterError;
use super::cache::ContextCache;
use super::client::{self, NoClient};
use super::credentials::{self, AuthKind, Failure, FailureKind, PluginCommand};
use super::kubeconfig::{self, Merged, Origin, Sources};
use super::watch::InitialList;
use crate::store::{ExecApproval, Store};

/// A live connection to one context.
pub struct Connection {
    pub context: String,
    pub server: String,
    pub client: Client,
    pub cache: ContextCache,
    pub connected_at: String,
}

/// One context as the API lists it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContextView {
    pub name: String,
    pub cluster: String,
    pub user: Option<String>,
    pub namespace: Option<String>,
    pub server: Option<String>,
    /// The kubeconfig file that defines it.
    pub source: String,
    pub origin: Origin,
    pub auth: AuthKind,
    /// The command its credentials run, when they do.
    pub plugin: Option<PluginCommand>,
    /// Whether that exact command is approved.
    pub plugin_approved: Option<bool>,
    pub current: bool,
    pub connected: bool,
    /// Known once a connection was tried: true when the API server answered.
    pub reachable: Option<bool>,
    pub failure: Option<Failure>,
}

#[derive(Default)]
struct State {
    merged: Merged,
    current: Option<String>,
    failures: HashMap<String, Failure>,
}

pub struct ClusterManager {
    sources: Sources,
    store: Arc<dyn Store>,
    timeout: Duration,
    state: RwLock<State>,
    connections: RwLock<HashMap<String, Arc<Connection>>>,
    /// Serialises connects per context so two requests do not start two caches.
    connecting: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl ClusterManager {
    pub fn new(sources: Sources, store: Arc<dyn Store>, timeout: Duration, default_context: &str) -> ClusterManager {
        let merged = kubeconfig::load(&sources);
        for (path, problem) in &merged.problems {
            tracing::warn!(path = %path.display(), problem = %problem, "kubeconfig skipped");
        }
        let current = if !default_context.is_empty() && merged.context(default_context).is_some() {
            Some(default_context.to_string())
        } else {
            merged.current.clone().filter(|c| merged.context(c).is_some())
        };
        tracing::info!(
            contexts = merged.contexts.len(),
            current = current.as_deref().unwrap_or(""),
            "kubeconfigs loaded"
        );
        ClusterManager {
            sources,
            store,
            timeout,
            state: RwLock::new(State {
                merged,
                current,
                failures: HashMap::new(),
            }),
            connections: RwLock::new(HashMap::new()),
            connecting: Mutex::new(HashMap::new()),
        }
    }

    /// The manager `serve` runs: kubeconfigs found as kubectl would (see [`Sources`]), and the
    /// current context connecting in the background (never delaying start-up).
    pub fn start(config: &crate::config::Config, store: Arc<dyn Store>, home: &Path) -> Arc<ClusterManager> {
        let k = &config.kubernetes;
        let sources = Sources::from_env(&k.kubeconfig_path, home);
        let manager = Arc::new(ClusterManager::new(
            sources,
            store,
            Duration::from_secs(k.request_timeout),
            &k.default_context,
        ));
        if let Some(current) = manager.current() {
            let m = manager.clone();
            tokio::spawn(async move {
                if let Err(e) = m.connect(&current).await {
                    tracing::warn!(context = %current, error = %e, "the current context is not connected");
                }
            });
        }
        manager
    }

    /// A manager with no kubeconfig at all (tests, or before configuration).
    pub fn empty(store: Arc<dyn Store>) -> ClusterManager {
        ClusterManager::new(Sources::default(), store, Duration::from_secs(10), "")
    }

    /// Why `context`'s last connection attempt failed, if it did.
    pub fn failure(&self, context: &str) -> Option<Failure> {
        self.state.read().expect("state lock").failures.get(context).cloned()
    }

    pub fn current(&self) -> Option<String> {
        self.state.read().expect("state lock").current.clone()
    }

    pub fn merged(&self) -> Merged {
        self.state.read().expect("state lock").merged.clone()
    }

    pub fn connection(&self, context: &str) -> Option<Arc<Connection>> {
        self.connections.read().expect("connections lock").get(context).cloned()
    }

    pub fn connections(&self) -> Vec<Arc<Connection>> {
        self.connections
            .read()
            .expect("connections lock")
            .values()
            .cloned()
            .collect()
    }

    /// Every context found, with what is known about it. Rereads the kubeconfigs first, as
    /// kubectl does on every run, so edits show (and a changed exec command needs approval).
    pub async fn contexts(&self) -> Vec<ContextView> {
        self.reload();
        let (merged, current, failures) = {
            let s = self.state.read().expect("state lock");
            (s.merged.clone(), s.current.clone(), s.failures.clone())
        };
        let mut out = Vec::with_capacity(merged.contexts.len());
        for c in &merged.contexts {
            let user = c
                .user
                .as_deref()
                .and_then(|u| merged.user(u))
                .and_then(|u| u.auth_info.as_ref());
            let plugin = client::plugin_state(&merged, &c.name, self.store.as_ref()).await;
            let connected = self.connection(&c.name).is_some();
            let failure = failures.get(&c.name).cloned();
            let reachable = if connected {
                Some(true)
            } else {
                failure.as_ref().and_then(|f| match f.kind {
                    FailureKind::ExecNotApproved | FailureKind::Config => None,
                    FailureKind::Unauthorized | FailureKind::Forbidden => Some(true),
                    _ => Some(false),
                })
            };
            out.push(ContextView {
                name: c.name.clone(),
                cluster: c.cluster.clone(),
                user: c.user.clone(),
                namespace: c.namespace.clone(),
                server: merged
                    .cluster(&c.cluster)
                    .and_then(|k| k.cluster.as_ref())
                    .and_then(|k| k.server.clone()),
                source: c.source.display().to_string(),
                origin: c.origin,
                auth: credentials::auth_kind(user),
                plugin_approved: plugin.as_ref().map(|p| p.1),
                plugin: plugin.map(|p| p.0),
                current: current.as_deref() == Some(c.name.as_str()),
                connected,
                reachable,
                failure,
            });
        }
        out
    }

    /// Connects `context` (or returns its live connection): builds the client, checks the API
    /// server answers, starts the watch cache.
    pub async fn connect(&self, context: &str) -> Result<Arc<Connection>, ClusterError> {
        if let Some(c) = self.connection(context) {
            return Ok(c);
        }
        let gate = {
            let mut m = self.connecting.lock().expect("connecting lock");
            m.entry(context.to_string()).or_default().clone()
        };
        let _guard = gate.lock().await;
        if let Some(c) = self.connection(context) {
            return Ok(c);
        }
        self.reload();
        let merged = self.merged();
        if merged.context(context).is_none() {
            return Err(ClusterError::UnknownContext(context.to_string()));
        }
        let result = self.try_connect(&merged, context).await;
        let mut state = self.state.write().expect("state lock");
        match result {
            Ok(conn) => {
                state.failures.remove(context);
                let conn = Arc::new(conn);
                self.connections
                    .write()
                    .expect("connections lock")
                    .insert(context.to_string(), conn.clone());
                tracing::info!(context, server = %conn.server, "connected");
                Ok(conn)
            }
            Err(NoClient::NeedsApproval(cmd)) => {
                let failure = Failure {
                    kind: FailureKind::ExecNotApproved,
                    message: format!(
                        "context '{context}' authenticates by running `{}`; approve that command first (POST /api/v1/clusters/{context}/approve-plugin)",
                        cmd.command_line
                    ),
                };
                state.failures.insert(context.to_string(), failure);
                Err(ClusterError::NeedsApproval {
                    context: context.to_string(),
                    command: cmd,
                })
            }
            Err(NoClient::Failed(f)) => {
                tracing::warn!(context, kind = ?f.kind, message = %f.message, "connection failed");
                state.failures.insert(context.to_string(), f.clone());
                Err(ClusterError::Connect {
                    context: context.to_string(),
                    failure: f,
                })
            }
        }
    }

    async fn try_connect(&self, merged: &Merged, context: &str) -> Result<Connection, NoClient> {
        let (client, server, watches) = client::build(merged, context, self.store.as_ref(), self.timeout).await?;
        let version = match tokio::time::timeout(self.timeout, client.apiserver_version()).await {
            Ok(Ok(v)) => v,
            Ok(Err(e)) => return Err(NoClient::Failed(credentials::classify(&e, &server))),
            Err(_) => {
                return Err(NoClient::Failed(Failure {
                    kind: FailureKind::Timeout,
                    message: format!(
                        "{server} did not answer within {}s; check VPN, firewall or proxy settings and that the cluster is up",
                        self.timeout.as_secs()
                    ),
                }));
            }
        };
        let cache = ContextCache::start(&client, InitialList::for_server(&version), watches);
        Ok(Connection {
            context: context.to_string(),
            server,
            client,
            cache,
            connected_at: super::cache::now(),
        })
    }

    /// Stops a context's watches. Other contexts are untouched.
    pub fn disconnect(&self, context: &str) -> bool {
        let removed = self.connections.write().expect("connections lock").remove(context);
        // Live views hear of it now, not when the last reader of the old cache lets go of it.
        if let Some(conn) = &removed {
            conn.cache.deltas.end();
        }
        removed.is_some()
    }

    /// Makes `context` the current one and connects it. The choice stands even when the
    /// connection fails (as `kubectl config use-context` does not ask the cluster): the user
    /// picked that cluster, sees why it cannot be reached or what needs approving, and the
    /// next launch comes back to it.
    pub async fn switch(&self, context: &str) -> Result<Arc<Connection>, ClusterError> {
        if self.merged().context(context).is_none() {
            return Err(ClusterError::UnknownContext(context.to_string()));
        }
        self.state.write().expect("state lock").current = Some(context.to_string());
        self.connect(context).await
    }

    /// Approves the command `context` runs, if `sha256` is still the one it would run.
    pub async fn approve_plugin(&self, context: &str, sha256: &str) -> Result<PluginCommand, ClusterError> {
        let merged = self.merged();
        let entry = merged
            .context(context)
            .ok_or_else(|| ClusterError::UnknownContext(context.to_string()))?;
        let Some((cmd, _)) = client::plugin_state(&merged, context, self.store.as_ref()).await else {
            return Err(ClusterError::NoPlugin(context.to_string()));
        };
        if cmd.sha256 != sha256 {
            return Err(ClusterError::PluginChanged {
                context: context.to_string(),
                command: cmd,
            });
        }
        self.store
            .approve_exec(&ExecApproval {
                context: context.to_string(),
                kubeconfig_path: entry.source.display().to_string(),
                command_sha256: cmd.sha256.clone(),
                command_line: cmd.command_line.clone(),
                approved_at: super::cache::now(),
            })
            .await
            .map_err(ClusterError::Store)?;
        self.state.write().expect("state lock").failures.remove(context);
        Ok(cmd)
    }

    /// Imports a kubeconfig (pasted text). Nothing in it runs.
    pub fn import_yaml(&self, text: &str) -> Result<Vec<String>, ClusterError> {
        let kc = kubeconfig::parse_for_import(text).map_err(ClusterError::Import)?;
        let dir = self.imported_dir()?;
        let merged = self.merged();
        kubeconfig::store_import(&dir, text, &kc, &merged)?;
        self.reload();
        Ok(kc.contexts.iter().map(|c| c.name.clone()).collect())
    }

    /// Imports the kubeconfig at `path` (copied, so later edits to the original do not apply).
    pub fn import_path(&self, path: &Path) -> Result<Vec<String>, ClusterError> {
        let text = std::fs::read_to_string(path).map_err(|e| ClusterError::Unreadable(path.to_path_buf(), e))?;
        self.import_yaml(&text)
    }

    /// Removes the imported kubeconfig that defines `context` (and so all its contexts).
    pub fn remove_imported(&self, context: &str) -> Result<Vec<String>, ClusterError> {
        let merged = self.merged();
        let entry = merged
            .context(context)
            .ok_or_else(|| ClusterError::UnknownContext(context.to_string()))?;
        if entry.origin != Origin::Imported {
            return Err(ClusterError::NotImported {
                context: context.to_string(),
                source_file: entry.source.clone(),
            });
        }
        let removed = kubeconfig::contexts_by_file(&merged)
            .remove(&entry.source)
            .unwrap_or_default();
        std::fs::remove_file(&entry.source)
            .map_err(|e| ClusterError::Io(format!("cannot remove {}", entry.source.display()), e))?;
        for c in &removed {
            self.disconnect(c);
        }
        self.reload();
        Ok(removed)
    }

    fn imported_dir(&self) -> Result<PathBuf, ClusterError> {
        self.sources
            .imported_dir
            .clone()
            .ok_or_else(|| ClusterError::Io("imports are not enabled".into(), std::io::Error::other("no home")))
    }

    /// Rereads every kubeconfig (after an import or removal).
    pub fn reload(&self) {
        let merged = kubeconfig::load(&self.sources);
        let mut s = self.state.write().expect("state lock");
        if s.current.as_deref().is_none_or(|c| merged.context(c).is_none()) {
            s.current = merged.current.clone();
        }
        s.failures.retain(|k, _| merged.context(k).is_some());
        s.merged = merged;
    }
}
