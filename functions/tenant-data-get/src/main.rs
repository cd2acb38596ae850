//! GET /api/data — the tenant's records, newest first (`?limit=`, `?cursor=`), or one record
//! with `?id=`. Needs `Authorization: Bearer` and `X-Tenant-ID`.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::tenants::data(), handlers::tenant_data::get).await
}
