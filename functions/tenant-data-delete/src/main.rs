//! DELETE /api/data?id= — deletes a record of the tenant; 204, or 404 RECORD_NOT_FOUND.
//! Needs `Authorization: Bearer` and `X-Tenant-ID` (seed 003).

use shared::AppError;
use shared::adapters::tenant_records as records;
use shared::app::tenants::{TenantApi, record_id, with_rate_headers};
use shared::transport::http::{self, Body, Request, Response};

async fn handle(api: &TenantApi, req: Request) -> Result<Response<Body>, AppError> {
    let granted = api.authorize(&req, "data.delete").await?;
    let id = record_id(&req, true)?.ok_or_else(|| AppError::internal("required id missing"))?;
    let db = api.tenant_db(&granted).await?;
    records::delete(&db, id).await?;
    api.audit_change(&granted, "data.delete", id);
    Ok(with_rate_headers(&granted, http::no_content()))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let api = TenantApi::from_env().await?;
    http::serve(|req| handle(&api, req)).await
}
