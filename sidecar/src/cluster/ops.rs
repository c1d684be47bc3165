//! Changes to a cluster, typed: what each does through the Kubernetes API, the RBAC check that
//! says whether the user may, and the object before and after. Whether a change may run at all
//! is not decided here: `safety` decides, then calls [`execute`].

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::authorization::v1::{ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec};
use k8s_openapi::api::core::v1::{Node, Pod};
use kube::api::{Api, DeleteParams, DynamicObject, EvictParams, ListParams, Patch, PatchParams, PostParams};
use kube::discovery::{Discovery, Scope};
use kube::{Client, ResourceExt};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

/// A change a person (or the AI) can ask for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
// Named apart from the AI's proposed `ai::actions::Action`: with one name for both, the OpenAPI
// document kept only one and ActionRequest's `action` pointed at the AI's shape.
#[schema(as = ClusterAction)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    Scale {
        replicas: i32,
    },
    RolloutRestart,
    /// To `revision`, or the one before the current when absent.
    Rollback {
        revision: Option<i64>,
    },
    DeletePod,
    Cordon,
    Uncordon,
    /// Cordon, then evict every pod (not DaemonSet or mirror pods) through the eviction API,
    /// which honours PodDisruptionBudgets.
    Drain,
    /// Server-side apply of one or more YAML documents (a server dry run runs first).
    Apply {
        yaml: String,
    },
    /// Replace the object with this one (optimistic: a changed resourceVersion conflicts).
    Edit {
        #[schema(value_type = Object)]
        object: Value,
    },
    /// A strategic merge patch that Kubilitics built from a typed change (an image, a memory
    /// limit, a CronJob's suspend, an HPA's maximum): how the AI's proposed fixes run.
    Patch {
        #[schema(value_type = Object)]
        patch: Value,
    },
    /// Delete the object (any kind the workbench knows). The operation name says which
    /// (`delete_secret`, `delete_namespace`...), so `forbidden_operations` can name it.
    Delete,
}

/// The safety policy's name for deleting an object of `kind`.
pub fn delete_operation(kind: &str) -> &'static str {
    match kind {
        "Pod" => "delete_pod",
        "Deployment" => "delete_deployment",
        "StatefulSet" => "delete_stateful_set",
        "DaemonSet" => "delete_daemon_set",
        "Job" => "delete_job",
        "Service" => "delete_service",
        "ConfigMap" => "delete_config_map",
        "Secret" => "delete_secret",
        "Namespace" => "delete_namespace",
        "PersistentVolumeClaim" => "delete_persistent_volume_claim",
        "PersistentVolume" => "delete_persistent_volume",
        "NetworkPolicy" => "disable_network_policy",
        "Role" | "RoleBinding" | "ClusterRole" | "ClusterRoleBinding" => "modify_rbac_binding",
        _ => "delete_resource",
    }
}

impl Action {
    /// The safety policy's operation name.
    pub fn operation(&self, kind: &str) -> &'static str {
        match self {
            Action::Scale { replicas: 0 } => "scale_to_zero",
            Action::Scale { .. } if kind == "StatefulSet" => "scale_stateful_set",
            Action::Scale { .. } => "scale_deployment",
            Action::RolloutRestart => "restart_rollout",
            Action::Rollback { .. } => "rollback_deployment",
            Action::DeletePod => "delete_pod",
            Action::Cordon => "cordon_node",
            Action::Uncordon => "uncordon_node",
            Action::Drain => "drain_node",
            Action::Apply { .. } => "apply_manifest",
            Action::Edit { .. } => "edit_resource",
            Action::Patch { .. } => "patch_resource",
            Action::Delete => delete_operation(kind),
        }
    }

    /// The kinds this action applies to.
    pub fn kinds(&self) -> &'static [&'static str] {
        match self {
            Action::Scale { .. } => &["Deployment", "StatefulSet", "ReplicaSet"],
            Action::RolloutRestart => &["Deployment", "StatefulSet", "DaemonSet"],
            Action::Rollback { .. } => &["Deployment"],
            Action::DeletePod => &["Pod"],
            Action::Cordon | Action::Uncordon | Action::Drain => &["Node"],
            Action::Apply { .. } | Action::Edit { .. } | Action::Patch { .. } | Action::Delete => &[],
        }
    }

    /// The RBAC request it makes: (verb, group, resource, subresource).
    fn access(&self, kind: &str) -> (&'static str, &'static str, String, Option<&'static str>) {
        let info = super::kinds::find(kind);
        let (group, resource) = info
            .map(|k| (k.group, k.name.to_string()))
            .unwrap_or(("", kind.to_lowercase()));
        match self {
            Action::Scale { .. } => ("update", group, resource, Some("scale")),
            Action::DeletePod => ("delete", "", "pods".into(), None),
            Action::Delete => ("delete", group, resource, None),
            Action::Drain => ("create", "", "pods".into(), Some("eviction")),
            Action::Edit { .. } => ("update", group, resource, None),
            _ => ("patch", group, resource, None),
        }
    }
}

