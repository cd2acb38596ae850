//! PUT /api/v1/messages/{id} — seed 004: edits a text message (`{"text": …}`; its sender or an
//! admin), marking it edited.

use shared::AppError;
use shared::domain::chat::messages::EditMessage;
use shared::domain::chat::{ChatApi, MAX_BODY_BYTES, path_id};
use shared::transport::http::validation::parse_valid;
use shared::transport::http::{self, Body, Request, Response};

async fn handle(api: &ChatApi, req: Request) -> Result<Response<Body>, AppError> {
    let caller = api.caller(&req).await?;
    let id = path_id(&req, "message")?;
    let input: EditMessage = parse_valid(&req, MAX_BODY_BYTES)?;
    let message = api.edit_message(&caller, id, &input).await?;
    Ok(http::envelope(200, "message updated", &message))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let api = ChatApi::from_env().await?;
    shared::domain::chat::serve(&api, handle).await
}
