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

#[test]
fn import_by_file_path_copies_a_good_file_and_points_at_a_bad_ones_line() {
    // No cluster needed: nothing connects.
    let home = common::home();
    let sidecar = common::Sidecar::start(common::command(home.path()));
    let token = sidecar.token();
    let request = |method: &str, path: &str, body: Option<Value>| {
        raw_request(&sidecar.url, &token, &sidecar.home, method, path, body)
    };
    let files = tempfile::tempdir().unwrap();

    let good = files.path().join("team.yaml");
    std::fs::write(
        &good,
        "apiVersion: v1\nkind: Config\ncurrent-context: team-dev\nclusters:\n- name: c\n  cluster: {server: 'https://team.example:6443'}\nusers:\n- name: u\n  user: {token: not-shown}\ncontexts:\n- name: team-dev\n  context: {cluster: c, user: u, namespace: dev}\n- name: team-prod\n  context: {cluster: c, user: u}\n",
    )
    .unwrap();
    let (s, body) = request(
        "POST",
        "/api/v1/clusters/import",
        Some(json!({"path": good.to_str().unwrap()})),
    );
    assert_eq!(s, 201, "{body}");
    let mut imported: Vec<&str> = body["contexts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    imported.sort();
    assert_eq!(imported, ["team-dev", "team-prod"], "{body}");

    // Listed as imported, from a private copy: the original file is left as it was.
    let (_, list) = request("GET", "/api/v1/clusters", None);
    let items = list["items"].as_array().unwrap();
    for name in ["team-dev", "team-prod"] {
        let ctx = items
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("{name} not listed: {list}"));
        assert_eq!(ctx["origin"], "imported", "{ctx}");
    }
    assert!(
        !list.to_string().contains("not-shown"),
        "the token is never listed: {list}"
    );
    assert!(good.exists());
    let copies: Vec<_> = std::fs::read_dir(sidecar.home.join("kubeconfigs"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(copies.len(), 1, "{copies:?}");
    assert_ne!(copies[0], good);

    // A broken file by path: 422 with the line and the field, and nothing is imported.
    let bad = files.path().join("broken.yaml");
    std::fs::write(
        &bad,
        "apiVersion: v1\nclusters:\n- name: c\n  cluster:\n    server: https://x\nusers:\n- name: u\n  user:\n    exec:\n      command: [not, a, string]\ncontexts:\n- name: broken\n  context: {cluster: c, user: u}\n",
    )
    .unwrap();
    let (s, body) = request(
        "POST",
        "/api/v1/clusters/import",
        Some(json!({"path": bad.to_str().unwrap()})),
    );
    assert_eq!(s, 422, "{body}");
    assert_eq!(body["error"]["code"], "kubeconfig_invalid", "{body}");
    assert_eq!(body["error"]["details"]["line"], 10, "{body}");
    assert_eq!(
        body["error"]["details"]["field"], "users[0].user.exec.command",
        "{body}"
    );
    assert!(
        body["error"]["message"].as_str().unwrap().starts_with("line 10: "),
        "{body}"
    );
    let (_, list) = request("GET", "/api/v1/clusters", None);
    assert!(
        !list["items"].as_array().unwrap().iter().any(|c| c["name"] == "broken"),
        "{list}"
    );

    // Both a text and a path: which one was meant is unclear.
    let (s, _) = request(
        "POST",
        "/api/v1/clusters/import",
        Some(json!({"path": good.to_str().unwrap(), "yaml": "apiVersion: v1\n"})),
    );
    assert_eq!(s, 400);

    // A path that is not there is the user's to fix: said as such, not as a server fault.
    let missing = files.path().join("nope.yaml");
    let (s, body) = request(
        "POST",
        "/api/v1/clusters/import",
        Some(json!({"path": missing.to_str().unwrap()})),
    );
    assert_eq!(s, 422, "{body}");
    assert_eq!(body["error"]["code"], "file_unreadable");
    let msg = body["error"]["message"].as_str().unwrap();
    assert!(msg.contains("nope.yaml") && msg.contains("check the path"), "{msg}");
}

/// An HTTP CONNECT proxy on loopback that wants `Proxy-Authorization: Basic <credentials>`
/// (the kind a proxy-url points at), recording each tunnel it was asked for and whether the
/// credentials were right.
struct Proxy {
    url_host: String,
    seen: std::sync::Arc<std::sync::Mutex<Vec<(String, bool)>>>,
}

impl Proxy {
    fn start(user: &str, password: &str) -> Proxy {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url_host = listener.local_addr().unwrap().to_string();
        let expected = format!("Basic {}", base64(format!("{user}:{password}").as_bytes()));
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (expected, log) = (expected.clone(), log.clone());
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(client.try_clone().unwrap());
                    let mut request = String::new();
                    let mut authorized = false;
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" {
                            break;
                        }
                        if request.is_empty() {
                            request = line.trim().to_string();
                        } else if let Some((name, value)) = line.split_once(':')
                            && name.eq_ignore_ascii_case("proxy-authorization")
                        {
                            authorized = value.trim() == expected;
                        }
                    }
                    let target = request
                        .strip_prefix("CONNECT ")
                        .and_then(|r| r.split_whitespace().next())
                        .unwrap_or("")
                        .to_string();
                    log.lock().unwrap().push((target.clone(), authorized));
                    let mut client = client;
                    if !authorized {
                        let _ = client.write_all(
                            b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\r\n",
                        );
                        return;
                    }
                    let Ok(upstream) = std::net::TcpStream::connect(&target) else {
                        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
                        return;
                    };
                    client
                        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                        .unwrap();
                    // The TLS bytes flow both ways, untouched; the reader may hold a few already.
                    let buffered = reader.buffer().to_vec();
                    let mut up_write = upstream.try_clone().unwrap();
                    let mut down_write = client.try_clone().unwrap();
                    let mut up_read = upstream;
                    let mut client_read = reader.into_inner();
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut up_read, &mut down_write);
                        let _ = down_write.shutdown(std::net::Shutdown::Both);
                    });
                    let _ = up_write.write_all(&buffered);
                    let _ = std::io::copy(&mut client_read, &mut up_write);
                    let _ = up_write.shutdown(std::net::Shutdown::Both);
                });
            }
        });
        Proxy { url_host, seen }
    }

    fn tunnels(&self) -> Vec<(String, bool)> {
        self.seen.lock().unwrap().clone()
    }
}

