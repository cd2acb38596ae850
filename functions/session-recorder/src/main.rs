//! SQS consumer of `auth-events`: `UserLoggedIn` records a session in MongoDB, `UserLoggedOut`
//! ends it (whichever arrives first). Idempotent: a redelivered event changes nothing; failures
//! are reported per message so only those are retried (then DLQ).

use shared::adapters::mongo::Mongo;
use shared::consumer;
use shared::sessions::apply_auth_event;

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
