//! PostgreSQL on tokio-postgres with a deadpool pool. The pool is built once per execution
//! environment and connects lazily: init costs nothing, and a database that is down at init
//! (or later) only turns into 503s until it is back — the pool reconnects by itself.

use crate::config::ConfigError;
use crate::config::PostgresConfig;
use crate::domain::error::ErrorCode;
use crate::domain::error::{AppError, Dependency};
use crate::domain::events::EventEnvelope;
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod, Runtime};
use tokio_postgres::NoTls;

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// Arbitrary, fixed: serialises concurrent migration runs (several cold starts at once).
const MIGRATION_LOCK_KEY: i64 = 0x006d_6967_7261_7465;

#[derive(Clone)]
pub struct Postgres {
    pool: Pool,
}

/// What a ping learns of the server (the `detail` of its health check).
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ServerInfo {
    /// `SELECT version()`.
    #[cfg_attr(feature = "openapi", schema(example = "PostgreSQL 16.4 on x86_64-pc-linux-musl"))]
    pub version: String,
    /// The server's `now()`.
    pub server_time: chrono::DateTime<chrono::Utc>,
}

/// `GET /test-db` (seed 001): the database answered.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DatabaseTest {
    /// Always `ok`.
    #[cfg_attr(feature = "openapi", schema(example = "ok"))]
    pub status: &'static str,
    /// What the server reported.
    pub database: ServerInfo,
}

/// `GET /test-event` (seed 001): a `TestEvent` was queued in the outbox.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TestEventAccepted {
    /// The event's id (UUID v7), as consumers see it.
    pub event_id: uuid::Uuid,
    /// The logical queue it goes to: `auth-events`.
    #[cfg_attr(feature = "openapi", schema(example = "auth-events"))]
    pub queue: &'static str,
    /// Whether it reached SQS already; if not, the outbox relay delivers it shortly.
    pub delivered: bool,
}

pub fn db_error(e: tokio_postgres::Error) -> AppError {
    match e.as_db_error() {
        Some(db) if server_unavailable(db.code()) => AppError::unavailable(Dependency::Postgres, describe_db_error(db)),
        Some(db) if nul_in_text(db.code()) => {
            AppError::new(ErrorCode::ValidationFailed, "text must not contain the NUL character (U+0000)")
        }
        Some(db) => AppError::internal(format!("database error: {}", describe_db_error(db))),
        // Closed connection, I/O error, timeout: the database is (at least briefly) unavailable.
        None => AppError::unavailable(Dependency::Postgres, e),
    }
}

/// Errors the server sends when it cannot serve now rather than because of the query: a
/// shutdown or restart terminating the session (class 57, e.g. 57P01 when PostgreSQL stops
/// under traffic), a lost connection (class 08) or exhausted resources (class 53, e.g. too many
/// connections). The client's answer is a 503 to retry, not a 500.
pub fn server_unavailable(code: &tokio_postgres::error::SqlState) -> bool {
    matches!(code.code().get(..2), Some("08" | "53" | "57"))
}

/// PostgreSQL refusing a NUL (U+0000): 22021 in `text`, 22P05 as `\u0000` in JSONB. A Rust
/// string holds no other character it cannot store, and such text can only have come with the
/// request (a query parameter recorded in an event, say): the client's mistake, a 400.
pub fn nul_in_text(code: &tokio_postgres::error::SqlState) -> bool {
    *code == tokio_postgres::error::SqlState::CHARACTER_NOT_IN_REPERTOIRE
        || *code == tokio_postgres::error::SqlState::UNTRANSLATABLE_CHARACTER
}

/// What the logs need of a server error: tokio-postgres's `Display` says only "db error".
pub fn describe_db_error(db: &tokio_postgres::error::DbError) -> String {
    let mut text = format!("{} {}", db.code().code(), db.message());
    if let Some(constraint) = db.constraint() {
        text.push_str(&format!(" (constraint {constraint})"));
    }
    text
}

fn pool_error(e: PoolError) -> AppError {
    AppError::unavailable(Dependency::Postgres, e)
}

