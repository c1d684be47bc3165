//! The PostgreSQL store, for the in-cluster deployment where several replicas share one database:
//! a pool of connections (deadpool) sized and aged by `database.postgresql.pool.*`, TLS through rustls
//! as `ssl_mode` says ([`tls`]), and the same schema as SQLite in PostgreSQL's own types
//! (timestamptz, jsonb), migrated under an advisory lock so replicas starting together apply each
//! migration once.
//!
//! Errors say what to do: a server that cannot be reached, or whose disk is full, is
//! [`StoreError::Unavailable`] (503 to API clients, retried for records that must not be lost).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_postgres::{
    ClientWrapper, Hook, HookError, Manager, ManagerConfig, Metrics, Object, Pool, PoolError, RecyclingMethod, Runtime,
};
use tokio_postgres::error::SqlState;
use tokio_postgres::{GenericClient, Row};

use super::{AuditPage, AuditRecord, MigrationStatus, NewAuditRecord, Setting, Store, StoreError, migrations};
use crate::config;
use crate::telemetry::metrics;

mod ai;
mod connect;
mod tls;
mod workbench;

/// Any number the replicas agree on: the advisory lock taken while the schema changes.
const MIGRATION_LOCK: i64 = 0x6b75_6269_6c69_7469; // "kubiliti"

#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
    /// `user@host:port/database`, for messages (never the password).
    target: String,
    /// This process, as the actions it marks running name it.
    runner: Arc<str>,
    /// A connection kept out of the pool, holding the session lock that tells other replicas
    /// this runner is alive ([`runner_key`]); dropped on close, which releases the lock.
    liveness: Arc<Mutex<Option<ClientWrapper>>>,
}

impl PostgresStore {
    /// Connects and migrates to the latest schema.
    /// Connects, migrates to the latest schema, and takes this runner's liveness lock.
    pub async fn open(cfg: &config::Postgresql) -> Result<PostgresStore, StoreError> {
        let store = Self::open_unmigrated(cfg).await?;
        store.migrate_to(migrations::latest()).await?;
        store.hold_liveness_lock().await?;
        Ok(store)
    }

    /// Holds `pg_advisory_lock(runner_key(runner))` for as long as this store is open, on a
    /// connection of its own: while it is held, no other replica takes this runner's running
    /// actions for interrupted ([`WorkbenchStore::interrupt_orphaned`]).
    async fn hold_liveness_lock(&self) -> Result<(), StoreError> {
        let client = Object::take(self.conn().await?);
        client
            .execute("SELECT pg_advisory_lock($1)", &[&runner_key(&self.runner)])
            .await
            .map_err(|e| self.error("liveness_lock", e))?;
        *self.liveness.lock().expect("liveness lock") = Some(client);
        Ok(())
    }

