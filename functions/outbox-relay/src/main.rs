//! Scheduled (every minute): delivers outbox events whose immediate delivery failed, e.g.
//! because SQS was down when the request committed. Nothing accepted is lost.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use shared::adapters::{aws::sdk_config, postgres::Postgres, sqs::Sqs};
use shared::config::{QueueConfig, dependency_timeout, parse_or};
use shared::domain::outbox::relay;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    shared::logging::init();
    let sdk = sdk_config(dependency_timeout()?).await;
    let db = Postgres::from_env()?;
    let queue = Sqs::new(&sdk, QueueConfig::from_env());
    let batch: i64 = parse_or("OUTBOX_BATCH_SIZE", 100)?;
    let (db, queue) = (&db, &queue);
    lambda_runtime::run(service_fn(move |_event: LambdaEvent<serde_json::Value>| async move {
        let report = relay(db, queue, batch).await?;
        tracing::info!(delivered = report.delivered, failed = report.failed, "outbox relay run");
        Ok::<_, Error>(serde_json::to_value(report)?)
    }))
    .await
}