/// Everything offered for one kind, with a sample of each (parameters filled by the user).
pub fn offered_for(kind: &str) -> Vec<Action> {
    let all = [
        Action::Scale { replicas: 1 },
        Action::RolloutRestart,
        Action::Rollback { revision: None },
        Action::DeletePod,
        Action::Cordon,
        Action::Uncordon,
        Action::Drain,
    ];
    let mut out: Vec<Action> = all.into_iter().filter(|a| a.kinds().contains(&kind)).collect();
    out.push(Action::Edit { object: Value::Null });
    out
}

/// Whether the context's credentials may do `action` on the target (SelfSubjectAccessReview).
pub async fn may(
    client: &Client,
    action: &Action,
    kind: &str,
    namespace: Option<&str>,
    name: &str,
) -> Result<(bool, String), kube::Error> {
    let (verb, group, resource, sub) = action.access(kind);
    let review = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                verb: Some(verb.into()),
                group: Some(group.into()),
                resource: Some(resource.clone()),
                subresource: sub.map(str::to_string),
                namespace: namespace.map(str::to_string),
                name: Some(name.into()),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let api: Api<SelfSubjectAccessReview> = Api::all(client.clone());
    let answer = api.create(&PostParams::default(), &review).await?;
    let status = answer.status.unwrap_or_default();
    let what = format!("{verb} {resource}{}", sub.map(|s| format!("/{s}")).unwrap_or_default());
    let reason = if status.allowed {
        format!("RBAC allows {what}")
    } else {
        format!(
            "RBAC does not allow {what}{}",
            status.reason.map(|r| format!(": {r}")).unwrap_or_default()
        )
    };
    Ok((status.allowed, reason))
}

/// What a change did: the object (or the relevant part) before and after, and a summary.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Outcome {
    pub summary: String,
    #[schema(value_type = Option<Object>)]
    pub before: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<Value>,
    /// For apply: the server dry run's diff, line by line (`-`/`+`/` `).
    pub diff: Option<String>,
}

fn clean(mut v: Value) -> Value {
    if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("managedFields");
    }
    // A Secret's values never go to the audit log.
    if v.get("kind").and_then(Value::as_str) == Some("Secret") {
        for key in ["data", "stringData"] {
            if let Some(d) = v.get_mut(key).and_then(Value::as_object_mut) {
                for val in d.values_mut() {
                    *val = Value::String("(hidden)".into());
                }
            }
        }
    }
    v
}

fn ns_api<K>(client: &Client, namespace: Option<&str>) -> Api<K>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>,
{
    Api::namespaced(client.clone(), namespace.unwrap_or("default"))
}

