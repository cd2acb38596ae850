//! GET /tenants/health/details — seed 003's detailed metrics, for an authenticated caller of a
//! tenant (`Authorization: Bearer` + `X-Tenant-ID`): database connectivity (directory and the
//! caller's tenant pool), cache status and hit rates, memory, pool statistics. Each Lambda
//! execution environment has its own memory cache and pools, so the figures are this
//! environment's (`scope`), after it has served this request's own access check.

use shared::AppError;
use shared::app::tenants::TenantApi;
use shared::transport::http::{self, Body, Request, Response};

async fn handle(api: &TenantApi, req: Request) -> Result<Response<Body>, AppError> {
    let granted = api.authorize(&req, "health.details").await?;
    let details = api.health_details(&granted).await;
    Ok(http::json(details.status.http_status(), &details))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let api = TenantApi::from_env().await?;
    http::serve(|req| handle(&api, req)).await
}
