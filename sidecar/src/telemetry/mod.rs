//! Telemetry: structured logs and Prometheus metrics. A leaf module.

pub mod logging;
pub mod metrics;
