//! The PostgreSQL store as an operator of the in-cluster deployment meets it, against a real
//! server: the sidecar serving from it, `db migrate`, replicas starting together, a server
//! that goes away and comes back, settings that cannot work, and each TLS mode.

#![cfg(unix)]

mod common;

use common::postgres::Postgres;
use common::{Sidecar, client, command, home};
use kubilitics::config;
use kubilitics::store::{ActionRecord, NewAuditRecord, PostgresStore, Store, StoreError, WorkbenchStore, migrations};
use reqwest::StatusCode;
use serde_json::{Value, json};

const EXIT_CONFIG: i32 = 2;
const EXIT_DATABASE: i32 = 4;

fn start() -> Postgres {
    Postgres::start()
}

/// `kubilitics ARGS` with the database settings of an in-cluster deployment.
fn kubilitics_on(home: &std::path::Path, url: &str) -> std::process::Command {
    let mut cmd = command(home);
    cmd.env("KUBILITICS_DATABASE_TYPE", "postgresql")
        .env("KUBILITICS_DATABASE_URL", url);
    cmd
}

fn run(mut cmd: std::process::Command, args: &[&str]) -> (Option<i32>, String, String) {
    let out = cmd.args(args).output().expect("kubilitics runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn put_setting(sidecar: &Sidecar, key: &str, value: Value) -> reqwest::blocking::Response {
    client(&sidecar.home)
        .put(format!("{}/api/v1/settings/{key}", sidecar.url))
        .bearer_auth(sidecar.token())
        .json(&json!({ "value": value }))
        .send()
        .unwrap()
}

fn health(sidecar: &Sidecar) -> (StatusCode, Value) {
    let r = client(&sidecar.home)
        .get(format!("{}/health", sidecar.url))
        .send()
        .unwrap();
    (r.status(), r.json().unwrap())
}

#[test]
fn a_sidecar_serves_from_postgresql_and_carries_on_when_the_server_comes_back() {
    let mut pg = start();
    let home = home();
    let sidecar = Sidecar::start(kubilitics_on(home.path(), &pg.url()));
    assert_eq!(put_setting(&sidecar, "theme", json!("dark")).status(), StatusCode::OK);
    assert_eq!(
        pg.psql("SELECT value FROM settings WHERE key = 'theme'").trim(),
        "\"dark\"",
        "the setting is in PostgreSQL"
    );
    assert!(!home.path().join("data.db").exists(), "and no SQLite file was made");
    assert_eq!(health(&sidecar).1["dependencies"]["database"], "healthy");
    // The About and Database screens say where the data is, without the password.
    let version: Value = client(home.path())
        .get(format!("{}/api/v1/version", sidecar.url))
        .bearer_auth(sidecar.token())
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        version["database"],
        json!({"backend": "postgresql", "location": format!("kubilitics@127.0.0.1:{}/kubilitics", pg.port())})
    );

    pg.stop();
    let refused = put_setting(&sidecar, "theme", json!("light"));
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = refused.json().unwrap();
    assert_eq!(body["error"]["code"], "database_unavailable");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("kubilitics@127.0.0.1:{}/kubilitics", pg.port()))
            && message.contains("Check that the server runs"),
        "{message}"
    );
    assert!(!message.contains(pg.password()), "{message}");
    let (code, body) = health(&sidecar);
    assert_eq!(
        (code, &body["dependencies"]["database"]),
        (StatusCode::SERVICE_UNAVAILABLE, &json!("unhealthy"))
    );

    // Back, with the same sidecar: no restart.
    pg.resume();
    assert_eq!(put_setting(&sidecar, "theme", json!("light")).status(), StatusCode::OK);
    assert_eq!(
        pg.psql("SELECT value FROM settings WHERE key = 'theme'").trim(),
        "\"light\""
    );
    assert_eq!(health(&sidecar).0, StatusCode::OK);
}

