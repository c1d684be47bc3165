//! Services and Ingresses: a selector that matches no pod, a targetPort no pod listens on, an
//! Ingress to a Service or port that does not exist, an Ingress without a usable class. A
//! Service without selector is managed by hand on purpose and is left alone.

use k8s_openapi::api::core::v1::Service;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::super::actions::Action;
use super::super::finding::{Evidence, Finding, ObjectRef};
use super::super::snapshot::{Snapshot, name, namespace, object_ref};
use super::super::taxonomy::Code;
use super::deps::port_text;

pub fn analyze(s: &Snapshot, out: &mut Vec<Finding>) {
    for svc in &s.services {
        let r = object_ref("Service", &svc.metadata);
        let ns = namespace(&svc.metadata);
        let Some(spec) = &svc.spec else { continue };
        if spec.type_.as_deref() == Some("ExternalName") {
            continue;
        }
        let Some(selector) = spec.selector.as_ref().filter(|s| !s.is_empty()) else {
            continue;
        };
        let selected = s.pods_selected_by(ns, selector);
        let sel_text: Vec<String> = selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
        if selected.is_empty() {
            let mut f = Finding::new(
                Code::ServiceNoEndpoints,
                r.clone(),
                format!(
                    "Service {} selects {} but no pod carries those labels",
                    r.name,
                    sel_text.join(",")
                ),
            )
            .evidence([
                Evidence::field(&r, "spec.selector", sel_text.join(",")),
                Evidence::field(
                    &r,
                    "endpointslices",
                    format!("{} ready addresses", s.ready_endpoints(ns, &r.name)),
                ),
            ])
            .action(Action::Manual {
                description: format!(
                    "fix the selector of Service {} or the labels of the pods meant to serve it",
                    r.name
                ),
            });
            // The nearest miss: pods whose labels share a key with the selector.
            if let Some(p) = s.pods.iter().find(|p| {
                namespace(&p.metadata) == ns
                    && p.metadata
                        .labels
                        .as_ref()
                        .is_some_and(|l| selector.keys().any(|k| l.contains_key(k)))
            }) {
                let pr = object_ref("Pod", &p.metadata);
                let labels: Vec<String> = p
                    .metadata
                    .labels
                    .iter()
                    .flatten()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                f = f.evidence([Evidence::field(&pr, "metadata.labels", labels.join(","))]);
            }
            out.push(f);
            continue;
        }
        if let Some((port, target)) = port_mismatch(s, svc) {
            let mut f = Finding::new(
                Code::ServicePortMismatch,
                r.clone(),
                format!(
                    "Service {} sends port {port} to targetPort {target}, which none of its pods declares",
                    r.name
                ),
            )
            .confidence(0.75)
            .evidence([Evidence::field(
                &r,
                format!("spec.ports[{port}].targetPort"),
                target.clone(),
            )])
            .action(Action::Manual {
                description: format!(
                    "set targetPort of Service {} to the containerPort its pods listen on",
                    r.name
                ),
            });
            for p in selected.iter().take(1) {
                let pr = object_ref("Pod", &p.metadata);
                let ports: Vec<String> = container_ports(p)
                    .iter()
                    .map(|(n, name)| format!("{n}{}", name.as_ref().map(|x| format!("/{x}")).unwrap_or_default()))
                    .collect();
                f = f.involving(pr.clone()).evidence([Evidence::field(
                    &pr,
                    "spec.containers[].ports",
                    ports.join(","),
                )]);
            }
            out.push(f);
        }
    }
    for ing in &s.ingresses {
        let r = object_ref("Ingress", &ing.metadata);
        let ns = namespace(&ing.metadata);
        let Some(spec) = &ing.spec else { continue };
        let annotated = ing
            .metadata
            .annotations
            .as_ref()
            .is_some_and(|a| a.contains_key("kubernetes.io/ingress.class"));
        match spec.ingress_class_name.as_deref() {
            Some(class) if !s.ingressclasses.iter().any(|c| name(&c.metadata) == class) => {
                out.push(
                    Finding::new(
                        Code::IngressClassMissing,
                        r.clone(),
                        format!(
                            "Ingress {} names IngressClass \"{class}\", which does not exist",
                            r.name
                        ),
                    )
                    .involving(ObjectRef::cluster("IngressClass", class))
                    .evidence([Evidence::field(&r, "spec.ingressClassName", class)])
                    .action(Action::Manual {
                        description: "set ingressClassName to an installed IngressClass".into(),
                    }),
                );
            }
            None if !annotated && !s.ingressclasses.iter().any(is_default_class) => {
                out.push(
                    Finding::new(
                        Code::IngressClassMissing,
                        r.clone(),
                        format!(
                            "Ingress {} names no IngressClass and none is the default: no controller serves it",
                            r.name
                        ),
                    )
                    .evidence([Evidence::field(&r, "spec.ingressClassName", "(unset)")])
                    .action(Action::Manual {
                        description: "set ingressClassName, or mark an IngressClass as default".into(),
                    }),
                );
            }
            _ => {}
        }
        for (svc_name, port) in ingress_backends(s, ns, &r.name) {
            let svc_ref = ObjectRef::namespaced("Service", ns, &svc_name);
            match s.service(ns, &svc_name) {
                None => out.push(
                    Finding::new(
                        Code::IngressBackendMissing,
                        r.clone(),
                        format!("Ingress {} routes to Service {svc_name}, which does not exist", r.name),
                    )
                    .involving(svc_ref.clone())
                    .evidence([
                        Evidence::field(&r, "spec.rules[].http.paths[].backend.service.name", svc_name.clone()),
                        Evidence::field(&svc_ref, "metadata", "not found"),
                    ])
                    .action(Action::Manual {
                        description: format!("create Service {svc_name} or point the Ingress at an existing one"),
                    }),
                ),
                Some(svc) => {
                    let ports = svc.spec.as_ref().and_then(|s| s.ports.clone()).unwrap_or_default();
                    let ok = match &port {
                        None => true,
                        Some(IntOrString::Int(n)) => ports.iter().any(|p| p.port == *n),
                        Some(IntOrString::String(n)) => ports.iter().any(|p| p.name.as_deref() == Some(n.as_str())),
                    };
                    if !ok {
                        let pt = port.as_ref().map(port_text).unwrap_or_default();
                        out.push(
                            Finding::new(
                                Code::IngressBackendMissing,
                                r.clone(),
                                format!(
                                    "Ingress {} routes to port {pt} of Service {svc_name}, which has no such port",
                                    r.name
                                ),
                            )
                            .involving(svc_ref.clone())
                            .evidence([Evidence::field(
                                &r,
                                "spec.rules[].http.paths[].backend.service.port",
                                pt,
                            )]),
                        );
                    }
                }
            }
        }
    }
}

