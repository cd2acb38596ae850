//! GET /tenants/health/details — seed 003's detailed metrics, for an authenticated caller of a
//! tenant (`Authorization: Bearer` + `X-Tenant-ID`): database connectivity (directory and the
//! caller's tenant pool), cache status and hit rates, memory, pool statistics. Each Lambda
//! execution environment has its own memory cache and pools, so the figures are this
//! environment's (`scope`), after it has served this request's own access check.

use shared::health::check;
use shared::http::{self, Body, Request, Response};
use shared::tenants::api::TenantApi;
use shared::tenants::memory_usage;
use shared::AppError;

async fn handle(api: &TenantApi, req: Request) -> Result<Response<Body>, AppError> {
    let granted = api.authorize(&req, "health.details").await?;
    let deadline = api.deadline;
    let (directory, tenant_db, cache) = tokio::join!(
        check(deadline, api.directory_db.ping()),
        check(deadline, api.pools.probe(&granted.tenant)),
        check(deadline, api.access.cache.shared().ping()),
    );
    let healthy = directory.is_up() && tenant_db.is_up();
    let body = serde_json::json!({
        "service": "tenants",
        "status": if !healthy { "unavailable" } else if cache.is_up() { "ok" } else { "degraded" },
        "scope": "execution-environment",
        "tenant": granted.tenant.id,
        "database": { "directory": directory, "tenant": tenant_db },
        "cache": { "shared": cache, "stats": api.access.cache.stats() },
        "pools": api.pools.stats(),
        "memory": memory_usage(),
    });
    Ok(http::json(if healthy { 200 } else { 503 }, &body))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let api = TenantApi::from_env().await?;
    http::serve(|req| handle(&api, req)).await
}
