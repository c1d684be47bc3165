//! The built-in sandbox cluster started on demand, inside this process: the wizard's "try the
//! built-in sandbox cluster" when `serve` ran without `--sandbox`. It is not the sandbox itself
//! (the `kubilitics-sandbox` crate) nor how contexts are kept (`cluster`): it starts the demo
//! cluster once per process, hands its kubeconfig to the cluster manager as an import, and
//! connects to it, so everything past this point sees an ordinary context.

use tokio::sync::OnceCell;

use crate::cluster::ClusterError;
use crate::cluster::manager::ClusterManager;

/// The context the sandbox's kubeconfig defines.
pub const CONTEXT: &str = "kubilitics-sandbox";

#[derive(Debug, thiserror::Error)]
pub enum SandboxStartError {
    #[error("cannot start the built-in sandbox cluster: {0}")]
    Start(#[source] kubilitics_sandbox::SandboxError),
    #[error("cannot add the sandbox's context: {0}")]
    Context(#[source] ClusterError),
}

/// Lives as long as the process: its token and port die with it.
static RUNNING: OnceCell<kubilitics_sandbox::Sandbox> = OnceCell::const_new();

/// Starts the sandbox (once) and connects its context; returns the context's name. With
/// `serve --sandbox` the context is already there and is only connected.
pub async fn start(clusters: &ClusterManager) -> Result<String, SandboxStartError> {
    if RUNNING.get().is_none() {
        if clusters.merged().context(CONTEXT).is_some() {
            if clusters.connect(CONTEXT).await.is_ok() {
                return Ok(CONTEXT.to_string());
            }
            // An import left by an earlier run: its sandbox died with that process.
            clusters.remove_imported(CONTEXT).map_err(SandboxStartError::Context)?;
        }
        let sandbox = RUNNING
            .get_or_try_init(|| kubilitics_sandbox::Sandbox::start(kubilitics_sandbox::Options::default()))
            .await
            .map_err(SandboxStartError::Start)?;
        if clusters.merged().context(CONTEXT).is_none() {
            clusters
                .import_yaml(&sandbox.kubeconfig)
                .map_err(SandboxStartError::Context)?;
        }
    }
    clusters.connect(CONTEXT).await.map_err(SandboxStartError::Context)?;
    Ok(CONTEXT.to_string())
}
