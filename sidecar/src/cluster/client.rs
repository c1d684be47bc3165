//! Building a client for one context: the exec-approval check comes first, then kube's own
//! kubeconfig handling (token, client certificate, proxy-url, exec), then a tower layer that
//! counts and times every Kubernetes API call for `/metrics`.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use http::{Request, Response};
use kube::client::{Body, ClientBuilder};
use kube::config::KubeConfigOptions;
use kube::{Client, Config};
use tower::{Layer, Service};

use super::credentials::{self, Failure, FailureKind, PluginCommand};
use super::kubeconfig::Merged;
use crate::store::Store;
use crate::telemetry::metrics;

/// Why a context has no client.
#[derive(Debug, Clone)]
pub enum NoClient {
    /// Its credentials run a command the user has not approved (this exact one).
    NeedsApproval(PluginCommand),
    Failed(Failure),
}

/// The command a context would run and whether this exact one is approved.
pub async fn plugin_state(merged: &Merged, context: &str, store: &dyn Store) -> Option<(PluginCommand, bool)> {
    let entry = merged.context(context)?;
    let user = entry
        .user
        .as_deref()
        .and_then(|u| merged.user(u))
        .and_then(|u| u.auth_info.as_ref());
    let cmd = credentials::plugin_command(user)?;
    let source = entry.source.display().to_string();
    let approved = matches!(store.exec_approval(context, &source, &cmd.sha256).await, Ok(Some(_)));
    Some((cmd, approved))
}

/// A client for `context`, or why not. Never runs a plugin command that is not approved.
pub async fn build(
    merged: &Merged,
    context: &str,
    store: &dyn Store,
    timeout: Duration,
) -> Result<(Client, String, Arc<WatchLog>), NoClient> {
    let fail = |kind, message: String| NoClient::Failed(Failure { kind, message });
    let Some(kc) = merged.single(context) else {
        return Err(fail(
            FailureKind::Config,
            format!("no context named '{context}' in the kubeconfigs found"),
        ));
    };
    if let Some((cmd, approved)) = plugin_state(merged, context, store).await
        && !approved
    {
        return Err(NoClient::NeedsApproval(cmd));
    }
    let options = KubeConfigOptions {
        context: Some(context.to_string()),
        ..KubeConfigOptions::default()
    };
    let mut config = Config::from_custom_kubeconfig(kc, &options).await.map_err(|e| {
        fail(
            FailureKind::Config,
            format!(
                "the kubeconfig entry for '{context}' cannot be used: {}",
                credentials::chain(&e)
            ),
        )
    })?;
    config.connect_timeout = Some(timeout);
    // kube retries 429/503 by default; an eviction refused by a PodDisruptionBudget answers
    // 429 and must come back to the user at once. Watches have their own backoff.
    config.default_retry = false;
    let server = config.cluster_url.to_string().trim_end_matches('/').to_string();
    let builder = ClientBuilder::try_from(config).map_err(|e| {
        fail(
            FailureKind::Config,
            format!("cannot set up a client for '{context}': {}", credentials::chain(&e)),
        )
    })?;
    let watches = Arc::new(WatchLog::default());
    let layer = MetricsLayer {
        watches: watches.clone(),
    };
    Ok((builder.with_layer(&layer).build(), server, watches))
}

/// When each resource's last watch request was answered with success. After a failure, kube's
/// watcher resumes a watch without yielding anything when nothing changed meanwhile; this is
/// how the cache learns that a kind it reported stale is current again.
#[derive(Debug, Default)]
pub struct WatchLog(Mutex<HashMap<String, Instant>>);

impl WatchLog {
    fn answered(&self, resource: String) {
        self.0.lock().expect("watch log lock").insert(resource, Instant::now());
    }

    /// Whether a watch of `resource` was answered after `t`.
    pub fn answered_since(&self, resource: &str, t: Instant) -> bool {
        self.0
            .lock()
            .expect("watch log lock")
            .get(resource)
            .is_some_and(|at| *at > t)
    }
}

/// Counts and times every call by resource (`kubilitics_kubernetes_api_*`), and notes the
/// answered watches in the context's [`WatchLog`].
#[derive(Clone)]
pub struct MetricsLayer {
    watches: Arc<WatchLog>,
}

