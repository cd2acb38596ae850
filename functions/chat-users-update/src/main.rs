//! PUT /api/v1/users/{id} — `{"email"?, "role"?}`: users change their email, admins also roles.

use shared::AppError;
use shared::domain::chat::users::{UserUpdate, user_id};
use shared::domain::chat::{ChatApi, MAX_BODY_BYTES};
use shared::transport::http::validation::parse_valid;
use shared::transport::http::{self, Body, Request, Response};

async fn handle(api: &ChatApi, req: Request) -> Result<Response<Body>, AppError> {
    let caller = api.caller(&req).await?;
    let id = user_id(&req)?;
    let change: UserUpdate = parse_valid(&req, MAX_BODY_BYTES)?;
    let user = api.update_user(&caller, id, &change).await?;
    Ok(http::envelope(200, "user updated", &user))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let api = ChatApi::from_env().await?;
    shared::domain::chat::serve(&api, handle).await
}
