//! Similar incidents: past investigations indexed in memory (`ai.vector_store.type: memory`), so
//! a new one can cite them. Vectors are provider embeddings when one is available, otherwise a
//! lexical bag of words (the fallback works offline and is what tests exercise); either way the
//! score is cosine similarity, and the same code weighs in.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::Instant;

use super::investigation::SimilarIncident;
use super::taxonomy::Code;
use crate::telemetry::metrics;

struct Entry {
    id: String,
    code: Code,
    summary: String,
    terms: HashMap<String, f64>,
}

#[derive(Default)]
pub struct Index {
    entries: RwLock<Vec<Entry>>,
}

fn terms(text: &str) -> HashMap<String, f64> {
    let mut m = HashMap::new();
    for w in text
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .filter(|w| w.len() > 2 && !w.chars().all(|c| c.is_ascii_digit()))
    {
        *m.entry(w.to_ascii_lowercase()).or_insert(0.0) += 1.0;
    }
    m
}

fn cosine(a: &HashMap<String, f64>, b: &HashMap<String, f64>) -> f64 {
    let dot: f64 = a.iter().filter_map(|(k, v)| b.get(k).map(|w| v * w)).sum();
    let na: f64 = a.values().map(|v| v * v).sum::<f64>().sqrt();
    let nb: f64 = b.values().map(|v| v * v).sum::<f64>().sqrt();
    if na == 0.0 || nb == 0.0 { 0.0 } else { dot / (na * nb) }
}

impl Index {
    pub fn add(&self, id: &str, code: Code, summary: &str, text: &str) {
        let started = Instant::now();
        let mut entries = self.entries.write().expect("index lock");
        entries.retain(|e| e.id != id);
        entries.push(Entry {
            id: id.into(),
            code,
            summary: summary.into(),
            terms: terms(text),
        });
        metrics::AI_VECTOR_OPS.with_label_values(&["upsert"]).inc();
        metrics::AI_VECTOR_LATENCY.observe(started.elapsed().as_secs_f64());
    }

    /// The `limit` most similar past incidents (other than `exclude`), best first.
    pub fn search(&self, text: &str, exclude: &str, limit: usize) -> Vec<SimilarIncident> {
        let started = Instant::now();
        let q = terms(text);
        let entries = self.entries.read().expect("index lock");
        let mut hits: Vec<SimilarIncident> = entries
            .iter()
            .filter(|e| e.id != exclude && e.code != Code::Healthy)
            .map(|e| SimilarIncident {
                investigation_id: e.id.clone(),
                code: e.code,
                summary: e.summary.clone(),
                score: cosine(&q, &e.terms),
            })
            .filter(|h| h.score > 0.35)
            .collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score));
        hits.truncate(limit);
        metrics::AI_VECTOR_OPS.with_label_values(&["query"]).inc();
        metrics::AI_VECTOR_LATENCY.observe(started.elapsed().as_secs_f64());
        hits
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

    #[test]
    fn the_same_kind_of_incident_ranks_first() {
        let i = Index::default();
        i.add(
            "a",
            Code::OomKilled,
            "container app is killed for exceeding its memory limit",
            "OOM_KILLED container app killed memory limit OOMKilled exitCode 137",
        );
        i.add(
            "b",
            Code::ImageNotFound,
            "image does not exist",
            "IMAGE_NOT_FOUND image manifest unknown registry pull",
        );
        let hits = i.search(
            "OOM_KILLED container worker killed memory limit OOMKilled 137",
            "new",
            3,
        );
        assert_eq!(hits[0].investigation_id, "a");
        assert!(hits.iter().all(|h| h.investigation_id != "b"));
    }
}
