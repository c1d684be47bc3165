//! The numbered stream of one context's changes: ADDED / MODIFIED / DELETED / RESYNC deltas
//! for live views, the last [`Deltas::KEEP`] kept so a client can catch up from a sequence
//! number, and an explicit end when the connection is over.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use tokio::sync::{broadcast, watch};
use utoipa::ToSchema;

use super::kinds::Row;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeltaType {
    Added,
    Modified,
    Deleted,
    /// The kind was relisted (after a watch gap); refetch it.
    Resync,
}

/// One change, numbered per context.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Delta {
    pub seq: u64,
    pub kind: &'static str,
    #[serde(rename = "type")]
    pub kind_of_change: DeltaType,
    pub namespace: Option<String>,
    pub name: String,
    /// The new summary row (absent for DELETED and RESYNC).
    pub row: Option<Row>,
}

/// The numbered delta stream of a context, with the last [`Deltas::KEEP`] kept for replay.
pub struct Deltas {
    tx: broadcast::Sender<Arc<Delta>>,
    /// True once the connection these deltas belong to is over ([`Deltas::end`]). Said
    /// explicitly because the channel itself closes only when the last holder of this value lets
    /// go of it, which a request or a scan still reading the old cache can delay.
    ended: watch::Sender<bool>,
    seq: AtomicU64,
    recent: Mutex<VecDeque<Arc<Delta>>>,
}

impl Deltas {
    pub const KEEP: usize = 10_000;

    /// Sequence numbers start at the creation time in microseconds, not at 0: a context that
    /// reconnects, or a sidecar that restarts, gets a new `Deltas`, and a client still holding a
    /// number from the old one must be told to resync, never replayed the new one's changes
    /// under the old numbers. (It would take a million changes a second for the old numbers to
    /// reach the new ones; microseconds stay below 2^53, exact in JavaScript.)
    pub fn new() -> Deltas {
        let base = u64::try_from(chrono::Utc::now().timestamp_micros()).unwrap_or(0);
        Deltas {
            tx: broadcast::channel(16_384).0,
            ended: watch::channel(false).0,
            seq: AtomicU64::new(base),
            recent: Mutex::new(VecDeque::with_capacity(1024)),
        }
    }

    pub fn emit(&self, kind: &'static str, t: DeltaType, namespace: Option<String>, name: String, row: Option<Row>) {
        let mut recent = self.recent.lock().expect("deltas lock");
        let seq = self.seq.fetch_add(1, Ordering::SeqCst) + 1;
        let d = Arc::new(Delta {
            seq,
            kind,
            kind_of_change: t,
            namespace,
            name,
            row,
        });
        if recent.len() == Self::KEEP {
            recent.pop_front();
        }
        recent.push_back(d.clone());
        let _ = self.tx.send(d);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Delta>> {
        self.tx.subscribe()
    }

    /// The changes from now on, and the end of the connection ([`Deltas::end`]), together.
    pub fn follow(&self) -> Follower {
        Follower {
            changes: self.tx.subscribe(),
            ended: self.ended.subscribe(),
        }
    }

    /// The connection these deltas belong to is over (disconnected, or its cache dropped): no
    /// more will come, and whoever follows them should list again.
    pub fn end(&self) {
        self.ended.send_replace(true);
    }

    /// The last sequence number handed out.
    pub fn last(&self) -> u64 {
        self.seq.load(Ordering::SeqCst)
    }

    /// Everything after `seq`, or None when the client must resync: some of it is no longer
    /// kept, or `seq` is not one of these deltas at all (handed out before a reconnect or a
    /// restart; see [`Deltas::new`]).
    pub fn since(&self, seq: u64) -> Option<Vec<Arc<Delta>>> {
        let recent = self.recent.lock().expect("deltas lock");
        let last = self.last();
        let oldest = recent.front().map(|d| d.seq).unwrap_or(last + 1);
        if seq > last || (seq + 1 < oldest && seq < last) {
            return None;
        }
        Some(recent.iter().filter(|d| d.seq > seq).cloned().collect())
    }
}

/// One reader of a context's deltas ([`Deltas::follow`]).
pub struct Follower {
    changes: broadcast::Receiver<Arc<Delta>>,
    ended: watch::Receiver<bool>,
}

impl Follower {
    /// The next change; `Closed` once the connection is over, even while changes are still
    /// queued (they belong to a connection that is gone), `Lagged` when some were missed.
    pub async fn next(&mut self) -> Result<Arc<Delta>, broadcast::error::RecvError> {
        tokio::select! {
            biased;
            _ = self.ended.wait_for(|over| *over) => Err(broadcast::error::RecvError::Closed),
            next = self.changes.recv() => next,
        }
    }
}

impl Default for Deltas {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_replay_what_was_missed_or_ask_for_a_resync() {
        let d = Deltas::new();
        let s0 = d.last();
        for i in 0..5 {
            d.emit("pods", DeltaType::Added, Some("ns".into()), format!("p{i}"), None);
        }
        let missed = d.since(s0 + 2).unwrap();
        assert_eq!(missed.iter().map(|x| x.seq - s0).collect::<Vec<_>>(), [3, 4, 5]);
        assert!(d.since(s0 + 5).unwrap().is_empty());
        for i in 0..Deltas::KEEP {
            d.emit("pods", DeltaType::Modified, None, format!("q{i}"), None);
        }
        assert!(d.since(s0 + 2).is_none(), "seq 3.. fell out of the buffer: resync");
        assert_eq!(d.since(d.last() - 1).unwrap().len(), 1);
    }

    #[test]
    fn a_number_from_before_a_reconnect_asks_for_a_resync_not_a_wrong_replay() {
        let old = Deltas::new();
        for i in 0..50 {
            old.emit("pods", DeltaType::Added, None, format!("p{i}"), None);
        }
        let held = old.last();
        std::thread::sleep(std::time::Duration::from_millis(2));
        // The context reconnects: a new cache, a few changes.
        let new = Deltas::new();
        new.emit("pods", DeltaType::Added, None, "q".into(), None);
        assert!(new.last() > held, "numbers keep growing across caches");
        assert!(new.since(held).is_none(), "an older cache's number: resync");
        assert!(
            new.since(new.last() + 40).is_none(),
            "a number never handed out: resync"
        );
        assert_eq!(new.since(new.last() - 1).unwrap().len(), 1);
    }
}
