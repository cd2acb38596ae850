//! GET /last-connection?username= — the user's latest login, as an ISO 8601 timestamp and
//! relative to now. User from PostgreSQL, sessions from MongoDB.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::sessions::last_connection(), handlers::connected::last_connection).await
}
