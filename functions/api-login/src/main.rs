//! POST /api/auth/login — seed 002's login: a JWT stored in the token store with a TTL, and the user.

use shared::AppError;
use shared::config::AUTH_EVENTS;
use shared::domain::auth::{ApiLogin, Credentials, api::AuthApi};
use shared::domain::outbox::OutboxEntry;
use shared::transport::http::{self, Body, Request, Response};

async fn handle(api: &AuthApi, req: Request) -> Result<Response<Body>, AppError> {
    let credentials: Credentials = http::parse_json(&req, 4 * 1024)?;
    let out = api.identity.login(&credentials, &AuthApi::login_context(&req), "auth.api", false).await?;
    let body = ApiLogin::new(&out);
    api.deliver(OutboxEntry { queue: AUTH_EVENTS.into(), event: out.event }).await;
    Ok(http::json(200, &body))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let api = AuthApi::from_env().await?;
    http::serve(|req| handle(&api, req)).await
}
