use super::*;

fn policy(level: u8) -> SafetyPolicy {
    SafetyPolicy {
        autonomy_level: level,
        protected_namespaces: vec!["kube-system".into(), "payments".into()],
        forbidden_operations: vec!["delete_pvc".into(), "delete_secret".into(), "delete_namespace".into()],
        require_approval: crate::config::RequireApproval {
            delete_pod: true,
            modify_rbac: true,
            scale_to_zero: true,
            modify_network_policy: true,
        },
    }
}

fn target(kind: &str, ns: Option<&str>, name: &str) -> Target {
    Target {
        context: "c".into(),
        kind: kind.into(),
        namespace: ns.map(str::to_string),
        name: name.into(),
    }
}

fn user() -> Actor {
    Actor::User("local".into())
}

fn ai() -> Actor {
    Actor::Ai("inv-1".into())
}

#[test]
fn forbidden_operations_never_run_at_any_level_for_anyone() {
    for level in 1..=3 {
        let g = Gate::new(&policy(level));
        for actor in [user(), ai()] {
            let d = g.evaluate(
                "delete_persistent_volume_claim",
                &target("PersistentVolumeClaim", Some("shop"), "data"),
                &actor,
            );
            assert!(
                matches!(d, Decision::Refused(ref r) if r.contains("forbidden")),
                "{d:?}"
            );
            let d = g.evaluate("delete_namespace", &target("Namespace", None, "shop"), &actor);
            assert!(matches!(d, Decision::Refused(_)), "{d:?}");
        }
    }
}

#[test]
fn protected_namespaces_always_need_approval_even_at_level_3_and_for_people() {
    let g = Gate::new(&policy(3));
    for actor in [user(), ai()] {
        let d = g.evaluate(
            "scale_deployment",
            &target("Deployment", Some("payments"), "api"),
            &actor,
        );
        assert!(
            matches!(d, Decision::NeedsApproval(ref r) if r.contains("payments")),
            "{d:?}"
        );
    }
}

#[test]
fn unknown_operations_are_refused() {
    let g = Gate::new(&policy(3));
    let d = g.evaluate("rm_rf", &target("Pod", Some("shop"), "p"), &user());
    assert!(matches!(d, Decision::Refused(ref r) if r.contains("rm_rf")), "{d:?}");
}

#[test]
fn require_approval_flags_apply_to_people_and_the_ai() {
    let g = Gate::new(&policy(3));
    for actor in [user(), ai()] {
        assert!(matches!(
            g.evaluate("delete_pod", &target("Pod", Some("shop"), "p"), &actor),
            Decision::NeedsApproval(_)
        ));
        assert!(matches!(
            g.evaluate("scale_to_zero", &target("Deployment", Some("shop"), "d"), &actor),
            Decision::NeedsApproval(_)
        ));
    }
    let mut p = policy(3);
    p.require_approval.delete_pod = false;
    assert_eq!(
        Gate::new(&p).evaluate("delete_pod", &target("Pod", Some("shop"), "p"), &user()),
        Decision::Allowed
    );
}

#[test]
fn autonomy_levels_bound_what_the_ai_applies_on_its_own() {
    let t = target("Deployment", Some("shop"), "web");
    let l1 = Gate::new(&policy(1));
    assert!(matches!(
        l1.evaluate("scale_deployment", &t, &ai()),
        Decision::NeedsApproval(_)
    ));
    assert_eq!(l1.evaluate("scale_deployment", &t, &user()), Decision::Allowed);
    let l2 = Gate::new(&policy(2));
    assert_eq!(l2.evaluate("restart_rollout", &t, &ai()), Decision::Allowed);
    assert!(matches!(
        l2.evaluate("rollback_deployment", &t, &ai()),
        Decision::NeedsApproval(_)
    ));
    let l3 = Gate::new(&policy(3));
    assert_eq!(l3.evaluate("rollback_deployment", &t, &ai()), Decision::Allowed);
}

#[test]
fn an_out_of_range_level_means_the_most_careful_one() {
    let g = Gate::new(&policy(9));
    assert!(matches!(
        g.evaluate("restart_rollout", &target("Deployment", Some("shop"), "web"), &ai()),
        Decision::NeedsApproval(_)
    ));
}

#[test]
fn aliases_name_the_same_operations_and_every_operation_has_a_risk() {
    assert_eq!(canonical("delete_pvc"), Some("delete_persistent_volume_claim"));
    for op in OPERATIONS {
        assert!(risk(op).is_some(), "{op}");
    }
    assert_eq!(risk("delete_pod"), Some(Risk::High));
    assert_eq!(risk("cordon_node"), Some(Risk::Low));
}

#[test]
fn the_ai_acts_unasked_only_on_the_investigated_object_and_its_owners() {
    let g = Gate::new(&policy(3));
    let web = target("Deployment", Some("shop"), "web");
    let investigated = [target("Pod", Some("shop"), "web-1"), web.clone()];
    let from = |from_llm| AiProposal {
        investigation_id: "i1",
        investigated: &investigated,
        from_llm,
    };
    // In scope: the policy alone decides.
    assert_eq!(g.evaluate_ai("restart_rollout", &web, &from(true)), Decision::Allowed);
    // Something the LLM named from what it read: refused, whatever the policy would allow.
    let other = target("Deployment", Some("shop"), "payments");
    assert!(matches!(
        g.evaluate_ai("restart_rollout", &other, &from(true)),
        Decision::Refused(r) if r.contains("only read about")
    ));
    let ns = target("Namespace", None, "payments");
    assert!(matches!(
        g.evaluate_ai("delete_namespace", &ns, &from(true)),
        Decision::Refused(_)
    ));
    // An analyzer's proposal elsewhere waits for a person.
    assert!(matches!(
        g.evaluate_ai("restart_rollout", &other, &from(false)),
        Decision::NeedsApproval(_)
    ));
    // Forbidden stays forbidden, in scope or not.
    let secret = target("Secret", Some("shop"), "db");
    let with_secret = [secret.clone()];
    let p = AiProposal {
        investigation_id: "i1",
        investigated: &with_secret,
        from_llm: false,
    };
    assert!(matches!(
        g.evaluate_ai("delete_secret", &secret, &p),
        Decision::Refused(_)
    ));
}

