-- Core tables: user settings, and every action with its approvals and audit trail.
-- The same tables as SQLite's 0001, with PostgreSQL's types: times are timestamptz, JSON is jsonb.
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      JSONB NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- An action proposed or taken against a cluster, by a person or by the AI.
CREATE TABLE actions (
    id               TEXT PRIMARY KEY,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    origin           TEXT NOT NULL,     -- 'user' or 'ai'
    investigation_id TEXT,
    operation        TEXT NOT NULL,     -- a safety-policy operation name
    context          TEXT NOT NULL,
    kind             TEXT NOT NULL,
    namespace        TEXT,
    name             TEXT NOT NULL,
    params           JSONB NOT NULL DEFAULT '{}',
    risk             TEXT NOT NULL,
    state            TEXT NOT NULL,     -- proposed, pending_approval, approved, rejected, running, applied, failed, refused, interrupted
    result           JSONB
);
CREATE INDEX actions_state ON actions (state, created_at);

CREATE TABLE approvals (
    id           TEXT PRIMARY KEY,
    action_id    TEXT NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
    requested_at TIMESTAMPTZ NOT NULL,
    decided_at   TIMESTAMPTZ,
    decision     TEXT,                  -- approved or rejected; NULL while pending
    decided_by   TEXT,
    reason       TEXT
);
CREATE INDEX approvals_pending ON approvals (decision, requested_at);

-- Append-only: who did what to which object, what the gate decided, before/after, result.
CREATE TABLE audit_log (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         TIMESTAMPTZ NOT NULL,
    actor      TEXT NOT NULL,
    operation  TEXT NOT NULL,
    context    TEXT,
    kind       TEXT,
    namespace  TEXT,
    name       TEXT,
    decision   TEXT NOT NULL,
    reason     TEXT,
    before     JSONB,
    after      JSONB,
    result     TEXT,
    request_id TEXT,
    action_id  TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
