//! Tenant data access (seed 003): every call carries a bearer token and `X-Tenant-ID`; the
//! token is validated through the identity service's introspection endpoint (cached), must
//! belong to that tenant, is rate-limited per tenant and caller, and then reaches the tenant's
//! own schema through a per-tenant connection pool.
//!
//! The pipeline ([`TenantAccess`]) is generic over small traits, so its rules are unit-tested
//! with in-memory parts; the adapters (HTTP introspection, DynamoDB cache and counters,
//! PostgreSQL pools) live in `adapters` and [`pools`].

use crate::domain::error::ErrorCode;
use crate::domain::error::{AppError, Dependency};
pub use crate::domain::ratelimit::{RateCounter, RateLimiter};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::time::Duration;

pub mod cache;

pub use cache::{CacheStats, LayeredCache, SharedCache};

pub const TENANT_HEADER: &str = "x-tenant-id";
const MAX_TENANT_ID_LEN: usize = 40;

/// A tenant id as the directory accepts it: lowercase letters, digits and inner hyphens, at
/// most 40 characters. It becomes part of SQL identifiers, so nothing else ever passes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TenantId(String);

impl TenantId {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let invalid = || {
            AppError::new(
                ErrorCode::InvalidTenantId,
                "X-Tenant-ID must be 1-40 lowercase letters, digits or inner hyphens",
            )
        };
        let bytes = raw.as_bytes();
        let shape_ok = !bytes.is_empty()
            && bytes.len() <= MAX_TENANT_ID_LEN
            && bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
            && bytes.first() != Some(&b'-')
            && bytes.last() != Some(&b'-');
        if shape_ok { Ok(Self(raw.to_string())) } else { Err(invalid()) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The tenant's schema and the role that owns it (same name), safe as a bare identifier.
    pub fn schema(&self) -> String {
        format!("tenant_{}", self.0.replace('-', "_"))
    }
}

impl TryFrom<String> for TenantId {
    type Error = AppError;
    fn try_from(value: String) -> Result<Self, AppError> {
        Self::parse(&value)
    }
}

impl From<TenantId> for String {
    fn from(id: TenantId) -> String {
        id.0
    }
}

impl std::fmt::Display for TenantId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a tenant's data lives when it has a database of its own.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DedicatedDatabase {
    pub host: String,
    pub port: u16,
    pub name: String,
}

/// A tenant's configuration from the directory (cached for an hour).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantConfig {
    pub id: TenantId,
    pub name: String,
    pub active: bool,
    pub database: Option<DedicatedDatabase>,
    pub pool_max_size: usize,
    pub rate_limit: u64,
    pub rate_window_seconds: u64,
}

/// What introspection says about a token (RFC 7662 fields this service uses).
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

/// The authenticated caller of one request.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Caller {
    pub subject: String,
    pub username: Option<String>,
    pub role: String,
    pub tenant: TenantId,
}

// ---- the parts the pipeline needs, one trait each ----

pub trait Introspector: Send + Sync {
    fn introspect(&self, token: &str) -> impl Future<Output = Result<TokenInfo, AppError>> + Send;
}

pub trait TenantDirectory: Send + Sync {
    fn find(&self, id: &TenantId) -> impl Future<Output = Result<Option<TenantConfig>, AppError>> + Send;
}

/// Cache lifetimes; the token TTL is configurable so tests can watch a revocation take effect.
#[derive(Debug, Clone)]
pub struct CachePolicy {
    pub token_ttl: Duration,
    pub tenant_ttl: Duration,
}

impl CachePolicy {
    pub fn from_env() -> Result<Self, crate::config::ConfigError> {
        Ok(Self {
            token_ttl: Duration::from_secs(crate::config::parse_or("TOKEN_CACHE_TTL_SECONDS", 300u64)?),
            tenant_ttl: Duration::from_secs(crate::config::parse_or("TENANT_CACHE_TTL_SECONDS", 3600u64)?),
        })
    }
}

/// How long "no such tenant" is cached (at most `TENANT_CACHE_TTL_SECONDS`).
pub const UNKNOWN_TENANT_TTL: Duration = Duration::from_secs(60);

