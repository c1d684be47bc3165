//! Similar incidents: concluded investigations indexed in memory (`ai.vector_store.type:
//! memory`, reloaded from the store at start), so a new investigation cites the past ones that
//! look like it.
//!
//! Each incident's text (root-cause code, summary, target kind, evidence reasons and quoted
//! evidence, all masked) is scored two ways:
//! - with an embeddings model when the provider has one (OpenAI, Azure OpenAI and compatible
//!   servers: `/embeddings` through async-openai, model `ai.vector_store.embeddings.model`, which
//!   on Azure names the embeddings deployment): the cosine of the two vectors;
//! - otherwise (no provider, Anthropic, `ai.vector_store.embeddings.provider: none`, or a failing
//!   call) lexically: the cosine of TF-IDF vectors over the indexed incidents, which works offline.
//!
//! A hit says which way it was scored (`method`).
//!
//! The embedder follows the LLM settings in force ([`crate::ai::service::Ai`] configures it on
//! each change). Vectors from different models do not compare, so each remembers the model and
//! endpoint that made it; after a change the index is embedded again from the store, and
//! meanwhile incidents whose vectors came from the previous model are scored lexically.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};
use std::time::Instant;

use super::investigation::{Investigation, SimilarIncident, State};
use super::llm::openai::OpenAi;
use super::llm::{self, ChatProvider, LlmError, Params};
use super::taxonomy::Code;
use crate::store::Store;
use crate::store::ai::InvestigationFilter;
use crate::telemetry::metrics;

/// Hits below these scores are not similar enough to cite.
pub const MIN_EMBEDDING_SCORE: f64 = 0.5;
pub const MIN_LEXICAL_SCORE: f64 = 0.2;

/// An embeddings model behind an OpenAI-compatible `/embeddings`.
#[derive(Clone)]
pub struct Embedder {
    provider: Arc<OpenAi>,
    model: String,
    /// Which model at which endpoint: vectors compare only within one space.
    space: Arc<str>,
}

impl Embedder {
    pub fn new(provider: OpenAi, model: &str) -> Embedder {
        let space = format!("{} {model}", provider.display_name());
        Embedder {
            provider: Arc::new(provider),
            model: model.to_string(),
            space: space.into(),
        }
    }

    /// The embedder the configuration implies: the LLM provider's connection (key, endpoint)
    /// with the embeddings model, when the provider speaks the OpenAI API. None means lexical.
    /// May block on the OS keyring.
    pub fn from_config(ai: &crate::config::Ai) -> Option<Embedder> {
        Embedder::for_llm(&ai.llm, &ai.vector_store, llm::api_key(&ai.llm))
    }

    /// [`Embedder::from_config`] for the LLM settings `llm_cfg`, with their API key already read.
    pub fn for_llm(
        llm_cfg: &crate::config::Llm,
        vector_store: &crate::config::VectorStore,
        key: Option<String>,
    ) -> Option<Embedder> {
        let wanted = vector_store.embeddings.provider.trim().to_ascii_lowercase();
        let provider = llm_cfg.provider.trim().to_ascii_lowercase();
        if wanted == "none" || vector_store.kind != "memory" {
            return None;
        }
        let built = match provider.as_str() {
            "openai" => OpenAi::new(
                Params::from_config(llm_cfg),
                key,
                &llm_cfg.endpoint,
                &llm_cfg.organization,
            ),
            // Azure serves embeddings from a deployment of an embeddings model, never from the
            // chat deployment (`ai.llm.deployment_id`); the model setting names that deployment.
            "azure" => OpenAi::azure(
                Params::from_config(llm_cfg),
                key?,
                &llm_cfg.endpoint,
                &vector_store.embeddings.model,
                &llm_cfg.api_version,
            ),
            // Anthropic has no embeddings API; no provider, no embeddings.
            _ => return None,
        };
        match built {
            Ok(p) => {
                let mut embedder = Embedder::new(p, &vector_store.embeddings.model);
                // The display name leaves Azure's endpoint out; two Azure resources are two spaces.
                embedder.space = format!("{provider} {} {}", llm_cfg.endpoint.trim(), embedder.model).into();
                Some(embedder)
            }
            Err(e) => {
                tracing::warn!(error = %e, "embeddings unavailable; similar incidents are found lexically");
                None
            }
        }
    }

    async fn embed(&self, text: &str) -> Result<Embedded, LlmError> {
        Ok(Embedded {
            space: self.space.clone(),
            values: self.provider.embed(&self.model, text).await?,
        })
    }
}

/// A vector and the space ([`Embedder::space`]) it belongs to.
struct Embedded {
    space: Arc<str>,
    values: Vec<f32>,
}

impl Embedded {
    /// The cosine of two vectors of one space; None across spaces (or of mismatched lengths).
    fn cosine(&self, other: &Embedded) -> Option<f64> {
        if self.space != other.space {
            return None;
        }
        cosine_dense(&self.values, &other.values)
    }
}

