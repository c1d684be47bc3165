-- Core tables: user settings, and every action with its approvals and audit trail.
CREATE TABLE settings (
    key        TEXT PRIMARY KEY NOT NULL,
    value      TEXT NOT NULL,           -- JSON
    updated_at TEXT NOT NULL            -- RFC 3339
);

-- An action proposed or taken against a cluster, by a person or by the AI.
CREATE TABLE actions (
    id               TEXT PRIMARY KEY NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    origin           TEXT NOT NULL,     -- 'user' or 'ai'
    investigation_id TEXT,
    operation        TEXT NOT NULL,     -- a safety-policy operation name
    context          TEXT NOT NULL,
    kind             TEXT NOT NULL,
    namespace        TEXT,
    name             TEXT NOT NULL,
    params           TEXT NOT NULL DEFAULT '{}',  -- JSON
    risk             TEXT NOT NULL,
    state            TEXT NOT NULL,     -- proposed, pending_approval, approved, rejected, applied, failed, refused
    result           TEXT               -- JSON
);
CREATE INDEX actions_state ON actions (state, created_at);

CREATE TABLE approvals (
    id           TEXT PRIMARY KEY NOT NULL,
    action_id    TEXT NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
    requested_at TEXT NOT NULL,
    decided_at   TEXT,
    decision     TEXT,                  -- approved or rejected; NULL while pending
    decided_by   TEXT,
    reason       TEXT
);
CREATE INDEX approvals_pending ON approvals (decision, requested_at);

-- Append-only: who did what to which object, what the gate decided, before/after, result.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    operation  TEXT NOT NULL,
    context    TEXT,
    kind       TEXT,
    namespace  TEXT,
    name       TEXT,
    decision   TEXT NOT NULL,
    reason     TEXT,
    before     TEXT,                    -- JSON
    after      TEXT,                    -- JSON
    result     TEXT,
    request_id TEXT,
    action_id  TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
