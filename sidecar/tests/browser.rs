//! Browser mode: the one-time login link, the session cookie with CSRF protection for writes,
//! and the web UI served from a directory.

mod common;

use std::time::Duration;

use common::{Sidecar, command, home};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn login_path(sidecar: &Sidecar) -> String {
    for _ in 0..50 {
        if let Some(line) = sidecar.stderr().iter().find(|l| l.contains("/login?code=")) {
            let url = line.split_whitespace().last().unwrap();
            return url[url.find("/login").unwrap()..].to_string();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("no login link printed: {:?}", sidecar.stderr());
}

fn no_redirects(home: &std::path::Path) -> reqwest::blocking::Client {
    common::client_builder(home)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[test]
fn the_login_link_works_once_and_cookie_writes_need_the_csrf_token() {
    let home = home();
    let sidecar = Sidecar::start(command(home.path()));
    let http = no_redirects(home.path());
    let link = format!("{}{}", sidecar.url, login_path(&sidecar));

    let login = http.get(&link).send().unwrap();
    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    assert_eq!(login.headers()["location"], "/");
    let set_cookie = login.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"),
        "{set_cookie}"
    );
    let cookie = set_cookie.split(';').next().unwrap().to_string();

    let again = http.get(&link).send().unwrap();
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED, "the link is single-use");

    let read = http
        .get(format!("{}/api/v1/settings", sidecar.url))
        .header("cookie", &cookie)
        .send()
        .unwrap();
    assert_eq!(read.status(), StatusCode::OK);

    let put = |csrf: Option<&str>| {
        let mut req = http
            .put(format!("{}/api/v1/settings/ui.theme", sidecar.url))
            .header("cookie", &cookie)
            .json(&json!({"value": "dark"}));
        if let Some(c) = csrf {
            req = req.header("x-csrf-token", c);
        }
        req.send().unwrap().status()
    };
    assert_eq!(put(None), StatusCode::UNAUTHORIZED, "a cross-site form cannot write");
    assert_eq!(put(Some("guess")), StatusCode::UNAUTHORIZED);
    let session: Value = http
        .get(format!("{}/api/v1/session", sidecar.url))
        .header("cookie", &cookie)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(session["mode"], "cookie");
    assert_eq!(put(session["csrf_token"].as_str()), StatusCode::OK);

    let code = link.rsplit('=').next().unwrap().to_string();
    let log = std::fs::read_to_string(home.path().join("kubilitics.log")).unwrap();
    assert!(!log.contains(&code), "the login code is never logged");
    assert!(
        !log.contains(cookie.split('=').nth(1).unwrap()),
        "the session id is never logged"
    );
}

#[test]
fn the_web_ui_is_served_with_protective_headers() {
    let home = home();
    let dist = home.path().join("dist");
    std::fs::create_dir_all(dist.join("assets")).unwrap();
    std::fs::write(dist.join("index.html"), "<!doctype html><title>Kubilitics</title>").unwrap();
    std::fs::write(dist.join("assets/app.js"), "console.log('ui')").unwrap();
    let mut cmd = command(home.path());
    cmd.env("KUBILITICS_UI_DIR", &dist);
    let sidecar = Sidecar::start(cmd);
    let http = no_redirects(home.path());

    let index = http.get(format!("{}/", sidecar.url)).send().unwrap();
    assert_eq!(index.status(), StatusCode::OK);
    let csp = index.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'self'"),
        "{csp}"
    );
    assert_eq!(index.headers()["x-content-type-options"], "nosniff");
    assert!(index.text().unwrap().contains("Kubilitics"));

    let deep_link = http.get(format!("{}/clusters/prod/pods", sidecar.url)).send().unwrap();
    assert!(
        deep_link.text().unwrap().contains("<title>Kubilitics</title>"),
        "client routes get index.html"
    );
    let asset = http.get(format!("{}/assets/app.js", sidecar.url)).send().unwrap();
    assert_eq!(asset.text().unwrap(), "console.log('ui')");

    let api = http.get(format!("{}/api/v1/settings", sidecar.url)).send().unwrap();
    assert_eq!(api.status(), StatusCode::UNAUTHORIZED, "the UI does not open the API");
}

#[test]
fn without_a_ui_the_root_says_how_to_install_it() {
    let home = home();
    let sidecar = Sidecar::start(command(home.path()));
    let response = no_redirects(home.path())
        .get(format!("{}/", sidecar.url))
        .send()
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body: Value = response.json().unwrap();
    assert!(body["error"]["message"].as_str().unwrap().contains("KUBILITICS_UI_DIR"));
}
