use super::*;

fn refused(line: &str) -> Refusal {
    match parse(line) {
        Err(r) => r,
        Ok(c) => panic!("`{line}` parsed as {c:?}; it must be refused"),
    }
}

#[test]
fn every_composite_form_is_refused_quoted_or_not() {
    for line in [
        "kubectl get pods; kubectl delete ns prod",
        "kubectl get pods && kubectl delete ns prod",
        "kubectl get pods || kubectl delete ns prod",
        "kubectl get pods | sh",
        "kubectl get pods & kubectl delete ns prod",
        "kubectl get pods -n $(whoami)",
        "kubectl get pods -n `whoami`",
        "kubectl get pods > /etc/passwd",
        "kubectl get pods >> out.txt",
        "kubectl get pods < input",
        "kubectl get pods 2>&1",
        "kubectl get pods\nkubectl delete ns prod",
        "kubectl get pods -l 'app=web;rm -rf /'",
        "kubectl get pods -n \"$(id)\"",
    ] {
        let r = refused(line);
        assert!(matches!(r, Refusal::Composite(_)), "`{line}`: {r:?}");
        let msg = r.to_string();
        assert!(msg.contains("never through a shell"), "{msg}");
    }
    // The message names what was found.
    assert!(refused("get pods | grep web").to_string().contains("a pipe"));
    assert!(refused("get pods; ls").to_string().contains("a second command"));
    assert!(refused("get pods > x").to_string().contains("redirection"));
    assert!(refused("get pods $(x)").to_string().contains("substitution"));
}

#[test]
fn every_redirecting_flag_is_refused_in_each_form() {
    for flag in REDIRECTING_FLAGS {
        for line in [
            format!("kubectl get pods {flag} https://evil.example:6443"),
            format!("kubectl get pods {flag}=https://evil.example:6443"),
            format!("kubectl {flag} x get pods"),
            format!("kubectl delete pod web-1 {flag} x"),
        ] {
            let r = refused(&line);
            assert_eq!(r, Refusal::RedirectingFlag(flag.to_string()), "`{line}`");
            assert!(r.to_string().contains("another server"), "{r}");
        }
    }
    // The ones the runbook names, spelled out, and the short -s glued to its value.
    for (line, flag) in [
        ("get pods --server=https://x", "--server"),
        ("get pods -s https://x", "-s"),
        ("get pods -shttps://x", "-s"),
        ("get pods --token=abc", "--token"),
        ("get pods --kubeconfig /tmp/other", "--kubeconfig"),
        ("get secrets --as=system:admin", "--as"),
        ("get secrets --as-group=system:masters", "--as-group"),
        ("get pods --certificate-authority=/tmp/ca", "--certificate-authority"),
        ("get pods --insecure-skip-tls-verify", "--insecure-skip-tls-verify"),
        ("get pods --insecure-skip-tls-verify=true", "--insecure-skip-tls-verify"),
    ] {
        assert_eq!(refused(line), Refusal::RedirectingFlag(flag.into()), "`{line}`");
    }
}

