//! The tenant data functions: tokens introspected at the identity service over HTTP(S), the
//! two-level cache and the rate counters in DynamoDB, the tenant directory and the tenants'
//! databases in PostgreSQL (one pool per tenant, connecting as the tenant's role).

use crate::adapters::dynamodb::{DynamoCache, DynamoCounter};
use crate::adapters::introspection::HttpIntrospector;
use crate::adapters::postgres::Postgres;
use crate::adapters::postgres::tenants::{PostgresDirectory, TenantPools};
use crate::config::{
    ConfigError, Env, IntrospectionConfig, PostgresConfig, TenantPoolConfig, cache_policy, dependency_timeout,
    memory_cache_entries, table_name,
};
use crate::domain::tenants::{LayeredCache, RateLimiter, TenantAccess, TenantData, TenantHealthCheck};

/// The tenant data service over its real adapters.
pub type Tenants = TenantData<HttpIntrospector, PostgresDirectory, DynamoCache, DynamoCounter, TenantPools>;

/// `GET`/`POST`/`PUT`/`DELETE /api/data`, `GET /tenants/health/details`: the access check (with
/// its cache and rate counters, one DynamoDB table) and the tenants' databases.
pub async fn data() -> Result<Tenants, ConfigError> {
    let env = Env::process();
    let timeout = dependency_timeout(&env)?;
    let sdk = super::aws(&env).await?;
    let cache = DynamoCache::new(&sdk, table_name(&env, "TENANT_CACHE_TABLE")?);
    let counters = DynamoCounter::new(&sdk, table_name(&env, "TENANT_CACHE_TABLE")?);
    let directory = PostgresDirectory { db: Postgres::new(&PostgresConfig::from_env(&env)?)? };
    let capacity = memory_cache_entries(&env)?;
    Ok(TenantData {
        access: TenantAccess {
            introspector: HttpIntrospector::new(&IntrospectionConfig::from_env(&env, timeout)?)?,
            directory,
            cache: LayeredCache::new(cache, capacity),
            limiter: RateLimiter::new(counters),
            policy: cache_policy(&env)?,
        },
        databases: TenantPools::new(TenantPoolConfig::from_env(&env)?),
        deadline: timeout,
    })
}

/// `GET /tenants/health`: the tenant directory and the shared cache.
pub async fn health() -> Result<TenantHealthCheck<Postgres, DynamoCache>, ConfigError> {
    let env = Env::process();
    let deadline = dependency_timeout(&env)?;
    let sdk = super::aws(&env).await?;
    Ok(TenantHealthCheck {
        directory: Postgres::new(&PostgresConfig::from_env(&env)?)?,
        cache: DynamoCache::new(&sdk, table_name(&env, "TENANT_CACHE_TABLE")?),
        deadline,
    })
}
