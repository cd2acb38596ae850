//! GET /api/v1/messages?sessionId= — seed 004: a session's messages in chronological order,
//! paginated (`?limit=`, `?cursor=`).

use shared::chat::{ChatApi, page_params};
use shared::http::{self, Body, Request, Response};
use shared::AppError;

async fn handle(api: &ChatApi, req: Request) -> Result<Response<Body>, AppError> {
    let caller = api.caller(&req).await?;
    let session_id = http::query_param(&req, "sessionId")
        .and_then(|raw| uuid::Uuid::parse_str(raw.trim()).ok())
        .ok_or_else(|| AppError::bad_request("INVALID_SESSION_ID", "sessionId must be a chat session's UUID"))?;
    let (limit, cursor) = page_params(&req)?;
    let page = api.messages(&caller, session_id, limit, cursor.as_deref()).await?;
    Ok(http::envelope(200, "messages", &page))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let api = ChatApi::from_env().await?;
    shared::chat::serve(&api, handle).await
}
