//! SQS consumer of `user-events`: `UserRegistered` -> an audit record in MongoDB, once per
//! event id; failures reported per message (then DLQ).

use shared::adapters::mongo::Mongo;
use shared::domain::audit::apply_user_event;
use shared::transport::sqs as consumer;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), consumer::Error> {
    shared::logging::init();
    let trail = Mongo::from_env().await?;
    consumer::serve(|event| {
        let trail = &trail;
        async move { apply_user_event(trail, &event).await }
    })
    .await
}
