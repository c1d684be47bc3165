//! Versioned schema migrations, each with an up and a down step, embedded in the binary.
//! SQLite keeps the applied version in `PRAGMA user_version` (rusqlite_migration).

use rusqlite_migration::{M, Migrations};

/// (name, up, down) in order; version N is the N-th entry.
pub const SQLITE: &[(&str, &str, &str)] = &[
    (
        "core",
        include_str!("../../migrations/sqlite/0001_core.up.sql"),
        include_str!("../../migrations/sqlite/0001_core.down.sql"),
    ),
    (
        "clusters",
        include_str!("../../migrations/sqlite/0002_clusters.up.sql"),
        include_str!("../../migrations/sqlite/0002_clusters.down.sql"),
    ),
    (
        "ai",
        include_str!("../../migrations/sqlite/0003_ai.up.sql"),
        include_str!("../../migrations/sqlite/0003_ai.down.sql"),
    ),
    (
        "ai_usage_conversation",
        include_str!("../../migrations/sqlite/0004_ai_usage_conversation.up.sql"),
        include_str!("../../migrations/sqlite/0004_ai_usage_conversation.down.sql"),
    ),
    (
        "approval_request_reason",
        include_str!("../../migrations/sqlite/0005_approval_request_reason.up.sql"),
        include_str!("../../migrations/sqlite/0005_approval_request_reason.down.sql"),
    ),
];

pub fn sqlite() -> Migrations<'static> {
    Migrations::new(SQLITE.iter().map(|(_, up, down)| M::up(up).down(down)).collect())
}

/// The newest schema version this build knows.
pub fn latest() -> usize {
    SQLITE.len()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_migration_is_valid_and_reversible() {
        super::sqlite().validate().expect("migrations apply up and down");
    }
}
