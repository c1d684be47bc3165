use super::*;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

const A: &str = "apiVersion: v1
kind: Config
current-context: a
clusters:
- name: shared
  cluster: {server: https://a.example:6443}
users:
- name: shared
  user: {token: from-a}
contexts:
- name: a
  context: {cluster: shared, user: shared, namespace: team-a}
";

const B: &str = "apiVersion: v1
kind: Config
current-context: b
clusters:
- name: shared
  cluster: {server: https://b.example:6443}
users:
- name: shared
  user: {token: from-b}
contexts:
- name: a
  context: {cluster: shared, user: shared, namespace: from-b}
- name: b
  context: {cluster: shared, user: shared}
";

#[test]
fn kubeconfig_env_merges_with_first_file_winning() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a", A);
    let b = write(dir.path(), "b", B);
    let sources = Sources {
        env: Some(std::env::join_paths([&a, &dir.path().join("missing"), &b]).unwrap()),
        user_home: Some(dir.path().to_path_buf()),
        ..Sources::default()
    };
    let m = load(&sources);
    assert_eq!(m.current.as_deref(), Some("a"), "first file's current-context wins");
    let names: Vec<_> = m.contexts.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["a", "b"]);
    assert_eq!(m.context("a").unwrap().namespace.as_deref(), Some("team-a"));
    assert_eq!(m.context("a").unwrap().source, a);
    assert_eq!(m.context("b").unwrap().source, b);
    // b's context resolves the cluster name to the first file's definition, as kubectl does.
    let server = m.cluster("shared").unwrap().cluster.as_ref().unwrap().server.clone();
    assert_eq!(server.as_deref(), Some("https://a.example:6443"));
    assert!(m.problems.is_empty());
}

#[test]
fn the_configured_path_replaces_kubeconfig_and_the_default() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a", A);
    let b = write(dir.path(), "b", B);
    let sources = Sources {
        configured: Some(b.clone()),
        env: Some(a.clone().into_os_string()),
        ..Sources::default()
    };
    assert_eq!(sources.files(), vec![(b, Origin::Configured)]);
}

#[test]
fn no_kubeconfig_at_all_is_an_empty_normal_state() {
    let dir = tempfile::tempdir().unwrap();
    let sources = Sources {
        user_home: Some(dir.path().to_path_buf()),
        imported_dir: Some(dir.path().join("kubeconfigs")),
        ..Sources::default()
    };
    let m = load(&sources);
    assert!(m.contexts.is_empty() && m.current.is_none() && m.problems.is_empty());
}

#[test]
fn an_unreadable_file_is_reported_and_the_others_still_load() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "bad", "clusters: [");
    let a = write(dir.path(), "a", A);
    let sources = Sources {
        env: Some(std::env::join_paths([&bad, &a]).unwrap()),
        ..Sources::default()
    };
    let m = load(&sources);
    assert_eq!(m.contexts.len(), 1);
    assert_eq!(m.problems.len(), 1);
    assert_eq!(m.problems[0].0, bad);
}

#[test]
fn imported_files_add_contexts_but_not_the_current_one() {
    let dir = tempfile::tempdir().unwrap();
    let imported = dir.path().join("kubeconfigs");
    std::fs::create_dir(&imported).unwrap();
    write(&imported, "b.yaml", B);
    let a = write(dir.path(), "a", A);
    let m = load(&Sources {
        configured: Some(a),
        imported_dir: Some(imported),
        ..Sources::default()
    });
    assert_eq!(m.current.as_deref(), Some("a"));
    assert_eq!(m.context("b").unwrap().origin, Origin::Imported);
}

#[test]
fn import_errors_name_the_line_and_the_field() {
    let bad_type = "apiVersion: v1\nclusters:\n- name: c\n  cluster:\n    server: https://x\nusers:\n- name: u\n  user:\n    exec:\n      command: [not, a, string]\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\n";
    let p = parse_for_import(bad_type).unwrap_err();
    assert_eq!(p.line, Some(10), "{p}");
    assert_eq!(p.field.as_deref(), Some("users[0].user.exec.command"), "{p}");
    assert!(p.message.contains("expected a string"), "{p}");

    let syntax = "apiVersion: v1\nclusters:\n  - name: c\n   bad indent: [\n";
    let p = parse_for_import(syntax).unwrap_err();
    assert!(p.line.is_some(), "{p}");

    let missing_cluster = "apiVersion: v1\nclusters:\n- name: c\n  cluster: {server: https://x}\ncontexts:\n- name: x\n  context:\n    cluster: nope\n";
    let p = parse_for_import(missing_cluster).unwrap_err();
    assert_eq!(p.line, Some(8), "{p}");
    assert_eq!(p.field.as_deref(), Some("contexts[0].context.cluster"));
    assert!(p.message.contains("nope"));

    let no_server = "clusters:\n- name: c\n  cluster: {}\ncontexts:\n- name: x\n  context: {cluster: c}\n";
    let p = parse_for_import(no_server).unwrap_err();
    assert_eq!(p.field.as_deref(), Some("clusters[0].cluster.server"));
    assert_eq!(p.line, Some(2));
}

#[test]
fn a_valid_import_parses_and_is_stored_private() {
    let dir = tempfile::tempdir().unwrap();
    let kc = parse_for_import(B).unwrap();
    let path = store_import(&dir.path().join("kubeconfigs"), B, &kc, &Merged::default()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // The same names again clash with what is now loaded.
    let m = load(&Sources {
        imported_dir: Some(dir.path().join("kubeconfigs")),
        ..Sources::default()
    });
    let err = store_import(&dir.path().join("kubeconfigs"), B, &kc, &m).unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
}

#[test]
fn without_a_configured_path_or_kubeconfig_the_home_kube_config_is_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".kube")).unwrap();
    let default = write(&dir.path().join(".kube"), "config", A);
    // `KUBECONFIG` set but empty counts as unset, as in kubectl.
    for env in [None, Some(std::ffi::OsString::new())] {
        let sources = Sources {
            env,
            user_home: Some(dir.path().to_path_buf()),
            imported_dir: Some(dir.path().join("kubeconfigs")),
            ..Sources::default()
        };
        assert_eq!(sources.files(), vec![(default.clone(), Origin::Default)]);
        let m = load(&sources);
        assert!(m.problems.is_empty(), "{:?}", m.problems);
        assert_eq!(m.current.as_deref(), Some("a"));
        let a = m.context("a").expect("context a from ~/.kube/config");
        assert_eq!((a.origin, &a.source), (Origin::Default, &default));
        assert_eq!(a.namespace.as_deref(), Some("team-a"));
    }
    // A non-empty KUBECONFIG replaces the default file.
    let b = write(dir.path(), "b", B);
    let sources = Sources {
        env: Some(b.clone().into_os_string()),
        user_home: Some(dir.path().to_path_buf()),
        ..Sources::default()
    };
    assert_eq!(sources.files(), vec![(b, Origin::Env)]);
}
