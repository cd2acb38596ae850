//! POST /api/sessions — creates a session document for the bearer (seed 001 §3).

use shared::AppError;
use shared::domain::events::{EventEnvelope, SESSION_CREATED};
use shared::domain::sessions::{CreateSession, NewApiSession, SessionStore, api::SessionApi, validate_metadata};
use shared::transport::http::{self, Body, Request, Response};

async fn handle(api: &SessionApi, req: Request) -> Result<Response<Body>, AppError> {
    let caller = api.caller(&req).await?;
    let body: CreateSession =
        if req.body().is_empty() { CreateSession::default() } else { http::parse_json(&req, 8 * 1024)? };
    let metadata = validate_metadata(body.metadata)?;
    let session = NewApiSession {
        session_id: uuid::Uuid::now_v7().to_string(),
        user_id: caller.user_id,
        username: caller.claims.username.clone(),
        token_id: caller.claims.jti.clone(),
        user_agent: http::header_str(&req, "user-agent").map(str::to_string),
        source_ip: http::source_ip(&req),
        metadata: serde_json::Value::Object(metadata),
        now: chrono::Utc::now(),
    };
    let event = EventEnvelope::new(
        SESSION_CREATED,
        "sessions.api",
        serde_json::json!({ "sessionId": session.session_id, "userId": session.user_id, "username": session.username, "origin": "api" }),
    )
    .map_err(AppError::internal)?;
    let created = api.with_event(event, || api.sessions.create(&session), |_| true).await?;
    Ok(http::json(201, &created))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let api = SessionApi::from_env().await?;
    http::serve(|req| handle(&api, req)).await
}
