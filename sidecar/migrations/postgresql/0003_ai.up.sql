-- AI: investigations (the whole document as JSON, with the fields lists filter on),
-- insights found by the background scan, chat history, and the LLM usage ledger.
CREATE TABLE investigations (
    id               TEXT PRIMARY KEY,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    context          TEXT NOT NULL,
    target_kind      TEXT,
    target_namespace TEXT,
    target_name      TEXT,
    question         TEXT,
    state            TEXT NOT NULL,
    root_cause_code  TEXT,
    document         JSONB NOT NULL
);
CREATE INDEX investigations_list ON investigations (state, created_at);
CREATE INDEX investigations_namespace ON investigations (target_namespace, created_at);

CREATE TABLE insights (
    id          TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL UNIQUE,
    context     TEXT NOT NULL,
    code        TEXT NOT NULL,
    severity    TEXT NOT NULL,
    kind        TEXT,
    namespace   TEXT,
    name        TEXT,
    summary     TEXT NOT NULL,
    evidence    JSONB NOT NULL DEFAULT '[]',
    first_seen  TIMESTAMPTZ NOT NULL,
    last_seen   TIMESTAMPTZ NOT NULL,
    resolved_at TIMESTAMPTZ
);
CREATE INDEX insights_open ON insights (resolved_at, last_seen);

CREATE TABLE chat_messages (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    at              TIMESTAMPTZ NOT NULL,
    role            TEXT NOT NULL,
    context         TEXT,
    content         TEXT NOT NULL
);
CREATE INDEX chat_messages_conversation ON chat_messages (conversation_id, id);

CREATE TABLE llm_usage (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at                TIMESTAMPTZ NOT NULL,
    provider          TEXT NOT NULL,
    model             TEXT NOT NULL,
    operation         TEXT NOT NULL,
    investigation_id  TEXT,
    prompt_tokens     BIGINT NOT NULL,
    completion_tokens BIGINT NOT NULL,
    cost_usd          DOUBLE PRECISION NOT NULL
);
CREATE INDEX llm_usage_at ON llm_usage (at);
