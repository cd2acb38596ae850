//! DELETE /api/sessions/{userId}[?sessionId=] — ends one or every active session (the user or
//! an admin); `SessionEnded` on `session-events` when that queue is configured.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::sessions::api(), handlers::sessions::end).await
}
