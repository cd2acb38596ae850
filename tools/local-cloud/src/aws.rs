//! SDK clients for the emulators: the local credentials and region, the endpoint of the
//! parameter file, an HTTP client over rustls + ring (the crypto the rest of the workspace
//! uses; the SDK's default would add AWS-LC), and short timeouts so that a stopped emulator is
//! noticed at once.

use crate::stack::functions::{LOCAL_ACCESS_KEY_ID, LOCAL_SECRET_ACCESS_KEY};
use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_sqs::config::{Credentials, Region};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use std::time::Duration;

/// The shared configuration; `attempt_timeout` bounds one request (long polls included).
pub async fn sdk_config(region: &str, attempt_timeout: Duration) -> aws_config::SdkConfig {
    let https =
        aws_smithy_http_client::Builder::new().tls_provider(tls::Provider::Rustls(CryptoMode::Ring)).build_https();
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(https)
        .region(Region::new(region.to_owned()))
        .credentials_provider(Credentials::new(LOCAL_ACCESS_KEY_ID, LOCAL_SECRET_ACCESS_KEY, None, None, "local-cloud"))
        // The callers retry with their own backoff; each SDK call stays short.
        .retry_config(RetryConfig::standard().with_max_attempts(2))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(2))
                .operation_attempt_timeout(attempt_timeout)
                .build(),
        )
        .load()
        .await
}

pub fn sqs(config: &aws_config::SdkConfig, endpoint: &str) -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::from_conf(aws_sdk_sqs::config::Builder::from(config).endpoint_url(endpoint).build())
}

pub fn dynamodb(config: &aws_config::SdkConfig, endpoint: &str) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::from_conf(aws_sdk_dynamodb::config::Builder::from(config).endpoint_url(endpoint).build())
}

/// Path-style addressing: `<bucket>.127.0.0.1` does not resolve.
pub fn s3(config: &aws_config::SdkConfig, endpoint: &str) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(config).endpoint_url(endpoint).force_path_style(true).build(),
    )
}

/// An SDK error with its causes, on one line.
pub fn describe<E: std::error::Error>(e: E) -> String {
    aws_sdk_sqs::error::DisplayErrorContext(e).to_string()
}
