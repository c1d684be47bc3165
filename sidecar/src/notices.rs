//! Changes a client follows without a watch of its own: an approval requested or decided, a
//! context's insights changed. The WebSocket (`api::ws`) forwards them to the clients that asked,
//! so the UI re-reads a list when it changed instead of on a timer. Investigation progress has its
//! own channel (`ai::engine`), because it carries each step.
//!
//! A notice says *what* changed, never the data itself: clients read that over HTTP, through the
//! same authorisation and masking as any other read.

use serde::Serialize;
use tokio::sync::broadcast;

/// Notices not yet read by a slow subscriber before it is told it fell behind.
const CAPACITY: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "topic", rename_all = "snake_case")]
pub enum Notice {
    /// A change was parked for approval (`state` `requested`), or a person decided on it
    /// (`approved` or `rejected`).
    Approval {
        approval_id: String,
        action_id: String,
        state: ApprovalState,
    },
    /// The insights of `context` changed: one appeared, changed what it says, or was resolved.
    Insights { context: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalState {
    Requested,
    Approved,
    Rejected,
}

/// The sidecar-wide channel; clones share it.
#[derive(Clone)]
pub struct Notices(broadcast::Sender<Notice>);

impl Default for Notices {
    fn default() -> Self {
        Notices(broadcast::channel(CAPACITY).0)
    }
}

impl Notices {
    /// Tells whoever listens; nobody listening is not an error.
    pub fn send(&self, notice: Notice) {
        let _ = self.0.send(notice);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Notice> {
        self.0.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_subscriber_hears_a_notice_sent_after_it_subscribed() {
        let notices = Notices::default();
        notices.send(Notice::Insights {
            context: "before".into(),
        });
        let (mut a, mut b) = (notices.subscribe(), notices.clone().subscribe());
        let n = Notice::Insights {
            context: "kind-dev".into(),
        };
        notices.send(n.clone());
        assert_eq!(a.recv().await.unwrap(), n);
        assert_eq!(b.recv().await.unwrap(), n, "a clone sends on the same channel");
        assert!(
            a.try_recv().is_err(),
            "what was sent before subscribing is not replayed"
        );
    }

    #[test]
    fn a_notice_names_its_topic_and_what_changed_not_the_data() {
        let n = Notice::Approval {
            approval_id: "apr-1".into(),
            action_id: "act-1".into(),
            state: ApprovalState::Requested,
        };
        assert_eq!(
            serde_json::to_value(&n).unwrap(),
            serde_json::json!({"topic": "approval", "approval_id": "apr-1", "action_id": "act-1", "state": "requested"})
        );
    }
}