impl Postgres {
    pub fn new(config: &PostgresConfig) -> Result<Self, ConfigError> {
        let mut pg = tokio_postgres::Config::new();
        pg.host(&config.host)
            .port(config.port)
            .dbname(&config.database)
            .user(&config.user)
            .application_name("rust-lambda")
            .connect_timeout(config.timeout);
        if let Some(password) = &config.password {
            pg.password(password);
        }
        let manager = Manager::from_config(pg, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(manager)
            .max_size(config.pool_size.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(config.timeout))
            .create_timeout(Some(config.timeout))
            .recycle_timeout(Some(config.timeout))
            .build()
            .map_err(|e| ConfigError::Invalid { name: "PG_*", reason: e.to_string() })?;
        Ok(Self { pool })
    }

    pub fn from_env() -> Result<Self, ConfigError> {
        Self::new(&PostgresConfig::from_env()?)
    }

    pub async fn client(&self) -> Result<Object, AppError> {
        self.pool.get().await.map_err(pool_error)
    }

    /// A round trip, reporting the server version and time (seed's /test-db).
    pub async fn server_info(&self) -> Result<ServerInfo, AppError> {
        let client = self.client().await?;
        let row = client.query_one("SELECT version(), now()", &[]).await.map_err(db_error)?;
        Ok(ServerInfo { version: row.get(0), server_time: row.get(1) })
    }

    /// Health probe: [`Postgres::server_info`], as the check's detail.
    pub async fn ping(&self) -> Result<Option<serde_json::Value>, AppError> {
        let info = self.server_info().await?;
        serde_json::to_value(info).map(Some).map_err(AppError::internal)
    }

    pub fn pool_status(&self) -> serde_json::Value {
        let s = self.pool.status();
        serde_json::json!({ "size": s.size, "available": s.available, "maxSize": s.max_size, "waiting": s.waiting })
    }

    /// Applies pending migrations (refinery), under an advisory lock. Returns the names applied.
    pub async fn migrate(&self) -> Result<Vec<String>, AppError> {
        let mut client = self.client().await?;
        client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK_KEY]).await.map_err(db_error)?;
        let result = embedded::migrations::runner().run_async(&mut **client).await;
        let unlock = client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK_KEY]).await;
        let report = result.map_err(|e| AppError::internal(format!("migration failed: {e}")))?;
        unlock.map_err(db_error)?;
        Ok(report.applied_migrations().iter().map(|m| m.to_string()).collect())
    }

    pub async fn create_user(&self, username: &str, password_hash: &str, role: &str) -> Result<i64, AppError> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "INSERT INTO users (username, password_hash, role) VALUES ($1, $2, $3) RETURNING id",
                &[&username, &password_hash, &role],
            )
            .await
            .map_err(|e| match unique_violation(&e) {
                Some(_) => AppError::new(ErrorCode::UsernameTaken, "that username is already registered"),
                None => db_error(e),
            })?;
        Ok(row.get(0))
    }
}

#[cfg(feature = "identity")]
impl crate::domain::auth::UserStore for Postgres {
    async fn find_by_username(&self, username: &str) -> Result<Option<crate::domain::auth::UserRecord>, AppError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT id, username, role, password_hash, tenant_id FROM users WHERE lower(username) = lower($1)",
                &[&username],
            )
            .await
            .map_err(db_error)?;
        Ok(row.map(|r| crate::domain::auth::UserRecord {
            id: r.get(0),
            username: r.get(1),
            role: r.get(2),
            password_hash: r.get(3),
            tenant_id: r.get(4),
        }))
    }

    async fn complete_login(
        &self,
        user_id: i64,
        new_hash: Option<String>,
        session: Option<&crate::domain::auth::SessionStart>,
        queue: &str,
        event: &EventEnvelope,
    ) -> Result<(), AppError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        if let Some(s) = session {
            tx.execute(
                "INSERT INTO login_sessions (id, user_id, user_agent, source_ip) VALUES ($1, $2, $3, $4)",
                &[&s.id, &user_id, &s.user_agent, &s.source_ip],
            )
            .await
            .map_err(db_error)?;
            insert_refresh(&tx, s.id, user_id, &s.refresh).await?;
        }
        tx.execute(
            "UPDATE users SET last_login_at = now(), \
             password_hash = COALESCE($2, password_hash), \
             updated_at = CASE WHEN $2::text IS NULL THEN updated_at ELSE now() END \
             WHERE id = $1",
            &[&user_id, &new_hash],
        )
        .await
        .map_err(db_error)?;
        insert_claimed_outbox(&tx, queue, event).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn user_exists(&self, subject: &str) -> Result<bool, AppError> {
        let Ok(id) = subject.parse::<i64>() else { return Ok(false) };
        let client = self.client().await?;
        let row = client.query_opt("SELECT 1 FROM users WHERE id = $1", &[&id]).await.map_err(db_error)?;
        Ok(row.is_some())
    }
}

