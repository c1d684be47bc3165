//! A full disk, for real: the sidecar's home (`~/.kubilitics`: database, log, imported
//! kubeconfigs) on a small tmpfs in a private mount namespace (`unshare`, which needs no
//! privilege beyond user namespaces), filled by the test while the sidecar runs against the
//! built-in sandbox cluster, or before it starts. What a user must see: a clear error saying
//! where and what to do, nothing half-written, no change to the cluster without its audit
//! record, and everything working again once space is freed, without a restart.

mod common;
mod in_process;
mod sandbox_support;
#[path = "workbench/mod.rs"]
mod workbench;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::Sidecar;
use in_process::{Reply, openai_calls, serve};
use sandbox_support::SandboxProc;
use serde_json::{Value, json};
use workbench::{items, raw_request};

const BASE: &str = "/api/v1/clusters/kubilitics-sandbox";

/// The sidecar, its home as the test sees it (through `/proc/PID/root`, since the tmpfs is
/// mounted in the sidecar's namespace only), and its token.
struct OnSmallDisk {
    sidecar: Sidecar,
    home: PathBuf,
    /// The home as the sidecar names it in messages.
    shown: String,
    token: String,
    _dir: tempfile::TempDir,
}

impl OnSmallDisk {
    /// Starts `kubilitics serve` on `kubeconfig` with `files` in its home and `env`.
    fn start(kubeconfig: &Path, files: &[(&str, String)], env: &[(&str, &str)]) -> OnSmallDisk {
        let dir = common::home();
        // The tmpfs hides what the directory held, so the home's files are copied onto it.
        let stage = dir.path().join("stage");
        std::fs::create_dir(&stage).unwrap();
        for (name, text) in files {
            std::fs::write(stage.join(name), text).unwrap();
        }
        let home = dir.path().join("home");
        std::fs::create_dir(&home).unwrap();
        let mut cmd = common::with_clean_env(Command::new("unshare"), &home);
        cmd.env("KUBILITICS_KUBECONFIG_PATH", kubeconfig);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.args([
            "--user",
            "--map-root-user",
            "--mount",
            "sh",
            "-c",
            r#"mount -t tmpfs -o size=8m kubilitics-home "$KUBILITICS_HOME" && cp -R "$1"/. "$KUBILITICS_HOME"/ && shift && exec "$0" "$@""#,
        ]);
        cmd.arg(common::binary()).arg(&stage);
        let mut sidecar = Sidecar::start(cmd);
        let seen = PathBuf::from(format!("/proc/{}/root{}", sidecar.child.id(), home.display()));
        sidecar.home = seen.clone();
        let token = sidecar.token();
        OnSmallDisk {
            sidecar,
            home: seen,
            shown: home.display().to_string(),
            token,
            _dir: dir,
        }
    }

    fn request(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        raw_request(&self.sidecar.url, &self.token, &self.home, method, path, body)
    }