/// Scales through the scale subresource; a dry run patches the object's `spec.replicas` with
/// `dryRun=All` instead, which every API server (and the sandbox) validates without storing.
async fn scale<K>(api: Api<K>, name: &str, replicas: i32, dry_run: bool) -> Result<i32, kube::Error>
where
    K: Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    let patch = Patch::Merge(json!({"spec": {"replicas": replicas}}));
    let before = api.get_scale(name).await?;
    if dry_run {
        let pp = PatchParams {
            dry_run: true,
            ..PatchParams::default()
        };
        api.patch(name, &pp, &patch).await?;
    } else {
        api.patch_scale(name, &PatchParams::default(), &patch).await?;
    }
    Ok(before.spec.and_then(|s| s.replicas).unwrap_or(0))
}

/// The API of a kind the workbench knows, for the target's namespace.
fn known_api(client: &Client, kind: &str, namespace: Option<&str>) -> Result<Api<DynamicObject>, kube::Error> {
    let Some(info) = super::kinds::find(kind) else {
        return Err(kube::Error::Api(Box::new(kube::core::Status {
            code: 422,
            message: format!("{kind} is not a kind Kubilitics can change"),
            ..Default::default()
        })));
    };
    let ar = kube::discovery::ApiResource {
        group: info.group.into(),
        version: info.version.into(),
        api_version: if info.group.is_empty() {
            info.version.into()
        } else {
            format!("{}/{}", info.group, info.version)
        },
        kind: info.kind.into(),
        plural: info.name.into(),
    };
    Ok(if info.namespaced {
        Api::namespaced_with(client.clone(), namespace.unwrap_or("default"), &ar)
    } else {
        Api::all_with(client.clone(), &ar)
    })
}

/// Runs `action` on the target; with `dry_run` the API server validates it (`dryRun=All`) and
/// nothing changes. Call only with the safety gate's permission.
pub async fn execute(
    client: &Client,
    action: &Action,
    kind: &str,
    namespace: Option<&str>,
    name: &str,
    dry_run: bool,
) -> Result<Outcome, kube::Error> {
    let pp = PatchParams {
        dry_run,
        ..PatchParams::default()
    };
    match action {
        Action::Scale { replicas } => {
            let was = match kind {
                "StatefulSet" => scale::<StatefulSet>(ns_api(client, namespace), name, *replicas, dry_run).await?,
                "ReplicaSet" => scale::<ReplicaSet>(ns_api(client, namespace), name, *replicas, dry_run).await?,
                _ => scale::<Deployment>(ns_api(client, namespace), name, *replicas, dry_run).await?,
            };
            Ok(Outcome {
                summary: format!("scaled {kind} {name} from {was} to {replicas} replicas"),
                before: Some(json!({"replicas": was})),
                after: Some(json!({"replicas": replicas})),
                diff: None,
            })
        }
        Action::RolloutRestart => {
            let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            let patch = Patch::Merge(
                json!({"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": at}}}}}),
            );
            match kind {
                "StatefulSet" => drop(
                    ns_api::<StatefulSet>(client, namespace)
                        .patch(name, &pp, &patch)
                        .await?,
                ),
                "DaemonSet" => drop(ns_api::<DaemonSet>(client, namespace).patch(name, &pp, &patch).await?),
                _ => drop(ns_api::<Deployment>(client, namespace).patch(name, &pp, &patch).await?),
            }
            Ok(Outcome {
                summary: format!("restarted the rollout of {kind} {name}"),
                after: Some(json!({"restartedAt": at})),
                ..Outcome::default()
            })
        }
        Action::Rollback { revision } => rollback(client, namespace, name, *revision, &pp).await,
        Action::DeletePod => {
            let api: Api<Pod> = ns_api(client, namespace);
            let before = api.get(name).await?;
            let dp = DeleteParams {
                dry_run,
                ..DeleteParams::default()
            };
            api.delete(name, &dp).await?;
            Ok(Outcome {
                summary: format!("deleted pod {name}"),
                before: Some(
                    json!({"phase": before.status.and_then(|s| s.phase), "node": before.spec.and_then(|s| s.node_name)}),
                ),
                ..Outcome::default()
            })
        }
        Action::Cordon | Action::Uncordon => {
            let flag = matches!(action, Action::Cordon);
            let api: Api<Node> = Api::all(client.clone());
            let before = api.get(name).await?.spec.and_then(|s| s.unschedulable).unwrap_or(false);
            api.patch(name, &pp, &Patch::Merge(json!({"spec": {"unschedulable": flag}})))
                .await?;
            Ok(Outcome {
                summary: format!("{} node {name}", if flag { "cordoned" } else { "uncordoned" }),
                before: Some(json!({"unschedulable": before})),
                after: Some(json!({"unschedulable": flag})),
                diff: None,
            })
        }
        Action::Drain => drain(client, name, dry_run).await,
        Action::Apply { yaml } => apply(client, yaml, namespace, dry_run).await,
        Action::Edit { object } => {
            let (api, _) = dynamic_api(client, object, namespace).await?;
            let before = api
                .get(name)
                .await
                .ok()
                .map(|o| clean(serde_json::to_value(o).unwrap_or_default()));
            let obj: DynamicObject = serde_json::from_value(object.clone()).map_err(kube::Error::SerdeError)?;
            let post = PostParams {
                dry_run,
                ..PostParams::default()
            };
            let after = api.replace(name, &post, &obj).await?;
            Ok(Outcome {
                summary: format!("replaced {kind} {name}"),
                before,
                after: Some(clean(serde_json::to_value(after).unwrap_or_default())),
                diff: None,
            })
        }
        Action::Patch { patch } => {
            let api = known_api(client, kind, namespace)?;
            let before = clean(serde_json::to_value(api.get(name).await?).unwrap_or_default());
            let after = api.patch(name, &pp, &Patch::Strategic(patch)).await?;
            let after = clean(serde_json::to_value(after).unwrap_or_default());
            Ok(Outcome {
                summary: format!("patched {kind} {name}"),
                diff: Some(line_diff(&format!("{kind}/{name}"), Some(&before), &after)),
                before: Some(before),
                after: Some(after),
            })
        }
        Action::Delete => {
            let api = known_api(client, kind, namespace)?;
            let before = clean(serde_json::to_value(api.get(name).await?).unwrap_or_default());
            let dp = DeleteParams {
                dry_run,
                ..DeleteParams::default()
            };
            api.delete(name, &dp).await?;
            Ok(Outcome {
                summary: format!("deleted {kind} {name}"),
                before: Some(before),
                ..Outcome::default()
            })
        }
    }
}