    /// Connects and checks that the schema is not newer than this build knows, without changing
    /// it (for `db migrate`).
    pub async fn open_unmigrated(cfg: &config::Postgresql) -> Result<PostgresStore, StoreError> {
        let settings = connect::settings(cfg)?;
        let target = settings.target.clone();
        let manager = Manager::from_config(
            settings.config,
            settings.tls,
            ManagerConfig {
                // A connection the server closed (a restart, a failover) is noticed and replaced.
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let wait = Duration::from_secs(cfg.pool.timeout.max(1));
        let aged = Aged {
            idle: non_zero(cfg.pool.idle_timeout),
            lifetime: non_zero(cfg.pool.max_lifetime),
        };
        // A connection that cannot be made is reported at once with its cause; only waiting
        // for a busy pool's free connection is bounded by pool.timeout.
        let pool = Pool::builder(manager)
            .max_size(cfg.pool.size.max(1) as usize)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(wait))
            .create_timeout(Some(wait))
            .recycle_timeout(Some(wait))
            .post_recycle(Hook::sync_fn(move |_, metrics| {
                if aged.expired(metrics) {
                    Err(HookError::Message(
                        "older than the pool's idle or lifetime limit".into(),
                    ))
                } else {
                    Ok(())
                }
            }))
            .build()
            .map_err(|e| StoreError::Config(format!("the PostgreSQL connection pool: {e}")))?;
        aged.close_idle(pool.clone());
        let store = PostgresStore {
            pool,
            target,
            runner: super::new_runner().into(),
            liveness: Arc::default(),
        };
        let found = store.current_version().await?;
        if found > migrations::latest() {
            return Err(StoreError::NewerSchema {
                target: store.target.clone(),
                found,
                known: migrations::latest(),
            });
        }
        Ok(store)
    }

    /// `user@host:port/database`.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// Every known migration and whether it is applied.
    pub async fn migration_status(&self) -> Result<Vec<MigrationStatus>, StoreError> {
        Ok(migrations::status(
            migrations::POSTGRESQL,
            self.current_version().await?,
        ))
    }

    /// Moves the schema up or down to `version` (0 removes every table), in one transaction
    /// under [`MIGRATION_LOCK`]: another replica waits, then finds nothing left to do.
    pub async fn migrate_to(&self, version: usize) -> Result<(), StoreError> {
        if version > migrations::latest() {
            return Err(StoreError::Migration(format!(
                "version {version} does not exist; the latest is {}",
                migrations::latest()
            )));
        }
        let fail = |e: tokio_postgres::Error| self.error("migrate", e);
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(fail)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(fail)?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS kubilitics_schema (
                 one     BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
                 version INTEGER NOT NULL
             );
             INSERT INTO kubilitics_schema (version) VALUES (0) ON CONFLICT DO NOTHING",
        )
        .await
        .map_err(fail)?;
        let current = version_in(&*tx).await.map_err(fail)?;
        if current > migrations::latest() {
            return Err(StoreError::NewerSchema {
                target: self.target.clone(),
                found: current,
                known: migrations::latest(),
            });
        }
        let steps = migrations::POSTGRESQL;
        let (from, to) = (current, version);
        let scripts: Vec<(usize, &str)> = if to >= from {
            (from..to).map(|i| (i, steps[i].1)).collect()
        } else {
            (to..from).rev().map(|i| (i, steps[i].2)).collect()
        };
        for (i, sql) in scripts {
            tx.batch_execute(sql)
                .await
                .map_err(|e| StoreError::Migration(format!("{} ({}): {}", i + 1, steps[i].0, detail(&e))))?;
        }
        tx.execute("UPDATE kubilitics_schema SET version = $1", &[&(to as i32)])
            .await
            .map_err(fail)?;
        tx.commit().await.map_err(fail)
    }

    /// Undoes the newest applied migration; returns the version now in force.
    pub async fn rollback(&self) -> Result<usize, StoreError> {
        let current = self.current_version().await?;
        if current == 0 {
            return Err(StoreError::Migration(
                "no migration is applied; nothing to roll back".into(),
            ));
        }
        self.migrate_to(current - 1).await?;
        Ok(current - 1)
    }

    async fn current_version(&self) -> Result<usize, StoreError> {
        let conn = self.conn().await?;
        let exists: bool = conn
            .query_one("SELECT to_regclass('kubilitics_schema') IS NOT NULL", &[])
            .await
            .map_err(|e| self.error("schema_version", e))?
            .get(0);
        if !exists {
            return Ok(0);
        }
        version_in(&**conn).await.map_err(|e| self.error("schema_version", e))
    }

    /// A connection from the pool; an unreachable server is [`StoreError::Unavailable`].
    async fn conn(&self) -> Result<Object, StoreError> {
        self.pool.get().await.map_err(|e| match e {
            PoolError::Backend(e) => self.error("connect", e),
            PoolError::Timeout(_) => StoreError::Unavailable {
                target: self.target.clone(),
                reason: "no connection was free or could be made within database.postgresql.pool.timeout".into(),
            },
            other => StoreError::Unavailable {
                target: self.target.clone(),
                reason: other.to_string(),
            },
        })
    }

