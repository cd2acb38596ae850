//! GET /api/v1/vendors?sessionId= — seed 004: the vendor of a chat session (1:1), or 404
//! VENDOR_NOT_FOUND when the session has none.

use shared::chat::ChatApi;
use shared::http::{self, Body, Request, Response};
use shared::AppError;

async fn handle(api: &ChatApi, req: Request) -> Result<Response<Body>, AppError> {
    let caller = api.caller(&req).await?;
    let session_id = http::query_param(&req, "sessionId")
        .and_then(|raw| uuid::Uuid::parse_str(raw.trim()).ok())
        .ok_or_else(|| AppError::bad_request("INVALID_SESSION_ID", "sessionId must be a chat session's UUID"))?;
    let vendor = api.session_vendor(&caller, session_id).await?;
    Ok(http::envelope(200, "vendor", &vendor))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let api = ChatApi::from_env().await?;
    shared::chat::serve(&api, handle).await
}
