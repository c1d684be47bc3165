//! `kubilitics serve`: wires the modules together, binds the API and metrics listeners, and
//! shuts down gracefully on SIGINT/SIGTERM (stop accepting, finish in-flight requests, close
//! the store, flush the logs).

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use axum_server::Handle;
use axum_server::tls_rustls::RustlsConfig;

use crate::api::{self, AppState};
use crate::config::{self, ConfigError, Loaded};
use crate::store::{PostgresStore, SqliteStore, Store, StoreError};
use crate::telemetry::{logging, metrics};
use crate::tls::{self, TlsError};

/// Why serving stopped or never started; each maps to an exit code (see `main`).
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("port {port} is in use on {host}; set {variable} to a free port (or stop the other process)")]
    PortInUse {
        host: String,
        port: u16,
        variable: &'static str,
    },
    #[error("cannot listen on {address}: {reason}; check {variable}")]
    Bind {
        address: String,
        reason: String,
        variable: &'static str,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Only reachable if the settings table admits a type this match does not know.
    #[error("database.type is '{kind}'; this build knows sqlite and postgresql")]
    UnsupportedStore { kind: String },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> ServeError {
    let context = context.into();
    move |source| {
        // The usual cause at start-up, and the user's to fix: say so.
        let context = if crate::files::is_disk_full(&source) {
            format!("{context} (the disk is full: free some space there and start Kubilitics again)")
        } else {
            context
        };
        ServeError::Io { context, source }
    }
}

/// Runs the server until a signal (or, with `exit_when_stdin_closes`, the end of standard input)
/// asks it to stop.
pub async fn serve(loaded: Loaded, exit_when_stdin_closes: bool) -> Result<(), ServeError> {
    let Loaded {
        config,
        home,
        warnings,
        mut values,
    } = loaded;
    config::ensure_home(&home)?;
    let token = session_token(&config, &home)?;
    let mut secrets = config.secrets();
    secrets.push(token.clone());
    let _log_guards = logging::init(&config.logging, &config.ai.server.log_level, &home, secrets)
        .map_err(io(format!("cannot start logging in {}", home.display())))?;
    for w in &warnings {
        tracing::warn!("{w}");
    }
    metrics::init();

    let store = open_store(&config).await?;
    let config = with_ui_choices(config, &mut values, &*store).await?;

    let tls_config = if config.server.tls.enabled {
        let material = tls::load_or_generate(&config.server.tls, &home)?;
        tracing::info!(certificate = %material.cert_path.display(), "TLS enabled");
        Some(RustlsConfig::from_config(material.server_config()?))
    } else {
        None
    };

    let api_listener = bind(&config.server.host, config.server.port, "KUBILITICS_PORT")?;
    let api_addr = api_listener.local_addr().map_err(io("reading the API address"))?;
    let metrics_listener = if config.metrics.enabled {
        Some(bind(
            &config.server.host,
            config.metrics.port,
            "KUBILITICS_METRICS_PORT",
        )?)
    } else {
        None
    };

    let config = Arc::new(config);
    let clusters = crate::cluster::ClusterManager::start(&config, store.clone(), &home);
    let state = AppState::new(config.clone(), store.clone(), &token)
        .with_clusters(clusters)
        .with_pinned(&values);
    // Before anything new runs: changes a previous run was making when it stopped.
    match state.actions().audit_interrupted().await {
        Ok(0) => {}
        Ok(n) => tracing::warn!(
            interrupted = n,
            "actions interrupted by the last stop are in the audit log"
        ),
        Err(e) => tracing::error!(error = %e, "could not audit the actions the last stop interrupted"),
    }
    // Insights: the analyzers rerun on what the watch caches see change.
    crate::ai::insights::spawn(state.clusters.clone(), store.clone(), state.notices.clone());
    // Similar incidents: the past investigations indexed again (the memory index starts empty),
    // with the embeddings of the provider in use when it has them (`Ai::from_config` chose it).
    let index = state.ai.engine.clone();
    let index_store = store.clone();
    tokio::spawn(async move {
        let n = index.similar_index().load(&*index_store).await;
        tracing::info!(
            indexed = n,
            embeddings = index.similar_index().uses_embeddings(),
            "similar incidents indexed"
        );
    });
    let handle = Handle::new();
    tokio::spawn(shutdown_on_signal(handle.clone()));
    if exit_when_stdin_closes {
        shutdown_when_stdin_closes(handle.clone());
    }

    let scheme = if tls_config.is_some() { "https" } else { "http" };
    let url = format!("{scheme}://{}", display_addr(api_addr));
    if let Some(listener) = metrics_listener {
        let metrics_addr = listener.local_addr().map_err(io("reading the metrics address"))?;
        let metrics_url = format!("http://{}{}", display_addr(metrics_addr), config.metrics.path);
        tracing::info!(metrics_url = %metrics_url, "metrics listening");
        tokio::spawn(serve_metrics(listener, config.metrics.path.clone(), handle.clone()));
    }
    tracing::info!(url = %url, version = env!("CARGO_PKG_VERSION"), "listening");
    // The login link is a credential: printed for the person at the terminal, never logged.
    eprintln!(
        "Open Kubilitics in your browser (single-use link): {url}/login?code={}",
        state.sessions.new_login_code()
    );
    let server_file = home.join("server.json");
    let server_info = serde_json::json!({ "url": url, "pid": std::process::id() });
    crate::files::write_private(&server_file, server_info.to_string().as_bytes())
        .map_err(io(format!("cannot write {}", server_file.display())))?;

    let app = api::app(state).into_make_service_with_connect_info::<SocketAddr>();
    let served = match tls_config {
        Some(tls) => {
            axum_server::from_tcp_rustls(api_listener, tls)
                .map_err(io("starting the TLS listener"))?
                .handle(handle)
                .serve(app)
                .await
        }
        None => {
            axum_server::from_tcp(api_listener)
                .map_err(io("starting the listener"))?
                .handle(handle)
                .serve(app)
                .await
        }
    };
    served.map_err(io("serving the API"))?;

    tracing::info!("shutting down: requests finished, closing the store");
    let _ = std::fs::remove_file(&server_file);
    match store.close().await {
        // The checkpoint needs room in the database file; the changes stay in its write-ahead
        // log, which SQLite applies at the next start.
        Err(StoreError::DiskFull { dir }) => {
            tracing::warn!(dir = %dir.display(), "the disk is full: the database's write-ahead log is applied at the next start instead; nothing is lost");
            Ok(())
        }
        other => other.map_err(ServeError::from),
    }
}

/// The configuration with what the user chose in the UI (safety level, LLM provider, model,
/// endpoint: `config::load::USER_SETTABLE`) over the defaults and config files; what the
/// environment or a flag sets stays, with a warning that the UI's choice is not used.
async fn with_ui_choices(
    config: config::Config,
    values: &mut [config::Resolved],
    store: &dyn Store,
) -> Result<config::Config, ServeError> {
    let stored: std::collections::HashMap<String, serde_json::Value> = store
        .list_settings()
        .await?
        .into_iter()
        .filter(|s| config::load::USER_SETTABLE.contains(&s.key.as_str()))
        .map(|s| (s.key, s.value))
        .collect();
    if stored.is_empty() {
        return Ok(config);
    }
    for w in config::load::apply_stored(values, &stored) {
        tracing::warn!("{w}");
    }
    Ok(config::Config::from_values(values)?)
}

async fn open_store(config: &config::Config) -> Result<Arc<dyn Store>, ServeError> {
    match config.database.kind.as_str() {
        "sqlite" => {
            let store = SqliteStore::open(&config.database.sqlite)?;
            tracing::info!(path = %store.path().display(), "database ready");
            metrics::DB_CONNECTIONS_MAX.set(1);
            metrics::DB_CONNECTIONS_IDLE.set(1);
            Ok(Arc::new(store))
        }
        "postgresql" => {
            let store = PostgresStore::open(&config.database.postgresql).await?;
            tracing::info!(database = store.target(), "database ready");
            metrics::DB_CONNECTIONS_MAX.set(i64::from(config.database.postgresql.pool.size));
            Ok(Arc::new(store))
        }
        other => Err(ServeError::UnsupportedStore {
            kind: other.to_string(),
        }),
    }
}

/// The configured token, or a fresh one written to `session.token` (0600) for local clients.
fn session_token(config: &config::Config, home: &Path) -> Result<String, ServeError> {
    if !config.server.api_token.is_empty() {
        return Ok(config.server.api_token.clone());
    }
    let token: String = (0..32).map(|_| format!("{:02x}", rand::random::<u8>())).collect();
    let path = home.join("session.token");
    crate::files::write_private(&path, token.as_bytes()).map_err(io(format!("cannot write {}", path.display())))?;
    Ok(token)
}

fn bind(host: &str, port: u16, variable: &'static str) -> Result<TcpListener, ServeError> {
    let host_only = host.trim_matches(|c| c == '[' || c == ']');
    let address = if host_only.contains(':') {
        format!("[{host_only}]:{port}")
    } else {
        format!("{host_only}:{port}")
    };
    let listener = TcpListener::bind(&address).map_err(|e| match e.kind() {
        std::io::ErrorKind::AddrInUse => ServeError::PortInUse {
            host: host.to_string(),
            port,
            variable,
        },
        _ => ServeError::Bind {
            address: address.clone(),
            reason: e.to_string(),
            variable,
        },
    })?;
    listener.set_nonblocking(true).map_err(io("configuring the listener"))?;
    Ok(listener)
}

fn display_addr(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) => a.to_string(),
        SocketAddr::V6(a) => format!("[{}]:{}", a.ip(), a.port()),
    }
}

