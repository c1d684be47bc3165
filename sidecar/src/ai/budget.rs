//! The LLM budget: every call's tokens and cost go to the usage ledger (`llm_usage`); daily and
//! monthly sums feed `/api/v1/ai/status` and the `ai_*` metrics; past `warning_threshold_percent`
//! a warning is logged; with `hard_limit`, no call is made past `monthly_limit_usd` or
//! `token_limit` — investigations continue with the analyzers and say why.
//!
//! Prices are USD per million tokens per model (prefix match, longest wins), from a built-in
//! table that `~/.kubilitics/ai-prices.yaml` overrides (`model: {input: 10.0, output: 30.0}`):
//! list prices change faster than releases.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use chrono::{Datelike, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::config;
use crate::store::Store;
use crate::store::ai::{DayUsage, UsageRecord, UsageTotals};
use crate::telemetry::metrics;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Price {
    /// USD per million prompt tokens.
    pub input: f64,
    /// USD per million completion tokens.
    pub output: f64,
}

const DEFAULT_PRICES: &[(&str, f64, f64)] = &[
    ("gpt-4-turbo", 10.0, 30.0),
    ("gpt-4o-mini", 0.15, 0.6),
    ("gpt-4o", 2.5, 10.0),
    ("gpt-4.1-mini", 0.4, 1.6),
    ("gpt-4.1", 2.0, 8.0),
    ("gpt-4", 30.0, 60.0),
    ("gpt-3.5-turbo", 0.5, 1.5),
    ("claude-opus", 15.0, 75.0),
    ("claude-sonnet", 3.0, 15.0),
    ("claude-haiku", 0.8, 4.0),
    ("claude-3-5-sonnet", 3.0, 15.0),
    ("claude-3-opus", 15.0, 75.0),
];

#[derive(Debug, Clone)]
pub struct PriceTable(HashMap<String, Price>);

impl Default for PriceTable {
    fn default() -> Self {
        PriceTable(
            DEFAULT_PRICES
                .iter()
                .map(|(m, i, o)| (m.to_string(), Price { input: *i, output: *o }))
                .collect(),
        )
    }
}

impl PriceTable {
    /// The defaults overridden by `ai-prices.yaml` in the Kubilitics home, when present.
    pub fn load(home: &Path) -> PriceTable {
        let mut t = PriceTable::default();
        let path = home.join("ai-prices.yaml");
        if let Ok(text) = std::fs::read_to_string(&path) {
            match serde_norway::from_str::<HashMap<String, Price>>(&text) {
                Ok(over) => t.0.extend(over),
                Err(e) => tracing::warn!(path = %path.display(), error = %e, "ignoring an unreadable price table"),
            }
        }
        t
    }

    pub fn set(&mut self, model: &str, price: Price) {
        self.0.insert(model.to_string(), price);
    }

    /// The price of `model` (longest matching prefix); unknown models cost nothing but their
    /// tokens still count against `token_limit`.
    pub fn price(&self, model: &str) -> Option<Price> {
        self.0
            .iter()
            .filter(|(k, _)| model.starts_with(k.as_str()))
            .max_by_key(|(k, _)| k.len())
            .map(|(_, p)| *p)
    }

    pub fn cost(&self, model: &str, prompt: u64, completion: u64) -> f64 {
        self.price(model).map_or(0.0, |p| {
            (prompt as f64 * p.input + completion as f64 * p.output) / 1_000_000.0
        })
    }
}

/// Usage as `/api/v1/ai/status` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TokenUsage {
    pub daily_used: u64,
    /// An even share of the monthly token limit.
    pub daily_quota: u64,
    pub daily_cost_usd: f64,
    pub monthly_used: u64,
    pub monthly_token_limit: u64,
    pub monthly_cost_usd: f64,
    pub monthly_limit_usd: f64,
    /// Past `warning_threshold_percent` of either limit.
    pub warning: bool,
    /// With `hard_limit`, no LLM call is made until next month.
    pub exhausted: bool,
    /// This month's usage per UTC day, from the 1st to today, days without calls included
    /// (for the usage chart). Only in `/ai/status`: the check before each call leaves it empty.
    #[serde(default)]
    pub by_day: Vec<DayUsage>,
}

