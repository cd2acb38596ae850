//! POST /login — JSON credentials -> JWT (HS256, 1 h) registered in the token store; publishes
//! `UserLoggedIn` to `auth-events` through the transactional outbox (seed 001 §1).

use shared::AppError;
use shared::config::AUTH_EVENTS;
use shared::domain::auth::{AccessToken, Credentials, api::AuthApi};
use shared::domain::outbox::OutboxEntry;
use shared::transport::http::{self, Body, Request, Response};

async fn handle(api: &AuthApi, req: Request) -> Result<Response<Body>, AppError> {
    let credentials: Credentials = http::parse_json(&req, 4 * 1024)?;
    let out = api.identity.login(&credentials, &AuthApi::login_context(&req), "identity.login", false).await?;
    api.deliver(OutboxEntry { queue: AUTH_EVENTS.into(), event: out.event }).await;
    Ok(http::json(200, &AccessToken::from(&out.token)))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let api = AuthApi::from_env().await?;
    http::serve(|req| handle(&api, req)).await
}
