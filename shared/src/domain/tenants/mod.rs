//! Tenant data access: every call carries a bearer token and `X-Tenant-ID`; the token is
//! validated through the identity service's introspection endpoint (cached), must belong to
//! that tenant, is rate-limited per tenant and caller, and then reaches the tenant's own schema
//! on a connection as the tenant's own role.
//!
//! The rules are generic over the traits of [`ports`], so they are unit-tested with the
//! in-memory adapters; the real ones (HTTP introspection, DynamoDB cache and counters,
//! PostgreSQL directory and per-tenant pools) live in `adapters`.

pub mod access;
pub mod cache;
pub mod directory;
pub mod health;
pub mod ids;
pub mod ports;
pub mod records;
pub mod service;

pub use crate::domain::ratelimit::{RateCounter, RateLimiter};
pub use access::{CachePolicy, Caller, Granted, TenantAccess, UNKNOWN_TENANT_TTL, token_cache_key};
pub use cache::{CacheStats, LayeredCache};
pub use directory::{DedicatedDatabase, NewTenant, TenantConfig};
pub use health::{
    MemoryUsage, TenantCacheReport, TenantDatabaseChecks, TenantHealth, TenantHealthCheck, TenantHealthChecks,
    TenantHealthDetails, TenantHealthStatus, memory_usage,
};
pub use ids::TenantId;
pub use ports::{
    Introspector, PoolStats, Record, RecordStore, SharedCache, TenantDatabases, TenantDirectory, TokenInfo,
};
pub use records::{MAX_PAGE_SIZE, RecordPage, Records, not_found, validate_document};
pub use service::TenantData;
