//! GET /api/v1/sessions/{id} — seed 004: one chat session (owner or admin; 404 otherwise).

use shared::AppError;
use shared::domain::chat::{ChatApi, path_id};
use shared::transport::http::{self, Body, Request, Response};

async fn handle(api: &ChatApi, req: Request) -> Result<Response<Body>, AppError> {
    let caller = api.caller(&req).await?;
    let session = api.session(&caller, path_id(&req, "session")?).await?;
    Ok(http::envelope(200, "session", &session))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let api = ChatApi::from_env().await?;
    shared::domain::chat::serve(&api, handle).await
}
