//! POST /api/v1/messages — a text (`{"sessionId", "kind": "text", "text"}`) or media
//! (`"kind": "media", "mediaUrl", "mediaType"`, optional caption) message in a chat session the
//! caller may see; 201 in the envelope.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::chat::api(), handlers::chat::messages::create).await
}
