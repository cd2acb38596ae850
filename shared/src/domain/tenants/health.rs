//! The tenant service's health: the basic check (the directory decides availability, the
//! shared cache only degrades it) and the details an authenticated caller may see, with this
//! execution environment's cache, pools and memory.

use super::cache::CacheStats;
use super::ids::TenantId;
use super::ports::PoolStats;
use crate::domain::health::{CheckResult, Probe, check};
use serde::Serialize;
use std::time::Duration;

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

/// `GET /tenants/health`: the tenant service's basic health.
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
    pub database: CheckResult,
    /// The shared cache (DynamoDB); its outage only degrades the service.
    pub cache: CheckResult,
}

impl TenantHealth {
    pub fn new(database: CheckResult, cache: CheckResult) -> Self {
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

/// The basic health check: the directory and the shared cache, each within the deadline.
pub struct TenantHealthCheck<D, S> {
    pub directory: D,
    pub cache: S,
    pub deadline: Duration,
}

impl<D: Probe, S: Probe> TenantHealthCheck<D, S> {
    pub async fn report(&self) -> TenantHealth {
        let (database, cache) =
            tokio::join!(check(self.deadline, self.directory.probe()), check(self.deadline, self.cache.probe()));
        TenantHealth::new(database, cache)
    }
}

/// `GET /tenants/health/details`: this execution environment's view of the tenant service,
/// after it has served the request's own access check.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TenantHealthDetails {
    /// Always `tenants`.
    #[cfg_attr(feature = "openapi", schema(example = "tenants"))]
    pub service: &'static str,
    /// `unavailable` (503) when a database is down, `degraded` when only the shared cache is.
    pub status: TenantHealthStatus,
    /// Always `execution-environment`: the figures are this Lambda environment's own.
    #[cfg_attr(feature = "openapi", schema(example = "execution-environment"))]
    pub scope: &'static str,
    /// The caller's tenant.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "acme"))]
    pub tenant: TenantId,
    pub database: TenantDatabaseChecks,
    pub cache: TenantCacheReport,
    /// The tenant pools open in this environment, by tenant.
    pub pools: Vec<PoolStats>,
    pub memory: MemoryUsage,
}

/// The databases of the health details.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TenantDatabaseChecks {
    /// The tenant directory (control-plane PostgreSQL).
    pub directory: CheckResult,
    /// A round trip on the caller's tenant pool (`detail`: the role and schema it runs as).
    pub tenant: CheckResult,
}

/// The cache of the health details.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TenantCacheReport {
    /// The shared level (DynamoDB).
    pub shared: CheckResult,
    pub stats: CacheStats,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::memory::{MemorySharedCache, MemoryTenantDirectory};

    #[test]
    fn health_answers_keep_their_json_shape() {
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

    #[tokio::test]
    async fn the_directory_decides_availability_and_the_cache_only_degrades() {
        let check = TenantHealthCheck {
            directory: MemoryTenantDirectory::default(),
            cache: MemorySharedCache::default(),
            deadline: Duration::from_secs(1),
        };
        assert_eq!(check.report().await.status, TenantHealthStatus::Ok);
        check.cache.set_up(false);
        let degraded = check.report().await;
        assert_eq!((degraded.status, degraded.http_status()), (TenantHealthStatus::Degraded, 200));
        check.directory.set_up(false);
        let down = check.report().await;
        assert_eq!((down.http_status(), down.code), (503, Some("DATABASE_ERROR")));
    }
}
