//! GET /auth/health — the auth service's PostgreSQL and `auth-events` queue.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::auth::health(), handlers::auth::health).await
}
