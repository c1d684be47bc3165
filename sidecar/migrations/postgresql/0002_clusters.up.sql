-- Clusters: imported kubeconfigs and the contexts seen (metadata only: no credentials), and
-- the exec/auth-provider commands the user approved, per context and exact command line.
CREATE TABLE kubeconfigs (
    id          TEXT PRIMARY KEY,
    path        TEXT NOT NULL UNIQUE,
    origin      TEXT NOT NULL,          -- 'imported' or 'discovered'
    imported_at TIMESTAMPTZ NOT NULL,
    sha256      TEXT NOT NULL
);

CREATE TABLE contexts (
    name            TEXT NOT NULL,
    kubeconfig_path TEXT NOT NULL,
    cluster         TEXT,
    user_name       TEXT,
    namespace       TEXT,
    last_used_at    TIMESTAMPTZ,
    PRIMARY KEY (name, kubeconfig_path)
);

CREATE TABLE exec_approvals (
    context         TEXT NOT NULL,
    kubeconfig_path TEXT NOT NULL,
    command_sha256  TEXT NOT NULL,
    command_line    TEXT NOT NULL,
    approved_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (context, kubeconfig_path, command_sha256)
);
