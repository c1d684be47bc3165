//! What a failing call in a log means, decided against the cluster: a name with no Service
//! behind it or a Service without ready endpoints is a dependency problem; a Service with
//! endpoints that refuses on a port its pods do not declare is a port mismatch; a call that times
//! out where a NetworkPolicy selects the destination without admitting the caller is the policy;
//! resolution failures against an existing Service are DNS.

use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::api::networking::v1::{NetworkPolicy, NetworkPolicyPeer};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::super::actions::Action;
use super::super::finding::{Evidence, Finding, ObjectRef, Severity};
use super::super::snapshot::{Snapshot, matches_selector, name, namespace, object_ref};
use super::super::taxonomy::Code;
use super::logs::{LogCause, service_of};
use super::network;

/// The Service a host (name or cluster IP) refers to, seen from a pod in `ns`:
/// `(namespace, name, the Service if it exists)`.
fn resolve<'a>(s: &'a Snapshot, ns: &str, host: &str) -> Option<(String, String, Option<&'a Service>)> {
    if host.parse::<std::net::IpAddr>().is_ok() {
        let svc = s
            .services
            .iter()
            .find(|svc| svc.spec.as_ref().and_then(|sp| sp.cluster_ip.as_deref()) == Some(host))?;
        return Some((namespace(&svc.metadata).into(), name(&svc.metadata).into(), Some(svc)));
    }
    let (sns, sname) = service_of(host, ns)?;
    let svc = s.service(&sns, &sname);
    Some((sns, sname, svc))
}

/// A Service of the pod's namespace that the line names as a host (`http://payments-api/`,
/// `payments-api:80`, `"payments-api"`): names are what programs log reliably, addresses vary.
fn mentioned_service<'a>(s: &'a Snapshot, ns: &str, line: &str) -> Option<(String, String, Option<&'a Service>)> {
    s.services
        .iter()
        .filter(|svc| namespace(&svc.metadata) == ns)
        .find(|svc| {
            let n = name(&svc.metadata);
            [
                format!("//{n}/"),
                format!("//{n}:"),
                format!("//{n}\""),
                format!("{n}:"),
                format!("\"{n}\""),
                format!("{n}.{ns}"),
                format!(" {n} "),
            ]
            .iter()
            .any(|p| line.contains(p.as_str()))
                || line.ends_with(&format!("//{n}"))
        })
        .map(|svc| (ns.to_string(), name(&svc.metadata).to_string(), Some(svc)))
}

