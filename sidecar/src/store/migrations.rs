//! Versioned schema migrations, each with an up and a down step, embedded in the binary: the
//! same versions and names for both stores, each in its own SQL. SQLite keeps the applied
//! version in `PRAGMA user_version` (rusqlite_migration), PostgreSQL in `kubilitics_schema`.

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
    (
        "action_runner",
        include_str!("../../migrations/sqlite/0006_action_runner.up.sql"),
        include_str!("../../migrations/sqlite/0006_action_runner.down.sql"),
    ),
];

/// The same steps for PostgreSQL (timestamptz, jsonb, identity columns).
pub const POSTGRESQL: &[(&str, &str, &str)] = &[
    (
        "core",
        include_str!("../../migrations/postgresql/0001_core.up.sql"),
        include_str!("../../migrations/postgresql/0001_core.down.sql"),
    ),
    (
        "clusters",
        include_str!("../../migrations/postgresql/0002_clusters.up.sql"),
        include_str!("../../migrations/postgresql/0002_clusters.down.sql"),
    ),
    (
        "ai",
        include_str!("../../migrations/postgresql/0003_ai.up.sql"),
        include_str!("../../migrations/postgresql/0003_ai.down.sql"),
    ),
    (
        "ai_usage_conversation",
        include_str!("../../migrations/postgresql/0004_ai_usage_conversation.up.sql"),
        include_str!("../../migrations/postgresql/0004_ai_usage_conversation.down.sql"),
    ),
    (
        "approval_request_reason",
        include_str!("../../migrations/postgresql/0005_approval_request_reason.up.sql"),
        include_str!("../../migrations/postgresql/0005_approval_request_reason.down.sql"),
    ),
    (
        "action_runner",
        include_str!("../../migrations/postgresql/0006_action_runner.up.sql"),
        include_str!("../../migrations/postgresql/0006_action_runner.down.sql"),
    ),
];

pub fn sqlite() -> Migrations<'static> {
    Migrations::new(SQLITE.iter().map(|(_, up, down)| M::up(up).down(down)).collect())
}

/// Every migration of `steps` and whether it is applied when `current` is the version in force.
pub fn status(steps: &[(&str, &str, &str)], current: usize) -> Vec<super::MigrationStatus> {
    steps
        .iter()
        .enumerate()
        .map(|(i, (name, _, _))| super::MigrationStatus {
            version: i + 1,
            name: name.to_string(),
            applied: i < current,
        })
        .collect()
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

    /// `db migrate --version N` means the same schema whichever store is configured.
    #[test]
    fn both_stores_have_the_same_migrations_in_the_same_order() {
        let names = |m: &[(&str, &str, &str)]| m.iter().map(|(name, _, _)| name.to_string()).collect::<Vec<_>>();
        assert_eq!(names(super::SQLITE), names(super::POSTGRESQL));
    }
}
