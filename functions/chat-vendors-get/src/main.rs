//! GET /api/v1/vendors/{id} — seed 004: one vendor of a chat session the caller may see.

use shared::AppError;
use shared::domain::chat::{ChatApi, path_id};
use shared::transport::http::{self, Body, Request, Response};

async fn handle(api: &ChatApi, req: Request) -> Result<Response<Body>, AppError> {
    let caller = api.caller(&req).await?;
    let vendor = api.vendor(&caller, path_id(&req, "vendor")?).await?;
    Ok(http::envelope(200, "vendor", &vendor))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let api = ChatApi::from_env().await?;
    shared::domain::chat::serve(&api, handle).await
}
