//! DELETE /api/v1/users/{id} — removes an account and everything it owns (admins only).

use shared::AppError;
use shared::domain::chat::ChatApi;
use shared::domain::chat::users::{DeletedUser, user_id};
use shared::transport::http::{self, Body, Request, Response};

async fn handle(api: &ChatApi, req: Request) -> Result<Response<Body>, AppError> {
    let caller = api.caller(&req).await?;
    let id = user_id(&req)?;
    api.delete_user(&caller, id).await?;
    Ok(http::envelope(200, "user deleted", &DeletedUser { id }))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let api = ChatApi::from_env().await?;
    shared::domain::chat::serve(&api, handle).await
}
