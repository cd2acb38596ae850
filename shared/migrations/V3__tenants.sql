-- Seed 003: the tenant directory (control plane). Each tenant's data lives in its own schema,
-- owned by its own NOLOGIN role; the functions connect with `role=<tenant role>`, so a query
-- for one tenant cannot name another tenant's tables (see shared/src/tenants/records.rs).
CREATE TABLE IF NOT EXISTS tenants (
    id                     TEXT        PRIMARY KEY CHECK (id ~ '^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$'),
    name                   TEXT        NOT NULL,
    status                 TEXT        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    -- A dedicated database for the tenant; NULL = the shared cluster (schema isolation).
    db_host                TEXT,
    db_port                INTEGER     CHECK (db_port BETWEEN 1 AND 65535),
    db_name                TEXT,
    pool_max_size          INTEGER     NOT NULL DEFAULT 4 CHECK (pool_max_size BETWEEN 1 AND 32),
    rate_limit             INTEGER     NOT NULL DEFAULT 600 CHECK (rate_limit > 0),
    rate_window_seconds    INTEGER     NOT NULL DEFAULT 60 CHECK (rate_window_seconds BETWEEN 1 AND 3600),
    created_at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at             TIMESTAMPTZ NOT NULL DEFAULT now()
);
