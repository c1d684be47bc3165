//! Helpers shared by the integration tests: start the real `kubilitics` binary with a fresh
//! home, wait for its "listening" log line, and talk to it over real HTTP(S).
#![allow(dead_code)]

/// A real PostgreSQL server for the store's tests (unix only: it runs the server as a child).
#[cfg(unix)]
pub mod postgres;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The built `kubilitics` binary.
pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_kubilitics"))
}

/// A `kubilitics` command with a clean environment: only PATH, HOME and KUBILITICS_HOME.
pub fn command(home: &Path) -> Command {
    with_clean_env(Command::new(binary()), home)
}

/// `cmd` with the environment [`command`] gives (for a wrapper that execs `kubilitics`).
pub fn with_clean_env(mut cmd: Command, home: &Path) -> Command {
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("KUBILITICS_HOME", home)
        .env("KUBILITICS_LOG_FORMAT", "json")
        .env("KUBILITICS_PORT", "0")
        .env("KUBILITICS_METRICS_PORT", "0");
    cmd
}

/// A running sidecar; killed when dropped.
pub struct Sidecar {
    pub child: Child,
    pub home: PathBuf,
    pub url: String,
    pub metrics_url: Option<String>,
    /// Every stdout line so far is also kept in `home/stdout.log` by the reader thread.
    lines: std::sync::Mutex<mpsc::Receiver<String>>,
    stderr: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Sidecar {
    /// Starts `kubilitics serve` with `cmd`'s environment and waits until it listens.
    pub fn start(cmd: Command) -> Sidecar {
        Self::start_serve(cmd, &[])
    }

    /// The same with `serve` flags (`--sandbox`).
    pub fn start_serve(mut cmd: Command, flags: &[&str]) -> Sidecar {
        let home = cmd
            .get_envs()
            .find(|(k, _)| *k == "KUBILITICS_HOME")
            .and_then(|(_, v)| v.map(PathBuf::from))
            .expect("command() sets KUBILITICS_HOME");
        let mut child = cmd
            .arg("serve")
            .args(flags)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("kubilitics starts");
        let stdout = child.stdout.take().unwrap();
        let stderr_lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        if let Some(stderr) = child.stderr.take() {
            let sink = stderr_lines.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    sink.lock().unwrap().push(line);
                }
            });
        }
        let (tx, rx) = mpsc::channel();
        let log_path = home.join("stdout.log");
        std::thread::spawn(move || {
            use std::io::Write;
            let mut log = std::fs::File::create(log_path).ok();
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(f) = log.as_mut() {
                    let _ = writeln!(f, "{line}");
                }
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut metrics_url = None;
        loop {
            let line = match rx.recv_timeout(Duration::from_secs(30)) {
                Ok(l) => l,
                Err(_) => {
                    let status = child.try_wait().ok().flatten();
                    std::thread::sleep(Duration::from_millis(200));
                    let err = stderr_lines.lock().unwrap().join("\n");
                    panic!("kubilitics did not report listening (exit: {status:?}); stderr: {err}");
                }
            };
            let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else {
                continue;
            };
            if let Some(u) = v.get("metrics_url").and_then(|u| u.as_str()) {
                metrics_url = Some(u.to_string());
            }
            if v["message"] == "listening" {
                let url = v["url"].as_str().expect("listening line has url").to_string();
                return Sidecar {
                    child,
                    home,
                    url,
                    metrics_url,
                    lines: std::sync::Mutex::new(rx),
                    stderr: stderr_lines,
                };
            }
        }
    }

    /// The session token the sidecar generated.
    pub fn token(&self) -> String {
        std::fs::read_to_string(self.home.join("session.token")).expect("session.token written")
    }

    /// What the sidecar printed on stderr so far (the login link goes there).
    pub fn stderr(&self) -> Vec<String> {
        self.stderr.lock().unwrap().clone()
    }

    /// Stdout lines printed since the last call (waiting up to `wait` for the first).
    pub fn drain_lines(&self, wait: Duration) -> Vec<String> {
        let mut out = Vec::new();
        let lines = self.lines.lock().expect("lines lock");
        if let Ok(l) = lines.recv_timeout(wait) {
            out.push(l);
        }
        while let Ok(l) = lines.try_recv() {
            out.push(l);
        }
        out
    }

    /// Sends SIGTERM and waits for the exit status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        signal(&self.child, libc::SIGTERM);
        let status = self.child.wait().expect("wait");
        std::mem::forget(self);
        status
    }

    /// SIGKILL: no chance to flush or close anything.
    pub fn kill_hard(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::mem::forget(self);
    }
}

impl Drop for Sidecar {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// SIGKILL by process id.
pub fn kill_pid(pid: u32) {
    let _ = Command::new("kill").arg("-KILL").arg(pid.to_string()).status();
}

pub fn signal(child: &Child, sig: libc::c_int) {
    // The workspace forbids unsafe code, so no libc::kill: use kill(1), which every system
    // running these tests has.
    let name = match sig {
        libc::SIGTERM => "TERM",
        libc::SIGINT => "INT",
        _ => "KILL",
    };
    let _ = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(child.id().to_string())
        .status();
}

/// An HTTP client that trusts exactly the sidecar's generated certificate (when TLS is on).
pub fn client(home: &Path) -> reqwest::blocking::Client {
    client_builder(home).build().expect("client builds")
}

/// The builder behind [`client`], for tests that need other options (redirects).
pub fn client_builder(home: &Path) -> reqwest::blocking::ClientBuilder {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .tls_backend_preconfigured(rustls_config(home))
        .no_proxy()
}

fn rustls_config(home: &Path) -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    if let Ok(pem) = std::fs::read(home.join("tls.cert")) {
        use rustls_pki_types::pem::PemObject;
        for cert in rustls_pki_types::CertificateDer::pem_slice_iter(&pem) {
            roots.add(cert.expect("valid pem")).expect("certificate accepted");
        }
    }
    rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth()
}

/// A fresh, empty Kubilitics home.
pub fn home() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("kubilitics-test-")
        .tempdir()
        .expect("temp dir")
}
