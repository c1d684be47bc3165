//! The HTTP server as a user meets it: the real binary, real sockets, real TLS.

mod common;

use std::time::Duration;

use common::{Sidecar, client, command, home};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn tls_sidecar(home: &std::path::Path) -> Sidecar {
    let mut cmd = command(home);
    cmd.env("KUBILITICS_TLS_ENABLED", "true");
    Sidecar::start(cmd)
}

#[test]
fn health_over_tls_with_the_generated_certificate() {
    let home = home();
    let sidecar = tls_sidecar(home.path());
    assert!(sidecar.url.starts_with("https://127.0.0.1:"), "{}", sidecar.url);
    // The client trusts only ~/.kubilitics/tls.cert: this fails unless the server presents it.
    let response = client(home.path())
        .get(format!("{}/health", sidecar.url))
        .send()
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().unwrap();
    assert_eq!(body["status"], "healthy");
    assert!(body["timestamp"].as_str().unwrap().ends_with('Z'));
    for dep in ["kubernetes_api", "database", "ai_service", "redis_cache"] {
        let state = body["dependencies"][dep].as_str().unwrap();
        assert!(
            ["healthy", "degraded", "unhealthy", "not_configured"].contains(&state),
            "{dep}: {state}"
        );
    }
    assert_eq!(body["dependencies"]["database"], "healthy");
}

#[test]
fn api_needs_the_token_and_errors_have_one_shape() {
    let home = home();
    let sidecar = tls_sidecar(home.path());
    let http = client(home.path());
    let url = format!("{}/api/v1/version", sidecar.url);

    let missing = http.get(&url).send().unwrap();
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(missing.headers()["www-authenticate"], "Bearer");
    let body: Value = missing.json().unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");
    assert!(body["error"]["message"].as_str().unwrap().contains("session.token"));

    let wrong = http.get(&url).bearer_auth("not-the-token").send().unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);

    let ok = http.get(&url).bearer_auth(sidecar.token()).send().unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    let version = ok.json::<Value>().unwrap();
    assert_eq!(version["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        version["database"],
        json!({"backend": "sqlite", "location": home.path().join("data.db").display().to_string()})
    );

    let unknown = http
        .get(format!("{}/api/v1/nothing-here", sidecar.url))
        .bearer_auth(sidecar.token())
        .send()
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(unknown.json::<Value>().unwrap()["error"]["code"], "not_found");

    let malformed = http
        .put(format!("{}/api/v1/settings/theme", sidecar.url))
        .bearer_auth(sidecar.token())
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .unwrap();
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    assert_eq!(malformed.json::<Value>().unwrap()["error"]["code"], "invalid_json");
}

#[test]
fn a_foreign_host_is_refused() {
    let home = home();
    let sidecar = tls_sidecar(home.path());
    let response = client(home.path())
        .get(format!("{}/health", sidecar.url))
        .header("host", "attacker.example")
        .send()
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(response.json::<Value>().unwrap()["error"]["code"], "host_not_allowed");
}

#[test]
fn a_configured_host_name_is_served() {
    let home = home();
    let mut cmd = command(home.path());
    cmd.env("KUBILITICS_ALLOWED_HOSTS", "kubilitics.internal");
    let sidecar = Sidecar::start(cmd);
    let response = client(home.path())
        .get(format!("{}/health", sidecar.url))
        .header("host", "kubilitics.internal:8080")
        .send()
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[test]
fn cors_preflight_only_for_configured_origins() {
    let home = home();
    let mut cmd = command(home.path());
    cmd.env("KUBILITICS_CORS_ORIGINS", "http://localhost:5173,https://ui.example");
    let sidecar = Sidecar::start(cmd);
    let http = client(home.path());
    let preflight = |origin: &str| {
        http.request(reqwest::Method::OPTIONS, format!("{}/api/v1/settings", sidecar.url))
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization")
            .send()
            .unwrap()
    };
    let allowed = preflight("http://localhost:5173");
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "http://localhost:5173"
    );
    let refused = preflight("https://evil.example");
    assert!(refused.headers().get("access-control-allow-origin").is_none());
}

