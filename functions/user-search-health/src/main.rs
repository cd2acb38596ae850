//! GET /user-search/health — the User Lookup SOAP service's health: a PostgreSQL ping (seed 001 §5).

use shared::AppError;
use shared::adapters::postgres::Postgres;
use shared::config::dependency_timeout;
use shared::domain::health::{HealthReport, check};
use shared::transport::http::{self, Body, Request, Response};
use std::time::Duration;

struct State {
    db: Postgres,
    deadline: Duration,
}

async fn handle(state: &State, _req: Request) -> Result<Response<Body>, AppError> {
    let db = check(state.deadline, state.db.ping()).await;
    let report = HealthReport::new("user-search", [("postgres", db)]);
    Ok(http::json(report.http_status(), &report))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let state = State { db: Postgres::from_env()?, deadline: dependency_timeout()? };
    http::serve(|req| handle(&state, req)).await
}
