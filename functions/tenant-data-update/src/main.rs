//! PUT /api/data?id= — replaces a record's document (`{"data": {…}, "version": n}`; with
//! `version`, a concurrent change is a 409). Needs `Authorization: Bearer` and `X-Tenant-ID`.

use serde_json::Value;
use shared::AppError;
use shared::adapters::tenant_records as records;
use shared::app::tenants::{DataBody, TenantApi, record_id, with_rate_headers};
use shared::transport::http::{self, Body, Request, Response};

async fn handle(api: &TenantApi, req: Request) -> Result<Response<Body>, AppError> {
    let granted = api.authorize(&req, "data.update").await?;
    let id = record_id(&req, true)?.ok_or_else(|| AppError::internal("required id missing"))?;
    let body = DataBody::parse(&req)?;
    let db = api.tenant_db(&granted).await?;
    let record = records::update(&db, id, &Value::Object(body.data), body.version).await?;
    api.audit_change(&granted, "data.update", id);
    Ok(with_rate_headers(&granted, http::json(200, &record)))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let api = TenantApi::from_env().await?;
    http::serve(|req| handle(&api, req)).await
}
