//! Runs investigations: queue (bounded by `ai.investigations.max_concurrent`), gather evidence,
//! analyze, reason (with an LLM when one is configured and within budget), conclude — each state
//! stored and broadcast as it happens, the whole run bounded by `timeout_seconds`.
//!
//! The engine never touches the cluster except through its [`EvidenceSource`] and never mutates
//! anything itself: every proposal goes to the one safety gate ([`Actions::submit_ai`]), which
//! refuses it, parks it for a person's approval, or runs it (after a server dry run), and audits.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tokio::sync::{Semaphore, broadcast};
use tokio::task::AbortHandle;
use utoipa::ToSchema;

use super::actions::Action;
use super::analyzers::{self, Scope, Verdict};
use super::evidence::{self, EvidenceSource};
use super::finding::{Evidence, ObjectRef};
use super::investigation::{ConclusionSource, Investigation, ProposedAction, RootCause, State, Step, TargetSpec};
use super::mask;
use super::similar;
use super::snapshot::Snapshot;
use super::taxonomy::Code;
use crate::config;
use crate::safety::actions::{Actions, Submitted};
use crate::safety::{AiProposal, Target};
use crate::store::ai::InvestigationFilter;
use crate::store::kept;
use crate::store::{Store, StoreError};
use crate::telemetry::metrics;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{0}")]
    BadRequest(String),
    #[error("investigation {0} not found")]
    NotFound(String),
    #[error("investigation {id} is already {state}; only queued or running investigations can be cancelled")]
    NotCancellable { id: String, state: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A state change, as published to WebSocket subscribers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Progress {
    pub investigation_id: String,
    pub state: State,
    pub detail: String,
    pub at: String,
}

/// What the reasoning step gets: the analyzers' verdict and the evidence to call tools on.
pub struct ReasonInput<'a> {
    pub investigation_id: &'a str,
    pub context: &'a str,
    pub scope: &'a Scope,
    pub question: Option<&'a str>,
    pub verdict: &'a Verdict,
    pub snapshot: &'a Snapshot,
    pub source: &'a dyn EvidenceSource,
    /// `ai.anonymize_names`: the LLM sees placeholders, never the names.
    pub anonymize_names: bool,
}

/// The LLM's conclusion, already validated (a known code, typed actions).
#[derive(Debug, Clone, PartialEq)]
pub struct LlmConclusion {
    pub code: Code,
    pub summary: String,
    pub explanation: String,
    pub confidence: f64,
    /// As the LLM wrote it; masked where the investigation stores it, with its summary and explanation.
    pub evidence: Vec<String>,
    pub actions: Vec<Action>,
    /// Actions the LLM asked for while reasoning (tool calls that are not evidence tools).
    pub requested_actions: Vec<Action>,
}

pub enum ReasonOutcome {
    /// The LLM was not used; why (no provider, over budget, provider failing).
    Skipped(String),
    Concluded(LlmConclusion),
}

#[async_trait]
pub trait Reasoner: Send + Sync {
    async fn reason(&self, input: ReasonInput<'_>) -> ReasonOutcome;
}

/// A queued or running investigation: its live document, the task to abort on cancel, and its
/// place in the queue gauge.
type Running = (Arc<tokio::sync::Mutex<Investigation>>, Option<AbortHandle>, Arc<Queued>);

/// One investigation's count in `ai_investigation_queue_length`. The task leaves the queue when
/// it gets a slot, a cancel when it ends a queued one; the two race (a slot can free up while a
/// cancel is under way), so whichever comes first takes the count off and the other does nothing.
struct Queued(std::sync::atomic::AtomicBool);

impl Queued {
    fn join() -> Arc<Queued> {
        metrics::AI_QUEUE_LENGTH.inc();
        Arc::new(Queued(std::sync::atomic::AtomicBool::new(true)))
    }

