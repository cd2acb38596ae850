//! PUT /api/v1/messages/{id} — edits a text message (`{"text": …}`; its sender or an
//! admin), marking it edited.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::chat::api(), handlers::chat::messages::update).await
}
