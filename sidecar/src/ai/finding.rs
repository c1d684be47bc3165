//! What an analyzer reports: a root-cause code, the objects involved, the evidence it rests on
//! (quoted from the cluster, never paraphrased) and typed remediation actions.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::actions::Action;
use super::taxonomy::Code;

/// A Kubernetes object by kind, namespace and name (namespace absent for cluster-scoped kinds).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
pub struct ObjectRef {
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectRef {
    pub fn new(kind: &str, namespace: Option<&str>, name: &str) -> ObjectRef {
        ObjectRef {
            kind: kind.to_string(),
            namespace: namespace.map(str::to_string),
            name: name.to_string(),
        }
    }

    pub fn namespaced(kind: &str, namespace: &str, name: &str) -> ObjectRef {
        ObjectRef::new(kind, Some(namespace), name)
    }

    pub fn cluster(kind: &str, name: &str) -> ObjectRef {
        ObjectRef::new(kind, None, name)
    }
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{}/{}/{}", self.kind, ns, self.name),
            None => write!(f, "{}/{}", self.kind, self.name),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

/// Where a piece of evidence was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceSource {
    /// A status or spec field.
    Field,
    Event,
    Log,
}

/// One fact a conclusion rests on, quoted from the cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Evidence {
    pub source: EvidenceSource,
    pub object: ObjectRef,
    /// The field path (`status.containerStatuses[app].state.waiting.reason`), the event reason,
    /// or the container whose log it is.
    pub at: String,
    /// The value, event message or log line (masked, see `ai::mask`).
    pub text: String,
}

impl Evidence {
    pub fn field(object: &ObjectRef, at: impl Into<String>, text: impl Into<String>) -> Evidence {
        Evidence {
            source: EvidenceSource::Field,
            object: object.clone(),
            at: at.into(),
            text: text.into(),
        }
    }
    pub fn event(object: &ObjectRef, reason: impl Into<String>, text: impl Into<String>) -> Evidence {
        Evidence {
            source: EvidenceSource::Event,
            object: object.clone(),
            at: reason.into(),
            text: text.into(),
        }
    }
    pub fn log(object: &ObjectRef, container: impl Into<String>, text: impl Into<String>) -> Evidence {
        Evidence {
            source: EvidenceSource::Log,
            object: object.clone(),
            at: container.into(),
            text: text.into(),
        }
    }
}

/// One problem an analyzer found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    /// The object the finding is about first, then the others involved.
    pub objects: Vec<ObjectRef>,
    pub summary: String,
    /// 0.0 to 1.0: how strongly the evidence singles out this code.
    pub confidence: f64,
    pub evidence: Vec<Evidence>,
    pub actions: Vec<Action>,
}

impl Finding {
    pub fn new(code: Code, subject: ObjectRef, summary: impl Into<String>) -> Finding {
        Finding {
            code,
            severity: Severity::Critical,
            objects: vec![subject],
            summary: summary.into(),
            confidence: 0.9,
            evidence: Vec::new(),
            actions: Vec::new(),
        }
    }

    pub fn subject(&self) -> &ObjectRef {
        &self.objects[0]
    }

    pub fn severity(mut self, severity: Severity) -> Finding {
        self.severity = severity;
        self
    }
    pub fn confidence(mut self, confidence: f64) -> Finding {
        self.confidence = confidence;
        self
    }
    pub fn involving(mut self, object: ObjectRef) -> Finding {
        if !self.objects.contains(&object) {
            self.objects.push(object);
        }
        self
    }
    pub fn evidence(mut self, evidence: impl IntoIterator<Item = Evidence>) -> Finding {
        self.evidence.extend(evidence);
        self
    }
    pub fn action(mut self, action: Action) -> Finding {
        self.actions.push(action);
        self
    }

    /// A stable identity for deduplication (insights): the code and the objects, not the text.
    pub fn fingerprint(&self) -> String {
        let objects: Vec<String> = self.objects.iter().map(ToString::to_string).collect();
        format!("{}|{}", self.code, objects.join(","))
    }
}
