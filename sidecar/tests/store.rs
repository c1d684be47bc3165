//! The store as an operator meets it: migrations from the command line, backups while serving,
//! refusal of damaged databases, and durability across a hard kill.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::{Sidecar, client, command, home};
use serde_json::{Value, json};

fn kubilitics(home: &Path, args: &[&str]) -> std::process::Output {
    command(home).args(args).output().expect("kubilitics runs")
}

fn put(http: &reqwest::blocking::Client, sidecar: &Sidecar, key: &str, value: Value) -> reqwest::StatusCode {
    http.put(format!("{}/api/v1/settings/{key}", sidecar.url))
        .bearer_auth(sidecar.token())
        .json(&json!({ "value": value }))
        .send()
        .map(|r| r.status())
        .unwrap_or(reqwest::StatusCode::SERVICE_UNAVAILABLE)
}

fn get(http: &reqwest::blocking::Client, sidecar: &Sidecar, key: &str) -> Option<Value> {
    let r = http
        .get(format!("{}/api/v1/settings/{key}", sidecar.url))
        .bearer_auth(sidecar.token())
        .send()
        .unwrap();
    r.status()
        .is_success()
        .then(|| r.json::<Value>().unwrap()["value"].clone())
}

#[test]
fn migrations_go_down_to_zero_and_up_again_from_the_command_line() {
    let home = home();
    let status = kubilitics(home.path(), &["db", "migrate", "--status"]);
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(text.lines().filter(|l| l.contains("pending")).count() >= 3, "{text}");

    let up = kubilitics(home.path(), &["db", "migrate"]);
    assert!(up.status.success(), "{}", String::from_utf8_lossy(&up.stderr));
    assert!(!String::from_utf8_lossy(&up.stdout).contains("pending"));

    let rollback = kubilitics(home.path(), &["db", "migrate", "--rollback"]);
    let text = String::from_utf8_lossy(&rollback.stdout);
    assert_eq!(text.lines().filter(|l| l.contains("pending")).count(), 1, "{text}");

    let down = kubilitics(home.path(), &["db", "migrate", "--version", "0"]);
    assert!(down.status.success());
    let text = String::from_utf8_lossy(&down.stdout);
    assert!(!text.contains("applied"), "{text}");

    let too_far = kubilitics(home.path(), &["db", "migrate", "--version", "999"]);
    assert_eq!(too_far.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&too_far.stderr).contains("latest"));

    let up = kubilitics(home.path(), &["db", "migrate"]);
    assert!(up.status.success());
    assert!(!String::from_utf8_lossy(&up.stdout).contains("pending"));
}

#[test]
fn data_survives_a_restart_and_serve_migrates_automatically() {
    let home = home();
    kubilitics(home.path(), &["db", "migrate", "--version", "1"]);
    let sidecar = Sidecar::start(command(home.path()));
    let http = client(home.path());
    assert!(put(&http, &sidecar, "ui.theme", json!({"mode": "dark"})).is_success());
    sidecar.terminate();

    let status = kubilitics(home.path(), &["db", "migrate", "--status"]);
    assert!(
        !String::from_utf8_lossy(&status.stdout).contains("pending"),
        "serve applied every migration"
    );

    let sidecar = Sidecar::start(command(home.path()));
    assert_eq!(get(&http, &sidecar, "ui.theme"), Some(json!({"mode": "dark"})));
}

#[test]
fn backup_while_a_writer_runs_passes_integrity_check() {
    let home = home();
    let sidecar = Arc::new(Sidecar::start(command(home.path())));
    let http = client(home.path());
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (sidecar, http, stop) = (sidecar.clone(), http.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                put(
                    &http,
                    &sidecar,
                    &format!("burst.{}", n % 500),
                    json!({ "n": n, "pad": "x".repeat(500) }),
                );
                n += 1;
            }
            n
        })
    };
    std::thread::sleep(Duration::from_millis(500));
    let dest = home.path().join("backup.db");
    let backup = kubilitics(home.path(), &["db", "backup", dest.to_str().unwrap()]);
    stop.store(true, Ordering::Relaxed);
    let writes = writer.join().unwrap();
    assert!(backup.status.success(), "{}", String::from_utf8_lossy(&backup.stderr));
    assert!(writes > 10, "the writer was running ({writes} writes)");

    let conn = rusqlite::Connection::open(&dest).unwrap();
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    let rows: i64 = conn
        .query_row("SELECT COUNT(*) FROM settings", [], |r| r.get(0))
        .unwrap();
    assert!(rows > 0, "the backup holds the data written before it");
}