async fn rollback(
    client: &Client,
    namespace: Option<&str>,
    name: &str,
    revision: Option<i64>,
    pp: &PatchParams,
) -> Result<Outcome, kube::Error> {
    let deployments: Api<Deployment> = ns_api(client, namespace);
    let dep = deployments.get(name).await?;
    let rev_of = |o: &kube::api::ObjectMeta| {
        o.annotations
            .as_ref()
            .and_then(|a| a.get("deployment.kubernetes.io/revision"))
            .and_then(|r| r.parse::<i64>().ok())
    };
    let current = rev_of(&dep.metadata).unwrap_or(0);
    let sets: Api<ReplicaSet> = ns_api(client, namespace);
    let mut owned: Vec<(i64, ReplicaSet)> = sets
        .list(&ListParams::default())
        .await?
        .items
        .into_iter()
        .filter(|rs| {
            rs.owner_references()
                .iter()
                .any(|o| o.kind == "Deployment" && o.name == name)
        })
        .filter_map(|rs| rev_of(&rs.metadata).map(|r| (r, rs)))
        .collect();
    owned.sort_by_key(|(r, _)| *r);
    let target = rollback_target(&owned, &template_without_hash(Some(&dep.spec.template)), revision);
    let Some((to, rs)) = target else {
        return Err(kube::Error::Api(Box::new(kube::core::Status {
            code: 422,
            message: format!(
                "deployment {name} has no {} to roll back to",
                revision
                    .map(|r| format!("revision {r}"))
                    .unwrap_or("earlier revision".into())
            ),
            ..Default::default()
        })));
    };
    let template = template_without_hash(rs.spec.template.as_ref());
    // The whole template is replaced, as `kubectl rollout undo` does: a merge would keep what
    // the newer revision added (an env var's neighbour, an annotation such as restartedAt).
    // The test makes it apply to the spec as read, or conflict: on the generation, which only a
    // spec change moves (the resourceVersion also moves with every status update the
    // controller writes, which made a rollback right after a rollout fail).
    let generation = dep.metadata.generation.unwrap_or_default();
    let patch: json_patch::Patch = serde_json::from_value(json!([
        {"op": "test", "path": "/metadata/generation", "value": generation},
        {"op": "replace", "path": "/spec/template", "value": template},
    ]))
    .map_err(kube::Error::SerdeError)?;
    if let Err(e) = deployments.patch(name, pp, &Patch::Json::<()>(patch)).await {
        return Err(changed_meanwhile(&deployments, name, generation).await.unwrap_or(e));
    }
    Ok(Outcome {
        summary: format!("rolled deployment {name} back from revision {current} to the template of revision {to}"),
        before: Some(json!({"revision": current})),
        after: Some(json!({"template_of_revision": to})),
        diff: None,
    })
}

