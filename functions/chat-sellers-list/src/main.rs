//! GET /api/v1/sellers?sessionId= — seed 004: a chat session's sellers and their products, in
//! the order they were added, paginated (`?limit=`, `?cursor=`).

use shared::AppError;
use shared::domain::chat::{ChatApi, page_params};
use shared::transport::http::{self, Body, Request, Response};

async fn handle(api: &ChatApi, req: Request) -> Result<Response<Body>, AppError> {
    let caller = api.caller(&req).await?;
    let session_id = shared::domain::chat::session_id_param(&req)?;
    let (limit, cursor) = page_params(&req)?;
    let page = api.sellers(&caller, session_id, limit, cursor.as_deref()).await?;
    Ok(http::envelope(200, "sellers", &page))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let api = ChatApi::from_env().await?;
    shared::domain::chat::serve(&api, handle).await
}