#[test]
fn processes_tunnels_and_unknown_verbs_or_flags_never_parse() {
    for verb in [
        "exec",
        "attach",
        "cp",
        "port-forward",
        "proxy",
        "debug",
        "run",
        "config",
        "auth",
    ] {
        let r = refused(&format!("kubectl {verb} web-1 -- sh"));
        assert!(matches!(r, Refusal::NeverRun(_)), "{verb}: {r:?}");
    }
    assert!(matches!(
        refused("kubectl apply -f x.yaml"),
        Refusal::UnknownFlag(_) | Refusal::Unsupported(_)
    ));
    assert!(matches!(refused("kubectl apply"), Refusal::Unsupported(_)));
    assert!(matches!(refused("kubectl edit deploy/web"), Refusal::Unsupported(_)));
    assert!(matches!(refused("kubectl get pods --watch"), Refusal::UnknownFlag(_)));
    assert!(matches!(
        refused("kubectl get pods -o jsonpath={.items}"),
        Refusal::Usage(_)
    ));
    assert!(matches!(refused("kubectl get pods,svc"), Refusal::Usage(_)));
    assert!(matches!(refused("kubectl delete pods --all"), Refusal::UnknownFlag(_)));
    assert!(matches!(
        refused("kubectl delete pod -l app=web"),
        Refusal::UnknownFlag(_)
    ));
    assert!(matches!(
        refused("kubectl logs web-1 -- cat /etc/shadow"),
        Refusal::Usage(_)
    ));
    assert_eq!(refused("get pods -n 'shop"), Refusal::Quotes);
    assert_eq!(refused("kubectl"), Refusal::Empty);
    assert_eq!(refused("   "), Refusal::Empty);
    assert!(matches!(refused("kubectl scale deploy/web"), Refusal::Usage(_)));
    assert!(matches!(
        refused("kubectl scale deploy/web --replicas=-1"),
        Refusal::Usage(_)
    ));
    assert!(matches!(
        refused("kubectl scale deploy/web --replicas=many"),
        Refusal::Usage(_)
    ));
    assert!(matches!(
        refused("kubectl scale svc/web --replicas=2"),
        Refusal::Usage(_)
    ));
    assert!(matches!(refused("kubectl delete widgets/w1"), Refusal::Usage(_)));
}

#[test]
fn reads_parse_with_their_namespace_and_flags() {
    assert_eq!(
        parse("kubectl get pods -n shop").unwrap(),
        Command::Read(Read::Get {
            kind: "pods".into(),
            name: None,
            namespace: Namespace::Named("shop".into()),
            selector: None,
            output: None,
        })
    );
    assert_eq!(
        parse("get deploy/checkout --namespace=shop -o yaml").unwrap(),
        Command::Read(Read::Get {
            kind: "deploy".into(),
            name: Some("checkout".into()),
            namespace: Namespace::Named("shop".into()),
            selector: None,
            output: Some("yaml".into()),
        })
    );
    assert_eq!(
        parse("get pods -A -l 'app in (web,api)'").unwrap(),
        Command::Read(Read::Get {
            kind: "pods".into(),
            name: None,
            namespace: Namespace::All,
            selector: Some("app in (web,api)".into()),
            output: None,
        })
    );
    assert_eq!(
        parse("kubectl logs web-1 -c app -p --tail=20 -nshop").unwrap(),
        Command::Read(Read::Logs {
            pod: "web-1".into(),
            container: Some("app".into()),
            namespace: Namespace::Named("shop".into()),
            previous: true,
            tail: 20,
        })
    );
    assert_eq!(
        parse("kubectl describe secret catalog-db -n shop").unwrap(),
        Command::Read(Read::Describe {
            kind: "secret".into(),
            name: "catalog-db".into(),
            namespace: Namespace::Named("shop".into()),
        })
    );
    assert_eq!(
        parse("kubectl events -A").unwrap(),
        Command::Read(Read::Events {
            namespace: Namespace::All
        })
    );
    assert!(matches!(refused("get pods -n shop -A"), Refusal::Usage(_)));
}

#[test]
fn changes_become_typed_actions() {
    let change = |line: &str| match parse(line).unwrap() {
        Command::Change {
            action,
            kind,
            namespace,
            name,
        } => (action, kind, namespace, name),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        change("kubectl delete pod web-1 -n shop"),
        (
            ops::Action::DeletePod,
            "Pod".into(),
            Namespace::Named("shop".into()),
            "web-1".into()
        )
    );
    assert_eq!(
        change("kubectl delete ns payments"),
        (
            ops::Action::Delete,
            "Namespace".into(),
            Namespace::All,
            "payments".into()
        )
    );
    assert_eq!(
        change("kubectl scale deployment checkout --replicas 0 -n shop").0,
        ops::Action::Scale { replicas: 0 }
    );
    assert_eq!(
        change("kubectl rollout restart deploy/checkout").0,
        ops::Action::RolloutRestart
    );
    assert_eq!(
        change("kubectl rollout undo deploy/checkout --to-revision=3").0,
        ops::Action::Rollback { revision: Some(3) }
    );
    assert_eq!(change("kubectl cordon node/n1").1, "Node");
    assert_eq!(change("kubectl drain n1").0, ops::Action::Drain);
    let (action, kind, ..) = change("kubectl set image deploy/checkout app=shop/checkout:1.4");
    assert_eq!(kind, "Deployment");
    let ops::Action::Patch { patch } = action else {
        panic!("a patch")
    };
    assert_eq!(
        patch["spec"]["template"]["spec"]["containers"][0]["image"],
        "shop/checkout:1.4"
    );
    assert_eq!(parse("kubectl delete pod web-1").unwrap().verb(), "delete");
}

