//! GET /tenants/health — the tenant service's basic health (`GET /health` of the original
//! service, on its own path because the session service claims `/health` too). The tenant
//! directory is required (503 when down); the shared cache is not (the service falls back to
//! memory), so its outage reports `degraded` with 200.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::tenants::health(), handlers::tenant_data::health).await
}
