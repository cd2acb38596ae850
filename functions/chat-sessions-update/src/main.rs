//! PUT /api/v1/sessions/{id} — renames a chat session
//! (`{"title": …}`; owner or admin, 404 otherwise).

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::chat::api(), handlers::chat::sessions::update).await
}
