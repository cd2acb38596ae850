//! SQS consumer of `user-events`: `UserRegistered` -> an audit record in MongoDB, once per
//! event id; failures reported per message (then DLQ).

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::sqs(app::operations::audit(), handlers::audit::on_user_event).await
}