#[test]
fn a_corrupt_database_stops_start_up_after_saving_a_copy() {
    let home = home();
    let db = home.path().join("data.db");
    let garbage = b"not a database, but precious to someone".repeat(200);
    std::fs::write(&db, &garbage).unwrap();
    let output = command(home.path()).arg("serve").output().unwrap();
    assert_eq!(output.status.code(), Some(4));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("damaged") && stderr.contains(".bak"), "{stderr}");
    assert_eq!(std::fs::read(&db).unwrap(), garbage, "nothing overwritten");
    let copies: Vec<_> = std::fs::read_dir(home.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".bak"))
        .collect();
    assert_eq!(copies.len(), 1);
    assert_eq!(std::fs::read(copies[0].path()).unwrap(), garbage);
}

#[test]
fn a_database_from_a_newer_release_is_refused() {
    let home = home();
    assert!(kubilitics(home.path(), &["db", "migrate"]).status.success());
    rusqlite::Connection::open(home.path().join("data.db"))
        .unwrap()
        .pragma_update(None, "user_version", 42)
        .unwrap();
    let output = command(home.path()).arg("serve").output().unwrap();
    assert_eq!(output.status.code(), Some(4));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("newer") && stderr.contains("42"), "{stderr}");
}

#[test]
fn kill_9_during_a_burst_of_writes_loses_no_acknowledged_write() {
    let home = home();
    let sidecar = Arc::new(Sidecar::start(command(home.path())));
    let http = client(home.path());
    let acknowledged = Arc::new(std::sync::Mutex::new(Vec::new()));
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (sidecar, http, acknowledged) = (sidecar.clone(), http.clone(), acknowledged.clone());
            std::thread::spawn(move || {
                for i in 0..100_000 {
                    let key = format!("durable.{w}.{i}");
                    if put(&http, &sidecar, &key, json!(i)).is_success() {
                        acknowledged.lock().unwrap().push((key, i));
                    } else {
                        break;
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    common::kill_pid(sidecar.child.id());
    for w in writers {
        w.join().unwrap();
    }
    drop(sidecar);
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() > 20,
        "the burst was running ({} writes)",
        acknowledged.len()
    );

    let db = rusqlite::Connection::open(home.path().join("data.db")).unwrap();
    let check: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    drop(db);
    let sidecar = Sidecar::start(command(home.path()));
    let settings: Value = http
        .get(format!("{}/api/v1/settings", sidecar.url))
        .bearer_auth(sidecar.token())
        .send()
        .unwrap()
        .json()
        .unwrap();
    let stored: std::collections::HashMap<String, Value> = settings["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["key"].as_str().unwrap().to_string(), s["value"].clone()))
        .collect();
    for (key, value) in &acknowledged {
        assert_eq!(stored.get(key), Some(&json!(value)), "acknowledged write {key} lost");
    }
}

/// The audit log's records of action `id`.
fn audited(http: &reqwest::blocking::Client, sidecar: &Sidecar, id: &str) -> Vec<Value> {
    let log: Value = http
        .get(format!("{}/api/v1/audit?limit=100", sidecar.url))
        .bearer_auth(sidecar.token())
        .send()
        .unwrap()
        .json()
        .unwrap();
    log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action_id"] == id)
        .cloned()
        .collect()
}

#[test]
fn an_action_cut_off_by_a_kill_is_audited_as_interrupted_at_the_next_start() {
    let home = home();
    assert!(kubilitics(home.path(), &["db", "migrate"]).status.success());
    // What a kill leaves when it lands while a change is being made: the action marked
    // `running` (stored before the change is sent), its outcome and audit record never written.
    let db = rusqlite::Connection::open(home.path().join("data.db")).unwrap();
    db.execute(
        "INSERT INTO actions (id, created_at, updated_at, origin, investigation_id, operation, context, kind, namespace, name, params, risk, state, result)
         VALUES ('act-cut', '2026-11-28T04:00:00.000Z', '2026-11-28T04:00:00.100Z', 'ai', 'inv-7', 'scale_deployment', 'prod', 'Deployment', 'shop', 'search', '{\"type\":\"scale\",\"replicas\":3}', 'medium', 'running', NULL)",
        [],
    )
    .unwrap();
    drop(db);

    let sidecar = Sidecar::start(command(home.path()));
    let http = client(home.path());
    let records = audited(&http, &sidecar, "act-cut");
    assert_eq!(records.len(), 1, "{records:#?}");
    let r = &records[0];
    assert_eq!(
        (
            &r["decision"],
            &r["actor"],
            &r["operation"],
            &r["context"],
            &r["namespace"],
            &r["name"]
        ),
        (
            &json!("interrupted"),
            &json!("ai:inv-7"),
            &json!("scale_deployment"),
            &json!("prod"),
            &json!("shop"),
            &json!("search")
        ),
        "{r:#}"
    );
    assert!(r["result"].as_str().unwrap().contains("check the object"), "{r:#}");
    sidecar.terminate();

    // Audited once: the action is no longer running.
    let sidecar = Sidecar::start(command(home.path()));
    assert_eq!(audited(&http, &sidecar, "act-cut").len(), 1);
}
