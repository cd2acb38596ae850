//! GET /profile — the bearer's profile; revoked tokens are refused.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::auth::tokens(), handlers::auth::profile).await
}
