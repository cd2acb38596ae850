//! POST /api/auth/register — JSON registration; `UserRegistered` to `user-events` through the outbox.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::auth::registration(), handlers::bookstore_auth::register).await
}