/// The ReplicaSet to roll back to, of the Deployment's own sorted by revision: the one numbered
/// `revision`, or else "the previous revision": the newest template other than the one running,
/// compared as the deployment controller compares them (without the hash label). Not by the
/// revision annotation: it lags until the controller has numbered the last change, and a
/// rollback sent right after another would find the template it just left, or nothing.
fn rollback_target<'a>(
    owned: &'a [(i64, ReplicaSet)],
    running: &Value,
    revision: Option<i64>,
) -> Option<&'a (i64, ReplicaSet)> {
    match revision {
        Some(r) => owned.iter().find(|(x, _)| *x == r),
        None => owned
            .iter()
            .rev()
            .find(|(_, rs)| template_without_hash(rs.spec.template.as_ref()) != *running),
    }
}

/// A pod template as JSON without the `pod-template-hash` label the controller adds to a
/// ReplicaSet's copy: what a Deployment's template is compared with, and rolled back to.
fn template_without_hash(template: Option<&k8s_openapi::api::core::v1::PodTemplateSpec>) -> Value {
    let mut template = serde_json::to_value(template).unwrap_or_default();
    if let Some(labels) = template.pointer_mut("/metadata/labels").and_then(Value::as_object_mut) {
        labels.remove("pod-template-hash");
    }
    template
}

/// A conflict that says so, when a patch tested against `generation` failed because someone
/// changed the Deployment's spec since it was read (the API server says only "invalid").
async fn changed_meanwhile(deployments: &Api<Deployment>, name: &str, generation: i64) -> Option<kube::Error> {
    let now = deployments
        .get(name)
        .await
        .ok()?
        .metadata
        .generation
        .unwrap_or_default();
    (now != generation).then(|| {
        kube::Error::Api(Box::new(kube::core::Status {
            code: 409,
            message: format!(
                "deployment {name} changed while rolling back (generation {generation}, now {now}); look at its revisions and try again"
            ),
            ..Default::default()
        }))
    })
}

