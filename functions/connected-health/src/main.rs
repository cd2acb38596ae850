//! GET /connected/health — PostgreSQL and MongoDB connectivity, per component.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::sessions::connected_health(), handlers::connected::health).await
}
