//! GET /api/health — the bookstore auth service's dependencies: PostgreSQL and the token store.

use shared::AppError;
use shared::adapters::{aws::sdk_config, dynamodb::DynamoTokens, postgres::Postgres};
use shared::config::dependency_timeout;
use shared::domain::health::{HealthReport, check};
use shared::transport::http::{self, Body, Request, Response};
use std::time::Duration;

struct State {
    db: Postgres,
    tokens: DynamoTokens,
    deadline: Duration,
}

async fn handle(state: &State, _req: Request) -> Result<Response<Body>, AppError> {
    let (db, tokens) = tokio::join!(check(state.deadline, state.db.ping()), check(state.deadline, state.tokens.ping()));
    let report = HealthReport::new("auth-api", [("postgres", db), ("dynamodb", tokens)]);
    Ok(http::json(report.http_status(), &report))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let deadline = dependency_timeout()?;
    let sdk = sdk_config(deadline).await;
    let state = State { db: Postgres::from_env()?, tokens: DynamoTokens::from_env(&sdk)?, deadline };
    http::serve(|req| handle(&state, req)).await
}
