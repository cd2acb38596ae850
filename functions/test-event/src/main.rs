//! GET /test-event — a `TestEvent` to `auth-events` through the outbox.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::auth::outbox(), handlers::auth::test_event).await
}
