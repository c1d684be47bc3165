//! The kinds the sandbox serves, one table: what discovery lists, what URLs resolve to, which
//! schema `/openapi` publishes, and how `kubectl get` names them (short names, categories).
//!
//! The group/version/kind/plural come from k8s-openapi's `Resource` constants, so they cannot
//! drift from the schemas we publish.

use std::any::TypeId;
use std::sync::LazyLock;

use k8s_openapi::api::{apps, authentication, authorization, batch, coordination, core, discovery, networking};
use k8s_openapi::api::{autoscaling, policy, rbac, storage};
use k8s_openapi::schemars::{JsonSchema, Schema, SchemaGenerator};
use k8s_openapi::{NamespaceResourceScope, Resource};

/// One resource (a plural under a group version) and what the server does with it.
pub struct ResourceType {
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub plural: &'static str,
    pub singular: String,
    pub namespaced: bool,
    pub short_names: &'static [&'static str],
    pub categories: &'static [&'static str],
    pub verbs: &'static [&'static str],
    /// Subresources as (name, kind, group-version of that kind, verbs).
    pub subresources: &'static [Subresource],
    /// Whether the API server keeps metadata.generation for it (kinds with a spec).
    pub has_generation: bool,
    /// Objects of create-only review kinds are answered, never stored.
    pub virtual_only: bool,
    pub schema: Option<fn(&mut SchemaGenerator) -> Schema>,
    pub schema_name: Option<String>,
}

pub struct Subresource {
    pub name: &'static str,
    pub kind: &'static str,
    pub group: &'static str,
    pub version: &'static str,
    pub verbs: &'static [&'static str],
}

impl ResourceType {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    pub fn list_kind(&self) -> String {
        format!("{}List", self.kind)
    }

    /// The URL prefix of this resource's group version (`/api/v1` or `/apis/apps/v1`).
    pub fn gv_path(&self) -> String {
        if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        }
    }

    /// What an error message calls it: `pods`, `deployments.apps`.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    pub fn has_subresource(&self, name: &str) -> bool {
        self.subresources.iter().any(|s| s.name == name)
    }
}

const CRUD: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];
const READ: &[&str] = &["get", "list"];
const CREATE: &[&str] = &["create"];

const STATUS: Subresource = Subresource {
    name: "status",
    kind: "",
    group: "",
    version: "",
    verbs: &["get", "patch", "update"],
};
const SCALE: Subresource = Subresource {
    name: "scale",
    kind: "Scale",
    group: "autoscaling",
    version: "v1",
    verbs: &["get", "patch", "update"],
};

fn typed<T: Resource + JsonSchema + 'static>(
    short_names: &'static [&'static str],
    categories: &'static [&'static str],
    verbs: &'static [&'static str],
    subresources: &'static [Subresource],
) -> ResourceType {
    ResourceType {
        group: T::GROUP,
        version: T::VERSION,
        kind: T::KIND,
        plural: T::URL_PATH_SEGMENT,
        singular: T::KIND.to_ascii_lowercase(),
        namespaced: TypeId::of::<T::Scope>() == TypeId::of::<NamespaceResourceScope>(),
        short_names,
        categories,
        verbs,
        subresources,
        has_generation: GENERATION_KINDS.contains(&T::KIND),
        virtual_only: verbs == CREATE,
        schema: Some(|g| g.subschema_for::<T>()),
        schema_name: Some(T::schema_name().into_owned()),
    }
}

/// Kinds whose objects carry metadata.generation on a v1.36 API server.
const GENERATION_KINDS: &[&str] = &[
    "Pod",
    "Deployment",
    "ReplicaSet",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "CronJob",
    "PodDisruptionBudget",
    "HorizontalPodAutoscaler",
    "EndpointSlice",
    "Ingress",
    "NetworkPolicy",
    "ControllerRevision",
];

fn metrics(kind: &'static str, plural: &'static str, namespaced: bool) -> ResourceType {
    ResourceType {
        group: "metrics.k8s.io",
        version: "v1beta1",
        kind,
        plural,
        singular: String::new(),
        namespaced,
        short_names: &[],
        categories: &[],
        verbs: READ,
        subresources: &[],
        has_generation: false,
        virtual_only: false,
        schema: None,
        schema_name: None,
    }
}

