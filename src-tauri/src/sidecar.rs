//! Starts and supervises the `kubilitics` sidecar (bundled with `externalBin`).
//!
//! Per launch: a fresh random API token (handed over in the environment, never on the command
//! line where `ps` shows it), TLS on with the sidecar's self-signed certificate, loopback only, port
//! 8080 when free and any free port otherwise. Ready means `GET /health` answered over TLS pinned to
//! that certificate. If the sidecar exits it is restarted with exponential backoff (0.5 s doubling
//! to 30 s, reset after a minute of uptime) on the same port and token, so the page's connection
//! survives; the UI is told through the `sidecar-status` event. Quitting stops it (SIGTERM, then
//! SIGKILL after 5 s), and a sidecar a crashed shell left behind is stopped on the next launch.
//!
//! The LLM API key the user saved last is read from the OS keyring by the shell (on macOS the
//! Keychain lets the app that saved an entry read it without asking) and handed to each sidecar
//! over its API before it is announced ready ([`hand_llm_key`]), not in its environment, where
//! any process of the user's could read it; a key saved later is handed the same way, so the
//! backend keeps running.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use tauri::{AppHandle, Emitter};
use tauri_plugin_shell::ShellExt;
use tauri_plugin_shell::process::{CommandChild, CommandEvent};
use tokio::sync::watch;

/// The sidecar's name in `bundle.externalBin`: the `kubilitics` binary, bundled under another
/// name because Tauri's build copies external binaries into the target directory without their
/// triple, where `target/<profile>/kubilitics` is the workspace's own freshly built sidecar (which
/// the browser tests run). Installed as `/usr/bin/kubilitics-sidecar`, with `/usr/bin/kubilitics`
/// a link to it for the terminal (installers/build-deb.sh).
pub const SIDECAR: &str = "kubilitics-sidecar";
/// The port the runbook documents; used when free.
pub const PREFERRED_PORT: u16 = 8080;
/// Exit code of `kubilitics serve` when its port is taken.
const EXIT_PORT_IN_USE: i32 = 3;
/// Marks sidecars started by the shell, so a later launch can recognise a leftover one.
const MARKER_ENV: &str = "KUBILITICS_DESKTOP_SHELL";
/// Event the UI listens to.
pub const STATUS_EVENT: &str = "sidecar-status";
/// Page origins of the bundled UI (Linux/macOS, Windows) and the dev server.
const UI_ORIGINS: &str = "tauri://localhost,http://tauri.localhost,https://tauri.localhost,http://localhost:5173";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Starting,
    Ready,
    Restarting,
    Stopped,
}

/// What the UI (and the tests) can know about the sidecar; no secrets.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub phase: Phase,
    pub url: Option<String>,
    pub pid: Option<u32>,
    /// Restarts after an unexpected exit since the app started.
    pub restarts: u32,
    /// Why it is not ready, in words for the banner.
    pub message: Option<String>,
}

