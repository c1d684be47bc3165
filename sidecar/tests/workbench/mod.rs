//! Helpers for the workbench's integration tests: a sidecar pointed at a kubeconfig, JSON
//! requests, polling the cache until it shows what kubectl did, and kubectl itself.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{self, Sidecar};

/// The kubeconfig of the real control plane (set by tests/cluster/with-cluster).
pub fn test_kubeconfig() -> PathBuf {
    PathBuf::from(
        std::env::var("KUBILITICS_TEST_KUBECONFIG").expect(
            "KUBILITICS_TEST_KUBECONFIG is not set: run inside tests/cluster/with-cluster (scripts/test.sh does)",
        ),
    )
}

/// A namespace name no other test uses.
pub fn unique_ns(prefix: &str) -> String {
    format!("wb-{prefix}-{}", &uuid::Uuid::new_v4().simple().to_string()[..8])
}

/// A fresh namespace (named after `prefix`, see [`unique_ns`]), created with kubectl.
pub fn new_namespace(kubeconfig: &Path, prefix: &str) -> String {
    let ns = unique_ns(prefix);
    kubectl(kubeconfig, &["create", "namespace", &ns]);
    ns
}

/// A fresh namespace holding Deployment `web` (nginx) with `replicas` pods.
pub fn namespace_with_web(kubeconfig: &Path, prefix: &str, replicas: u32) -> String {
    let ns = new_namespace(kubeconfig, prefix);
    let replicas = format!("--replicas={replicas}");
    kubectl(
        kubeconfig,
        &["-n", &ns, "create", "deployment", "web", "--image=nginx", &replicas],
    );
    ns
}