#[test]
fn an_oversized_body_is_refused_with_413() {
    let home = home();
    let mut cmd = command(home.path());
    cmd.env("KUBILITICS_MAX_BODY_BYTES", "2048");
    let sidecar = Sidecar::start(cmd);
    let big = format!("{{\"value\":\"{}\"}}", "x".repeat(10_000));
    let response = client(home.path())
        .put(format!("{}/api/v1/settings/big", sidecar.url))
        .bearer_auth(sidecar.token())
        .header("content-type", "application/json")
        .body(big)
        .send()
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = response.json().unwrap();
    assert_eq!(body["error"]["code"], "payload_too_large");
    assert_eq!(body["error"]["details"]["limit_bytes"], 2048);
}

#[test]
fn request_ids_are_echoed_and_on_every_log_line_of_the_request() {
    let home = home();
    let sidecar = Sidecar::start(command(home.path()));
    let http = client(home.path());
    let response = http
        .get(format!("{}/api/v1/settings", sidecar.url))
        .bearer_auth(sidecar.token())
        .header("x-request-id", "req-20260210-abc123")
        .send()
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "req-20260210-abc123");
    let generated = http.get(format!("{}/health", sidecar.url)).send().unwrap();
    let generated_id = generated.headers()["x-request-id"].to_str().unwrap().to_string();
    assert!(generated_id.starts_with("req-"));

    // A request's log line is written after its response is sent: read until both are in.
    let mut served: Vec<Value> = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while served.len() < 2 && std::time::Instant::now() < deadline {
        served.extend(
            sidecar
                .drain_lines(Duration::from_millis(500))
                .iter()
                .filter_map(|l| serde_json::from_str::<Value>(l).ok())
                .filter(|v| v["message"] == "request served"),
        );
    }
    let ours = served
        .iter()
        .find(|v| v["request_id"] == "req-20260210-abc123")
        .expect("logged with our id");
    for field in [
        "timestamp",
        "level",
        "logger",
        "message",
        "trace_id",
        "span_id",
        "request_id",
    ] {
        assert!(ours.get(field).is_some(), "{field} missing in {ours}");
    }
    assert!(served.iter().any(|v| v["request_id"] == generated_id));
}

#[test]
fn a_taken_port_exits_3_with_what_to_do() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let home = home();
    let output = command(home.path())
        .env("KUBILITICS_PORT", port.to_string())
        .arg("serve")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("port {port} is in use")) && stderr.contains("KUBILITICS_PORT"),
        "{stderr}"
    );
}

#[test]
fn sigterm_finishes_gracefully() {
    let home = home();
    let sidecar = Sidecar::start(command(home.path()));
    let status = sidecar.terminate();
    assert!(status.success(), "{status:?}");
    let log = std::fs::read_to_string(home.path().join("kubilitics.log")).unwrap();
    assert!(log.contains("shutting down"), "{log}");
}