    /// Runs `f` on a pooled connection, timing it as `operation`.
    async fn with<T, F>(&self, operation: &'static str, f: F) -> Result<T, StoreError>
    where
        F: AsyncFnOnce(&tokio_postgres::Client) -> Result<T, tokio_postgres::Error>,
    {
        let conn = self.conn().await?;
        let started = std::time::Instant::now();
        metrics::DB_CONNECTIONS_ACTIVE.inc();
        let result = f(&conn).await;
        metrics::DB_CONNECTIONS_ACTIVE.dec();
        metrics::DB_QUERY_DURATION
            .with_label_values(&[operation])
            .observe(started.elapsed().as_secs_f64());
        result.map_err(|e| self.error(operation, e))
    }

    /// What went wrong, as the caller can act on it: the server gone or out of space is
    /// `Unavailable` (try again later), anything else a failed query.
    fn error(&self, operation: &'static str, e: tokio_postgres::Error) -> StoreError {
        let unavailable = |reason: String| StoreError::Unavailable {
            target: self.target.clone(),
            reason,
        };
        match e.code() {
            Some(code) if *code == SqlState::DISK_FULL => unavailable(format!(
                "the database server's disk is full ({}); free space on it",
                detail(&e)
            )),
            Some(code) if code.code().starts_with("08") || code.code().starts_with("57P") => unavailable(detail(&e)),
            Some(code)
                if *code == SqlState::INVALID_PASSWORD || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION =>
            {
                unavailable(format!(
                    "{}; check database.postgresql.user and password (or KUBILITICS_DATABASE_URL)",
                    detail(&e)
                ))
            }
            None if e.is_closed() || e.as_db_error().is_none() => {
                let detail = detail(&e);
                if detail.contains("TLS") {
                    unavailable(format!(
                        "{detail}; database.postgresql.ssl_mode says how the server's certificate is checked, ssl_root_cert which CA signed it"
                    ))
                } else {
                    unavailable(detail)
                }
            }
            _ => StoreError::Postgres { operation, source: e },
        }
    }
}

/// The whole chain of a driver error ("error connecting to server: Connection refused"):
/// tokio-postgres' own message leaves out the cause.
fn detail(e: &tokio_postgres::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// The advisory-lock key of a runner: 64 bits of its name's SHA-256, so that two runners
/// sharing a key (and one seeming alive while the other runs) is not a practical concern.
fn runner_key(runner: &str) -> i64 {
    let digest = ring::digest::digest(&ring::digest::SHA256, runner.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest.as_ref()[..8]);
    i64::from_be_bytes(first)
}

/// Appends `r` to the audit log; returns its id.
async fn insert_audit(c: &impl GenericClient, r: &NewAuditRecord) -> Result<i64, tokio_postgres::Error> {
    let row = c
        .query_one(
            "INSERT INTO audit_log (at, actor, operation, context, kind, namespace, name, decision, reason,
                                    before, after, result, request_id, action_id)
             VALUES (now(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
            &[
                &r.actor,
                &r.operation,
                &r.context,
                &r.kind,
                &r.namespace,
                &r.name,
                &r.decision,
                &r.reason,
                &r.before,
                &r.after,
                &r.result,
                &r.request_id,
                &r.action_id,
            ],
        )
        .await?;
    Ok(row.get(0))
}

fn non_zero(seconds: u64) -> Option<Duration> {
    (seconds > 0).then(|| Duration::from_secs(seconds))
}

/// `pool.idle_timeout` and `pool.max_lifetime`: a connection past either is closed, when it is
/// next taken and, for idle ones, by a sweep, so the server's connection slots are given back.
#[derive(Clone, Copy)]
struct Aged {
    idle: Option<Duration>,
    lifetime: Option<Duration>,
}

impl Aged {
    fn expired(&self, m: &Metrics) -> bool {
        self.idle.is_some_and(|idle| m.last_used() > idle) || self.lifetime.is_some_and(|life| m.age() > life)
    }

    /// Sweeps `pool` every so often until it is closed.
    fn close_idle(self, pool: Pool) {
        let Some(every) = self.idle.or(self.lifetime) else {
            return;
        };
        let every = (every / 2).max(Duration::from_secs(1));
        tokio::spawn(async move {
            while !pool.is_closed() {
                tokio::time::sleep(every).await;
                pool.retain(|_, m| !self.expired(&m));
            }
        });
    }
}

async fn version_in(c: &impl GenericClient) -> Result<usize, tokio_postgres::Error> {
    let v: i32 = c.query_one("SELECT version FROM kubilitics_schema", &[]).await?.get(0);
    Ok(v.max(0) as usize)
}

/// RFC 3339 as every other store value: milliseconds, `Z`.
fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn opt_rfc3339(at: Option<DateTime<Utc>>) -> Option<String> {
    at.map(rfc3339)
}

/// A time the store was handed; every caller writes RFC 3339, so anything else is a bug there,
/// not the user's: it is stored as now rather than refusing a record that must be kept.
fn time(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).map_or_else(
        |e| {
            tracing::warn!(value = text, error = %e, "a time given to the store is not RFC 3339; stored as now");
            Utc::now()
        },
        |t| t.with_timezone(&Utc),
    )
}

fn setting(r: &Row) -> Setting {
    Setting {
        key: r.get(0),
        value: r.get(1),
        updated_at: rfc3339(r.get(2)),
    }
}

fn audit_record(r: &Row) -> AuditRecord {
    AuditRecord {
        id: r.get(0),
        at: rfc3339(r.get(1)),
        record: NewAuditRecord {
            actor: r.get(2),
            operation: r.get(3),
            context: r.get(4),
            kind: r.get(5),
            namespace: r.get(6),
            name: r.get(7),
            decision: r.get(8),
            reason: r.get(9),
            before: r.get(10),
            after: r.get(11),
            result: r.get(12),
            request_id: r.get(13),
            action_id: r.get(14),
        },
    }
}

#[async_trait]
impl Store for PostgresStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.with("ping", async |c| c.simple_query("SELECT 1").await.map(|_| ()))
            .await
    }