    /// Takes this investigation's count off the gauge, once; true for the call that did.
    fn leave(&self) -> bool {
        let counted = self.0.swap(false, std::sync::atomic::Ordering::SeqCst);
        if counted {
            metrics::AI_QUEUE_LENGTH.dec();
        }
        counted
    }
}

struct Inner {
    config: config::Ai,
    store: Arc<dyn Store>,
    source: Arc<dyn EvidenceSource>,
    actions: Actions,
    /// The LLM step, replaced when the provider's settings change; an investigation keeps the
    /// one it started reasoning with.
    reasoner: std::sync::RwLock<Option<Arc<dyn Reasoner>>>,
    permits: Arc<Semaphore>,
    running: Mutex<HashMap<String, Running>>,
    /// Ended investigations whose last state the store could not take yet (a full disk): served
    /// from here until the kept write lands, so a conclusion is never shown as still running.
    unsaved: Mutex<HashMap<String, Investigation>>,
    events: broadcast::Sender<Progress>,
    similar: similar::Index,
}

#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl Engine {
    pub fn new(
        config: config::Ai,
        store: Arc<dyn Store>,
        source: Arc<dyn EvidenceSource>,
        actions: Actions,
        reasoner: Option<Arc<dyn Reasoner>>,
    ) -> Engine {
        let permits = Arc::new(Semaphore::new(config.investigations.max_concurrent.max(1) as usize));
        let (events, _) = broadcast::channel(256);
        let anonymize = config.anonymize_names;
        Engine {
            inner: Arc::new(Inner {
                config,
                store,
                source,
                actions,
                reasoner: std::sync::RwLock::new(reasoner),
                permits,
                running: Mutex::new(HashMap::new()),
                unsaved: Mutex::new(HashMap::new()),
                events,
                similar: similar::Index::new(anonymize),
            }),
        }
    }

    /// Reasons with `reasoner` from the next investigation on (None: the analyzers conclude alone).
    pub fn set_reasoner(&self, reasoner: Option<Arc<dyn Reasoner>>) {
        *self.inner.reasoner.write().expect("reasoner lock") = reasoner;
    }

    /// Progress of every investigation, for the WebSocket (`/api/v1/ws` forwards these).
    pub fn subscribe(&self) -> broadcast::Receiver<Progress> {
        self.inner.events.subscribe()
    }

    pub fn similar_index(&self) -> &similar::Index {
        &self.inner.similar
    }

