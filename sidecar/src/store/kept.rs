//! Writes that must not be lost to a full disk or a database that is briefly away: records of
//! what already happened (an action that ran, an investigation that concluded), which the user
//! cannot simply retry. Tried at once; when the failure is one that passes
//! ([`StoreError::is_transient`]), kept in memory and tried again until it is written, while
//! the sidecar runs.

use std::future::Future;
use std::time::Duration;

use super::StoreError;

/// How often a kept write is tried again in production.
pub const RETRY_EVERY: Duration = Duration::from_secs(2);

/// What became of a write given to [`write_or_keep`].
pub enum Kept {
    Written,
    /// The disk is full or the database away: being retried; the handle ends with true once it is written.
    Pending(tokio::task::JoinHandle<bool>),
    /// Failed for another reason (logged).
    Failed,
}

/// Runs `write` now; if that fails for a passing reason, again every `every` in the background until it is
/// written or fails for another reason. Returns after the first try either way. `what` names
/// the record in the log: never its content, which may hold what the log must not.
pub async fn write_or_keep<F, Fut>(what: String, every: Duration, write: F) -> Kept
where
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = Result<(), StoreError>> + Send + 'static,
{
    match write().await {
        Ok(()) => Kept::Written,
        Err(e) if e.is_transient() => {
            tracing::error!(record = %what, error = %e, "the record is kept and written when the database can take it");
            Kept::Pending(tokio::spawn(async move {
                loop {
                    tokio::time::sleep(every).await;
                    match write().await {
                        Ok(()) => {
                            tracing::info!(record = %what, "a kept record is written");
                            return true;
                        }
                        Err(e) if e.is_transient() => {}
                        Err(e) => {
                            tracing::error!(error = %e, record = %what, "could not write the record");
                            return false;
                        }
                    }
                }
            }))
        }
        Err(e) => {
            tracing::error!(error = %e, record = %what, "could not write the record");
            Kept::Failed
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    /// A write that fails `failures` times with `error`, then succeeds; counts its tries.
    fn flaky(
        failures: u32,
        error: fn() -> StoreError,
    ) -> (Arc<AtomicU32>, impl Fn() -> std::future::Ready<Result<(), StoreError>>) {
        let tries = Arc::new(AtomicU32::new(0));
        let counted = tries.clone();
        let write = move || {
            let n = counted.fetch_add(1, Ordering::SeqCst);
            std::future::ready(if n < failures { Err(error()) } else { Ok(()) })
        };
        (tries, write)
    }

    fn away() -> StoreError {
        StoreError::Unavailable {
            target: "kubilitics@db:5432/kubilitics".into(),
            reason: "connection refused".into(),
        }
    }

    #[tokio::test]
    async fn a_record_refused_while_the_database_is_away_is_written_when_it_is_back() {
        let (tries, write) = flaky(3, away);
        let Kept::Pending(handle) = write_or_keep("audit of act-1".into(), Duration::from_millis(1), write).await
        else {
            panic!("kept for later")
        };
        assert!(handle.await.unwrap(), "written in the end");
        assert_eq!(tries.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn a_record_refused_for_good_is_not_retried() {
        let (tries, write) = flaky(1, || StoreError::Migration("no such table".into()));
        assert!(matches!(
            write_or_keep("audit of act-2".into(), Duration::from_millis(1), write).await,
            Kept::Failed
        ));
        assert_eq!(tries.load(Ordering::SeqCst), 1);
    }
}
