//! The HTTP API: routes, guards and the OpenAPI document. Holds no business logic: handlers
//! translate between HTTP and the modules below (store, cluster, ai, safety).
//!
//! [`app`] builds the whole router from [`AppState`], so tests drive it without a socket.

pub mod actions;
pub mod ai;
pub mod ai_chat;
pub mod ai_insights;
pub mod clusters;
pub mod error;
pub mod guard;
pub mod health;
pub mod observe;
pub mod openapi;
pub mod resources;
pub mod sandbox;
pub mod session;
pub mod settings;
pub mod topology;
pub mod ui;
pub mod workbench;
pub mod ws;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::from_fn_with_state;
use axum::routing::get;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::cluster::ClusterManager;
use crate::config::Config;
use crate::safety::Gate;
use crate::safety::actions::Actions;
use crate::store::Store;
use error::ApiError;
use guard::GuardConfig;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub store: Arc<dyn Store>,
    pub guard: GuardConfig,
    pub sessions: Arc<session::Sessions>,
    /// The AI investigator (`/api/v1/ai/*`); its progress broadcast feeds the WebSocket.
    pub ai: crate::ai::service::Ai,
    /// Kubeconfigs, connections and watch caches.
    pub clusters: Arc<ClusterManager>,
    /// The one safety gate every mutation passes.
    pub gate: Arc<Gate>,
    pub tickets: Arc<ws::Tickets>,
    /// Approvals and insights that changed, for the WebSocket's `approvals` and `insights` topics.
    pub notices: crate::notices::Notices,
    /// UI-settable keys an operator pinned (key → the environment variable or flag that sets it):
    /// the UI may not change them.
    pub pinned: Arc<std::collections::BTreeMap<String, String>>,
}

impl AppState {
    pub fn new(config: Arc<Config>, store: Arc<dyn Store>, token: &str) -> AppState {
        let mut allowed_hosts = config.server.allowed_hosts.clone();
        // A server bound to a specific non-loopback address answers to that address too.
        let host = config.server.host.trim_matches(|c| c == '[' || c == ']');
        if !host.is_empty() && host != "0.0.0.0" && host != "::" {
            allowed_hosts.push(host.to_string());
        }
        let sessions = Arc::new(session::Sessions::default());
        let guard = GuardConfig {
            token: Arc::from(token),
            sessions: sessions.clone(),
            allowed_hosts: Arc::new(allowed_hosts),
            max_body_bytes: config.server.max_body_bytes,
        };
        let clusters = Arc::new(ClusterManager::empty(store.clone()));
        let gate = Arc::new(Gate::new(&config.ai.safety_policy));
        let notices = crate::notices::Notices::default();
        let actions = Actions {
            gate: gate.clone(),
            store: store.clone(),
            clusters: clusters.clone(),
            notices: notices.clone(),
        };
        let ai = crate::ai::service::Ai::from_config(&config, store.clone(), actions);
        AppState {
            config,
            store,
            guard,
            sessions,
            ai,
            clusters,
            gate,
            tickets: Arc::default(),
            notices,
            pinned: Arc::default(),
        }
    }

    /// The same state knowing which UI-settable keys the environment or a flag pinned.
    pub fn with_pinned(mut self, values: &[crate::config::Resolved]) -> AppState {
        self.pinned = Arc::new(
            crate::config::load::USER_SETTABLE
                .iter()
                .filter_map(|k| crate::config::load::pinned_by(values, k).map(|by| (k.to_string(), by)))
                .collect(),
        );
        self
    }

    /// The same state with `clusters` serving the kubeconfigs found at start-up (the AI
    /// investigator is rebuilt on them, so it reads and acts on the same contexts).
    pub fn with_clusters(mut self, clusters: Arc<ClusterManager>) -> AppState {
        self.clusters = clusters;
        self.ai = crate::ai::service::Ai::from_config(&self.config, self.store.clone(), self.actions());
        self
    }

    /// The safety gate with what it needs to run and record actions.
    pub fn actions(&self) -> Actions {
        Actions {
            gate: self.gate.clone(),
            store: self.store.clone(),
            clusters: self.clusters.clone(),
            notices: self.notices.clone(),
        }
    }
}

/// The whole API.
pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .route("/openapi.json", get(openapi::document))
        .route("/version", get(openapi::version))
        .route("/session", get(session::info))
        .route("/session/login-url", axum::routing::post(session::new_login_url))
        .route("/settings", get(settings::list))
        .route("/settings/{key}", get(settings::get).put(settings::put))
        .route("/audit", get(settings::audit))
        .route("/ai/status", get(ai::status))
        .route(
            "/ai/llm/keys/{provider}",
            axum::routing::put(ai::hand_llm_key).delete(ai::forget_llm_key),
        )
        .route("/ai/investigations", get(ai::list).post(ai::start))
        .route("/ai/investigations/export", get(ai::export))
        .route("/ai/investigations/import", axum::routing::post(ai::import))
        .route("/ai/investigations/{id}", get(ai::get))
        .route("/ai/investigations/{id}/cancel", axum::routing::post(ai::cancel))
        .merge(workbench::routes())
        .merge(sandbox::routes())
        .merge(ai_insights::routes())
        .merge(ai_chat::routes())
        .fallback(|| async { ApiError::not_found("no such API endpoint; GET /api/v1/openapi.json lists them") })
        .route_layer(from_fn_with_state(state.guard.clone(), guard::require_token));

    let timeout = Duration::from_secs(state.config.server.request_timeout);
    Router::new()
        .route("/health", get(health::health))
        .route("/login", get(session::login))
        // Authenticates itself (one-time ticket or bearer header): browsers cannot send headers.
        .route("/api/v1/ws", get(ws::upgrade))
        .nest("/api/v1", api)
        .fallback_service(ui::router(&state.config.server.ui_dir))
        .layer(DefaultBodyLimit::max(state.config.server.max_body_bytes))
        .layer(from_fn_with_state(state.guard.clone(), guard::body_limit))
        .layer(cors(&state.config))
        .layer(from_fn_with_state(state.guard.clone(), guard::host_check))
        .layer(from_fn_with_state(timeout, observe::observe))
        .with_state(state)
}

/// CORS for the configured origins only; no origin at all when disabled.
fn cors(config: &Config) -> CorsLayer {
    let origins: Vec<HeaderValue> = if config.cors.enabled {
        config
            .cors
            .origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o).ok())
            .collect()
    } else {
        Vec::new()
    };
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static(observe::REQUEST_ID),
        ])
        .expose_headers([HeaderName::from_static(observe::REQUEST_ID)])
        .max_age(Duration::from_secs(600))
}
