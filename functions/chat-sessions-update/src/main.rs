//! PUT /api/v1/sessions/{id} — seed 004's title management: renames a chat session
//! (`{"title": …}`; owner or admin, 404 otherwise).

use shared::AppError;
use shared::domain::chat::{ChatApi, MAX_BODY_BYTES, SessionInput, path_id};
use shared::transport::http::validation::parse_valid;
use shared::transport::http::{self, Body, Request, Response};

async fn handle(api: &ChatApi, req: Request) -> Result<Response<Body>, AppError> {
    let caller = api.caller(&req).await?;
    let id = path_id(&req, "session")?;
    let input: SessionInput = parse_valid(&req, MAX_BODY_BYTES)?;
    let session = api.rename_session(&caller, id, &input).await?;
    Ok(http::envelope(200, "session updated", &session))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let api = ChatApi::from_env().await?;
    shared::domain::chat::serve(&api, handle).await
}
