//! POST /api/auth/logout — deletes the bearer's token from the token store (seed 002): it stops
//! working everywhere at once. Queues `UserLoggedOut`.

use shared::adapters::{aws::sdk_config, dynamodb::DynamoTokens, postgres::Postgres, sqs::Sqs};
use shared::config::{QueueConfig, dependency_timeout};
use shared::http::{self, Body, Request, Response};
use shared::identity::Identity;
use shared::outbox::deliver_committed;
use shared::AppError;

struct State {
    identity: Identity<Postgres, DynamoTokens>,
    queue: Sqs,
}

async fn handle(state: &State, req: Request) -> Result<Response<Body>, AppError> {
    let claims = state.identity.authenticate(http::header_str(&req, "authorization")).await?;
    let entry = state.identity.logout(&claims, "auth.api").await?;
    deliver_committed(&state.identity.users, &state.queue, entry).await;
    Ok(http::json(200, &serde_json::json!({ "message": "logged out" })))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let sdk = sdk_config(dependency_timeout()?).await;
    let state = State { identity: Identity::from_env(&sdk)?, queue: Sqs::new(&sdk, QueueConfig::from_env()) };
    http::serve(|req| handle(&state, req)).await
}
