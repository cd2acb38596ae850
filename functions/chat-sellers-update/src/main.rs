//! PUT /api/v1/sellers/{id} — seed 004: replaces a seller's details (same body as POST
//! without `sessionId`: a seller stays with its session).

use shared::AppError;
use shared::domain::chat::business::SellerInput;
use shared::domain::chat::{ChatApi, MAX_BODY_BYTES, path_id};
use shared::transport::http::validation::parse_valid;
use shared::transport::http::{self, Body, Request, Response};

async fn handle(api: &ChatApi, req: Request) -> Result<Response<Body>, AppError> {
    let caller = api.caller(&req).await?;
    let id = path_id(&req, "seller")?;
    let input: SellerInput = parse_valid(&req, MAX_BODY_BYTES)?;
    let seller = api.update_seller(&caller, id, &input).await?;
    Ok(http::envelope(200, "seller updated", &seller))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let api = ChatApi::from_env().await?;
    shared::domain::chat::serve(&api, handle).await
}
