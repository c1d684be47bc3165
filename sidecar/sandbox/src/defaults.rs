//! Defaulting, as the API server fills in fields a manifest leaves out, so an object created in
//! the sandbox reads back as one created in a real cluster (`kubectl get -o yaml`, the UI, the
//! analyzers all see the same spec). Only the fields that show up in common reads are covered.

use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::{Value, json};

fn set_default(obj: &mut Value, key: &str, value: Value) {
    if obj.get(key).is_none_or(Value::is_null)
        && let Some(m) = obj.as_object_mut()
    {
        m.insert(key.to_string(), value);
    }
}

fn container(c: &mut Value) {
    let image = c["image"].as_str().unwrap_or_default();
    let latest = !image.contains(':') || image.ends_with(":latest");
    set_default(
        c,
        "imagePullPolicy",
        json!(if latest { "Always" } else { "IfNotPresent" }),
    );
    set_default(c, "resources", json!({}));
    set_default(c, "terminationMessagePath", json!("/dev/termination-log"));
    set_default(c, "terminationMessagePolicy", json!("File"));
    for p in c.get_mut("ports").and_then(Value::as_array_mut).into_iter().flatten() {
        set_default(p, "protocol", json!("TCP"));
    }
    for probe in ["readinessProbe", "livenessProbe", "startupProbe"] {
        if c[probe].is_object() {
            let p = &mut c[probe];
            set_default(p, "failureThreshold", json!(3));
            set_default(p, "periodSeconds", json!(10));
            set_default(p, "successThreshold", json!(1));
            set_default(p, "timeoutSeconds", json!(1));
            if p["httpGet"].is_object() {
                set_default(&mut p["httpGet"], "scheme", json!("HTTP"));
            }
        }
    }
}

/// A PodSpec's defaults (also inside workload templates).
pub fn pod_spec(spec: &mut Value) {
    for list in ["containers", "initContainers"] {
        for c in spec.get_mut(list).and_then(Value::as_array_mut).into_iter().flatten() {
            container(c);
        }
    }
    set_default(spec, "restartPolicy", json!("Always"));
    set_default(spec, "terminationGracePeriodSeconds", json!(30));
    set_default(spec, "dnsPolicy", json!("ClusterFirst"));
    set_default(spec, "securityContext", json!({}));
    set_default(spec, "schedulerName", json!("default-scheduler"));
}

fn template(obj: &mut Value) {
    if obj["spec"]["template"]["spec"].is_object() {
        pod_spec(&mut obj["spec"]["template"]["spec"]);
        set_default(
            &mut obj["spec"]["template"]["metadata"],
            "creationTimestamp",
            Value::Null,
        );
    }
}

static NEXT_IP: AtomicU32 = AtomicU32::new(1000);

/// A fresh ClusterIP from 10.96.0.0/12 (the sandbox never reuses one).
pub fn cluster_ip() -> String {
    let n = NEXT_IP.fetch_add(1, Ordering::Relaxed);
    format!("10.96.{}.{}", (n >> 8) & 0xff, n & 0xff)
}

pub fn apply(kind: &str, obj: &mut Value) {
    match kind {
        "Pod" => {
            pod_spec(&mut obj["spec"]);
            set_default(&mut obj["spec"], "serviceAccountName", json!("default"));
            set_default(&mut obj["spec"], "serviceAccount", json!("default"));
            set_default(&mut obj["spec"], "enableServiceLinks", json!(true));
            set_default(&mut obj["spec"], "preemptionPolicy", json!("PreemptLowerPriority"));
            set_default(&mut obj["spec"], "priority", json!(0));
            set_default(
                &mut obj["spec"],
                "tolerations",
                json!([
                    {"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists", "tolerationSeconds": 300},
                    {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": 300}
                ]),
            );
            set_default(
                obj,
                "status",
                json!({"phase": "Pending", "qosClass": qos_class(&obj["spec"])}),
            );
        }
        "Deployment" => {
            template(obj);
            let spec = &mut obj["spec"];
            set_default(spec, "replicas", json!(1));
            set_default(spec, "revisionHistoryLimit", json!(10));
            set_default(spec, "progressDeadlineSeconds", json!(600));
            set_default(
                spec,
                "strategy",
                json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}),
            );
        }
        "ReplicaSet" => {
            template(obj);
            set_default(&mut obj["spec"], "replicas", json!(1));
        }
        "StatefulSet" => {
            template(obj);
            let spec = &mut obj["spec"];
            set_default(spec, "replicas", json!(1));
            set_default(spec, "podManagementPolicy", json!("OrderedReady"));
            set_default(spec, "revisionHistoryLimit", json!(10));
            set_default(
                spec,
                "updateStrategy",
                json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}),
            );
            set_default(
                spec,
                "persistentVolumeClaimRetentionPolicy",
                json!({"whenDeleted": "Retain", "whenScaled": "Retain"}),
            );
        }
        "DaemonSet" => {
            template(obj);
            set_default(&mut obj["spec"], "revisionHistoryLimit", json!(10));
            set_default(
                &mut obj["spec"],
                "updateStrategy",
                json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}}),
            );
        }
        "Job" => {
            if obj["spec"]["template"]["spec"].is_object() {
                pod_spec(&mut obj["spec"]["template"]["spec"]);
            }
            set_default(&mut obj["spec"], "backoffLimit", json!(6));
            set_default(&mut obj["spec"], "completions", json!(1));
            set_default(&mut obj["spec"], "parallelism", json!(1));
        }
        "CronJob" => {
            set_default(&mut obj["spec"], "concurrencyPolicy", json!("Allow"));
            set_default(&mut obj["spec"], "suspend", json!(false));
            set_default(&mut obj["spec"], "successfulJobsHistoryLimit", json!(3));
            set_default(&mut obj["spec"], "failedJobsHistoryLimit", json!(1));
            if obj["spec"]["jobTemplate"]["spec"]["template"]["spec"].is_object() {
                pod_spec(&mut obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]);
            }
        }
        "Service" => {
            let spec = &mut obj["spec"];
            set_default(spec, "type", json!("ClusterIP"));
            set_default(spec, "sessionAffinity", json!("None"));
            if spec["type"] != "ExternalName" {
                if spec["clusterIP"].is_null() {
                    let ip = cluster_ip();
                    spec["clusterIP"] = json!(ip);
                    spec["clusterIPs"] = json!([ip]);
                } else if spec["clusterIPs"].is_null() {
                    let ip = spec["clusterIP"].clone();
                    spec["clusterIPs"] = json!([ip]);
                }
                set_default(spec, "ipFamilies", json!(["IPv4"]));
                set_default(spec, "ipFamilyPolicy", json!("SingleStack"));
                set_default(spec, "internalTrafficPolicy", json!("Cluster"));
            }
            for p in spec
                .get_mut("ports")
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                set_default(p, "protocol", json!("TCP"));
                let port = p["port"].clone();
                set_default(p, "targetPort", port);
            }
            set_default(obj, "status", json!({"loadBalancer": {}}));
        }
        "Namespace" => {
            let name = obj["metadata"]["name"].clone();
            obj["metadata"]["labels"]["kubernetes.io/metadata.name"] = name;
            set_default(obj, "spec", json!({"finalizers": ["kubernetes"]}));
            set_default(obj, "status", json!({"phase": "Active"}));
        }
        "Secret" => set_default(obj, "type", json!("Opaque")),
        _ => {}
    }
}

