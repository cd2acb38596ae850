//! GET /api/v1/auth/sessions — the caller's login sessions with device info, newest first, paginated.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::auth::tokens(), handlers::chat::auth::sessions).await
}
