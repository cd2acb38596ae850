//! POST /api/v1/auth/logout — ends the bearer's login session: its access token, its refresh
//! tokens and every access token issued in it stop working (seed 004).

use shared::AppError;
use shared::domain::auth::{SessionLogout, api::AuthApi};
use shared::transport::http::{self, Body, Request, Response};

async fn handle(api: &AuthApi, req: Request) -> Result<Response<Body>, AppError> {
    let claims = api.identity.authenticate(http::header_str(&req, "authorization")).await?;
    api.deliver(api.identity.logout(&claims, "auth.v1").await?).await;
    Ok(http::envelope(200, "logged out", &SessionLogout { session_id: claims.sid }))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let api = AuthApi::from_env().await?;
    http::serve_enveloped(|req| handle(&api, req)).await
}
