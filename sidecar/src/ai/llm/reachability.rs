//! Whether the configured provider answered its last call, for `/api/v1/ai/status`: a
//! configured provider is only "healthy" while its calls succeed. Without a call yet there is
//! nothing to say, and the status stays "healthy" (the runbook's resting answer); sending a
//! probe just to find out would spend the user's tokens.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use super::{ChatProvider, LlmError, Msg, ToolSpec, Turn};

/// The outcome of the provider's last call.
#[derive(Debug, Default)]
pub struct Reachability {
    /// None until a call ends; then `Ok` or why it failed.
    last: Mutex<Option<Result<(), String>>>,
}

impl Reachability {
    /// Why the provider is unreachable, when its last call failed to reach it.
    pub fn problem(&self) -> Option<String> {
        self.last.lock().expect("reachability lock").clone()?.err()
    }

    fn record(&self, outcome: &Result<Turn, LlmError>) {
        let seen = match outcome {
            Ok(_) => Ok(()),
            // Answers that prove the provider is reachable and this key works: a rate limit or
            // a request it refused (4xx other than the key's own) are not connectivity.
            Err(LlmError::RateLimited(_) | LlmError::Decode(_)) => Ok(()),
            Err(LlmError::Http { status, .. }) if (400..500).contains(status) && ![401, 403].contains(status) => Ok(()),
            Err(e) => Err(e.to_string()),
        };
        *self.last.lock().expect("reachability lock") = Some(seen);
    }
}

/// A provider whose every attempt's outcome lands in a [`Reachability`].
pub struct Observed {
    inner: Arc<dyn ChatProvider>,
    seen: Arc<Reachability>,
}

impl Observed {
    pub fn new(inner: Arc<dyn ChatProvider>, seen: Arc<Reachability>) -> Observed {
        Observed { inner, seen }
    }
}

#[async_trait]
impl ChatProvider for Observed {
    fn id(&self) -> &str {
        self.inner.id()
    }

    fn display_name(&self) -> String {
        self.inner.display_name()
    }

    fn model(&self) -> &str {
        self.inner.model()
    }

    async fn chat(&self, messages: &[Msg], tools: &[ToolSpec]) -> Result<Turn, LlmError> {
        self.inner.chat(messages, tools).await
    }

    /// Recorded here rather than in `chat`: a call that times out is dropped by the caller's
    /// timeout before `chat` could see it end.
    fn observe(&self, outcome: &Result<Turn, LlmError>) {
        self.seen.record(outcome);
        self.inner.observe(outcome);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_failures_to_reach_the_provider_or_use_its_key_count() {
        let r = Reachability::default();
        assert_eq!(r.problem(), None, "nothing to say before the first call");
        r.record(&Err(LlmError::Transport("connection refused".into())));
        assert!(r.problem().unwrap().contains("connection refused"));
        r.record(&Err(LlmError::RateLimited("slow down".into())));
        assert_eq!(r.problem(), None, "a rate limit is an answer");
        r.record(&Err(LlmError::Http {
            status: 401,
            message: "bad key".into(),
        }));
        assert!(r.problem().unwrap().contains("401"));
        r.record(&Err(LlmError::Http {
            status: 400,
            message: "bad request".into(),
        }));
        assert_eq!(r.problem(), None);
        r.record(&Err(LlmError::Timeout));
        assert!(r.problem().unwrap().contains("timeout"));
    }
}
