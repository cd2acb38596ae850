//! What the tenant data service needs from the outside world, one trait per concern: the
//! identity service's introspection, the tenant directory, the cache shared by every execution
//! environment, and the tenants' own databases (rate counters are [`RateCounter`]); and what
//! they answer: introspection results, records, pool figures.
//!
//! [`RateCounter`]: crate::domain::ratelimit::RateCounter

use super::directory::TenantConfig;
use super::ids::TenantId;
use crate::domain::error::AppError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::future::Future;
use uuid::Uuid;

/// What introspection says about a token (RFC 7662 fields this service uses). Its JSON is what
/// the shared cache holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenInfo {
    pub active: bool,
    #[serde(default)]
    pub sub: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub tenant_id: Option<String>,
    #[serde(default)]
    pub exp: Option<i64>,
}

/// A record of the tenant: a JSON document with an id and a version.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = TenantRecord))]
#[serde(rename_all = "camelCase")]
pub struct Record {
    /// UUID v7: ids sort in creation order.
    pub id: Uuid,
    /// The document, always a JSON object.
    #[cfg_attr(feature = "openapi", schema(value_type = Object, example = json!({"title": "Q3 report", "pages": 12})))]
    pub data: Value,
    /// 1 when created, +1 on every update (pass it back to `PUT` to detect concurrent changes).
    #[cfg_attr(feature = "openapi", schema(minimum = 1, example = 1))]
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One tenant's connection pool in this execution environment.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = TenantPoolStats))]
#[serde(rename_all = "camelCase")]
pub struct PoolStats {
    #[cfg_attr(feature = "openapi", schema(example = "acme"))]
    pub tenant: String,
    pub max_size: usize,
    /// Connections open now.
    pub size: usize,
    /// Open connections not in use.
    pub available: usize,
    /// Requests waiting for a connection.
    pub waiting: usize,
    /// Connections handed out since the pool was created.
    pub checkouts: u64,
    /// Failed attempts to get a connection.
    pub failures: u64,
    /// The last failure's message, `null` when none.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub last_error: Option<String>,
    pub age_seconds: u64,
    pub idle_seconds: u64,
}

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
