//! GET /api/v1/users/{id} — a user's profile (the user or an admin; 404 otherwise).

use shared::AppError;
use shared::domain::chat::ChatApi;
use shared::domain::chat::users::user_id;
use shared::transport::http::{self, Body, Request, Response};

async fn handle(api: &ChatApi, req: Request) -> Result<Response<Body>, AppError> {
    let caller = api.caller(&req).await?;
    let user = api.user(&caller, user_id(&req)?).await?;
    Ok(http::envelope(200, "user", &user))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let api = ChatApi::from_env().await?;
    shared::domain::chat::serve(&api, handle).await
}
