//! PUT /api/v1/vendors/{id} — seed 004: replaces a vendor's details (same body as POST
//! without `sessionId`: a vendor stays with its session).

use shared::AppError;
use shared::domain::chat::business::VendorInput;
use shared::domain::chat::{ChatApi, MAX_BODY_BYTES, path_id};
use shared::transport::http::validation::parse_valid;
use shared::transport::http::{self, Body, Request, Response};

async fn handle(api: &ChatApi, req: Request) -> Result<Response<Body>, AppError> {
    let caller = api.caller(&req).await?;
    let id = path_id(&req, "vendor")?;
    let input: VendorInput = parse_valid(&req, MAX_BODY_BYTES)?;
    let vendor = api.update_vendor(&caller, id, &input).await?;
    Ok(http::envelope(200, "vendor updated", &vendor))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let api = ChatApi::from_env().await?;
    shared::domain::chat::serve(&api, handle).await
}
