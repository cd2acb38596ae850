//! POST /api/v1/auth/refresh — rotates the refresh token; reuse revokes the session.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::auth::tokens(), handlers::chat::auth::refresh).await
}