/// Cordons `node` and evicts its pods; a dry run cordons with `dryRun=All` and only lists the
/// pods it would evict.
async fn drain(client: &Client, node: &str, dry_run: bool) -> Result<Outcome, kube::Error> {
    let nodes: Api<Node> = Api::all(client.clone());
    let pp = PatchParams {
        dry_run,
        ..PatchParams::default()
    };
    let was_cordoned = nodes
        .get(node)
        .await?
        .spec
        .and_then(|s| s.unschedulable)
        .unwrap_or(false);
    nodes
        .patch(node, &pp, &Patch::Merge(json!({"spec": {"unschedulable": true}})))
        .await?;
    let pods: Api<Pod> = Api::all(client.clone());
    let on_node = pods
        .list(&ListParams::default().fields(&format!("spec.nodeName={node}")))
        .await?;
    let (mut evicted, mut skipped, mut blocked) = (Vec::new(), Vec::new(), Vec::new());
    for p in on_node.items {
        let ns = p.namespace().unwrap_or_default();
        let id = format!("{ns}/{}", p.name_any());
        let daemon = p.owner_references().iter().any(|o| o.kind == "DaemonSet");
        let mirror = p.annotations().contains_key("kubernetes.io/config.mirror");
        let done = matches!(
            p.status.as_ref().and_then(|s| s.phase.as_deref()),
            Some("Succeeded" | "Failed")
        );
        if daemon || mirror || done {
            skipped.push(id);
            continue;
        }
        if dry_run {
            evicted.push(id);
            continue;
        }
        let api: Api<Pod> = Api::namespaced(client.clone(), &ns);
        match api.evict(&p.name_any(), &EvictParams::default()).await {
            Ok(_) => evicted.push(id),
            Err(kube::Error::Api(s)) if s.code == 429 => blocked.push(
                json!({"pod": id, "reason": format!("a PodDisruptionBudget does not allow it now: {}", s.message)}),
            ),
            Err(kube::Error::Api(s)) if s.code == 404 => {}
            Err(e) => return Err(e),
        }
    }
    let summary = if blocked.is_empty() {
        format!("cordoned node {node} and evicted {} pods", evicted.len())
    } else {
        format!(
            "cordoned node {node}, evicted {} pods; {} blocked by PodDisruptionBudgets (retry later)",
            evicted.len(),
            blocked.len()
        )
    };
    Ok(Outcome {
        summary,
        before: Some(json!({"unschedulable": was_cordoned})),
        after: Some(json!({"unschedulable": true, "evicted": evicted, "skipped": skipped, "blocked": blocked})),
        diff: None,
    })
}

/// The API for an object given as JSON (apiVersion/kind), and whether it is namespaced.
async fn dynamic_api(
    client: &Client,
    obj: &Value,
    namespace: Option<&str>,
) -> Result<(Api<DynamicObject>, bool), kube::Error> {
    let api_version = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let discovery = Discovery::new(client.clone()).filter(&[group]).run().await?;
    let found = discovery
        .groups()
        .flat_map(|g| g.versioned_resources(version))
        .find(|(ar, _)| ar.kind == kind);
    let Some((ar, caps)) = found else {
        return Err(kube::Error::Api(Box::new(kube::core::Status {
            code: 422,
            message: format!("the cluster serves no {kind} in {api_version}"),
            ..Default::default()
        })));
    };
    let namespaced = caps.scope == Scope::Namespaced;
    let ns = obj
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .or(namespace)
        .unwrap_or("default");
    let api = if namespaced {
        Api::namespaced_with(client.clone(), ns, &ar)
    } else {
        Api::all_with(client.clone(), &ar)
    };
    Ok((api, namespaced))
}

/// Server-side apply of every document in `yaml`; with `dry_run` the server validates and
/// answers what it would store, and nothing changes. The diff compares the live objects with
/// that answer.
/// The YAML documents of a manifest, empty ones left out.
fn documents(yaml: &str) -> impl Iterator<Item = &str> {
    yaml.split("\n---")
        .map(str::trim)
        .filter(|d| !d.is_empty() && *d != "---")
}

/// One object a change writes, as its content names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

/// The objects an edit or an apply writes, read from what it carries (the edited object, each
/// document), with `namespace` for those that name none (as `kubectl apply -n` does). Other
/// actions write only their target. The safety gate judges these, not only the target the
/// request declares, which the content could contradict.
pub fn written(action: &Action, namespace: Option<&str>) -> Result<Vec<Written>, String> {
    let of = |obj: &Value| -> Result<Written, String> {
        let text = |p: &str| obj.pointer(p).and_then(Value::as_str).map(str::to_string);
        let kind = text("/kind").ok_or("an object without a kind")?;
        let name = text("/metadata/name").ok_or_else(|| format!("a {kind} without metadata.name"))?;
        let namespace = text("/metadata/namespace").or(namespace.map(str::to_string));
        Ok(Written { kind, namespace, name })
    };
    match action {
        Action::Edit { object } => Ok(vec![of(object)?]),
        Action::Apply { yaml } => documents(yaml)
            .map(|doc| {
                let obj: Value = serde_norway::from_str(doc).map_err(|e| format!("not valid YAML: {e}"))?;
                of(&obj)
            })
            .collect(),
        _ => Ok(Vec::new()),
    }
}

