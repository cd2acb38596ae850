//! POST /api/v1/auth/login — seed 004: a login session with device info (user agent, source IP),
//! an access token and a rotating refresh token, in the `{status, message, data}` envelope.

use shared::AppError;
use shared::config::AUTH_EVENTS;
use shared::domain::auth::{Credentials, SessionLogin, api::AuthApi};
use shared::domain::outbox::OutboxEntry;
use shared::transport::http::{self, Body, Request, Response};

async fn handle(api: &AuthApi, req: Request) -> Result<Response<Body>, AppError> {
    let credentials: Credentials = http::parse_json(&req, 4 * 1024)?;
    let context = AuthApi::login_context(&req);
    let out = api.identity.login(&credentials, &context, "auth.v1", true).await?;
    let body = SessionLogin::new(&out, &context);
    api.deliver(OutboxEntry { queue: AUTH_EVENTS.into(), event: out.event }).await;
    let body = body.ok_or_else(|| AppError::internal("session login without a session"))?;
    Ok(http::envelope(200, "logged in", &body))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let api = AuthApi::from_env().await?;
    http::serve_enveloped(|req| handle(&api, req)).await
}
