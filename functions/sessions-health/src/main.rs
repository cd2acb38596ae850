//! GET /sessions/health — the session service's health: PostgreSQL, MongoDB and the token store
//! its token checks depend on.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::sessions::health(), handlers::sessions::health).await
}
