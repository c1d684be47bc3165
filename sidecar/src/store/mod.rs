//! Persistence: settings, actions and their audit log, approvals, clusters, investigations.
//!
//! [`Store`] is the only way the rest of the sidecar reaches the database, so a backend is a
//! trait implementation: SQLite here ([`sqlite`]), PostgreSQL for the in-cluster deployment.
//! Nothing SQL-dialect specific crosses this boundary: values are JSON, times RFC 3339.

pub mod ai;
pub mod kept;
pub mod migrations;
pub mod postgres;
pub mod sqlite;
pub mod workbench;

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;
pub use workbench::{ActionRecord, ApprovalRecord, ExecApproval, WorkbenchStore};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the database {} is damaged ({reason}); a copy was saved to {} before anything else happened. Restore a backup (kubilitics db backup makes them) or move the file away to start fresh",
        path.display(), backup.display()
    )]
    Corrupt {
        path: PathBuf,
        backup: PathBuf,
        reason: String,
    },
    #[error(
        "the database {} has schema version {found}, newer than this Kubilitics knows ({known}); it was written by a newer release. A copy was saved to {}. Upgrade Kubilitics, or point KUBILITICS_DATABASE_PATH elsewhere",
        path.display(), backup.display()
    )]
    TooNew {
        path: PathBuf,
        backup: PathBuf,
        found: usize,
        known: usize,
    },
    #[error("cannot open the database {}: {reason}", path.display())]
    Open { path: PathBuf, reason: String },
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("backup to {} failed: {reason}", path.display())]
    Backup { path: PathBuf, reason: String },
    /// SQLite could not write for lack of space (`SQLITE_FULL`): nothing of the write was kept,
    /// and the next write succeeds once there is room again.
    #[error("{}", crate::files::disk_full_message(dir))]
    DiskFull { dir: PathBuf },
    #[error("database query failed in {operation}: {source}")]
    Query {
        operation: &'static str,
        #[source]
        source: rusqlite::Error,
    },
    /// A PostgreSQL server that cannot be reached or cannot take writes now (down, refusing
    /// our credentials, out of disk): nothing of the request was kept; trying again later works.
    #[error(
        "the PostgreSQL database {target} is unavailable: {reason}. Check that the server runs and that database.postgresql.* (or KUBILITICS_DATABASE_URL) points at it"
    )]
    Unavailable { target: String, reason: String },
    #[error(
        "the PostgreSQL database {target} has schema version {found}, newer than this Kubilitics knows ({known}); a newer release migrated it. Upgrade Kubilitics (every replica)"
    )]
    NewerSchema { target: String, found: usize, known: usize },
    #[error("database query failed in {operation}: {source}")]
    Postgres {
        operation: &'static str,
        #[source]
        source: tokio_postgres::Error,
    },
    /// A database setting that cannot be used as written.
    #[error("{0}")]
    Config(String),
    #[error("{0} is not supported by the {1} store")]
    Unsupported(&'static str, &'static str),
    #[error("the database worker stopped: {0}")]
    Worker(String),
}

/// One migration and whether it is applied.
#[derive(Debug, Clone, Serialize)]
pub struct MigrationStatus {
    pub version: usize,
    pub name: String,
    pub applied: bool,
}

/// A user setting (theme, last context, window geometry, wizard progress...).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Setting {
    pub key: String,
    pub value: serde_json::Value,
    /// RFC 3339.
    pub updated_at: String,
}

/// One line of the audit log, as written.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct NewAuditRecord {
    pub actor: String,
    pub operation: String,
    pub context: Option<String>,
    pub kind: Option<String>,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub decision: String,
    pub reason: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub result: Option<String>,
    pub request_id: Option<String>,
    pub action_id: Option<String>,
}

/// One line of the audit log, as stored.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditRecord {
    pub id: i64,
    /// RFC 3339.
    pub at: String,
    #[serde(flatten)]
    pub record: NewAuditRecord,
}

/// Where a page of the audit log starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditPage {
    /// Skip this many of the newest records. Records written meanwhile shift it.
    Offset(u32),
    /// Records older than this id: stable however many are written meanwhile, and an index
    /// seek however deep the page.
    Before(i64),
}

impl StoreError {
    /// Whether the same write can succeed later without anyone changing anything but the
    /// database's room or reachability: records that must not be lost are retried.
    pub fn is_transient(&self) -> bool {
        matches!(self, StoreError::DiskFull { .. } | StoreError::Unavailable { .. })
    }
}

#[async_trait]
pub trait Store: ai::AiStore + WorkbenchStore + Send + Sync {
    /// A cheap round trip, for /health.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Whether the store's disk is too full to take writes (reads still work), for /health.
    fn low_on_space(&self) -> bool {
        false
    }

    async fn get_setting(&self, key: &str) -> Result<Option<Setting>, StoreError>;
    async fn put_setting(&self, key: &str, value: &serde_json::Value) -> Result<Setting, StoreError>;
    async fn list_settings(&self) -> Result<Vec<Setting>, StoreError>;

    async fn append_audit(&self, record: &NewAuditRecord) -> Result<i64, StoreError>;
    /// Newest first, from `page`; the total counts every record.
    async fn list_audit(&self, limit: u32, page: AuditPage) -> Result<(Vec<AuditRecord>, u64), StoreError>;

    /// Flushes what is pending and releases the database (on shutdown).
    async fn close(&self) -> Result<(), StoreError>;

    /// The backend's name (`sqlite`, `postgresql`), for messages and the About screen.
    fn backend(&self) -> &'static str;

    /// Where the data is: a file, or `user@host:port/database` (never a password).
    fn location(&self) -> String;
}

/// A name for this sidecar process, written on the actions it marks running: unique per start.
fn new_runner() -> String {
    format!("run-{}", uuid::Uuid::new_v4().simple())
}

/// Copies `path` (and its WAL and shared-memory files) next to it, named for why, before a
/// start-up that refuses the database; returns the copy's path.
pub(crate) fn save_copy(path: &Path, why: &str) -> std::io::Result<PathBuf> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let backup = PathBuf::from(format!("{}.{why}-{stamp}.bak", path.display()));
    std::fs::copy(path, &backup)?;
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", path.display()));
        if side.exists() {
            std::fs::copy(&side, format!("{}{suffix}", backup.display()))?;
        }
    }
    Ok(backup)
}
