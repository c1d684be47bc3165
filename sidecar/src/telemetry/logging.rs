//! Logs: JSON lines with the runbook's fields (timestamp, level, logger, message, trace_id,
//! span_id, request_id, then the event's own fields such as action and resource_name), or
//! human text; to the console and to a daily-rolling `~/.kubilitics/kubilitics.log`.
//!
//! Every line passes through [`Redactor`] before it is written: the configured secrets and the
//! API token are replaced by `[REDACTED]`, and so is anything after `Bearer `. Code should never
//! log a secret in the first place; this is the net under that rule.

use std::fmt;
use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber, span};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{Builder, Rotation};
use tracing_log::NormalizeEvent;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, MakeWriter};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::config::Logging;

/// The name of the current log file, a link to today's rolled file.
pub const LOG_FILE: &str = "kubilitics.log";

/// Keeps the background log writers alive; dropping it flushes them.
pub struct LogGuards(#[allow(dead_code)] Vec<WorkerGuard>);

/// Installs the global subscriber. `secrets` are redacted from every line.
pub fn init(cfg: &Logging, ai_level: &str, home: &Path, secrets: Vec<String>) -> io::Result<LogGuards> {
    let redactor = Redactor::new(secrets);
    let filter = || {
        EnvFilter::new(format!(
            "{level},kubilitics::ai={ai_level},hyper=warn,rustls=warn,h2=warn,tower=warn,kube_client=warn,kube_runtime=warn",
            level = cfg.level
        ))
    };
    let json = cfg.format == "json";
    let mut guards = Vec::new();

    let appender = Builder::new()
        .rotation(Rotation::DAILY)
        .filename_prefix("kubilitics")
        .filename_suffix("log")
        .max_log_files(cfg.retention_days as usize)
        .latest_symlink(LOG_FILE)
        .build(home)
        .map_err(io::Error::other)?;
    let (file, guard) = tracing_appender::non_blocking(appender);
    guards.push(guard);
    let file_layer = fmt_layer(json, redactor.wrap(file), false).with_filter(filter());

    let console = match cfg.output.as_str() {
        "none" => None,
        "stderr" => Some(fmt_layer(json, redactor.wrap_fn(io::stderr), true).with_filter(filter())),
        _ => Some(fmt_layer(json, redactor.wrap_fn(io::stdout), true).with_filter(filter())),
    };

    tracing_subscriber::registry()
        .with(SpanFieldStore)
        .with(file_layer)
        .with(console)
        .try_init()
        .map_err(io::Error::other)?;
    Ok(LogGuards(guards))
}

type BoxedLayer<S> = Box<dyn Layer<S> + Send + Sync>;

fn fmt_layer<S, W>(json: bool, writer: W, ansi: bool) -> BoxedLayer<S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    if json {
        Box::new(
            tracing_subscriber::fmt::layer()
                .event_format(RunbookJson)
                .with_writer(writer),
        )
    } else {
        Box::new(tracing_subscriber::fmt::layer().with_ansi(ansi).with_writer(writer))
    }
}

// ---------------------------------------------------------------------------------------------
// JSON lines in the runbook's shape

/// The fields recorded on a span, kept so every event inside it can carry them
/// (request_id, trace_id, span_id, context...).
#[derive(Default)]
struct SpanFields(Map<String, Value>);

struct SpanFieldStore;

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for SpanFieldStore {
    fn on_new_span(&self, attrs: &span::Attributes<'_>, id: &span::Id, ctx: Context<'_, S>) {
        let mut fields = SpanFields::default();
        attrs.record(&mut JsonVisitor(&mut fields.0));
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(fields);
        }
    }

    fn on_record(&self, id: &span::Id, values: &span::Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id)
            && let Some(fields) = span.extensions_mut().get_mut::<SpanFields>()
        {
            values.record(&mut JsonVisitor(&mut fields.0));
        }
    }
}

struct JsonVisitor<'a>(&'a mut Map<String, Value>);

impl Visit for JsonVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), Value::from(value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().to_string(), Value::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_string(), Value::from(value));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().to_string(), Value::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().to_string(), Value::from(value));
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.0.insert(field.name().to_string(), Value::from(value.to_string()));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0
            .insert(field.name().to_string(), Value::from(format!("{value:?}")));
    }
}

