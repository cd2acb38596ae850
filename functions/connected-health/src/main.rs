//! GET /connected/health — PostgreSQL and MongoDB connectivity, per component (seed 000, 001 §6).

use shared::AppError;
use shared::adapters::{mongo::Mongo, postgres::Postgres};
use shared::config::dependency_timeout;
use shared::domain::health::{HealthReport, check};
use shared::transport::http::{self, Body, Request, Response};
use std::time::Duration;

struct State {
    db: Postgres,
    sessions: Mongo,
    deadline: Duration,
}

async fn handle(state: &State, _req: Request) -> Result<Response<Body>, AppError> {
    let (db, sessions) =
        tokio::join!(check(state.deadline, state.db.ping()), check(state.deadline, state.sessions.ping()),);
    let report = HealthReport::new("connected", [("postgres", db), ("mongo", sessions)]);
    Ok(http::json(report.http_status(), &report))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let state =
        State { db: Postgres::from_env()?, sessions: Mongo::from_env().await?, deadline: dependency_timeout()? };
    http::serve(|req| handle(&state, req)).await
}