/// Runs kubectl against `kubeconfig`; panics with its output on failure.
pub fn kubectl(kubeconfig: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .output()
        .expect("kubectl runs");
    assert!(
        out.status.success(),
        "kubectl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `kubectl apply -f -` of `yaml` against `kubeconfig`; panics with its output on failure.
/// A deployment's `.spec.replicas`, as kubectl reads it.
pub fn replicas(kubeconfig: &Path, ns: &str, name: &str) -> String {
    kubectl(
        kubeconfig,
        &["-n", ns, "get", "deployment", name, "-o", "jsonpath={.spec.replicas}"],
    )
}

pub fn kubectl_apply(kubeconfig: &Path, yaml: &str) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(["apply", "-f", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("kubectl runs");
    child.stdin.take().unwrap().write_all(yaml.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "kubectl apply failed: {}\n{yaml}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub struct Workbench {
    pub sidecar: Sidecar,
    pub token: String,
    pub client: reqwest::blocking::Client,
    _home: tempfile::TempDir,
}

impl Workbench {
    /// A sidecar whose kubeconfig is `kubeconfig`; `config_yaml` goes to its config.yaml.
    pub fn start(kubeconfig: &Path, config_yaml: &[(&str, &str)]) -> Workbench {
        Self::start_with(kubeconfig, config_yaml, &[])
    }

    pub fn start_with(kubeconfig: &Path, config_yaml: &[(&str, &str)], env: &[(&str, &str)]) -> Workbench {
        let home = common::home();
        let text: String = config_yaml.iter().map(|(a, b)| format!("{a}{b}")).collect();
        if !text.is_empty() {
            std::fs::write(home.path().join("config.yaml"), text).unwrap();
        }
        let mut cmd = common::command(home.path());
        cmd.env("KUBILITICS_KUBECONFIG_PATH", kubeconfig);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let sidecar = Sidecar::start(cmd);
        let token = sidecar.token();
        let client = common::client(home.path());
        Workbench {
            sidecar,
            token,
            client,
            _home: home,
        }
    }

    pub fn request(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        raw_request(&self.sidecar.url, &self.token, &self.sidecar.home, method, path, body)
    }

    /// GET that must succeed.
    pub fn get(&self, path: &str) -> Value {
        let (s, v) = self.request("GET", path, None);
        assert_eq!(s, 200, "GET {path}: {v}");
        v
    }

    pub fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.request("POST", path, Some(body))
    }

    /// GET as text that must succeed.
    pub fn get_text(&self, path: &str) -> String {
        let (s, text) = self.get_text_status(path);
        assert!((200..300).contains(&s), "GET {path}: {s} {text}");
        text
    }

    /// GET `path` as text with the status (the log endpoint answers text/plain).
    pub fn get_text_status(&self, path: &str) -> (u16, String) {
        let r = self
            .client
            .get(format!("{}{path}", self.sidecar.url))
            .bearer_auth(&self.token)
            .send()
            .expect("request sent");
        (r.status().as_u16(), r.text().unwrap_or_default())
    }

    pub fn health(&self) -> Value {
        self.client
            .get(format!("{}/health", self.sidecar.url))
            .send()
            .unwrap()
            .json()
            .unwrap()
    }

    /// Polls `path` until `ok` holds (30 s at most), returning the last answer.
    pub fn wait_for(&self, path: &str, ok: impl Fn(&Value) -> bool) -> Value {
        self.wait_for_secs(path, 30, ok)
    }

    /// [`Workbench::wait_for`] for up to `secs`: for what the cluster does on its own schedule
    /// (a watch retrying with backoff, metrics being scraped).
    pub fn wait_for_secs(&self, path: &str, secs: u64, ok: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let (s, v) = self.request("GET", path, None);
            if s == 200 && ok(&v) {
                return v;
            }
            if Instant::now() > deadline {
                panic!("GET {path} never showed what was expected; last answer ({s}): {v}");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// A WebSocket to the sidecar's `/api/v1/ws`.
pub type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The WebSocket URL with a fresh one-time ticket (how a browser connects).
pub fn ws_url_with_ticket(w: &Workbench) -> String {
    let (s, t) = w.post("/api/v1/ws/ticket", serde_json::json!({}));
    assert_eq!(s, 201, "{t}");
    format!(
        "{}/api/v1/ws?ticket={}",
        w.sidecar.url.replacen("http", "ws", 1),
        t["ticket"].as_str().unwrap()
    )
}

pub async fn ws_send(ws: &mut Ws, v: Value) {
    use futures::SinkExt;
    ws.send(tokio_tungstenite::tungstenite::Message::Text(v.to_string().into()))
        .await
        .unwrap();
}

/// Reads messages until `want` matches one (`secs` at most); returns it and what came before.
pub async fn ws_until(ws: &mut Ws, secs: u64, want: impl Fn(&Value) -> bool) -> (Value, Vec<Value>) {
    use futures::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next())
            .await
            .unwrap_or_else(|_| panic!("nothing matching arrived; saw {seen:?}"));
        let Some(Ok(Message::Text(t))) = msg else { continue };
        let v: Value = serde_json::from_str(&t).unwrap();
        if want(&v) {
            return (v, seen);
        }
        seen.push(v);
    }
}

/// Whether `v` is a `deltas` message with a `kind_of_change` (ADDED...) event for `name`.
pub fn has_delta(v: &Value, kind_of_change: &str, name: &str) -> bool {
    v["type"] == "deltas"
        && v["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == kind_of_change && e["name"] == name)
}

pub fn raw_request(url: &str, token: &str, home: &Path, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let client = common::client(home);
    let mut req = client
        .request(method.parse().unwrap(), format!("{url}{path}"))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().expect("request sent");
    let status = r.status().as_u16();
    let text = r.text().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// A CA certificate (base64 PEM) that signed nothing the test cluster serves.
pub fn other_ca_pem() -> String {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["elsewhere".to_string()]).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key).unwrap();
    base64(cert.pem().as_bytes())
}

/// Standard base64 with padding.
pub fn base64(bytes: &[u8]) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A kind's entry in a context's status (`GET /api/v1/clusters/{context}`).
pub fn kind_status<'a>(status: &'a Value, kind: &str) -> &'a Value {
    status["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {status}"))
}

/// The items of a JSON list answer.
pub fn items(v: &Value) -> &Vec<Value> {
    v["items"].as_array().unwrap_or_else(|| panic!("no items: {v}"))
}

/// Creates the namespaced CustomResourceDefinition `plural.group` of `kind`, served and stored as
/// `v1`, and waits until the API server serves it. `version` is the rest of the version entry
/// (its `schema`, printer columns), indented by four spaces.
pub fn create_crd(kubeconfig: &Path, group: &str, plural: &str, kind: &str, version: &str) {
    let singular = kind.to_lowercase();
    kubectl_apply(
        kubeconfig,
        &format!(
            r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: {plural}.{group}
spec:
  group: {group}
  scope: Namespaced
  names: {{plural: {plural}, singular: {singular}, kind: {kind}}}
  versions:
  - name: v1
    served: true
    storage: true
{version}"#
        ),
    );
    kubectl(
        kubeconfig,
        &["wait", "--for=condition=Established", &format!("crd/{plural}.{group}")],
    );
}