#[cfg(feature = "identity")]
async fn insert_refresh(
    tx: &deadpool_postgres::Transaction<'_>,
    family: uuid::Uuid,
    user_id: i64,
    refresh: &crate::domain::auth::StoredRefresh,
) -> Result<(), AppError> {
    tx.execute(
        "INSERT INTO refresh_tokens (token_hash, family_id, user_id, access_jti, expires_at) VALUES ($1, $2, $3, $4, $5)",
        &[&refresh.hash, &family, &user_id, &refresh.access_jti, &refresh.expires_at],
    )
    .await
    .map_err(db_error)?;
    Ok(())
}

/// The constraint a unique violation hit ("" when the server names none); None for other errors.
pub fn unique_violation(e: &tokio_postgres::Error) -> Option<&str> {
    e.as_db_error()
        .filter(|d| *d.code() == tokio_postgres::error::SqlState::UNIQUE_VIOLATION)
        .map(|d| d.constraint().unwrap_or_default())
}

/// The constraint a foreign-key violation hit ("" when the server names none); None for other errors.
pub fn foreign_key_violation(e: &tokio_postgres::Error) -> Option<&str> {
    e.as_db_error()
        .filter(|d| *d.code() == tokio_postgres::error::SqlState::FOREIGN_KEY_VIOLATION)
        .map(|d| d.constraint().unwrap_or_default())
}

#[cfg(feature = "identity")]
impl crate::domain::auth::RegistrationStore for Postgres {
    async fn insert_user<F>(
        &self,
        username: &str,
        email: &str,
        password_hash: &str,
        event: F,
    ) -> Result<(crate::domain::auth::NewUser, crate::domain::outbox::OutboxEntry), AppError>
    where
        F: FnOnce(&crate::domain::auth::NewUser) -> Result<crate::domain::outbox::OutboxEntry, AppError> + Send,
    {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        let row = tx
            .query_one(
                "INSERT INTO users (username, email, password_hash) VALUES ($1, $2, $3) \
                 RETURNING id, username, email, role, created_at",
                &[&username, &email, &password_hash],
            )
            .await
            .map_err(|e| match unique_violation(&e) {
                Some("users_email_key") => AppError::new(ErrorCode::EmailTaken, "that email is already registered"),
                Some(_) => AppError::new(ErrorCode::UsernameTaken, "that username is already registered"),
                None => db_error(e),
            })?;
        let user = crate::domain::auth::NewUser {
            id: row.get(0),
            username: row.get(1),
            email: row.get(2),
            role: row.get(3),
            created_at: row.get(4),
        };
        let entry = event(&user)?;
        insert_claimed_outbox(&tx, &entry.queue, &entry.event).await?;
        tx.commit().await.map_err(db_error)?;
        Ok((user, entry))
    }
}

#[cfg(feature = "identity")]
impl crate::domain::auth::refresh::RefreshStore for Postgres {
    async fn rotate(
        &self,
        presented_hash: &[u8],
        next: &crate::domain::auth::StoredRefresh,
    ) -> Result<crate::domain::auth::refresh::Rotation, AppError> {
        use crate::domain::auth::refresh::Rotation;
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        let row = tx
            .query_opt(
                "SELECT rt.family_id, rt.used_at IS NOT NULL OR rt.revoked_at IS NOT NULL OR ls.ended_at IS NOT NULL, \
                        rt.expires_at < now(), u.id, u.username, u.role, u.password_hash, u.tenant_id \
                 FROM refresh_tokens rt JOIN users u ON u.id = rt.user_id JOIN login_sessions ls ON ls.id = rt.family_id \
                 WHERE rt.token_hash = $1 FOR UPDATE OF rt",
                &[&presented_hash],
            )
            .await
            .map_err(db_error)?;
        let Some(row) = row else {
            return Ok(Rotation::Unknown);
        };
        let family: uuid::Uuid = row.get(0);
        let spent: bool = row.get(1);
        let expired: bool = row.get(2);
        if spent {
            let revoked = tx
                .query(
                    "UPDATE refresh_tokens SET revoked_at = COALESCE(revoked_at, now()) WHERE family_id = $1 RETURNING access_jti",
                    &[&family],
                )
                .await
                .map_err(db_error)?;
            tx.execute(
                "UPDATE login_sessions SET ended_at = COALESCE(ended_at, now()), end_reason = COALESCE(end_reason, 'refresh_token_reuse') WHERE id = $1",
                &[&family],
            )
            .await
            .map_err(db_error)?;
            tx.commit().await.map_err(db_error)?;
            return Ok(Rotation::Reused { revoked_access_jtis: revoked.iter().map(|r| r.get(0)).collect() });
        }
        if expired {
            return Ok(Rotation::Expired);
        }
        let user = crate::domain::auth::UserRecord {
            id: row.get(3),
            username: row.get(4),
            role: row.get(5),
            password_hash: row.get(6),
            tenant_id: row.get(7),
        };
        tx.execute("UPDATE refresh_tokens SET used_at = now() WHERE token_hash = $1", &[&presented_hash])
            .await
            .map_err(db_error)?;
        tx.execute("UPDATE login_sessions SET last_seen_at = now() WHERE id = $1", &[&family])
            .await
            .map_err(db_error)?;
        insert_refresh(&tx, family, user.id, next).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(Rotation::Rotated { user, session_id: family })
    }

