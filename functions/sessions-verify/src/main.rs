//! GET /api/sessions/verify — the bearer token is valid (signature, expiry, not revoked) and the
//! session it opened has not been ended.

use shared::AppError;
use shared::domain::error::ErrorCode;
use shared::domain::sessions::{SessionStore, TokenVerification, api::SessionApi};
use shared::transport::http::{self, Body, Request, Response};

async fn handle(api: &SessionApi, req: Request) -> Result<Response<Body>, AppError> {
    let caller = api.caller(&req).await?;
    let session = api.sessions.find_by_token(&caller.claims.jti).await?;
    if session.as_ref().is_some_and(|s| s.status == "ended") {
        return Err(AppError::new(ErrorCode::SessionEnded, "the session of this token has ended"));
    }
    // The session document is written from the login event, asynchronously: right after login
    // it may not exist yet, which does not make the token invalid.
    Ok(http::json(
        200,
        &TokenVerification {
            valid: true,
            user_id: caller.user_id,
            username: caller.claims.username,
            role: caller.claims.role,
            expires_at: caller.claims.exp,
            session,
        },
    ))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let api = SessionApi::from_env().await?;
    http::serve(|req| handle(&api, req)).await
}
