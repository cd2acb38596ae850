//! POST /api/v1/vendors — registers a vendor for a chat session the caller may see,
//! `{"sessionId", "name", "email"?, "phone"?}`; one per session (409 VENDOR_EXISTS), emails unique (409 VENDOR_EMAIL_TAKEN).

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::chat::api(), handlers::chat::vendors::create).await
}
