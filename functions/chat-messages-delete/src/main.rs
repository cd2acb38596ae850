//! DELETE /api/v1/messages/{id} — deletes a message of a session the caller may see.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::chat::api(), handlers::chat::messages::delete).await
}
