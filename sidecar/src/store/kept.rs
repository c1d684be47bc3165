//! Writes that must not be lost to a full disk: records of what already happened (an action that
//! ran, an investigation that concluded), which the user cannot simply retry. Tried at once; when
//! the disk is full, kept in memory and tried again until there is room, while the sidecar runs.

use std::future::Future;
use std::time::Duration;

use super::StoreError;

/// How often a kept write is tried again in production.
pub const RETRY_EVERY: Duration = Duration::from_secs(2);

/// What became of a write given to [`write_or_keep`].
pub enum Kept {
    Written,
    /// The disk is full: being retried; the handle ends with true once it is written.
    Pending(tokio::task::JoinHandle<bool>),
    /// Failed for another reason (logged).
    Failed,
}

/// Runs `write` now; if the disk is full, again every `every` in the background until it is
/// written or fails for another reason. Returns after the first try either way. `what` names
/// the record in the log: never its content, which may hold what the log must not.
pub async fn write_or_keep<F, Fut>(what: String, every: Duration, write: F) -> Kept
where
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = Result<(), StoreError>> + Send + 'static,
{
    match write().await {
        Ok(()) => Kept::Written,
        Err(StoreError::DiskFull { .. }) => {
            tracing::error!(record = %what, "the disk is full: the record is kept and written when there is room");
            Kept::Pending(tokio::spawn(async move {
                loop {
                    tokio::time::sleep(every).await;
                    match write().await {
                        Ok(()) => {
                            tracing::info!(record = %what, "a record kept for lack of space is written");
                            return true;
                        }
                        Err(StoreError::DiskFull { .. }) => {}
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
