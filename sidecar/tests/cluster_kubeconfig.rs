//! Importing kubeconfigs and the exec-plugin rule: a command from a kubeconfig runs only after
//! the user approved that exact command line for that context.

mod common;
#[path = "workbench/mod.rs"]
mod workbench;

use serde_json::{Value, json};
use workbench::*;

/// A kubeconfig whose only user authenticates with `sh -c '<script>'` against the test cluster.
fn exec_kubeconfig(server: &str, ca: &str, script: &str) -> String {
    let doc = json!({
        "apiVersion": "v1", "kind": "Config", "current-context": "pasted",
        "clusters": [{"name": "c", "cluster": {"server": server, "certificate-authority-data": ca}}],
        "users": [{"name": "u", "user": {"exec": {
            "apiVersion": "client.authentication.k8s.io/v1", "command": "sh", "args": ["-c", script],
            "interactiveMode": "Never"}}}],
        "contexts": [{"name": "pasted", "context": {"cluster": "c", "user": "u"}}],
    });
    serde_norway::to_string(&doc).unwrap()
}

fn cluster_of(kc: &std::path::Path) -> (String, String) {
    let base: Value = serde_norway::from_str(&std::fs::read_to_string(kc).unwrap()).unwrap();
    (
        base["clusters"][0]["cluster"]["server"].as_str().unwrap().to_string(),
        base["clusters"][0]["cluster"]["certificate-authority-data"]
            .as_str()
            .unwrap()
            .to_string(),
    )
}

#[test]
#[ignore = "needs the real control plane: scripts/test.sh runs it inside tests/cluster/with-cluster"]
fn an_imported_exec_command_never_runs_before_the_user_approves_that_exact_command() {
    let kc = test_kubeconfig();
    let (server, ca) = cluster_of(&kc);
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("exec-ran");
    // If this ever runs it leaves a file, then hands kubectl's client a (useless) token.
    let script = format!(
        "touch {}; echo '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"made-up\"}}}}'",
        marker.display()
    );
    let w = Workbench::start(&kc, &[]);

    // Import: nothing runs.
    let (s, body) = w.post(
        "/api/v1/clusters/import",
        json!({"yaml": exec_kubeconfig(&server, &ca, &script)}),
    );
    assert_eq!(s, 201, "{body}");
    assert_eq!(body["contexts"], json!(["pasted"]));
    let stored = w.sidecar.home.join("kubeconfigs").join("pasted.yaml");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&stored).unwrap().permissions().mode() & 0o777, 0o600);
    }
    assert!(!marker.exists(), "importing ran the exec command");

    // Listing: the command is shown, not run.
    let list = w.get("/api/v1/clusters");
    let ctx = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "pasted")
        .unwrap()
        .clone();
    assert_eq!(ctx["origin"], "imported");
    assert_eq!(ctx["auth"], "exec");
    assert_eq!(ctx["plugin_approved"], false);
    let shown = ctx["plugin"]["command_line"].as_str().unwrap();
    assert!(
        shown.starts_with("sh -c '") && shown.contains(&marker.display().to_string()),
        "{shown}"
    );
    assert!(!marker.exists(), "listing ran the exec command");

    // Connecting, reading, subscribing: refused with the command to approve; nothing runs.
    let (s, body) = w.request("POST", "/api/v1/clusters/pasted/connect", None);
    assert_eq!(s, 409, "{body}");
    assert_eq!(body["error"]["code"], "plugin_not_approved");
    assert_eq!(body["error"]["details"]["plugin"]["command_line"], shown);
    let (s, _) = w.request("GET", "/api/v1/clusters/pasted/resources/pods", None);
    assert_eq!(s, 409);
    let (s, _) = w.request("POST", "/api/v1/clusters/pasted/switch", None);
    assert_eq!(s, 409);
    assert!(!marker.exists(), "connecting ran the exec command without approval");

    // Approving something other than what is shown does nothing.
    let (s, _) = w.post(
        "/api/v1/clusters/pasted/approve-plugin",
        json!({"sha256": "0".repeat(64)}),
    );
    assert_eq!(s, 409);
    assert!(!marker.exists());

    // Approving the shown command: now it runs on connect (and the made-up token is refused).
    let sha = ctx["plugin"]["sha256"].as_str().unwrap();
    let (s, body) = w.post("/api/v1/clusters/pasted/approve-plugin", json!({"sha256": sha}));
    assert_eq!(s, 200, "{body}");
    let (s, body) = w.request("POST", "/api/v1/clusters/pasted/connect", None);
    assert!(marker.exists(), "the approved command runs");
    assert_eq!(s, 502, "{body}");
    assert_eq!(body["error"]["code"], "cluster_unauthorized", "{body}");

    // A changed command needs a new approval: edit the imported file on disk.
    std::fs::remove_file(&marker).unwrap();
    let changed = exec_kubeconfig(&server, &ca, &format!("{script} # changed"));
    std::fs::write(&stored, changed).unwrap();
    let list = w.get("/api/v1/clusters");
    let ctx = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "pasted")
        .unwrap()
        .clone();
    assert_eq!(ctx["plugin_approved"], false, "the new command is not approved");
    assert_ne!(ctx["plugin"]["sha256"].as_str().unwrap(), sha);
    w.request("POST", "/api/v1/clusters/pasted/disconnect", None);
    let (s, _) = w.request("POST", "/api/v1/clusters/pasted/connect", None);
    assert_eq!(s, 409);
    assert!(!marker.exists(), "a changed command ran on the old approval");

    // Removing the import takes its contexts away; the user's own kubeconfig cannot be removed.
    let (s, body) = w.request("DELETE", "/api/v1/clusters/pasted", None);
    assert_eq!(s, 200, "{body}");
    assert!(!stored.exists());
    let (s, body) = w.request("DELETE", "/api/v1/clusters/kubilitics-test", None);
    assert_eq!(s, 409, "{body}");
    assert_eq!(body["error"]["code"], "not_imported");
}

#[test]
fn import_errors_point_at_the_line_and_the_field() {
    // No cluster needed: nothing connects.
    let home = common::home();
    let sidecar = common::Sidecar::start(common::command(home.path()));
    let token = sidecar.token();
    let post = |body: Value| {
        raw_request(
            &sidecar.url,
            &token,
            &sidecar.home,
            "POST",
            "/api/v1/clusters/import",
            Some(body),
        )
    };

    let (s, body) = post(
        json!({"yaml": "apiVersion: v1\nclusters:\n- name: c\n  cluster: {server: https://x}\ncontexts:\n- name: x\n  context:\n    cluster: missing\n"}),
    );
    assert_eq!(s, 422, "{body}");
    assert_eq!(body["error"]["code"], "kubeconfig_invalid");
    assert_eq!(body["error"]["details"]["line"], 8);
    assert_eq!(body["error"]["details"]["field"], "contexts[0].context.cluster");
    assert!(
        body["error"]["message"].as_str().unwrap().starts_with("line 8: "),
        "{body}"
    );

    let (s, body) = post(json!({"yaml": "clusters: [\n"}));
    assert_eq!(s, 422);
    assert!(body["error"]["details"]["line"].as_u64().is_some(), "{body}");

    let (s, _) = post(json!({}));
    assert_eq!(s, 400);

    // No kubeconfig anywhere is a normal state: an empty list, healthy.
    let list = raw_request(&sidecar.url, &token, &sidecar.home, "GET", "/api/v1/clusters", None).1;
    assert_eq!(list["items"], json!([]));
    assert!(list["current"].is_null());
}
