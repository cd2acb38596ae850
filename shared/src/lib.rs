//! Library shared by every function: domain modules named after what they do
//! (identity, sessions, events, outbox, health) over adapters named after the system they
//! talk to. Cargo features keep each function's dependencies to what it uses.

pub mod audit;
pub mod config;
pub mod error;
pub mod events;
pub mod health;
pub mod logging;
pub mod outbox;
pub mod ratelimit;

#[cfg(feature = "identity")]
pub mod identity;
#[cfg(feature = "images")]
pub mod images;
#[cfg(feature = "sessions")]
pub mod sessions;
#[cfg(feature = "tenants")]
pub mod tenants;

#[cfg(feature = "apidocs")]
pub mod apidocs;
#[cfg(feature = "chat")]
pub mod chat;
#[cfg(feature = "consumer")]
pub mod consumer;
#[cfg(feature = "http")]
pub mod cors;
#[cfg(feature = "http")]
pub mod http;
#[cfg(feature = "openapi")]
pub mod openapi;
#[cfg(feature = "soap")]
pub mod soap;
#[cfg(feature = "validation")]
pub mod validation;

pub mod adapters;

pub mod codes;
pub use error::{AppError, ConfigError, Dependency, ErrorCode};
