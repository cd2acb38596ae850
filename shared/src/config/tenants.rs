//! The tenant data service: cache lifetimes and size, the per-tenant connection pools, and the
//! identity service's introspection endpoint it validates tokens at.

use super::{ConfigError, Env, PostgresConfig, SecretString};
use crate::domain::tenants::CachePolicy;
use std::time::Duration;

/// `TOKEN_CACHE_TTL_SECONDS` (300) for introspection answers, `TENANT_CACHE_TTL_SECONDS` (3600)
/// for directory entries.
pub fn cache_policy(env: &Env) -> Result<CachePolicy, ConfigError> {
    Ok(CachePolicy {
        token_ttl: env.duration_secs("TOKEN_CACHE_TTL_SECONDS", 300)?,
        tenant_ttl: env.duration_secs("TENANT_CACHE_TTL_SECONDS", 3600)?,
    })
}

/// `TENANT_MEMORY_CACHE_ENTRIES` (10 000): how many entries this execution environment's own
/// cache level keeps.
pub fn memory_cache_entries(env: &Env) -> Result<u64, ConfigError> {
    env.parse_or("TENANT_MEMORY_CACHE_ENTRIES", 10_000)
}

/// The tenants' connection pools: the shared cluster and credentials (`PG_*`), and bounds.
#[derive(Debug, Clone)]
pub struct TenantPoolConfig {
    /// Host, port and database of tenants without a database of their own; the user and
    /// password of every tenant connection; the connection timeout.
    pub base: PostgresConfig,
    /// `TENANT_POOL_MAX_SIZE` (4): upper bound on any tenant's pool, whatever the directory says.
    pub max_pool_size: usize,
    /// `TENANT_POOLS_MAX` (16): tenants with a pool in one execution environment.
    pub max_pools: usize,
    /// `TENANT_POOL_IDLE_SECONDS` (300): a pool unused this long is closed.
    pub idle_ttl: Duration,
}

impl TenantPoolConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            base: PostgresConfig::from_env(env)?,
            max_pool_size: env.parse_or("TENANT_POOL_MAX_SIZE", 4usize)?.max(1),
            max_pools: env.parse_or("TENANT_POOLS_MAX", 16usize)?.max(1),
            idle_ttl: env.duration_secs("TENANT_POOL_IDLE_SECONDS", 300)?,
        })
    }
}

/// The identity service's RFC 7662 endpoint and this service's client credentials there.
#[derive(Debug, Clone)]
pub struct IntrospectionConfig {
    /// `AUTH_SERVICE_URL` + `TOKEN_INTROSPECTION_ENDPOINT` (default `/auth/introspect`); the
    /// adapter parses it (a URL it cannot use is a configuration error naming `AUTH_SERVICE_URL`).
    pub url: String,
    /// `INTROSPECTION_CLIENT_ID`.
    pub client_id: String,
    /// `INTROSPECTION_CLIENT_SECRET`.
    pub client_secret: SecretString,
    /// `INTROSPECTION_TIMEOUT_MS` (default: `DEPENDENCY_TIMEOUT_MS`): one call, connection included.
    pub timeout: Duration,
}

impl IntrospectionConfig {
    /// `dependency_timeout` is the default of `INTROSPECTION_TIMEOUT_MS`.
    pub fn from_env(env: &Env, dependency_timeout: Duration) -> Result<Self, ConfigError> {
        let timeout = env.duration_ms("INTROSPECTION_TIMEOUT_MS", dependency_timeout.as_millis() as u64)?;
        let base = env.required("AUTH_SERVICE_URL")?;
        let path = env.or_default("TOKEN_INTROSPECTION_ENDPOINT", "/auth/introspect");
        Ok(Self {
            url: format!("{}{}", base.trim_end_matches('/'), path),
            client_id: env.required("INTROSPECTION_CLIENT_ID")?,
            client_secret: env.secret("INTROSPECTION_CLIENT_SECRET")?,
            timeout,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_and_bounds_hold() {
        let env = Env::from_pairs([("TENANT_POOL_MAX_SIZE", "0"), ("TOKEN_CACHE_TTL_SECONDS", "1")]);
        let pools = TenantPoolConfig::from_env(&env).unwrap();
        assert_eq!((pools.max_pool_size, pools.max_pools, pools.idle_ttl.as_secs()), (1, 16, 300));
        let policy = cache_policy(&env).unwrap();
        assert_eq!((policy.token_ttl.as_secs(), policy.tenant_ttl.as_secs()), (1, 3600));
        assert_eq!(memory_cache_entries(&env).unwrap(), 10_000);
    }

    #[test]
    fn the_introspection_url_is_joined_and_its_secret_kept_out_of_debug() {
        let env = Env::from_pairs([
            ("AUTH_SERVICE_URL", "https://id.example/"),
            ("INTROSPECTION_CLIENT_ID", "tenant-service"),
            ("INTROSPECTION_CLIENT_SECRET", "intro-hunter2"),
        ]);
        let config = IntrospectionConfig::from_env(&env, Duration::from_millis(750)).unwrap();
        assert_eq!(config.url, "https://id.example/auth/introspect");
        assert_eq!(config.timeout.as_millis(), 750);
        assert!(!format!("{config:?}").contains("hunter2"));
        let missing =
            IntrospectionConfig::from_env(&Env::from_pairs([("AUTH_SERVICE_URL", "http://x")]), config.timeout);
        assert!(matches!(missing, Err(ConfigError::Missing("INTROSPECTION_CLIENT_ID"))));
    }
}
