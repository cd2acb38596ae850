//! GET /api/sessions/{userId} — the user's sessions, newest first (the user or an admin).

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::sessions::api(), handlers::sessions::list).await
}
