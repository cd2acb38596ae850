//! PUT /api/sessions/{userId} — touches a session (`lastSeenAt`) and merges metadata into it
//! (the user or an admin).

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::sessions::api(), handlers::sessions::touch).await
}
