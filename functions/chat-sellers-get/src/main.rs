//! GET /api/v1/sellers/{id} — one seller of a chat session the caller may see.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::chat::api(), handlers::chat::sellers::get).await
}
