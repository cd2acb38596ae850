//! DELETE /api/v1/vendors/{id} — removes a vendor of a chat session the caller may see.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::chat::api(), handlers::chat::vendors::delete).await
}