fn is_default_class(c: &k8s_openapi::api::networking::v1::IngressClass) -> bool {
    c.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get("ingressclass.kubernetes.io/is-default-class"))
        .is_some_and(|v| v == "true")
}

/// Every Service an Ingress routes to, with the port it names.
pub fn ingress_backends(s: &Snapshot, ns: &str, ingress: &str) -> Vec<(String, Option<IntOrString>)> {
    let Some(ing) = s
        .ingresses
        .iter()
        .find(|i| namespace(&i.metadata) == ns && name(&i.metadata) == ingress)
    else {
        return vec![];
    };
    let Some(spec) = &ing.spec else { return vec![] };
    let mut out = Vec::new();
    let mut push = |b: &k8s_openapi::api::networking::v1::IngressBackend| {
        if let Some(svc) = &b.service {
            let port = svc.port.as_ref().and_then(|p| {
                p.number
                    .map(IntOrString::Int)
                    .or_else(|| p.name.clone().map(IntOrString::String))
            });
            let item = (svc.name.clone(), port);
            if !out.contains(&item) {
                out.push(item);
            }
        }
    };
    if let Some(b) = &spec.default_backend {
        push(b);
    }
    for rule in spec.rules.iter().flatten() {
        for path in rule.http.iter().flat_map(|h| h.paths.iter()) {
            push(&path.backend);
        }
    }
    out
}

/// `(number, name)` of every containerPort of a pod.
fn container_ports(p: &k8s_openapi::api::core::v1::Pod) -> Vec<(i32, Option<String>)> {
    p.spec
        .iter()
        .flat_map(|s| s.containers.iter())
        .flat_map(|c| c.ports.iter().flatten())
        .map(|p| (p.container_port, p.name.clone()))
        .collect()
}

/// A Service port whose targetPort none of the selected pods declares: `(port, targetPort)`.
/// Pods that declare no ports at all say nothing (declaring is optional).
pub fn port_mismatch(s: &Snapshot, svc: &Service) -> Option<(i32, String)> {
    let spec = svc.spec.as_ref()?;
    let selector = spec.selector.as_ref()?;
    let pods = s.pods_selected_by(namespace(&svc.metadata), selector);
    let declared: Vec<(i32, Option<String>)> = pods.iter().flat_map(|p| container_ports(p)).collect();
    if declared.is_empty() {
        return None;
    }
    for p in spec.ports.iter().flatten() {
        let target = p.target_port.clone().unwrap_or(IntOrString::Int(p.port));
        let ok = match &target {
            IntOrString::Int(n) => declared.iter().any(|(d, _)| d == n),
            IntOrString::String(n) => declared.iter().any(|(_, name)| name.as_deref() == Some(n.as_str())),
        };
        if !ok {
            return Some((p.port, port_text(&target)));
        }
    }
    None
}