#[test]
fn db_migrate_moves_the_postgresql_schema_and_a_newer_one_is_refused() {
    let pg = start();
    let home = home();
    let url = pg.url();
    let (code, out, err) = run(kubilitics_on(home.path(), &url), &["db", "migrate", "--status"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        out.lines().filter(|l| l.ends_with("pending")).count(),
        migrations::latest(),
        "{out}"
    );

    let (code, out, _) = run(kubilitics_on(home.path(), &url), &["db", "migrate"]);
    assert_eq!(code, Some(0));
    assert!(
        out.contains("migrated to the latest schema") && !out.contains("pending"),
        "{out}"
    );
    let (_, out, _) = run(kubilitics_on(home.path(), &url), &["db", "migrate", "--rollback"]);
    assert_eq!(out.lines().filter(|l| l.ends_with("pending")).count(), 1, "{out}");
    assert_eq!(
        pg.psql(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'actions' AND column_name = 'runner'"
        )
        .trim(),
        "0",
        "the last migration's column is gone"
    );
    let (code, out, _) = run(kubilitics_on(home.path(), &url), &["db", "migrate", "--version", "0"]);
    assert_eq!(code, Some(0));
    assert!(!out.contains("applied"), "{out}");
    assert_eq!(
        pg.psql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'kubilitics_schema'")
            .trim(),
        "0"
    );
    let (code, _, err) = run(kubilitics_on(home.path(), &url), &["db", "migrate", "--version", "999"]);
    assert_eq!(code, Some(EXIT_DATABASE));
    assert!(err.contains("latest"), "{err}");

    let (code, _, err) = run(kubilitics_on(home.path(), &url), &["db", "backup", "/tmp/x.db"]);
    assert_eq!(code, Some(EXIT_CONFIG));
    assert!(err.contains("pg_dump"), "{err}");

    // A database a newer release migrated: refused by the command and by serve, unchanged.
    run(kubilitics_on(home.path(), &url), &["db", "migrate"]);
    pg.psql("UPDATE kubilitics_schema SET version = 99");
    for args in [&["db", "migrate"][..], &["serve"][..]] {
        let (code, _, err) = run(kubilitics_on(home.path(), &url), args);
        assert_eq!(code, Some(EXIT_DATABASE), "{args:?}: {err}");
        assert!(
            err.contains("schema version 99") && err.contains("Upgrade Kubilitics"),
            "{err}"
        );
    }
    assert_eq!(pg.psql("SELECT version FROM kubilitics_schema").trim(), "99");
}

#[tokio::test]
async fn replicas_starting_together_migrate_once() {
    let pg = tokio::task::spawn_blocking(start).await.unwrap();
    let cfg = pg.store_config();
    let opened = futures::future::join_all((0..4).map(|_| PostgresStore::open(&cfg))).await;
    for store in &opened {
        assert!(store.is_ok(), "{:?}", store.as_ref().err());
    }
    assert_eq!(
        pg.psql("SELECT version FROM kubilitics_schema").trim(),
        migrations::latest().to_string()
    );
    // Every replica sees what another wrote.
    let stores: Vec<PostgresStore> = opened.into_iter().map(Result::unwrap).collect();
    stores[0].put_setting("shared", &json!(1)).await.unwrap();
    assert_eq!(stores[3].get_setting("shared").await.unwrap().unwrap().value, 1);
}

#[test]
fn settings_that_cannot_work_are_named_with_what_to_do() {
    let home = home();
    // Nothing listens there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let (code, _, err) = run(
        kubilitics_on(
            home.path(),
            &format!("postgresql://kubilitics:pw-never-shown@127.0.0.1:{port}/kubilitics?sslmode=disable"),
        ),
        &["serve"],
    );
    assert_eq!(code, Some(EXIT_DATABASE), "{err}");
    assert!(
        err.contains(&format!("kubilitics@127.0.0.1:{port}/kubilitics")) && err.contains("Check that the server runs"),
        "{err}"
    );
    assert!(!err.contains("pw-never-shown"), "{err}");

    let pg = start();
    let wrong = pg.url().replace(pg.password(), "wrong-password");
    let (code, _, err) = run(kubilitics_on(home.path(), &wrong), &["serve"]);
    assert_eq!(code, Some(EXIT_DATABASE), "{err}");
    assert!(err.contains("password"), "{err}");
    assert!(!err.contains("wrong-password"), "{err}");

    let (code, _, err) = run(
        kubilitics_on(home.path(), "postgresql://kubilitics@db:notaport/x"),
        &["serve"],
    );
    assert_eq!(code, Some(EXIT_CONFIG), "{err}");
    assert!(err.contains("postgresql://USER:PASSWORD@HOST:5432/DATABASE"), "{err}");
}

/// A CA, and a server certificate it signed for `localhost` only.
struct Pki {
    ca_pem: String,
    server_pem: String,
    server_key_pem: String,
}

fn pki() -> Pki {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "kubilitics test CA");
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
    let server_key = rcgen::KeyPair::generate().unwrap();
    let server = rcgen::CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&server_key, &ca)
        .unwrap();
    Pki {
        ca_pem: ca.pem(),
        server_pem: server.pem(),
        server_key_pem: server_key.serialize_pem(),
    }
}

async fn connect(cfg: &config::Postgresql) -> Result<PostgresStore, StoreError> {
    let store = PostgresStore::open(cfg).await?;
    store.ping().await?;
    Ok(store)
}