    /// Queues an investigation and returns its id at once.
    pub async fn start(
        &self,
        context: String,
        target: TargetSpec,
        question: Option<String>,
    ) -> Result<String, EngineError> {
        let scope = target.scope().map_err(EngineError::BadRequest)?;
        if context.trim().is_empty() {
            return Err(EngineError::BadRequest(
                "context is required: the kubeconfig context to investigate".into(),
            ));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let at = now();
        let doc = Investigation {
            investigation_id: id.clone(),
            context,
            target,
            question: question.map(|q| mask::text(&q)),
            state: State::Queued,
            created_at: at.clone(),
            updated_at: at.clone(),
            started_at: None,
            finished_at: None,
            root_cause: None,
            explanation: None,
            conclusion_source: None,
            llm_note: None,
            findings: Vec::new(),
            evidence: Vec::new(),
            cited_evidence: Vec::new(),
            proposed_actions: Vec::new(),
            similar: Vec::new(),
            steps: vec![Step {
                at,
                state: State::Queued,
                detail: "waiting for a free slot".into(),
            }],
            error: None,
        };
        self.inner.store.put_investigation(&doc.row()).await?;
        let _ = self.inner.events.send(Progress {
            investigation_id: id.clone(),
            state: State::Queued,
            detail: doc.steps[0].detail.clone(),
            at: doc.created_at.clone(),
        });
        let shared = Arc::new(tokio::sync::Mutex::new(doc));
        let queued = Queued::join();
        self.inner
            .running
            .lock()
            .expect("running lock")
            .insert(id.clone(), (shared.clone(), None, queued.clone()));
        let engine = self.clone();
        let task_id = id.clone();
        let handle = tokio::spawn(async move { engine.run(task_id, scope, shared, queued).await });
        if let Some(entry) = self.inner.running.lock().expect("running lock").get_mut(&id) {
            entry.1 = Some(handle.abort_handle());
        }
        Ok(id)
    }

    async fn run(&self, id: String, scope: Scope, doc: Arc<tokio::sync::Mutex<Investigation>>, queued: Arc<Queued>) {
        let permit = self.inner.permits.clone().acquire_owned().await;
        queued.leave();
        let started = Instant::now();
        let timeout = Duration::from_secs(self.inner.config.investigations.timeout_seconds.max(1));
        let outcome = tokio::time::timeout(timeout, self.investigate(&scope, &doc)).await;
        let elapsed = started.elapsed().as_secs_f64();
        metrics::AI_INVESTIGATION_DURATION.observe(elapsed);
        metrics::INVESTIGATION_DURATION.observe(elapsed);
        match outcome {
            Ok(Ok(())) => metrics::INVESTIGATION_SUCCESS.inc(),
            Ok(Err(e)) => {
                metrics::INVESTIGATION_FAILURE.inc();
                self.finish(&doc, State::Failed, Some(e)).await;
            }
            Err(_) => {
                metrics::INVESTIGATION_TIMEOUT.inc();
                self.finish(
                    &doc,
                    State::TimedOut,
                    Some(format!(
                        "the investigation did not conclude within {}s (ai.investigations.timeout_seconds)",
                        timeout.as_secs()
                    )),
                )
                .await;
            }
        }
        drop(permit);
        self.inner.running.lock().expect("running lock").remove(&id);
    }

    /// Moves to `state` unless the investigation already ended (a cancel wins over a late step).
    async fn transition(&self, doc: &tokio::sync::Mutex<Investigation>, state: State, detail: &str) -> bool {
        let mut d = doc.lock().await;
        if d.state.is_terminal() {
            return false;
        }
        let at = now();
        d.state = state;
        d.updated_at = at.clone();
        if d.started_at.is_none() && state != State::Queued {
            d.started_at = Some(at.clone());
        }
        d.steps.push(Step {
            at: at.clone(),
            state,
            detail: detail.to_string(),
        });
        if state.is_terminal() {
            self.store_ending(&d).await;
        } else if let Err(e) = self.inner.store.put_investigation(&d.row()).await {
            // A later step's write carries this one's too.
            tracing::warn!(error = %e, investigation_id = %d.investigation_id, "could not store an investigation step");
        }
        let _ = self.inner.events.send(Progress {
            investigation_id: d.investigation_id.clone(),
            state,
            detail: detail.into(),
            at,
        });
        true
    }

    /// Stores an investigation's last state. It leaves the running set when it ends, so on a
    /// full disk it is kept until written, and served from memory meanwhile, not lost.
    async fn store_ending(&self, d: &Investigation) {
        let (store, row) = (self.inner.store.clone(), d.row());
        let what = format!("investigation {} ({})", d.investigation_id, d.state.as_str());
        let kept = kept::write_or_keep(what, kept::RETRY_EVERY, move || {
            let (store, row) = (store.clone(), row.clone());
            async move { store.put_investigation(&row).await }
        })
        .await;
        if let kept::Kept::Pending(written) = kept {
            let id = d.investigation_id.clone();
            self.inner
                .unsaved
                .lock()
                .expect("unsaved lock")
                .insert(id.clone(), d.clone());
            let inner = self.inner.clone();
            tokio::spawn(async move {
                let _ = written.await;
                inner.unsaved.lock().expect("unsaved lock").remove(&id);
            });
        }
    }

    async fn finish(&self, doc: &tokio::sync::Mutex<Investigation>, state: State, error: Option<String>) {
        {
            let mut d = doc.lock().await;
            if d.state.is_terminal() {
                return;
            }
            d.error = error.clone();
            d.finished_at = Some(now());
        }
        self.transition_terminal(doc, state, error.as_deref().unwrap_or("done"))
            .await;
    }

    async fn transition_terminal(&self, doc: &tokio::sync::Mutex<Investigation>, state: State, detail: &str) {
        self.transition(doc, state, detail).await;
    }

    async fn investigate(&self, scope: &Scope, doc: &tokio::sync::Mutex<Investigation>) -> Result<(), String> {
        let (id, context, question) = {
            let d = doc.lock().await;
            (d.investigation_id.clone(), d.context.clone(), d.question.clone())
        };
        if !self
            .transition(
                doc,
                State::Gathering,
                "reading the target, its owners, pods, events and logs",
            )
            .await
        {
            return Ok(());
        }
        let snapshot = evidence::gather(&*self.inner.source, &context, scope)
            .await
            .map_err(|e| e.to_string())?;
        if !self
            .transition(
                doc,
                State::Analyzing,
                &format!(
                    "{} pods, {} events, {} log excerpts gathered",
                    snapshot.pods.len(),
                    snapshot.events.len(),
                    snapshot.logs.len()
                ),
            )
            .await
        {
            return Ok(());
        }
        let verdict = analyzers::conclude(&snapshot, scope);
        let investigated: Vec<Target> = investigated_scope(&snapshot, scope)
            .into_iter()
            .map(|o| target_of(&context, &o))
            .collect();
        let mut conclusion = from_verdict(&verdict);
        let mut llm_note = None;
        let mut requested = Vec::new();
        let mut cited = Vec::new();
        let reasoner = self.inner.reasoner.read().expect("reasoner lock").clone();
        if let Some(reasoner) = &reasoner {
            if !self
                .transition(doc, State::Reasoning, "asking the LLM, with the same evidence tools")
                .await
            {
                return Ok(());
            }
            let input = ReasonInput {
                investigation_id: &id,
                context: &context,
                scope,
                question: question.as_deref(),
                verdict: &verdict,
                snapshot: &snapshot,
                source: &*self.inner.source,
                anonymize_names: self.inner.config.anonymize_names,
            };
            match reasoner.reason(input).await {
                ReasonOutcome::Concluded(c) => {
                    requested = c.requested_actions.clone();
                    cited = c.evidence.iter().map(|e| mask::text(e)).collect();
                    conclusion = Conclusion {
                        root_cause: RootCause {
                            code: c.code,
                            summary: mask::text(&c.summary),
                            confidence: c.confidence.clamp(0.0, 1.0),
                        },
                        explanation: mask::text(&c.explanation),
                        source: ConclusionSource::Llm,
                        actions: c.actions.iter().map(|a| (a.clone(), "llm")).collect(),
                    };
                    if c.code != verdict.code {
                        llm_note = Some(format!(
                            "the analyzers concluded {} ({}); the LLM concluded {}",
                            verdict.code, verdict.summary, c.code
                        ));
                    }
                }
                ReasonOutcome::Skipped(why) => llm_note = Some(format!("concluded without the LLM: {why}")),
            }
        } else {
            llm_note = Some("concluded without the LLM: no provider is configured (ai.llm.provider)".into());
        }
        // Every proposal, including what the LLM asked for mid-investigation, meets the gate.
        let mut proposed: Vec<ProposedAction> = Vec::new();
        for a in &requested {
            proposed.push(self.propose(&id, &context, a, &investigated, "llm").await);
        }
        for (a, by) in &conclusion.actions {
            proposed.push(self.propose(&id, &context, a, &investigated, by).await);
        }
        let similar = {
            let d = doc.lock().await;
            let mut probe = d.clone();
            probe.root_cause = Some(conclusion.root_cause.clone());
            probe.evidence = masked_evidence(&verdict);
            let text = self.inner.similar.text_of(&probe);
            self.inner.similar.search(&text, &id, 3).await
        };
        {
            let mut d = doc.lock().await;
            if d.state.is_terminal() {
                return Ok(());
            }
            d.findings = verdict.findings.iter().map(masked_finding).collect();
            d.evidence = masked_evidence(&verdict);
            d.cited_evidence = cited;
            d.root_cause = Some(conclusion.root_cause.clone());
            d.explanation = Some(conclusion.explanation.clone());
            d.conclusion_source = Some(conclusion.source);
            d.llm_note = llm_note;
            d.proposed_actions = proposed;
            d.similar = similar;
            d.finished_at = Some(now());
            self.inner
                .similar
                .add(
                    &d.investigation_id,
                    conclusion.root_cause.code,
                    &conclusion.root_cause.summary,
                    &self.inner.similar.text_of(&d),
                )
                .await;
        }
        let rc = conclusion.root_cause;
        self.transition(doc, State::Concluded, &format!("{}: {}", rc.code, rc.summary))
            .await;
        Ok(())
    }

    /// Hands one proposal to the safety gate and records what it decided (and, when it ran,
    /// what happened).
    async fn propose(
        &self,
        id: &str,
        context: &str,
        action: &Action,
        investigated: &[Target],
        proposed_by: &str,
    ) -> ProposedAction {
        let mut out = ProposedAction {
            action: action.clone(),
            operation: action.operation(),
            proposed_by: proposed_by.into(),
            decision: "advice".into(),
            reason: None,
            result: None,
            action_id: None,
            approval_id: None,
        };
        let (Some(cluster_action), Some(target)) = (action.cluster_action(), action.target()) else {
            return out;
        };
        let proposal = AiProposal {
            investigation_id: id,
            investigated,
            from_llm: proposed_by == "llm",
        };
        let submitted = self
            .inner
            .actions
            .submit_ai(cluster_action, target_of(context, target), &proposal)
            .await;
        match submitted {
            Ok(Submitted::Applied { action_id, outcome }) => {
                out.decision = "allowed".into();
                out.result = Some(format!("applied: {}", outcome.summary));
                out.action_id = Some(action_id);
            }
            Ok(Submitted::Failed { action_id, reason }) => {
                out.decision = "allowed".into();
                out.result = Some(format!("failed: {reason}"));
                out.action_id = Some(action_id);
            }
            Ok(Submitted::PendingApproval {
                action_id,
                approval_id,
                reason,
            }) => {
                out.decision = "needs_approval".into();
                out.reason = Some(reason);
                out.action_id = Some(action_id);
                out.approval_id = Some(approval_id);
            }
            Ok(Submitted::Refused { action_id, reason }) => {
                out.decision = "refused".into();
                out.reason = Some(reason);
                out.action_id = Some(action_id);
            }
            Err(e) => {
                // The gate allowed it but it could not run (the context is not reachable...).
                tracing::warn!(error = %e, investigation_id = id, "an allowed AI action could not run");
                out.decision = "allowed".into();
                out.result = Some(format!("failed: {e}"));
            }
        }
        out
    }

    /// Cancels a queued or running investigation.
    pub async fn cancel(&self, id: &str) -> Result<Investigation, EngineError> {
        let entry = self.inner.running.lock().expect("running lock").get(id).cloned();
        let Some((doc, handle, queued)) = entry else {
            let d = self.get(id).await?;
            return Err(EngineError::NotCancellable {
                id: id.into(),
                state: d.state.as_str().into(),
            });
        };
        {
            let mut d = doc.lock().await;
            if !d.state.is_terminal() {
                d.finished_at = Some(now());
            }
        }
        self.transition(&doc, State::Cancelled, "cancelled on request").await;
        if let Some(h) = handle {
            h.abort();
        }
        // Aborted before it got a slot, the task never left the queue itself.
        queued.leave();
        self.inner.running.lock().expect("running lock").remove(id);
        Ok(doc.lock().await.clone())
    }

    pub async fn get(&self, id: &str) -> Result<Investigation, EngineError> {
        if let Some(d) = self.inner.unsaved.lock().expect("unsaved lock").get(id) {
            return Ok(d.clone());
        }
        let row = self
            .inner
            .store
            .get_investigation(id)
            .await?
            .ok_or_else(|| EngineError::NotFound(id.into()))?;
        serde_json::from_value(row.document)
            .map_err(|e| EngineError::BadRequest(format!("stored investigation {id} is unreadable: {e}")))
    }

    pub async fn list(&self, filter: &InvestigationFilter) -> Result<(Vec<Investigation>, u64), EngineError> {
        let (rows, total) = self.inner.store.list_investigations(filter).await?;
        let unsaved = self.inner.unsaved.lock().expect("unsaved lock");
        let items = rows
            .into_iter()
            .filter_map(|r| match unsaved.get(&r.id) {
                Some(d) => Some(d.clone()),
                None => serde_json::from_value(r.document).ok(),
            })
            .collect();
        Ok((items, total))
    }

    /// Every stored investigation, oldest first.
    pub async fn export(&self) -> Result<Vec<Investigation>, EngineError> {
        let mut out = Vec::new();
        let mut offset = 0;
        loop {
            let f = InvestigationFilter {
                limit: 500,
                offset,
                ..Default::default()
            };
            let (items, total) = self.list(&f).await?;
            let n = items.len() as u32;
            out.extend(items);
            offset += n;
            if n == 0 || u64::from(offset) >= total {
                break;
            }
        }
        out.reverse();
        Ok(out)
    }

    /// Stores investigations from an export; existing ids are kept as they are. Returns
    /// (imported, skipped).
    pub async fn import(&self, items: Vec<Investigation>) -> Result<(u64, u64), EngineError> {
        let (mut imported, mut skipped) = (0, 0);
        for mut inv in items {
            if self
                .inner
                .store
                .get_investigation(&inv.investigation_id)
                .await?
                .is_some()
            {
                skipped += 1;
                continue;
            }
            // An investigation exported mid-run cannot resume here.
            if !inv.state.is_terminal() {
                inv.state = State::Cancelled;
                inv.error = Some("imported while it was still running".into());
            }
            if let Some(rc) = &inv.root_cause {
                self.inner
                    .similar
                    .add(
                        &inv.investigation_id,
                        rc.code,
                        &rc.summary,
                        &self.inner.similar.text_of(&inv),
                    )
                    .await;
            }
            self.inner.store.put_investigation(&inv.row()).await?;
            imported += 1;
        }
        Ok((imported, skipped))
    }

    /// Investigations waiting for a slot.
    pub fn queue_length(&self) -> i64 {
        metrics::AI_QUEUE_LENGTH.get()
    }
}

struct Conclusion {
    root_cause: RootCause,
    explanation: String,
    source: ConclusionSource,
    actions: Vec<(Action, &'static str)>,
}

/// The analyzers' verdict in words: the code, the summary, the evidence (masked) and what else
/// was seen. Investigations conclude with it; chat answers with it when no LLM does. The UI's
/// investigation card (`explanationBody`) leaves out the opening line and the "Evidence:" /
/// "Observed:" block, up to "Also seen: " or "(Concluded by ", since the page shows both already.
pub fn explain_verdict(v: &Verdict) -> String {
    // The finding first, then what the code means in general: the summary once, and a sentence
    // that starts where a sentence should.
    let summary = v.summary.trim_end_matches('.');
    let mut explanation = format!("{} — {summary}.\nWhat {} means: {}.", v.code, v.code, v.code.describe());
    if let Some(f) = v.findings.first() {
        if !f.evidence.is_empty() {
            explanation.push_str("\nEvidence:");
            for e in f.evidence.iter().take(6) {
                explanation.push_str(&format!("\n- {} {}: {}", e.object, e.at, mask::text(&e.text)));
            }
        }
        if v.findings.len() > 1 {
            let others: Vec<String> = v.findings[1..]
                .iter()
                .take(4)
                .map(|f| format!("{} on {}", f.code, f.subject()))
                .collect();
            explanation.push_str(&format!("\nAlso seen: {}.", others.join("; ")));
        }
    } else if !v.observed.is_empty() {
        explanation.push_str("\nObserved:");
        for e in v.observed.iter().take(8) {
            explanation.push_str(&format!(
                "\n- {} {}: {}",
                e.object,
                e.at.trim_start_matches("unhealthy:"),
                mask::text(&e.text)
            ));
        }
    }
    explanation
}

/// The analyzers' conclusion with a templated explanation.
fn from_verdict(v: &Verdict) -> Conclusion {
    let mut explanation = explain_verdict(v);
    explanation.push_str("\n(Concluded by the deterministic analyzers; explanation templated.)");
    Conclusion {
        root_cause: RootCause {
            code: v.code,
            summary: mask::text(&v.summary),
            confidence: v.confidence,
        },
        explanation,
        source: ConclusionSource::Analyzers,
        actions: v
            .findings
            .first()
            .map(|f| f.actions.iter().map(|a| (a.clone(), "analyzers")).collect())
            .unwrap_or_default(),
    }
}

fn masked_finding(f: &super::finding::Finding) -> super::finding::Finding {
    let mut f = f.clone();
    f.summary = mask::text(&f.summary);
    for e in &mut f.evidence {
        e.text = mask::text(&e.text);
    }
    f
}

fn masked_evidence(v: &Verdict) -> Vec<Evidence> {
    let mut out: Vec<Evidence> = v
        .findings
        .first()
        .map(|f| f.evidence.clone())
        .unwrap_or_else(|| v.observed.clone());
    for e in &mut out {
        e.text = mask::text(&e.text);
    }
    out
}

fn target_of(context: &str, o: &ObjectRef) -> Target {
    Target {
        context: context.to_string(),
        kind: o.kind.clone(),
        namespace: o.namespace.clone(),
        name: o.name.clone(),
    }
}

/// The objects an action may touch without a person's say: the investigated object and its
/// owner chain.
pub fn investigated_scope(s: &Snapshot, scope: &Scope) -> Vec<ObjectRef> {
    match scope {
        Scope::Object { target } => {
            let mut v = vec![target.clone()];
            v.extend(s.owner_chain(target));
            v
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::{Queued, explain_verdict};
    use crate::ai::analyzers::Verdict;
    use crate::ai::taxonomy::Code;

    #[test]
    fn a_templated_explanation_says_the_finding_once_then_what_its_code_means() {
        let v = Verdict {
            code: Code::CrashloopDependency,
            summary: "the application exits because Service redis has no ready endpoints".into(),
            confidence: 0.9,
            findings: Vec::new(),
            observed: Vec::new(),
        };
        let text = explain_verdict(&v);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "CRASHLOOP_DEPENDENCY — the application exits because Service redis has no ready endpoints.",
                &format!(
                    "What CRASHLOOP_DEPENDENCY means: {}.",
                    Code::CrashloopDependency.describe()
                ),
            ]
        );
        assert_eq!(text.matches("Service redis").count(), 1, "{text}");
    }

    #[test]
    fn an_investigation_leaves_the_queue_gauge_once_whoever_sees_it_first() {
        // The task getting a slot and a cancel of the still-queued investigation both leave the
        // queue; only the first takes the count off.
        let q = Queued::join();
        assert!(q.leave());
        assert!(!q.leave(), "a second leave would make the gauge one too low for good");
    }
}