impl<S> Layer<S> for MetricsLayer {
    type Service = MetricsService<S>;
    fn layer(&self, inner: S) -> MetricsService<S> {
        MetricsService {
            inner,
            watches: self.watches.clone(),
        }
    }
}

pub struct MetricsService<S> {
    inner: S,
    watches: Arc<WatchLog>,
}

fn is_watch(query: Option<&str>) -> bool {
    query.is_some_and(|q| q.split('&').any(|p| p == "watch=true" || p == "watch=1"))
}

/// `/apis/apps/v1/deployments` → `deployments`; a subresource is named the way the API server's
/// own audit log and RBAC name it: `/api/v1/namespaces/x/pods/y/log` → `pods/log`. Keeping
/// subresources apart shows what the watch cache saves: a pod read served from the cache adds
/// nothing to `pods`, while the logs the UI or an insight scan asks for count as `pods/log`.
pub fn resource_of(path: &str) -> String {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let rest = match parts.first() {
        Some(&"api") => parts.get(2..),
        Some(&"apis") => parts.get(3..),
        _ => None,
    }
    .unwrap_or(&[]);
    // `namespaces/x/pods/...` is a namespaced resource; `namespaces/x/status` (or `finalize`)
    // is the namespace's own subresource.
    let own_subresource = matches!(rest, ["namespaces", _, "status" | "finalize"]);
    let rest = if rest.first() == Some(&"namespaces") && rest.len() > 2 && !own_subresource {
        &rest[2..]
    } else {
        rest
    };
    match rest {
        [] => "discovery".into(),
        [resource, _, sub, ..] => format!("{resource}/{sub}"),
        [resource, ..] => resource.to_string(),
    }
}

impl<S, B> Service<Request<Body>> for MetricsService<S>
where
    S: Service<Request<Body>, Response = Response<B>>,
    S::Future: Send + 'static,
    S::Error: 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        let resource = resource_of(req.uri().path());
        let watch = is_watch(req.uri().query());
        let watches = self.watches.clone();
        let started = Instant::now();
        let fut = self.inner.call(req);
        Box::pin(async move {
            let out = fut.await;
            if watch && matches!(&out, Ok(r) if r.status().is_success()) {
                watches.answered(resource.clone());
            }
            metrics::K8S_API_CALLS.with_label_values(&[&resource]).inc();
            metrics::K8S_API_LATENCY
                .with_label_values(&[&resource])
                .observe(started.elapsed().as_secs_f64());
            match &out {
                Ok(r) if r.status().is_client_error() || r.status().is_server_error() => {
                    metrics::K8S_API_FAILURES.with_label_values(&[&resource]).inc();
                }
                Err(_) => metrics::K8S_API_FAILURES.with_label_values(&[&resource]).inc(),
                _ => {}
            }
            out
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn api_paths_name_their_resource() {
        use super::resource_of;
        assert_eq!(resource_of("/api/v1/pods"), "pods");
        assert_eq!(resource_of("/api/v1/namespaces/a/pods/b/log"), "pods/log");
        assert_eq!(resource_of("/api/v1/namespaces/a/pods/b"), "pods");
        assert_eq!(resource_of("/api/v1/namespaces/a/pods/b/eviction"), "pods/eviction");
        assert_eq!(resource_of("/api/v1/nodes/n/status"), "nodes/status");
        assert_eq!(resource_of("/apis/apps/v1/namespaces/a/deployments"), "deployments");
        assert_eq!(resource_of("/api/v1/namespaces"), "namespaces");
        assert_eq!(resource_of("/api/v1/namespaces/x"), "namespaces");
        assert_eq!(resource_of("/api/v1/namespaces/x/finalize"), "namespaces/finalize");
        assert_eq!(resource_of("/version"), "discovery");
    }

    #[test]
    fn watch_requests_are_told_apart_from_lists() {
        use super::is_watch;
        assert!(is_watch(Some("watch=true&resourceVersion=5")));
        assert!(is_watch(Some("allowWatchBookmarks=true&watch=1")));
        assert!(!is_watch(Some("limit=500")));
        assert!(!is_watch(None));
    }
}
