//! An [`EvidenceSource`] reading a cluster through kube-rs. The sidecar's reads go through the
//! workbench's context registry ([`KubeSource::from_clusters`]): every context the workbench
//! shows ($KUBECONFIG, ~/.kube/config, imported kubeconfigs, the sandbox), with its clients and
//! exec-plugin approvals. Tests and `kubilitics eval` may point it at one kubeconfig file instead
//! ([`KubeSource::new`]).
//!
//! It only reads. A context whose user runs an exec or auth-provider plugin gets a client only
//! once the user approved that command (the registry's rule); from a bare file such contexts are
//! refused, so the investigator is never a way around that approval.

use std::collections::HashMap;
use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use k8s_openapi::api::core::v1::{ConfigMap, Event, Namespace, Node, PersistentVolume, Pod, Secret};
use k8s_openapi::api::networking::v1::IngressClass;
use k8s_openapi::api::storage::v1::StorageClass;
use kube::api::{Api, ListParams, LogParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Resource};
use serde::de::DeserializeOwned;
use tokio::sync::Mutex;

use super::analyzers::Scope;
use super::evidence::{EvidenceError, EvidenceSource};
use super::snapshot::Snapshot;
use crate::cluster::{ClusterError, ClusterManager};

pub struct KubeSource {
    clients: Clients,
}

enum Clients {
    /// One kubeconfig file, clients built here.
    File {
        kubeconfig: PathBuf,
        clients: Mutex<HashMap<String, Client>>,
    },
    /// The workbench's contexts and connections.
    Registry(Arc<ClusterManager>),
}

impl KubeSource {
    /// Reads the contexts of one kubeconfig file.
    pub fn new(kubeconfig: impl Into<PathBuf>) -> KubeSource {
        KubeSource {
            clients: Clients::File {
                kubeconfig: kubeconfig.into(),
                clients: Mutex::new(HashMap::new()),
            },
        }
    }

    /// Reads any context the workbench knows, through its connection to it.
    pub fn from_clusters(clusters: Arc<ClusterManager>) -> KubeSource {
        KubeSource {
            clients: Clients::Registry(clusters),
        }
    }

    async fn client(&self, context: &str) -> Result<Client, EvidenceError> {
        match &self.clients {
            Clients::File { kubeconfig, clients } => from_file(kubeconfig, clients, context).await,
            Clients::Registry(clusters) => match clusters.connect(context).await {
                Ok(conn) => Ok(conn.client.clone()),
                Err(ClusterError::UnknownContext(c)) => Err(EvidenceError::UnknownContext(c)),
                Err(e) => Err(EvidenceError::Read {
                    what: format!("context {context}"),
                    reason: e.to_string(),
                }),
            },
        }
    }
}

async fn from_file(
    kubeconfig: &Path,
    clients: &Mutex<HashMap<String, Client>>,
    context: &str,
) -> Result<Client, EvidenceError> {
    let mut clients = clients.lock().await;
    if let Some(c) = clients.get(context) {
        return Ok(c.clone());
    }
    let read = |reason: String| EvidenceError::Read {
        what: format!("kubeconfig {}", kubeconfig.display()),
        reason,
    };
    let kc = Kubeconfig::read_from(kubeconfig).map_err(|e| read(e.to_string()))?;
    let ctx = kc
        .contexts
        .iter()
        .find(|c| c.name == context)
        .ok_or_else(|| EvidenceError::UnknownContext(context.into()))?;
    let user = ctx.context.as_ref().and_then(|c| c.user.clone()).unwrap_or_default();
    let plugin = kc
        .auth_infos
        .iter()
        .find(|a| a.name == user)
        .and_then(|a| a.auth_info.as_ref())
        .is_some_and(|a| a.exec.is_some() || a.auth_provider.is_some());
    if plugin {
        return Err(EvidenceError::UnknownContext(format!(
            "{context} (its user runs an exec/auth-provider plugin)"
        )));
    }
    let options = KubeConfigOptions {
        context: Some(context.into()),
        ..Default::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kc, &options)
        .await
        .map_err(|e| read(e.to_string()))?;
    let client = Client::try_from(config).map_err(|e| read(e.to_string()))?;
    clients.insert(context.into(), client.clone());
    Ok(client)
}

async fn list<K>(api: Api<K>, lp: &ListParams) -> Result<Vec<K>, EvidenceError>
where
    K: Resource + Clone + DeserializeOwned + Debug,
    K::DynamicType: Default,
{
    let what = K::kind(&Default::default()).to_string();
    match api.list(lp).await {
        Ok(l) => Ok(l.items),
        // A kind the server does not serve (or RBAC hides) is absent evidence, not a failure.
        Err(kube::Error::Api(s)) if s.code == 404 || s.code == 403 => Ok(Vec::new()),
        Err(e) => Err(EvidenceError::Read {
            what,
            reason: e.to_string(),
        }),
    }
}

