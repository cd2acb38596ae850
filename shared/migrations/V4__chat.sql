-- Seed 004: the chat backend. Users and login sessions exist already (V1, V2); here: chat
-- sessions (UUID, title), their messages (text or media, in order), one vendor per session and
-- sellers with their products per session. Indexes follow the queries of shared::chat.
CREATE TABLE IF NOT EXISTS chat_sessions (
    id          UUID        PRIMARY KEY,
    user_id     BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title       TEXT        NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- "My sessions, newest first", keyset-paginated by (created_at, id).
CREATE INDEX IF NOT EXISTS chat_sessions_user_idx ON chat_sessions (user_id, created_at DESC, id DESC);

CREATE TABLE IF NOT EXISTS chat_messages (
    id          UUID        PRIMARY KEY,
    session_id  UUID        NOT NULL REFERENCES chat_sessions (id) ON DELETE CASCADE,
    sender_id   BIGINT      REFERENCES users (id) ON DELETE SET NULL,
    -- Chronological order that never ties, even for messages written in the same microsecond.
    seq         BIGINT      GENERATED ALWAYS AS IDENTITY,
    kind        TEXT        NOT NULL CHECK (kind IN ('text', 'media')),
    body        TEXT        CHECK (char_length(body) <= 4000),
    media_url   TEXT        CHECK (char_length(media_url) <= 2048),
    media_type  TEXT        CHECK (char_length(media_type) <= 100),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    edited_at   TIMESTAMPTZ,
    CHECK ((kind = 'text' AND body IS NOT NULL AND media_url IS NULL)
        OR (kind = 'media' AND media_url IS NOT NULL AND media_type IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS chat_messages_session_idx ON chat_messages (session_id, seq);

-- One vendor per session (1:1): the UNIQUE on session_id is the rule.
CREATE TABLE IF NOT EXISTS vendors (
    id          UUID        PRIMARY KEY,
    session_id  UUID        NOT NULL UNIQUE REFERENCES chat_sessions (id) ON DELETE CASCADE,
    name        TEXT        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    email       TEXT        CHECK (char_length(email) <= 254),
    phone       TEXT        CHECK (char_length(phone) <= 32),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- A business registers as a vendor under one email address, whatever the case.
CREATE UNIQUE INDEX IF NOT EXISTS vendors_email_unique ON vendors (lower(email)) WHERE email IS NOT NULL;

-- Sellers of a session (1:M) with their products; a seller lists a product once per session.
CREATE TABLE IF NOT EXISTS sellers (
    id           UUID        PRIMARY KEY,
    session_id   UUID        NOT NULL REFERENCES chat_sessions (id) ON DELETE CASCADE,
    name         TEXT        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    product      TEXT        NOT NULL CHECK (char_length(product) BETWEEN 1 AND 200),
    price_cents  BIGINT      NOT NULL CHECK (price_cents >= 0),
    currency     TEXT        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (session_id, name, product)
);
CREATE INDEX IF NOT EXISTS sellers_session_idx ON sellers (session_id, created_at, id);
