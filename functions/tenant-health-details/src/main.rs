//! GET /tenants/health/details — detailed metrics for an authenticated caller of a tenant
//! (`Authorization: Bearer` + `X-Tenant-ID`): database connectivity (directory and the caller's
//! tenant pool), cache status and hit rates, memory, pool statistics. Each Lambda execution
//! environment has its own memory cache and pools, so the figures are this environment's
//! (`scope`), after it has served this request's own access check.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::tenants::data(), handlers::tenant_data::health_details).await
}
