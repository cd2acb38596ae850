//! MongoDB: the session documents and the audit trail. The client is created once and connects
//! on first use; each collection's indexes are created by the first call that needs them.

mod audit;
mod client;
#[cfg(feature = "sessions")]
mod sessions;

pub use audit::AUDIT;
pub use client::Mongo;
#[cfg(feature = "sessions")]
pub use sessions::SESSIONS;
