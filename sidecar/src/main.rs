//! `kubilitics`: parses the command line, loads the configuration, runs the subcommand, and
//! turns failures into one clear line and an exit code:
//! 2 configuration, 3 port in use, 4 database, 1 anything else.

use std::collections::HashMap;
use std::process::ExitCode;

use clap::Parser;
use kubilitics::cli::{Cli, Command};
use kubilitics::config::{self, Inputs};
use kubilitics::server::{self, ServeError};
use kubilitics::store::StoreError;
use kubilitics::{commands, tls::TlsError};

/// jemalloc rather than the system allocator: with 50,000 cached pods its peak RSS is ~10% lower
/// and list, topology and overview requests 3-5x faster than with glibc's malloc, whose arenas
/// keep what the per-namespace insight scans free (sidecar/BENCHMARKS.md). Not on MSVC, which
/// jemalloc does not support.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

const EXIT_CONFIG: u8 = 2;
const EXIT_PORT: u8 = 3;
const EXIT_DATABASE: u8 = 4;

fn main() -> ExitCode {
    // One crypto provider for every TLS user in the process (kube, reqwest, the server).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = Cli::parse();
    if let Command::Openapi = cli.command {
        return print_ok(&kubilitics::api::openapi::pretty());
    }
    if let Command::Sandbox(flags) = &cli.command {
        return sandbox(flags);
    }
    let env: HashMap<String, String> = std::env::vars().collect();
    let flags = match &cli.command {
        Command::Serve(f) => f.overrides(),
        _ => Vec::new(),
    };
    let loaded = match config::load(&Inputs {
        env: &env,
        flags: &flags,
    }) {
        Ok(l) => l,
        Err(e) => return fail(&e.to_string(), EXIT_CONFIG),
    };

    match cli.command {
        Command::Serve(flags) => {
            let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
                Ok(r) => r,
                Err(e) => return fail(&format!("cannot start the async runtime: {e}"), 1),
            };
            let mut loaded = loaded;
            // --sandbox: the backend runs against an in-process demo cluster, reached through an
            // ordinary kubeconfig, so nothing past this point knows it is not a real cluster.
            let _sandbox = if flags.sandbox {
                let path = loaded.home.join("sandbox.kubeconfig");
                match runtime.block_on(kubilitics_sandbox::run::start_for_serve(&path)) {
                    Ok(s) => {
                        eprintln!(
                            "kubilitics: sandbox cluster at {} (kubeconfig {})",
                            s.url,
                            path.display()
                        );
                        loaded.config.kubernetes.kubeconfig_path = path.display().to_string();
                        Some(s)
                    }
                    Err(e) => return fail(&e.to_string(), 1),
                }
            } else {
                None
            };
            match runtime.block_on(server::serve(loaded, flags.exit_when_stdin_closes)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(&e.to_string(), serve_exit_code(&e)),
            }
        }
        Command::Db { command } => {
            warn_all(&loaded.warnings);
            match commands::db(&loaded, &command) {
                Ok(out) => print_ok(&out),
                Err(e) => fail(&e.to_string(), store_exit_code(&e)),
            }
        }
        Command::Openapi | Command::Sandbox(_) => unreachable!("handled before loading the configuration"),
        Command::Config { command } => {
            warn_all(&loaded.warnings);
            print_ok(&commands::config(&loaded, &command))
        }
        Command::LlmKey { command } => {
            warn_all(&loaded.warnings);
            match commands::llm_key(&loaded, &command, std::io::stdin().lock()) {
                Ok(out) => print_ok(&out),
                Err(e) => fail(&e, 1),
            }
        }
        Command::Eval(flags) => {
            warn_all(&loaded.warnings);
            let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
                Ok(r) => r,
                Err(e) => return fail(&format!("cannot start the async runtime: {e}"), 1),
            };
            match runtime.block_on(commands::eval(&loaded, &flags, &env)) {
                Ok((report, true)) => print_ok(&report),
                Ok((report, false)) => {
                    print!("{report}");
                    ExitCode::from(1)
                }
                Err(e) => fail(&e, EXIT_CONFIG),
            }
        }
    }
}

/// `kubilitics sandbox`: needs no configuration, only its flags.
fn sandbox(flags: &kubilitics::cli::SandboxFlags) -> ExitCode {
    let scale_pods = match flags.scale.as_deref().map(kubilitics_sandbox::run::parse_scale) {
        Some(Err(e)) => return fail(&e, EXIT_CONFIG),
        Some(Ok(n)) => n,
        None => 0,
    };
    let options = kubilitics_sandbox::Options {
        builtin_demo: !flags.no_demo,
        scenarios: flags.scenarios.clone(),
        scale_pods,
        port: flags.port,
        ..Default::default()
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => return fail(&format!("cannot start the async runtime: {e}"), 1),
    };
    match runtime.block_on(kubilitics_sandbox::run::run_until_signal(
        options,
        flags.kubeconfig_out.clone(),
    )) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e @ kubilitics_sandbox::SandboxError::Bind { .. }) => fail(&e.to_string(), EXIT_PORT),
        Err(e) => fail(&e.to_string(), 1),
    }
}

fn serve_exit_code(e: &ServeError) -> u8 {
    match e {
        ServeError::Config(_)
        | ServeError::Tls(TlsError::HalfConfigured | TlsError::Read { .. } | TlsError::Invalid(_)) => EXIT_CONFIG,
        ServeError::PortInUse { .. } => EXIT_PORT,
        // A configured value this build cannot honour: a configuration problem, like the rest.
        ServeError::UnsupportedStore { .. } => EXIT_CONFIG,
        ServeError::Store(s) => store_exit_code(s),
        _ => 1,
    }
}

fn store_exit_code(e: &StoreError) -> u8 {
    match e {
        StoreError::Unsupported(..) | StoreError::Config(_) => EXIT_CONFIG,
        _ => EXIT_DATABASE,
    }
}

fn warn_all(warnings: &[String]) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
}

fn print_ok(out: &str) -> ExitCode {
    print!("{out}");
    ExitCode::SUCCESS
}

fn fail(message: &str, code: u8) -> ExitCode {
    eprintln!("kubilitics: {message}");
    ExitCode::from(code)
}
