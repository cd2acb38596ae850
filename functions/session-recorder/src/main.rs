//! SQS consumer of `auth-events`: `UserLoggedIn` records a session in MongoDB, `UserLoggedOut`
//! ends it (whichever arrives first). Idempotent: a redelivered event changes nothing; failures
//! are reported per message so only those are retried (then DLQ).

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::sqs(app::sessions::recorder(), handlers::sessions::on_auth_event).await
}