#[test]
fn with_exit_when_stdin_closes_the_sidecar_ends_with_its_parent_and_otherwise_not() {
    // The desktop shell holds the sidecar's stdin; if the shell is killed, the pipe closes.
    let h = home();
    let mut cmd = command(h.path());
    cmd.stdin(std::process::Stdio::piped());
    let mut s = Sidecar::start_serve(cmd, &["--exit-when-stdin-closes"]);
    drop(s.child.stdin.take());
    let mut status = None;
    for _ in 0..300 {
        status = s.child.try_wait().unwrap();
        if status.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = status.expect("the sidecar exits once its standard input closes");
    assert!(status.success(), "a graceful exit: {status:?}");
    let log = std::fs::read_to_string(h.path().join("stdout.log")).unwrap();
    assert!(log.contains("standard input closed"), "{log}");

    // A plain `serve` (a service manager's, whose stdin is /dev/null) keeps serving.
    let h = home();
    let mut cmd = command(h.path());
    cmd.stdin(std::process::Stdio::null());
    let s = Sidecar::start(cmd);
    let health = client(h.path()).get(format!("{}/health", s.url)).send().unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    assert!(
        s.drain_lines(Duration::from_millis(500))
            .iter()
            .all(|l| !l.contains("standard input closed"))
    );
}

#[test]
fn secrets_never_reach_a_log_line() {
    let home = home();
    let secrets = [
        ("KUBILITICS_API_TOKEN", "tok-0123456789abcdef0123456789"),
        ("AI_LLM_API_KEY", "sk-test-9f8e7d6c5b4a39281706"),
        ("KUBILITICS_REDIS_PASSWORD", "redis-pass-5551234"),
        (
            "KUBILITICS_DATABASE_URL",
            "postgres://kubilitics:pg-secret-777@db/kubilitics",
        ),
    ];
    let mut cmd = command(home.path());
    cmd.env("KUBILITICS_LOG_LEVEL", "trace");
    for (k, v) in secrets {
        cmd.env(k, v);
    }
    let sidecar = Sidecar::start(cmd);
    let http = client(home.path());
    for _ in 0..3 {
        http.get(format!("{}/api/v1/settings", sidecar.url))
            .bearer_auth(secrets[0].1)
            .send()
            .unwrap();
        http.get(format!("{}/api/v1/settings", sidecar.url))
            .bearer_auth("wrong-token-abcdef")
            .send()
            .unwrap();
    }
    let stdout = sidecar.drain_lines(Duration::from_secs(2)).join("\n");
    sidecar.terminate();
    let file = std::fs::read_to_string(home.path().join("kubilitics.log")).unwrap();
    for (name, value) in secrets {
        assert!(!stdout.contains(value), "{name} leaked to stdout");
        assert!(!file.contains(value), "{name} leaked to the log file");
    }
    assert!(!stdout.contains("wrong-token-abcdef") && !file.contains("wrong-token-abcdef"));
    assert!(file.contains("request served"), "the log file has the requests");
}

#[test]
fn metrics_name_every_runbook_metric_and_count_requests() {
    let home = home();
    let sidecar = Sidecar::start(command(home.path()));
    let http = client(home.path());
    for _ in 0..3 {
        http.get(format!("{}/health", sidecar.url)).send().unwrap();
    }
    let metrics_url = sidecar.metrics_url.clone().expect("metrics listening");
    let text = http.get(&metrics_url).send().unwrap().text().unwrap();
    let names = kubilitics::telemetry::metrics::RUNBOOK_METRICS
        .iter()
        .chain(&["process_resident_memory_bytes"]);
    for name in names {
        assert!(text.contains(&format!("# TYPE {name} ")), "{name} missing");
    }
    let health_count = text
        .lines()
        .find(|l| {
            l.starts_with("kubilitics_requests_total{")
                && l.contains("path=\"/health\"")
                && l.contains("status=\"200\"")
        })
        .expect("requests counted by path and status");
    let n: f64 = health_count.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(n >= 3.0, "{health_count}");
    assert!(text.contains("kubilitics_request_duration_seconds_bucket{"));
}

#[test]
fn the_openapi_document_describes_the_api() {
    let home = home();
    let sidecar = Sidecar::start(command(home.path()));
    let doc: Value = client(home.path())
        .get(format!("{}/api/v1/openapi.json", sidecar.url))
        .bearer_auth(sidecar.token())
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in ["/health", "/api/v1/settings/{key}", "/api/v1/audit"] {
        assert!(doc["paths"].get(path).is_some(), "{path} undocumented");
    }
    assert!(doc["components"]["schemas"].get("ErrorBody").is_some());
}

#[test]
fn replacing_the_certificate_files_and_restarting_rotates_the_certificate() {
    let home = home();
    let first = tls_sidecar(home.path());
    let first_pem = std::fs::read_to_string(home.path().join("tls.cert")).unwrap();
    first.terminate();
    // The operator's rotation: remove (or replace) the files, restart.
    std::fs::remove_file(home.path().join("tls.cert")).unwrap();
    std::fs::remove_file(home.path().join("tls.key")).unwrap();
    let second = tls_sidecar(home.path());
    let second_pem = std::fs::read_to_string(home.path().join("tls.cert")).unwrap();
    assert_ne!(first_pem, second_pem);
    // A client that trusts only the new certificate connects: it is the one served.
    let response = client(home.path())
        .get(format!("{}/health", second.url))
        .send()
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[test]
fn text_logs_for_humans() {
    let home = home();
    let mut cmd = command(home.path());
    cmd.env("KUBILITICS_LOG_FORMAT", "text")
        .env("KUBILITICS_LOG_LEVEL", "debug");
    let mut child = cmd.arg("serve").stdout(std::process::Stdio::piped()).spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let first_lines: Vec<String> = std::io::BufRead::lines(std::io::BufReader::new(stdout))
        .map_while(Result::ok)
        .take_while(|l| !l.contains("listening"))
        .collect();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        first_lines
            .iter()
            .any(|l| l.contains("INFO") && l.contains("database ready")),
        "{first_lines:?}"
    );
    assert!(
        first_lines.iter().all(|l| !l.starts_with('{')),
        "not JSON: {first_lines:?}"
    );
}

/// PUT one setting through the API, as the UI's Settings and wizard do.
fn put_setting(sidecar: &Sidecar, key: &str, value: Value) -> (StatusCode, Value) {
    let res = client(&sidecar.home)
        .put(format!("{}/api/v1/settings/{key}", sidecar.url))
        .bearer_auth(sidecar.token())
        .json(&serde_json::json!({ "value": value }))
        .send()
        .unwrap();
    (res.status(), res.json().unwrap())
}

fn ai_status(sidecar: &Sidecar) -> Value {
    client(&sidecar.home)
        .get(format!("{}/api/v1/ai/status", sidecar.url))
        .bearer_auth(sidecar.token())
        .send()
        .unwrap()
        .json()
        .unwrap()
}

#[test]
fn the_safety_level_and_llm_chosen_in_the_ui_are_the_ones_in_force() {
    let home = home();
    let sidecar = Sidecar::start(command(home.path()));
    assert_eq!(ai_status(&sidecar)["safety"]["autonomy_level"], 1);

    // The level applies at once; a value the configuration would refuse is refused.
    let (status, _) = put_setting(&sidecar, "ai.safety_policy.autonomy_level", serde_json::json!(3));
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ai_status(&sidecar)["safety"]["autonomy_level"], 3);
    let (status, body) = put_setting(&sidecar, "ai.safety_policy.autonomy_level", serde_json::json!(7));
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(
        body["error"]["message"], "ai.safety_policy.autonomy_level must be an integer from 1 to 3",
        "says what is allowed"
    );
    assert_eq!(ai_status(&sidecar)["safety"]["autonomy_level"], 3);

    // The provider applies at once too (rebuilt as each is saved), and stays after a restart.
    for (key, value) in [
        ("ai.llm.provider", "openai_compatible"),
        ("ai.llm.endpoint", "http://127.0.0.1:9/v1"),
        ("ai.llm.model", "local-model"),
    ] {
        let (status, body) = put_setting(&sidecar, key, serde_json::json!(value));
        assert_eq!(status, StatusCode::OK, "{key}: {body}");
    }
    let now = ai_status(&sidecar);
    assert_ne!(now["llm_provider"]["name"], "none", "{now}");
    assert_eq!(now["llm_provider"]["model"], "local-model", "{now}");
    sidecar.terminate();

    let again = Sidecar::start(command(home.path()));
    let status = ai_status(&again);
    assert_eq!(status["safety"]["autonomy_level"], 3, "{status}");
    assert_ne!(status["llm_provider"]["name"], "none", "{status}");
    assert_eq!(status["llm_provider"]["model"], "local-model", "{status}");
    again.terminate();

    // What an operator pins in the environment stays, whatever the UI stored, and the UI is told.
    let mut cmd = command(home.path());
    cmd.env("AI_SAFETY_AUTONOMY_LEVEL", "1");
    let pinned = Sidecar::start(cmd);
    let status = ai_status(&pinned);
    assert_eq!(status["safety"]["autonomy_level"], 1, "{status}");
    assert_eq!(
        status["safety"]["pinned_by"], "env AI_SAFETY_AUTONOMY_LEVEL",
        "{status}"
    );
    let (status, body) = put_setting(&pinned, "ai.safety_policy.autonomy_level", serde_json::json!(3));
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("AI_SAFETY_AUTONOMY_LEVEL"),
        "{body}"
    );
    assert_eq!(ai_status(&pinned)["safety"]["autonomy_level"], 1);
}
