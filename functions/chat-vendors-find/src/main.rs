//! GET /api/v1/vendors?sessionId= — the vendor of a chat session (1:1), or 404
//! VENDOR_NOT_FOUND when the session has none.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::chat::api(), handlers::chat::vendors::find).await
}
