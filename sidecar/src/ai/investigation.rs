//! An investigation as stored, exported and served: the request, its state, and — once
//! concluded — the root cause with the evidence and proposed actions it rests on.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::actions::Action;
use super::analyzers::Scope;
use super::anonymize::Names;
use super::finding::{Evidence, Finding, ObjectRef};
use super::taxonomy::Code;
use crate::store::ai::InvestigationRow;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Queued,
    Gathering,
    Analyzing,
    Reasoning,
    Concluded,
    Failed,
    TimedOut,
    Cancelled,
}

impl State {
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            State::Concluded | State::Failed | State::TimedOut | State::Cancelled
        )
    }
    pub fn as_str(self) -> &'static str {
        match self {
            State::Queued => "queued",
            State::Gathering => "gathering",
            State::Analyzing => "analyzing",
            State::Reasoning => "reasoning",
            State::Concluded => "concluded",
            State::Failed => "failed",
            State::TimedOut => "timed_out",
            State::Cancelled => "cancelled",
        }
    }
    pub fn parse(s: &str) -> Option<State> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
    }
}

/// What to investigate: an object (`kind` + `name`, `namespace` for namespaced kinds), a
/// namespace (`namespace` only) or, absent, the whole cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TargetSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl TargetSpec {
    pub fn scope(&self) -> Result<Scope, String> {
        let ns = self.namespace.clone().filter(|n| !n.is_empty());
        match (&self.kind, &self.name) {
            (Some(kind), Some(name)) if !kind.is_empty() && !name.is_empty() => Ok(Scope::Object {
                target: ObjectRef::new(kind, ns.as_deref(), name),
            }),
            (None, None) => Ok(match ns {
                Some(namespace) => Scope::Namespace { namespace },
                None => Scope::Cluster,
            }),
            _ => Err(
                "target needs both kind and name (and namespace for namespaced kinds), or only a namespace, or nothing"
                    .into(),
            ),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RootCause {
    pub code: Code,
    pub summary: String,
    /// 0.0 to 1.0.
    pub confidence: f64,
}

/// Who reached the conclusion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConclusionSource {
    /// The deterministic analyzers, with a templated explanation (no LLM, or over budget).
    Analyzers,
    Llm,
}

/// An action proposed by the analyzers or the LLM, with the safety gate's decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProposedAction {
    pub action: Action,
    pub operation: String,
    /// `analyzers` or `llm`.
    pub proposed_by: String,
    /// allowed, needs_approval, refused, advice (manual actions never run).
    pub decision: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What happened when it ran, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// The safety gate's record of it (`/api/v1/audit`), when it reached the gate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_id: Option<String>,
    /// With `needs_approval`: approve or reject it at `/api/v1/approvals/{approval_id}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Step {
    pub at: String,
    pub state: State,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SimilarIncident {
    pub investigation_id: String,
    pub code: Code,
    pub summary: String,
    /// Cosine similarity, 0.0 to 1.0.
    pub score: f64,
    /// `embedding` (the provider's embeddings model) or `lexical` (TF-IDF, without one).
    #[serde(default)]
    pub method: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Investigation {
    pub investigation_id: String,
    pub context: String,
    #[serde(default)]
    pub target: TargetSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
    pub state: State,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_cause: Option<RootCause>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conclusion_source: Option<ConclusionSource>,
    /// Why the LLM was not used, or what it could not do, when that matters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub llm_note: Option<String>,
    #[serde(default)]
    pub findings: Vec<Finding>,
    #[serde(default)]
    pub evidence: Vec<Evidence>,
    /// What the LLM's conclusion rests on, as it cited it (masked); empty when the analyzers
    /// concluded. The analyzers' `evidence` is kept beside it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cited_evidence: Vec<String>,
    #[serde(default)]
    pub proposed_actions: Vec<ProposedAction>,
    /// Past investigations that look like this one, most similar first.
    #[serde(default, rename = "similar_incidents", alias = "similar")]
    pub similar: Vec<SimilarIncident>,
    #[serde(default)]
    pub steps: Vec<Step>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Investigation {
    pub fn row(&self) -> InvestigationRow {
        InvestigationRow {
            id: self.investigation_id.clone(),
            created_at: self.created_at.clone(),
            updated_at: self.updated_at.clone(),
            context: self.context.clone(),
            target_kind: self.target.kind.clone(),
            target_namespace: self.target.namespace.clone(),
            target_name: self.target.name.clone(),
            question: self.question.clone(),
            state: self.state.as_str().into(),
            root_cause_code: self.root_cause.as_ref().map(|r| r.code.as_str().to_string()),
            document: serde_json::to_value(self).unwrap_or_default(),
        }
    }

    /// Text that describes the incident, for similarity search: the root-cause code and
    /// summary, the target's kind, and each piece of evidence's object kind, reason (event
    /// reason or field) and text. Masked already, like everything stored with it.
    /// The text the similar-incidents index scores. With `anonymize` (`ai.anonymize_names`),
    /// the names the document mentions are placeholders: the text may go to an embeddings
    /// provider.
    pub fn incident_text(&self, anonymize: bool) -> String {
        let text = self.incident_words();
        if !anonymize {
            return text;
        }
        let scope = self.target.scope().unwrap_or(Scope::Cluster);
        let mut names = Names::for_scope(&self.context, &scope);
        names.learn_refs(self.evidence.iter().map(|e| &e.object));
        names.learn_refs(self.findings.iter().flat_map(|f| f.objects.iter()));
        names.learn_refs(self.proposed_actions.iter().filter_map(|p| p.action.target()));
        names.hide(&text)
    }

    fn incident_words(&self) -> String {
        let mut t = String::new();
        if let Some(rc) = &self.root_cause {
            t.push_str(&format!("{} {} ", rc.code, rc.summary));
        }
        if let Some(kind) = &self.target.kind {
            t.push_str(kind);
            t.push(' ');
        }
        for e in self.evidence.iter().take(12) {
            t.push_str(&format!("{} {} {} ", e.object.kind, e.at, e.text));
        }
        t
    }
}
