//! The one place where a PostgreSQL error of the tenant service becomes an API error: the
//! service names every database failure DATABASE_ERROR (503) and keeps anything else internal.

use crate::adapters::postgres::{describe_db_error, server_unavailable};
use crate::domain::error::{AppError, Dependency};

/// The tenant service's 503 for "the database failed".
pub(super) fn database_error(e: impl std::fmt::Display) -> AppError {
    AppError::unavailable(Dependency::TenantDatabase, e)
}

/// A shutdown, lost connection or exhaustion is a 503 to retry; any other server error is a
/// bug of the query (500); a client-side failure (I/O, closed connection) is the database being
/// unavailable.
pub(super) fn sql_error(e: tokio_postgres::Error) -> AppError {
    match e.as_db_error() {
        Some(db) if server_unavailable(db.code()) => database_error(e),
        Some(db) => AppError::internal(format!("tenant query failed: {}", describe_db_error(db))),
        None => database_error(e),
    }
}
