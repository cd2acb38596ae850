//! POST /api/v1/sellers — seed 004: registers a seller for a chat session the caller may see,
//! `{"sessionId", "name", "product", "priceCents", "currency"}`; a seller lists a product once per session (409 SELLER_PRODUCT_EXISTS).

use shared::AppError;
use shared::domain::chat::business::SellerInput;
use shared::domain::chat::{ChatApi, MAX_BODY_BYTES};
use shared::transport::http::validation::parse_valid;
use shared::transport::http::{self, Body, Request, Response};

async fn handle(api: &ChatApi, req: Request) -> Result<Response<Body>, AppError> {
    let caller = api.caller(&req).await?;
    let input: SellerInput = parse_valid(&req, MAX_BODY_BYTES)?;
    let seller = api.create_seller(&caller, &input).await?;
    Ok(http::envelope(201, "seller created", &seller))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let api = ChatApi::from_env().await?;
    shared::domain::chat::serve(&api, handle).await
}
