//! Applies the SQL migrations (refinery) to PostgreSQL. Invoked once after each deploy (and by
//! the local cloud's start-up) rather than on every cold start of the request functions.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use shared::adapters::postgres::Postgres;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    shared::logging::init();
    let db = Postgres::from_env()?;
    let db = &db;
    lambda_runtime::run(service_fn(move |_event: LambdaEvent<serde_json::Value>| async move {
        let applied = db.migrate().await?;
        tracing::info!(?applied, "migrations applied");
        Ok::<_, Error>(serde_json::json!({ "applied": applied }))
    }))
    .await
}
