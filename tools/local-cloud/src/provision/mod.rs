//! Creates the template's queues, tables and buckets on the emulators, idempotently: an existing
//! resource keeps its data and gets the template's settings again. Prints one line per resource.

mod dynamodb;
mod s3;
mod sqs;

use crate::aws;
use crate::error::{Error, Result};
use crate::stack::Stack;
use std::future::Future;
use std::time::Duration;

/// Local speed-ups that change a resource's settings (documented in docs/local-cloud.md).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `LOCAL_QUEUE_VISIBILITY_TIMEOUT`: every queue's `VisibilityTimeout`, so that a failed
    /// message is retried (and dead-lettered) in seconds rather than minutes.
    pub queue_visibility_timeout: Option<u32>,
}

pub async fn provision(stack: &Stack, overrides: &Overrides) -> Result<()> {
    let config = aws::sdk_config(&stack.region, Duration::from_secs(20)).await;
    let sqs = aws::sqs(&config, &stack.emulators.sqs);
    let report = |line: String| {
        use std::io::Write;
        let _ = writeln!(std::io::stdout().lock(), "{line}");
    };
    for line in sqs::queues(&sqs, stack, overrides).await? {
        report(line);
    }
    let ddb = aws::dynamodb(&config, &stack.emulators.dynamodb);
    for table in &stack.tables {
        report(dynamodb::table(&ddb, table, &stack.emulators.dynamodb).await?);
    }
    for endpoint in &stack.emulators.s3 {
        let s3 = aws::s3(&config, endpoint);
        for bucket in &stack.buckets {
            report(s3::bucket(&s3, bucket, &stack.region, endpoint).await?);
        }
    }
    Ok(())
}

/// Retries `call` while the emulator is still starting (no connection, 5xx), about 10 s.
async fn retry<T, E, F, Fut>(what: &str, mut call: F) -> Result<T>
where
    E: std::error::Error + Send + Sync + 'static + ProvideStatus,
    F: FnMut() -> Fut,
    Fut: Future<Output = std::result::Result<T, E>>,
{
    let mut attempt = 0;
    loop {
        match call().await {
            Ok(v) => return Ok(v),
            Err(e) if attempt < 20 && e.transient() => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(e) => return Err(Error::aws(what, aws::describe(e))),
        }
    }
}

/// Whether an SDK error may go away by itself (the service is starting).
trait ProvideStatus {
    fn transient(&self) -> bool;
}

/// Every SDK crate shares these types (aws-smithy-runtime-api).
impl<E> ProvideStatus for aws_sdk_sqs::error::SdkError<E, aws_sdk_sqs::config::http::HttpResponse> {
    fn transient(&self) -> bool {
        use aws_sdk_sqs::error::SdkError;
        match self {
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => true,
            SdkError::ResponseError(e) => e.raw().status().as_u16() >= 500,
            SdkError::ServiceError(e) => e.raw().status().as_u16() >= 500,
            _ => false,
        }
    }
}