/// `{"timestamp","level","logger","message","trace_id","span_id","request_id",...}`.
struct RunbookJson;

impl<S, N> FormatEvent<S, N> for RunbookJson
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut writer: Writer<'_>, event: &Event<'_>) -> fmt::Result {
        // Events bridged from the `log` crate carry their real target in normalized metadata.
        let normalized = event.normalized_metadata();
        let meta = normalized.as_ref().unwrap_or_else(|| event.metadata());
        let mut line = Map::new();
        line.insert(
            "timestamp".into(),
            chrono::Utc::now()
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
                .into(),
        );
        line.insert("level".into(), meta.level().as_str().into());
        line.insert("logger".into(), meta.target().replace("::", ".").into());
        line.insert("message".into(), Value::from(""));
        for key in ["trace_id", "span_id", "request_id"] {
            line.insert(key.into(), Value::Null);
        }
        if let Some(scope) = ctx.event_scope() {
            for span in scope.from_root() {
                if let Some(fields) = span.extensions().get::<SpanFields>() {
                    for (k, v) in &fields.0 {
                        line.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        event.record(&mut JsonVisitor(&mut line));
        line.retain(|k, _| !k.starts_with("log."));
        for key in ["trace_id", "span_id", "request_id"] {
            if line.get(key) == Some(&Value::Null) {
                line.remove(key);
            }
        }
        writeln!(writer, "{}", Value::Object(line))
    }
}

// ---------------------------------------------------------------------------------------------
// Redaction

/// Replaces secret values in log output.
#[derive(Clone)]
pub struct Redactor {
    secrets: Arc<Vec<String>>,
}

impl Redactor {
    pub fn new(mut secrets: Vec<String>) -> Redactor {
        // Very short values would redact ordinary words; they are not credentials anyway.
        secrets.retain(|s| s.len() >= 6);
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Redactor {
            secrets: Arc::new(secrets),
        }
    }

    /// Masks every known secret and every `Bearer` credential in `text`.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in self.secrets.iter() {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), "[REDACTED]");
            }
        }
        mask_bearer(&out)
    }

    fn wrap<W: for<'w> MakeWriter<'w>>(&self, inner: W) -> RedactingMakeWriter<W> {
        RedactingMakeWriter {
            inner,
            redactor: self.clone(),
        }
    }

    fn wrap_fn<W: Write, F: Fn() -> W>(&self, f: F) -> RedactingMakeWriter<F> {
        RedactingMakeWriter {
            inner: f,
            redactor: self.clone(),
        }
    }
}

fn mask_bearer(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("Bearer ") {
        out.push_str(&rest[..i + 7]);
        rest = &rest[i + 7..];
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '"' || c == '\\' || c == ',')
            .unwrap_or(rest.len());
        if end > 0 {
            out.push_str("[REDACTED]");
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

pub struct RedactingMakeWriter<W> {
    inner: W,
    redactor: Redactor,
}

impl<'a, W: MakeWriter<'a>> MakeWriter<'a> for RedactingMakeWriter<W> {
    type Writer = RedactingWriter<W::Writer>;
    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter {
            inner: self.inner.make_writer(),
            redactor: self.redactor.clone(),
        }
    }
}

/// The fmt layer writes one whole event per `write` call, so redacting per buffer is exact.
pub struct RedactingWriter<W> {
    inner: W,
    redactor: Redactor,
}

impl<W: Write> Write for RedactingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.inner.write_all(self.redactor.redact(&text).as_bytes())?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_and_bearer_credentials_are_masked() {
        let r = Redactor::new(vec!["sk-live-abcdef123456".into(), "abc".into()]);
        let line = r#"{"message":"calling with sk-live-abcdef123456","header":"Bearer eyJhbGciOi.x.y","word":"abc"}"#;
        let out = r.redact(line);
        assert!(!out.contains("sk-live-abcdef123456"));
        assert!(!out.contains("eyJhbGciOi"));
        assert!(out.contains("Bearer [REDACTED]"));
        assert!(
            out.contains(r#""word":"abc""#),
            "short values are not treated as secrets"
        );
    }
}
