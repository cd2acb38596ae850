//! POST /api/v1/messages — seed 004: a text (`{"sessionId", "kind": "text", "text"}`) or media
//! (`"kind": "media", "mediaUrl", "mediaType"`, optional caption) message in a chat session the
//! caller may see; 201 in the envelope.

use shared::AppError;
use shared::domain::chat::messages::NewMessage;
use shared::domain::chat::{ChatApi, MAX_BODY_BYTES};
use shared::transport::http::validation::parse_valid;
use shared::transport::http::{self, Body, Request, Response};

async fn handle(api: &ChatApi, req: Request) -> Result<Response<Body>, AppError> {
    let caller = api.caller(&req).await?;
    let input: NewMessage = parse_valid(&req, MAX_BODY_BYTES)?;
    let message = api.post_message(&caller, &input).await?;
    Ok(http::envelope(201, "message created", &message))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let api = ChatApi::from_env().await?;
    shared::domain::chat::serve(&api, handle).await
}
