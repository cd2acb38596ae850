//! GET /api/v1/vendors?sessionId= — seed 004: the vendor of a chat session (1:1), or 404
//! VENDOR_NOT_FOUND when the session has none.

use shared::AppError;
use shared::domain::chat::ChatApi;
use shared::transport::http::{self, Body, Request, Response};

async fn handle(api: &ChatApi, req: Request) -> Result<Response<Body>, AppError> {
    let caller = api.caller(&req).await?;
    let session_id = shared::domain::chat::session_id_param(&req)?;
    let vendor = api.session_vendor(&caller, session_id).await?;
    Ok(http::envelope(200, "vendor", &vendor))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let api = ChatApi::from_env().await?;
    shared::domain::chat::serve(&api, handle).await
}