#[test]
fn only_messages_starting_with_kubectl_are_commands() {
    assert!(is_command("kubectl get pods"));
    assert!(is_command("  kubectl get pods"));
    assert!(!is_command("why is checkout failing?"));
    assert!(!is_command("kubectlget pods"));
}

#[test]
fn redirecting_flag_values_never_survive_into_what_is_stored() {
    let cases = [
        ("kubectl get pods --token abc123", "kubectl get pods --token ***"),
        (
            "kubectl get pods --token=abc123 -n shop",
            "kubectl get pods --token=*** -n shop",
        ),
        ("kubectl get pods -s https://evil:6443", "kubectl get pods -s ***"),
        ("kubectl get pods -shttps://evil:6443", "kubectl get pods -s***"),
        (
            "kubectl get pods --insecure-skip-tls-verify -n shop",
            "kubectl get pods --insecure-skip-tls-verify -n shop",
        ),
        (
            "kubectl get pods --password hunter2 --as admin",
            "kubectl get pods --password *** --as ***",
        ),
    ];
    for (line, stored) in cases {
        assert_eq!(redact(line), stored, "{line}");
    }
}

#[test]
fn rollout_status_and_history_explain_and_top_are_reads() {
    assert_eq!(
        parse("kubectl rollout status deploy/checkout -n shop").unwrap(),
        Command::Read(Read::Rollout {
            history: false,
            kind: "Deployment",
            name: "checkout".into(),
            namespace: Namespace::Named("shop".into()),
        })
    );
    assert_eq!(
        parse("rollout status statefulset redis").unwrap().verb(),
        "rollout status"
    );
    assert_eq!(
        parse("kubectl rollout history deployment checkout").unwrap(),
        Command::Read(Read::Rollout {
            history: true,
            kind: "Deployment",
            name: "checkout".into(),
            namespace: Namespace::Default,
        })
    );
    assert_eq!(
        parse("kubectl explain deploy").unwrap(),
        Command::Read(Read::Explain { kind: "deploy".into() })
    );
    assert_eq!(
        parse("kubectl explain ingresses.networking.k8s.io").unwrap().verb(),
        "explain"
    );
    assert_eq!(
        parse("kubectl top pods -A").unwrap(),
        Command::Read(Read::Top {
            nodes: false,
            name: None,
            namespace: Namespace::All,
        })
    );
    assert_eq!(
        parse("kubectl top node worker-1").unwrap(),
        Command::Read(Read::Top {
            nodes: true,
            name: Some("worker-1".into()),
            namespace: Namespace::Default,
        })
    );
    for line in [
        "kubectl rollout history statefulset/redis",
        "kubectl rollout status configmap/settings",
        "kubectl rollout status deploy/a deploy/b",
        "kubectl explain pod.spec.containers",
        "kubectl explain",
        "kubectl top deployments",
        "kubectl top nodes -n shop",
    ] {
        assert!(matches!(refused(line), Refusal::Usage(_)), "{line}");
    }
    assert!(matches!(
        refused("kubectl rollout status deploy/checkout --watch"),
        Refusal::UnknownFlag(_)
    ));
    assert!(matches!(
        refused("kubectl rollout pause deploy/checkout"),
        Refusal::Unsupported(_)
    ));
    assert!(matches!(
        refused("kubectl explain pods --recursive"),
        Refusal::UnknownFlag(_)
    ));
}
