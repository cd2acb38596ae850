//! GET /api/v1/users — seed 004's user management: every account, by id, paginated (admins).

use shared::AppError;
use shared::domain::chat::{ChatApi, page_params};
use shared::transport::http::{self, Body, Request, Response};

async fn handle(api: &ChatApi, req: Request) -> Result<Response<Body>, AppError> {
    let caller = api.caller(&req).await?;
    let (limit, cursor) = page_params(&req)?;
    let page = api.users(&caller, limit, cursor.as_deref()).await?;
    Ok(http::envelope(200, "users", &page))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let api = ChatApi::from_env().await?;
    shared::domain::chat::serve(&api, handle).await
}
