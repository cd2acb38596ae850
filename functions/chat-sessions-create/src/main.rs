//! POST /api/v1/sessions — a new chat session `{"title": …}` for the caller; 201 in
//! the envelope.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::chat::api(), handlers::chat::sessions::create).await
}
