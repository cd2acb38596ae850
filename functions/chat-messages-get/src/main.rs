//! GET /api/v1/messages/{id} — one message of a session the caller may see.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::chat::api(), handlers::chat::messages::get).await
}