#[test]
fn rbac_and_network_policy_changes_need_approval_unless_their_flag_is_off() {
    let binding = target("RoleBinding", Some("shop"), "api-reader");
    let netpol = target("NetworkPolicy", Some("shop"), "db-only-from-api");
    let cases = [
        ("modify_rbac_binding", &binding),
        ("modify_rbac", &binding),
        ("modify_network_policy", &netpol),
        ("disable_network_policy", &netpol),
    ];
    // Even at level 3, where the AI applies high-risk changes on its own, and for a person.
    let g = Gate::new(&policy(3));
    for (op, t) in cases {
        for actor in [user(), ai()] {
            let d = g.evaluate(op, t, &actor);
            assert!(
                matches!(d, Decision::NeedsApproval(ref r) if r.contains("require_approval")),
                "{op} by {actor:?}: {d:?}"
            );
        }
    }
    // Each flag governs its own operations only.
    let mut rbac_off = policy(3);
    rbac_off.require_approval.modify_rbac = false;
    let mut netpol_off = policy(3);
    netpol_off.require_approval.modify_network_policy = false;
    for (p, off, still) in [
        (&rbac_off, &cases[..2], &cases[2..]),
        (&netpol_off, &cases[2..], &cases[..2]),
    ] {
        let g = Gate::new(p);
        for actor in [user(), ai()] {
            for (op, t) in off {
                assert_eq!(g.evaluate(op, t, &actor), Decision::Allowed, "{op} by {actor:?}");
            }
            for (op, t) in still {
                assert!(
                    matches!(g.evaluate(op, t, &actor), Decision::NeedsApproval(_)),
                    "{op} by {actor:?}"
                );
            }
        }
    }
}

fn apply(yaml: &str) -> crate::cluster::ops::Action {
    crate::cluster::ops::Action::Apply { yaml: yaml.into() }
}

/// The gate judges what a change writes, not only the target its request declares.
#[test]
fn an_apply_or_edit_is_judged_by_the_objects_it_writes() {
    use super::actions::judge;
    let g = Gate::new(&policy(2));
    let by_user = |a: &crate::cluster::ops::Action, t: &Target| judge(a, t, |op, t| g.evaluate(op, t, &user()));
    let shop = target("ConfigMap", Some("shop"), "settings");

    // Declared for shop, written into a protected namespace: refused, nothing judged as shop.
    let sneaky =
        apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: coredns, namespace: kube-system}\ndata: {a: b}\n");
    match by_user(&sneaky, &shop) {
        Decision::Refused(r) => assert!(
            r.contains("kube-system/coredns") && r.contains("outside namespace shop"),
            "{r}"
        ),
        other => panic!("an apply into kube-system declared as shop must be refused: {other:?}"),
    }
    // Documents that name no namespace go to the declared one.
    let plain = apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: b}\n");
    assert_eq!(by_user(&plain, &shop), Decision::Allowed);
    // A RoleBinding in applied YAML is a change of who may do what.
    let rbac = apply(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: admins}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin}\n",
    );
    assert!(
        matches!(by_user(&rbac, &shop), Decision::NeedsApproval(_)),
        "{:?}",
        by_user(&rbac, &shop)
    );
    // Submitted for the whole cluster, each document is judged where it goes.
    let anywhere = target("ConfigMap", None, "coredns");
    assert!(matches!(by_user(&sneaky, &anywhere), Decision::NeedsApproval(r) if r.contains("kube-system")));
    assert!(matches!(by_user(&apply("kind: [unclosed"), &shop), Decision::Refused(r) if r.contains("cannot be read")));

    // An edit must edit the object it names.
    let edit = |ns: &str, name: &str| crate::cluster::ops::Action::Edit {
        object: serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns}}),
    };
    assert_eq!(by_user(&edit("shop", "settings"), &shop), Decision::Allowed);
    assert!(matches!(
        by_user(&edit("kube-system", "settings"), &shop),
        Decision::Refused(_)
    ));
    assert!(
        matches!(by_user(&edit("shop", "other"), &shop), Decision::Refused(r) if r.contains("ConfigMap shop/other"))
    );
}

#[test]
fn a_level_chosen_while_running_applies_to_the_next_decision() {
    let gate = Gate::new(&policy(1));
    let t = target("Deployment", Some("shop"), "web");
    assert!(matches!(
        gate.evaluate("rollback_deployment", &t, &ai()),
        Decision::NeedsApproval(_)
    ));
    gate.set_autonomy_level(3);
    assert_eq!(gate.autonomy_level(), 3);
    assert_eq!(gate.evaluate("rollback_deployment", &t, &ai()), Decision::Allowed);
    gate.set_autonomy_level(9);
    assert_eq!(gate.autonomy_level(), 1, "out of range means the most careful level");
}
