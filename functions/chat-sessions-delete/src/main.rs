//! DELETE /api/v1/sessions/{id} — deletes a chat session with its messages, vendor
//! and sellers (owner or admin, 404 otherwise).

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::chat::api(), handlers::chat::sessions::delete).await
}
