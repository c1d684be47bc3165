//! What the AI investigator persists (tables from migrations 0003 and 0004): investigations as whole
//! JSON documents with the columns lists filter on, insights deduplicated by fingerprint, chat
//! messages, and the LLM usage ledger the budget reads.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::StoreError;

/// The columns of an investigation lists filter on, beside its JSON document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvestigationRow {
    pub id: String,
    pub created_at: String,
    pub updated_at: String,
    pub context: String,
    pub target_kind: Option<String>,
    pub target_namespace: Option<String>,
    pub target_name: Option<String>,
    pub question: Option<String>,
    pub state: String,
    pub root_cause_code: Option<String>,
    pub document: serde_json::Value,
}

#[derive(Debug, Clone, Default)]
pub struct InvestigationFilter {
    pub state: Option<String>,
    pub namespace: Option<String>,
    pub limit: u32,
    pub offset: u32,
}

/// One insight, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InsightRow {
    pub id: String,
    pub fingerprint: String,
    pub context: String,
    pub code: String,
    pub severity: String,
    pub kind: Option<String>,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub summary: String,
    #[schema(value_type = Object)]
    pub evidence: serde_json::Value,
    pub first_seen: String,
    pub last_seen: String,
    pub resolved_at: Option<String>,
}

/// Which insights a list wants.
#[derive(Debug, Clone, Default)]
pub struct InsightFilter {
    /// `open` (not resolved), `resolved`, or None for both.
    pub state: Option<String>,
    pub context: Option<String>,
    pub namespace: Option<String>,
    pub code: Option<String>,
    pub limit: u32,
    pub offset: u32,
}

/// One LLM call, as the budget counts it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageRecord {
    pub at: String,
    pub provider: String,
    pub model: String,
    pub operation: String,
    pub investigation_id: Option<String>,
    /// The chat conversation the call answered in (chat calls only).
    #[serde(default)]
    pub conversation_id: Option<String>,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub cost_usd: f64,
}

/// Tokens and cost summed over a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UsageTotals {
    pub tokens: u64,
    pub cost_usd: f64,
    pub calls: u64,
}

/// LLM usage of one UTC day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DayUsage {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    pub tokens: u64,
    pub cost_usd: f64,
    pub calls: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChatMessageRow {
    pub conversation_id: String,
    pub at: String,
    pub role: String,
    pub context: Option<String>,
    pub content: String,
}

#[async_trait]
pub trait AiStore: Send + Sync {
    /// Inserts or replaces an investigation.
    async fn put_investigation(&self, row: &InvestigationRow) -> Result<(), StoreError>;
    async fn get_investigation(&self, id: &str) -> Result<Option<InvestigationRow>, StoreError>;
    /// Newest first, with the total matching the filter.
    async fn list_investigations(
        &self,
        filter: &InvestigationFilter,
    ) -> Result<(Vec<InvestigationRow>, u64), StoreError>;

    /// Inserts a new insight or refreshes `last_seen` (and reopens it) by fingerprint. True when
    /// a reader would see a difference other than `last_seen`: the insight is new, reopened, or
    /// says something else (summary, severity, evidence).
    async fn upsert_insight(&self, row: &InsightRow) -> Result<bool, StoreError>;
    /// Marks open insights of `context` not in `seen` as resolved at `at`.
    async fn resolve_insights_except(&self, context: &str, seen: &[String], at: &str) -> Result<u64, StoreError>;
    /// The same, limited to the insights about objects in `namespace` (None: cluster-scoped
    /// objects), for a scan that looked at that namespace only.
    async fn resolve_insights_in(
        &self,
        context: &str,
        namespace: Option<&str>,
        seen: &[String],
        at: &str,
    ) -> Result<u64, StoreError>;
    /// Open ones first, then by `last_seen`, newest first; with the total matching the filter.
    async fn list_insights(&self, filter: &InsightFilter) -> Result<(Vec<InsightRow>, u64), StoreError>;

    async fn append_chat(&self, row: &ChatMessageRow) -> Result<(), StoreError>;
    /// The last `limit` messages of a conversation, oldest first.
    async fn chat_history(&self, conversation_id: &str, limit: u32) -> Result<Vec<ChatMessageRow>, StoreError>;

    async fn record_usage(&self, row: &UsageRecord) -> Result<(), StoreError>;
    /// Usage since `since` (RFC 3339).
    async fn usage_since(&self, since: &str) -> Result<UsageTotals, StoreError>;
    /// Usage since `since` (RFC 3339) per UTC day, oldest first; days without usage are absent.
    async fn usage_by_day(&self, since: &str) -> Result<Vec<DayUsage>, StoreError>;
    /// Usage of one chat conversation, all time.
    async fn usage_of_conversation(&self, conversation_id: &str) -> Result<UsageTotals, StoreError>;
}
