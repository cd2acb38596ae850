//! GET /test-db — checks PostgreSQL and returns its version and time (seed 001 §1).

use shared::AppError;
use shared::adapters::postgres::{DatabaseTest, Postgres};
use shared::transport::http::{self, Body, Request, Response};

async fn handle(db: &Postgres, _req: Request) -> Result<Response<Body>, AppError> {
    let database = db.server_info().await?;
    Ok(http::json(200, &DatabaseTest { status: "ok", database }))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let db = Postgres::from_env()?;
    http::serve(|req| handle(&db, req)).await
}
