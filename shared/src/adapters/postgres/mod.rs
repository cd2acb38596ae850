//! PostgreSQL on tokio-postgres with a deadpool pool. The pool is built once per execution
//! environment and connects lazily: init costs nothing, and a database that is down at init
//! (or later) only turns into 503s until it is back — the pool reconnects by itself.

use crate::config::{ConfigError, ExposeSecret, PostgresConfig};
use crate::domain::error::ErrorCode;
use crate::domain::error::{AppError, Dependency};
use crate::domain::health::{DatabaseInfo, Probe, ProbeFuture, ServerInfo};
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod, Runtime};
use tokio_postgres::NoTls;

#[cfg(feature = "chat")]
pub mod chat;
#[cfg(feature = "sessions")]
pub mod directory;
pub mod outbox;
#[cfg(feature = "identity")]
pub mod refresh;
#[cfg(feature = "tenants")]
pub mod tenants;
#[cfg(feature = "identity")]
pub mod users;

pub use outbox::insert_claimed_outbox;

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// Arbitrary, fixed: serialises concurrent migration runs (several cold starts at once).
const MIGRATION_LOCK_KEY: i64 = 0x006d_6967_7261_7465;

#[derive(Clone)]
pub struct Postgres {
    pool: Pool,
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
            pg.password(password.expose_secret());
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

    pub async fn client(&self) -> Result<Object, AppError> {
        self.pool.get().await.map_err(pool_error)
    }

    /// Health probe: [`DatabaseInfo::server_info`], as the check's detail.
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

impl DatabaseInfo for Postgres {
    /// A round trip, reporting the server version and time.
    async fn server_info(&self) -> Result<ServerInfo, AppError> {
        let client = self.client().await?;
        let row = client.query_one("SELECT version(), now()", &[]).await.map_err(db_error)?;
        Ok(ServerInfo { version: row.get(0), server_time: row.get(1) })
    }
}

impl crate::domain::migrations::SchemaMigrations for Postgres {
    async fn migrate(&self) -> Result<Vec<String>, AppError> {
        Postgres::migrate(self).await
    }
}

impl Probe for Postgres {
    fn probe(&self) -> ProbeFuture<'_> {
        Box::pin(self.ping())
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
