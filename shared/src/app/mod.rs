//! Composition roots: where clients are built from typed configuration and handed to the
//! services. One module per area; each of its functions builds one kind of function's state,
//! all in the same style — `pub async fn name() -> Result<State, ConfigError>`, reading the
//! process environment through `config` and connecting lazily (nothing here waits on the
//! network, so a cold start costs no round trip).

pub mod auth;
#[cfg(feature = "chat")]
pub mod chat;
#[cfg(feature = "apidocs")]
pub mod docs;
#[cfg(all(feature = "images", feature = "s3"))]
pub mod images;
pub mod operations;
pub mod sessions;
#[cfg(feature = "tenants")]
pub mod tenants;
#[cfg(all(feature = "soap", feature = "identity", feature = "postgres"))]
pub mod user_lookup;
#[cfg(all(feature = "postgres", feature = "sqs"))]
pub mod user_soap;

#[cfg(feature = "aws")]
use crate::config::{ConfigError, Env};

/// The AWS SDK's settings, with this project's timeouts and HTTPS client.
#[cfg(feature = "aws")]
pub(crate) async fn aws(env: &Env) -> Result<aws_config::SdkConfig, ConfigError> {
    Ok(crate::adapters::aws::sdk_config(crate::config::dependency_timeout(env)?).await)
}
