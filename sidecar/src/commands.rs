//! The non-serving subcommands: `db migrate`, `db backup`, `config show`, `eval`, `llm-key`. Each returns
//! what to print, so the binary stays a thin dispatcher.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::ai::llm::keys;
use crate::cli::{ConfigCommand, DbCommand, EvalFlags, LlmKeyCommand, MigrateArgs};
use crate::config::{Loaded, show};
use crate::store::{MigrationStatus, PostgresStore, StoreError, sqlite};

pub fn db(loaded: &Loaded, command: &DbCommand) -> Result<String, StoreError> {
    let database = &loaded.config.database;
    match (database.kind.as_str(), command) {
        ("postgresql", DbCommand::Migrate(args)) => migrate_postgresql(&database.postgresql, args),
        ("postgresql", DbCommand::Backup { .. }) => Err(StoreError::Unsupported(
            "db backup (use pg_dump, as the runbook's backup steps say)",
            "postgresql",
        )),
        (_, DbCommand::Migrate(args)) => migrate_sqlite(&database.sqlite, args),
        (_, DbCommand::Backup { path }) => {
            let cfg = &database.sqlite;
            sqlite::backup(Path::new(&cfg.path), path)?;
            Ok(format!("backed up {} to {}\n", cfg.path, path.display()))
        }
    }
}

/// What `db migrate` was asked to do, whichever the store.
enum Step {
    Rollback,
    To(usize),
    Nothing,
}

fn step(args: &MigrateArgs) -> Step {
    if args.rollback {
        Step::Rollback
    } else if let Some(v) = args.version {
        Step::To(v)
    } else if args.status {
        Step::Nothing
    } else {
        Step::To(crate::store::migrations::latest())
    }
}

fn migrate_sqlite(cfg: &crate::config::Sqlite, args: &MigrateArgs) -> Result<String, StoreError> {
    let store = sqlite::SqliteStore::open_unmigrated(cfg)?;
    let done = match step(args) {
        Step::Rollback => Some(store.rollback()?),
        Step::To(v) => store.migrate_to(v).map(|()| Some(v))?,
        Step::Nothing => None,
    };
    Ok(report(args, done, &store.migration_status()?))
}

fn migrate_postgresql(cfg: &crate::config::Postgresql, args: &MigrateArgs) -> Result<String, StoreError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| StoreError::Worker(e.to_string()))?;
    runtime.block_on(async {
        let store = PostgresStore::open_unmigrated(cfg).await?;
        let done = match step(args) {
            Step::Rollback => Some(store.rollback().await?),
            Step::To(v) => store.migrate_to(v).await.map(|()| Some(v))?,
            Step::Nothing => None,
        };
        Ok(report(args, done, &store.migration_status().await?))
    })
}

/// What happened (`done`: the version now in force), then every migration's state.
fn report(args: &MigrateArgs, done: Option<usize>, status: &[MigrationStatus]) -> String {
    let mut out = match (done, args.rollback, args.version) {
        (Some(now), true, _) => format!("rolled back; schema version is now {now}\n"),
        (Some(v), false, Some(_)) => format!("schema version is now {v}\n"),
        (Some(_), false, None) => "migrated to the latest schema\n".to_string(),
        (None, ..) => String::new(),
    };
    for m in status {
        let state = if m.applied { "applied" } else { "pending" };
        out.push_str(&format!("{:>4}  {:<10} {state}\n", m.version, m.name));
    }
    out
}

pub fn config(loaded: &Loaded, command: &ConfigCommand) -> String {
    match command {
        ConfigCommand::Show => show::render(loaded),
    }
}

