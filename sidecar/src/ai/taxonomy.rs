//! The root-cause codes of `shared/taxonomy.md`, as a type. Codes are stable identifiers: add new
//! ones at need, never rename one (exports, tests and the UI store them as strings).

use serde::{Deserialize, Serialize};

macro_rules! codes {
    ($($v:ident => $s:literal : $what:literal,)*) => {
        /// A root cause. `Healthy` is a real answer; `Unknown` means the evidence did not settle it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum Code {
            $(#[serde(rename = $s)] #[doc = $what] $v,)*
        }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$v,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(Code::$v => $s,)* }
            }

            /// One line for people: what this root cause is.
            pub fn describe(self) -> &'static str {
                match self { $(Code::$v => $what,)* }
            }

            pub fn parse(s: &str) -> Option<Code> {
                match s.trim().to_ascii_uppercase().replace('-', "_").as_str() {
                    $($s => Some(Code::$v),)*
                    _ => None,
                }
            }
        }
    };
}

codes! {
    ImageNotFound => "IMAGE_NOT_FOUND": "image tag or repository does not exist",
    ImagePullAuth => "IMAGE_PULL_AUTH": "registry refuses: missing or wrong imagePullSecret",
    ImageRegistryUnreachable => "IMAGE_REGISTRY_UNREACHABLE": "registry rate limit or network",
    ImageInvalidName => "IMAGE_INVALID_NAME": "malformed image reference",
    ConfigMissingConfigmap => "CONFIG_MISSING_CONFIGMAP": "referenced ConfigMap absent",
    ConfigMissingSecret => "CONFIG_MISSING_SECRET": "referenced Secret absent",
    ConfigMissingKey => "CONFIG_MISSING_KEY": "key absent from an existing ConfigMap/Secret",
    ContainerCommandInvalid => "CONTAINER_COMMAND_INVALID": "entrypoint or command cannot run",
    CrashloopAppError => "CRASHLOOP_APP_ERROR": "the application exits with an error of its own",
    CrashloopMissingEnv => "CRASHLOOP_MISSING_ENV": "the application exits because configuration it needs is absent",
    CrashloopDependency => "CRASHLOOP_DEPENDENCY": "the application exits because a dependency it calls is unreachable",
    OomKilled => "OOM_KILLED": "memory limit too low for the workload",
    LivenessProbeFailing => "LIVENESS_PROBE_FAILING": "liveness probe kills a container",
    ReadinessProbeFailing => "READINESS_PROBE_FAILING": "pod never becomes ready",
    StartupProbeFailing => "STARTUP_PROBE_FAILING": "startup probe too strict for the start time",
    InitContainerFailing => "INIT_CONTAINER_FAILING": "an init container fails",
    UnschedulableResources => "UNSCHEDULABLE_RESOURCES": "no node has the requested CPU, memory or extended resource",
    UnschedulableTaint => "UNSCHEDULABLE_TAINT": "every candidate node has a taint the pod does not tolerate",
    UnschedulableAffinity => "UNSCHEDULABLE_AFFINITY": "nodeSelector, node affinity or pod (anti-)affinity matches no node",
    UnschedulablePvc => "UNSCHEDULABLE_PVC": "pod waits for an unbound PVC",
    PvcStorageclassMissing => "PVC_STORAGECLASS_MISSING": "PVC names a StorageClass that does not exist",
    PvcNoMatchingPv => "PVC_NO_MATCHING_PV": "no StorageClass and no PersistentVolume that fits",
    VolumeMultiAttach => "VOLUME_MULTI_ATTACH": "a ReadWriteOnce volume is attached to another node",
    VolumeFull => "VOLUME_FULL": "the volume is out of space",
    QuotaExceeded => "QUOTA_EXCEEDED": "a ResourceQuota blocks pod creation",
    AdmissionDenied => "ADMISSION_DENIED": "a PodSecurity level or an admission webhook rejects pods",
    RolloutStuck => "ROLLOUT_STUCK": "a Deployment stopped progressing",
    JobFailed => "JOB_FAILED": "a Job exhausted its retries or deadline",
    CronjobNotRunning => "CRONJOB_NOT_RUNNING": "a CronJob does not fire",
    HpaMetricsUnavailable => "HPA_METRICS_UNAVAILABLE": "an HPA cannot compute its metric",
    HpaAtLimit => "HPA_AT_LIMIT": "an HPA wants more replicas than maxReplicas allows",
    PdbBlocking => "PDB_BLOCKING": "a PodDisruptionBudget blocks evictions",
    ServiceNoEndpoints => "SERVICE_NO_ENDPOINTS": "a Service's selector matches no pods",
    ServicePortMismatch => "SERVICE_PORT_MISMATCH": "a Service's targetPort is not a port the pods listen on",
    IngressBackendMissing => "INGRESS_BACKEND_MISSING": "an Ingress routes to a Service or port that does not exist",
    IngressClassMissing => "INGRESS_CLASS_MISSING": "an Ingress names no IngressClass, or one that does not exist",
    NetworkPolicyBlocking => "NETWORK_POLICY_BLOCKING": "a NetworkPolicy drops the traffic",
    DnsFailure => "DNS_FAILURE": "name resolution fails",
    NodeNotReady => "NODE_NOT_READY": "a node is down or its kubelet stopped reporting",
    NodePressure => "NODE_PRESSURE": "a node is under disk, memory or PID pressure",
    RbacForbidden => "RBAC_FORBIDDEN": "the workload's ServiceAccount lacks a permission it needs",
    Healthy => "HEALTHY": "nothing is wrong",
    Unknown => "UNKNOWN": "the evidence does not settle the cause",
}