    async fn record_logout(
        &self,
        user_id: i64,
        session_id: Option<uuid::Uuid>,
        queue: &str,
        event: &EventEnvelope,
    ) -> Result<Vec<String>, AppError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        let mut jtis = Vec::new();
        if let Some(session) = session_id {
            tx.execute(
                "UPDATE login_sessions SET ended_at = COALESCE(ended_at, now()), end_reason = COALESCE(end_reason, 'logout') \
                 WHERE id = $1 AND user_id = $2",
                &[&session, &user_id],
            )
            .await
            .map_err(db_error)?;
            let rows = tx
                .query(
                    "UPDATE refresh_tokens SET revoked_at = COALESCE(revoked_at, now()) WHERE family_id = $1 AND user_id = $2 RETURNING access_jti",
                    &[&session, &user_id],
                )
                .await
                .map_err(db_error)?;
            jtis = rows.iter().map(|r| r.get(0)).collect();
        }
        insert_claimed_outbox(&tx, queue, event).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(jtis)
    }
}

/// A user as others may see it (no password material).
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UserProfile {
    #[cfg_attr(feature = "openapi", schema(example = 42))]
    pub id: i64,
    #[cfg_attr(feature = "openapi", schema(example = "alice"))]
    pub username: String,
    /// Null for users created without one.
    #[cfg_attr(feature = "openapi", schema(required = true, format = Email, example = "alice@example.com"))]
    pub email: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::domain::auth::UserRole))]
    pub role: String,
    /// The user's tenant (seed 003), null when none.
    #[cfg_attr(feature = "openapi", schema(required = true, example = "acme"))]
    pub tenant_id: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Null until the first login.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub last_login_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl Postgres {
    pub async fn profile(&self, user_id: i64) -> Result<Option<UserProfile>, AppError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT id, username, email, role, tenant_id, created_at, last_login_at FROM users WHERE id = $1",
                &[&user_id],
            )
            .await
            .map_err(db_error)?;
        Ok(row.map(|r| UserProfile {
            id: r.get(0),
            username: r.get(1),
            email: r.get(2),
            role: r.get(3),
            tenant_id: r.get(4),
            created_at: r.get(5),
            last_login_at: r.get(6),
        }))
    }

    /// (id, username) of a user, case-insensitive: what the SOAP lookup returns.
    pub async fn find_user_summary(&self, username: &str) -> Result<Option<(i64, String)>, AppError> {
        let client = self.client().await?;
        let row = client
            .query_opt("SELECT id, username FROM users WHERE lower(username) = lower($1)", &[&username])
            .await
            .map_err(db_error)?;
        Ok(row.map(|r| (r.get(0), r.get(1))))
    }

    /// Queues an event that announces no database change (seed's GET /test-event).
    pub async fn enqueue(&self, queue: &str, event: &EventEnvelope) -> Result<(), AppError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        insert_claimed_outbox(&tx, queue, event).await?;
        tx.commit().await.map_err(db_error)
    }
}

/// Writes an event to the outbox inside the caller's transaction, claimed by the caller for
/// 30 s so the relay leaves it alone while the handler delivers it right after commit.
pub async fn insert_claimed_outbox(
    tx: &deadpool_postgres::Transaction<'_>,
    queue: &str,
    event: &EventEnvelope,
) -> Result<(), AppError> {
    let payload = serde_json::to_value(event).map_err(AppError::internal)?;
    tx.execute(
        "INSERT INTO outbox (event_id, queue, payload, claimed_until) VALUES ($1, $2, $3, now() + interval '30 seconds')",
        &[&event.id, &queue, &payload],
    )
    .await
    .map_err(db_error)?;
    Ok(())
}

