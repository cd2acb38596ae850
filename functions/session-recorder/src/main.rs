//! SQS consumer of `auth-events`: `UserLoggedIn` records a session in MongoDB, `UserLoggedOut`
//! ends it (whichever arrives first). Idempotent: a redelivered event changes nothing; failures
//! are reported per message so only those are retried (then DLQ).

use shared::adapters::mongo::Mongo;
use shared::domain::sessions::apply_auth_event;
use shared::transport::sqs as consumer;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), consumer::Error> {
    shared::logging::init();
    let sessions = Mongo::from_env().await?;
    consumer::serve(|event| {
        let sessions = &sessions;
        async move { apply_auth_event(sessions, &event).await }
    })
    .await
}