struct Entry {
    id: String,
    code: Code,
    summary: String,
    terms: HashMap<String, f64>,
    vector: Option<Embedded>,
}

#[derive(Default)]
pub struct Index {
    entries: RwLock<Vec<Entry>>,
    embedder: RwLock<Option<Embedder>>,
    /// `ai.anonymize_names`: incidents are indexed (and embedded) with placeholders for names.
    anonymize: bool,
}

const STOP: &[&str] = &[
    "the", "and", "for", "with", "not", "its", "was", "has", "are", "from", "that", "this", "into", "but", "all",
];

/// Term counts of a text: words of three characters or more (codes like `OOM_KILLED` stay one
/// word), lower-cased, without numbers and the commonest English words.
fn terms(text: &str) -> HashMap<String, f64> {
    let mut m = HashMap::new();
    for w in text
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .filter(|w| w.len() > 2 && !w.chars().all(|c| c.is_ascii_digit()))
    {
        let w = w.to_ascii_lowercase();
        if !STOP.contains(&w.as_str()) {
            *m.entry(w).or_insert(0.0) += 1.0;
        }
    }
    m
}

fn cosine_sparse(a: &HashMap<String, f64>, b: &HashMap<String, f64>) -> f64 {
    let dot: f64 = a.iter().filter_map(|(k, v)| b.get(k).map(|w| v * w)).sum();
    let na: f64 = a.values().map(|v| v * v).sum::<f64>().sqrt();
    let nb: f64 = b.values().map(|v| v * v).sum::<f64>().sqrt();
    if na == 0.0 || nb == 0.0 { 0.0 } else { dot / (na * nb) }
}

fn cosine_dense(a: &[f32], b: &[f32]) -> Option<f64> {
    if a.len() != b.len() || a.is_empty() {
        return None;
    }
    let dot: f64 = a.iter().zip(b).map(|(x, y)| f64::from(*x) * f64::from(*y)).sum();
    let na: f64 = a.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    (na > 0.0 && nb > 0.0).then(|| dot / (na * nb))
}

/// Term counts weighted by inverse document frequency over `docs` (smoothed, so a term every
/// incident has still counts a little).
fn tf_idf(tf: &HashMap<String, f64>, df: &HashMap<&str, usize>, docs: usize) -> HashMap<String, f64> {
    tf.iter()
        .map(|(t, n)| {
            let d = df.get(t.as_str()).copied().unwrap_or(0);
            let idf = ((docs as f64 + 1.0) / (d as f64 + 1.0)).ln() + 1.0;
            (t.clone(), n * idf)
        })
        .collect()
}

impl Index {
    /// An empty index; with `anonymize`, what it indexes (and may send to an embeddings
    /// provider) has placeholders for names.
    pub fn new(anonymize: bool) -> Index {
        Index {
            anonymize,
            ..Default::default()
        }
    }

    /// The text this index scores an investigation by.
    pub fn text_of(&self, inv: &Investigation) -> String {
        inv.incident_text(self.anonymize)
    }

    /// Uses `embedder` for what is added and searched from now on (None: lexical only). True
    /// when the incidents already indexed need embedding again ([`Index::reembed`]): the
    /// embedder is another model or endpoint than before, and there are incidents.
    pub fn configure(&self, embedder: Option<Embedder>) -> bool {
        let mut current = self.embedder.write().expect("embedder lock");
        let before = current.as_ref().map(|e| e.space.clone());
        let after = embedder.as_ref().map(|e| e.space.clone());
        *current = embedder;
        drop(current);
        after.is_some() && after != before && !self.is_empty()
    }

    pub fn uses_embeddings(&self) -> bool {
        self.embedder.read().expect("embedder lock").is_some()
    }

    fn space(&self) -> Option<Arc<str>> {
        self.embedder
            .read()
            .expect("embedder lock")
            .as_ref()
            .map(|e| e.space.clone())
    }

    async fn vector(&self, text: &str) -> Option<Embedded> {
        let embedder = self.embedder.read().expect("embedder lock").clone()?;
        let started = Instant::now();
        let v = match embedder.embed(text).await {
            Ok(v) => Some(v),
            Err(e) => {
                tracing::warn!(error = %e, "embedding failed; scoring this incident lexically");
                None
            }
        };
        metrics::AI_VECTOR_OPS.with_label_values(&["embed"]).inc();
        metrics::AI_VECTOR_LATENCY.observe(started.elapsed().as_secs_f64());
        v
    }

    /// Indexes (or re-indexes) one incident.
    pub async fn add(&self, id: &str, code: Code, summary: &str, text: &str) {
        let vector = self.vector(text).await;
        let started = Instant::now();
        let mut entries = self.entries.write().expect("index lock");
        entries.retain(|e| e.id != id);
        entries.push(Entry {
            id: id.into(),
            code,
            summary: summary.into(),
            terms: terms(text),
            vector,
        });
        metrics::AI_VECTOR_OPS.with_label_values(&["upsert"]).inc();
        metrics::AI_VECTOR_LATENCY.observe(started.elapsed().as_secs_f64());
    }