/// Server-side apply of every document in `yaml`; documents that name no namespace go to
/// `namespace` (then `default`).
pub async fn apply(
    client: &Client,
    yaml: &str,
    namespace: Option<&str>,
    dry_run: bool,
) -> Result<Outcome, kube::Error> {
    let mut diff = String::new();
    let (mut before_all, mut after_all, mut names) = (Vec::new(), Vec::new(), Vec::new());
    for doc in documents(yaml) {
        let obj: Value = serde_norway::from_str(doc).map_err(|e| {
            kube::Error::Api(Box::new(kube::core::Status {
                code: 422,
                message: format!("not valid YAML: {e}"),
                ..Default::default()
            }))
        })?;
        let name = obj
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let (api, _) = dynamic_api(client, &obj, namespace).await?;
        let before = api
            .get_opt(&name)
            .await?
            .map(|o| clean(serde_json::to_value(o).unwrap_or_default()));
        let mut params = PatchParams::apply("kubilitics").force();
        params.dry_run = true;
        let preview = api.patch(&name, &params, &Patch::Apply(&obj)).await?;
        let preview = clean(serde_json::to_value(preview).unwrap_or_default());
        diff.push_str(&line_diff(
            &format!("{}/{name}", obj["kind"].as_str().unwrap_or("")),
            before.as_ref(),
            &preview,
        ));
        let after = if dry_run {
            preview
        } else {
            let applied = api
                .patch(&name, &PatchParams::apply("kubilitics").force(), &Patch::Apply(&obj))
                .await?;
            clean(serde_json::to_value(applied).unwrap_or_default())
        };
        names.push(format!("{} {name}", obj["kind"].as_str().unwrap_or("")));
        before_all.push(before.unwrap_or(Value::Null));
        after_all.push(after);
    }
    Ok(Outcome {
        summary: format!(
            "{} {}",
            if dry_run { "dry run of" } else { "applied" },
            names.join(", ")
        ),
        before: Some(Value::Array(before_all)),
        after: Some(Value::Array(after_all)),
        diff: Some(diff),
    })
}

