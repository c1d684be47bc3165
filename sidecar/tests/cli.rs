//! The command line as an operator meets it: version, `config show`, and start-up refusal of
//! every class of bad configuration with exit code 2 and the key named.

mod common;

use common::{command, home};

fn run(home: &std::path::Path, env: &[(&str, &str)], args: &[&str]) -> std::process::Output {
    let mut cmd = command(home);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.args(args).output().expect("kubilitics runs")
}

#[test]
fn version_is_printed() {
    let out = run(home().path(), &[], &["--version"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("kubilitics {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn every_bad_value_class_stops_start_up_with_exit_2_naming_the_key() {
    let home = home();
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("KUBILITICS_PORT", "http")], "server.port"), // wrong type
        (
            &[("KUBILITICS_DATABASE_POOL_SIZE", "0")],
            "database.postgresql.pool.size",
        ), // out of range
        (&[("KUBILITICS_DATABASE_TYPE", "mongodb")], "database.type"), // unknown enum
        (&[("AI_SAFETY_AUTONOMY_LEVEL", "4")], "ai.safety_policy.autonomy_level"),
    ];
    for (env, key) in cases {
        let out = run(home.path(), env, &["serve"]);
        assert_eq!(out.status.code(), Some(2), "{env:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
        assert!(
            stderr.contains(key) && stderr.contains(env[0].0) && stderr.contains(env[0].1),
            "{stderr}"
        );
        assert!(stderr.contains("expected"), "says what is allowed: {stderr}");
    }
}

#[test]
fn an_unreadable_config_file_stops_start_up_with_exit_2() {
    let home = home();
    std::fs::create_dir(home.path().join("config.yaml")).unwrap();
    let out = run(home.path(), &[], &["serve"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("config.yaml"));
}

#[test]
fn config_show_names_each_source_and_masks_secrets() {
    let home = home();
    std::fs::write(
        home.path().join("config.yaml"),
        "server:\n  request_timeout: 99\nsevrer:\n  host: x\n",
    )
    .unwrap();
    std::fs::write(
        home.path().join("ai-config.yaml"),
        "llm:\n  api_key: \"${MY_KEY}\"\n  model: gpt-x\n",
    )
    .unwrap();
    let out = run(
        home.path(),
        &[
            ("KUBILITICS_LOG_LEVEL", "debug"),
            ("MY_KEY", "sk-should-never-print-1234"),
        ],
        &["config", "show"],
    );
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let line = |key: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{key} ")))
            .unwrap_or_default()
            .to_string()
    };
    assert!(line("server.request_timeout").contains("99") && line("server.request_timeout").contains("config.yaml"));
    assert!(line("logging.level").contains("\"debug\"") && line("logging.level").contains("env KUBILITICS_LOG_LEVEL"));
    assert!(line("server.host").contains("127.0.0.1") && line("server.host").contains("# default"));
    assert!(line("ai.llm.model").contains("gpt-x") && line("ai.llm.model").contains("ai-config.yaml"));
    assert!(line("ai.llm.api_key").contains("********"));
    assert!(!text.contains("sk-should-never-print-1234"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("sevrer.host") && stderr.contains("server.host"),
        "unknown key warned: {stderr}"
    );
}

#[test]
fn the_home_is_created_private() {
    let parent = home();
    let home = parent.path().join("nested").join("kubilitics-home");
    let mut cmd = command(&home);
    let mut child = cmd.arg("serve").stdout(std::process::Stdio::null()).spawn().unwrap();
    for _ in 0..100 {
        if home.join("session.token").exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&home).unwrap().permissions().mode() & 0o777, 0o700);
    assert_eq!(
        std::fs::metadata(home.join("session.token"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
}
