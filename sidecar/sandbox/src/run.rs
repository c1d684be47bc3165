//! The `kubilitics sandbox` command: start, write the kubeconfig, say where everything is,
//! serve until SIGINT/SIGTERM, then stop and remove the kubeconfig (its token dies with us).

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::{Options, Sandbox, SandboxError};

/// Parse `--scale pods=N`.
pub fn parse_scale(spec: &str) -> Result<usize, String> {
    match spec.split_once('=') {
        Some(("pods", n)) => n
            .parse()
            .map_err(|_| format!("--scale pods=N needs a number, got {n:?}")),
        _ => Err(format!("--scale takes pods=N, got {spec:?}")),
    }
}

/// Write a kubeconfig readable by its owner only (it holds the bearer token).
pub fn write_kubeconfig(path: &Path, text: &str) -> Result<(), SandboxError> {
    let io = |e| SandboxError::Io(format!("writing the kubeconfig {}", path.display()), e);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).map_err(io)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
    }
    std::fs::rename(&tmp, path).map_err(io)
}

pub fn default_kubeconfig_path() -> PathBuf {
    std::env::temp_dir().join(format!("kubilitics-sandbox-{}.kubeconfig", std::process::id()))
}

/// Run until a signal; prints where the sandbox is on stdout.
pub async fn run_until_signal(options: Options, kubeconfig_out: Option<PathBuf>) -> Result<(), SandboxError> {
    let sandbox = Sandbox::start(options).await?;
    let path = kubeconfig_out.unwrap_or_else(default_kubeconfig_path);
    write_kubeconfig(&path, &sandbox.kubeconfig)?;
    for w in &sandbox.warnings {
        eprintln!("warning: {w}");
    }
    println!(
        "kubilitics sandbox: serving a demo cluster at {} ({} objects, ready in {} ms)",
        sandbox.url,
        sandbox.objects,
        sandbox.startup.as_millis()
    );
    println!("kubeconfig: {} (context kubilitics-sandbox)", path.display());
    println!("try:        kubectl --kubeconfig {} get pods -A", path.display());
    println!("stop with Ctrl-C");
    wait_for_signal().await;
    sandbox.shutdown(Duration::from_secs(2));
    let _ = std::fs::remove_file(&path);
    eprintln!("kubilitics sandbox: stopped");
    Ok(())
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// For `kubilitics serve --sandbox`: start the built-in demo in this process and write its
/// kubeconfig to `path`, which the caller then points `kubernetes.kubeconfig_path` at.
pub async fn start_for_serve(path: &Path) -> Result<Sandbox, SandboxError> {
    let sandbox = Sandbox::start(Options::default()).await?;
    write_kubeconfig(path, &sandbox.kubeconfig)?;
    Ok(sandbox)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_flag_parses_pods_only() {
        assert_eq!(parse_scale("pods=500"), Ok(500));
        assert!(parse_scale("nodes=3").is_err());
        assert!(parse_scale("pods=x").is_err());
    }
}