async fn serve_metrics(listener: TcpListener, path: String, handle: Handle<SocketAddr>) {
    let app = Router::new().route(&path, get(|| async { metrics::render() }));
    let result = match axum_server::from_tcp(listener) {
        Ok(server) => server.handle(handle).serve(app.into_make_service()).await,
        Err(e) => Err(e),
    };
    if let Err(e) = result {
        tracing::error!(error = %e, "the metrics listener stopped");
    }
}

/// The parent holds our standard input open for as long as it lives; its end (EOF or an error)
/// means the parent is gone, however it went. A plain thread, not a runtime task: a read that
/// never returns must not hold up the runtime's shutdown on a signal.
fn shutdown_when_stdin_closes(handle: Handle<SocketAddr>) {
    std::thread::spawn(move || {
        use std::io::Read;
        let mut stdin = std::io::stdin();
        let mut buf = [0u8; 256];
        while let Ok(n) = stdin.read(&mut buf) {
            if n == 0 {
                break;
            }
        }
        tracing::info!("standard input closed (the parent process is gone): finishing in-flight requests");
        handle.graceful_shutdown(Some(Duration::from_secs(10)));
    });
}

/// Listens for SIGINT and SIGTERM from the moment it is called (not from the returned future's
/// first poll: a signal sent right after "listening" is printed must already be caught), then
/// finishes in-flight requests.
fn shutdown_on_signal(handle: Handle<SocketAddr>) -> impl std::future::Future<Output = ()> + Send {
    #[cfg(unix)]
    let (mut interrupt, mut terminate) = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::interrupt()).ok(),
            signal(SignalKind::terminate()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let interrupted = async {
                match interrupt.as_mut() {
                    Some(s) => s.recv().await,
                    None => std::future::pending().await,
                }
            };
            let terminated = async {
                match terminate.as_mut() {
                    Some(s) => s.recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = interrupted => {},
                _ = terminated => {},
            }
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("signal received: finishing in-flight requests");
        handle.graceful_shutdown(Some(Duration::from_secs(10)));
    }
}
