//! POST /api/data — stores a JSON document `{"data": {…}}` in the tenant's schema; 201 with
//! its id and version. Needs `Authorization: Bearer` and `X-Tenant-ID` (seed 003).

use serde_json::Value;
use shared::AppError;
use shared::adapters::tenant_records as records;
use shared::app::tenants::{DataBody, TenantApi, with_rate_headers};
use shared::transport::http::{self, Body, Request, Response};

async fn handle(api: &TenantApi, req: Request) -> Result<Response<Body>, AppError> {
    let granted = api.authorize(&req, "data.create").await?;
    let body = DataBody::parse(&req)?;
    let db = api.tenant_db(&granted).await?;
    let record = records::create(&db, &Value::Object(body.data)).await?;
    api.audit_change(&granted, "data.create", record.id);
    Ok(with_rate_headers(&granted, http::json(201, &record)))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let api = TenantApi::from_env().await?;
    http::serve(|req| handle(&api, req)).await
}