#[test]
#[ignore = "needs the real control plane: scripts/test.sh runs it inside tests/cluster/with-cluster"]
fn a_proxy_url_with_basic_credentials_carries_every_request_to_the_cluster() {
    let kc = test_kubeconfig();
    let mut doc: Value = serde_norway::from_str(&std::fs::read_to_string(&kc).unwrap()).unwrap();
    let (server, ca) = cluster_of(&kc);
    let server_host = server.trim_start_matches("https://").trim_end_matches('/').to_string();
    // The password holds characters a URL must percent-encode; kubectl's rule is to decode them.
    let proxy = Proxy::start("sre", "p@ss:word");
    let good = format!("http://sre:p%40ss%3Aword@{}", proxy.url_host);
    let bad = format!("http://sre:guess@{}", proxy.url_host);
    let admin = doc["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "admin")
        .unwrap()
        .clone();
    doc = json!({
        "apiVersion": "v1", "kind": "Config", "current-context": "via-proxy",
        "clusters": [
            {"name": "proxied", "cluster": {"server": server, "certificate-authority-data": ca, "proxy-url": good}},
            {"name": "wrong-proxy-password", "cluster": {"server": server, "certificate-authority-data": ca, "proxy-url": bad}},
        ],
        "users": [admin],
        "contexts": [
            {"name": "via-proxy", "context": {"cluster": "proxied", "user": "admin"}},
            {"name": "bad-proxy", "context": {"cluster": "wrong-proxy-password", "user": "admin"}},
        ]
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kubeconfig");
    std::fs::write(&path, serde_norway::to_string(&doc).unwrap()).unwrap();
    let w = Workbench::start(&path, &[]);

    // Lists, objects and the live cache all come through the tunnel.
    let ns = namespace_with_web(&kc, "proxy", 1);
    let pods = w.wait_for(
        &format!("/api/v1/clusters/via-proxy/resources/pods?namespace={ns}"),
        |v| v["total"] == 1 && v["sync"]["state"] == "synced",
    );
    let pod = pods["items"][0]["name"].as_str().unwrap();
    w.get(&format!("/api/v1/clusters/via-proxy/resources/pods/{ns}/{pod}"));
    let tunnels = proxy.tunnels();
    assert!(
        !tunnels.is_empty() && tunnels.iter().all(|(to, ok)| to == &server_host && *ok),
        "every connection went to {server_host} through the proxy, with its credentials: {tunnels:?}"
    );

    // A wrong proxy password: a clear error for that context only.
    let (s, body) = w.request("POST", "/api/v1/clusters/bad-proxy/connect", None);
    assert_eq!(s, 502, "{body}");
    assert_eq!(body["error"]["code"], "cluster_unauthorized", "{body}");
    let msg = body["error"]["message"].as_str().unwrap();
    assert!(msg.contains("proxy-url") && msg.contains("407"), "{msg}");
    assert!(proxy.tunnels().iter().any(|(_, ok)| !ok));
    assert_eq!(
        w.get(&format!("/api/v1/clusters/via-proxy/resources/pods?namespace={ns}"))["total"],
        1
    );

    // The proxy's password is a credential: never shown or logged.
    let listed = w.get("/api/v1/clusters").to_string();
    let log = std::fs::read_to_string(w.sidecar.home.join("stdout.log")).unwrap_or_default()
        + &std::fs::read_to_string(w.sidecar.home.join("kubilitics.log")).unwrap_or_default();
    for text in [&listed, &log, &body.to_string()] {
        assert!(!text.contains("p%40ss") && !text.contains("guess"), "{text}");
    }
    kubectl(&kc, &["delete", "namespace", &ns, "--wait=false"]);
}

#[test]
#[ignore = "needs the real control plane: scripts/test.sh runs it inside tests/cluster/with-cluster"]
fn an_approved_exec_plugin_authenticates_the_context_with_the_credential_it_prints() {
    let kc = test_kubeconfig();
    let (server, ca) = cluster_of(&kc);
    let ns = new_namespace(&kc, "exec");
    kubectl(&kc, &["-n", &ns, "run", "seen", "--image=nginx"]);
    kubectl(&kc, &["-n", &ns, "create", "serviceaccount", "plugin-user"]);
    kubectl(
        &kc,
        &[
            "create",
            "clusterrolebinding",
            &format!("{ns}-plugin-user"),
            "--clusterrole=view",
            &format!("--serviceaccount={ns}:plugin-user"),
        ],
    );
    let token = kubectl(&kc, &["-n", &ns, "create", "token", "plugin-user", "--duration=1h"])
        .trim()
        .to_string();
    // What aws/gcloud/kubelogin do: print an ExecCredential with a token.
    let script = format!(
        "echo '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{token}\"}}}}'"
    );
    let w = Workbench::start(&kc, &[]);
    let (s, body) = w.post(
        "/api/v1/clusters/import",
        json!({"yaml": exec_kubeconfig(&server, &ca, &script)}),
    );
    assert_eq!(s, 201, "{body}");
    let list = w.get("/api/v1/clusters");
    let ctx = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "pasted")
        .unwrap()
        .clone();
    let sha = ctx["plugin"]["sha256"].as_str().unwrap();
    let (s, body) = w.post("/api/v1/clusters/pasted/approve-plugin", json!({"sha256": sha}));
    assert_eq!(s, 200, "{body}");

    let (s, body) = w.request("POST", "/api/v1/clusters/pasted/connect", None);
    assert_eq!(s, 200, "{body}");
    let pods = w.wait_for(&format!("/api/v1/clusters/pasted/resources/pods?namespace={ns}"), |v| {
        v["total"] == 1
    });
    assert_eq!(pods["items"][0]["name"], "seen");
    // The plugin's identity (view), not the admin's: no secrets.
    let (s, _) = w.request(
        "GET",
        "/api/v1/clusters/pasted/resources/secrets/kube-system/anything",
        None,
    );
    assert_ne!(s, 200);
    let log = std::fs::read_to_string(w.sidecar.home.join("stdout.log")).unwrap_or_default();
    let leaks: Vec<&str> = log.lines().filter(|l| l.contains(&token)).collect();
    assert!(leaks.is_empty(), "the credential never reaches the log: {leaks:?}");
    kubectl(&kc, &["delete", "clusterrolebinding", &format!("{ns}-plugin-user")]);
    kubectl(&kc, &["delete", "namespace", &ns, "--wait=false"]);
}
