//! The updater against a loopback update server: a manifest whose package is signed with the
//! configured key is found, downloaded and verified; the same manifest with a signature from
//! another key is refused, and so is one whose signed version differs from the announced one.
//! Fixtures (tests/fixtures/updater) were made with `tauri signer` and a throwaway test key; the
//! release key's public half is in tauri.conf.json and its private half is a CI secret.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;

use kubilitics_desktop::updates;
use tauri::Manager;

fn fixture(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/updater")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Serves `/latest.json` (the manifest) and `/package.bin` on loopback; returns the base URL.
fn serve(manifest: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let package = fixture("package.bin").into_bytes();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(&stream);
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let (status, body, kind) = if request_line.starts_with("GET /latest.json") {
                ("200 OK", manifest.clone().into_bytes(), "application/json")
            } else if request_line.starts_with("GET /package.bin") {
                ("200 OK", package.clone(), "application/octet-stream")
            } else {
                ("404 Not Found", Vec::new(), "text/plain")
            };
            let mut out = &stream;
            let _ = write!(
                out,
                "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = out.write_all(&body);
        }
    });
    base
}

fn manifest(base: &str, version: &str, signature_file: &str) -> String {
    serde_json::json!({
        "version": version,
        "notes": "test release",
        "pub_date": "2026-11-25T00:00:00Z",
        "url": format!("{base}/package.bin"),
        "signature": fixture(signature_file),
    })
    .to_string()
}

fn app() -> tauri::App<tauri::test::MockRuntime> {
    let mut context = tauri::test::mock_context(tauri::test::noop_assets());
    context.config_mut().plugins.0.insert(
        "updater".into(),
        serde_json::json!({ "pubkey": fixture("test-key.pub"), "requireSignedVersion": true, "endpoints": [] }),
    );
    tauri::test::mock_builder()
        .plugin(updates::plugin())
        .manage(updates::Pending::default())
        .build(context)
        .expect("mock app")
}

fn check(app: &tauri::App<tauri::test::MockRuntime>, base: &str) -> Result<updates::UpdateInfo, updates::UpdateError> {
    let endpoint = url::Url::parse(&format!("{base}/latest.json")).unwrap();
    tauri::async_runtime::block_on(updates::check_and_stage(app.handle(), Some(endpoint), true))
}

#[test]
fn a_signed_update_is_found_and_verified_and_a_bad_signature_is_refused() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let app = app();

    // The real thing: announced 9.9.9, signed for 9.9.9 with the configured key.
    let base = serve(String::new());
    let good = serve(manifest(&base, "9.9.9", "package.bin.sig"));
    let info = check(&app, &good).expect("a correctly signed update is accepted");
    assert!(info.available && info.staged, "{info:?}");
    assert_eq!(info.version.as_deref(), Some("9.9.9"));
    assert!(
        app.state::<updates::Pending>().0.lock().unwrap().is_some(),
        "staged for install on quit"
    );
    *app.state::<updates::Pending>().0.lock().unwrap() = None;

    // Same package, signed by someone else's key.
    let forged = serve(manifest(&good, "9.9.9", "package.bin.bad-sig"));
    let err = check(&app, &forged).expect_err("a signature from another key must be refused");
    assert!(
        err.to_string().to_lowercase().contains("signature") || err.to_string().contains("key"),
        "{err}"
    );
    assert!(
        app.state::<updates::Pending>().0.lock().unwrap().is_none(),
        "nothing staged"
    );

    // A genuine signature paired with a different announced version (a replayed older release).
    let replayed = serve(manifest(&good, "10.0.0", "package.bin.sig"));
    let err = check(&app, &replayed).expect_err("a version the signature does not name must be refused");
    assert!(err.to_string().contains("version"), "{err}");
}

#[test]
fn no_newer_version_means_no_update() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let app = app();
    let base = serve(String::new());
    let current = serve(manifest(&base, "0.0.1", "package.bin.sig"));
    let info = check(&app, &current).expect("check");
    assert!(!info.available, "{info:?}");
}
