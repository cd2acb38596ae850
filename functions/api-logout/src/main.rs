//! POST /api/auth/logout — deletes the bearer's token from the token store (seed 002): it stops
//! working everywhere at once. Queues `UserLoggedOut`.

use shared::AppError;
use shared::domain::auth::{LoggedOut, api::AuthApi};
use shared::transport::http::{self, Body, Request, Response};

async fn handle(api: &AuthApi, req: Request) -> Result<Response<Body>, AppError> {
    let claims = api.identity.authenticate(http::header_str(&req, "authorization")).await?;
    api.deliver(api.identity.logout(&claims, "auth.api").await?).await;
    Ok(http::json(200, &LoggedOut::new()))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let api = AuthApi::from_env().await?;
    http::serve(|req| handle(&api, req)).await
}
