//! The database schema, brought up to date once after each deploy (not on every cold start of
//! the request functions).

use crate::domain::error::AppError;
use std::future::Future;

/// A database whose schema is migrated in place.
pub trait SchemaMigrations: Send + Sync {
    /// Applies the migrations not applied yet, one run at a time; returns their names, in order.
    fn migrate(&self) -> impl Future<Output = Result<Vec<String>, AppError>> + Send;
}
