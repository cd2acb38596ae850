//! DELETE /api/sessions/{userId}[?sessionId=] — ends one or every active session (owner or admin).

use shared::AppError;
use shared::domain::error::ErrorCode;
use shared::domain::events::{EventEnvelope, SESSION_ENDED};
use shared::domain::sessions::{SessionStore, SessionsEnded, api::SessionApi};
use shared::transport::http::{self, Body, Request, Response};

async fn handle(api: &SessionApi, req: Request) -> Result<Response<Body>, AppError> {
    let (caller, owner) = api.authorized_owner(&req).await?;
    let session_id = http::query_param(&req, "sessionId");
    if session_id.as_deref().is_some_and(|s| s.trim().is_empty() || s.len() > 64) {
        return Err(AppError::new(ErrorCode::ValidationFailed, "sessionId must be 1 to 64 characters"));
    }
    let session_id = session_id.as_deref().map(str::trim);
    let event = EventEnvelope::new(
        SESSION_ENDED,
        "sessions.api",
        serde_json::json!({ "userId": owner, "sessionId": session_id, "endedBy": caller.user_id }),
    )
    .map_err(AppError::internal)?;
    let ended = api.with_event(event, || api.sessions.end(owner, session_id), |n| *n > 0).await?;
    if session_id.is_some() && ended == 0 {
        return Err(AppError::new(ErrorCode::SessionNotFound, "no such active session for this user"));
    }
    Ok(http::json(200, &SessionsEnded { user_id: owner, ended }))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let api = SessionApi::from_env().await?;
    http::serve(|req| handle(&api, req)).await
}
