//! GET /test-event — publishes a `TestEvent` to `auth-events` (seed 001 §1), through the outbox
//! like every other event, so it arrives even if SQS is briefly down.

use shared::AppError;
use shared::adapters::{
    aws::sdk_config,
    postgres::{Postgres, TestEventAccepted},
    sqs::Sqs,
};
use shared::config::{AUTH_EVENTS, QueueConfig, dependency_timeout};
use shared::domain::events::{EventEnvelope, TEST_EVENT};
use shared::domain::outbox::{OutboxEntry, deliver_committed};
use shared::transport::http::{self, Body, Request, Response};

struct State {
    db: Postgres,
    queue: Sqs,
}

async fn handle(state: &State, req: Request) -> Result<Response<Body>, AppError> {
    let event = EventEnvelope::new(
        TEST_EVENT,
        "identity.test-event",
        serde_json::json!({ "requestId": http::request_id(&req) }),
    )
    .map_err(AppError::internal)?;
    state.db.enqueue(AUTH_EVENTS, &event).await?;
    let id = event.id;
    let delivered = deliver_committed(&state.db, &state.queue, OutboxEntry { queue: AUTH_EVENTS.into(), event }).await;
    // 202: accepted; delivered now, or by the outbox relay shortly.
    Ok(http::json(202, &TestEventAccepted { event_id: id, queue: AUTH_EVENTS, delivered }))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let sdk = sdk_config(dependency_timeout()?).await;
    let state = State { db: Postgres::from_env()?, queue: Sqs::new(&sdk, QueueConfig::from_env()) };
    http::serve(|req| handle(&state, req)).await
}
