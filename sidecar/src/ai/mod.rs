//! The AI investigator: finds why something in a cluster is broken, shows the evidence, and
//! proposes typed fixes that the safety gate decides on.
//!
//! - [`analyzers`]: deterministic, no LLM; every investigation starts (and, without a provider or
//!   over budget, ends) with them.
//! - [`taxonomy`], [`finding`], [`actions`]: the vocabulary: root-cause codes, evidence, typed
//!   actions (never shell text).
//! - [`snapshot`]: the evidence gathered from the cluster, as the analyzers read it;
//!   [`evidence`]: the source it is read from and the tools (shared with the LLM);
//!   [`kube_source`]: that source over kube-rs.
//! - [`engine`]: the investigation lifecycle (queue, states, timeout, cancel, export/import);
//!   [`investigation`]: the stored document; [`similar`]: past incidents.
//! - [`chat`]: `/api/v1/ai/chat`, questions and kubectl-like commands about one context.
//! - [`mask`]: credentials never leave or persist; [`anonymize`]: names optionally do not leave
//!   either (placeholders out, real names back). Proposals meet the one safety gate
//!   (`crate::safety`) that every human action passes too.
//!
//! What this module is not: it does not reach the cluster except through an evidence source, and
//! it never mutates anything itself: actions go through the safety gate.

pub mod actions;
pub mod analyzers;
pub mod anonymize;
pub mod budget;
pub mod chat;
pub mod engine;
pub mod eval;
pub mod evidence;
pub mod finding;
pub mod insights;
pub mod investigation;
pub mod kube_source;
pub mod llm;
pub mod mask;
pub mod service;
pub mod similar;
pub mod snapshot;
pub mod taxonomy;
pub mod untrusted;

pub use actions::{Action, RiskClass};
pub use analyzers::{Scope, Verdict};
pub use finding::{Evidence, Finding, ObjectRef, Severity};
pub use snapshot::Snapshot;
pub use taxonomy::Code;
