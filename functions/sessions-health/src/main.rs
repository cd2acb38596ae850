//! GET /sessions/health — the session service's health (seed 001 §3 `GET /health`, moved to its
//! own path because the tenant service of seed 003 claims `GET /health` too): PostgreSQL,
//! MongoDB and the token store its JWT checks depend on.

use shared::AppError;
use shared::adapters::{aws::sdk_config, dynamodb::DynamoTokens, mongo::Mongo, postgres::Postgres};
use shared::config::dependency_timeout;
use shared::domain::health::{HealthReport, check};
use shared::transport::http::{self, Body, Request, Response};
use std::time::Duration;

struct State {
    db: Postgres,
    sessions: Mongo,
    tokens: DynamoTokens,
    deadline: Duration,
}

async fn handle(state: &State, _req: Request) -> Result<Response<Body>, AppError> {
    let (db, sessions, tokens) = tokio::join!(
        check(state.deadline, state.db.ping()),
        check(state.deadline, state.sessions.ping()),
        check(state.deadline, state.tokens.ping()),
    );
    let report = HealthReport::new("sessions", [("postgres", db), ("mongo", sessions), ("dynamodb", tokens)]);
    Ok(http::json(report.http_status(), &report))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let deadline = dependency_timeout()?;
    let sdk = sdk_config(deadline).await;
    let state = State {
        db: Postgres::from_env()?,
        sessions: Mongo::from_env().await?,
        tokens: DynamoTokens::from_env(&sdk)?,
        deadline,
    };
    http::serve(|req| handle(&state, req)).await
}
