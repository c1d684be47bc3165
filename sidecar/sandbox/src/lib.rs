//! `kubilitics sandbox`: a small Kubernetes API server of our own, serving a realistic demo
//! cluster (a shop over a few namespaces, mostly healthy, with faults of several root causes)
//! so Kubilitics can be tried without a cluster, and tests have a fixture that starts at once.
//!
//! What it is: an HTTPS server on loopback that answers what kubectl and kube-rs rely on
//! (discovery, OpenAPI, list/get/watch with selectors and paging, Tables, Status errors, logs,
//! metrics, the common writes, scale, evictions) from an in-memory store, with light
//! controllers so the demo reacts as a cluster does. What it is not: a conformant API server.
//! The real control plane (tests/cluster) is the reference, and `sidecar/tests/
//! sandbox_fidelity.rs` lists every known difference. Nothing in the production path imports
//! this crate.

pub mod api;
pub mod controllers;
mod defaults;
pub mod demo;
pub mod logs;
mod quantity;
pub mod resources;
pub mod run;
pub mod status;
pub mod store;
pub mod tls;

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum_server::Handle;
use axum_server::tls_rustls::RustlsConfig;

use crate::controllers::kubelet::Faults;

/// Why the sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("cannot make the sandbox's TLS certificate: {0}")]
    Tls(String),
    #[error("cannot load the demo data: {0}")]
    Demo(String),
    #[error("{0}: {1}")]
    Io(String, #[source] std::io::Error),
    #[error("cannot listen on 127.0.0.1:{port}: {source}; choose another --port (0 picks a free one)")]
    Bind {
        port: u16,
        #[source]
        source: std::io::Error,
    },
}

/// How to start.
#[derive(Debug, Clone)]
pub struct Options {
    /// Load the built-in demo (recorded shop cluster).
    pub builtin_demo: bool,
    /// Scenario directories applied after the demo, like `tests/cluster/up --scenario`.
    pub scenarios: Vec<PathBuf>,
    /// Extra running pods in `bench-NN` namespaces (`--scale pods=N`).
    pub scale_pods: usize,
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// How often a watch that asked for bookmarks gets one.
    pub bookmark_every: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            builtin_demo: true,
            scenarios: Vec::new(),
            scale_pods: 0,
            port: 0,
            bookmark_every: Duration::from_secs(5),
        }
    }
}

/// A running sandbox. Dropping it does not stop it; call [`Sandbox::shutdown`].
pub struct Sandbox {
    pub addr: SocketAddr,
    pub url: String,
    /// A complete kubeconfig (context `kubilitics-sandbox`) for this sandbox.
    pub kubeconfig: String,
    pub token: String,
    pub objects: usize,
    pub warnings: Vec<String>,
    /// Time from `start` being called to accepting connections.
    pub startup: Duration,
    handle: Handle<SocketAddr>,
}

impl Sandbox {
    /// Load the data, start the controllers and the HTTPS server; returns once it accepts
    /// connections. Must be called inside a tokio runtime.
    pub async fn start(options: Options) -> Result<Sandbox, SandboxError> {
        let started = Instant::now();
        let material = tls::generate()?;
        let store = Arc::new(store::Store::new(50_000.max(options.scale_pods * 4)));
        let faults = Arc::new(Faults::default());
        let mut logs = logs::Logs::default();
        let mut objects = 0;
        if options.builtin_demo {
            objects += demo::load_builtin(&store, &mut logs)?;
        }
        let mut to_apply = Vec::new();
        for dir in &options.scenarios {
            to_apply.extend(demo::read_scenario(dir)?);
        }
        // Nodes: the demo's two, or two like them; plus room for --scale (100 pods a node).
        let node_res = resources::find("", "v1", "nodes").unwrap_or_default();
        let have = store.all_of(node_res).len();
        let want = have.max(2) + options.scale_pods.div_ceil(100);
        for node in demo::nodes(have, want - have) {
            store.load(node_res, node);
        }
        if options.scale_pods > 0 {
            let names: Vec<String> = demo::nodes(have, want - have)
                .iter()
                .map(|n| store::name_of(n).to_string())
                .collect();
            let names = if names.is_empty() {
                vec!["kwok-node-0".to_string()]
            } else {
                names
            };
            demo::load_scale(&store, options.scale_pods, &names);
            objects += options.scale_pods;
        }
        // The faults the data show when loaded are the ones that persist until fixed.
        for res in ["pods", "deployments", "replicasets", "statefulsets", "daemonsets"] {
            let g = if res == "pods" { "" } else { "apps" };
            if let Some(idx) = resources::find(g, "v1", res) {
                for o in store.all_of(idx) {
                    faults.learn(&o);
                }
            }
        }
        for o in &to_apply {
            faults.learn(o);
        }
        objects += to_apply.len();
        let warnings = demo::apply_objects(&store, &mut logs, to_apply);
        let ids = controllers::Ids::new();
        controllers::settle(&store, &ids, &faults);

        let listener = TcpListener::bind(("127.0.0.1", options.port)).map_err(|source| SandboxError::Bind {
            port: options.port,
            source,
        })?;
        listener
            .set_nonblocking(true)
            .map_err(|e| SandboxError::Io("listener".into(), e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| SandboxError::Io("listener address".into(), e))?;
        let url = format!("https://{addr}");
        let state = api::AppState {
            store: store.clone(),
            logs: Arc::new(logs),
            faults: faults.clone(),
            token: material.token.clone().into(),
            address: addr.to_string().into(),
            bookmark_every: options.bookmark_every,
        };
        let app = api::router(state);
        let handle = Handle::new();
        let server = axum_server::from_tcp_rustls(listener, RustlsConfig::from_config(material.server.clone()))
            .map_err(|e| SandboxError::Io("TLS listener".into(), e))?
            .handle(handle.clone());
        tokio::spawn(async move {
            if let Err(e) = server.serve(app.into_make_service()).await {
                tracing::error!(error = %e, "sandbox server stopped");
            }
        });
        tokio::spawn(controllers::run(store, faults, Duration::from_secs(5)));
        handle.listening().await;
        Ok(Sandbox {
            addr,
            kubeconfig: tls::kubeconfig(&url, &material.ca_pem, &material.token),
            url,
            token: material.token,
            objects,
            warnings,
            startup: started.elapsed(),
            handle,
        })
    }

    /// Stop accepting connections and end open ones (watches, follows) within `grace`.
    pub fn shutdown(&self, grace: Duration) {
        self.handle.graceful_shutdown(Some(grace));
    }
}
