//! The local cloud, read from template.yaml when it starts.
//!
//! [`stack::Stack`] is the template deployed with the parameter file (`localstack/parameters.toml`):
//! parameters resolved, intrinsics evaluated, every function with the environment Lambda would
//! give it, the routes of the HTTP API, the queues, tables and buckets, the SQS event-source
//! mappings and the schedules. The rest of the crate acts on it: [`provision`] creates the
//! resources on the emulators, [`serve`] runs the HTTP API gateway, the Invoke API, the
//! event-source mappings and the schedules over execution environments of the real function
//! binaries ([`runtime`]). The tests use the same model (`tests/src/lib.rs`).
//!
//! Why read the template instead of generating configuration from it: there is no second copy to
//! keep in sync and nothing to regenerate; a change to template.yaml is live at the next start.

pub mod aws;
pub mod env;
pub mod envfile;
pub mod error;
pub mod event_source;
pub mod gateway;
pub mod http;
pub mod intrinsics;
pub mod invoke_api;
pub mod parameters;
pub mod provision;
pub mod routes;
pub mod runtime;
pub mod schedule;
pub mod scheduler;
pub mod serve;
pub mod stack;
pub mod template;

pub use error::{Error, Result};
pub use stack::{Settings, Stack};
