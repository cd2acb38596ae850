//! GET /user-search/health — the user lookup service's health: a PostgreSQL round trip.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::user_lookup::health(), handlers::user_lookup::health).await
}
