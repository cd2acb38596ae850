//! One adapter per external system, each behind a Cargo feature.

#[cfg(feature = "aws")]
pub mod aws;
#[cfg(feature = "dynamodb")]
pub mod dynamodb;
#[cfg(feature = "tenants")]
pub mod introspection;
#[cfg(any(test, feature = "fakes"))]
pub mod memory;
#[cfg(feature = "mongo")]
pub mod mongo;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(all(feature = "s3", feature = "images"))]
pub mod s3;
#[cfg(feature = "sqs")]
pub mod sqs;
