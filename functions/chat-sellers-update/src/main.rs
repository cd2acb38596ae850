//! PUT /api/v1/sellers/{id} — replaces a seller's details (same body as POST
//! without `sessionId`: a seller stays with its session).

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::chat::api(), handlers::chat::sellers::update).await
}