/// A line diff of two objects as YAML, ignoring fields the server always changes.
pub fn line_diff(title: &str, before: Option<&Value>, after: &Value) -> String {
    let norm = |v: &Value| {
        let mut v = v.clone();
        if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
            for k in [
                "resourceVersion",
                "generation",
                "managedFields",
                "uid",
                "creationTimestamp",
            ] {
                m.remove(k);
            }
        }
        if let Some(m) = v.as_object_mut() {
            m.remove("status");
        }
        serde_norway::to_string(&v).unwrap_or_default()
    };
    let a = before.map(norm).unwrap_or_default();
    let b = norm(after);
    let (al, bl): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    // Longest common subsequence, small objects: quadratic is fine.
    let mut lcs = vec![vec![0u32; bl.len() + 1]; al.len() + 1];
    for i in (0..al.len()).rev() {
        for j in (0..bl.len()).rev() {
            lcs[i][j] = if al[i] == bl[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut out = format!("--- {title} (live)\n+++ {title} (after apply)\n");
    let (mut i, mut j) = (0, 0);
    while i < al.len() || j < bl.len() {
        if i < al.len() && j < bl.len() && al[i] == bl[j] {
            out.push_str(&format!("  {}\n", al[i]));
            i += 1;
            j += 1;
        } else if j < bl.len() && (i == al.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            out.push_str(&format!("+ {}\n", bl[j]));
            j += 1;
        } else {
            out.push_str(&format!("- {}\n", al[i]));
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ReplicaSet of revision `rev` whose template runs `image`, with the hash label its
    /// controller adds.
    fn replica_set(rev: i64, image: &str) -> (i64, ReplicaSet) {
        let rs = serde_json::from_value(json!({
            "metadata": {"name": format!("web-{rev}"), "annotations": {"deployment.kubernetes.io/revision": rev.to_string()}},
            "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": {
                "metadata": {"labels": {"app": "web", "pod-template-hash": format!("h{rev}")}},
                "spec": {"containers": [{"name": "web", "image": image}]}}}
        }))
        .unwrap();
        (rev, rs)
    }

    fn running(image: &str) -> Value {
        let t: k8s_openapi::api::core::v1::PodTemplateSpec = serde_json::from_value(json!({
            "metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": image}]}
        }))
        .unwrap();
        template_without_hash(Some(&t))
    }

    #[test]
    fn the_previous_revision_is_the_newest_other_template_even_before_the_controller_renumbers() {
        // Revision 2 (nginx:1.27) was rolled back to revision 1's template (nginx): the
        // controller has not yet numbered that ReplicaSet 3, so the Deployment runs nginx while
        // revision 2 is the newest. Going back means nginx:1.27, not "nothing earlier than 2".
        let owned = [replica_set(1, "nginx"), replica_set(2, "nginx:1.27")];
        let to = rollback_target(&owned, &running("nginx"), None).expect("a previous revision");
        assert_eq!(to.0, 2);
        // Numbered since (nginx is revision 3 now): still the other template.
        let owned = [replica_set(2, "nginx:1.27"), replica_set(3, "nginx")];
        assert_eq!(rollback_target(&owned, &running("nginx"), None).map(|t| t.0), Some(2));
        // The template just rolled back to (nginx:1.27), before its renumbering: not itself.
        assert_eq!(
            rollback_target(&owned, &running("nginx:1.27"), None).map(|t| t.0),
            Some(3)
        );
        // A named revision is that one; one template only means nothing to go back to.
        assert_eq!(
            rollback_target(&owned, &running("nginx"), Some(3)).map(|t| t.0),
            Some(3)
        );
        assert!(rollback_target(&owned[..1], &running("nginx:1.27"), None).is_none());
    }

    #[test]
    fn actions_name_the_policy_operation() {
        assert_eq!(Action::Scale { replicas: 0 }.operation("Deployment"), "scale_to_zero");
        assert_eq!(
            Action::Scale { replicas: 3 }.operation("StatefulSet"),
            "scale_stateful_set"
        );
        assert_eq!(Action::Drain.operation("Node"), "drain_node");
        for a in offered_for("Deployment")
            .iter()
            .chain(offered_for("Node").iter())
            .chain(offered_for("Pod").iter())
        {
            assert!(
                crate::config::settings::OPERATIONS.contains(&a.operation("Deployment")),
                "{a:?}"
            );
        }
        assert!(offered_for("Pod").contains(&Action::DeletePod));
        assert!(!offered_for("Pod").contains(&Action::Drain));
    }

    #[test]
    fn the_diff_shows_changed_lines_only_as_changes() {
        let before = json!({"kind": "ConfigMap", "metadata": {"name": "a", "resourceVersion": "1"}, "data": {"x": "1", "y": "2"}});
        let after = json!({"kind": "ConfigMap", "metadata": {"name": "a", "resourceVersion": "2"}, "data": {"x": "1", "y": "3"}});
        let d = line_diff("ConfigMap/a", Some(&before), &after);
        assert!(d.contains("- ") && d.contains("y: '2'") && d.contains("y: '3'"), "{d}");
        assert!(!d.contains("resourceVersion"), "{d}");
        assert!(d.contains("  kind: ConfigMap"), "{d}");
    }

    #[test]
    fn secret_values_never_reach_the_audit_record() {
        let s = clean(
            json!({"kind": "Secret", "metadata": {"name": "s", "managedFields": []}, "data": {"password": "aHVudGVyMg=="}}),
        );
        assert_eq!(s["data"]["password"], "(hidden)");
        assert!(s["metadata"].get("managedFields").is_none());
    }
}
