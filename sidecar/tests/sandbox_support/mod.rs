//! Helpers for the sandbox tests: start the real `kubilitics sandbox` binary, run kubectl and
//! kube-rs against any kubeconfig, and normalise outputs so that two clusters holding the same
//! objects compare equal (generated names, uids, IPs, ages and timestamps differ by nature).
#![allow(dead_code)]

pub mod probes;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `kubilitics sandbox`; killed when dropped.
pub struct SandboxProc {
    child: Child,
    pub dir: tempfile::TempDir,
    pub kubeconfig: PathBuf,
    pub stdout_first_line: String,
}

impl SandboxProc {
    pub fn start(args: &[&str]) -> SandboxProc {
        let dir = tempfile::tempdir().expect("temp dir");
        let kubeconfig = dir.path().join("kubeconfig");
        let stdout = std::fs::File::create(dir.path().join("stdout")).expect("stdout file");
        let child = Command::new(env!("CARGO_BIN_EXE_kubilitics"))
            .arg("sandbox")
            .arg("--kubeconfig-out")
            .arg(&kubeconfig)
            .args(args)
            .stdout(stdout)
            .stderr(Stdio::inherit())
            .spawn()
            .expect("kubilitics sandbox starts");
        let deadline = Instant::now() + Duration::from_secs(30);
        while !kubeconfig.exists() {
            assert!(Instant::now() < deadline, "sandbox wrote no kubeconfig within 30s");
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(50));
        let out = std::fs::read_to_string(dir.path().join("stdout")).unwrap_or_default();
        SandboxProc {
            child,
            kubeconfig,
            stdout_first_line: out.lines().next().unwrap_or_default().to_string(),
            dir,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for SandboxProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What kubectl printed and how it ended.
#[derive(Debug, Clone)]
pub struct Out {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    /// stdout, or stderr when it failed (errors are part of what clients see).
    pub fn text(&self) -> String {
        if self.ok {
            self.stdout.clone()
        } else {
            format!("ERROR: {}", self.stderr.trim())
        }
    }
}

pub fn kubectl(kubeconfig: &Path, args: &[&str]) -> Out {
    kubectl_stdin(kubeconfig, args, None)
}

pub fn kubectl_stdin(kubeconfig: &Path, args: &[&str], stdin: Option<&str>) -> Out {
    let mut cmd = Command::new("kubectl");
    cmd.env("KUBECONFIG", kubeconfig)
        .env_remove("KUBECTL_EXTERNAL_DIFF")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    let mut child = cmd.spawn().expect("kubectl runs (/usr/bin/kubectl)");
    if let Some(input) = stdin {
        use std::io::Write;
        let mut s = child.stdin.take().expect("stdin");
        s.write_all(input.as_bytes()).expect("write stdin");
    }
    let out = child.wait_with_output().expect("kubectl finishes");
    Out {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Retry `f` until it returns true or `secs` pass; returns whether it did.
pub fn eventually(secs: u64, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if f() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

const HASH_ALPHABET: &str = "bcdfghjklmnpqrstvwxz2456789";

fn is_hash(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len()) && s.chars().all(|c| HASH_ALPHABET.contains(c))
}

/// `frontend-5cfd956c4c-jm6cz` → `frontend-<rs>-<pod>`, `frontend-5cfd956c4c` → `frontend-<rs>`,
/// `node-exporter-bj72n` → `node-exporter-<pod>`, `reviews-2jjx5` (slices) likewise.
fn normalise_name(token: &str) -> String {
    let (prefix, rest) = match token.rsplit_once('/') {
        Some((p, r)) => (format!("{p}/"), r),
        None => (String::new(), token),
    };
    let mut parts: Vec<&str> = rest.split('-').collect();
    let mut tail = Vec::new();
    if parts.len() >= 2 && is_hash(parts[parts.len() - 1], 5, 5) {
        parts.pop();
        tail.push("<pod>");
    }
    if parts.len() >= 2 && is_hash(parts[parts.len() - 1], 6, 10) {
        parts.pop();
        tail.insert(0, "<rs>");
    }
    if tail.is_empty() {
        return token.to_string();
    }
    format!("{prefix}{}-{}", parts.join("-"), tail.join("-"))
}

fn is_age(t: &str) -> bool {
    // 5s, 2m30s, 3h, 4d5h, <unknown>, 2026-11-25T18:39:38Z
    if t.len() >= 20 && t.as_bytes().get(10) == Some(&b'T') {
        return true;
    }
    let mut digits = false;
    let mut ok = !t.is_empty();
    for c in t.chars() {
        if c.is_ascii_digit() {
            digits = true;
        } else if "smhdy".contains(c) && digits {
            digits = false;
        } else {
            ok = false;
        }
    }
    ok && !digits && t.chars().next().is_some_and(|c| c.is_ascii_digit())
}

fn is_ip(t: &str) -> bool {
    let core = t.split(':').next().unwrap_or(t);
    core.split('.').count() == 4 && core.split('.').all(|p| !p.is_empty() && p.parse::<u8>().is_ok())
}

fn is_uid(t: &str) -> bool {
    t.len() == 36 && t.chars().filter(|c| *c == '-').count() == 4
}

/// Normalise one output: generated names, ages, IPs, uids and restart times replaced by
/// placeholders; table columns joined by " | " (column widths follow name lengths).
pub fn normalise(text: &str) -> String {
    let mut lines = Vec::new();
    for line in text.lines() {
        // Server-assigned identity and times in YAML/JSON dumps.
        let key = line
            .trim_start()
            .trim_start_matches("- ")
            .split(':')
            .next()
            .unwrap_or("")
            .trim_matches('"');
        if ["resourceVersion", "uid", "creationTimestamp", "clusterIP", "generation"].contains(&key) {
            lines.push(format!("{}: <{key}>", line.split(':').next().unwrap_or("")));
            continue;
        }
        let cols: Vec<String> = line
            .split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|col| {
                let col = restart_cell(col);
                col.split(' ')
                    .map(|tok| {
                        let bare = tok.trim_matches(|c: char| "\"',()[]{}".contains(c));
                        let repl = if is_ip(bare) {
                            "<ip>".to_string()
                        } else if is_uid(bare) {
                            "<uid>".to_string()
                        } else if is_age(bare) {
                            "<age>".to_string()
                        } else {
                            normalise_name(bare)
                        };
                        tok.replacen(bare, &repl, 1)
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        lines.push(cols.join(" | "));
    }
    lines.join("\n")
}

/// "5 (7s ago)" → "N (ago)": how many restarts a crash loop reached depends on when you look.
fn restart_cell(col: &str) -> String {
    match col.split_once(" (") {
        Some((n, rest)) if n.parse::<u32>().is_ok() && rest.ends_with(" ago)") => "<n> (<ago>)".into(),
        _ => col.to_string(),
    }
}

/// Sorted lines, for outputs whose order is not part of the contract (events, watch).
pub fn sorted(text: &str) -> String {
    let mut l: Vec<&str> = text.lines().collect();
    l.sort();
    l.join("\n")
}

pub async fn kube_client(kubeconfig: &Path) -> kube::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let kc = kube::config::Kubeconfig::read_from(kubeconfig).expect("kubeconfig reads");
    let mut config = kube::Config::from_custom_kubeconfig(kc, &kube::config::KubeConfigOptions::default())
        .await
        .expect("kubeconfig is valid");
    // As in the sidecar's own client (cluster/client.rs): kube retries 429 up to 15 times with
    // backoff, so a PodDisruptionBudget's refusal would take minutes to come back from either side.
    config.default_retry = false;
    kube::Client::try_from(config).expect("client")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_hides_generated_parts() {
        let a = "shop    frontend-5cfd956c4c-jm6cz   1/1   Running   5 (7s ago)   63s   10.0.0.2";
        let b = "shop  frontend-7d4b9c8f5-kk2lp  1/1  Running  2 (1m ago)  2m10s  10.244.1.3";
        assert_eq!(normalise(a), normalise(b));
        assert_eq!(normalise("node-exporter-bj72n"), "node-exporter-<pod>");
        assert_eq!(normalise("deployment.apps/search"), "deployment.apps/search");
    }
}
