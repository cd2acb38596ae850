//! Scheduled (every minute): delivers outbox events whose immediate delivery failed, e.g.
//! because SQS was down when the request committed. Nothing accepted is lost.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::invoke(app::operations::relay(), handlers::operations::relay).await
}