    async fn get_setting(&self, key: &str) -> Result<Option<Setting>, StoreError> {
        self.with("get_setting", async |c| {
            let row = c
                .query_opt("SELECT key, value, updated_at FROM settings WHERE key = $1", &[&key])
                .await?;
            Ok(row.as_ref().map(setting))
        })
        .await
    }

    async fn put_setting(&self, key: &str, value: &serde_json::Value) -> Result<Setting, StoreError> {
        self.with("put_setting", async |c| {
            let row = c
                .query_one(
                    "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, now())
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                     RETURNING key, value, updated_at",
                    &[&key, value],
                )
                .await?;
            Ok(setting(&row))
        })
        .await
    }

    async fn list_settings(&self) -> Result<Vec<Setting>, StoreError> {
        self.with("list_settings", async |c| {
            let rows = c
                .query("SELECT key, value, updated_at FROM settings ORDER BY key", &[])
                .await?;
            Ok(rows.iter().map(setting).collect())
        })
        .await
    }

    async fn append_audit(&self, r: &NewAuditRecord) -> Result<i64, StoreError> {
        self.with("append_audit", async |c| insert_audit(c, r).await).await
    }

    async fn list_audit(&self, limit: u32, page: AuditPage) -> Result<(Vec<AuditRecord>, u64), StoreError> {
        let (before, offset) = match page {
            AuditPage::Offset(n) => (i64::MAX, i64::from(n)),
            AuditPage::Before(id) => (id, 0),
        };
        self.with("list_audit", async |c| {
            let total: i64 = c.query_one("SELECT COUNT(*) FROM audit_log", &[]).await?.get(0);
            let rows = c
                .query(
                    "SELECT id, at, actor, operation, context, kind, namespace, name, decision, reason, before, after,
                            result, request_id, action_id
                     FROM audit_log WHERE id < $3 ORDER BY id DESC LIMIT $1 OFFSET $2",
                    &[&i64::from(limit), &offset, &before],
                )
                .await?;
            Ok((rows.iter().map(audit_record).collect(), total as u64))
        })
        .await
    }

    async fn close(&self) -> Result<(), StoreError> {
        // The server keeps nothing pending; closing ends the idle sweep and every connection,
        // and gives up the liveness lock: this runner's running actions are now orphans.
        self.liveness.lock().expect("liveness lock").take();
        self.pool.close();
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "postgresql"
    }

    fn location(&self) -> String {
        self.target.clone()
    }
}