/// The token is hashed before it becomes a cache key: the cache never holds a usable token.
pub fn token_cache_key(token: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(token.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("token#{hex}")
}

/// Who may do what, with which token, at which tenant: the whole access decision.
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

/// Memory of this execution environment (KiB), `null` where `/proc` cannot tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = TenantMemoryUsage))]
pub struct MemoryUsage {
    /// Resident set size now (`VmRSS`).
    #[serde(rename = "rssKiB")]
    #[cfg_attr(feature = "openapi", schema(required = true, example = 24576))]
    pub rss_kib: Option<u64>,
    /// Peak resident set size of this execution environment (`VmHWM`).
    #[serde(rename = "peakRssKiB")]
    #[cfg_attr(feature = "openapi", schema(required = true, example = 30720))]
    pub peak_rss_kib: Option<u64>,
}

/// Memory of this execution environment, for health details (Linux `/proc`; Lambda is Linux).
pub fn memory_usage() -> MemoryUsage {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
    };
    MemoryUsage { rss_kib: field("VmRSS:"), peak_rss_kib: field("VmHWM:") }
}

/// The tenant service's state in a health answer: the databases decide availability; the
/// shared cache only degrades it (this environment's memory takes over).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum TenantHealthStatus {
    Ok,
    Degraded,
    Unavailable,
}

impl TenantHealthStatus {
    pub fn of(databases_up: bool, cache_up: bool) -> Self {
        match (databases_up, cache_up) {
            (true, true) => Self::Ok,
            (true, false) => Self::Degraded,
            (false, _) => Self::Unavailable,
        }
    }

    /// 503 when unavailable, 200 otherwise (degraded included).
    pub fn http_status(self) -> u16 {
        if self == Self::Unavailable { 503 } else { 200 }
    }
}

/// `GET /tenants/health` (seed 003's basic health).
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TenantHealth {
    /// Always `tenants`.
    #[cfg_attr(feature = "openapi", schema(example = "tenants"))]
    pub service: &'static str,
    pub status: TenantHealthStatus,
    /// `DATABASE_ERROR` when unavailable, `null` otherwise.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub code: Option<&'static str>,
    pub checks: TenantHealthChecks,
}

/// The checks of `GET /tenants/health`.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TenantHealthChecks {
    /// The tenant directory (control-plane PostgreSQL).
    pub database: crate::domain::health::CheckResult,
    /// The shared cache (DynamoDB); its outage only degrades the service.
    pub cache: crate::domain::health::CheckResult,
}

impl TenantHealth {
    pub fn new(database: crate::domain::health::CheckResult, cache: crate::domain::health::CheckResult) -> Self {
        let status = TenantHealthStatus::of(database.is_up(), cache.is_up());
        Self {
            service: "tenants",
            status,
            code: (status == TenantHealthStatus::Unavailable).then_some("DATABASE_ERROR"),
            checks: TenantHealthChecks { database, cache },
        }
    }

    pub fn http_status(&self) -> u16 {
        self.status.http_status()
    }
}

/// The seed's code for "the database failed" in this service.
pub fn database_error(e: impl std::fmt::Display) -> AppError {
    AppError::unavailable(Dependency::TenantDatabase, e)
}