/// `kubilitics llm-key`: `stdin` is read only by `set`.
pub fn llm_key(loaded: &Loaded, command: &LlmKeyCommand, stdin: impl std::io::Read) -> Result<String, String> {
    use std::io::Read;
    let provider = |given: &Option<String>| -> Result<String, String> {
        let name = given
            .clone()
            .unwrap_or_else(|| loaded.config.ai.llm.provider.clone())
            .trim()
            .to_ascii_lowercase();
        if name.is_empty() || name == "none" {
            return Err("no provider: name one (kubilitics llm-key set openai) or set ai.llm.provider".into());
        }
        Ok(name)
    };
    match command {
        LlmKeyCommand::Set { provider: p } => {
            let p = provider(p)?;
            let mut key = String::new();
            stdin
                .take(8193)
                .read_to_string(&mut key)
                .map_err(|e| format!("cannot read the key from standard input: {e}"))?;
            // A trailing newline from `echo` or a here-string is not part of the key.
            let key = key.trim_end_matches(['\n', '\r']);
            let store = keys::store(&p, key).map_err(|e| e.to_string())?;
            Ok(format!("stored the API key for {p} in the OS keyring ({store})\n"))
        }
        LlmKeyCommand::Delete { provider: p } => {
            let p = provider(p)?;
            let store = keys::delete(&p).map_err(|e| e.to_string())?;
            Ok(format!("no API key for {p} in the OS keyring ({store}) any more\n"))
        }
        LlmKeyCommand::Status { provider: p } => {
            let p = provider(p)?;
            let store = keys::store_name();
            match keys::stored(&p).map_err(|e| e.to_string())? {
                Some(_) => Ok(format!("an API key for {p} is stored in the OS keyring ({store})\n")),
                None => Ok(format!("no API key for {p} in the OS keyring ({store})\n")),
            }
        }
    }
}

/// `kubilitics eval`: the report, and whether every scenario concluded its expected code.
pub async fn eval(loaded: &Loaded, flags: &EvalFlags, env: &HashMap<String, String>) -> Result<(String, bool), String> {
    let dir = flags
        .scenarios
        .clone()
        .unwrap_or_else(|| PathBuf::from("tests/scenarios"));
    let mut suite = crate::ai::eval::load(&dir)
        .map_err(|e| format!("{e} (run from the repository root or pass --scenarios DIR)"))?;
    if !flags.only.is_empty() {
        if let Some(unknown) = flags.only.iter().find(|n| !suite.iter().any(|s| &s.name == *n)) {
            return Err(format!("no scenario named {unknown} in {}", dir.display()));
        }
        suite.retain(|s| flags.only.contains(&s.name));
    }
    if suite.is_empty() {
        return Err(format!(
            "{} holds no scenario (directories with an expected.yaml)",
            dir.display()
        ));
    }
    let var = |k: &str| env.get(k).filter(|v| !v.is_empty()).cloned();
    let kubeconfig = flags
        .kubeconfig
        .clone()
        .or_else(|| var("KUBILITICS_TEST_KUBECONFIG").map(PathBuf::from))
        .or_else(|| var("KUBECONFIG").and_then(|k| std::env::split_paths(&k).find(|p| !p.as_os_str().is_empty())))
        .unwrap_or_else(|| PathBuf::from(&loaded.config.kubernetes.kubeconfig_path));
    let context = match flags.context.clone().or_else(|| var("KUBILITICS_TEST_CONTEXT")) {
        Some(c) => c,
        None => kube::config::Kubeconfig::read_from(&kubeconfig)
            .map_err(|e| format!("cannot read the kubeconfig {}: {e}", kubeconfig.display()))?
            .current_context
            .ok_or_else(|| format!("{} names no current context; pass --context", kubeconfig.display()))?,
    };
    let mut out = String::new();
    if flags.apply {
        let mut cmd = std::process::Command::new(dir.join("check"));
        cmd.args(suite.iter().map(|s| dir.join(&s.name)))
            .env("KUBILITICS_TEST_KUBECONFIG", &kubeconfig);
        let applied = tokio::task::spawn_blocking(move || cmd.output())
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("cannot run {}/check: {e}", dir.display()))?;
        out.push_str(&String::from_utf8_lossy(&applied.stdout));
        out.push('\n');
        if !applied.status.success() {
            // Missing evidence shows in the report as misses; say so rather than stop.
            out.push_str("check: some scenarios did not show all their evidence (see above)\n\n");
        }
    }
    let source = crate::ai::kube_source::KubeSource::new(&kubeconfig);
    let report = crate::ai::eval::run(&source, &context, &suite).await;
    out.push_str(&format!(
        "context {context} ({}), {} scenarios, deterministic analyzers\n\n",
        kubeconfig.display(),
        suite.len()
    ));
    out.push_str(&report.render());
    Ok((out, report.correct() == report.outcomes.len()))
}
