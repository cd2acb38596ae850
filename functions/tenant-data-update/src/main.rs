//! PUT /api/data?id= — replaces a record's document (`{"data": {…}, "version": n}`; with
//! `version`, a concurrent change is a 409). Needs `Authorization: Bearer` and `X-Tenant-ID`.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::tenants::data(), handlers::tenant_data::update).await
}
