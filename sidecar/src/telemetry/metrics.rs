//! Prometheus metrics: every name of the runbook's backend and AI tables, plus the names its
//! alert rules use, plus process metrics. Served as text on `metrics.port` (see `server`).
//!
//! Metrics whose subsystem has not produced a sample yet still declare their HELP and TYPE, so
//! dashboards and alert rules find every name from the first scrape.

use std::sync::LazyLock;

use prometheus::core::Collector;
use prometheus::{
    Counter, Encoder, Gauge, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts,
    Registry, TextEncoder,
};

pub static REGISTRY: LazyLock<Registry> = LazyLock::new(|| {
    let r = Registry::new();
    #[cfg(target_os = "linux")]
    r.register(Box::new(prometheus::process_collector::ProcessCollector::for_self()))
        .expect("process collector registers once");
    r
});

fn register<C: Collector + Clone + 'static>(c: C) -> C {
    REGISTRY.register(Box::new(c.clone())).expect("metric names are unique");
    c
}

fn counter_vec(name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    register(IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric"))
}
fn counter(name: &str, help: &str) -> IntCounter {
    register(IntCounter::new(name, help).expect("valid metric"))
}
fn gauge(name: &str, help: &str) -> IntGauge {
    register(IntGauge::new(name, help).expect("valid metric"))
}
fn histogram(name: &str, help: &str) -> Histogram {
    register(Histogram::with_opts(HistogramOpts::new(name, help)).expect("valid metric"))
}
fn histogram_vec(name: &str, help: &str, labels: &[&str]) -> HistogramVec {
    register(HistogramVec::new(HistogramOpts::new(name, help), labels).expect("valid metric"))
}

macro_rules! metric {
    ($name:ident: $ty:ty = $init:expr) => {
        pub static $name: LazyLock<$ty> = LazyLock::new(|| $init);
    };
}

// ---- backend ----
metric!(REQUESTS_TOTAL: IntCounterVec = counter_vec("kubilitics_requests_total", "HTTP requests by method, path and status", &["method", "path", "status"]));
metric!(REQUEST_DURATION: HistogramVec = histogram_vec("kubilitics_request_duration_seconds", "HTTP request latency", &["method", "path"]));
metric!(DB_QUERY_DURATION: HistogramVec = histogram_vec("kubilitics_database_query_duration_seconds", "Database query latency by operation", &["operation"]));
metric!(K8S_API_CALLS: IntCounterVec = counter_vec("kubilitics_kubernetes_api_calls_total", "Kubernetes API calls by resource type", &["resource"]));
metric!(K8S_API_FAILURES: IntCounterVec = counter_vec("kubilitics_kubernetes_api_failures_total", "Failed Kubernetes API calls by resource type", &["resource"]));
metric!(K8S_API_LATENCY: HistogramVec = histogram_vec("kubilitics_kubernetes_api_latency_seconds", "Kubernetes API latency by resource type", &["resource"]));
metric!(ACTIVE_WEBSOCKETS: IntGauge = gauge("kubilitics_active_websockets", "Open WebSocket connections"));
metric!(CACHED_ITEMS: IntGauge = gauge("kubilitics_cached_items_total", "Objects held in the watch caches"));
metric!(CACHE_HIT_RATIO: Gauge = register(Gauge::new("kubilitics_cache_hit_ratio", "Share of reads answered from cache").expect("valid metric")));
metric!(INVESTIGATION_DURATION: Histogram = histogram("kubilitics_investigation_duration_seconds", "Investigation execution time"));
metric!(INVESTIGATION_SUCCESS: IntCounter = counter("kubilitics_investigation_success_total", "Investigations that concluded"));
metric!(INVESTIGATION_FAILURE: IntCounter = counter("kubilitics_investigation_failure_total", "Investigations that failed"));
metric!(INVESTIGATION_TIMEOUT: IntCounter = counter("kubilitics_investigation_timeout_total", "Investigations that timed out"));
metric!(DB_CONNECTIONS_ACTIVE: IntGauge = gauge("kubilitics_database_connections_active", "Database connections in use"));
metric!(DB_CONNECTIONS_IDLE: IntGauge = gauge("kubilitics_database_connections_idle", "Database connections idle"));
metric!(DB_CONNECTIONS_MAX: IntGauge = gauge("kubilitics_database_connections_max", "Database connections at most"));

// ---- AI ----
metric!(AI_LLM_REQUESTS: IntCounterVec = counter_vec("ai_llm_requests_total", "LLM API calls by model and operation", &["model", "operation"]));
metric!(AI_LLM_LATENCY: Histogram = histogram("ai_llm_latency_seconds", "LLM response latency"));
metric!(AI_TOKENS_USED: IntCounter = counter("ai_tokens_used_total", "Tokens consumed"));
metric!(AI_TOKEN_BUDGET_REMAINING: IntGauge = gauge("ai_token_budget_remaining", "Tokens left in this month's budget"));
metric!(AI_TOKEN_BUDGET_LIMIT: IntGauge = gauge("ai_token_budget_limit", "This month's token budget"));
metric!(AI_TOKEN_COST: Counter = register(Counter::new("ai_token_cost_usd", "Cumulative LLM cost in USD").expect("valid metric")));
metric!(AI_VECTOR_OPS: IntCounterVec = counter_vec("ai_vector_store_operations_total", "Vector store queries and updates", &["operation"]));
metric!(AI_VECTOR_LATENCY: Histogram = histogram("ai_vector_store_latency_seconds", "Vector store latency"));
metric!(AI_QUEUE_LENGTH: IntGauge = gauge("ai_investigation_queue_length", "Investigations waiting to run"));
metric!(AI_INVESTIGATION_DURATION: Histogram = histogram("ai_investigation_duration_seconds", "Investigation execution time"));
metric!(AI_INSIGHT_DURATION: Histogram = histogram("ai_insight_generation_duration_seconds", "Insight scan time"));

/// Forces every metric into the registry (they are lazy), so the first scrape lists them all.
pub fn init() {
    LazyLock::force(&REQUESTS_TOTAL);
    LazyLock::force(&REQUEST_DURATION);
    LazyLock::force(&DB_QUERY_DURATION);
    LazyLock::force(&K8S_API_CALLS);
    LazyLock::force(&K8S_API_FAILURES);
    LazyLock::force(&K8S_API_LATENCY);
    LazyLock::force(&ACTIVE_WEBSOCKETS);
    LazyLock::force(&CACHED_ITEMS);
    LazyLock::force(&CACHE_HIT_RATIO);
    LazyLock::force(&INVESTIGATION_DURATION);
    LazyLock::force(&INVESTIGATION_SUCCESS);
    LazyLock::force(&INVESTIGATION_FAILURE);
    LazyLock::force(&INVESTIGATION_TIMEOUT);
    LazyLock::force(&DB_CONNECTIONS_ACTIVE);
    LazyLock::force(&DB_CONNECTIONS_IDLE);
    LazyLock::force(&DB_CONNECTIONS_MAX);
    LazyLock::force(&AI_LLM_REQUESTS);
    LazyLock::force(&AI_LLM_LATENCY);
    LazyLock::force(&AI_TOKENS_USED);
    LazyLock::force(&AI_TOKEN_BUDGET_REMAINING);
    LazyLock::force(&AI_TOKEN_BUDGET_LIMIT);
    LazyLock::force(&AI_TOKEN_COST);
    LazyLock::force(&AI_VECTOR_OPS);
    LazyLock::force(&AI_VECTOR_LATENCY);
    LazyLock::force(&AI_QUEUE_LENGTH);
    LazyLock::force(&AI_INVESTIGATION_DURATION);
    LazyLock::force(&AI_INSIGHT_DURATION);
}

/// The Prometheus text exposition of every metric.
pub fn render() -> String {
    let families = REGISTRY.gather();
    let mut out = Vec::new();
    TextEncoder::new()
        .encode(&families, &mut out)
        .expect("text encoding cannot fail");
    let mut text = String::from_utf8(out).expect("prometheus text is UTF-8");
    // Labelled metrics with no sample yet are left out by gather(); declare them.
    for (collector, kind) in labelled() {
        for desc in collector.desc() {
            if !families.iter().any(|f| f.name() == desc.fq_name) {
                text.push_str(&format!("# HELP {0} {1}\n# TYPE {0} {kind}\n", desc.fq_name, desc.help));
            }
        }
    }
    text
}

/// Every labelled metric, with its Prometheus type.
fn labelled() -> [(&'static dyn Collector, &'static str); 8] {
    [
        (&*REQUESTS_TOTAL, "counter"),
        (&*REQUEST_DURATION, "histogram"),
        (&*DB_QUERY_DURATION, "histogram"),
        (&*K8S_API_CALLS, "counter"),
        (&*K8S_API_FAILURES, "counter"),
        (&*K8S_API_LATENCY, "histogram"),
        (&*AI_LLM_REQUESTS, "counter"),
        (&*AI_VECTOR_OPS, "counter"),
    ]
}

/// Every metric name of the runbook's tables and alert rules.
pub const RUNBOOK_METRICS: &[&str] = &[
    "kubilitics_requests_total",
    "kubilitics_request_duration_seconds",
    "kubilitics_database_query_duration_seconds",
    "kubilitics_kubernetes_api_calls_total",
    "kubilitics_kubernetes_api_latency_seconds",
    "kubilitics_active_websockets",
    "kubilitics_cached_items_total",
    "kubilitics_cache_hit_ratio",
    "kubilitics_investigation_duration_seconds",
    "kubilitics_investigation_success_total",
    "kubilitics_investigation_failure_total",
    "kubilitics_database_connections_active",
    "kubilitics_database_connections_idle",
    "kubilitics_database_connections_max",
    "kubilitics_kubernetes_api_failures_total",
    "kubilitics_investigation_timeout_total",
    "ai_llm_requests_total",
    "ai_llm_latency_seconds",
    "ai_tokens_used_total",
    "ai_token_budget_remaining",
    "ai_token_budget_limit",
    "ai_token_cost_usd",
    "ai_vector_store_operations_total",
    "ai_vector_store_latency_seconds",
    "ai_investigation_queue_length",
    "ai_investigation_duration_seconds",
    "ai_insight_generation_duration_seconds",
];

#[cfg(test)]
mod tests {

    #[test]
    fn the_first_scrape_names_every_runbook_metric_and_process_metrics() {
        super::init();
        let text = super::render();
        for name in super::RUNBOOK_METRICS {
            assert!(text.contains(&format!("# TYPE {name} ")), "{name} missing");
        }
        #[cfg(target_os = "linux")]
        assert!(text.contains("process_resident_memory_bytes"));
    }
}
