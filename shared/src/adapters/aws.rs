//! AWS SDK configuration, loaded once per execution environment. `AWS_ENDPOINT_URL` and the
//! per-service variants (`AWS_ENDPOINT_URL_SQS`, …) point the clients at LocalStack or moto.
//!
//! The HTTPS client is rustls over ring rather than the SDK's default (rustls over AWS-LC): one
//! crypto library for every client of a function (the MongoDB driver and the introspection
//! client use ring too), 0.65-0.97 MB less per package (docs/performance.md) and no C build.
//! It is cheap to build here: connectors, and the system's root certificates
//! (`SSL_CERT_FILE`/`SSL_CERT_DIR` are honoured), are made on the first request.

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use std::time::Duration;

pub async fn sdk_config(dependency_timeout: Duration) -> aws_config::SdkConfig {
    defaults()
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

/// `aws_config::defaults` with the HTTPS client over rustls + ring, for every SDK client this
/// project builds (the functions, the local tools, the tests): without the SDK's
/// `default-https-client` feature a config needs a client.
pub fn defaults() -> aws_config::ConfigLoader {
    let https =
        aws_smithy_http_client::Builder::new().tls_provider(tls::Provider::Rustls(CryptoMode::Ring)).build_https();
    aws_config::defaults(BehaviorVersion::latest()).http_client(https)
}
