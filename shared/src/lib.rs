//! The library every function is built from, in layers:
//!
//! - [`domain`]: the rules of each service and the ports (traits) they need from the outside
//!   world; free of AWS, database drivers and HTTP.
//! - [`adapters`]: the ports implemented over PostgreSQL, MongoDB, DynamoDB, SQS, S3 and HTTP
//!   introspection, one folder per external system.
//! - [`transport`]: HTTP (API Gateway), SOAP and SQS mapped to and from the domain, and the
//!   runners every function's `main` calls; [`handlers`]: each service's routes over it.
//! - [`app`]: the composition roots, one per area, that build each function's state.
//! - [`config`]: every environment variable, read into typed settings in one place.
//!
//! Cargo features keep each function linking only what it uses. CONTRIBUTING.md explains where
//! a new piece goes.

pub mod adapters;
pub mod app;
pub mod config;
pub mod domain;
#[cfg(any(feature = "http", feature = "consumer", feature = "invoke"))]
pub mod handlers;
pub mod logging;
pub mod transport;

pub use config::ConfigError;
pub use domain::error::{AppError, Dependency, ErrorCode};
