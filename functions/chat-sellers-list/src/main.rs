//! GET /api/v1/sellers?sessionId= — a chat session's sellers and their products, in
//! the order they were added, paginated (`?limit=`, `?cursor=`).

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::chat::api(), handlers::chat::sellers::list).await
}
