//! GET /api/v1/messages?sessionId= — a session's messages in chronological order,
//! paginated (`?limit=`, `?cursor=`).

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::chat::api(), handlers::chat::messages::list).await
}
