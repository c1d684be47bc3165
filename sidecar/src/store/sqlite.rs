//! The SQLite store: one file in `~/.kubilitics`, WAL journal, one connection used from a
//! blocking thread (the desktop has one user; WAL still lets `kubilitics db backup` read while
//! this process writes).
//!
//! Start-up refuses a damaged database or one written by a newer release, after saving a copy
//! of it: nothing the user had is ever overwritten.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, params};
use rusqlite_migration::SchemaVersion;

use super::{
    AuditPage, AuditRecord, MigrationStatus, NewAuditRecord, Setting, Store, StoreError, migrations, save_copy,
};
use crate::config;
use crate::files;
use crate::telemetry::metrics;

mod ai;
mod workbench;

#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    path: PathBuf,
    /// This process, as the actions it marks running name it.
    runner: Arc<str>,
}

impl SqliteStore {
    /// Opens (creating if needed) and migrates to the latest schema.
    pub fn open(cfg: &config::Sqlite) -> Result<SqliteStore, StoreError> {
        let store = Self::open_unmigrated(cfg)?;
        {
            let mut conn = store.conn.lock().expect("store lock");
            migrations::sqlite().to_latest(&mut conn).map_err(|e| match e {
                rusqlite_migration::Error::RusqliteError { ref err, .. } => {
                    disk_full(err, &store.path).unwrap_or_else(|| StoreError::Migration(e.to_string()))
                }
                other => StoreError::Migration(other.to_string()),
            })?;
        }
        Ok(store)
    }

    /// Opens and checks the database without changing its schema (for `db migrate`).
    pub fn open_unmigrated(cfg: &config::Sqlite) -> Result<SqliteStore, StoreError> {
        let path = PathBuf::from(&cfg.path);
        let open_err = |reason: String| StoreError::Open {
            path: path.clone(),
            reason,
        };
        std::fs::create_dir_all(files::parent_dir(&path)).map_err(|e| open_err(e.to_string()))?;
        let existed = path.exists();
        let conn = Connection::open(&path).map_err(|e| open_err(e.to_string()))?;
        if existed {
            check_health(&conn, &path)?;
        }
        configure(&conn, cfg).map_err(|e| classify(e, &path))?;
        #[cfg(unix)]
        if !existed {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
        }
        Ok(SqliteStore {
            conn: Arc::new(Mutex::new(conn)),
            path,
            runner: super::new_runner().into(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every known migration and whether it is applied.
    pub fn migration_status(&self) -> Result<Vec<MigrationStatus>, StoreError> {
        let conn = self.conn.lock().expect("store lock");
        Ok(migrations::status(migrations::SQLITE, current_version(&conn)?))
    }

    /// Moves the schema up or down to `version` (0 removes every table).
    pub fn migrate_to(&self, version: usize) -> Result<(), StoreError> {
        if version > migrations::latest() {
            return Err(StoreError::Migration(format!(
                "version {version} does not exist; the latest is {}",
                migrations::latest()
            )));
        }
        let mut conn = self.conn.lock().expect("store lock");
        migrations::sqlite()
            .to_version(&mut conn, version)
            .map_err(|e| StoreError::Migration(e.to_string()))
    }

    /// Undoes the newest applied migration; returns the version now in force.
    pub fn rollback(&self) -> Result<usize, StoreError> {
        let current = {
            let conn = self.conn.lock().expect("store lock");
            current_version(&conn)?
        };
        if current == 0 {
            return Err(StoreError::Migration(
                "no migration is applied; nothing to roll back".into(),
            ));
        }
        self.migrate_to(current - 1)?;
        Ok(current - 1)
    }

    /// Runs `f` on the connection in a blocking thread, timing it as `operation`.
    async fn with<T, F>(&self, operation: &'static str, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let conn = self.conn.clone();
        let result = tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            metrics::DB_CONNECTIONS_ACTIVE.inc();
            let result = {
                let mut conn = conn.lock().expect("store lock");
                f(&mut conn)
            };
            metrics::DB_CONNECTIONS_ACTIVE.dec();
            metrics::DB_QUERY_DURATION
                .with_label_values(&[operation])
                .observe(started.elapsed().as_secs_f64());
            result
        })
        .await
        .map_err(|e| StoreError::Worker(e.to_string()))?;
        result.map_err(|source| disk_full(&source, &self.path).unwrap_or(StoreError::Query { operation, source }))
    }
}

/// A database in `dir` with the defaults' settings, for tests.
#[cfg(test)]
pub(crate) fn test_config(dir: &Path) -> config::Sqlite {
    config::Sqlite {
        path: dir.join("data.db").display().to_string(),
        journal_mode: "WAL".into(),
        cache_size: 1000,
        busy_timeout: 5000,
        synchronous: "NORMAL".into(),
    }
}

#[cfg(test)]
impl SqliteStore {
    /// Makes the database behave as if its disk were full (`full`: no page may be added, so a
    /// write that needs one fails with `SQLITE_FULL`, the error a full disk gives) or had room
    /// again: SQLite's own size limit, `max_page_count`.
    pub(crate) async fn pretend_disk_full(&self, full: bool) {
        self.with("pretend_disk_full", move |c| {
            let pages: i64 = if full {
                c.query_row("PRAGMA page_count", [], |r| r.get(0))?
            } else {
                i64::from(u32::MAX - 1)
            };
            c.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))
        })
        .await
        .unwrap();
    }
}

