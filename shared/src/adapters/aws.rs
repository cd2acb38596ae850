//! AWS SDK configuration, loaded once per execution environment. `AWS_ENDPOINT_URL` and the
//! per-service variants (`AWS_ENDPOINT_URL_SQS`, …) point the clients at LocalStack or moto.

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use std::time::Duration;

pub async fn sdk_config(dependency_timeout: Duration) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        // Fail fast when the service is down: the handler answers 503 and the outbox keeps the event.
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_millis(500).min(dependency_timeout))
                .operation_timeout(dependency_timeout)
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(2))
        .load()
        .await
}
