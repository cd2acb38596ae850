//! What the tenant data service needs from the outside world, one trait per concern: the
//! identity service's introspection, the tenant directory, the cache shared by every execution
//! environment, and the tenants' own databases. (Rate counters are [`RateCounter`].)
//!
//! [`RateCounter`]: crate::domain::ratelimit::RateCounter

use super::access::TokenInfo;
use super::directory::TenantConfig;
use super::health::PoolStats;
use super::ids::TenantId;
use super::records::Record;
use crate::domain::error::AppError;
use serde_json::Value;
use std::future::Future;
use uuid::Uuid;

/// RFC 7662 token introspection at the identity service.
pub trait Introspector: Send + Sync {
    /// 503 AUTH_SERVICE_UNAVAILABLE when the service cannot be reached in time.
    fn introspect(&self, token: &str) -> impl Future<Output = Result<TokenInfo, AppError>> + Send;
}

/// The directory of tenants (the control-plane database).
pub trait TenantDirectory: Send + Sync {
    fn find(&self, id: &TenantId) -> impl Future<Output = Result<Option<TenantConfig>, AppError>> + Send;
}

/// A shared key-value cache with per-entry expiry (epoch seconds).
pub trait SharedCache: Send + Sync {
    fn get(&self, key: &str) -> impl Future<Output = Result<Option<(String, i64)>, AppError>> + Send;
    fn put(&self, key: &str, value: String, expires_at: i64) -> impl Future<Output = Result<(), AppError>> + Send;
}

/// The tenants' own databases. A request opens one connection to its tenant's database, as the
/// tenant's own role in the tenant's schema, so that no query can reach another tenant's data.
pub trait TenantDatabases: Send + Sync {
    /// The records reachable on one open connection.
    type Records: RecordStore;

    /// A connection to the tenant's database (503 DATABASE_ERROR when it cannot be had).
    fn open(&self, tenant: &TenantConfig) -> impl Future<Output = Result<Self::Records, AppError>> + Send;

    /// Health monitoring: a round trip as the tenant's role, with what the database says it
    /// runs as (role and schema) as the check's detail.
    fn probe(&self, tenant: &TenantConfig) -> impl Future<Output = Result<Option<Value>, AppError>> + Send;

    /// The connection pools open in this execution environment, by tenant.
    fn pool_stats(&self) -> Vec<PoolStats>;
}

/// One tenant's records, on a connection [`TenantDatabases::open`] opened.
pub trait RecordStore: Send + Sync {
    /// At most `limit` records, newest first, older than `before` when given.
    fn list(&self, limit: i64, before: Option<Uuid>) -> impl Future<Output = Result<Vec<Record>, AppError>> + Send;

    fn find(&self, id: Uuid) -> impl Future<Output = Result<Option<Record>, AppError>> + Send;

    /// Stores a new record, version 1.
    fn insert(&self, id: Uuid, data: &Value) -> impl Future<Output = Result<Record, AppError>> + Send;

    /// Replaces the document and increments the version, if the record exists and (when
    /// `expected_version` is given) still has that version; None otherwise.
    fn replace(
        &self,
        id: Uuid,
        data: &Value,
        expected_version: Option<i32>,
    ) -> impl Future<Output = Result<Option<Record>, AppError>> + Send;

    /// Whether there was such a record to delete.
    fn delete(&self, id: Uuid) -> impl Future<Output = Result<bool, AppError>> + Send;
}
