-- Seed 004: login sessions with device info, and rotating refresh tokens (stored hashed).
ALTER TABLE users ADD COLUMN IF NOT EXISTS tenant_id TEXT;

CREATE TABLE IF NOT EXISTS login_sessions (
    id           UUID        PRIMARY KEY,
    user_id      BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    user_agent   TEXT,
    source_ip    TEXT,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    ended_at     TIMESTAMPTZ,
    end_reason   TEXT
);
CREATE INDEX IF NOT EXISTS login_sessions_user_idx ON login_sessions (user_id, created_at DESC);

-- A family is one login session: every rotation stays in it, and reuse of a spent token
-- revokes the whole family.
CREATE TABLE IF NOT EXISTS refresh_tokens (
    token_hash  BYTEA       PRIMARY KEY,
    family_id   UUID        NOT NULL REFERENCES login_sessions (id) ON DELETE CASCADE,
    user_id     BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    access_jti  TEXT        NOT NULL,
    issued_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ,
    revoked_at  TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS refresh_tokens_family_idx ON refresh_tokens (family_id);
