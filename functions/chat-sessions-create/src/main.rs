//! POST /api/v1/sessions — seed 004: a new chat session `{"title": …}` for the caller; 201 in
//! the seed's envelope.

use shared::AppError;
use shared::domain::chat::{ChatApi, MAX_BODY_BYTES, SessionInput};
use shared::transport::http::validation::parse_valid;
use shared::transport::http::{self, Body, Request, Response};

async fn handle(api: &ChatApi, req: Request) -> Result<Response<Body>, AppError> {
    let caller = api.caller(&req).await?;
    let input: SessionInput = parse_valid(&req, MAX_BODY_BYTES)?;
    let session = api.create_session(&caller, &input).await?;
    Ok(http::envelope(201, "session created", &session))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let api = ChatApi::from_env().await?;
    shared::domain::chat::serve(&api, handle).await
}
