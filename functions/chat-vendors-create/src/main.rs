//! POST /api/v1/vendors — seed 004: registers a vendor for a chat session the caller may see,
//! `{"sessionId", "name", "email"?, "phone"?}`; one per session (409 VENDOR_EXISTS), emails unique (409 VENDOR_EMAIL_TAKEN).

use shared::AppError;
use shared::domain::chat::business::VendorInput;
use shared::domain::chat::{ChatApi, MAX_BODY_BYTES};
use shared::transport::http::validation::parse_valid;
use shared::transport::http::{self, Body, Request, Response};

async fn handle(api: &ChatApi, req: Request) -> Result<Response<Body>, AppError> {
    let caller = api.caller(&req).await?;
    let input: VendorInput = parse_valid(&req, MAX_BODY_BYTES)?;
    let vendor = api.create_vendor(&caller, &input).await?;
    Ok(http::envelope(201, "vendor created", &vendor))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let api = ChatApi::from_env().await?;
    shared::domain::chat::serve(&api, handle).await
}