/// Turns what a log line shows into a finding for `pod`. `crashing` says whether the pod is in
/// a crash loop (dependency and config problems only count then).
pub fn from_log_cause(
    s: &Snapshot,
    pod: &Pod,
    r: &ObjectRef,
    cause: &LogCause,
    line: &str,
    context: &[&str],
    crashing: bool,
) -> Option<Finding> {
    let ns = namespace(&pod.metadata);
    match cause {
        LogCause::VolumeFull => Some(
            Finding::new(Code::VolumeFull, r.clone(), "the application's volume is out of space").action(
                Action::Manual {
                    description: "expand the PersistentVolumeClaim or free space on the volume".into(),
                },
            ),
        ),
        LogCause::RbacForbidden => {
            let sa = pod
                .spec
                .as_ref()
                .and_then(|s| s.service_account_name.clone())
                .unwrap_or_else(|| "default".into());
            Some(
                Finding::new(
                    Code::RbacForbidden,
                    r.clone(),
                    format!("service account {sa} lacks a permission the application needs"),
                )
                .involving(ObjectRef::namespaced("ServiceAccount", ns, &sa))
                .action(Action::Manual {
                    description: format!(
                        "grant service account {sa} the verb and resource the log names with a Role and RoleBinding"
                    ),
                }),
            )
        }
        LogCause::DnsBroken | LogCause::NoSuchHost { .. } if !dns_counts(pod, crashing) => None,
        LogCause::DnsBroken => Some(dns_finding(s, r, line)),
        LogCause::NoSuchHost { host } => {
            let Some(host) = host else {
                return Some(dns_finding(s, r, line));
            };
            match resolve(s, ns, host) {
                Some((sns, sname, None)) if crashing => Some(missing_service(r, &sns, &sname)),
                Some((sns, sname, Some(_))) if crashing && s.ready_endpoints(&sns, &sname) == 0 => {
                    Some(no_endpoints(s, r, &sns, &sname))
                }
                Some((_, _, Some(_))) => Some(dns_finding(s, r, line)),
                None => Some(dns_finding(s, r, line)),
                _ => None,
            }
        }
        LogCause::Refused { host } | LogCause::Timeout { host } => {
            let timeout = matches!(cause, LogCause::Timeout { .. });
            // The failing line names the peer, or an earlier line does ("connecting to db:5432").
            let peer = mentioned_service(s, ns, line)
                .or_else(|| host.as_deref().and_then(|h| resolve(s, ns, h)))
                .or_else(|| context.iter().find_map(|l| mentioned_service(s, ns, l)))
                .or_else(|| {
                    context
                        .iter()
                        .filter_map(|l| super::logs::host_of(l))
                        .find_map(|h: String| {
                            resolve(s, ns, &h).filter(|(_, _, svc)| svc.is_some() || h.contains(".svc"))
                        })
                });
            let Some((sns, sname, svc)) = peer else {
                return crashing.then(|| {
                    Finding::new(
                        Code::CrashloopDependency,
                        r.clone(),
                        format!("the application exits because a peer it calls does not answer: {line}"),
                    )
                    .confidence(0.6)
                    .action(Action::Manual {
                        description: "find which dependency the application calls and bring it up".into(),
                    })
                });
            };
            let Some(svc) = svc else {
                return crashing.then(|| missing_service(r, &sns, &sname));
            };
            let svc_ref = ObjectRef::namespaced("Service", &sns, &sname);
            if s.ready_endpoints(&sns, &sname) == 0 {
                return crashing.then(|| no_endpoints(s, r, &sns, &sname));
            }
            if timeout && let Some(policy) = blocking_policy(s, pod, svc) {
                let pref = object_ref("NetworkPolicy", &policy.metadata);
                return Some(
                    Finding::new(
                        Code::NetworkPolicyBlocking,
                        r.clone(),
                        format!(
                            "NetworkPolicy {} drops this pod's traffic to Service {sname}",
                            pref.name
                        ),
                    )
                    .involving(pref.clone())
                    .involving(svc_ref.clone())
                    .evidence([Evidence::field(
                        &pref,
                        "spec",
                        "selects the destination pods with no ingress rule admitting the caller",
                    )])
                    .action(Action::Manual {
                        description: format!(
                            "add an ingress rule to NetworkPolicy {} admitting the caller's labels",
                            pref.name
                        ),
                    }),
                );
            }
            if !timeout && let Some((port, target)) = network::port_mismatch(s, svc) {
                return Some(
                    Finding::new(
                        Code::ServicePortMismatch,
                        svc_ref.clone(),
                        format!(
                            "Service {sname} sends port {port} to targetPort {target}, which its pods do not listen on"
                        ),
                    )
                    .involving(r.clone())
                    .evidence([Evidence::field(&svc_ref, "spec.ports[].targetPort", target.clone())])
                    .action(Action::Manual {
                        description: format!(
                            "set the targetPort of Service {sname} to the containerPort the pods listen on"
                        ),
                    }),
                );
            }
            crashing.then(|| {
                Finding::new(
                    Code::CrashloopDependency,
                    r.clone(),
                    format!("the application exits because Service {sname} does not answer"),
                )
                .involving(svc_ref)
                .confidence(0.6)
            })
        }
        LogCause::MissingConfig => crashing.then(|| {
            Finding::new(
                Code::CrashloopMissingEnv,
                r.clone(),
                "the application exits because a variable, flag or file it needs is absent",
            )
            .action(Action::Manual {
                description: "set the missing variable/flag or mount the missing file (from a ConfigMap or Secret)"
                    .into(),
            })
        }),
        LogCause::AppError => None,
    }
}

fn missing_service(r: &ObjectRef, ns: &str, name: &str) -> Finding {
    Finding::new(
        Code::CrashloopDependency,
        r.clone(),
        format!("the application exits because it calls Service {name}, which does not exist"),
    )
    .involving(ObjectRef::namespaced("Service", ns, name))
    .evidence([Evidence::field(
        &ObjectRef::namespaced("Service", ns, name),
        "metadata",
        "not found",
    )])
    .action(Action::Manual {
        description: format!(
            "deploy the dependency behind Service {ns}/{name}, or fix the host name the application uses"
        ),
    })
}

fn no_endpoints(s: &Snapshot, r: &ObjectRef, ns: &str, name: &str) -> Finding {
    let svc = ObjectRef::namespaced("Service", ns, name);
    let selected = s
        .service(ns, name)
        .and_then(|x| x.spec.as_ref()?.selector.clone())
        .map(|sel| s.pods_selected_by(ns, &sel).len())
        .unwrap_or(0);
    Finding::new(
        Code::CrashloopDependency,
        r.clone(),
        format!("the application exits because Service {name} has no ready endpoints ({selected} pods selected)"),
    )
    .involving(svc.clone())
    .evidence([Evidence::field(&svc, "endpointslices", "no ready addresses")])
    .action(Action::Manual {
        description: format!("bring up the pods behind Service {name} (or fix its selector)"),
    })
}

/// The cluster DNS pods (kube-system, `k8s-app=kube-dns`).
fn dns_pods(s: &Snapshot) -> impl Iterator<Item = &Pod> {
    s.pods.iter().filter(|p| {
        namespace(&p.metadata) == "kube-system"
            && p.metadata
                .labels
                .as_ref()
                .and_then(|l| l.get("k8s-app"))
                .is_some_and(|v| v == "kube-dns")
    })
}

