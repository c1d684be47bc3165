//! The `kubilitics` command line. Flags are the top configuration layer (defaults < files <
//! environment < flags); each maps to one setting key.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "kubilitics",
    version,
    about = "The Kubilitics sidecar: Kubernetes workbench backend and AI investigator"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the API (and metrics) until SIGINT or SIGTERM.
    Serve(ServeFlags),
    /// Database maintenance.
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
    /// Print the API's OpenAPI document (the UI's types are generated from it).
    Openapi,
    /// Serve a demo Kubernetes cluster (HTTPS on 127.0.0.1) until SIGINT or SIGTERM.
    Sandbox(SandboxFlags),
    /// Configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Investigate the fault scenarios (tests/scenarios/) with the analyzers and print accuracy per
    /// root-cause code; exits 1 when any scenario is missed. On the real control plane:
    /// `tests/cluster/with-cluster -- kubilitics eval --apply`.
    Eval(EvalFlags),
    /// LLM API keys in the OS keyring (where the desktop app's Settings keep them too).
    LlmKey {
        #[command(subcommand)]
        command: LlmKeyCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum LlmKeyCommand {
    /// Store the key for PROVIDER (default: ai.llm.provider), read from standard input so it
    /// never appears in a command line or the shell's history.
    Set { provider: Option<String> },
    /// Remove the key for PROVIDER (default: ai.llm.provider).
    Delete { provider: Option<String> },
    /// Say whether a key is stored for PROVIDER (default: ai.llm.provider), never the key.
    Status { provider: Option<String> },
}

#[derive(Args, Debug, Default)]
pub struct EvalFlags {
    /// Only these scenarios (directory names); all of them by default.
    #[arg(value_name = "SCENARIO")]
    pub only: Vec<String>,
    /// The scenario suite (default: tests/scenarios under the current directory).
    #[arg(long, value_name = "DIR")]
    pub scenarios: Option<PathBuf>,
    /// Kubeconfig (default: $KUBILITICS_TEST_KUBECONFIG as set by tests/cluster/with-cluster, then
    /// $KUBECONFIG, then kubernetes.kubeconfig_path).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Context (default: $KUBILITICS_TEST_CONTEXT, then the kubeconfig's current context).
    #[arg(long)]
    pub context: Option<String>,
    /// First apply the scenarios and wait for their evidence with the suite's `check` script.
    #[arg(long)]
    pub apply: bool,
}

#[derive(Args, Debug, Default)]
pub struct SandboxFlags {
    /// Also apply this scenario directory's manifests (repeatable), as tests/cluster/up does.
    #[arg(long = "scenario", value_name = "DIR")]
    pub scenarios: Vec<PathBuf>,
    /// Add synthetic load: `pods=N` running pods in bench-NN namespaces.
    #[arg(long, value_name = "pods=N")]
    pub scale: Option<String>,
    /// Port on 127.0.0.1 (0 or unset: any free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Where to write the kubeconfig (default: a file in the temp directory, printed at start).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig_out: Option<PathBuf>,
    /// Serve only the scenarios, without the built-in demo shop.
    #[arg(long)]
    pub no_demo: bool,
}

#[derive(Args, Debug, Default)]
pub struct ServeFlags {
    /// Run against an in-process sandbox cluster with the built-in demo (no cluster needed).
    #[arg(long)]
    pub sandbox: bool,
    /// Bind address (server.host).
    #[arg(long)]
    pub host: Option<String>,
    /// API port, 0 for any free one (server.port).
    #[arg(long)]
    pub port: Option<String>,
    /// Serve HTTPS with the self-signed or configured certificate (server.tls.enabled).
    #[arg(long)]
    pub tls: bool,
    /// trace, debug, info, warn or error (logging.level).
    #[arg(long)]
    pub log_level: Option<String>,
    /// json or text (logging.format).
    #[arg(long)]
    pub log_format: Option<String>,
    /// Kubeconfig file (kubernetes.kubeconfig_path).
    #[arg(long)]
    pub kubeconfig: Option<PathBuf>,
    /// Shut down when standard input closes: the desktop shell holds it open, so the sidecar
    /// never outlives a shell that was killed or crashed.
    #[arg(long)]
    pub exit_when_stdin_closes: bool,
}

impl ServeFlags {
    /// The flags given, as (setting key, value).
    pub fn overrides(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let mut push = |key, value: Option<String>| {
            if let Some(v) = value {
                out.push((key, v));
            }
        };
        push("server.host", self.host.clone());
        push("server.port", self.port.clone());
        push("server.tls.enabled", self.tls.then(|| "true".to_string()));
        push("logging.level", self.log_level.clone());
        push("logging.format", self.log_format.clone());
        push(
            "kubernetes.kubeconfig_path",
            self.kubeconfig.as_ref().map(|p| p.display().to_string()),
        );
        out
    }
}

#[derive(Subcommand, Debug)]
pub enum DbCommand {
    /// Apply migrations up to the latest (default), list them, move to a version, or undo one.
    Migrate(MigrateArgs),
    /// Copy the live database to PATH with SQLite's online backup API (safe while serving).
    Backup { path: PathBuf },
}

#[derive(Args, Debug)]
#[group(multiple = false)]
pub struct MigrateArgs {
    /// List applied and pending migrations.
    #[arg(long)]
    pub status: bool,
    /// Move the schema up or down to this version (0 removes every table).
    #[arg(long)]
    pub version: Option<usize>,
    /// Undo the newest applied migration.
    #[arg(long)]
    pub rollback: bool,
}

#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Print every effective setting with its source (default, file, env, flag); secrets masked.
    Show,
}
