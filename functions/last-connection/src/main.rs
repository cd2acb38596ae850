//! GET /last-connection?username= — the user's latest session, as an ISO 8601 timestamp and
//! relative to now (seed 000, 001 §6). User from PostgreSQL, sessions from MongoDB.

use shared::AppError;
use shared::adapters::{mongo::Mongo, postgres::Postgres};
use shared::domain::sessions::{last_connection, validate_username};
use shared::transport::http::{self, Body, Request, Response};

struct State {
    users: Postgres,
    sessions: Mongo,
}

async fn handle(state: &State, req: Request) -> Result<Response<Body>, AppError> {
    let raw = http::query_param(&req, "username");
    let username = validate_username(raw.as_deref())?;
    let found = last_connection(&state.users, &state.sessions, username, chrono::Utc::now()).await?;
    Ok(http::json(200, &found))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let state = State { users: Postgres::from_env()?, sessions: Mongo::from_env().await? };
    http::serve(|req| handle(&state, req)).await
}
