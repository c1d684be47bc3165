//! The user's login-shell PATH, for the sidecar.
//!
//! Started from the desktop menu, an app inherits the session's minimal PATH rather than the one
//! the user's shell profile builds, and kubeconfig `exec` plugins (aws, gcloud, kubelogin,
//! gke-gcloud-auth-plugin) then fail with "executable not found": the most reported first-run
//! failure of desktop Kubernetes tools. So we ask the login shell once (`$SHELL -ilc`, with a
//! timeout, between markers so profile noise does not matter) and put its PATH first.

use std::ffi::OsString;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const MARK: &str = "__KUBILITICS_PATH__";

/// PATH for the sidecar: the login shell's entries, then the current ones it lacks.
pub fn sidecar_path() -> Option<OsString> {
    let current = std::env::var_os("PATH");
    let login = login_shell_path(Duration::from_secs(5));
    match &login {
        Some(p) => tracing::info!(entries = p.split(':').count(), "login shell PATH resolved"),
        None => tracing::warn!("could not read the login shell's PATH; the sidecar keeps the app's PATH"),
    }
    merge(login.as_deref(), current.as_ref().and_then(|c| c.to_str()))
        .map(OsString::from)
        .or(current)
}

/// Login entries first, then current ones not already present; empty entries dropped.
pub fn merge(login: Option<&str>, current: Option<&str>) -> Option<String> {
    let mut out: Vec<&str> = Vec::new();
    for part in login.into_iter().chain(current).flat_map(|p| p.split(':')) {
        if !part.is_empty() && !out.contains(&part) {
            out.push(part);
        }
    }
    (!out.is_empty()).then(|| out.join(":"))
}

/// Extracts the PATH printed between the markers, ignoring whatever the profile printed.
pub fn parse(output: &str) -> Option<String> {
    let start = output.find(MARK)? + MARK.len();
    let end = start + output[start..].find(MARK)?;
    let path = output[start..end].trim();
    (!path.is_empty()).then(|| path.to_string())
}

#[cfg(unix)]
fn login_shell_path(timeout: Duration) -> Option<String> {
    let shell = std::env::var("SHELL")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "/bin/sh".into());
    let script = if shell.ends_with("fish") {
        format!("printf '{MARK}%s{MARK}' (string join : $PATH)")
    } else {
        format!("printf '{MARK}%s{MARK}' \"$PATH\"")
    };
    let mut child = Command::new(&shell)
        .args(["-i", "-l", "-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        // oh-my-zsh and friends: no update prompts, no tmux auto-start
        .env("DISABLE_AUTO_UPDATE", "true")
        .env("ZSH_TMUX_AUTOSTART", "false")
        .spawn()
        .ok()?;
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                tracing::warn!(shell = %shell, "the login shell did not answer in time");
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
    let output = child.wait_with_output().ok()?;
    parse(&String::from_utf8_lossy(&output.stdout))
}

#[cfg(not(unix))]
fn login_shell_path(_: Duration) -> Option<String> {
    None // Windows apps get the user's PATH from the registry already.
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_noise_around_the_markers_is_ignored() {
        let out = format!("Welcome!\n{MARK}/opt/bin:/usr/bin{MARK}\nbye");
        assert_eq!(parse(&out).as_deref(), Some("/opt/bin:/usr/bin"));
        assert_eq!(parse("no markers"), None);
        assert_eq!(parse(&format!("{MARK}{MARK}")), None);
    }

    #[test]
    fn login_entries_come_first_without_duplicates() {
        let merged = merge(Some("/home/u/.local/bin:/usr/bin"), Some("/usr/bin:/bin::/usr/bin"));
        assert_eq!(merged.as_deref(), Some("/home/u/.local/bin:/usr/bin:/bin"));
        assert_eq!(merge(None, Some("/bin")).as_deref(), Some("/bin"));
        assert_eq!(merge(None, None), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_real_login_shell_answers() {
        let Some(path) = login_shell_path(Duration::from_secs(10)) else {
            panic!("no PATH from $SHELL -ilc");
        };
        assert!(path.contains("/bin"), "{path}");
    }
}
