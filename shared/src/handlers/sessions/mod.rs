//! The session service: session documents behind the auth service's tokens (create, list,
//! touch, end, verify), its health, and the consumer of `auth-events` that records sessions
//! from logins and logouts.

#[cfg(feature = "http")]
mod health;
#[cfg(feature = "sessions")]
mod recorder;
#[cfg(all(feature = "http", feature = "identity", feature = "sessions"))]
mod routes;

#[cfg(feature = "http")]
pub use health::health;
#[cfg(feature = "sessions")]
pub use recorder::on_auth_event;
#[cfg(all(feature = "http", feature = "identity", feature = "sessions", feature = "openapi"))]
pub use routes::Doc;
#[cfg(all(feature = "http", feature = "identity", feature = "sessions"))]
pub use routes::{create, end, list, touch, verify};