impl Code {
    /// Which cause explains the others when several are seen together: lower ranks first. A node
    /// that is down explains its pods' symptoms; a missing image explains a stuck rollout.
    pub fn rank(self) -> u8 {
        use Code::*;
        match self {
            NodeNotReady | NodePressure => 0,
            ImageNotFound | ImagePullAuth | ImageRegistryUnreachable | ImageInvalidName => 1,
            ConfigMissingConfigmap | ConfigMissingSecret | ConfigMissingKey | ContainerCommandInvalid => 1,
            InitContainerFailing => 2,
            QuotaExceeded | AdmissionDenied => 2,
            UnschedulableResources | UnschedulableTaint | UnschedulableAffinity | UnschedulablePvc => 3,
            VolumeMultiAttach | VolumeFull => 3,
            // Below the pod's UNSCHEDULABLE_PVC: a workload's answer is its pods' symptom; the
            // claim investigated on its own answers with these.
            PvcStorageclassMissing | PvcNoMatchingPv => 4,
            OomKilled | StartupProbeFailing | LivenessProbeFailing => 4,
            CrashloopMissingEnv | CrashloopDependency | RbacForbidden | DnsFailure => 4,
            NetworkPolicyBlocking | ServicePortMismatch => 4,
            CrashloopAppError => 5,
            ReadinessProbeFailing => 5,
            ServiceNoEndpoints | IngressBackendMissing | IngressClassMissing => 6,
            RolloutStuck | JobFailed | CronjobNotRunning => 7,
            HpaMetricsUnavailable | HpaAtLimit | PdbBlocking => 8,
            Unknown => 9,
            Healthy => 10,
        }
    }

    /// `image-not-found`: the scenario directory name of `tests/scenarios/`.
    pub fn kebab(self) -> String {
        self.as_str().to_ascii_lowercase().replace('_', "-")
    }
}

// By hand, not derived: utoipa's derive does not see the `serde(rename)` that the `codes!` macro
// writes, and documented the Rust variant names (`ImageNotFound`) instead of the wire names
// (`IMAGE_NOT_FOUND`) that the API, exports and the UI use.
impl utoipa::PartialSchema for Code {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "A root-cause code of the taxonomy. HEALTHY is a real answer; UNKNOWN means the evidence did not settle it.",
            ))
            .enum_values(Some(Code::ALL.iter().map(|c| c.as_str())))
            .into()
    }
}

impl utoipa::ToSchema for Code {
    fn name() -> std::borrow::Cow<'static, str> {
        "Code".into()
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_of_the_taxonomy_page_parses_and_round_trips() {
        // The page lives beside the repository on the project's machines; elsewhere the test
        // has nothing to compare with.
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/taxonomy.md");
        let Ok(page) = std::fs::read_to_string(path) else {
            return;
        };
        let mut seen = 0;
        for line in page.lines().filter(|l| l.starts_with("| `")) {
            let code = line.split('`').nth(1).expect("a code cell");
            let parsed = Code::parse(code).unwrap_or_else(|| panic!("{code} is not in ai::taxonomy::Code"));
            assert_eq!(parsed.as_str(), code);
            assert_eq!(serde_json::to_value(parsed).unwrap(), serde_json::json!(code));
            seen += 1;
        }
        assert_eq!(seen + 1, Code::ALL.len(), "the page lists every code but UNKNOWN");
    }

    #[test]
    fn the_api_schema_lists_the_wire_names() {
        let schema = serde_json::to_value(<Code as utoipa::PartialSchema>::schema()).unwrap();
        let names: Vec<&str> = schema["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let wire: Vec<String> = Code::ALL
            .iter()
            .map(|c| serde_json::to_value(c).unwrap().as_str().unwrap().to_string())
            .collect();
        assert_eq!(names, wire);
        assert!(names.contains(&"IMAGE_NOT_FOUND") && names.contains(&"HEALTHY"));
    }
}