impl crate::domain::outbox::OutboxStore for Postgres {
    async fn claim_pending(&self, limit: i64) -> Result<Vec<crate::domain::outbox::OutboxEntry>, AppError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "UPDATE outbox SET claimed_until = now() + interval '30 seconds', attempts = attempts + 1 \
                 WHERE event_id IN ( \
                   SELECT event_id FROM outbox \
                   WHERE claimed_until IS NULL OR claimed_until < now() \
                   ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED) \
                 RETURNING queue, payload, created_at",
                &[&limit],
            )
            .await
            .map_err(db_error)?;
        let mut entries = Vec::with_capacity(rows.len());
        for row in rows {
            let queue: String = row.get(0);
            let payload: serde_json::Value = row.get(1);
            match serde_json::from_value::<EventEnvelope>(payload) {
                Ok(event) => entries.push((
                    row.get::<_, chrono::DateTime<chrono::Utc>>(2),
                    crate::domain::outbox::OutboxEntry { queue, event },
                )),
                Err(e) => tracing::error!(error = %e, "outbox row is not an event envelope; left in place"),
            }
        }
        entries.sort_by_key(|(created, _)| *created);
        Ok(entries.into_iter().map(|(_, e)| e).collect())
    }

    async fn mark_delivered(&self, event_id: uuid::Uuid) -> Result<(), AppError> {
        let client = self.client().await?;
        client.execute("DELETE FROM outbox WHERE event_id = $1", &[&event_id]).await.map_err(db_error)?;
        Ok(())
    }

    async fn release(&self, event_id: uuid::Uuid, error: &str) -> Result<(), AppError> {
        let client = self.client().await?;
        // A short back-off so the same relay run does not hammer a queue that just failed.
        client
            .execute(
                "UPDATE outbox SET claimed_until = now() + interval '5 seconds', last_error = left($2, 1000) WHERE event_id = $1",
                &[&event_id, &error],
            )
            .await
            .map_err(db_error)?;
        Ok(())
    }
}

#[cfg(feature = "sessions")]
impl crate::domain::sessions::UserDirectory for Postgres {
    async fn user_id_by_username(&self, username: &str) -> Result<Option<i64>, AppError> {
        let client = self.client().await?;
        let row = client
            .query_opt("SELECT id FROM users WHERE lower(username) = lower($1)", &[&username])
            .await
            .map_err(db_error)?;
        Ok(row.map(|r| r.get(0)))
    }
}

#[cfg(test)]
mod tests {
    use super::{nul_in_text, server_unavailable};
    use tokio_postgres::error::SqlState;

    /// `DELETE /api/sessions/{userId}?sessionId=a%00b` recorded the id in its event's JSONB and
    /// answered 500 (found by localstack/api-schema.sh): a NUL the database refuses is a 400.
    #[test]
    fn nul_refused_by_postgres_is_the_clients_mistake() {
        assert_eq!(SqlState::CHARACTER_NOT_IN_REPERTOIRE.code(), "22021");
        assert_eq!(SqlState::UNTRANSLATABLE_CHARACTER.code(), "22P05");
        assert!(
            nul_in_text(&SqlState::CHARACTER_NOT_IN_REPERTOIRE) && nul_in_text(&SqlState::UNTRANSLATABLE_CHARACTER)
        );
        assert!(!nul_in_text(&SqlState::UNIQUE_VIOLATION) && !nul_in_text(&SqlState::ADMIN_SHUTDOWN));
    }

    #[test]
    fn shutdowns_lost_connections_and_exhaustion_are_unavailability_not_bugs() {
        for code in [
            SqlState::ADMIN_SHUTDOWN,
            SqlState::CRASH_SHUTDOWN,
            SqlState::CANNOT_CONNECT_NOW,
            SqlState::CONNECTION_FAILURE,
            SqlState::TOO_MANY_CONNECTIONS,
        ] {
            assert!(server_unavailable(&code), "{}", code.code());
        }
        for code in [
            SqlState::UNIQUE_VIOLATION,
            SqlState::FOREIGN_KEY_VIOLATION,
            SqlState::SYNTAX_ERROR,
            SqlState::UNDEFINED_TABLE,
        ] {
            assert!(!server_unavailable(&code), "{}", code.code());
        }
    }
}