/// What an LLM call is for, as the usage ledger attributes it: the operation (`investigate`,
/// `chat`) and the investigation or chat conversation it served.
#[derive(Debug, Clone, Copy, Default)]
pub struct Charge<'a> {
    pub operation: &'a str,
    pub investigation_id: Option<&'a str>,
    pub conversation_id: Option<&'a str>,
}

#[derive(Clone)]
pub struct Budget {
    config: config::Budget,
    store: Arc<dyn Store>,
    prices: Arc<PriceTable>,
}

fn month_start() -> String {
    let n = Utc::now();
    Utc.with_ymd_and_hms(n.year(), n.month(), 1, 0, 0, 0)
        .single()
        .unwrap_or(n)
        .to_rfc3339()
}

/// The 1st of `today`'s month to `today`, each day with what `recorded` has for it (zero without).
fn every_day_of_this_month(recorded: Vec<DayUsage>, today: chrono::NaiveDate) -> Vec<DayUsage> {
    let mut recorded: HashMap<String, DayUsage> = recorded.into_iter().map(|d| (d.day.clone(), d)).collect();
    (1..=today.day())
        .filter_map(|d| today.with_day(d))
        .map(|date| {
            let day = date.format("%Y-%m-%d").to_string();
            recorded.remove(&day).unwrap_or(DayUsage {
                day,
                tokens: 0,
                cost_usd: 0.0,
                calls: 0,
            })
        })
        .collect()
}

fn day_start() -> String {
    let n = Utc::now();
    Utc.with_ymd_and_hms(n.year(), n.month(), n.day(), 0, 0, 0)
        .single()
        .unwrap_or(n)
        .to_rfc3339()
}

impl Budget {
    pub fn new(config: config::Budget, store: Arc<dyn Store>, prices: PriceTable) -> Budget {
        metrics::AI_TOKEN_BUDGET_LIMIT.set(config.token_limit as i64);
        Budget {
            config,
            store,
            prices: Arc::new(prices),
        }
    }

    pub async fn usage(&self) -> TokenUsage {
        let zero = UsageTotals::default();
        let day = self.store.usage_since(&day_start()).await.unwrap_or(zero);
        let month = self.store.usage_since(&month_start()).await.unwrap_or(zero);
        let c = &self.config;
        let pct = f64::from(c.warning_threshold_percent) / 100.0;
        let token_share = if c.token_limit > 0 {
            month.tokens as f64 / c.token_limit as f64
        } else {
            0.0
        };
        let cost_share = if c.monthly_limit_usd > 0.0 {
            month.cost_usd / c.monthly_limit_usd
        } else {
            0.0
        };
        metrics::AI_TOKEN_BUDGET_REMAINING.set(c.token_limit.saturating_sub(month.tokens) as i64);
        TokenUsage {
            daily_used: day.tokens,
            daily_quota: c.token_limit / 30,
            daily_cost_usd: day.cost_usd,
            monthly_used: month.tokens,
            monthly_token_limit: c.token_limit,
            monthly_cost_usd: month.cost_usd,
            monthly_limit_usd: c.monthly_limit_usd,
            warning: token_share >= pct || cost_share >= pct,
            exhausted: token_share >= 1.0 || cost_share >= 1.0,
            by_day: Vec::new(),
        }
    }

    /// [`Budget::usage`] with this month's usage per day.
    pub async fn usage_by_day(&self) -> TokenUsage {
        let mut usage = self.usage().await;
        let recorded = self.store.usage_by_day(&month_start()).await.unwrap_or_default();
        usage.by_day = every_day_of_this_month(recorded, Utc::now().date_naive());
        usage
    }

    /// `Err(why)` when a call may not be made now.
    pub async fn check(&self) -> Result<(), String> {
        let u = self.usage().await;
        if u.exhausted && self.config.hard_limit {
            return Err(format!(
                "the monthly LLM budget is used up ({} of {} tokens, ${:.2} of ${:.2}) and ai.budget.hard_limit is on",
                u.monthly_used, u.monthly_token_limit, u.monthly_cost_usd, u.monthly_limit_usd
            ));
        }
        if u.warning {
            tracing::warn!(
                monthly_tokens = u.monthly_used,
                monthly_cost_usd = u.monthly_cost_usd,
                threshold_percent = self.config.warning_threshold_percent,
                "LLM budget past its warning threshold"
            );
        }
        Ok(())
    }