#[tokio::test]
async fn each_tls_mode_checks_the_server_as_libpq_does() {
    let certs = pki();
    let (cert, key) = (certs.server_pem.clone(), certs.server_key_pem.clone());
    let pg = tokio::task::spawn_blocking(move || Postgres::start_with_tls(&cert, &key))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, &certs.ca_pem).unwrap();
    let other_ca = dir.path().join("other-ca.pem");
    std::fs::write(&other_ca, pki().ca_pem).unwrap();

    let cfg = |host: &str, mode: &str, root: Option<&std::path::Path>| config::Postgresql {
        host: host.into(),
        ssl_mode: mode.into(),
        ssl_root_cert: root.map(|p| p.display().to_string()).unwrap_or_default(),
        ..pg.store_config()
    };
    // Encrypted without checking the certificate (libpq's require), and the server agrees.
    let store = connect(&cfg("127.0.0.1", "require", None)).await.unwrap();
    store.put_setting("tls", &json!(true)).await.unwrap();
    assert_eq!(
        pg.psql("SELECT bool_and(s.ssl) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'kubilitics'")
            .trim(),
        "t"
    );
    // The chain and the name both right.
    connect(&cfg("localhost", "verify-full", Some(&ca_file))).await.unwrap();
    // The chain right, reached by another name: verify-ca accepts, verify-full does not.
    connect(&cfg("127.0.0.1", "verify-ca", Some(&ca_file))).await.unwrap();
    let wrong_name = connect(&cfg("127.0.0.1", "verify-full", Some(&ca_file)))
        .await
        .err()
        .unwrap();
    assert!(
        wrong_name.to_string().contains("not valid for name") && wrong_name.to_string().contains("ssl_mode"),
        "{wrong_name}"
    );
    // A CA that did not sign it, or none: refused, require included once a root is given.
    for (mode, root) in [
        ("verify-full", None),
        ("verify-ca", Some(&other_ca)),
        ("require", Some(&other_ca)),
    ] {
        let err = connect(&cfg("localhost", mode, root.map(|p| p.as_path())))
            .await
            .err()
            .unwrap();
        assert!(
            matches!(err, StoreError::Unavailable { .. }) && err.to_string().contains("invalid peer certificate"),
            "{mode}: {err}"
        );
    }
    let missing = connect(&cfg("localhost", "verify-full", Some(&dir.path().join("nope.pem"))))
        .await
        .err()
        .unwrap();
    assert!(missing.to_string().contains("ssl_root_cert"), "{missing}");
    // Plain text where the server allows it; and the kept setting is there either way.
    let plain = connect(&cfg("127.0.0.1", "disable", None)).await.unwrap();
    assert_eq!(plain.get_setting("tls").await.unwrap().unwrap().value, true);
}

fn running_action(id: &str) -> ActionRecord {
    ActionRecord {
        id: id.into(),
        created_at: "2026-11-28T10:00:00.000Z".into(),
        updated_at: "2026-11-28T10:00:00.000Z".into(),
        origin: "user".into(),
        investigation_id: None,
        operation: "scale_deployment".into(),
        context: "prod".into(),
        kind: "Deployment".into(),
        namespace: Some("shop".into()),
        name: "web".into(),
        params: json!({"type": "scale", "replicas": 3}),
        risk: "medium".into(),
        state: "approved".into(),
        result: None,
    }
}

fn interrupted(a: &ActionRecord) -> NewAuditRecord {
    NewAuditRecord {
        actor: a.origin.clone(),
        operation: a.operation.clone(),
        decision: "interrupted".into(),
        action_id: Some(a.id.clone()),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_replica_starting_leaves_alone_what_a_running_replica_is_changing() {
    let pg = tokio::task::spawn_blocking(start).await.unwrap();
    let cfg = pg.store_config();
    let busy = PostgresStore::open(&cfg).await.unwrap();
    busy.insert_action(&running_action("act-busy")).await.unwrap();
    busy.set_action_state("act-busy", "running", None).await.unwrap();

    // Two replicas start while the first is mid-change: neither takes its action.
    let (a, b) = (
        PostgresStore::open(&cfg).await.unwrap(),
        PostgresStore::open(&cfg).await.unwrap(),
    );
    let error = json!({"error": "stopped"});
    assert!(a.interrupt_orphaned(&error, interrupted).await.unwrap().is_empty());
    assert_eq!(busy.get_action("act-busy").await.unwrap().unwrap().state, "running");

    // The first replica dies (its connections go, with its session lock). The two others
    // recover at the same moment: the action is interrupted and audited once.
    drop(busy);
    let mut found = 0;
    for _ in 0..50 {
        let (x, y) = tokio::join!(
            a.interrupt_orphaned(&error, interrupted),
            b.interrupt_orphaned(&error, interrupted)
        );
        found += x.unwrap().len() + y.unwrap().len();
        if found > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(found, 1);
    assert_eq!(a.get_action("act-busy").await.unwrap().unwrap().state, "interrupted");
    assert_eq!(
        pg.psql("SELECT count(*) FROM audit_log WHERE action_id = 'act-busy' AND decision = 'interrupted'"),
        "1"
    );
}
