//! GET /user-soap/health — the user SOAP service's dependencies: PostgreSQL and the
//! `user-events` queue.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::user_soap::health(), handlers::user_soap::health).await
}
