//! Cluster access: kubeconfig discovery and import, per-context clients with exec-plugin
//! approval, the watch cache, and what is computed from it (topology) or done through it
//! (actions, logs).
//!
//! Knows nothing of HTTP: the API translates. Depends on `store` (approvals) and `config`.

pub mod cache;
pub mod client;
pub mod compact;
pub mod credentials;
pub mod deltas;
pub mod dynamic;
pub mod events;
pub mod kinds;
pub mod kubeconfig;
pub mod manager;
pub mod ops;
pub mod overview;
pub mod rows;
pub mod topology;
pub mod watch;

use std::path::PathBuf;

pub use cache::{ContextCache, Filter, KindStatus, SyncState};
pub use credentials::{Failure, FailureKind, PluginCommand};
pub use kubeconfig::ImportProblem;
pub use manager::{ClusterManager, Connection, ContextView};

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("no context named '{0}'; GET /api/v1/clusters lists the contexts found")]
    UnknownContext(String),
    #[error("context '{context}' is not connected: {}", failure.message)]
    Connect { context: String, failure: Failure },
    #[error("context '{context}' authenticates by running `{}`, which is not approved; review and approve it first", command.command_line)]
    NeedsApproval { context: String, command: PluginCommand },
    #[error("context '{context}' now runs `{}`, not the command that was shown; review the new command and approve that", command.command_line)]
    PluginChanged { context: String, command: PluginCommand },
    #[error("context '{0}' runs no exec or auth-provider command; nothing to approve")]
    NoPlugin(String),
    #[error("the kubeconfig cannot be imported: {0}")]
    Import(ImportProblem),
    #[error("context '{context}' comes from {}, which Kubilitics did not import; edit that file to remove it", source_file.display())]
    NotImported { context: String, source_file: PathBuf },
    /// A file the user named cannot be read (their mistake to fix, not the sidecar's fault).
    #[error("cannot read {0}: {1}; check the path and that the sidecar's user may read it")]
    Unreadable(PathBuf, #[source] std::io::Error),
    #[error("{0}: {1}")]
    Io(String, #[source] std::io::Error),
    /// A write to this directory found no room left; nothing of it was kept.
    #[error("{}", crate::files::disk_full_message(.0))]
    DiskFull(PathBuf),
    #[error(transparent)]
    Store(StoreError),
}
