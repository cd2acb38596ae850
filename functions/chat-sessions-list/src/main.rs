//! GET /api/v1/sessions — the caller's chat sessions, newest first, paginated
//! (`?limit=`, `?cursor=`); an admin may pass `?userId=` for another user's.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::chat::api(), handlers::chat::sessions::list).await
}
