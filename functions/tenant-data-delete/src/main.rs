//! DELETE /api/data?id= — deletes a record of the tenant; 204, or 404 RECORD_NOT_FOUND.
//! Needs `Authorization: Bearer` and `X-Tenant-ID`.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::tenants::data(), handlers::tenant_data::delete).await
}
