//! Who may do what, with which token, at which tenant: the token is validated through the
//! identity service's introspection (cached), must belong to the tenant asked for, is
//! rate-limited per tenant and caller, and the tenant must exist and be active.

use super::cache::LayeredCache;
use super::directory::TenantConfig;
use super::ids::TenantId;
use super::ports::{Introspector, SharedCache, TenantDirectory, TokenInfo};
use crate::domain::error::{AppError, ErrorCode};
use crate::domain::ratelimit::{RateCounter, RateLimiter};
use serde::Serialize;
use std::time::Duration;

/// The authenticated caller of one request.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Caller {
    pub subject: String,
    pub username: Option<String>,
    pub role: String,
    pub tenant: TenantId,
}

/// Cache lifetimes; the token TTL is configurable so tests can watch a revocation take effect.
#[derive(Debug, Clone)]
pub struct CachePolicy {
    pub token_ttl: Duration,
    pub tenant_ttl: Duration,
}

/// How long "no such tenant" is cached (at most the tenant TTL).
pub const UNKNOWN_TENANT_TTL: Duration = Duration::from_secs(60);

/// The token is hashed before it becomes a cache key: the cache never holds a usable token.
pub fn token_cache_key(token: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(token.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("token#{hex}")
}

/// The whole access decision, over its ports.
pub struct TenantAccess<I, D, S, C> {
    pub introspector: I,
    pub directory: D,
    pub cache: LayeredCache<S>,
    pub limiter: RateLimiter<C>,
    pub policy: CachePolicy,
}

/// The outcome of a successful access check.
#[derive(Debug, Clone)]
pub struct Granted {
    pub caller: Caller,
    pub tenant: TenantConfig,
    pub rate_remaining: u64,
}

fn auth_failed(message: &str) -> AppError {
    AppError::new(ErrorCode::AuthenticationFailed, message)
}

impl<I: Introspector, D: TenantDirectory, S: SharedCache, C: RateCounter> TenantAccess<I, D, S, C> {
    /// Validates the token (cached introspection). Errors: 401 AUTHENTICATION_FAILED, 503
    /// AUTH_SERVICE_UNAVAILABLE when introspection cannot be reached and nothing is cached.
    pub async fn caller(&self, token: &str, now_epoch: i64) -> Result<Caller, AppError> {
        let key = token_cache_key(token);
        let info: TokenInfo = match self.cache.get::<TokenInfo>(&key).await {
            Some(info) => info,
            None => {
                let info = self.introspector.introspect(token).await?;
                // Never cache past the token's own expiry.
                let ttl = match info.exp {
                    Some(exp) if info.active => {
                        self.policy.token_ttl.min(Duration::from_secs((exp - now_epoch).max(0) as u64))
                    }
                    _ => self.policy.token_ttl,
                };
                if !ttl.is_zero() {
                    self.cache.put(&key, &info, ttl).await;
                }
                info
            }
        };
        if !info.active || info.exp.is_some_and(|exp| exp <= now_epoch) {
            return Err(auth_failed("the token is invalid, expired or revoked"));
        }
        let subject = info.sub.ok_or_else(|| auth_failed("the token has no subject"))?;
        let tenant =
            info.tenant_id.as_deref().map(TenantId::parse).transpose().ok().flatten().ok_or_else(|| {
                AppError::new(ErrorCode::TenantAccessDenied, "the token does not belong to any tenant")
            })?;
        Ok(Caller { subject, username: info.username, role: info.role.unwrap_or_else(|| "user".into()), tenant })
    }

    /// The tenant's configuration (cached); unknown and disabled tenants are TENANT_NOT_FOUND.
    pub async fn tenant(&self, id: &TenantId) -> Result<TenantConfig, AppError> {
        let key = format!("tenant#{id}");
        let config = match self.cache.get::<Option<TenantConfig>>(&key).await {
            Some(config) => config,
            None => {
                let config = self.directory.find(id).await?;
                // An unknown tenant is remembered briefly only, so a new tenant works within a minute.
                let ttl = if config.is_some() {
                    self.policy.tenant_ttl
                } else {
                    self.policy.tenant_ttl.min(UNKNOWN_TENANT_TTL)
                };
                self.cache.put(&key, &config, ttl).await;
                config
            }
        };
        config.filter(|c| c.active).ok_or_else(|| {
            AppError::new(ErrorCode::TenantNotFound, format!("tenant '{id}' does not exist or is disabled"))
        })
    }

    /// The full check, in the order that reveals least: token, tenant match, rate, tenant.
    pub async fn authorize(&self, token: &str, tenant_header: &str, now_epoch: i64) -> Result<Granted, AppError> {
        let requested = TenantId::parse(tenant_header)?;
        let caller = self.caller(token, now_epoch).await?;
        if caller.tenant != requested {
            return Err(AppError::new(ErrorCode::TenantAccessDenied, "the token does not grant access to this tenant"));
        }
        let tenant = self.tenant(&requested).await?;
        let scope = format!("{}#{}", tenant.id, caller.subject);
        let decision = self.limiter.check(&scope, tenant.rate_limit, tenant.rate_window_seconds, now_epoch).await;
        let rate_remaining = decision.into_result(tenant.rate_limit, tenant.rate_window_seconds)?;
        Ok(Granted { caller, tenant, rate_remaining })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::adapters::memory::{MemoryCounter, MemoryIntrospector, MemorySharedCache, MemoryTenantDirectory};

    pub(crate) fn tenant(id: &str, active: bool, limit: u64) -> TenantConfig {
        TenantConfig {
            id: TenantId::parse(id).unwrap(),
            name: id.into(),
            active,
            database: None,
            pool_max_size: 2,
            rate_limit: limit,
            rate_window_seconds: 60,
        }
    }

    pub(crate) fn token(sub: &str, tenant: &str, exp: i64) -> TokenInfo {
        TokenInfo {
            active: true,
            sub: Some(sub.into()),
            username: Some(format!("user-{sub}")),
            role: Some("user".into()),
            tenant_id: Some(tenant.into()),
            exp: Some(exp),
        }
    }

    pub(crate) type Access = TenantAccess<MemoryIntrospector, MemoryTenantDirectory, MemorySharedCache, MemoryCounter>;

    /// Tenants acme (3 requests a minute), globex and the disabled off; tokens of acme, of the
    /// unknown tenant ghost and of off, valid until 10 000.
    pub(crate) fn access(ttl: u64) -> Access {
        let introspector = MemoryIntrospector::default();
        introspector.insert("tok-a", token("1", "acme", 10_000));
        introspector.insert("tok-ghost", token("3", "ghost", 10_000));
        introspector.insert("tok-off", token("4", "off", 10_000));
        TenantAccess {
            introspector,
            directory: MemoryTenantDirectory::with([
                tenant("acme", true, 3),
                tenant("globex", true, 100),
                tenant("off", false, 100),
            ]),
            cache: LayeredCache::new(MemorySharedCache::default(), 1000),
            limiter: RateLimiter::new(MemoryCounter::default()),
            policy: CachePolicy { token_ttl: Duration::from_secs(ttl), tenant_ttl: Duration::from_secs(3600) },
        }
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(f)
    }

    #[test]
    fn tokens_only_open_their_own_tenant() {
        let a = access(300);
        block_on(async {
            let ok = a.authorize("tok-a", "acme", 1000).await.unwrap();
            assert_eq!((ok.caller.subject.as_str(), ok.tenant.id.as_str()), ("1", "acme"));
            let code = |r: Result<Granted, AppError>| r.unwrap_err().code();
            assert_eq!(code(a.authorize("tok-a", "globex", 1000).await), "TENANT_ACCESS_DENIED");
            assert_eq!(code(a.authorize("garbage", "acme", 1000).await), "AUTHENTICATION_FAILED");
            assert_eq!(code(a.authorize("tok-a", "ACME", 1000).await), "INVALID_TENANT_ID");
            assert_eq!(code(a.authorize("tok-ghost", "ghost", 1000).await), "TENANT_NOT_FOUND");
            assert_eq!(code(a.authorize("tok-off", "off", 1000).await), "TENANT_NOT_FOUND");
            assert_eq!(code(a.authorize("tok-a", "acme", 10_000).await), "AUTHENTICATION_FAILED", "expired");
        });
    }

    #[test]
    fn introspection_is_cached_until_the_ttl_and_survives_an_outage() {
        let a = access(300);
        block_on(async {
            a.authorize("tok-a", "acme", 1000).await.unwrap();
            a.introspector.set_up(false);
            a.authorize("tok-a", "acme", 1001).await.unwrap();
            assert_eq!(a.introspector.calls(), 1);
            assert_eq!(a.authorize("tok-new", "acme", 1001).await.unwrap_err().code(), "AUTH_SERVICE_UNAVAILABLE");
        });
        let stats = a.cache.stats();
        assert!(stats.memory_hits >= 1, "{stats:?}");
    }

    #[test]
    fn revocation_shows_once_the_cache_entry_expires() {
        let a = access(1);
        block_on(async {
            a.authorize("tok-a", "acme", 1000).await.unwrap();
            a.introspector.revoke("tok-a");
            a.authorize("tok-a", "acme", 1000).await.expect("still cached");
            tokio::time::sleep(Duration::from_millis(1100)).await;
            assert_eq!(a.authorize("tok-a", "acme", 1000).await.unwrap_err().code(), "AUTHENTICATION_FAILED");
        });
    }

    #[test]
    fn rate_limit_per_tenant_and_caller_resets_with_the_window() {
        let a = access(300);
        block_on(async {
            for _ in 0..3 {
                a.authorize("tok-a", "acme", 1000).await.unwrap();
            }
            let limited = a.authorize("tok-a", "acme", 1010).await.unwrap_err();
            assert_eq!((limited.code().as_str(), limited.status()), ("RATE_LIMITED", 429));
            assert!(matches!(limited, AppError::RateLimited { retry_after_seconds: 10, .. }), "window 960-1020");
            a.authorize("tok-a", "acme", 1019).await.expect_err("same window");
            a.authorize("tok-a", "acme", 1080).await.expect("next window");
            // The counter store down: counted locally, still limited.
            a.limiter.counter.set_up(false);
            for _ in 0..3 {
                a.authorize("tok-a", "acme", 1200).await.unwrap();
            }
            assert_eq!(a.authorize("tok-a", "acme", 1200).await.unwrap_err().code(), "RATE_LIMITED");
        });
    }
}
