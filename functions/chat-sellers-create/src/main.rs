//! POST /api/v1/sellers — registers a seller for a chat session the caller may see,
//! `{"sessionId", "name", "product", "priceCents", "currency"}`; a seller lists a product once per session (409 SELLER_PRODUCT_EXISTS).

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::chat::api(), handlers::chat::sellers::create).await
}