pub static ALL: LazyLock<Vec<ResourceType>> = LazyLock::new(|| {
    use core::v1 as c;
    const ALL_CAT: &[&str] = &["all"];
    vec![
        typed::<c::Namespace>(&["ns"], &[], CRUD, &[STATUS]),
        typed::<c::Node>(&["no"], &[], CRUD, &[STATUS]),
        typed::<c::Pod>(
            &["po"],
            ALL_CAT,
            CRUD,
            &[
                STATUS,
                Subresource {
                    name: "log",
                    kind: "Pod",
                    group: "",
                    version: "v1",
                    verbs: &["get"],
                },
                Subresource {
                    name: "eviction",
                    kind: "Eviction",
                    group: "policy",
                    version: "v1",
                    verbs: &["create"],
                },
            ],
        ),
        typed::<c::Service>(&["svc"], ALL_CAT, CRUD, &[STATUS]),
        typed::<c::Endpoints>(&["ep"], &[], CRUD, &[]),
        typed::<c::ConfigMap>(&["cm"], &[], CRUD, &[]),
        typed::<c::Secret>(&[], &[], CRUD, &[]),
        typed::<c::ServiceAccount>(&["sa"], &[], CRUD, &[]),
        typed::<c::Event>(&["ev"], &[], CRUD, &[]),
        typed::<c::PersistentVolumeClaim>(&["pvc"], &[], CRUD, &[STATUS]),
        typed::<c::PersistentVolume>(&["pv"], &[], CRUD, &[STATUS]),
        typed::<c::ResourceQuota>(&["quota"], &[], CRUD, &[STATUS]),
        typed::<c::LimitRange>(&["limits"], &[], CRUD, &[]),
        typed::<apps::v1::Deployment>(&["deploy"], ALL_CAT, CRUD, &[STATUS, SCALE]),
        typed::<apps::v1::ReplicaSet>(&["rs"], ALL_CAT, CRUD, &[STATUS, SCALE]),
        typed::<apps::v1::StatefulSet>(&["sts"], ALL_CAT, CRUD, &[STATUS, SCALE]),
        typed::<apps::v1::DaemonSet>(&["ds"], ALL_CAT, CRUD, &[STATUS]),
        typed::<apps::v1::ControllerRevision>(&[], &[], CRUD, &[]),
        typed::<batch::v1::Job>(&[], ALL_CAT, CRUD, &[STATUS]),
        typed::<batch::v1::CronJob>(&["cj"], ALL_CAT, CRUD, &[STATUS]),
        typed::<policy::v1::PodDisruptionBudget>(&["pdb"], &[], CRUD, &[STATUS]),
        typed::<autoscaling::v2::HorizontalPodAutoscaler>(&["hpa"], ALL_CAT, CRUD, &[STATUS]),
        typed::<discovery::v1::EndpointSlice>(&[], &[], CRUD, &[]),
        typed::<networking::v1::Ingress>(&["ing"], &[], CRUD, &[STATUS]),
        typed::<networking::v1::IngressClass>(&[], &[], CRUD, &[]),
        typed::<networking::v1::NetworkPolicy>(&["netpol"], &[], CRUD, &[]),
        typed::<storage::v1::StorageClass>(&["sc"], &[], CRUD, &[]),
        typed::<rbac::v1::Role>(&[], &[], CRUD, &[]),
        typed::<rbac::v1::RoleBinding>(&[], &[], CRUD, &[]),
        typed::<rbac::v1::ClusterRole>(&[], &[], CRUD, &[]),
        typed::<rbac::v1::ClusterRoleBinding>(&[], &[], CRUD, &[]),
        typed::<coordination::v1::Lease>(&[], &[], CRUD, &[]),
        typed::<authorization::v1::SelfSubjectAccessReview>(&[], &[], CREATE, &[]),
        typed::<authorization::v1::SelfSubjectRulesReview>(&[], &[], CREATE, &[]),
        typed::<authentication::v1::SelfSubjectReview>(&[], &[], CREATE, &[]),
        metrics("NodeMetrics", "nodes", false),
        metrics("PodMetrics", "pods", true),
    ]
});

/// Index of a resource in [`ALL`]; the store keys objects by it.
pub type ResIdx = usize;

pub fn get(idx: ResIdx) -> &'static ResourceType {
    &ALL[idx]
}

pub fn find(group: &str, version: &str, plural: &str) -> Option<ResIdx> {
    ALL.iter()
        .position(|r| r.group == group && r.version == version && r.plural == plural)
}

pub fn by_kind(api_version: &str, kind: &str) -> Option<ResIdx> {
    ALL.iter().position(|r| {
        r.kind == kind && r.api_version() == api_version && !r.virtual_only && r.group != "metrics.k8s.io"
    })
}

/// The group versions served, in discovery order (core first, as the real server lists them).
pub fn group_versions() -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&str, &str)> = Vec::new();
    for r in ALL.iter() {
        if !out.contains(&(r.group, r.version)) {
            out.push((r.group, r.version));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_and_group_kinds_resolve() {
        let pods = find("", "v1", "pods").expect("pods");
        assert!(get(pods).namespaced);
        assert_eq!(get(pods).qualified(), "pods");
        let deploy = find("apps", "v1", "deployments").expect("deployments");
        assert_eq!(get(deploy).qualified(), "deployments.apps");
        assert!(get(deploy).has_subresource("scale"));
        assert!(!get(find("", "v1", "nodes").expect("nodes")).namespaced);
        assert_eq!(by_kind("apps/v1", "ReplicaSet"), find("apps", "v1", "replicasets"));
    }
}
