//! GET /api/health — the bookstore auth service's PostgreSQL and token store.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::auth::bookstore_health(), handlers::bookstore_auth::health).await
}
