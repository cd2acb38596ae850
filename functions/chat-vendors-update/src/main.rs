//! PUT /api/v1/vendors/{id} — replaces a vendor's details (same body as POST
//! without `sessionId`: a vendor stays with its session).

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::chat::api(), handlers::chat::vendors::update).await
}
