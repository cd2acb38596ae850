//! POST /api/data — stores a JSON document `{"data": {…}}` in the tenant's schema; 201 with
//! its id and version. Needs `Authorization: Bearer` and `X-Tenant-ID`.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::tenants::data(), handlers::tenant_data::create).await
}
