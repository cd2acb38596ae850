//! POST /api/sessions — a session document for the bearer (origin `api`, optional metadata);
//! `SessionCreated` on `session-events` when that queue is configured.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::sessions::api(), handlers::sessions::create).await
}
