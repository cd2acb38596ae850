//! GET /auth/health — the auth service's dependencies: PostgreSQL and the `auth-events` queue.

use shared::AppError;
use shared::adapters::{aws::sdk_config, postgres::Postgres, sqs::Sqs};
use shared::config::{AUTH_EVENTS, QueueConfig, dependency_timeout};
use shared::domain::health::{HealthReport, check};
use shared::transport::http::{self, Body, Request, Response};
use std::time::Duration;

struct State {
    db: Postgres,
    queue: Sqs,
    deadline: Duration,
}

async fn handle(state: &State, _req: Request) -> Result<Response<Body>, AppError> {
    let (db, queue) =
        tokio::join!(check(state.deadline, state.db.ping()), check(state.deadline, state.queue.ping(AUTH_EVENTS)),);
    let report = HealthReport::new("auth", [("postgres", db), ("sqs", queue)]);
    Ok(http::json(report.http_status(), &report))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let deadline = dependency_timeout()?;
    let sdk = sdk_config(deadline).await;
    let state = State { db: Postgres::from_env()?, queue: Sqs::new(&sdk, QueueConfig::from_env()), deadline };
    http::serve(|req| handle(&state, req)).await
}
