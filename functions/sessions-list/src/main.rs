//! GET /api/sessions/{userId} — the user's sessions, newest first (owner or admin).

use shared::AppError;
use shared::domain::error::ErrorCode;
use shared::domain::sessions::{SessionList, SessionStore, api::SessionApi};
use shared::transport::http::{self, Body, Request, Response};

async fn handle(api: &SessionApi, req: Request) -> Result<Response<Body>, AppError> {
    let (_caller, owner) = api.authorized_owner(&req).await?;
    let limit = match http::query_param(&req, "limit") {
        None => 20,
        Some(raw) => raw
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| AppError::new(ErrorCode::InvalidLimit, "limit must be between 1 and 100"))?,
    };
    let sessions = api.sessions.list(owner, limit).await?;
    Ok(http::json(200, &SessionList { user_id: owner, count: sessions.len(), sessions }))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let api = SessionApi::from_env().await?;
    http::serve(|req| handle(&api, req)).await
}
