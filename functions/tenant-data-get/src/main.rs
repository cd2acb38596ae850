//! GET /api/data — the tenant's records, newest first (`?limit=`, `?cursor=`), or one record
//! with `?id=`. Needs `Authorization: Bearer` and `X-Tenant-ID` (seed 003).

use shared::AppError;
use shared::adapters::tenant_records as records;
use shared::app::tenants::{TenantApi, page_params, record_id, with_rate_headers};
use shared::transport::http::{self, Body, Request, Response};

async fn handle(api: &TenantApi, req: Request) -> Result<Response<Body>, AppError> {
    let granted = api.authorize(&req, "data.read").await?;
    let db = api.tenant_db(&granted).await?;
    let resp = match record_id(&req, false)? {
        Some(id) => http::json(200, &records::get(&db, id).await?.ok_or_else(|| records::not_found(id))?),
        None => {
            let (limit, cursor) = page_params(&req)?;
            http::json(200, &records::list(&db, limit, cursor).await?)
        }
    };
    Ok(with_rate_headers(&granted, resp))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let api = TenantApi::from_env().await?;
    http::serve(|req| handle(&api, req)).await
}
