//! The non-serving subcommands: `db migrate`, `db backup`, `config show`. Each returns what to
//! print, so the binary stays a thin dispatcher.

use std::path::Path;

use crate::cli::{ConfigCommand, DbCommand, MigrateArgs};
use crate::config::{Loaded, show};
use crate::store::{StoreError, sqlite};

pub fn db(loaded: &Loaded, command: &DbCommand) -> Result<String, StoreError> {
    if loaded.config.database.kind != "sqlite" {
        return Err(StoreError::Unsupported(
            "this command (use pg_dump and the PostgreSQL tools)",
            "postgresql",
        ));
    }
    let cfg = &loaded.config.database.sqlite;
    match command {
        DbCommand::Migrate(args) => migrate(cfg, args),
        DbCommand::Backup { path } => {
            sqlite::backup(Path::new(&cfg.path), path)?;
            Ok(format!("backed up {} to {}\n", cfg.path, path.display()))
        }
    }
}

fn migrate(cfg: &crate::config::Sqlite, args: &MigrateArgs) -> Result<String, StoreError> {
    let store = sqlite::SqliteStore::open_unmigrated(cfg)?;
    let mut out = String::new();
    if args.rollback {
        let now = store.rollback()?;
        out.push_str(&format!("rolled back; schema version is now {now}\n"));
    } else if let Some(v) = args.version {
        store.migrate_to(v)?;
        out.push_str(&format!("schema version is now {v}\n"));
    } else if !args.status {
        store.migrate_to(crate::store::migrations::latest())?;
        out.push_str("migrated to the latest schema\n");
    }
    for m in store.migration_status()? {
        let state = if m.applied { "applied" } else { "pending" };
        out.push_str(&format!("{:>4}  {:<10} {state}\n", m.version, m.name));
    }
    Ok(out)
}

pub fn config(loaded: &Loaded, command: &ConfigCommand) -> String {
    match command {
        ConfigCommand::Show => show::render(loaded),
    }
}
