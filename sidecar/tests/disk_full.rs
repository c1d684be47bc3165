//! A full disk, for real: the sidecar's home (`~/.kubilitics`: database, log, imported
//! kubeconfigs) on a small tmpfs in a private mount namespace (`unshare`, which needs no
//! privilege beyond user namespaces), filled by the test while the sidecar runs against the
//! built-in sandbox cluster. What a user must see: a clear error saying where and what to do,
//! nothing half-written, no change to the cluster without its audit record, and everything
//! working again once space is freed, without a restart.

mod common;
mod sandbox_support;
#[path = "workbench/mod.rs"]
mod workbench;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::Sidecar;
use sandbox_support::SandboxProc;
use serde_json::{Value, json};
use workbench::{items, raw_request};

const BASE: &str = "/api/v1/clusters/kubilitics-sandbox";

/// The sidecar, its home as the test sees it (through `/proc/PID/root`, since the tmpfs is
/// mounted in the sidecar's namespace only), and its token.
struct OnSmallDisk {
    sidecar: Sidecar,
    home: PathBuf,
    token: String,
    _dir: tempfile::TempDir,
}

impl OnSmallDisk {
    fn start(kubeconfig: &Path) -> OnSmallDisk {
        let dir = common::home();
        let mut cmd = common::with_clean_env(Command::new("unshare"), dir.path());
        cmd.env("KUBILITICS_KUBECONFIG_PATH", kubeconfig).args([
            "--user",
            "--map-root-user",
            "--mount",
            "sh",
            "-c",
            r#"mount -t tmpfs -o size=8m kubilitics-home "$KUBILITICS_HOME" && exec "$0" "$@""#,
        ]);
        cmd.arg(common::binary());
        let mut sidecar = Sidecar::start(cmd);
        let home = PathBuf::from(format!("/proc/{}/root{}", sidecar.child.id(), dir.path().display()));
        sidecar.home = home.clone();
        let token = sidecar.token();
        OnSmallDisk {
            sidecar,
            home,
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
            std::thread::sleep(std::time::Duration::from_millis(100));
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
    let d = OnSmallDisk::start(&sb.kubeconfig);
    d.wait_synced();
    let before = replicas(&sb.kubeconfig);
    let pid = d.sidecar.child.id();
    // The home as the sidecar names it in messages (its own view of the path).
    let home_shown = d._dir.path().display().to_string();

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

    // Reads go on meanwhile.
    let (s, deployments) = d.request("GET", &format!("{BASE}/resources/deployments?namespace=shop"), None);
    assert_eq!(s, 200, "{deployments}");
    assert!(!items(&deployments).is_empty());

    // Space freed: the same requests succeed, in the same process.
    std::fs::remove_file(&filler).unwrap();
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