/// Copies the live database at `source` to `dest` with SQLite's online backup API: a
/// consistent snapshot even while another process writes (WAL readers do not block writers).
/// The copy is written beside `dest` and renamed into place, then checked.
pub fn backup(source: &Path, dest: &Path) -> Result<(), StoreError> {
    let fail = |reason: String| StoreError::Backup {
        path: dest.to_path_buf(),
        reason,
    };
    if !source.exists() {
        return Err(fail(format!("there is no database at {}", source.display())));
    }
    let src = Connection::open_with_flags(
        source,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| fail(e.to_string()))?;
    src.busy_timeout(Duration::from_secs(30))
        .map_err(|e| fail(e.to_string()))?;
    let partial = PathBuf::from(format!("{}.partial", dest.display()));
    let _ = std::fs::remove_file(&partial);
    {
        let mut dst = Connection::open(&partial).map_err(|e| fail(e.to_string()))?;
        let job = rusqlite::backup::Backup::new(&src, &mut dst).map_err(|e| fail(e.to_string()))?;
        // All pages in one step (-1), inside one read snapshot: a multi-step copy restarts
        // whenever another connection writes, so it could chase a busy writer forever.
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            match job.step(-1).map_err(|e| fail(e.to_string()))? {
                rusqlite::backup::StepResult::Done => break,
                _ if std::time::Instant::now() > deadline => {
                    return Err(fail("the database stayed locked for 60 s; try again".into()));
                }
                _ => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }
    let check = Connection::open(&partial)
        .and_then(|c| c.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0)))
        .map_err(|e| fail(e.to_string()))?;
    if check != "ok" {
        let _ = std::fs::remove_file(&partial);
        return Err(fail(format!("the copy failed its integrity check: {check}")));
    }
    std::fs::rename(&partial, dest).map_err(|e| fail(e.to_string()))
}

fn configure(conn: &Connection, cfg: &config::Sqlite) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_millis(cfg.busy_timeout))?;
    let _: String = conn.query_row(&format!("PRAGMA journal_mode = {}", cfg.journal_mode), [], |r| r.get(0))?;
    conn.pragma_update(None, "synchronous", &cfg.synchronous)?;
    conn.pragma_update(None, "cache_size", cfg.cache_size)?;
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(())
}

/// Refuses a damaged or too-new database, saving a copy first.
fn check_health(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let verdict = conn.query_row("PRAGMA quick_check", [], |r| r.get::<_, String>(0));
    let reason = match verdict {
        Ok(ok) if ok == "ok" => None,
        Ok(problem) => Some(problem),
        Err(e) => match classify(e, path) {
            StoreError::Corrupt { reason, .. } => Some(reason),
            other => return Err(other),
        },
    };
    if let Some(reason) = reason {
        let backup = save_copy(path, "corrupt").map_err(|e| StoreError::Open {
            path: path.to_path_buf(),
            reason: format!("damaged ({reason}) and a copy could not be saved: {e}"),
        })?;
        return Err(StoreError::Corrupt {
            path: path.to_path_buf(),
            backup,
            reason,
        });
    }
    let found = current_version(conn)?;
    if found > migrations::latest() {
        let backup = save_copy(path, "newer").map_err(|e| StoreError::Open {
            path: path.to_path_buf(),
            reason: format!("written by a newer release and a copy could not be saved: {e}"),
        })?;
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            backup,
            found,
            known: migrations::latest(),
        });
    }
    Ok(())
}

/// A "not a database" or "corrupt" error becomes [`StoreError::Corrupt`] (without a backup
/// path yet), a full disk [`StoreError::DiskFull`]; anything else is an open error.
fn classify(e: rusqlite::Error, path: &Path) -> StoreError {
    if let Some(full) = disk_full(&e, path) {
        return full;
    }
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => StoreError::Corrupt {
            path: path.to_path_buf(),
            backup: PathBuf::new(),
            reason: e.to_string(),
        },
        _ => StoreError::Open {
            path: path.to_path_buf(),
            reason: e.to_string(),
        },
    }
}