/// Connection details for the page: where the sidecar is, the bearer token and the certificate.
#[derive(Debug, Clone, Serialize)]
pub struct Connection {
    pub url: String,
    /// Same as `url`; the name the desktop notes use.
    pub base_url: String,
    pub token: String,
    pub cert_pem: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SidecarError {
    #[error("the Kubilitics backend did not become ready within {0:?}; see ~/.kubilitics/kubilitics.log")]
    NotReady(Duration),
    #[error("the Kubilitics backend is stopped")]
    Stopped,
    #[error("cannot start the Kubilitics backend: {0}")]
    Spawn(String),
    #[error("cannot reach the Kubilitics backend: {0}")]
    Unreachable(String),
    #[error("the Kubilitics backend refused: {0}")]
    Refused(String),
    #[error("cannot read the backend's certificate {path}: {source}")]
    Certificate {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

pub struct Supervisor {
    home: PathBuf,
    token: String,
    status: watch::Sender<Status>,
    child: Mutex<Option<CommandChild>>,
    stopping: AtomicBool,
    /// Set by an intentional restart (asked for): no backoff, not counted as a crash.
    restart_requested: AtomicBool,
    cert_pem: Mutex<Option<String>>,
}

impl Supervisor {
    pub fn new(home: PathBuf) -> Supervisor {
        let (status, _) = watch::channel(Status {
            phase: Phase::Starting,
            url: None,
            pid: None,
            restarts: 0,
            message: None,
        });
        Supervisor {
            home,
            token: fresh_token(),
            status,
            child: Mutex::new(None),
            stopping: AtomicBool::new(false),
            restart_requested: AtomicBool::new(false),
            cert_pem: Mutex::new(None),
        }
    }

    pub fn status(&self) -> Status {
        self.status.borrow().clone()
    }

    /// Starts the supervision loop on Tauri's runtime.
    pub fn start(self: &Arc<Self>, app: AppHandle) {
        let me = self.clone();
        tauri::async_runtime::spawn(async move { me.supervise(app).await });
    }

    /// Waits until the sidecar is ready (or `timeout`), then returns how to reach it.
    pub async fn connection(&self, timeout: Duration) -> Result<Connection, SidecarError> {
        let mut rx = self.status.subscribe();
        let wait = rx.wait_for(|s| s.phase == Phase::Ready || s.phase == Phase::Stopped);
        let status = match tokio::time::timeout(timeout, wait).await {
            Ok(Ok(s)) => s.clone(),
            _ => return Err(SidecarError::NotReady(timeout)),
        };
        let (Phase::Ready, Some(url)) = (status.phase, status.url) else {
            return Err(SidecarError::Stopped);
        };
        let cert_pem = self
            .cert_pem
            .lock()
            .map(|c| c.clone())
            .ok()
            .flatten()
            .unwrap_or_default();
        Ok(Connection {
            base_url: url.clone(),
            url,
            token: self.token.clone(),
            cert_pem,
        })
    }

    /// Restarts the sidecar now (the UI's "restart the backend"); same port and token. Not ready
    /// from the moment this returns, so [`Supervisor::connection`] waits for the new one.
    pub fn restart(&self) {
        self.restart_requested.store(true, Ordering::SeqCst);
        self.status.send_modify(|s| s.phase = Phase::Restarting);
        self.terminate_child(Duration::from_secs(5));
    }

    /// Stops the sidecar for good (app exit): SIGTERM, then SIGKILL after 5 s.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        self.terminate_child(Duration::from_secs(5));
        self.status.send_modify(|s| {
            s.phase = Phase::Stopped;
            s.pid = None;
        });
    }

    fn terminate_child(&self, grace: Duration) {
        let child = self.child.lock().ok().and_then(|mut c| c.take());
        let Some(child) = child else { return };
        let pid = child.pid();
        tracing::info!(pid, "stopping the sidecar");
        if terminate(pid) {
            let deadline = Instant::now() + grace;
            while Instant::now() < deadline {
                if !alive(pid) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(25));
            }
            tracing::warn!(pid, "the sidecar did not stop within {grace:?}; killing it");
        }
        let _ = child.kill();
    }

    fn publish(&self, app: &AppHandle, f: impl FnOnce(&mut Status)) {
        self.status.send_modify(f);
        let status = self.status();
        let _ = app.emit(STATUS_EVENT, &status);
    }

    async fn supervise(self: Arc<Self>, app: AppHandle) {
        stop_leftover_sidecar(&self.home);
        let path = tauri::async_runtime::spawn_blocking(crate::shell_env::sidecar_path)
            .await
            .ok()
            .flatten();
        let sandbox = wants_sandbox();
        let mut port = if port_free(PREFERRED_PORT) { PREFERRED_PORT } else { 0 };
        let mut failures: u32 = 0;
        loop {
            if self.stopping.load(Ordering::SeqCst) {
                break;
            }
            let started = Instant::now();
            let exit = self.run_once(&app, port, sandbox, path.as_deref()).await;
            if self.stopping.load(Ordering::SeqCst) {
                break;
            }
            // Keep the port the page knows, unless something else took it meanwhile.
            if let Some(url) = self.status().url.as_deref().and_then(port_of) {
                port = url;
            }
            if exit.code == Some(EXIT_PORT_IN_USE) {
                tracing::warn!(port, "port taken; the sidecar moves to a free one");
                port = 0;
            }
            let intentional = self.restart_requested.swap(false, Ordering::SeqCst);
            if started.elapsed() > Duration::from_secs(60) || intentional {
                failures = 0;
            }
            let delay = if intentional { Duration::ZERO } else { backoff(failures) };
            if !intentional {
                failures += 1;
            }
            let what = exit.describe();
            tracing::warn!(exit = %what, delay_ms = delay.as_millis() as u64, "sidecar exited; restarting");
            self.publish(&app, |s| {
                s.phase = Phase::Restarting;
                s.pid = None;
                if !intentional {
                    s.restarts += 1;
                }
                s.message = Some(if intentional {
                    "The Kubilitics backend is restarting.".to_string()
                } else {
                    format!(
                        "The Kubilitics backend stopped ({what}); restarting in {:.1} s. Details: ~/.kubilitics/kubilitics.log",
                        delay.as_secs_f32()
                    )
                });
            });
            tokio::time::sleep(delay).await;
        }
        self.publish(&app, |s| s.phase = Phase::Stopped);
    }

    /// Runs the sidecar until it exits.
    async fn run_once(
        self: &Arc<Self>,
        app: &AppHandle,
        port: u16,
        sandbox: bool,
        path: Option<&std::ffi::OsStr>,
    ) -> Exit {
        let command = match app.shell().sidecar(SIDECAR) {
            Ok(c) => c,
            Err(e) => return Exit::failed(format!("the bundled sidecar is missing: {e}")),
        };
        // --exit-when-stdin-closes: the plugin keeps the sidecar's stdin pipe in `CommandChild`,
        // so if this process is killed the pipe closes and the sidecar stops by itself.
        let mut args = vec![
            "serve",
            "--tls",
            "--host",
            "127.0.0.1",
            "--log-format",
            "json",
            "--exit-when-stdin-closes",
        ];
        let port_arg = port.to_string();
        args.extend(["--port", &port_arg]);
        if sandbox {
            args.push("--sandbox");
        }
        let mut command = command
            .args(&args)
            .env("KUBILITICS_API_TOKEN", &self.token)
            .env("KUBILITICS_TLS_ENABLED", "true")
            .env("KUBILITICS_HOME", &self.home)
            .env("KUBILITICS_CORS_ORIGINS", UI_ORIGINS)
            // The runbook's metrics port (9090) is often taken on a workstation: any free one.
            .env("KUBILITICS_METRICS_PORT", "0")
            .env(MARKER_ENV, std::process::id().to_string());
        if let Some(path) = path {
            command = command.env("PATH", path);
        }
        let (mut events, child) = match command.spawn() {
            Ok(pair) => pair,
            Err(e) => return Exit::failed(format!("cannot start it: {e}")),
        };
        let pid = child.pid();
        if let Ok(mut slot) = self.child.lock() {
            *slot = Some(child);
        }
        tracing::info!(pid, port, sandbox, "sidecar started");
        self.publish(app, |s| {
            if s.phase != Phase::Restarting {
                s.phase = Phase::Starting;
            }
            s.pid = Some(pid);
        });

        let mut announced = false;
        while let Some(event) = events.recv().await {
            match event {
                CommandEvent::Stdout(line) => {
                    if !announced && let Some(url) = listening_url(&line) {
                        announced = true;
                        let me = self.clone();
                        let app = app.clone();
                        tauri::async_runtime::spawn(async move { me.await_health(app, url, pid).await });
                    }
                }
                CommandEvent::Stderr(line) => {
                    let text = String::from_utf8_lossy(&line);
                    // The login link is a credential; the rest is already in kubilitics.log.
                    if !text.contains("login?code=") && !text.trim().is_empty() {
                        tracing::info!(target: "sidecar", "{}", text.trim_end());
                    }
                }
                CommandEvent::Error(e) => tracing::warn!(error = %e, "sidecar output"),
                CommandEvent::Terminated(t) => {
                    if let Ok(mut slot) = self.child.lock()
                        && slot.as_ref().is_some_and(|c| c.pid() == pid)
                    {
                        *slot = None;
                    }
                    return Exit {
                        code: t.code,
                        signal: t.signal,
                        reason: None,
                    };
                }
                _ => {}
            }
        }
        Exit::failed("its output closed".into())
    }

    /// Polls `/health` over TLS pinned to the sidecar's certificate, then announces readiness.
    async fn await_health(self: Arc<Self>, app: AppHandle, url: String, pid: u32) {
        let cert_path = self.home.join("tls.cert");
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut client = None;
        while Instant::now() < deadline {
            if self.status().pid != Some(pid) {
                return; // that process is gone; its successor has its own watcher
            }
            if client.is_none()
                && let Ok(pem) = std::fs::read_to_string(&cert_path)
                && let Ok(c) = pinned_client(&pem)
            {
                client = Some((c, pem));
            }
            if let Some((c, pem)) = &client
                && let Ok(r) = c.get(format!("{url}/health")).send().await
                && r.status().is_success()
            {
                if let Ok(mut slot) = self.cert_pem.lock() {
                    *slot = Some(pem.clone());
                }
                self.hand_saved_key(c, &url).await;
                crate::pin::trust_sidecar_certificate(&app, pem);
                tracing::info!(url = %url, pid, "sidecar ready");
                self.publish(&app, |s| {
                    s.phase = Phase::Ready;
                    s.url = Some(url.clone());
                    s.message = None;
                });
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tracing::error!(url = %url, "the sidecar never answered /health; restarting it");
        self.terminate_child(Duration::from_secs(2));
    }
}

impl Supervisor {
    /// Hands the key the user saved last to the sidecar at `url`, before the page may start an
    /// investigation. Without it the analyzers still answer and `/api/v1/ai/status` says the
    /// provider has no key, so a failure is logged and the start goes on.
    async fn hand_saved_key(&self, client: &reqwest::Client, url: &str) {
        let home = self.home.clone();
        let saved = tauri::async_runtime::spawn_blocking(move || crate::secrets::llm_key_for_sidecar(&home))
            .await
            .ok()
            .flatten();
        let Some((provider, key)) = saved else { return };
        match hand_llm_key(client, url, &self.token, &provider, &key).await {
            Ok(()) => tracing::info!(provider = %provider, "LLM API key handed to the sidecar"),
            Err(e) => tracing::warn!(provider = %provider, error = %e, "could not hand the LLM API key to the sidecar"),
        }
    }
}

/// Hands `key` for `provider` to the running sidecar at `url` (`PUT
/// /api/v1/ai/llm/keys/{provider}`), over `client` (pinned to its certificate); the sidecar's own
/// words when it refuses.
pub async fn hand_llm_key(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    provider: &str,
    key: &str,
) -> Result<(), SidecarError> {
    let request = client
        .put(llm_key_url(url, provider))
        .json(&serde_json::json!({ "key": key }));
    send_to_sidecar(request, token).await
}

/// Tells the running sidecar to forget the key it was handed for `provider` (`DELETE
/// /api/v1/ai/llm/keys/{provider}`).
pub async fn forget_llm_key(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    provider: &str,
) -> Result<(), SidecarError> {
    send_to_sidecar(client.delete(llm_key_url(url, provider)), token).await
}

fn llm_key_url(url: &str, provider: &str) -> String {
    // Provider names are letters, digits, '-' and '_' (secrets::check_account), nothing to escape.
    format!("{url}/api/v1/ai/llm/keys/{provider}")
}

/// Sends `request` with the API token; Ok on a 2xx answer, else the sidecar's error message.
async fn send_to_sidecar(request: reqwest::RequestBuilder, token: &str) -> Result<(), SidecarError> {
    let res = request
        .bearer_auth(token)
        .send()
        .await
        .map_err(|e| SidecarError::Unreachable(e.without_url().to_string()))?;
    if res.status().is_success() {
        return Ok(());
    }
    let status = res.status();
    let answer: serde_json::Value = res.json().await.unwrap_or_default();
    Err(SidecarError::Refused(
        answer["error"]["message"]
            .as_str()
            .map_or_else(|| format!("HTTP {status}"), str::to_string),
    ))
}

/// How a sidecar run ended.
struct Exit {
    code: Option<i32>,
    signal: Option<i32>,
    reason: Option<String>,
}

impl Exit {
    fn failed(reason: String) -> Exit {
        tracing::error!(reason = %reason, "sidecar");
        Exit {
            code: None,
            signal: None,
            reason: Some(reason),
        }
    }

    fn describe(&self) -> String {
        match (&self.reason, self.code, self.signal) {
            (Some(r), _, _) => r.clone(),
            (None, Some(c), _) => format!("exit code {c}"),
            (None, None, Some(s)) => format!("signal {s}"),
            _ => "unknown reason".into(),
        }
    }
}

/// 0.5 s, 1 s, 2 s, ... capped at 30 s.
pub fn backoff(failures: u32) -> Duration {
    let ms = 500u64.saturating_mul(1u64 << failures.min(6));
    Duration::from_millis(ms.min(30_000))
}

fn fresh_token() -> String {
    (0..32).map(|_| format!("{:02x}", rand::random::<u8>())).collect()
}

pub fn port_free(port: u16) -> bool {
    std::net::TcpListener::bind(("127.0.0.1", port)).is_ok()
}

fn port_of(url: &str) -> Option<u16> {
    url::Url::parse(url).ok()?.port()
}

/// The URL from the sidecar's `{"message":"listening","url":...}` log line.
pub fn listening_url(line: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(line.trim_ascii()).ok()?;
    let fields = v.get("fields").unwrap_or(&v);
    if fields.get("message")?.as_str()? != "listening" {
        return None;
    }
    let url = fields.get("url").or_else(|| v.get("url"))?.as_str()?;
    url.starts_with("https://127.0.0.1:")
        .then(|| url.trim_end_matches('/').to_string())
}

/// A client that trusts the sidecar's certificate and nothing else.
pub fn pinned_client(pem: &str) -> Result<reqwest::Client, reqwest::Error> {
    let cert = reqwest::Certificate::from_pem(pem.as_bytes())?;
    reqwest::Client::builder()
        .tls_certs_only([cert])
        .timeout(Duration::from_secs(2))
        .no_proxy()
        .build()
}

/// Whether to start the sidecar with `--sandbox` (the built-in demo cluster, in-process).
///
/// One owner starts the demo cluster in the desktop app: this shell, through `--sandbox`, when
/// the machine has no kubeconfig. The wizard's "Try the built-in sandbox cluster" still calls
/// `POST /api/v1/sandbox`, but against a sidecar started this way that call finds the
/// `kubilitics-sandbox` context already defined and only connects it; it never starts a second
/// cluster (tests/desktop/app.test.mjs counts the sidecar's listening sockets to check). The shell
/// rather than the page owns it because the cluster must be alive before the page loads: later
/// launches restore the last context, and a sandbox started on request by an earlier process is
/// gone, whereas `--sandbox` rewrites `~/.kubilitics/sandbox.kubeconfig` for the new one on every
/// start. The bundled sidecar is built from the same workspace, so it always has the flag.
fn wants_sandbox() -> bool {
    let none = !has_kubeconfig();
    if none {
        tracing::info!("no kubeconfig found: the sidecar serves the built-in sandbox cluster");
    }
    none
}

fn has_kubeconfig() -> bool {
    let exists = |p: &Path| p.is_file();
    if std::env::var_os("KUBILITICS_KUBECONFIG_PATH").is_some_and(|p| exists(Path::new(&p))) {
        return true;
    }
    if let Some(list) = std::env::var_os("KUBECONFIG")
        && std::env::split_paths(&list).any(|p| exists(&p))
    {
        return true;
    }
    std::env::var_os("HOME").is_some_and(|h| exists(&Path::new(&h).join(".kube/config")))
}

/// A sidecar started by a shell that then crashed keeps running; `server.json` names it. Stop it
/// only if it carries our marker and the shell that started it is gone (never a `kubilitics serve`
/// the user started by hand).
fn stop_leftover_sidecar(home: &Path) {
    #[cfg(target_os = "linux")]
    {
        let Ok(body) = std::fs::read(home.join("server.json")) else {
            return;
        };
        let Some(pid) = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("pid")?.as_u64())
            .and_then(|p| u32::try_from(p).ok())
        else {
            return;
        };
        let Ok(environ) = std::fs::read(format!("/proc/{pid}/environ")) else {
            return;
        };
        let marker = format!("{MARKER_ENV}=");
        let Some(shell_pid) = environ
            .split(|b| *b == 0)
            .filter_map(|kv| std::str::from_utf8(kv).ok())
            .find_map(|kv| kv.strip_prefix(&marker))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            return;
        };
        let shell_alive = std::fs::read_link(format!("/proc/{shell_pid}/exe"))
            .is_ok_and(|exe| exe.to_string_lossy().contains("kubilitics-desktop"));
        if !shell_alive {
            tracing::warn!(pid, "stopping a sidecar left behind by an earlier run");
            terminate(pid);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = home;
}

#[cfg(unix)]
fn terminate(pid: u32) -> bool {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    i32::try_from(pid).is_ok_and(|p| kill(Pid::from_raw(p), Signal::SIGTERM).is_ok())
}

#[cfg(unix)]
fn alive(pid: u32) -> bool {
    use nix::sys::signal::kill;
    use nix::unistd::Pid;
    // The shell plugin reaps the child as soon as it exits, so a dead one is really gone.
    i32::try_from(pid).is_ok_and(|p| kill(Pid::from_raw(p), None).is_ok())
}

#[cfg(not(unix))]
fn terminate(_: u32) -> bool {
    false // Windows: no SIGTERM; the caller kills.
}

#[cfg(not(unix))]
fn alive(_: u32) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_then_caps() {
        assert_eq!(backoff(0), Duration::from_millis(500));
        assert_eq!(backoff(1), Duration::from_secs(1));
        assert_eq!(backoff(3), Duration::from_secs(4));
        assert_eq!(backoff(6), Duration::from_secs(30));
        assert_eq!(backoff(40), Duration::from_secs(30));
    }

    #[test]
    fn the_listening_line_gives_the_url() {
        let line = br#"{"timestamp":"t","level":"INFO","fields":{"message":"listening","url":"https://127.0.0.1:8080","version":"0.1.0"}}"#;
        assert_eq!(listening_url(line).as_deref(), Some("https://127.0.0.1:8080"));
        let flat = br#"{"message":"listening","url":"https://127.0.0.1:41234/"}"#;
        assert_eq!(listening_url(flat).as_deref(), Some("https://127.0.0.1:41234"));
        assert_eq!(listening_url(br#"{"message":"database ready"}"#), None);
        // Only loopback HTTPS is accepted: the shell never hands the page anything else.
        assert_eq!(
            listening_url(br#"{"message":"listening","url":"http://0.0.0.0:8080"}"#),
            None
        );
        assert_eq!(listening_url(b"not json"), None);
    }

    #[test]
    fn tokens_are_fresh_and_long() {
        let (a, b) = (fresh_token(), fresh_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
    }

    #[test]
    fn a_taken_port_is_not_free() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        assert!(!port_free(l.local_addr().unwrap().port()));
    }
}
