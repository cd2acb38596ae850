//! PUT /api/sessions/{userId} — touches a session (lastSeenAt) and merges metadata (owner or admin).

use shared::AppError;
use shared::domain::error::ErrorCode;
use shared::domain::sessions::{SessionStore, UpdateSession, api::SessionApi, validate_metadata};
use shared::transport::http::{self, Body, Request, Response};

async fn handle(api: &SessionApi, req: Request) -> Result<Response<Body>, AppError> {
    let (_caller, owner) = api.authorized_owner(&req).await?;
    let body: UpdateSession = http::parse_json(&req, 8 * 1024)?;
    if body.session_id.trim().is_empty() || body.session_id.len() > 64 {
        return Err(AppError::new(ErrorCode::ValidationFailed, "sessionId is required (at most 64 characters)"));
    }
    let metadata = validate_metadata(body.metadata)?;
    let updated = api
        .sessions
        .touch(owner, body.session_id.trim(), Some(&metadata))
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::SessionNotFound, "no such session for this user"))?;
    Ok(http::json(200, &updated))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let api = SessionApi::from_env().await?;
    http::serve(|req| handle(&api, req)).await
}