/// Below this much room a write may not fit (a transaction appends whole 4 KiB pages to the
/// WAL, a checkpoint more): /health calls the database degraded.
const LOW_ON_SPACE: u64 = 1 << 20;

/// Bytes an unprivileged writer may still use on the filesystem holding `dir`.
#[cfg(unix)]
// Both counts are u64 on Linux, narrower types on some other Unixes.
#[allow(clippy::useless_conversion)]
fn free_bytes(dir: &Path) -> Option<u64> {
    let stats = nix::sys::statvfs::statvfs(dir).ok()?;
    Some(u64::from(stats.blocks_available()).saturating_mul(u64::from(stats.fragment_size())))
}

#[cfg(not(unix))]
fn free_bytes(_: &Path) -> Option<u64> {
    None
}

/// `SQLITE_FULL` on the database at `path` as [`StoreError::DiskFull`], naming its directory.
fn disk_full(e: &rusqlite::Error, path: &Path) -> Option<StoreError> {
    (e.sqlite_error_code() == Some(ErrorCode::DiskFull)).then(|| StoreError::DiskFull {
        dir: files::parent_dir(path),
    })
}

fn current_version(conn: &Connection) -> Result<usize, StoreError> {
    let v = migrations::sqlite()
        .current_version(conn)
        .map_err(|e| StoreError::Migration(e.to_string()))?;
    Ok(match v {
        SchemaVersion::NoneSet => 0,
        SchemaVersion::Inside(n) | SchemaVersion::Outside(n) => n.get(),
    })
}