    /// The `limit` most similar past incidents (other than `exclude`, and not `HEALTHY` ones),
    /// best first.
    pub async fn search(&self, text: &str, exclude: &str, limit: usize) -> Vec<SimilarIncident> {
        let query_vector = self.vector(text).await;
        let started = Instant::now();
        let q = terms(text);
        let entries = self.entries.read().expect("index lock");
        let mut df: HashMap<&str, usize> = HashMap::new();
        for e in entries.iter() {
            for t in e.terms.keys() {
                *df.entry(t.as_str()).or_default() += 1;
            }
        }
        let docs = entries.len();
        let qw = tf_idf(&q, &df, docs);
        let mut hits: Vec<SimilarIncident> = entries
            .iter()
            .filter(|e| e.id != exclude && e.code != Code::Healthy)
            .filter_map(|e| {
                let semantic = match (&query_vector, &e.vector) {
                    (Some(a), Some(b)) => a.cosine(b),
                    _ => None,
                };
                let (score, method, min) = match semantic {
                    Some(s) => (s, "embedding", MIN_EMBEDDING_SCORE),
                    None => (
                        cosine_sparse(&qw, &tf_idf(&e.terms, &df, docs)),
                        "lexical",
                        MIN_LEXICAL_SCORE,
                    ),
                };
                (score >= min).then(|| SimilarIncident {
                    investigation_id: e.id.clone(),
                    code: e.code,
                    summary: e.summary.clone(),
                    score: (score * 1000.0).round() / 1000.0,
                    method: method.into(),
                })
            })
            .collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score));
        hits.truncate(limit);
        metrics::AI_VECTOR_OPS.with_label_values(&["query"]).inc();
        metrics::AI_VECTOR_LATENCY.observe(started.elapsed().as_secs_f64());
        hits
    }

    /// Indexes every concluded investigation in the store (the memory index starts empty).
    /// Returns how many.
    pub async fn load(&self, store: &dyn Store) -> usize {
        self.load_while(store, || true).await
    }

    /// Indexes the store's incidents again with the embedder in use, after [`Index::configure`]
    /// said so. Stops early when the embedder changes meanwhile (the UI saves endpoint, model
    /// and provider one after another), leaving the rest to the embedding the change asked for.
    /// Returns how many it indexed.
    pub async fn reembed(&self, store: &dyn Store) -> usize {
        let space = self.space();
        self.load_while(store, || self.space() == space).await
    }

    async fn load_while(&self, store: &dyn Store, current: impl Fn() -> bool) -> usize {
        let mut seen = HashSet::new();
        let mut offset = 0;
        loop {
            let f = InvestigationFilter {
                state: Some(State::Concluded.as_str().into()),
                limit: 200,
                offset,
                ..Default::default()
            };
            let Ok((rows, total)) = store.list_investigations(&f).await else {
                break;
            };
            let n = rows.len() as u32;
            for row in rows {
                let Ok(inv) = serde_json::from_value::<Investigation>(row.document) else {
                    continue;
                };
                if !current() {
                    return seen.len();
                }
                if let Some(rc) = &inv.root_cause
                    && seen.insert(inv.investigation_id.clone())
                {
                    self.add(&inv.investigation_id, rc.code, &rc.summary, &self.text_of(&inv))
                        .await;
                }
            }
            offset += n;
            if n == 0 || u64::from(offset) >= total {
                break;
            }
        }
        seen.len()
    }

    pub fn len(&self) -> usize {
        self.entries.read().expect("index lock").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_same_kind_of_incident_ranks_first_lexically() {
        let i = Index::default();
        i.add(
            "a",
            Code::OomKilled,
            "container app is killed for exceeding its memory limit",
            "OOM_KILLED container app killed memory limit Pod OOMKilled exitCode 137",
        )
        .await;
        i.add(
            "b",
            Code::ImageNotFound,
            "image does not exist",
            "IMAGE_NOT_FOUND image manifest unknown registry pull Pod ErrImagePull",
        )
        .await;
        i.add(
            "c",
            Code::Healthy,
            "in its desired state",
            "HEALTHY container memory limit Pod",
        )
        .await;
        let hits = i
            .search(
                "OOM_KILLED container worker killed memory limit Pod OOMKilled 137",
                "new",
                3,
            )
            .await;
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(
            (hits[0].investigation_id.as_str(), hits[0].method.as_str()),
            ("a", "lexical")
        );
        assert!(hits[0].score > MIN_LEXICAL_SCORE && hits[0].score <= 1.0);
        assert!(
            i.search("OOM_KILLED killed memory", "a", 3).await.is_empty(),
            "itself is excluded"
        );
    }

    #[test]
    fn rare_terms_weigh_more_than_common_ones() {
        let mut df = HashMap::new();
        df.insert("pod", 10);
        df.insert("oomkilled", 1);
        let w = tf_idf(&terms("Pod OOMKilled"), &df, 10);
        assert!(w["oomkilled"] > w["pod"]);
    }
}
