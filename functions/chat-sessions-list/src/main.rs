//! GET /api/v1/sessions — seed 004: the caller's chat sessions, newest first, paginated
//! (`?limit=`, `?cursor=`); an admin may pass `?userId=` for another user's.

use shared::AppError;
use shared::domain::chat::{ChatApi, page_params};
use shared::domain::error::ErrorCode;
use shared::transport::http::{self, Body, Request, Response};

async fn handle(api: &ChatApi, req: Request) -> Result<Response<Body>, AppError> {
    let caller = api.caller(&req).await?;
    let (limit, cursor) = page_params(&req)?;
    let user_id = match http::query_param(&req, "userId") {
        None => None,
        Some(raw) => Some(
            raw.trim()
                .parse::<i64>()
                .map_err(|_| AppError::new(ErrorCode::InvalidUserId, "userId must be an integer"))?,
        ),
    };
    let page = api.list_sessions(&caller, user_id, limit, cursor.as_deref()).await?;
    Ok(http::envelope(200, "sessions", &page))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let api = ChatApi::from_env().await?;
    shared::domain::chat::serve(&api, handle).await
}