    fn wait_synced(&self) {
        let path = format!("{BASE}/resources/deployments?namespace=shop");
        for _ in 0..300 {
            if self.request("GET", &path, None).1["sync"]["state"] == "synced" {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the sandbox's deployments did not sync in 30 s");
    }

    /// Takes every free block of the sidecar's disk; returns the file doing it.
    fn fill(&self) -> PathBuf {
        let filler = self.home.join("filler");
        let mut f = std::fs::File::create(&filler).unwrap();
        let chunk = vec![0u8; 64 * 1024];
        loop {
            if let Err(e) = f.write_all(&chunk).and_then(|_| f.sync_all()) {
                assert_eq!(e.raw_os_error(), Some(libc::ENOSPC), "filling the tmpfs: {e}");
                break;
            }
        }
        // Smaller pieces for what the last chunk could not take.
        let byte = [0u8; 1];
        while f.write_all(&byte).and_then(|_| f.sync_all()).is_ok() {}
        filler
    }
}

fn replicas(kubeconfig: &Path) -> u32 {
    workbench::replicas(kubeconfig, "shop", "search").parse().unwrap()
}

fn scale(d: &OnSmallDisk, to: u32) -> (u16, Value) {
    d.request(
        "POST",
        &format!("{BASE}/actions"),
        Some(json!({"kind": "Deployment", "namespace": "shop", "name": "search", "action": {"type": "scale", "replicas": to}})),
    )
}

fn import(d: &OnSmallDisk) -> (u16, Value) {
    let yaml = "apiVersion: v1\nkind: Config\nclusters:\n- name: spare\n  cluster:\n    server: https://127.0.0.1:1\ncontexts:\n- name: spare\n  context:\n    cluster: spare\n    user: spare\nusers:\n- name: spare\n  user:\n    token: not-a-real-token\ncurrent-context: spare\n";
    d.request("POST", "/api/v1/clusters/import", Some(json!({ "yaml": yaml })))
}

/// A refusal for lack of space: 507, its own code, and a message that names the directory and
/// says what to do.
fn assert_disk_full(what: &str, (status, body): (u16, Value), home: &str) {
    assert_eq!(status, 507, "{what}: {body}");
    assert_eq!(body["error"]["code"], "disk_full", "{what}: {body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(home) && message.contains("Free some space"),
        "{what}: {message}"
    );
}

#[test]
fn a_full_disk_is_refused_clearly_loses_nothing_and_passes_when_space_is_freed() {
    let sb = SandboxProc::start(&[]);
    let d = OnSmallDisk::start(&sb.kubeconfig, &[], &[]);
    d.wait_synced();
    let before = replicas(&sb.kubeconfig);
    let pid = d.sidecar.child.id();
    let home_shown = d.shown.clone();

    let filler = d.fill();

    // A setting, an action and an import are refused, each saying so.
    assert_disk_full(
        "setting",
        d.request("PUT", "/api/v1/settings/theme", Some(json!({"value": "dark"}))),
        &home_shown,
    );
    assert_disk_full("scale", scale(&d, before + 2), &home_shown);
    assert_eq!(
        replicas(&sb.kubeconfig),
        before,
        "the cluster changed without an audit record"
    );
    assert_disk_full("import", import(&d), &home_shown);
    // Nothing half-written: no kubeconfig file for the next discovery to trip on.
    let imported: Vec<_> = std::fs::read_dir(d.home.join("kubeconfigs"))
        .map(|entries| entries.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(imported.is_empty(), "left behind: {imported:?}");

    // /health says so (reads work, writes wait for room), and reads go on.
    let health = d.request("GET", "/health", None);
    assert_eq!(
        (health.0, &health.1["status"], &health.1["dependencies"]["database"]),
        (200, &json!("degraded"), &json!("degraded")),
        "{}",
        health.1
    );
    let (s, deployments) = d.request("GET", &format!("{BASE}/resources/deployments?namespace=shop"), None);
    assert_eq!(s, 200, "{deployments}");
    assert!(!items(&deployments).is_empty());

    // Space freed: the same requests succeed, in the same process.
    std::fs::remove_file(&filler).unwrap();
    assert_eq!(
        d.request("GET", "/health", None).1["dependencies"]["database"],
        "healthy"
    );
    let (s, body) = d.request("PUT", "/api/v1/settings/theme", Some(json!({"value": "dark"})));
    assert_eq!(s, 200, "{body}");
    let (s, applied) = scale(&d, before + 2);
    assert_eq!((s, applied["state"].as_str()), (200, Some("applied")), "{applied}");
    assert_eq!(replicas(&sb.kubeconfig), before + 2);
    let (_, audit) = d.request("GET", "/api/v1/audit?limit=10", None);
    assert!(
        items(&audit).iter().any(|a| a["action_id"] == applied["action_id"]),
        "{audit}"
    );
    let (s, body) = import(&d);
    assert_eq!(s, 201, "{body}");
    assert_eq!(d.sidecar.child.id(), pid);
}

/// The state the store holds for investigation `id`, read from a copy of the database files
/// (SQLite resolves `/proc/PID/root` to this namespace's root, so it cannot open them there).
fn stored_state(d: &OnSmallDisk, id: &str) -> String {
    let copy = tempfile::tempdir().unwrap();
    for name in ["data.db", "data.db-wal"] {
        std::fs::copy(d.home.join(name), copy.path().join(name)).unwrap();
    }
    let db = rusqlite::Connection::open(copy.path().join("data.db")).unwrap();
    db.query_row("SELECT state FROM investigations WHERE id = ?1", [id], |r| r.get(0))
        .unwrap()
}

fn investigation(d: &OnSmallDisk, id: &str) -> Value {
    let (s, inv) = d.request("GET", &format!("/api/v1/ai/investigations/{id}"), None);
    assert_eq!(s, 200, "{inv}");
    inv
}

/// Polls `read` every 100 ms for up to `secs` until `done` holds; the last value read.
fn poll<T: std::fmt::Debug>(secs: u64, mut read: impl FnMut() -> T, done: impl Fn(&T) -> bool) -> T {
    let mut last = read();
    for _ in 0..secs * 10 {
        if done(&last) {
            return last;
        }
        std::thread::sleep(Duration::from_millis(100));
        last = read();
    }
    panic!("still {last:?} after {secs} s");
}

#[test]
fn an_investigation_ending_on_a_full_disk_shows_its_conclusion_and_is_stored_once_there_is_room() {
    let sb = SandboxProc::start(&[]);
    // The LLM takes 3 s to answer: time to fill the disk while the investigation waits on it.
    let conclude = json!({"code": "OOM_KILLED", "summary": "fraud-check is killed for using more memory than its limit",
        "explanation": "Its container was OOMKilled.", "confidence": 0.9, "evidence": [], "actions": []});
    let mut reply = openai_calls(&[("conclude", conclude)]);
    reply.2 = Duration::from_secs(3);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let replies: Vec<Reply> = vec![reply; 4];
    let (url, script) = runtime.block_on(serve(replies));
    let ai_config = format!("llm:\n  provider: openai\n  model: gpt-4o-mini\n  endpoint: {url}/v1\n  timeout: 10\n");
    let d = OnSmallDisk::start(
        &sb.kubeconfig,
        &[("ai-config.yaml", ai_config)],
        &[("AI_LLM_API_KEY", "sk-test-not-a-real-key-000000")],
    );
    d.wait_synced();
    let (s, started) = d.request(
        "POST",
        "/api/v1/ai/investigations",
        Some(json!({"context": "kubilitics-sandbox", "target": {"kind": "Deployment", "namespace": "payments", "name": "fraud-check"}})),
    );
    assert!((200..300).contains(&s), "{started}");
    let id = started["investigation_id"].as_str().unwrap().to_string();
    poll(30, || script.requests().len(), |n| *n >= 1);

    let filler = d.fill();
    let ended = poll(
        30,
        || investigation(&d, &id),
        |inv| !["queued", "gathering", "analyzing", "reasoning"].contains(&inv["state"].as_str().unwrap_or("")),
    );
    // The user sees the conclusion although the disk could not take it...
    assert_eq!(ended["state"], "concluded", "{ended:#}");
    assert_eq!(ended["root_cause"]["code"], "OOM_KILLED", "{ended:#}");
    assert_eq!(stored_state(&d, &id), "reasoning", "stored on a full disk?");

    // ...and once there is room, the store has it, without a restart.
    std::fs::remove_file(&filler).unwrap();
    poll(30, || stored_state(&d, &id), |state| state == "concluded");
    assert_eq!(investigation(&d, &id)["root_cause"]["code"], "OOM_KILLED");
}

/// `kubilitics serve` on a home of `size` on a tmpfs, first filled with `fill_kib` KiB; its exit
/// status and standard error.
fn serve_on_small_disk(size: &str, fill_kib: u32) -> (std::process::ExitStatus, String) {
    let dir = common::home();
    let home = dir.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let script = format!(
        r#"mount -t tmpfs -o size={size} kubilitics-home "$KUBILITICS_HOME" && head -c {fill_kib}K /dev/zero > "$KUBILITICS_HOME/filler"; exec "$0" serve"#
    );
    let out = common::with_clean_env(Command::new("unshare"), &home)
        .args(["--user", "--map-root-user", "--mount", "sh", "-c", &script])
        .arg(common::binary())
        .output()
        .unwrap();
    (out.status, String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_sidecar_starting_on_a_full_disk_says_so_and_what_to_do() {
    // No room for even the session token.
    let (status, stderr) = serve_on_small_disk("8k", 64);
    assert!(!status.success(), "{stderr}");
    assert!(
        stderr.contains("session.token")
            && stderr.contains("the disk is full: free some space there and start Kubilitics again"),
        "{stderr}"
    );
    // Room for the token, not for the database.
    let (status, stderr) = serve_on_small_disk("8k", 0);
    assert!(!status.success(), "{stderr}");
    assert!(
        stderr.contains("is full, so nothing was saved or changed. Free some space there and try again"),
        "{stderr}"
    );
}
