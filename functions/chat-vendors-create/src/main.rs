//! POST /api/v1/vendors — seed 004: registers a vendor for a chat session the caller may see,
//! `{"sessionId", "name", "email"?, "phone"?}`; one per session (409 VENDOR_EXISTS), emails unique (409 VENDOR_EMAIL_TAKEN).

use shared::AppError;
use shared::chat::business::VendorInput;
use shared::chat::{ChatApi, MAX_BODY_BYTES};
use shared::http::{self, Body, Request, Response};
use shared::validation::parse_valid;

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
    shared::chat::serve(&api, handle).await
}