/// Lists `K` in `ns`, or in every namespace.
async fn ns_list<K>(client: &Client, ns: Option<&str>) -> Result<Vec<K>, EvidenceError>
where
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope> + Clone + DeserializeOwned + Debug,
    K::DynamicType: Default,
{
    let api = match ns {
        Some(ns) => Api::<K>::namespaced(client.clone(), ns),
        None => Api::<K>::all(client.clone()),
    };
    list(api, &ListParams::default()).await
}

#[async_trait]
impl EvidenceSource for KubeSource {
    async fn snapshot(&self, context: &str, scope: &Scope) -> Result<Snapshot, EvidenceError> {
        let c = self.client(context).await?;
        let ns = scope.namespace().filter(|n| !n.is_empty());
        let node_target = match scope {
            Scope::Object { target } if target.kind == "Node" => Some(target.name.clone()),
            _ => None,
        };
        let mut s = Snapshot {
            now: Some(chrono::Utc::now()),
            ..Default::default()
        };
        // A node's investigation reads the pods on it, wherever they live.
        if let Some(node) = &node_target {
            let lp = ListParams::default().fields(&format!("spec.nodeName={node}"));
            s.pods = list(Api::<Pod>::all(c.clone()), &lp).await?;
            let lp = ListParams::default().fields(&format!("involvedObject.kind=Node,involvedObject.name={node}"));
            s.events = list(Api::<Event>::all(c.clone()), &lp).await?;
        } else {
            s.pods = ns_list(&c, ns).await?;
            s.events = ns_list(&c, ns).await?;
        }
        s.deployments = ns_list(&c, ns).await?;
        s.replicasets = ns_list(&c, ns).await?;
        s.statefulsets = ns_list(&c, ns).await?;
        s.daemonsets = ns_list(&c, ns).await?;
        s.jobs = ns_list(&c, ns).await?;
        s.cronjobs = ns_list(&c, ns).await?;
        s.services = ns_list(&c, ns).await?;
        s.endpointslices = ns_list(&c, ns).await?;
        s.ingresses = ns_list(&c, ns).await?;
        s.networkpolicies = ns_list(&c, ns).await?;
        s.pvcs = ns_list(&c, ns).await?;
        s.hpas = ns_list(&c, ns).await?;
        s.pdbs = ns_list(&c, ns).await?;
        s.configmaps = ns_list::<ConfigMap>(&c, ns).await?;
        for cm in &mut s.configmaps {
            // Keys matter ("couldn't find key"); values never leave the cluster's hands.
            for v in cm.data.iter_mut().flat_map(|d| d.values_mut()) {
                v.clear();
            }
            cm.binary_data = None;
            cm.metadata.managed_fields = None;
        }
        s.secrets = ns_list::<Secret>(&c, ns).await?;
        for sec in &mut s.secrets {
            for v in sec.data.iter_mut().flat_map(|d| d.values_mut()) {
                v.0.clear();
            }
            sec.string_data = None;
            sec.metadata.managed_fields = None;
            if let Some(a) = sec.metadata.annotations.as_mut() {
                a.remove("kubectl.kubernetes.io/last-applied-configuration");
            }
        }
        s.nodes = list(Api::<Node>::all(c.clone()), &ListParams::default()).await?;
        s.pvs = list(Api::<PersistentVolume>::all(c.clone()), &ListParams::default()).await?;
        s.storageclasses = list(Api::<StorageClass>::all(c.clone()), &ListParams::default()).await?;
        s.ingressclasses = list(Api::<IngressClass>::all(c.clone()), &ListParams::default()).await?;
        s.namespaces = list(Api::<Namespace>::all(c.clone()), &ListParams::default()).await?;
        if ns != Some("kube-system") {
            let lp = ListParams::default().labels("k8s-app=kube-dns");
            s.pods
                .extend(list(Api::<Pod>::namespaced(c.clone(), "kube-system"), &lp).await?);
        }
        for p in &mut s.pods {
            p.metadata.managed_fields = None;
        }
        Ok(s)
    }

    async fn logs(
        &self,
        context: &str,
        ns: &str,
        pod: &str,
        container: &str,
        previous: bool,
        tail: i64,
    ) -> Result<Vec<String>, EvidenceError> {
        let c = self.client(context).await?;
        read_logs(c, ns, pod, container, previous, tail).await
    }
}

/// The last `tail` lines of a container's log (its previous run's with `previous`), the evidence
/// tool's read for every evidence source that talks to a cluster.
pub(crate) async fn read_logs(
    client: Client,
    ns: &str,
    pod: &str,
    container: &str,
    previous: bool,
    tail: i64,
) -> Result<Vec<String>, EvidenceError> {
    let lp = LogParams {
        container: (!container.is_empty()).then(|| container.to_string()),
        previous,
        tail_lines: Some(tail),
        ..Default::default()
    };
    let text = Api::<Pod>::namespaced(client, ns)
        .logs(pod, &lp)
        .await
        .map_err(|e| EvidenceError::Read {
            what: format!("logs of {ns}/{pod}/{container}"),
            reason: e.to_string(),
        })?;
    Ok(text.lines().map(str::to_string).collect())
}
