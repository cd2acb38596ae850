//! POST /api/auth/register — JSON registration (seed 002); `UserRegistered` to `user-events`.

use shared::AppError;
use shared::adapters::{aws::sdk_config, postgres::Postgres, sqs::Sqs};
use shared::config::{QueueConfig, dependency_timeout};
use shared::domain::auth::{PasswordHasher, RegisteredUser, Registration, register};
use shared::domain::outbox::deliver_committed;
use shared::transport::http::{self, Body, Request, Response};

struct State {
    db: Postgres,
    queue: Sqs,
    hasher: PasswordHasher,
}

async fn handle(state: &State, req: Request) -> Result<Response<Body>, AppError> {
    let registration: Registration = http::parse_json(&req, 4 * 1024)?;
    let (user, entry) = register(&state.db, &state.hasher, &registration, "auth.api").await?;
    deliver_committed(&state.db, &state.queue, entry).await;
    Ok(http::json(201, &RegisteredUser { user }))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let sdk = sdk_config(dependency_timeout()?).await;
    let state = State {
        db: Postgres::from_env()?,
        queue: Sqs::new(&sdk, QueueConfig::from_env()),
        hasher: PasswordHasher::from_env()?,
    };
    http::serve(|req| handle(&state, req)).await
}