    /// Writes one call to the ledger and the metrics; returns its cost.
    pub async fn record(&self, provider: &str, model: &str, charge: &Charge<'_>, prompt: u64, completion: u64) -> f64 {
        let cost = self.prices.cost(model, prompt, completion);
        metrics::AI_LLM_REQUESTS
            .with_label_values(&[model, charge.operation])
            .inc();
        metrics::AI_TOKENS_USED.inc_by(prompt + completion);
        metrics::AI_TOKEN_COST.inc_by(cost);
        let row = UsageRecord {
            at: Utc::now().to_rfc3339(),
            provider: provider.into(),
            model: model.into(),
            operation: charge.operation.into(),
            investigation_id: charge.investigation_id.map(str::to_string),
            conversation_id: charge.conversation_id.map(str::to_string),
            prompt_tokens: prompt,
            completion_tokens: completion,
            cost_usd: cost,
        };
        if let Err(e) = self.store.record_usage(&row).await {
            tracing::warn!(error = %e, "could not write the LLM usage ledger");
        }
        let _ = self.usage().await;
        cost
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_usage_chart_has_every_day_of_the_month_so_far_with_zero_for_quiet_days() {
        let used = DayUsage {
            day: "2026-11-02".into(),
            tokens: 1280,
            cost_usd: 0.01,
            calls: 2,
        };
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 4).unwrap();
        let days = every_day_of_this_month(vec![used.clone()], today);
        assert_eq!(
            days.iter().map(|d| (d.day.as_str(), d.tokens)).collect::<Vec<_>>(),
            [
                ("2026-11-01", 0),
                ("2026-11-02", 1280),
                ("2026-11-03", 0),
                ("2026-11-04", 0)
            ]
        );
        assert_eq!(days[1], used);
        let first = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(
            every_day_of_this_month(Vec::new(), first).len(),
            1,
            "on the 1st, one day"
        );
    }

    #[test]
    fn prices_match_the_longest_prefix_and_can_be_overridden() {
        let mut t = PriceTable::default();
        assert_eq!(t.price("gpt-4o-mini-2024-07-18").unwrap().input, 0.15);
        assert_eq!(t.price("gpt-4o-2024-08-06").unwrap().input, 2.5);
        assert!((t.cost("gpt-4-turbo", 1_000_000, 1_000_000) - 40.0).abs() < 1e-9);
        t.set(
            "local-llama",
            Price {
                input: 0.0,
                output: 0.0,
            },
        );
        assert_eq!(t.cost("local-llama-3", 10, 10), 0.0);
        assert!(t.price("mystery").is_none());
    }

    #[test]
    fn ai_prices_yaml_in_the_home_overrides_and_extends_the_table() {
        let home = tempfile::tempdir().unwrap();
        assert_eq!(PriceTable::load(home.path()).price("gpt-4o").unwrap().input, 2.5);
        std::fs::write(
            home.path().join("ai-prices.yaml"),
            "gpt-4o: {input: 5.0, output: 20.0}\nmy-vllm: {input: 0.0, output: 0.0}\n",
        )
        .unwrap();
        let t = PriceTable::load(home.path());
        assert_eq!(t.price("gpt-4o-2024-08-06").unwrap().input, 5.0);
        assert!((t.cost("gpt-4o", 1_000_000, 1_000_000) - 25.0).abs() < 1e-9);
        assert_eq!(t.cost("my-vllm-llama", 1_000, 1_000), 0.0);
        assert_eq!(t.price("gpt-4o-mini").unwrap().input, 0.15, "the rest stay");
        // An unreadable file leaves the defaults.
        std::fs::write(home.path().join("ai-prices.yaml"), "gpt-4o: [1, 2]\n").unwrap();
        assert_eq!(PriceTable::load(home.path()).price("gpt-4o").unwrap().input, 2.5);
    }
}
