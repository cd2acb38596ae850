//! GET /test-db — a PostgreSQL round trip: its version and time.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::auth::database(), handlers::auth::test_db).await
}