#[cfg(test)]
mod tests {
    use super::cache::memory::MemoryShared;
    use super::*;
    use std::collections::HashMap;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[derive(Default)]
    struct FakeIntrospector {
        tokens: Mutex<HashMap<String, TokenInfo>>,
        calls: AtomicUsize,
        down: std::sync::atomic::AtomicBool,
    }
    impl Introspector for FakeIntrospector {
        async fn introspect(&self, token: &str) -> Result<TokenInfo, AppError> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            if self.down.load(Ordering::SeqCst) {
                return Err(AppError::unavailable(Dependency::AuthService, "down"));
            }
            Ok(self.tokens.lock().unwrap().get(token).cloned().unwrap_or(TokenInfo {
                active: false,
                sub: None,
                username: None,
                role: None,
                tenant_id: None,
                exp: None,
            }))
        }
    }

    struct FakeDirectory(Vec<TenantConfig>);
    impl TenantDirectory for FakeDirectory {
        async fn find(&self, id: &TenantId) -> Result<Option<TenantConfig>, AppError> {
            Ok(self.0.iter().find(|t| &t.id == id).cloned())
        }
    }

    #[derive(Default)]
    struct FakeCounter {
        counts: Mutex<HashMap<String, u64>>,
        down: std::sync::atomic::AtomicBool,
    }
    impl RateCounter for FakeCounter {
        async fn hit(&self, key: &str, _expires_at: i64) -> Result<u64, AppError> {
            if self.down.load(Ordering::SeqCst) {
                return Err(AppError::unavailable(Dependency::Dynamodb, "down"));
            }
            let mut c = self.counts.lock().unwrap();
            let n = c.entry(key.to_string()).or_default();
            *n += 1;
            Ok(*n)
        }
    }

    fn tenant(id: &str, active: bool, limit: u64) -> TenantConfig {
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

    fn token(sub: &str, tenant: &str, exp: i64) -> TokenInfo {
        TokenInfo {
            active: true,
            sub: Some(sub.into()),
            username: Some(format!("user-{sub}")),
            role: Some("user".into()),
            tenant_id: Some(tenant.into()),
            exp: Some(exp),
        }
    }

    type Access = TenantAccess<FakeIntrospector, FakeDirectory, MemoryShared, FakeCounter>;

    fn access(ttl: u64) -> Access {
        let introspector = FakeIntrospector::default();
        introspector.tokens.lock().unwrap().insert("tok-a".into(), token("1", "acme", 10_000));
        introspector.tokens.lock().unwrap().insert("tok-ghost".into(), token("3", "ghost", 10_000));
        introspector.tokens.lock().unwrap().insert("tok-off".into(), token("4", "off", 10_000));
        TenantAccess {
            introspector,
            directory: FakeDirectory(vec![
                tenant("acme", true, 3),
                tenant("globex", true, 100),
                tenant("off", false, 100),
            ]),
            cache: LayeredCache::new(MemoryShared::default(), 1000),
            limiter: RateLimiter::new(FakeCounter::default()),
            policy: CachePolicy { token_ttl: Duration::from_secs(ttl), tenant_ttl: Duration::from_secs(3600) },
        }
    }

    fn block_on<F: Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(f)
    }

    #[test]
    fn health_answers_keep_their_json_shape() {
        use crate::domain::health::CheckResult;
        let check = |up: bool| CheckResult {
            status: if up { "up" } else { "down" },
            latency_ms: 3,
            code: (!up).then_some("DATABASE_ERROR"),
            error: (!up).then(|| "down".to_string()),
            detail: None,
        };
        for (db, cache, status, code, http) in [
            (true, true, "ok", None, 200),
            (true, false, "degraded", None, 200),
            (false, true, "unavailable", Some("DATABASE_ERROR"), 503),
        ] {
            let report = TenantHealth::new(check(db), check(cache));
            let expected = serde_json::json!({
                "service": "tenants",
                "status": status,
                "code": code,
                "checks": { "database": check(db), "cache": check(cache) },
            });
            assert_eq!(serde_json::to_value(&report).unwrap(), expected);
            assert_eq!(report.http_status(), http);
        }
        let memory = serde_json::to_value(MemoryUsage { rss_kib: Some(1), peak_rss_kib: None }).unwrap();
        assert_eq!(memory, serde_json::json!({ "rssKiB": 1, "peakRssKiB": null }));
    }

    #[test]
    fn tenant_ids_are_safe_identifiers() {
        for bad in ["", "-a", "a-", "ACME", "a_b", "a;drop", "a b", "ü", &"a".repeat(41), "x'--"] {
            assert_eq!(TenantId::parse(bad).unwrap_err().code(), "INVALID_TENANT_ID", "{bad:?}");
        }
        assert_eq!(TenantId::parse("acme-eu-1").unwrap().schema(), "tenant_acme_eu_1");
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
            a.introspector.down.store(true, Ordering::SeqCst);
            a.authorize("tok-a", "acme", 1001).await.unwrap();
            assert_eq!(a.introspector.calls.load(Ordering::SeqCst), 1);
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
            a.introspector.tokens.lock().unwrap().remove("tok-a");
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
            a.limiter.counter.down.store(true, Ordering::SeqCst);
            for _ in 0..3 {
                a.authorize("tok-a", "acme", 1200).await.unwrap();
            }
            assert_eq!(a.authorize("tok-a", "acme", 1200).await.unwrap_err().code(), "RATE_LIMITED");
        });
    }
}
