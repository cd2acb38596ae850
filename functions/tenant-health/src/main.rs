//! GET /tenants/health — the tenant service's basic health (seed 003 `GET /health`, moved to
//! its own path because the session service claims `/health` too). The tenant directory is
//! required (503 when down); the shared cache is not (the service falls back to memory), so
//! its outage reports `degraded` with 200.

use shared::AppError;
use shared::adapters::{aws::sdk_config, dynamodb::DynamoCache, postgres::Postgres};
use shared::config::dependency_timeout;
use shared::domain::health::check;
use shared::domain::tenants::TenantHealth;
use shared::transport::http::{self, Body, Request, Response};
use std::time::Duration;

struct State {
    directory: Postgres,
    cache: DynamoCache,
    deadline: Duration,
}

async fn handle(state: &State, _req: Request) -> Result<Response<Body>, AppError> {
    let (database, cache) =
        tokio::join!(check(state.deadline, state.directory.ping()), check(state.deadline, state.cache.ping()));
    let report = TenantHealth::new(database, cache);
    Ok(http::json(report.http_status(), &report))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let deadline = dependency_timeout()?;
    let sdk = sdk_config(deadline).await;
    let state = State { directory: Postgres::from_env()?, cache: DynamoCache::from_env(&sdk)?, deadline };
    http::serve(|req| handle(&state, req)).await
}