/// Appends `r` to the audit log; returns its id.
fn insert_audit(c: &Connection, r: &NewAuditRecord) -> rusqlite::Result<i64> {
    c.execute(
        "INSERT INTO audit_log (at, actor, operation, context, kind, namespace, name, decision, reason,
                                before, after, result, request_id, action_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        params![
            now(),
            r.actor,
            r.operation,
            r.context,
            r.kind,
            r.namespace,
            r.name,
            r.decision,
            r.reason,
            json_text(&r.before),
            json_text(&r.after),
            r.result,
            r.request_id,
            r.action_id
        ],
    )?;
    Ok(c.last_insert_rowid())
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// `text` as the store writes times (UTC, milliseconds, `Z`) when it is RFC 3339, so that
/// comparing and cutting the text compares and cuts the times; anything else as it is.
fn utc(text: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(text).map_or_else(
        |_| text.to_string(),
        |t| {
            t.with_timezone(&chrono::Utc)
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        },
    )
}

fn json_text(v: &Option<serde_json::Value>) -> Option<String> {
    v.as_ref().map(|v| v.to_string())
}

fn json_value(text: Option<String>) -> Option<serde_json::Value> {
    text.and_then(|t| serde_json::from_str(&t).ok())
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.with("ping", |c| c.query_row("SELECT 1", [], |_| Ok(()))).await
    }

    fn low_on_space(&self) -> bool {
        free_bytes(&files::parent_dir(&self.path)).is_some_and(|free| free < LOW_ON_SPACE)
    }

    async fn get_setting(&self, key: &str) -> Result<Option<Setting>, StoreError> {
        let key = key.to_string();
        self.with("get_setting", move |c| {
            c.query_row(
                "SELECT key, value, updated_at FROM settings WHERE key = ?1",
                [&key],
                |r| {
                    Ok(Setting {
                        key: r.get(0)?,
                        value: json_value(r.get(1)?).unwrap_or_default(),
                        updated_at: r.get(2)?,
                    })
                },
            )
            .optional()
        })
        .await
    }

    async fn put_setting(&self, key: &str, value: &serde_json::Value) -> Result<Setting, StoreError> {
        let setting = Setting {
            key: key.to_string(),
            value: value.clone(),
            updated_at: now(),
        };
        let row = setting.clone();
        self.with("put_setting", move |c| {
            c.execute(
                "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                params![row.key, row.value.to_string(), row.updated_at],
            )
        })
        .await?;
        Ok(setting)
    }

    async fn list_settings(&self) -> Result<Vec<Setting>, StoreError> {
        self.with("list_settings", |c| {
            let mut stmt = c.prepare("SELECT key, value, updated_at FROM settings ORDER BY key")?;
            let rows = stmt.query_map([], |r| {
                Ok(Setting {
                    key: r.get(0)?,
                    value: json_value(r.get(1)?).unwrap_or_default(),
                    updated_at: r.get(2)?,
                })
            })?;
            rows.collect()
        })
        .await
    }

    async fn append_audit(&self, record: &NewAuditRecord) -> Result<i64, StoreError> {
        let r = record.clone();
        self.with("append_audit", move |c| insert_audit(c, &r)).await
    }

    async fn list_audit(&self, limit: u32, page: AuditPage) -> Result<(Vec<AuditRecord>, u64), StoreError> {
        self.with("list_audit", move |c| {
            let total: i64 = c.query_row("SELECT COUNT(*) FROM audit_log", [], |r| r.get(0))?;
            let (before, offset) = match page {
                AuditPage::Offset(n) => (i64::MAX, n),
                AuditPage::Before(id) => (id, 0),
            };
            let mut stmt = c.prepare(
                "SELECT id, at, actor, operation, context, kind, namespace, name, decision, reason, before, after,
                        result, request_id, action_id
                 FROM audit_log WHERE id < ?3 ORDER BY id DESC LIMIT ?1 OFFSET ?2",
            )?;
            let rows = stmt.query_map(params![limit, offset, before], |r| {
                Ok(AuditRecord {
                    id: r.get(0)?,
                    at: r.get(1)?,
                    record: NewAuditRecord {
                        actor: r.get(2)?,
                        operation: r.get(3)?,
                        context: r.get(4)?,
                        kind: r.get(5)?,
                        namespace: r.get(6)?,
                        name: r.get(7)?,
                        decision: r.get(8)?,
                        reason: r.get(9)?,
                        before: json_value(r.get(10)?),
                        after: json_value(r.get(11)?),
                        result: r.get(12)?,
                        request_id: r.get(13)?,
                        action_id: r.get(14)?,
                    },
                })
            })?;
            Ok((rows.collect::<rusqlite::Result<Vec<_>>>()?, total as u64))
        })
        .await
    }

    async fn close(&self) -> Result<(), StoreError> {
        self.with("close", |c| {
            c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
            c.execute_batch("PRAGMA optimize")
        })
        .await
    }

    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn location(&self) -> String {
        self.path.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn settings_round_trip_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&test_config(dir.path())).unwrap();
        store.put_setting("theme", &serde_json::json!("dark")).await.unwrap();
        store.close().await.unwrap();
        drop(store);
        let store = SqliteStore::open(&test_config(dir.path())).unwrap();
        assert_eq!(store.get_setting("theme").await.unwrap().unwrap().value, "dark");
    }

    #[tokio::test]
    async fn a_full_disk_keeps_what_was_stored_and_says_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&test_config(dir.path())).unwrap();
        store.put_setting("theme", &serde_json::json!("dark")).await.unwrap();
        store.pretend_disk_full(true).await;
        let big = serde_json::json!("x".repeat(64 * 1024));
        let err = store.put_setting("notes", &big).await.unwrap_err();
        assert!(
            matches!(err, StoreError::DiskFull { dir: ref full } if full == dir.path()),
            "{err:?}"
        );
        let message = err.to_string();
        assert!(
            message.contains(&dir.path().display().to_string()) && message.contains("Free some space"),
            "{message}"
        );
        // Reads go on, nothing stored before is lost, and the write works once there is room.
        assert_eq!(store.get_setting("theme").await.unwrap().unwrap().value, "dark");
        assert!(store.get_setting("notes").await.unwrap().is_none());
        store.pretend_disk_full(false).await;
        store.put_setting("notes", &big).await.unwrap();
        assert_eq!(store.get_setting("notes").await.unwrap().unwrap().value, big);
    }

    #[test]
    fn a_file_that_is_not_a_database_is_refused_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let c = test_config(dir.path());
        std::fs::write(
            &c.path,
            b"this is not sqlite, but it is someone's data; keep it safe. ".repeat(100),
        )
        .unwrap();
        let before = std::fs::read(&c.path).unwrap();
        let Err(StoreError::Corrupt { backup, .. }) = SqliteStore::open(&c) else {
            panic!("should be refused")
        };
        assert_eq!(std::fs::read(&c.path).unwrap(), before, "the original is untouched");
        assert_eq!(std::fs::read(&backup).unwrap(), before, "the copy is exact");
    }

    #[test]
    fn a_database_from_a_newer_release_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let c = test_config(dir.path());
        drop(SqliteStore::open(&c).unwrap());
        Connection::open(&c.path)
            .unwrap()
            .pragma_update(None, "user_version", 99)
            .unwrap();
        let err = SqliteStore::open(&c).err().expect("refused");
        assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err}");
        assert!(err.to_string().contains("newer"));
    }

    #[test]
    fn migrations_go_down_to_zero_and_up_again() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&test_config(dir.path())).unwrap();
        assert!(store.migration_status().unwrap().iter().all(|m| m.applied));
        store.migrate_to(0).unwrap();
        assert!(store.migration_status().unwrap().iter().all(|m| !m.applied));
        assert_eq!(
            store.rollback().err().map(|e| e.to_string().contains("nothing")),
            Some(true)
        );
        store.migrate_to(migrations::latest()).unwrap();
        assert_eq!(store.rollback().unwrap(), migrations::latest() - 1);
    }
}
