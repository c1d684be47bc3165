//! The evaluation suite: `tests/scenarios/<code>/expected.yaml` names a target and the root-cause
//! code an investigation of it must conclude. [`load`] reads the suite, [`Report`] prints accuracy
//! per code, so a regression shows as a number (`kubilitics eval`, and the ignored test
//! `ai_scenarios` that runs the same through the HTTP API against the real control plane).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::analyzers;
use super::evidence::{self, EvidenceSource};
use super::investigation::TargetSpec;

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("cannot read the scenario suite {}: {reason}", path.display())]
    Read { path: PathBuf, reason: String },
}

#[derive(Debug, Clone, Deserialize)]
pub struct Scenario {
    #[serde(skip)]
    pub name: String,
    pub code: String,
    pub target: TargetSpec,
}

/// Every scenario directory with an `expected.yaml`, by name.
pub fn load(dir: &Path) -> Result<Vec<Scenario>, EvalError> {
    let err = |path: &Path, e: &dyn std::fmt::Display| EvalError::Read {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let mut out = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| err(dir, &e))?;
    for entry in entries.flatten() {
        let path = entry.path().join("expected.yaml");
        if !path.is_file() {
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(|e| err(&path, &e))?;
        let mut s: Scenario = serde_norway::from_str(&text).map_err(|e| err(&path, &e))?;
        s.name = entry.file_name().to_string_lossy().into_owned();
        if s.target.namespace.as_deref() == Some("") {
            s.target.namespace = None;
        }
        out.push(s);
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Investigates each scenario's target the way an investigation without an LLM does (gather the
/// evidence from `source`, let the analyzers conclude) and records what it concluded.
pub async fn run(source: &dyn EvidenceSource, context: &str, suite: &[Scenario]) -> Report {
    let mut report = Report::default();
    for s in suite {
        let (got, summary) = match s.target.scope() {
            Err(e) => ("(bad target)".to_string(), e),
            Ok(scope) => match evidence::gather(source, context, &scope).await {
                Err(e) => ("(error)".to_string(), e.to_string()),
                Ok(snapshot) => {
                    let v = analyzers::conclude(&snapshot, &scope);
                    (v.code.as_str().to_string(), v.summary)
                }
            },
        };
        report.outcomes.push(Outcome {
            scenario: s.name.clone(),
            expected: s.code.clone(),
            got,
            summary,
        });
    }
    report
}

/// One scenario's outcome.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub scenario: String,
    pub expected: String,
    pub got: String,
    pub summary: String,
}

#[derive(Debug, Default)]
pub struct Report {
    pub outcomes: Vec<Outcome>,
}

impl Report {
    pub fn correct(&self) -> usize {
        self.outcomes.iter().filter(|o| o.expected == o.got).count()
    }

    /// Correct and total scenarios per expected code, by code.
    pub fn per_code(&self) -> BTreeMap<&str, (usize, usize)> {
        let mut per_code: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for o in &self.outcomes {
            let e = per_code.entry(o.expected.as_str()).or_default();
            e.1 += 1;
            if o.expected == o.got {
                e.0 += 1;
            }
        }
        per_code
    }

    /// A table of every scenario, accuracy per code, and the total.
    pub fn render(&self) -> String {
        let mut out = String::from(
            "scenario                              expected                     got                          ok\n",
        );
        for o in &self.outcomes {
            out.push_str(&format!(
                "{:<37} {:<28} {:<28} {}\n",
                o.scenario,
                o.expected,
                o.got,
                if o.expected == o.got { "yes" } else { "NO" }
            ));
        }
        out.push_str("\naccuracy per code\n");
        for (code, (ok, n)) in &self.per_code() {
            out.push_str(&format!(
                "{code:<28} {ok}/{n} {:>5.0}%\n",
                100.0 * *ok as f64 / *n as f64
            ));
        }
        let n = self.outcomes.len().max(1);
        out.push_str(&format!(
            "\ntotal {}/{} = {:.1}%\n",
            self.correct(),
            self.outcomes.len(),
            100.0 * self.correct() as f64 / n as f64
        ));
        for o in self.outcomes.iter().filter(|o| o.expected != o.got) {
            out.push_str(&format!("miss {}: {}\n", o.scenario, o.summary));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_suite_in_the_repository_loads() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/scenarios");
        if !dir.is_dir() {
            return;
        }
        let suite = load(&dir).unwrap();
        assert!(
            suite
                .iter()
                .all(|s| super::super::taxonomy::Code::parse(&s.code).is_some()),
            "every expected code is a taxonomy code"
        );
        assert!(suite.iter().any(|s| s.code == "HEALTHY"));
        // One scenario per code: a code without one has no accuracy to show. UNKNOWN is what
        // the analyzers say when the evidence settles nothing; no fault is built to produce it.
        for code in super::super::taxonomy::Code::ALL {
            assert!(
                code.as_str() == "UNKNOWN" || suite.iter().any(|s| s.code == code.as_str()),
                "{} has no scenario in tests/scenarios/",
                code.as_str()
            );
        }
    }

    fn scenario(name: &str, code: &str, kind: &str, target: &str) -> Scenario {
        Scenario {
            name: name.into(),
            code: code.into(),
            target: TargetSpec {
                kind: Some(kind.into()),
                namespace: Some("shop".into()),
                name: Some(target.into()),
            },
        }
    }

    #[tokio::test]
    async fn a_wrong_conclusion_shows_as_a_lower_accuracy_for_its_code() {
        // A Deployment in its desired state, and a pod killed for its memory limit.
        let snapshot: super::super::snapshot::Snapshot = serde_json::from_value(serde_json::json!({
            "deployments": [{"metadata": {"name": "web", "namespace": "shop", "uid": "u1"},
                "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}}, "template": {}},
                "status": {"replicas": 1, "readyReplicas": 1, "availableReplicas": 1}}],
            "pods": [{"metadata": {"name": "worker", "namespace": "shop"},
                "spec": {"containers": [{"name": "app", "image": "worker:1"}]},
                "status": {"phase": "Running", "containerStatuses": [{"name": "app", "image": "worker:1", "imageID": "",
                    "ready": false, "restartCount": 5,
                    "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s"}},
                    "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137}}}]}}]
        }))
        .unwrap();
        let source = super::super::evidence::StaticSource(snapshot);
        let suite = vec![
            scenario("healthy-web", "HEALTHY", "Deployment", "web"),
            scenario("oom", "OOM_KILLED", "Pod", "worker"),
            // Expects a fault where there is none: must count as a miss.
            scenario("wrong", "IMAGE_NOT_FOUND", "Deployment", "web"),
        ];
        let report = run(&source, "ctx", &suite).await;
        let got: Vec<&str> = report.outcomes.iter().map(|o| o.got.as_str()).collect();
        assert_eq!(got, ["HEALTHY", "OOM_KILLED", "HEALTHY"]);
        assert_eq!(report.correct(), 2);
        assert_eq!(report.per_code().get("IMAGE_NOT_FOUND"), Some(&(0, 1)));
        assert_eq!(report.per_code().get("OOM_KILLED"), Some(&(1, 1)));
        let text = report.render();
        assert!(text.contains("total 2/3 = 66.7%"), "{text}");
        assert!(text.contains("miss wrong:"), "{text}");
    }
}