/// Guaranteed when every container's limits equal its requests (cpu and memory), BestEffort
/// with none at all, Burstable otherwise.
pub fn qos_class(spec: &Value) -> &'static str {
    let cs: Vec<&Value> = spec["containers"].as_array().into_iter().flatten().collect();
    let any = cs.iter().any(|c| {
        c["resources"]["requests"].as_object().is_some_and(|m| !m.is_empty())
            || c["resources"]["limits"].as_object().is_some_and(|m| !m.is_empty())
    });
    if !any {
        return "BestEffort";
    }
    let guaranteed = cs.iter().all(|c| {
        let l = &c["resources"]["limits"];
        let r = &c["resources"]["requests"];
        ["cpu", "memory"]
            .iter()
            .all(|k| !l[*k].is_null() && (r[*k].is_null() || r[*k] == l[*k]))
    });
    if guaranteed { "Guaranteed" } else { "Burstable" }
}

/// Secret `stringData` is write-only: the server moves it into base64 `data`.
pub fn secret_string_data(obj: &mut Value) {
    let Some(sd) = obj.as_object_mut().and_then(|m| m.remove("stringData")) else {
        return;
    };
    for (k, v) in sd.as_object().into_iter().flatten() {
        obj["data"][k] = json!(crate::tls::base64(v.as_str().unwrap_or_default().as_bytes()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deployment_gets_rolling_update_and_container_defaults() {
        let mut d = json!({"spec": {"template": {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"name": "a", "image": "x:1", "ports": [{"containerPort": 80}]}]}}}});
        apply("Deployment", &mut d);
        assert_eq!(d["spec"]["replicas"], 1);
        assert_eq!(d["spec"]["strategy"]["rollingUpdate"]["maxSurge"], "25%");
        let c = &d["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(c["imagePullPolicy"], "IfNotPresent");
        assert_eq!(c["ports"][0]["protocol"], "TCP");
    }

    #[test]
    fn defaulting_adds_no_null_fields() {
        // A null where the API server stores nothing made a rolled-back template differ from its
        // old ReplicaSet's, so `rollout undo` created a new ReplicaSet instead of reusing it.
        let mut d = json!({"spec": {"template": {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"name": "a", "image": "x:1"}]}}}});
        apply("Deployment", &mut d);
        let mut svc = json!({"spec": {"selector": {"app": "a"}}});
        apply("Service", &mut svc);
        for text in [d.to_string(), svc.to_string()] {
            // The one null the API server does write: a template's empty creationTimestamp.
            let text = text.replace(r#""creationTimestamp":null"#, "");
            assert!(!text.contains("null"), "{text}");
        }
    }

    #[test]
    fn qos_follows_requests_and_limits() {
        assert_eq!(qos_class(&json!({"containers": [{}]})), "BestEffort");
        assert_eq!(
            qos_class(&json!({"containers": [{"resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}]})),
            "Guaranteed"
        );
        assert_eq!(
            qos_class(&json!({"containers": [{"resources": {"requests": {"cpu": "1"}}}]})),
            "Burstable"
        );
    }
}
