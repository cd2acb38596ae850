//! GET /test-db — checks PostgreSQL and returns its version and time (seed 001 §1).

use shared::adapters::postgres::Postgres;
use shared::http::{self, Body, Request, Response};
use shared::AppError;

async fn handle(db: &Postgres, _req: Request) -> Result<Response<Body>, AppError> {
    let detail = db.ping().await?.unwrap_or_default();
    Ok(http::json(200, &serde_json::json!({ "status": "ok", "database": detail })))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let db = Postgres::from_env()?;
    http::serve(|req| handle(&db, req)).await
}