/// Whether a failed lookup in the logs is this pod's fault: it is failing (crash loop or not
/// ready). A ready pod that logged a failed lookup, retried and went on serving is healthy, even
/// while the cluster DNS is down for others.
fn dns_counts(pod: &Pod, crashing: bool) -> bool {
    crashing || !super::pods::is_ready(pod)
}

fn dns_finding(s: &Snapshot, r: &ObjectRef, line: &str) -> Finding {
    let mut f = Finding::new(Code::DnsFailure, r.clone(), format!("name resolution fails: {line}"))
        .severity(Severity::Critical)
        .confidence(0.8)
        .action(Action::Manual {
            description: "check the cluster DNS pods (kube-system, k8s-app=kube-dns) and the pod's dnsPolicy".into(),
        });
    for p in dns_pods(s) {
        let pr = object_ref("Pod", &p.metadata);
        if !super::pods::is_ready(p) {
            f = f.involving(pr.clone()).confidence(0.95).evidence([Evidence::field(
                &pr,
                "status.conditions[Ready]",
                "False",
            )]);
        }
    }
    f
}

/// A NetworkPolicy that selects the Service's pods for ingress without a rule admitting `src`,
/// or selects `src` for egress without a rule admitting the Service's pods.
pub fn blocking_policy<'a>(s: &'a Snapshot, src: &Pod, svc: &Service) -> Option<&'a NetworkPolicy> {
    let dst_ns = namespace(&svc.metadata);
    let selector = svc.spec.as_ref()?.selector.clone()?;
    let dst_pods = s.pods_selected_by(dst_ns, &selector);
    let src_ns = namespace(&src.metadata);
    for dst in &dst_pods {
        let policies: Vec<&NetworkPolicy> = s
            .networkpolicies
            .iter()
            .filter(|p| namespace(&p.metadata) == dst_ns && applies(p, dst, "Ingress"))
            .collect();
        if !policies.is_empty()
            && !policies.iter().any(|p| {
                p.spec.as_ref().and_then(|sp| sp.ingress.as_ref()).is_some_and(|rules| {
                    rules.iter().any(|rule| match &rule.from {
                        None => true,
                        Some(peers) if peers.is_empty() => true,
                        Some(peers) => peers.iter().any(|peer| admits(s, peer, dst_ns, src_ns, src)),
                    })
                })
            })
        {
            return policies.first().copied();
        }
    }
    let egress: Vec<&NetworkPolicy> = s
        .networkpolicies
        .iter()
        .filter(|p| namespace(&p.metadata) == src_ns && applies(p, src, "Egress"))
        .collect();
    if !egress.is_empty()
        && let Some(dst) = dst_pods.first()
        && !egress.iter().any(|p| {
            p.spec.as_ref().and_then(|sp| sp.egress.as_ref()).is_some_and(|rules| {
                rules.iter().any(|rule| match &rule.to {
                    None => true,
                    Some(peers) if peers.is_empty() => true,
                    Some(peers) => peers.iter().any(|peer| admits(s, peer, src_ns, dst_ns, dst)),
                })
            })
        })
    {
        return egress.first().copied();
    }
    None
}

fn applies(p: &NetworkPolicy, pod: &Pod, direction: &str) -> bool {
    let Some(spec) = &p.spec else { return false };
    if !matches_selector(
        &spec.pod_selector.clone().unwrap_or_default(),
        pod.metadata.labels.as_ref(),
    ) {
        return false;
    }
    match &spec.policy_types {
        Some(types) => types.iter().any(|t| t == direction),
        // Without policyTypes a policy is Ingress, plus Egress when it has egress rules.
        None => direction == "Ingress" || spec.egress.is_some(),
    }
}

/// Whether a peer of a policy in `policy_ns` admits `pod` living in `pod_ns`.
fn admits(s: &Snapshot, peer: &NetworkPolicyPeer, policy_ns: &str, pod_ns: &str, pod: &Pod) -> bool {
    if peer.ip_block.is_some() {
        // Pod addresses are not in CIDR terms here; do not claim a block we cannot show.
        return true;
    }
    let ns_ok = match &peer.namespace_selector {
        None => policy_ns == pod_ns,
        Some(sel) => {
            let mut labels = s
                .namespaces
                .iter()
                .find(|n| name(&n.metadata) == pod_ns)
                .and_then(|n| n.metadata.labels.clone())
                .unwrap_or_default();
            labels.insert("kubernetes.io/metadata.name".into(), pod_ns.into());
            matches_selector(sel, Some(&labels))
        }
    };
    let pod_ok = peer
        .pod_selector
        .as_ref()
        .is_none_or(|sel| matches_selector(sel, pod.metadata.labels.as_ref()));
    ns_ok && pod_ok
}

/// A targetPort as text.
pub fn port_text(p: &IntOrString) -> String {
    match p {
        IntOrString::Int(i) => i.to_string(),
        IntOrString::String(s) => s.clone(),
    }
}
